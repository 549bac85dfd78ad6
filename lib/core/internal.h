/* bwflow internals shared by the library's source files (not installed).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_INTERNAL_H
#define BW_INTERNAL_H
#include <math.h>
#include <stdbool.h>
#include "bwflow.h"

/* Internal functions have hidden visibility (the default with -fvisibility=hidden) and
 * the prefix bw__. */

#define BW_WS_NMAT 8 /* d x d scratch matrices */
#define BW_WS_NVEC 8 /* d scratch vectors */

struct bw_workspace {
  int dmax;
  double *mat[BW_WS_NMAT]; /* each dmax*dmax, leading dimension = the d of the call */
  double *vec[BW_WS_NVEC]; /* each dmax */
  double *work;            /* dsyevd real workspace */
  int lwork;
  int *iwork;              /* dsyevd integer workspace */
  int liwork;
  size_t bytes;
};

/* Get a workspace for dimension d: *ws itself when given (BW_ERR_DIM_MISMATCH if too
 * small), or a fresh one stored in *own as well (free it with bw_workspace_free(*own)). */
bw_status bw__ws_get(bw_workspace **ws, int d, bw_workspace **own);

/* A copy of a problem (NULL when out of memory). */
bw_problem *bw__problem_clone(const bw_problem *pb);

/* Entries finite (BW_ERR_NONFINITE)? */
bw_status bw__check_finite(int n, const double *x);
/* d x d matrix finite and symmetric within rtol * max|a| ? */
bw_status bw__check_sym(int d, const double *A, int lda, double rtol);
/* Argument checks for a Gaussian: non-NULL, d >= 1, ld >= d, finite, symmetric. Does not
 * check definiteness (eigendecompositions and Cholesky do that where they run). */
bw_status bw__check_gaussian(const bw_gaussian *g);

/* Symmetric eigendecomposition: w ascending, V orthonormal eigenvectors (V may alias A when
 * ldv == lda). Uses the lower triangle of A and the workspace's dsyevd arrays only.
 * Dispatch by d (lib/core/eig_small.c): d = 2 one closed-form Jacobi rotation, d <=
 * BW_EIGH_SMALL_MAX Householder tridiagonalisation + implicit QL, larger d LAPACK dsyevd. */
bw_status bw__eigh(bw_workspace *ws, int d, const double *A, int lda, double *w, double *V, int ldv);

/* Kernel selection, for tests that compare the small-d kernels with the general path:
 * BW__AUTO dispatches by d (2 x 2 closed forms, small eigensolver, LAPACK); BW__GENERAL
 * always takes the general path (dsyevd and dense d x d products). */
typedef enum { BW__AUTO = 0, BW__GENERAL = 1 } bw__path;
#define BW_EIGH_SMALL_MAX 56 /* largest d for the small eigensolver (crossover vs dsyevd: ~60 with
                              * OpenBLAS AVX-512 kernels, ~90-120 with its SSE3 fallback) */
bw_status bw__eigh_path(bw__path path, bw_workspace *ws, int d, const double *A, int lda, double *w,
                        double *V, int ldv);
/* Always LAPACK dsyevd. */
bw_status bw__eigh_lapack(bw_workspace *ws, int d, const double *A, int lda, double *w, double *V,
                         int ldv);
/* 2 x 2 [a b; b c]: one Jacobi rotation (w ascending, V 2 x 2 with leading dimension ldv).
 * Inline: the 2 x 2 kernels are chains of roots and divisions, which the compiler can only
 * interleave with the surrounding work when it sees them. */
static inline void bw__eigh2(double a, double b, double c, double *w, double *V, int ldv) {
  /* Rotation J = [cs sn; -sn cs] with J' [a b; b c] J diagonal, |angle| <= pi/4:
   * t = tan(angle) = sign(theta) / (|theta| + sqrt(theta^2 + 1)), theta = x / b, x = (c - a)/2,
   * i.e. t = sign(x) b / u with h = hypot(x, b), u = |x| + h, and
   * cs = 1 / sqrt(1 + t^2) = u / sqrt(2 h u), sn = t cs = sign(x) b / sqrt(2 h u).
   * The eigenvalues are a - t b and c + t b (|t| <= 1: no cancellation beyond
   * eps max(|a|, |b|, |c|)). This form has three roots/divisions on its critical path (one
   * root, then a root and a division in parallel, then a division) instead of five. */
  double t = 0.0, cs = 1.0, sn = 0.0;
  if (b != 0.0) {
    const double x = 0.5 * c - 0.5 * a; /* halves first: c - a cannot overflow */
    const double h2 = x * x + b * b;
    if (h2 > 1e-290 && h2 < 1e290) {
      const double h = sqrt(h2), u = fabs(x) + h, sb = x < 0.0 ? -b : b;
      const double rq = 1.0 / sqrt(2.0 * h * u);
      t = sb / u;
      cs = u * rq;
      sn = sb * rq;
    } else { /* extreme scales: theta form */
      const double theta = x / b, at = fabs(theta);
      t = at > 1e150 ? 0.5 / at : 1.0 / (at + sqrt(at * at + 1.0));
      if (theta < 0.0) t = -t;
      cs = 1.0 / sqrt(1.0 + t * t);
      sn = t * cs;
    }
  }
  const double w0 = a - t * b, w1 = c + t * b;
  if (w0 <= w1) {
    w[0] = w0, w[1] = w1;
    V[0] = cs, V[1] = -sn, V[ldv] = sn, V[1 + ldv] = cs;
  } else {
    w[0] = w1, w[1] = w0;
    V[0] = sn, V[1] = cs, V[ldv] = cs, V[1 + ldv] = -sn;
  }
}
/* Tridiagonalisation + QL for n >= 3 (work: n^2 + 6n doubles). */
bw_status bw__eigh_tql(int n, const double *A, int lda, double *w, double *V, int ldv, double *work);
/* Eigenvalues w (ascending) of the symmetric A (lower triangle, n >= 3) and Y <- Y V for its
 * eigenvectors V (Y n x n, ldy), without forming V: the Householder reflectors and the QL
 * rotations are applied to Y directly. work: n^2 + 6n doubles. */
bw_status bw__eigh_tql_apply(int n, const double *A, int lda, double *w, double *Y, int ldy,
                             double *work);
/* The same with the public entry points' checks (internal entry points for tests). */
bw_status bw__jko_step_path(bw__path path, const bw_jko_plan *plan, bw_workspace *ws,
                            const bw_gaussian *in, bw_gaussian *out);
bw_status bw__w2sq_path(bw__path path, bw_workspace *ws, const bw_gaussian *g0,
                        const bw_gaussian *g1, double *w2sq);
bw_status bw__ot_map_path(bw__path path, bw_workspace *ws, const bw_gaussian *g0,
                          const bw_gaussian *g1, double *T, int ldt);
bw_status bw__geodesic_path(bw__path path, bw_workspace *ws, const bw_gaussian *g0,
                            const bw_gaussian *g1, double t, bw_gaussian *gt);

/* W2 from g0 to each of g1[0..n-1] (0 <= n <= BW__W2_MANY_MAX), equal to n calls of bw_w2
 * with g0 first, with S0's eigendecomposition done once; w2 written only on success
 * (lib/geometry/geometry.c). */
#define BW__W2_MANY_MAX 8
bw_status bw__w2_many(bw_workspace *ws, const bw_gaussian *g0, int n, const bw_gaussian *const *g1,
                      double *w2);
/* W2^2(g0, g1) with bw_w2sq's checks, order and arithmetic (the same result bit for bit),
 * for one g0 and many g1 in turn: for d >= 3 (ws required, dimension >= d) S0's
 * eigendecomposition is computed when *prepared is false, then kept in ws (and *prepared
 * set) for the next call with the same g0 and ws; d <= 2 is bw_w2sq itself. */
bw_status bw__w2sq_shared(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1,
                         bool *prepared, double *w2sq);

/* The named fields of a Gaussian state (lib/geometry/gaussian.c), shared by the systems whose
 * states are Gaussians: m1..md, the covariance's upper triangle row by row (S11, S12, ...;
 * Si_j when d >= 10), then J, Jeta, slope_sq. bw__gaussian_fields writes them with
 * Jeta = J - eta/4 slope_sq. */
int bw__gaussian_nfields(int d);
void bw__gaussian_field_name(int d, int i, char *buf, size_t n);
void bw__gaussian_fields(const bw_gaussian *g, double J, double eta, double slope_sq, double *v);

/* The covariance map of an explicit step (lib/geometry/spd.c): Out = N S N (N, S symmetric,
 * S positive definite; all d x d with ld d), BW_ERR_LOST_SPD when N is singular to working
 * precision (min |eig N| <= 16 d eps max |eig N|) or Out is not positive definite (Cholesky),
 * BW_ERR_OVERFLOW when not finite. Uses ws->vec[0] and the eigensolver arrays; T, C: d x d
 * scratch. */
bw_status bw__sym_push(bw_workspace *ws, int d, const double *N, const double *S, double *Out, double *T,
                       double *C);
/* The JKO step of the entropy from covariance C (symmetric positive semi-definite; negative
 * eigenvalues from rounding count as 0): Out = e I + C/2 + (C^2/4 + e C)^(1/2), e = eta tau >= 0
 * (docs/math.md section 4). BW_ERR_LOST_SPD when e = 0 and C is singular. Uses ws->vec[0],
 * ws->mat[BW_WS_NMAT - 1] and the eigensolver arrays; V: d x d scratch. */
bw_status bw__entropy_step(bw_workspace *ws, int d, const double *C, double e, double *Out, double *V);

/* Dense helpers (column-major; lib/core/linalg.c, which uses none of the eigensolvers). */
void bw__copy(int d, const double *A, int lda, double *B, int ldb);          /* B = A */
void bw__symmetrize(int d, double *A, int lda);                             /* A = (A + A')/2 */
void bw__eye(int d, double *A, int lda);
/* C = alpha op(A) op(B) + beta C with op = 'N' or 'T' (square d x d). */
void bw__gemm(char ta, char tb, int d, double alpha, const double *A, int lda, const double *B,
              int ldb, double beta, double *C, int ldc);
/* Cholesky (S + S')/2 = L L' (L d x d with ld d, lower triangle written). false when S is
 * not positive definite to working precision (a pivot <= 0). */
bool bw__chol(int d, const double *S, int lds, double *L);
/* (a + b) / 2 without overflow near DBL_MAX nor underflow of subnormals (a == b: a). */
static inline double bw__avg(double a, double b) { return a == b ? a : 0.5 * a + 0.5 * b; }
/* bw__chol's verdict for the 2 x 2 symmetric [[a, b], [b, c]], with the same arithmetic
 * (pivot a, l = b / sqrt(a) as b * (1 / sqrt(a)), pivot c - l^2). */
static inline bool bw__spd2(double a, double b, double c) {
  if (!(a > 0.0)) return false;
  const double l = b * (1.0 / sqrt(a));
  return c - l * l > 0.0;
}
/* c = sum_{k0 <= k < k1} b_k A(0:m-1, k) (A with leading dimension lda). */
void bw__colcomb(int m, const double *restrict A, int lda, const double *restrict b, int k0, int k1,
                 double *restrict c);
/* Z = Wt L, L lower triangular; all d x d with ld d. */
void bw__trmm_wl(int d, const double *Wt, const double *L, double *Z);
/* Lower triangle of C = A A' (A and C d x d with ld d; small d fill all of C). */
void bw__syrk(int d, const double *A, double *C);
/* Out = X' M X (trans 'T') or X M X' (trans 'N') for symmetric M, full symmetric result;
 * all d x d with ld d, T d x d scratch, Out may be M. Large d: one triangular product and a
 * rank-2d update (dtrmm + dsyr2k, 3 d^3 flops) instead of two products (4 d^3). */
void bw__sym_congruence(char trans, int d, const double *M, const double *X, double *Out, double *T);
/* F = the symmetric matrix whose lower triangle is L's (F may be L when ldf == ldl). */
void bw__lower_to_full(int d, const double *L, int ldl, double *F, int ldf);
/* F = V diag(f) V' (symmetric result; scratch d x d). */
void bw__vdvt(int d, const double *V, int ldv, const double *f, double *F, int ldf, double *scratch);

#endif
