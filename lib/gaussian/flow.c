/* The exact Wasserstein gradient flow of J (docs/math.md section 3):
 *
 *   m(t) = Q diag(e^{-a t}) Q' m0 + Q diag(phi(a, t)) Q' h,    A = Q diag(a) Q'
 *   S(t) = E S0 E + 2 tau R diag(phi(2 p, t)) R',  E = R diag(e^{-p t}) R',  P = R diag(p) R'
 *   phi(a, t) = (1 - e^{-a t}) / a = t * g(a t),  g(x) = -expm1(-x) / x,  g(0) = 1.
 *
 * Computed in the eigenbases cached by bw_problem: with C = R' S0 R,
 * S(t) = R (diag(e^{-pt}) C diag(e^{-pt}) + 2 tau diag(phi(2p, t))) R'. The bracket is a
 * diagonal congruence of an SPD matrix plus a non-negative diagonal, so it stays SPD unless
 * the exponentials underflow (tau = 0 and p t > ~745): then BW_ERR_LOST_SPD.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "core/internal.h"
#include "core/lapack.h"

/* phi(a, t) = integral_0^t e^{-a s} ds, accurate for a = 0, tiny |a t| and a < 0. For
 * |a t| >= 1 the form -expm1(-a t) / a is as accurate and stays right when a t overflows
 * (a > 0: phi -> 1/a, where t * (1/x) would give 0; a < 0: +Inf, reported as overflow). */
static double phi(double a, double t) {
  double x = a * t;
  if (x == 0.0) return t;
  if (!(fabs(x) < 1.0)) return -expm1(-x) / a;
  return t * (-expm1(-x) / x);
}

bw_status bw_wgf(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g0, double t,
                 bw_gaussian *gt) {
  if (!pb || !gt || !gt->mean || !gt->cov) return BW_ERR_NULL;
  bw_status st = bw__check_gaussian(g0);
  if (st) return st;
  const int d = bw_problem_dim(pb);
  if (gt->d < 1 || gt->ld < gt->d) return BW_ERR_DIM;
  if (g0->d != d || gt->d != d) return BW_ERR_DIM_MISMATCH;
  if (!(t >= 0.0) || !isfinite(t)) return BW_ERR_BAD_ARG;
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;

  const double tau = bw_problem_tau(pb), *h = bw_problem_h(pb);
  const double *a = bw_problem_A_eigvals(pb), *Q = bw_problem_A_eigvecs(pb);
  const double *p = bw_problem_P_eigvals(pb), *R = bw_problem_P_eigvecs(pb);
  double *T = ws->mat[0], *C = ws->mat[1], *S = ws->mat[2], *L = ws->mat[3];
  double *y = ws->vec[0], *z = ws->vec[1], *m = ws->vec[2], *ep = ws->vec[3];
  const int one = 1;
  const double d1 = 1.0, d0 = 0.0;

  /* The initial covariance must be positive definite (Cholesky of a scratch copy). */
  if (!bw__chol(d, g0->cov, g0->ld, L)) {
    bw_workspace_free(own);
    return BW_ERR_NOT_SPD;
  }

  /* Mean, in the eigenbasis of A. */
  dgemv_("T", &d, &d, &d1, Q, &d, g0->mean, &one, &d0, y, &one, 1);
  dgemv_("T", &d, &d, &d1, Q, &d, h, &one, &d0, z, &one, 1);
  for (int i = 0; i < d; i++) y[i] = exp(-a[i] * t) * y[i] + phi(a[i], t) * z[i];
  dgemv_("N", &d, &d, &d1, Q, &d, y, &one, &d0, m, &one, 1);

  /* Covariance, in the eigenbasis of P: C = R'((S0 + S0')/2)R and S = R C R', each as one
   * triangular product and a rank-2d update (3 d^3 flops instead of two products' 4 d^3),
   * symmetric by construction. */
  for (int j = 0; j < d; j++)
    for (int i = j; i < d; i++)
      S[i + (size_t)j * d] = S[j + (size_t)i * d] =
          bw__avg(g0->cov[i + (size_t)j * g0->ld], g0->cov[j + (size_t)i * g0->ld]);
  bw__sym_congruence('T', d, S, R, C, T);
  for (int i = 0; i < d; i++) ep[i] = exp(-p[i] * t);
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) C[i + (size_t)j * d] *= ep[i] * ep[j];
  if (tau > 0.0)
    for (int i = 0; i < d; i++) C[i + (size_t)i * d] += 2.0 * tau * phi(2.0 * p[i], t);
  bw__sym_congruence('N', d, C, R, S, T);

  if (bw__check_finite(d, m) || bw__check_finite(d * d, S)) {
    st = BW_ERR_OVERFLOW;
  } else { /* positive definite to working precision? */
    if (!bw__chol(d, S, d, L)) st = BW_ERR_LOST_SPD;
  }
  if (!st) {
    for (int i = 0; i < d; i++) gt->mean[i] = m[i];
    bw__copy(d, S, d, gt->cov, gt->ld);
  }
  bw_workspace_free(own);
  return st;
}
