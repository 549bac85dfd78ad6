/* The JKO step of the ridge system and the Gaussian-VI optimum: damped Newton solves with
 * the analytic Jacobian (docs/math.md section 9).
 *
 * Unknowns x = (m, X packed): the mean and the upper triangle of the covariance, column by
 * column (bw__pk). Residuals:
 *   JKO  F1 = m - m_k + eta g(m, X),   F2 = pack(B X B - S_k),   B = I + eta G(m, X)
 *        (B X B = S_k is S+ = R S_k R with R = B^-1, the optimal transport map from S_k to
 *        S+ when B is positive definite: the optimality condition of the step);
 *   VI   F1 = g(m, X),  F2 = pack G(m, X)  (the gradient of J: its Hessian is the Jacobian).
 * With L the Jacobian of (g, pack G) (bw__ridge_grad_jacobian), the JKO Jacobian is
 *   dF1 = dm + eta dg,   dF2 = eta (dG Y + Y' dG) + B dX B,   Y = X B,  dG = unpack(L col),
 * one d x d product per unknown (O(d^5)), and the LU factorisation O(d^6) (d + d(d+1)/2
 * unknowns). Newton steps are damped (halved) until X stays positive definite and a weighted
 * norm of the residual decreases (Armijo, 1e-4); converged when a full step's weighted size
 * max_c |dx_c|/scale_c (scale: |m_i| + sqrt(X_ii) for the mean, sqrt(X_kk X_ll) for X_kl) is
 * at most 1e-14, or at most 1e-10 and no longer halving (the rounding floor).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "ridge/ridge_internal.h"

void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda, const int *ipiv,
             double *b, const int *ldb, int *info, size_t ltrans);

#define NEWTON_MAXIT 50

typedef struct {
  const bw_ridge_problem *pb;
  bw_ridge_ws *ws;
  double eta; /* > 0: the JKO step; 0: the VI optimum */
  int iters;
} newton;

/* F at x; the evaluation (and, for JKO, B in ws->Gt and Y = X B in ws->M1) stays in ws. */
static bw_status residual(newton *nw, const double *x, double *F) {
  const bw_ridge_problem *pb = nw->pb;
  bw_ridge_ws *ws = nw->ws;
  const int d = pb->d;
  bw__unpack(d, x + d, ws->M4, d);
  bw_status st = bw__ridge_eval(pb, ws, x, ws->M4, d, BW__EV_G | BW__EV_FLOW4, NULL);
  if (st) return st;
  if (nw->eta == 0.0) {
    memcpy(F, ws->g, (size_t)d * sizeof(double));
    bw__pack(d, ws->G, d, F + d);
    return BW_OK;
  }
  const double eta = nw->eta;
  for (size_t k = 0; k < (size_t)d * d; k++) ws->Gt[k] = eta * ws->G[k];
  for (int i = 0; i < d; i++) ws->Gt[i + (size_t)i * d] += 1.0, F[i] = x[i] - ws->x0[i] + eta * ws->g[i];
  bw__gemm('N', 'N', d, 1.0, ws->Ss, d, ws->Gt, d, 0.0, ws->M1, d);
  bw__gemm('N', 'N', d, 1.0, ws->Gt, d, ws->M1, d, 0.0, ws->M2, d);
  bw__pack(d, ws->M2, d, F + d);
  for (int k = 0; k < ws->ns; k++) F[d + k] -= ws->x0[d + k];
  return bw__check_finite(ws->nt, F) ? BW_ERR_OVERFLOW : BW_OK;
}

/* The Newton matrix at the evaluated state, LU-factorised in ws->jac. */
static bw_status jacobian(newton *nw) {
  const bw_ridge_problem *pb = nw->pb;
  bw_ridge_ws *ws = nw->ws;
  const int d = pb->d, nt = ws->nt;
  double *Lg = nw->eta == 0.0 ? ws->jac : ws->blk, *J = ws->jac;
  bw__ridge_grad_jacobian(pb, ws, Lg);
  if (nw->eta > 0.0) {
    const double eta = nw->eta, *B = ws->Gt;
    for (int c = 0; c < nt; c++) {
      const double *l = Lg + (size_t)c * nt;
      double *col = J + (size_t)c * nt;
      for (int i = 0; i < d; i++) col[i] = eta * l[i] + (i == c);
      bw__unpack(d, l + d, ws->M2, d);
      bw__gemm('N', 'N', d, 1.0, ws->M2, d, ws->M1, d, 0.0, ws->M3, d); /* dG Y */
      for (int q = 0; q < d; q++)
        for (int p = 0; p <= q; p++)
          col[d + bw__pk(p, q)] = eta * (ws->M3[p + (size_t)q * d] + ws->M3[q + (size_t)p * d]);
    }
    for (int q = 0; q < d; q++) /* + B E_pq B */
      for (int p = 0; p <= q; p++) {
        double *col = J + (size_t)(d + (int)bw__pk(p, q)) * nt + d;
        for (int l = 0; l < d; l++)
          for (int k = 0; k <= l; k++) {
            double v = B[k + (size_t)p * d] * B[l + (size_t)q * d];
            if (p != q) v += B[k + (size_t)q * d] * B[l + (size_t)p * d];
            col[bw__pk(k, l)] += v;
          }
      }
  }
  int info = 0;
  dgetrf_(&nt, &nt, J, &nt, ws->ipiv, &info);
  return info ? BW_ERR_NO_CONVERGENCE : BW_OK; /* singular: no Newton direction */
}

/* Scales of the components at x (mean: |m_i| + sqrt(X_ii); X_kl: sqrt(X_kk X_ll)). */
static double scale_of(int d, const double *x, int c) {
  if (c < d) return fabs(x[c]) + sqrt(fabs(x[d + bw__pk(c, c)]));
  int l = 0;
  while (bw__pk(0, l + 1) <= (size_t)(c - d)) l++;
  const int k = c - d - (int)bw__pk(0, l);
  return sqrt(fabs(x[d + bw__pk(k, k)] * x[d + bw__pk(l, l)]));
}

/* Weights of the residual's norm: JKO by the input state's scales (F1 ~ x, F2 ~ x^2); VI by
 * x's (g ~ 1/x, G ~ 1/x^2). */
static void weights(const newton *nw, const double *x) {
  const bw_ridge_ws *ws = nw->ws;
  const int d = ws->d;
  for (int c = 0; c < ws->nt; c++) {
    const double s = nw->eta > 0.0 ? scale_of(d, ws->x0, c) : scale_of(d, x, c);
    ws->wt[c] = nw->eta > 0.0 ? (s > 0.0 ? 1.0 / s : 1.0) : s;
  }
}

static double wnorm(const bw_ridge_ws *ws, const double *F) {
  double s = 0.0;
  for (int c = 0; c < ws->nt; c++) s += (ws->wt[c] * F[c]) * (ws->wt[c] * F[c]);
  return sqrt(s);
}

/* Damped Newton from ws->x1 (its solution there). */
static bw_status solve(newton *nw) {
  bw_ridge_ws *ws = nw->ws;
  const int d = ws->d, nt = ws->nt, one = 1;
  bw_status st = residual(nw, ws->x1, ws->F);
  if (st) return st;
  double prev = INFINITY;
  for (int it = 0; it < NEWTON_MAXIT; it++) {
    weights(nw, ws->x1);
    const double f0 = wnorm(ws, ws->F);
    if ((st = jacobian(nw))) return st;
    int info = 0;
    for (int c = 0; c < nt; c++) ws->dx[c] = -ws->F[c];
    dgetrs_("N", &nt, &one, ws->jac, &nt, ws->ipiv, ws->dx, &nt, &info, 1);
    double nrm = 0.0;
    for (int c = 0; c < nt; c++) {
      const double s = scale_of(d, ws->x1, c);
      nrm = fmax(nrm, fabs(ws->dx[c]) / (s > 0.0 ? s : 1.0));
    }
    if (info || !isfinite(nrm)) return BW_ERR_NO_CONVERGENCE;
    double lam = 1.0;
    for (;;) {
      for (int c = 0; c < nt; c++) ws->xt[c] = ws->x1[c] + lam * ws->dx[c];
      st = residual(nw, ws->xt, ws->Ft);
      if (st == BW_ERR_NOMEM || st == BW_ERR_LAPACK) return st;
      if (!st && (nrm * lam <= 1e-10 || wnorm(ws, ws->Ft) <= (1.0 - 1e-4 * lam) * f0)) break;
      lam *= 0.5;
      if (lam < 1e-12) return BW_ERR_NO_CONVERGENCE;
    }
    memcpy(ws->x1, ws->xt, (size_t)nt * sizeof(double));
    memcpy(ws->F, ws->Ft, (size_t)nt * sizeof(double));
    nw->iters++;
    if (lam == 1.0 && (nrm <= 1e-14 || (nrm <= 1e-10 && nrm > 0.5 * prev))) return BW_OK;
    prev = lam == 1.0 ? nrm : INFINITY;
  }
  return BW_ERR_NO_CONVERGENCE;
}

static void to_x(int d, const bw_gaussian *g, double *x) {
  memcpy(x, g->mean, (size_t)d * sizeof(double));
  for (int l = 0; l < d; l++)
    for (int k = 0; k <= l; k++) x[d + bw__pk(k, l)] = bw__avg(g->cov[k + (size_t)l * g->ld], g->cov[l + (size_t)k * g->ld]);
}

/* A JKO step from ws->x0 (packed in), starting at ws->x1; B must be positive definite at the
 * solution (else it is not the step: another root of B X B = S_k). */
static bw_status jko_solve(newton *nw) {
  bw_status st = solve(nw);
  if (!st && !bw__chol(nw->pb->d, nw->ws->Gt, nw->pb->d, nw->ws->M3)) st = BW_ERR_NO_CONVERGENCE;
  return st;
}

static void from_x(int d, const double *x, bw_gaussian *g) {
  memcpy(g->mean, x, (size_t)d * sizeof(double));
  bw__unpack(d, x + d, g->cov, g->ld);
}

static bool usable_guess(int d, const bw_gaussian *g, double *L) {
  if (bw__check_gaussian(g) || g->d != d) return false;
  return bw__chol(d, g->cov, g->ld, L);
}

bw_status bw_ridge_jko_step(const bw_ridge_problem *pb, double eta, bw_ridge_ws *ws, const bw_gaussian *in,
                            const bw_gaussian *guess, bw_gaussian *out, int *iters) {
  if (!pb) return BW_ERR_NULL;
  bw_status st = bw__ridge_check_out(pb, out);
  if (!st) st = bw__ridge_check_gauss(pb, in);
  if (st) return st;
  if (!(eta > 0.0) || !isfinite(eta)) return BW_ERR_BAD_ETA;
  const int d = pb->d;
  bw_ridge_ws *own;
  if ((st = bw__ridge_ws_get(pb, &ws, &own))) return st;
  if (!(st = bw__ridge_ws_newton(ws)) && !bw__chol(d, in->cov, in->ld, ws->M3)) st = BW_ERR_NOT_SPD;
  newton nw = {pb, ws, eta, 0};
  if (!st) {
    to_x(d, in, ws->x0);
    /* a guess that is not a valid Gaussian of this dimension is replaced by in */
    to_x(d, guess && usable_guess(d, guess, ws->M3) ? guess : in, ws->x1);
    st = jko_solve(&nw);
  }
  if (!st) from_x(d, ws->x1, out);
  if (iters) *iters = nw.iters;
  bw_ridge_ws_free(own);
  return st;
}

/* ---- the VI optimum ---- */

/* Largest weighted change between two packed states. */
static double change(int d, int nt, const double *x, const double *y) {
  double c = 0.0;
  for (int k = 0; k < nt; k++) {
    const double s = scale_of(d, y, k);
    c = fmax(c, fabs(x[k] - y[k]) / (s > 0.0 ? s : 1.0));
  }
  return c;
}

bw_status bw_ridge_vi_optimum(const bw_ridge_problem *pb, bw_ridge_ws *ws, const bw_gaussian *start,
                              bw_gaussian *out, int *iters) {
  if (!pb) return BW_ERR_NULL;
  bw_status st = bw__ridge_check_out(pb, out);
  if (!st) st = bw__ridge_check_gauss(pb, start);
  if (st) return st;
  const int d = pb->d;
  bw_ridge_ws *own;
  if ((st = bw__ridge_ws_get(pb, &ws, &own))) return st;
  if (!st) st = bw__ridge_ws_newton(ws);
  if (!st && pb->tau == 0.0) st = BW_ERR_NOT_SPD; /* the infimum is a point mass */
  int total = 0;
  /* phase 1: proximal steps with eta = eta0 4^k, eta0 = 1/(|H|_F + tau |S^-1|_F) at start (the
   * time scale of its fastest relaxation), a step that fails retried 4 times shorter */
  double eta = 0.0;
  if (!st) st = bw__ridge_eval(pb, ws, start->mean, start->cov, start->ld, BW__EV_G, NULL);
  if (!st) {
    double hn = 0.0, sn = 0.0;
    for (size_t k = 0; k < (size_t)d * d; k++) hn += ws->H[k] * ws->H[k], sn += ws->Sinv[k] * ws->Sinv[k];
    eta = 1.0 / (sqrt(hn) + pb->tau * sqrt(sn));
    to_x(d, start, ws->x1);
  }
  const int nt = ws ? ws->nt : 0;
  for (int k = 0, fails = 0; !st && k < 60; k++) {
    newton nw = {pb, ws, eta, 0};
    memcpy(ws->x0, ws->x1, (size_t)nt * sizeof(double));
    st = jko_solve(&nw);
    total += nw.iters;
    if (st == BW_ERR_NO_CONVERGENCE && ++fails <= 10) { /* too long a step from here: back off */
      memcpy(ws->x1, ws->x0, (size_t)nt * sizeof(double));
      eta *= 0.25, st = BW_OK;
      continue;
    }
    if (st) break;
    if (change(d, nt, ws->x0, ws->x1) < 1e-3) break;
    eta *= 4.0;
  }
  /* phase 2: Newton on (g, G) = 0 */
  if (!st) {
    newton nw = {pb, ws, 0.0, 0};
    st = solve(&nw);
    total += nw.iters;
  }
  if (!st) from_x(d, ws->x1, out);
  if (iters) *iters = total;
  bw_ridge_ws_free(own);
  return st;
}
