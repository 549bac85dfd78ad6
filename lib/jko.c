/* The JKO step in closed form (MATH.md section 4).
 *
 *   m_{k+1} = (I + eta A)^-1 (m_k + eta h) = G m_k + g,   G = Q diag(1/(1 + eta a)) Q', g = eta G h
 *   B = I + eta P = R diag(b) R',  b = 1 + eta p > 0,  W = R diag(b^-1/2)  (so B^-1/2 = W R')
 *   C = W' S_k W = V diag(c) V'    (= R' B^-1/2 S_k B^-1/2 R: B^-1/2 S_k B^-1/2 in the basis R)
 *   x = e + c/2 + sqrt(c (c/4 + e)),  e = eta tau    (sum of non-negative terms: no cancellation)
 *   S_{k+1} = W V diag(x) V' W'     (= B^-1/2 X B^-1/2)
 *
 * The plan stores G, g and W; a step is 4 gemms, one gemv and one symmetric
 * eigendecomposition. Both I + eta A and I + eta P must be positive definite
 * (BW_ERR_ETA_TOO_LARGE otherwise): the second is the condition for the JKO objective to be
 * strictly convex along generalised geodesics, the first makes the mean map the minimiser
 * (not merely a critical point) of the mean part.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "lapack.h"

struct bw_jko_plan {
  int d;
  double eta, e; /* e = eta tau */
  double *G;     /* (I + eta A)^-1, d x d */
  double *g;     /* eta (I + eta A)^-1 h */
  double *W;     /* R diag((1 + eta p)^-1/2), d x d */
};

bw_status bw_jko_plan_create(const bw_problem *pb, double eta, bw_jko_plan **plan) {
  if (!pb || !plan) return BW_ERR_NULL;
  if (!(eta > 0.0) || !isfinite(eta)) return BW_ERR_BAD_ETA;
  const int d = bw_problem_dim(pb);
  const double tau = bw_problem_tau(pb), *h = bw_problem_h(pb);
  const double *a = bw_problem_A_eigvals(pb), *Q = bw_problem_A_eigvecs(pb);
  const double *p = bw_problem_P_eigvals(pb), *R = bw_problem_P_eigvecs(pb);
  /* Eigenvalues are ascending: the smallest decides definiteness. */
  if (!(1.0 + eta * a[0] > 0.0) || !(1.0 + eta * p[0] > 0.0)) return BW_ERR_ETA_TOO_LARGE;
  if (!isfinite(eta * tau) || !isfinite(eta * a[d - 1]) || !isfinite(eta * p[d - 1]))
    return BW_ERR_OVERFLOW;

  size_t nn = (size_t)d * d, n = (size_t)d;
  bw_jko_plan *pl = malloc(sizeof *pl + (2 * nn + 2 * n) * sizeof(double));
  if (!pl) return BW_ERR_NOMEM;
  pl->d = d;
  pl->eta = eta;
  pl->e = eta * tau;
  pl->G = (double *)(pl + 1);
  pl->W = pl->G + nn;
  pl->g = pl->W + nn;
  double *f = pl->g + n; /* 1 / (1 + eta a), scratch only */

  for (int i = 0; i < d; i++) f[i] = 1.0 / (1.0 + eta * a[i]);
  for (int j = 0; j < d; j++) /* G = Q diag(f) Q', entrywise: exactly symmetric */
    for (int i = 0; i <= j; i++) {
      double acc = 0.0;
      for (int k = 0; k < d; k++) acc += Q[i + (size_t)k * d] * f[k] * Q[j + (size_t)k * d];
      pl->G[i + (size_t)j * d] = pl->G[j + (size_t)i * d] = acc;
    }
  const int one = 1;
  const double d0 = 0.0;
  dgemv_("N", &d, &d, &eta, pl->G, &d, h, &one, &d0, pl->g, &one, 1);
  for (int j = 0; j < d; j++) {
    double s = 1.0 / sqrt(1.0 + eta * p[j]);
    for (int i = 0; i < d; i++) pl->W[i + (size_t)j * d] = R[i + (size_t)j * d] * s;
  }
  if (bw__check_finite((int)(2 * nn + n), pl->G)) {
    free(pl);
    return BW_ERR_OVERFLOW;
  }
  *plan = pl;
  return BW_OK;
}

void bw_jko_plan_free(bw_jko_plan *plan) { free(plan); }
double bw_jko_plan_eta(const bw_jko_plan *plan) { return plan ? plan->eta : NAN; }
int bw_jko_plan_dim(const bw_jko_plan *plan) { return plan ? plan->d : 0; }

bw_status bw_jko_step(const bw_jko_plan *plan, bw_workspace *ws, const bw_gaussian *in,
                      bw_gaussian *out) {
  if (!plan || !out || !out->mean || !out->cov) return BW_ERR_NULL;
  bw_status st = bw__check_gaussian(in);
  if (st) return st;
  const int d = plan->d;
  if (out->d < 1 || out->ld < out->d) return BW_ERR_DIM;
  if (in->d != d || out->d != d) return BW_ERR_DIM_MISMATCH;
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;
  double *T = ws->mat[0], *C = ws->mat[1], *V = ws->mat[2], *Y = ws->mat[3], *S = ws->mat[4];
  double *c = ws->vec[0], *m = ws->vec[1];
  const double *W = plan->W, e = plan->e;

  /* C = W' S W, eigendecomposed. */
  bw__gemm('N', 'N', d, 1.0, in->cov, in->ld, W, d, 0.0, T, d);
  bw__gemm('T', 'N', d, 1.0, W, d, T, d, 0.0, C, d);
  bw__symmetrize(d, C, d);
  if (!(st = bw__eigh(ws, d, C, d, c, V, d)) && !(c[0] > 0.0)) st = BW_ERR_NOT_SPD;
  if (!st) {
    for (int i = 0; i < d; i++) c[i] = e + 0.5 * c[i] + sqrt(c[i] * (0.25 * c[i] + e));
    bw__gemm('N', 'N', d, 1.0, W, d, V, d, 0.0, Y, d); /* Y = W V */
    bw__vdvt(d, Y, d, c, S, d, T);                      /* S = Y diag(x) Y' */
    const int one = 1;
    const double d1 = 1.0;
    memcpy(m, plan->g, (size_t)d * sizeof(double));
    dgemv_("N", &d, &d, &d1, plan->G, &d, in->mean, &one, &d1, m, &one, 1);
    if (bw__check_finite(d, m) || bw__check_finite(d * d, S)) st = BW_ERR_OVERFLOW;
  }
  if (!st) {
    memcpy(out->mean, m, (size_t)d * sizeof(double));
    bw__copy(d, S, d, out->cov, out->ld);
  }
  bw_workspace_free(own);
  return st;
}
