/* JKO-Flow of the Gaussian system (lib/gaussian/jkoflow.c): the functions CVODE calls --
 * the right-hand side, the dense Jacobian, the Jacobian-vector product and the Krylov
 * preconditioner, the collapse root function -- and the packed-state helpers they share.
 * The state, the formulas and the positive-definiteness conventions are described at the
 * top of lib/gaussian/jkoflow.c. SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_spgmr.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "core/cvode_util.h"
#include "core/internal.h"
#include "core/lapack.h"
#include "gaussian/modflow2.h"
#include "core/nvector.h"

#include "gaussian/jkoflow_internal.h"

/* Not in lapack.h (only this file uses it). */
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t luplo);

/* M = the symmetric matrix of the packed triangle xs (both triangles written). */
void bw__jf_unpack(int d, const double *xs, double *M) {
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++) M[i + (size_t)j * d] = M[j + (size_t)i * d] = xs[bw__jf_pidx(i, j)];
}

/* Up to this d, inverses are inline loops (and bw__chol factors without LAPACK): LAPACK's call
 * overhead (argument checks, blocking logic, xerbla set-up) dominates dpotrf + dpotri there
 * (callgrind, d = 10: 15k instructions per inverse with LAPACK, ~3k inline). */
#define SMALL_D 16

/* W = X^-1 (both triangles) from the packed xs, small d: U = chol(X)' in T, V = U^-1 in place
 * (upper), W = V V'. 1 if X is not positive definite. */
static int inverse_small(int d, const double *xs, double *W, double *U) {
  bw__jf_unpack(d, xs, W);
  if (!bw__chol(d, W, d, U)) return 1; /* X = L L', L in U's lower triangle */
  for (int j = 0; j < d; j++) /* U = L' in the upper triangle */
    for (int i = 0; i < j; i++) U[i + (size_t)j * d] = U[j + (size_t)i * d];
  /* V = U^-1, column by column: V_jj = 1/U_jj, V_ij = -(sum_{k=i}^{j-1} V_ik U_kj) / U_jj;
   * column j of U is read before it is overwritten (V's column j needs U's column j and V's
   * columns < j, already in place). */
  for (int j = 0; j < d; j++) {
    double *uj = U + (size_t)j * d;
    const double rjj = 1.0 / uj[j];
    for (int i = 0; i < j; i++) {
      double s = 0.0;
      for (int k = i; k < j; k++) s += U[i + (size_t)k * d] * uj[k];
      W[i] = s; /* W's first column as a temporary */
    }
    for (int i = 0; i < j; i++) uj[i] = -W[i] * rjj;
    uj[j] = rjj;
  }
  /* W = V V': W_ij = sum_{k >= max(i, j)} V_ik V_jk */
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++) {
      double s = 0.0;
      for (int k = j; k < d; k++) s += U[i + (size_t)k * d] * U[j + (size_t)k * d];
      W[i + (size_t)j * d] = W[j + (size_t)i * d] = s;
    }
  for (size_t k = 0; k < (size_t)d * d; k++)
    if (!isfinite(W[k])) return 1;
  return 0;
}

/* W = X^-1 for the packed xs; 1 if X is not positive definite (or not finite). */
int bw__jf_inverse(const bw_jkoflow *jf, const double *xs, double *W) {
  const int d = jf->d;
  if (d <= SMALL_D) {
    for (size_t k = 0; k < bw__jf_pidx(0, d); k++)
      if (!isfinite(xs[k])) return 1;
    return inverse_small(d, xs, W, jf->T);
  }
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++) {
      double v = xs[bw__jf_pidx(i, j)];
      if (!isfinite(v)) return 1;
      W[i + (size_t)j * d] = v;
    }
  int info = 0;
  dpotrf_("U", &d, W, &d, &info, 1);
  if (info != 0) return 1;
  dpotri_("U", &d, W, &d, &info, 1);
  if (info != 0) return 1;
  for (int j = 0; j < d; j++)
    for (int i = 0; i < j; i++) W[j + (size_t)i * d] = W[i + (size_t)j * d];
  for (size_t k = 0; k < (size_t)d * d; k++)
    if (!isfinite(W[k])) return 1;
  return 0;
}

/* |M|_F^2 of the symmetric matrix whose upper triangle is packed in xs (off-diagonal entries
 * count twice). */
static double packed_frob2(int d, const double *xs) {
  double dg = 0.0;
  for (int i = 0; i < d; i++) dg += xs[bw__jf_pidx(i, i)] * xs[bw__jf_pidx(i, i)];
  return 2.0 * bw__dot((long)bw__jf_pidx(0, d), xs, xs) - dg;
}

/* A reference for the root function from an inverse already computed: W (upper triangle,
 * ld d) = X^-1 for the packed xs. bw__jf_lambda_min(X) = 1/|X^-1|_2 >= 1/|X^-1|_F, and the computed
 * inverse's normwise error is below c d eps cond(X) |X^-1| with c <= d (Cholesky-based
 * inversion, Higham, Accuracy and Stability ch. 14); where d^2 eps |X|_F |W|_F <= 1e-3
 * bounds that by 1e-3, lref = 0.5/|W|_F is a safe lower bound (the factor 1/2 covers the
 * error many times over). Accepted when it exceeds 2 theta. */
void bw__jf_offer_ref(bw_jkoflow *jf, const double *xs, const double *W) {
  const int d = jf->d;
  double wf2 = 0.0;
  for (int j = 0; j < d; j++) {
    const double *wj = W + (size_t)j * d;
    wf2 += 2.0 * bw__dot(j, wj, wj) + wj[j] * wj[j];
  }
  const double wf = sqrt(wf2), xf = sqrt(packed_frob2(d, xs)), lb = 0.5 / wf;
  if (!((double)d * d * DBL_EPSILON * xf * wf <= 1e-3) || !(lb > 2.0 * jf->theta)) return;
  jf->lref = lb;
  memcpy(jf->xref, xs, bw__jf_pidx(0, d) * sizeof(double));
  jf->want_ref = false;
}

/* ---- CVODE callbacks ---- */

/* The covariance terms beyond the affine part, for the packed state xs: fs -= e tau^2
 * pack(X^-1). The upper triangle of X^-1 is all the packed result needs, and the packed
 * layout stores X's upper triangle column by column, so for d > SMALL_D the columns are
 * copied whole (memcpy), factorised and inverted by LAPACK in place (dpotrf + dpotri), and
 * read back column by column; no symmetrisation, no d x d finiteness pass (the caller
 * checks f). 1 when X is not positive definite. A flow kind with further terms polynomial
 * in diag(p), X and X^-1 (conjugation-equivariant, hence computable in this basis) adds
 * them here. */
static int cov_terms(bw_jkoflow *jf, const double *xs, double *fs) {
  const int d = jf->d;
  const double c = jf->etau2;
  double *W = jf->W;
  if (d <= SMALL_D) {
    if (bw__jf_inverse(jf, xs, W)) return 1;
  } else {
    for (int j = 0; j < d; j++) memcpy(W + (size_t)j * d, xs + bw__jf_pidx(0, j), (size_t)(j + 1) * sizeof(double));
    int info = 0;
    dpotrf_("U", &d, W, &d, &info, 1);
    if (info != 0) return 1;
    dpotri_("U", &d, W, &d, &info, 1);
    if (info != 0) return 1;
  }
  for (int j = 0; j < d; j++) {
    const double *wj = W + (size_t)j * d;
    double *fj = fs + bw__jf_pidx(0, j);
    for (int i = 0; i <= j; i++) fj[i] -= c * wj[i];
  }
  if (jf->want_ref) bw__jf_offer_ref(jf, xs, W);
  if (jf->order == 2) { /* + e^2 tau^3 X^-2: W's lower triangle from the upper, then W W' */
    for (int j = 0; j < d; j++)
      for (int i = 0; i < j; i++) W[j + (size_t)i * d] = W[i + (size_t)j * d];
    bw__syrk(d, W, jf->T); /* lower triangle of W^2: (W^2)_ij, i <= j, at T[j + i d] */
    const double c3 = jf->e2tau3;
    for (int j = 0; j < d; j++) {
      double *fj = fs + bw__jf_pidx(0, j);
      for (int i = 0; i <= j; i++) fj[i] += c3 * jf->T[j + (size_t)i * d];
    }
  }
  return 0;
}

/* f = f(y): the affine part lin .* y + b, then the covariance terms; 1 when X is not
 * positive definite, 2 when f is not finite (to CVODE both are recoverable failures: the
 * step shrinks). */
int bw__jf_rhs_raw(bw_jkoflow *jf, const double *y, double *f) {
  const int d = jf->d, n = jf->n;
  const double *restrict lin = jf->lin, *restrict b = jf->b;
  for (int k = 0; k < n; k++) f[k] = lin[k] * y[k] + b[k];
  if (jf->need_inv && cov_terms(jf, y + d, f + d)) return 1;
  return bw__check_finite(n, f) ? 2 : 0;
}

int bw__jf_rhs(sunrealtype t, N_Vector yv, N_Vector fv, void *ud) {
  (void)t;
  return bw__jf_rhs_raw(ud, N_VGetArrayPointer(yv), N_VGetArrayPointer(fv));
}

int bw__jf_jac_dense(sunrealtype t, N_Vector yv, N_Vector fy, SUNMatrix Jm, void *ud,
                     N_Vector t1, N_Vector t2, N_Vector t3) {
  (void)t, (void)fy, (void)t1, (void)t2, (void)t3;
  bw_jkoflow *jf = ud;
  const double *y = N_VGetArrayPointer(yv);
  const int d = jf->d, n = jf->n;
  const double *W = jf->W;
  if (jf->need_inv) {
    int r = bw__jf_inverse(jf, y + d, jf->W);
    if (r) return r;
  }
  SUNMatZero(Jm);
  for (int k = 0; k < n; k++) SUNDenseMatrix_Column(Jm, k)[k] = jf->lin[k];
  if (!jf->need_inv) return 0;
  const double c = jf->etau2;
  for (int l = 0; l < d; l++)
    for (int k = 0; k <= l; k++) {
      double *col = SUNDenseMatrix_Column(Jm, (sunindextype)(d + bw__jf_pidx(k, l))) + d;
      const double *wk = W + (size_t)k * d, *wl = W + (size_t)l * d; /* columns k, l of W */
      for (int j = 0; j < d; j++)
        for (int i = 0; i <= j; i++) {
          double v = (k == l) ? wk[i] * wk[j] : wk[i] * wl[j] + wl[i] * wk[j];
          col[bw__jf_pidx(i, j)] += c * v;
        }
    }
  if (jf->order != 2) return 0;
  /* e^2 tau^3 d(W^2)[E] = -e^2 tau^3 (W E W^2 + W^2 E W), E = e_k e_l' + e_l e_k' (k < l) or
   * e_k e_k': entries W_ik (W^2)_lj + W_il (W^2)_kj + (W^2)_ik W_lj + (W^2)_il W_kj (k < l). */
  double *W2 = jf->T;
  bw__gemm('N', 'N', d, 1.0, W, d, W, d, 0.0, W2, d);
  const double c3 = jf->e2tau3;
  for (int l = 0; l < d; l++)
    for (int k = 0; k <= l; k++) {
      double *col = SUNDenseMatrix_Column(Jm, (sunindextype)(d + bw__jf_pidx(k, l))) + d;
      const double *wk = W + (size_t)k * d, *wl = W + (size_t)l * d;
      const double *qk = W2 + (size_t)k * d, *ql = W2 + (size_t)l * d;
      for (int j = 0; j < d; j++)
        for (int i = 0; i <= j; i++) {
          double v = (k == l) ? wk[i] * qk[j] + qk[i] * wk[j]
                              : wk[i] * ql[j] + wl[i] * qk[j] + qk[i] * wl[j] + ql[i] * wk[j];
          col[bw__jf_pidx(i, j)] -= c3 * v;
        }
    }
  return 0;
}

int bw__jf_jtsetup(sunrealtype t, N_Vector yv, N_Vector fy, void *ud) {
  (void)t, (void)fy;
  bw_jkoflow *jf = ud;
  if (!jf->need_inv) return 0;
  return bw__jf_inverse(jf, N_VGetArrayPointer(yv) + jf->d, jf->Wjt);
}

int bw__jf_jtimes(N_Vector vv, N_Vector Jvv, sunrealtype t, N_Vector yv, N_Vector fy, void *ud,
                  N_Vector tmp) {
  (void)t, (void)yv, (void)fy, (void)tmp;
  bw_jkoflow *jf = ud;
  const double *v = N_VGetArrayPointer(vv);
  double *Jv = N_VGetArrayPointer(Jvv);
  const int d = jf->d;
  for (int k = 0; k < jf->n; k++) Jv[k] = jf->lin[k] * v[k];
  if (!jf->need_inv) return 0;
  /* pack(W V W): T = V W, X = W T. */
  bw__jf_unpack(d, v + d, jf->X);
  bw__gemm('N', 'N', d, 1.0, jf->X, d, jf->Wjt, d, 0.0, jf->T, d);
  bw__gemm('N', 'N', d, 1.0, jf->Wjt, d, jf->T, d, 0.0, jf->X, d);
  double *js = Jv + d;
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++)
      js[bw__jf_pidx(i, j)] += jf->etau2 * 0.5 * (jf->X[i + (size_t)j * d] + jf->X[j + (size_t)i * d]);
  if (jf->order != 2) return 0;
  /* -e^2 tau^3 (W V W^2 + W^2 V W) = -e^2 tau^3 (Z W + W Z), Z = W V W (in X): T = Z W */
  bw__gemm('N', 'N', d, 1.0, jf->X, d, jf->Wjt, d, 0.0, jf->T, d);
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++)
      js[bw__jf_pidx(i, j)] -= jf->e2tau3 * (jf->T[i + (size_t)j * d] + jf->T[j + (size_t)i * d]);
  return 0;
}

int bw__jf_psetup(sunrealtype t, N_Vector yv, N_Vector fy, sunbooleantype jok,
                  sunbooleantype *jcur, sunrealtype gamma, void *ud) {
  (void)t, (void)fy, (void)gamma;
  bw_jkoflow *jf = ud;
  if (jok) {
    *jcur = SUNFALSE;
    return 0;
  }
  const int d = jf->d;
  memcpy(jf->jdiag, jf->lin, (size_t)jf->n * sizeof(double));
  if (jf->need_inv) {
    int r = bw__jf_inverse(jf, N_VGetArrayPointer(yv) + d, jf->W);
    if (r) return r;
    const double *W = jf->W;
    for (int j = 0; j < d; j++)
      for (int i = 0; i <= j; i++) {
        double wii = W[i + (size_t)i * d], wjj = W[j + (size_t)j * d], wij = W[i + (size_t)j * d];
        jf->jdiag[d + bw__jf_pidx(i, j)] += jf->etau2 * (i == j ? wii * wii : wii * wjj + wij * wij);
      }
    if (jf->order == 2) { /* the diagonal of -e^2 tau^3 d(W^2) (see bw__jf_jac_dense) */
      const double *W2 = jf->T;
      bw__gemm('N', 'N', d, 1.0, W, d, W, d, 0.0, jf->T, d);
      for (int j = 0; j < d; j++)
        for (int i = 0; i <= j; i++) {
          double wii = W[i + (size_t)i * d], wjj = W[j + (size_t)j * d], wij = W[i + (size_t)j * d];
          double qii = W2[i + (size_t)i * d], qjj = W2[j + (size_t)j * d], qij = W2[i + (size_t)j * d];
          jf->jdiag[d + bw__jf_pidx(i, j)] -= jf->e2tau3 * (i == j ? 2.0 * wii * qii : wii * qjj + qii * wjj + 2.0 * wij * qij);
        }
    }
  }
  jf->njac_krylov++;
  *jcur = SUNTRUE;
  return 0;
}

int bw__jf_psolve(sunrealtype t, N_Vector yv, N_Vector fy, N_Vector rv, N_Vector zv,
                  sunrealtype gamma, sunrealtype delta, int lr, void *ud) {
  (void)t, (void)yv, (void)fy, (void)delta, (void)lr;
  bw_jkoflow *jf = ud;
  const double *r = N_VGetArrayPointer(rv);
  double *z = N_VGetArrayPointer(zv);
  for (int k = 0; k < jf->n; k++) {
    double den = 1.0 - gamma * jf->jdiag[k];
    if (!(fabs(den) > 1e-8)) den = 1.0; /* (near-)singular diagonal entry: leave it alone */
    z[k] = r[k] / den;
  }
  return 0;
}

/* bw__jf_lambda_min(X) - theta, or theta itself when bw__jf_lambda_min(X) > 2 theta.
 * CVODE locates a root by bracketing sign changes (Illinois), so only the sign of g matters
 * away from the crossing; the exact value is used wherever bw__jf_lambda_min(X) <= 2 theta, i.e.
 * around any crossing. The test "bw__jf_lambda_min(X) > 2 theta" is one Cholesky factorisation of
 * X - s I with s = 2 theta + 2 (d+1) eps tr(X) (d^3/3 flops instead of a full
 * eigendecomposition: about half of JKO-Flow's time at d = 200 went into the root function):
 * a factorisation that succeeds in floating point certifies that X - s I + E is PD for some
 * |E|_2 <= (d+1) eps tr(X) (1 + O(eps)) (backward error of Cholesky), hence
 * bw__jf_lambda_min(X) > 2 theta, and g = theta > 0 has the right sign. The eigensolver (exact
 * branch) does not need X to be PD. */
/* Is bw__jf_lambda_min(X) > c? One Cholesky factorisation of X - s I, s = c + 2 (d+1) eps tr(X)
 * (see bw__jf_rootfn); 1 when certified. */
static int certify(bw_jkoflow *jf, const double *xs, double tr, double c) {
  const int d = jf->d;
  const double shift = c + 2.0 * (d + 1) * DBL_EPSILON * tr;
  bw__jf_unpack(d, xs, jf->X);
  for (int i = 0; i < d; i++) jf->X[i + (size_t)i * d] -= shift;
  return bw__chol(d, jf->X, d, jf->T); /* inline loops for small d, dpotrf above */
}

/* lambda_min of the packed X: eigenvalues only above the small eigensolver's range (dsyevd
 * without vectors: the tridiagonalisation and a root-free QR sweep, about a third of a full
 * eigendecomposition). */
bw_status bw__jf_lambda_min(bw_jkoflow *jf, const double *xs, double *lmin) {
  const int d = jf->d;
  bw_workspace *ws = jf->ws;
  double *w = ws->vec[0];
  bw__jf_unpack(d, xs, jf->X);
  if (d > BW_EIGH_SMALL_MAX) {
    int info = 0;
    dsyevd_("N", "L", &d, jf->X, &d, w, ws->work, &ws->lwork, ws->iwork, &ws->liwork, &info, 1, 1);
    if (info) return BW_ERR_LAPACK;
  } else {
    bw_status st = bw__eigh(ws, d, jf->X, d, w, ws->mat[0], d);
    if (st) return st;
  }
  *lmin = w[0];
  return BW_OK;
}

/* |X - Xref|_F^2 for packed symmetric X, Xref (off-diagonal entries count twice): one pass
 * over the packed arrays in four partial sums, then the diagonal subtracted once. */
static double frob2_diff(int d, const double *restrict xs, const double *restrict xr) {
  const size_t ns = bw__jf_pidx(0, d);
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, dg = 0.0;
  size_t k = 0;
  for (; k + 3 < ns; k += 4) {
    const double v0 = xs[k] - xr[k], v1 = xs[k + 1] - xr[k + 1];
    const double v2 = xs[k + 2] - xr[k + 2], v3 = xs[k + 3] - xr[k + 3];
    s0 += v0 * v0;
    s1 += v1 * v1;
    s2 += v2 * v2;
    s3 += v3 * v3;
  }
  for (; k < ns; k++) s0 += (xs[k] - xr[k]) * (xs[k] - xr[k]);
  for (int i = 0; i < d; i++) {
    const double v = xs[bw__jf_pidx(i, i)] - xr[bw__jf_pidx(i, i)];
    dg += v * v;
  }
  return 2.0 * ((s0 + s1) + (s2 + s3)) - dg;
}

/* Cheap path (most steps factor nothing): Weyl's inequality bw__jf_lambda_min(X) >= bw__jf_lambda_min(Xref)
 * - |X - Xref|_2 >= lref - |X - Xref|_F for a reference state Xref where bw__jf_lambda_min(Xref) >=
 * lref was certified; when that exceeds 2 theta, g = theta without a factorisation (|.|_F is
 * computed in floating point: the relative margin 1e-8 covers its rounding). References come
 * from the right-hand side's bw__jf_inverse (bw__jf_offer_ref): after each root evaluation the next
 * right-hand side evaluation, the first of the next step (at its predicted state), makes its
 * own state the reference (a copy and two norms, O(d^2)), so at the end of that step X is
 * only the corrector's change away from it. A step moves X by more than lref (~1/|X^-1|_F),
 * so a reference kept over several steps would not do. Only when no reference covers X is X
 * certified afresh against c = lguess/2 (halving lguess on failure, down to 2 theta) (at
 * d = 50 this replaced ~40 Cholesky factorisations per solve of the bench problem by ~1). */
int bw__jf_rootfn(sunrealtype t, N_Vector yv, sunrealtype *g, void *ud) {
  (void)t;
  bw_jkoflow *jf = ud;
  const int d = jf->d;
  const size_t ns = bw__jf_pidx(0, d);
  const double *xs = N_VGetArrayPointer(yv) + d;
  const double lim = 2.0 * jf->theta;
  if (jf->lref > lim) {
    const double dist = sqrt(frob2_diff(d, xs, jf->xref)) * (1.0 + 1e-8);
    if (jf->lref - dist > lim) { /* false for NaN: checked below */
      jf->want_ref = true;
      g[0] = jf->theta;
      return 0;
    }
  }
  jf->want_ref = true;
  for (size_t k = 0; k < ns; k++)
    if (!isfinite(xs[k])) return -1;
  double tr = 0.0;
  for (int i = 0; i < d; i++) tr += fabs(xs[bw__jf_pidx(i, i)]);
  for (int tries = 0; tries < 3 && 0.5 * jf->lguess > lim; tries++) {
    const double c = 0.5 * jf->lguess;
    if (certify(jf, xs, tr, c)) {
      jf->lref = c;
      memcpy(jf->xref, xs, ns * sizeof(double));
      g[0] = jf->theta;
      return 0;
    }
    jf->lguess *= 0.5;
  }
  jf->lref = -INFINITY;
  if (certify(jf, xs, tr, lim)) {
    g[0] = jf->theta;
    return 0;
  }
  double lmin;
  if (bw__jf_lambda_min(jf, xs, &lmin)) return -1;
  g[0] = lmin - jf->theta;
  jf->lguess = lmin;
  return 0;
}

void bw__jf_errhandler(int code, const char *module, const char *function, char *msg, void *ud) {
  bw_jkoflow *jf = ud;
  bw__cvode_error_text(code, module, function, msg, jf->errmsg, sizeof jf->errmsg);
}

