/* Bures-Wasserstein geometry: distance, OT map, geodesic, exp and log maps.
 *
 * All of them go through one kernel (pair_solve) that avoids the cancellation of the
 * trace formula. With S0 = U diag(s) U', r = sqrt(s), work in the eigenbasis U of S0:
 *   M~ = diag(r) U'S1U diag(r) = V diag(mu) V',  N~ = M~^1/2 = V diag(sqrt mu) V',
 *   E~ = diag(r) U'(S1 - S0)U diag(r)            (formed from the difference S1 - S0),
 *   D~ = N~ - diag(s) solves diag(s) D~ + D~ N~ = E~, so D~ V has entries
 *   (E~ V)_ij / (s_i + n_j)                      (no cancellation: s_i + n_j > 0),
 *   then one step of iterative refinement on the quadratic equation for D~, and
 *   W2^2 = |m0 - m1|^2 + tr(D S0^-1 D) = |m0 - m1|^2 + sum_ij D~_ij^2 / s_i,
 *   T - I = S0^-1/2 D S0^-1/2 = U diag(1/r) D~ diag(1/r) U'.
 * W2^2 is a sum of squares (never negative) and exactly 0 when S1 == S0 and m1 == m0.
 *
 * Cost. M~ is formed as E~ + diag(s)^2 (= diag(r) U'(S1 - S0 + S0)U diag(r), since
 * U'S0U = diag(s)): the same matrix to working accuracy and exactly the one whose square root
 * N~ = diag(s) + D~ the refined quadratic equation describes, without two more products.
 * The refinement's residual is formed in the basis V (see pair_solve: two products and a
 * symmetric rank-d update, dsyrk), and W2^2 is read off (D~ + correction) V without going back to
 * the basis U. A distance is then two eigendecompositions, one Cholesky factorisation (S1's
 * definiteness check) and 12 d^3 flops of products (14 before the refinement moved to the
 * basis V; the OT map, geodesic and log map need D~ itself: 2 d^3 more).
 * d = 2 runs the same algorithm in straight-line 2 x 2 arithmetic (pair_solve2), d = 1 in
 * closed form (pair_solve1), without BLAS/LAPACK calls and without workspace.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "core/internal.h"

/* Workspace slots used by pair_solve and its callers. */
enum { U_ = 0, T1_ = 1, T2_ = 2, V_ = 3, F_ = 4, X_ = 5, T3_ = 6 };
enum { S_ = 0, N_ = 1, R_ = 2, IS_ = 3 };

/* bw__check_gaussian for d = 2 in straight-line code (same checks, same order). */
static bw_status check_gaussian2(const bw_gaussian *g) {
  const double *m = g->mean, *S = g->cov;
  const int ld = g->ld;
  if (ld < 2) return BW_ERR_DIM;
  const double a = S[0], b = S[1], c = S[ld], e = S[1 + ld];
  if (!isfinite(m[0]) || !isfinite(m[1]) || !isfinite(a) || !isfinite(b) || !isfinite(c) ||
      !isfinite(e))
    return BW_ERR_NONFINITE;
  const double x = fabs(a) > fabs(b) ? fabs(a) : fabs(b), y = fabs(c) > fabs(e) ? fabs(c) : fabs(e);
  const double amax = x > y ? x : y;
  return fabs(b - c) > BW_SYM_RTOL * amax ? BW_ERR_NOT_SYMMETRIC : BW_OK;
}

static bw_status check_pair(const bw_gaussian *g0, const bw_gaussian *g1) {
  if (g0 && g1 && g0->mean && g0->cov && g1->mean && g1->cov && g0->d == 2 && g1->d == 2) {
    bw_status st = check_gaussian2(g0);
    return st ? st : check_gaussian2(g1);
  }
  bw_status st = bw__check_gaussian(g0);
  if (!st) st = bw__check_gaussian(g1);
  if (!st && g0->d != g1->d) st = BW_ERR_DIM_MISMATCH;
  return st;
}

/* The first half of pair_solve, which depends on g0 only: S0 = U diag(s) U' into mat[U_],
 * vec[S_], and r = sqrt(s) into vec[R_] (S0 positive definite by its eigenvalues). */
static bw_status pair_prepare(bw__path path, bw_workspace *ws, const bw_gaussian *g0) {
  const int d = g0->d;
  double *s = ws->vec[S_], *r = ws->vec[R_];
  bw_status st = bw__eigh_path(path, ws, d, g0->cov, g0->ld, s, ws->mat[U_], d);
  if (st) return st;
  if (!(s[0] > 0.0)) return BW_ERR_NOT_SPD;
  for (int i = 0; i < d; i++) r[i] = sqrt(s[i]);
  return BW_OK;
}

/* The second half, after pair_prepare(g0): computes the covariance part of W2^2 into
 * *cov_part and, when want_x, X~ = U'(T - I)U into mat[X_]. Leaves U in mat[U_] and s in
 * vec[S_] (so that it can run again for another g1). */
static bw_status pair_finish(bw__path path, bw_workspace *ws, const bw_gaussian *g0,
                             const bw_gaussian *g1, double *cov_part, bool want_x) {
  const int d = g0->d;
  double *U = ws->mat[U_], *A = ws->mat[T1_], *B = ws->mat[T2_], *V = ws->mat[V_];
  double *F = ws->mat[F_], *C = ws->mat[T3_], *s = ws->vec[S_], *n = ws->vec[N_], *r = ws->vec[R_];
  const double *S0 = g0->cov, *S1 = g1->cov;
  const int l0 = g0->ld, l1 = g1->ld;
  bw_status st;

  /* S1 positive definite (Cholesky, as bw_gaussian_set). */
  if (!bw__chol(d, S1, l1, C)) return BW_ERR_NOT_SPD;

  /* E~ = diag(r) U'(S1 - S0)U diag(r) into B (the difference symmetrised first). */
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) F[i + j * d] = S1[i + j * l1] - S0[i + j * l0];
  bw__symmetrize(d, F, d);
  bw__sym_congruence('T', d, F, U, B, A);
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) B[i + j * d] *= r[i] * r[j];

  /* M~ = E~ + diag(s)^2 = V diag(mu) V' (eigensolver reads the lower triangle of C). */
  for (int j = 0; j < d; j++)
    for (int i = j; i < d; i++) C[i + j * d] = B[i + j * d] + (i == j ? s[i] * s[i] : 0.0);
  if ((st = bw__eigh_path(path, ws, d, C, d, n, V, d))) return st;
  if (!(n[0] > 0.0)) return BW_ERR_NOT_SPD;
  for (int j = 0; j < d; j++) n[j] = sqrt(n[j]);

  /* F = (E~ V) ./ (s_i + n_j), so that D~ = F V' (in A). */
  bw__gemm('N', 'N', d, 1.0, B, d, V, d, 0.0, A, d);
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      A[i + j * d] /= s[i] + n[j];
      B[i + j * d] = s[i] * A[i + j * d]; /* diag(s) F, for G below */
    }

  /* One step of iterative refinement (Newton on diag(s) D + D diag(s) + D^2 = E~): the
   * eigenvectors V of the graded matrix M~ are accurate only to eps |M~| / gap, which for
   * nearby Gaussians with a wide spectrum costs up to ~1e-9 relative accuracy. The
   * correction X solves N~ X + X N~ = R, R = E~ - diag(s) D~ - D~ diag(s) - D~^2, in the
   * same (approximate) eigenbasis: V'XV = (V'RV) ./ (n_i + n_j). The residual is formed in
   * that basis directly: with D~ = F V' and E~ V = diag(s) F + F diag(n) (the definition of
   * F), V'RV = K diag(n) - G' - K K', K = V'F (= V'D~V), G = V' diag(s) F: two products and
   * a rank-d update instead of D~ = F V', D~^2 and a congruence. */
  bw__gemm('T', 'N', d, 1.0, V, d, B, d, 0.0, F, d); /* G */
  bw__gemm('T', 'N', d, 1.0, V, d, A, d, 0.0, C, d); /* K */
  bw__syrk(d, C, B);                                  /* lower triangle of K K' */
  for (int j = 0; j < d; j++)
    for (int i = j; i < d; i++) {
      const double kn = 0.5 * (C[i + j * d] * n[j] + C[j + i * d] * n[i]);
      const double g = 0.5 * (F[j + i * d] + F[i + j * d]);
      const double x = (kn - g - B[i + j * d]) / (n[i] + n[j]);
      C[i + j * d] = C[j + i * d] = x;
    }
  /* (D~ + V X V') V = F + V X (in A). */
  bw__gemm('N', 'N', d, 1.0, V, d, C, d, 1.0, A, d);

  /* cov_part = tr(D~ diag(1/s) D~) = |diag(s)^-1/2 D~|_F^2 = |diag(s)^-1/2 D~ V|_F^2 (V is
   * orthogonal) = sum_ij A_ij^2 / s_i. */
  double acc = 0.0, *is = ws->vec[IS_];
  for (int i = 0; i < d; i++) is[i] = 1.0 / s[i];
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) acc += A[i + j * d] * A[i + j * d] * is[i];
  *cov_part = acc;
  if (!isfinite(acc)) return BW_ERR_OVERFLOW;

  if (want_x) { /* D~ = A V' (symmetrised), X~ = diag(1/r) D~ diag(1/r) */
    double *X = ws->mat[X_];
    bw__gemm('N', 'T', d, 1.0, A, d, V, d, 0.0, F, d);
    bw__symmetrize(d, F, d);
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++) X[i + j * d] = F[i + j * d] / (r[i] * r[j]);
  }
  return BW_OK;
}

static bw_status pair_solve(bw__path path, bw_workspace *ws, const bw_gaussian *g0,
                            const bw_gaussian *g1, double *cov_part, bool want_x) {
  /* S1's definiteness is checked before S0's eigendecomposition, as always. */
  if (!bw__chol(g0->d, g1->cov, g1->ld, ws->mat[T3_])) return BW_ERR_NOT_SPD;
  bw_status st = pair_prepare(path, ws, g0);
  return st ? st : pair_finish(path, ws, g0, g1, cov_part, want_x);
}

/* ---- d = 2: the same algorithm in straight-line arithmetic ----
 * Symmetric 2 x 2 matrices are (a, b, c) = [a b; b c]; general ones are column-major m[4]. */
typedef struct {
  double U[4], s[2], X[4]; /* S0 = U diag(s) U', X~ = U'(T - I)U (symmetric, X[1] == X[2]) */
} pair2;

/* M' P M for symmetric P = (a, b, c) and general M, symmetrised: out (a, b, c). */
static inline void congr2(const double *M, double a, double b, double c, double *o) {
  const double t00 = a * M[0] + b * M[1], t10 = b * M[0] + c * M[1];
  const double t01 = a * M[2] + b * M[3], t11 = b * M[2] + c * M[3];
  o[0] = M[0] * t00 + M[1] * t10;
  o[2] = M[2] * t01 + M[3] * t11;
  o[1] = 0.5 * ((M[2] * t00 + M[3] * t10) + (M[0] * t01 + M[1] * t11));
}

/* M P M' for symmetric P = (a, b, c), symmetrised: out (a, b, c). */
static inline void congr2t(const double *M, double a, double b, double c, double *o) {
  const double Mt[4] = {M[0], M[2], M[1], M[3]};
  congr2(Mt, a, b, c, o);
}

static bw_status pair_solve2(const bw_gaussian *g0, const bw_gaussian *g1, double *cov_part,
                             pair2 *px) {
  const double *S0 = g0->cov, *S1 = g1->cov;
  const int l0 = g0->ld, l1 = g1->ld;
  /* S1 positive definite: Cholesky pivots of (S1 + S1')/2, as bw__chol. */
  const double b1 = 0.5 * (S1[1] + S1[l1]);
  if (!(S1[0] > 0.0) || !(S1[1 + l1] - b1 * (b1 / S1[0]) > 0.0)) return BW_ERR_NOT_SPD;
  double s[2], U[4];
  bw__eigh2(S0[0], S0[1], S0[1 + l0], s, U, 2);
  if (!(s[0] > 0.0)) return BW_ERR_NOT_SPD;
  /* Reciprocals are formed as soon as their arguments exist, off the critical path (the
   * chain of roots and divisions through the two eigendecompositions). */
  const double r0 = sqrt(s[0]), r1 = sqrt(s[1]), is0 = 1.0 / s[0], is1 = 1.0 / s[1];

  /* E~ = diag(r) U'(S1 - S0)U diag(r). */
  double E[3];
  congr2(U, S1[0] - S0[0], 0.5 * ((S1[1] - S0[1]) + (S1[l1] - S0[l0])), S1[1 + l1] - S0[1 + l0], E);
  E[0] *= r0 * r0;
  E[1] *= r0 * r1;
  E[2] *= r1 * r1;

  /* M~ = E~ + diag(s)^2 = V diag(mu) V'. */
  double mu[2], V[4];
  bw__eigh2(E[0] + s[0] * s[0], E[1], E[2] + s[1] * s[1], mu, V, 2);
  if (!(mu[0] > 0.0)) return BW_ERR_NOT_SPD;
  const double n0 = sqrt(mu[0]), n1 = sqrt(mu[1]);
  const double in00 = 0.5 / n0, in01 = 1.0 / (n0 + n1), in11 = 0.5 / n1;

  /* A = (E~ V) ./ (s_i + n_j), D~ = A V' (symmetrised). */
  const double a00 = (E[0] * V[0] + E[1] * V[1]) / (s[0] + n0);
  const double a10 = (E[1] * V[0] + E[2] * V[1]) / (s[1] + n0);
  const double a01 = (E[0] * V[2] + E[1] * V[3]) / (s[0] + n1);
  const double a11 = (E[1] * V[2] + E[2] * V[3]) / (s[1] + n1);
  double d00 = a00 * V[0] + a01 * V[2], d11 = a10 * V[1] + a11 * V[3];
  double d10 = 0.5 * ((a10 * V[0] + a11 * V[2]) + (a00 * V[1] + a01 * V[3]));

  /* Refinement: R = E~ - diag(s) D~ - D~ diag(s) - D~^2, Q = (V'RV) ./ (n_i + n_j),
   * D~ += V Q V'. */
  const double R0 = E[0] - 2.0 * s[0] * d00 - (d00 * d00 + d10 * d10);
  const double R2 = E[2] - 2.0 * s[1] * d11 - (d10 * d10 + d11 * d11);
  const double R1 = E[1] - (s[0] + s[1]) * d10 - d10 * (d00 + d11);
  double Q[3], Z[3];
  congr2(V, R0, R1, R2, Q);
  Q[0] *= in00;
  Q[1] *= in01;
  Q[2] *= in11;
  congr2t(V, Q[0], Q[1], Q[2], Z);
  d00 += Z[0];
  d10 += Z[1];
  d11 += Z[2];

  const double acc = (d00 * d00 + d10 * d10) * is0 + (d10 * d10 + d11 * d11) * is1;
  if (!isfinite(acc)) return BW_ERR_OVERFLOW;
  *cov_part = acc;
  if (px) {
    memcpy(px->U, U, sizeof U);
    px->s[0] = s[0];
    px->s[1] = s[1];
    px->X[0] = d00 / (r0 * r0);
    px->X[1] = px->X[2] = d10 / (r0 * r1);
    px->X[3] = d11 / (r1 * r1);
  }
  return BW_OK;
}

/* d = 1: D = sqrt(S1) - sqrt(S0) = (S1 - S0) / (sqrt(S1) + sqrt(S0)) (the general algorithm
 * at d = 1 in closed form), W2^2 = |dm|^2 + D^2, T - I = D / sqrt(S0). */
static bw_status pair_solve1(const bw_gaussian *g0, const bw_gaussian *g1, double *cov_part,
                             pair2 *px) {
  const double s0 = g0->cov[0], s1 = g1->cov[0];
  if (!(s1 > 0.0) || !(s0 > 0.0)) return BW_ERR_NOT_SPD;
  const double r0 = sqrt(s0), D = (s1 - s0) / (r0 + sqrt(s1)), acc = D * D;
  if (!isfinite(acc)) return BW_ERR_OVERFLOW;
  *cov_part = acc;
  if (px) {
    px->U[0] = 1.0;
    px->s[0] = s0;
    px->X[0] = D / r0;
  }
  return BW_OK;
}

static bw_status pair_solve_small(const bw_gaussian *g0, const bw_gaussian *g1, double *cov_part,
                                  pair2 *px) {
  return g0->d == 1 ? pair_solve1(g0, g1, cov_part, px) : pair_solve2(g0, g1, cov_part, px);
}

/* Y = U X~ U' (+ I), 2 x 2 (or 1 x 1), written with leading dimension ldy. */
static void from_eigenbasis2(int d, const pair2 *p, bool plus_identity, double *Y, int ldy) {
  if (d == 1) {
    Y[0] = p->X[0] + plus_identity;
    return;
  }
  double o[3];
  congr2t(p->U, p->X[0], p->X[1], p->X[3], o);
  Y[0] = o[0] + plus_identity;
  Y[1] = Y[ldy] = o[1];
  Y[1 + ldy] = o[2] + plus_identity;
}

/* The workspace rule of the general path: a workspace, when given, must serve d. */
static bw_status ws_check2(const bw_workspace *ws, int d) {
  return ws && ws->dmax < d ? BW_ERR_DIM_MISMATCH : BW_OK;
}

/* Is the symmetric d x d (d <= 2) matrix Y (ld ldy) positive definite? Cholesky pivots. */
static bool spd_small(int d, const double *Y, int ldy) {
  return d == 1 ? Y[0] > 0.0 : bw__spd2(Y[0], Y[1], Y[1 + ldy]);
}

static double mean_sq(const bw_gaussian *g0, const bw_gaussian *g1) {
  double acc = 0.0;
  for (int i = 0; i < g0->d; i++) {
    double e = g1->mean[i] - g0->mean[i];
    acc += e * e;
  }
  return acc;
}

bw_status bw__w2sq_path(bw__path path, bw_workspace *ws, const bw_gaussian *g0,
                        const bw_gaussian *g1, double *w2sq) {
  if (!w2sq) return BW_ERR_NULL;
  bw_status st = check_pair(g0, g1);
  if (st) return st;
  double c = 0.0;
  if (g0->d <= 2 && path == BW__AUTO) {
    if (!(st = ws_check2(ws, g0->d)) && !(st = pair_solve_small(g0, g1, &c, NULL))) {
      double r = mean_sq(g0, g1) + c;
      if (isfinite(r)) *w2sq = r;
      else st = BW_ERR_OVERFLOW;
    }
    return st;
  }
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, g0->d, &own))) return st;
  if (!(st = pair_solve(path, ws, g0, g1, &c, false))) {
    double r = mean_sq(g0, g1) + c;
    if (isfinite(r)) *w2sq = r;
    else st = BW_ERR_OVERFLOW;
  }
  bw_workspace_free(own);
  return st;
}

bw_status bw__w2sq_shared(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1,
                         bool *prepared, double *w2sq) {
  if (!w2sq || !prepared) return BW_ERR_NULL;
  if (g0 && g0->d <= 2) return bw__w2sq_path(BW__AUTO, ws, g0, g1, w2sq); /* nothing to share */
  bw_status st = check_pair(g0, g1);
  if (st) return st;
  if (!ws) return BW_ERR_NULL;
  if (ws->dmax < g0->d) return BW_ERR_DIM_MISMATCH;
  /* pair_solve's order: S1's definiteness first, then S0's half (once), then the rest */
  if (!bw__chol(g0->d, g1->cov, g1->ld, ws->mat[T3_])) return BW_ERR_NOT_SPD;
  if (!*prepared) {
    if ((st = pair_prepare(BW__AUTO, ws, g0))) return st;
    *prepared = true;
  }
  double c = 0.0;
  if ((st = pair_finish(BW__AUTO, ws, g0, g1, &c, false))) return st;
  const double r = mean_sq(g0, g1) + c;
  if (!isfinite(r)) return BW_ERR_OVERFLOW;
  *w2sq = r;
  return BW_OK;
}

bw_status bw__w2_many(bw_workspace *ws, const bw_gaussian *g0, int n, const bw_gaussian *const *g1,
                      double *w2) {
  if (!g1 || !w2) return BW_ERR_NULL;
  if (n < 0 || n > BW__W2_MANY_MAX) return BW_ERR_BAD_ARG;
  double out[BW__W2_MANY_MAX];
  bw_status st = BW_OK;
  for (int k = 0; k < n && !st; k++) st = check_pair(g0, g1[k]);
  if (st || n == 0) return st;
  bw_workspace *own = NULL;
  if (g0->d > 2 && (st = bw__ws_get(&ws, g0->d, &own))) return st;
  bool prepared = false;
  for (int k = 0; k < n && !st; k++)
    if (!(st = bw__w2sq_shared(ws, g0, g1[k], &prepared, &out[k]))) out[k] = sqrt(out[k]);
  bw_workspace_free(own);
  if (!st)
    for (int k = 0; k < n; k++) w2[k] = out[k];
  return st;
}

bw_status bw_w2sq(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1, double *w2sq) {
  return bw__w2sq_path(BW__AUTO, ws, g0, g1, w2sq);
}

bw_status bw_w2(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1, double *w2) {
  if (!w2) return BW_ERR_NULL;
  double sq;
  bw_status st = bw__w2sq_path(BW__AUTO, ws, g0, g1, &sq);
  if (!st) *w2 = sqrt(sq);
  return st;
}

/* Y = U X~ U' (+ I when plus_identity), written to Y with leading dimension ldy. */
static void from_eigenbasis(bw_workspace *ws, int d, bool plus_identity, double *Y, int ldy) {
  double *U = ws->mat[U_], *X = ws->mat[X_], *A = ws->mat[T1_], *B = ws->mat[T2_];
  bw__sym_congruence('N', d, X, U, B, A);
  bw__copy(d, B, d, Y, ldy);
  if (plus_identity)
    for (int i = 0; i < d; i++) Y[i + i * ldy] += 1.0;
}

bw_status bw__ot_map_path(bw__path path, bw_workspace *ws, const bw_gaussian *g0,
                          const bw_gaussian *g1, double *T, int ldt) {
  if (!T) return BW_ERR_NULL;
  bw_status st = check_pair(g0, g1);
  if (st) return st;
  if (ldt < g0->d) return BW_ERR_DIM;
  double c;
  /* T is SPD in exact arithmetic; in floating point it is not when its condition number
   * passes ~1/eps (extreme covariances): BW_ERR_LOST_SPD rather than a non-SPD map. */
  if (g0->d <= 2 && path == BW__AUTO) {
    pair2 p;
    double Tl[4];
    if (!(st = ws_check2(ws, g0->d)) && !(st = pair_solve_small(g0, g1, &c, &p))) {
      from_eigenbasis2(g0->d, &p, true, Tl, 2);
      if (!spd_small(g0->d, Tl, 2)) st = BW_ERR_LOST_SPD;
      else bw__copy(g0->d, Tl, 2, T, ldt);
    }
    return st;
  }
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, g0->d, &own))) return st;
  const int d = g0->d;
  double *Tw = ws->mat[T3_];
  if (!(st = pair_solve(path, ws, g0, g1, &c, true))) {
    from_eigenbasis(ws, d, true, Tw, d);
    if (!bw__chol(d, Tw, d, ws->mat[T1_])) st = BW_ERR_LOST_SPD;
    else bw__copy(d, Tw, d, T, ldt);
  }
  bw_workspace_free(own);
  return st;
}

bw_status bw_ot_map(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1, double *T,
                    int ldt) {
  return bw__ot_map_path(BW__AUTO, ws, g0, g1, T, ldt);
}

bw_status bw_log_map(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1, double *v,
                     double *X, int ldx) {
  if (!v || !X) return BW_ERR_NULL;
  bw_status st = check_pair(g0, g1);
  if (st) return st;
  if (ldx < g0->d) return BW_ERR_DIM;
  double c;
  if (g0->d <= 2) {
    pair2 p;
    if (!(st = ws_check2(ws, g0->d)) && !(st = pair_solve_small(g0, g1, &c, &p))) {
      for (int i = 0; i < g0->d; i++) v[i] = g1->mean[i] - g0->mean[i];
      from_eigenbasis2(g0->d, &p, false, X, ldx);
    }
    return st;
  }
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, g0->d, &own))) return st;
  if (!(st = pair_solve(BW__AUTO, ws, g0, g1, &c, true))) {
    for (int i = 0; i < g0->d; i++) v[i] = g1->mean[i] - g0->mean[i];
    from_eigenbasis(ws, g0->d, false, X, ldx);
  }
  bw_workspace_free(own);
  return st;
}

/* S_t~ = (I + t X~) diag(s) (I + t X~), S_t = U S_t~ U' into ws->mat[T3_]. */
static void geodesic_cov(bw_workspace *ws, int d, double t) {
  double *U = ws->mat[U_], *X = ws->mat[X_], *A = ws->mat[T1_], *B = ws->mat[T2_];
  double *s = ws->vec[S_], *St = ws->mat[T3_];
  for (int j = 0; j < d; j++) /* A = Y diag(sqrt s), Y = I + t X~ (symmetric) */
    for (int i = 0; i < d; i++) A[i + j * d] = ((i == j) + t * X[i + j * d]) * sqrt(s[j]);
  bw__syrk(d, A, B); /* Y diag(s) Y' */
  bw__lower_to_full(d, B, d, B, d);
  bw__sym_congruence('N', d, B, U, St, A);
}

bw_status bw__geodesic_path(bw__path path, bw_workspace *ws, const bw_gaussian *g0,
                            const bw_gaussian *g1, double t, bw_gaussian *gt) {
  bw_status st = check_pair(g0, g1);
  if (st) return st;
  if (!gt || !gt->mean || !gt->cov) return BW_ERR_NULL;
  if (gt->d < 1 || gt->ld < gt->d) return BW_ERR_DIM;
  if (gt->d != g0->d) return BW_ERR_DIM_MISMATCH;
  if (!(t >= 0.0 && t <= 1.0)) return BW_ERR_BAD_ARG;
  const int d = g0->d;
  double c;
  if (d == 1 && path == BW__AUTO) {
    pair2 p;
    if (!(st = ws_check2(ws, 1)) && !(st = pair_solve1(g0, g1, &c, &p))) {
      const double y = 1.0 + t * p.X[0], v = y * p.s[0] * y;
      if (!(v > 0.0)) return BW_ERR_LOST_SPD;
      gt->mean[0] = (1.0 - t) * g0->mean[0] + t * g1->mean[0];
      gt->cov[0] = v;
    }
    return st;
  }
  if (d == 2 && path == BW__AUTO) {
    pair2 p;
    if (!(st = ws_check2(ws, 2)) && !(st = pair_solve2(g0, g1, &c, &p))) {
      /* S_t~ = (I + t X~) diag(s) (I + t X~), S_t = U S_t~ U'. */
      const double y00 = 1.0 + t * p.X[0], y10 = t * p.X[1], y11 = 1.0 + t * p.X[3];
      const double Y[4] = {y00, y10, y10, y11};
      double o[3], q[3];
      congr2(Y, p.s[0], 0.0, p.s[1], o);
      congr2t(p.U, o[0], o[1], o[2], q);
      if (!bw__spd2(q[0], q[1], q[2])) return BW_ERR_LOST_SPD;
      for (int i = 0; i < 2; i++) gt->mean[i] = (1.0 - t) * g0->mean[i] + t * g1->mean[i];
      gt->cov[0] = q[0];
      gt->cov[1] = gt->cov[gt->ld] = q[1];
      gt->cov[1 + gt->ld] = q[2];
    }
    return st;
  }
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;
  if (!(st = pair_solve(path, ws, g0, g1, &c, true))) {
    geodesic_cov(ws, d, t);
    if (!bw__chol(d, ws->mat[T3_], d, ws->mat[T1_])) st = BW_ERR_LOST_SPD;
  }
  if (!st) {
    for (int i = 0; i < d; i++) gt->mean[i] = (1.0 - t) * g0->mean[i] + t * g1->mean[i];
    bw__copy(d, ws->mat[T3_], d, gt->cov, gt->ld);
  }
  bw_workspace_free(own);
  return st;
}

bw_status bw_geodesic(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1, double t,
                      bw_gaussian *gt) {
  return bw__geodesic_path(BW__AUTO, ws, g0, g1, t, gt);
}

bw_status bw_exp_map(bw_workspace *ws, const bw_gaussian *g0, const double *v, const double *X,
                     int ldx, bw_gaussian *g1) {
  bw_status st = bw__check_gaussian(g0);
  if (st) return st;
  if (!v || !X || !g1 || !g1->mean || !g1->cov) return BW_ERR_NULL;
  const int d = g0->d;
  if (ldx < d || g1->d < 1 || g1->ld < g1->d) return BW_ERR_DIM;
  if (g1->d != d) return BW_ERR_DIM_MISMATCH;
  if ((st = bw__check_finite(d, v)) || (st = bw__check_sym(d, X, ldx, BW_SYM_RTOL))) return st;
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;
  double *Y = ws->mat[0], *A = ws->mat[1], *B = ws->mat[2], *m = ws->vec[0];
  /* S0 positive definite (g0 is a Gaussian) and I + X positive definite (the domain on
   * which exp inverts log): Cholesky pivots, as everywhere. */
  if (!bw__chol(d, g0->cov, g0->ld, B)) st = BW_ERR_NOT_SPD;
  if (!st) {
    bw__copy(d, X, ldx, A, d);
    bw__symmetrize(d, A, d);
    for (int i = 0; i < d; i++) A[i + i * d] += 1.0;
    if (!bw__chol(d, A, d, B)) st = BW_ERR_NOT_SPD;
  }
  if (!st) {
    bw__gemm('N', 'N', d, 1.0, g0->cov, g0->ld, A, d, 0.0, B, d); /* S0 (I + X) */
    bw__gemm('N', 'N', d, 1.0, A, d, B, d, 0.0, Y, d);             /* (I + X) S0 (I + X) */
    bw__symmetrize(d, Y, d);
    for (int i = 0; i < d; i++) m[i] = g0->mean[i] + v[i];
    if (bw__check_finite(d * d, Y) || bw__check_finite(d, m)) st = BW_ERR_OVERFLOW;
    else if (!bw__chol(d, Y, d, B)) st = BW_ERR_LOST_SPD;
  }
  if (!st) {
    for (int i = 0; i < d; i++) g1->mean[i] = m[i];
    bw__copy(d, Y, d, g1->cov, g1->ld);
  }
  bw_workspace_free(own);
  return st;
}
