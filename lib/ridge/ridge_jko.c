/* The JKO step and the Gaussian-VI optimum of the ridge system: damped Newton solves with the
 * analytic Jacobian (docs/math.md section 9).
 *
 * The JKO step minimises Psi = J(m', S') + W2^2((m', S'), (m, S))/(2 eta) over Gaussians.
 * Written with the optimal transport map T from S to S' (S' = T S T, T positive definite),
 *   Psi(m', T) = J(m', T S T) + |m' - m|^2/(2 eta) + tr((T - I) S (T - I))/(2 eta)
 * is strictly convex in (m', T) when V is convex (E V(m' + T S^(1/2) Z) is convex in (m', T),
 * -tau/2 logdet(T S T) is convex in T, the W2 term is a positive definite quadratic), and its
 * stationary point is the optimality condition of the step:
 *   F1 = g + (m' - m)/eta = 0,
 *   F2 = (S T G + G T S)/2 + (S (T - I) + (T - I) S)/(2 eta) = 0   <=>   T = (I + eta G)^-1
 * (g, G at (m', S')). Newton's method on (F1, pack F2) with line search on Psi (Armijo) is
 * globally convergent there; it starts from the explicit step (T = I - eta G, m' = m - eta g:
 * an O(eta^2) start; T = I when that is not positive definite), keeps T positive definite,
 * and a non-convex V shows as a Newton direction that does not descend
 * (BW_ERR_NO_CONVERGENCE). Its Jacobian, with L the Jacobian of (g, pack G) in (m, pack S)
 * (bw__ridge_grad_jacobian), Y = S T and dS' = dT Y + Y' dT:
 *   dF1 = L_g [dm, dS'] + dm/eta,
 *   dF2 = sym(Y dG) + sym(S dT G) + (S dT + dT S)/(2 eta),   dG = L_G [dm, dS'],   sym(X) = (X + X')/2,
 * O(n d^4 + d^6) per iteration for n ridges (d + d(d+1)/2 unknowns).
 *
 * The VI optimum solves (g, pack G) = 0 in x = (m, pack S), whose Jacobian is L itself (the
 * Hessian of J), after proximal (JKO) steps have brought the state close; its line search is
 * on a weighted norm of the residual.
 *
 * Trial points must be admissible (T, or S, positive definite; values finite). Converged when
 * a full step's weighted size max_c |dx_c|/scale_c is at most 1e-14, or at most 1e-10 and no
 * longer halving (the rounding floor). Scales: |m_i| + sqrt(S_ii) for the mean, 1 for T,
 * sqrt(S_kk S_ll) for S_kl.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "core/lapack.h"
#include "ridge/ridge_internal.h"

void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda, const int *ipiv,
             double *b, const int *ldb, int *info, size_t ltrans);

#define NEWTON_MAXIT 50

typedef struct {
  const bw_ridge_problem *pb;
  bw_ridge_ws *ws;
  double eta; /* > 0: the JKO step from ws->x0 = (m, pack S); 0: the VI optimum */
  int iters;
} newton;

/* F at x and the merit (JKO: Psi; VI: unused). The evaluation stays in ws: for JKO ws->Gt =
 * T, ws->M2 = S, ws->M1 = Y = S T, ws->Ss = S' = T S T. BW_ERR_NOT_SPD: x not admissible. */
static bw_status residual(newton *nw, const double *x, double *F, double *merit) {
  const bw_ridge_problem *pb = nw->pb;
  bw_ridge_ws *ws = nw->ws;
  const int d = pb->d;
  const double eta = nw->eta;
  if (eta == 0.0) {
    bw__unpack(d, x + d, ws->M4, d);
    bw_status st = bw__ridge_eval(pb, ws, x, ws->M4, d, BW__EV_G | BW__EV_FLOW4, NULL);
    if (st) return st;
    memcpy(F, ws->g, (size_t)d * sizeof(double));
    bw__pack(d, ws->G, d, F + d);
    return bw__check_finite(ws->nt, F) ? BW_ERR_OVERFLOW : BW_OK;
  }
  bw__unpack(d, x + d, ws->Gt, d);
  if (!bw__chol(d, ws->Gt, d, ws->M3)) return BW_ERR_NOT_SPD;
  bw__unpack(d, ws->x0 + d, ws->M2, d);
  bw__sym_congruence('N', d, ws->M2, ws->Gt, ws->M4, ws->M3);
  double J = 0.0;
  bw_status st = bw__ridge_eval(pb, ws, x, ws->M4, d, BW__EV_J | BW__EV_G | BW__EV_FLOW4, &J);
  if (st) return st;
  bw__gemm('N', 'N', d, 1.0, ws->M2, d, ws->Gt, d, 0.0, ws->M1, d); /* Y = S T */
  bw__gemm('N', 'N', d, 1.0, ws->M1, d, ws->G, d, 0.0, ws->M3, d);  /* Y G */
  double w = 0.0, tr = 0.0;
  for (int i = 0; i < d; i++) {
    const double dm = x[i] - ws->x0[i];
    F[i] = ws->g[i] + dm / eta, w += dm * dm;
  }
  for (int l = 0; l < d; l++)
    for (int k = 0; k <= l; k++) {
      const size_t kl = k + (size_t)l * d, lk = l + (size_t)k * d;
      F[d + bw__pk(k, l)] = 0.5 * (ws->M3[kl] + ws->M3[lk]) + (ws->M1[kl] + ws->M1[lk] - 2.0 * ws->M2[kl]) / (2.0 * eta);
    }
  /* tr((T - I) S (T - I)) = sum_ij Z_ij (T - I)_ji, Z = (T - I) S = Y' - S */
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++)
      tr += (ws->M1[j + (size_t)i * d] - ws->M2[i + (size_t)j * d]) * (ws->Gt[j + (size_t)i * d] - (i == j));
  *merit = J + (w + tr) / (2.0 * eta);
  return bw__check_finite(ws->nt, F) || !isfinite(*merit) ? BW_ERR_OVERFLOW : BW_OK;
}

/* The Newton matrix at the evaluated state, LU-factorised in ws->jac. */
static bw_status jacobian(newton *nw) {
  const bw_ridge_problem *pb = nw->pb;
  bw_ridge_ws *ws = nw->ws;
  const int d = pb->d, nt = ws->nt, ns = ws->ns;
  double *J = ws->jac;
  if (nw->eta == 0.0) {
    bw__ridge_grad_jacobian(pb, ws, J);
  } else {
    const double eta = nw->eta, *Y = ws->M1, *S = ws->M2, *G = ws->G, *L = ws->blk;
    bw__ridge_grad_jacobian(pb, ws, ws->blk);
    /* V: column (pq) = pack(dS') for dT = E_pq: (E Y)_kl + (Y' E)_kl */
    for (int q = 0; q < d; q++)
      for (int p = 0; p <= q; p++) {
        double *col = ws->Mb + bw__pk(p, q) * (size_t)ns;
        for (int l = 0; l < d; l++)
          for (int k = 0; k <= l; k++) {
            double v = (k == p ? Y[q + (size_t)l * d] : 0.0) + (l == q ? Y[p + (size_t)k * d] : 0.0);
            if (p != q) v += (k == q ? Y[p + (size_t)l * d] : 0.0) + (l == p ? Y[q + (size_t)k * d] : 0.0);
            col[bw__pk(k, l)] = v;
          }
      }
    /* T columns: [dg; pack dG] = L_S V; mean columns: L's */
    const char nn = 'N';
    const double one = 1.0, zero = 0.0;
    dgemm_(&nn, &nn, &nt, &ns, &ns, &one, L + (size_t)d * nt, &nt, ws->Mb, &ns, &zero, J + (size_t)d * nt, &nt, 1, 1);
    memcpy(J, L, sizeof(double) * (size_t)d * nt);
    /* F1 rows: + dm/eta; F2 rows: pack sym(Y dG), plus for T_pq sym(S E G) + (S E + E S)/(2 eta) */
    for (int c = 0; c < nt; c++) {
      double *col = J + (size_t)c * nt;
      if (c < d) col[c] += 1.0 / eta;
      bw__unpack(d, col + d, ws->M4, d);
      bw__gemm('N', 'N', d, 1.0, Y, d, ws->M4, d, 0.0, ws->M3, d);
      for (int l = 0; l < d; l++)
        for (int k = 0; k <= l; k++) col[d + bw__pk(k, l)] = 0.5 * (ws->M3[k + (size_t)l * d] + ws->M3[l + (size_t)k * d]);
    }
    for (int q = 0; q < d; q++)
      for (int p = 0; p <= q; p++) {
        double *col = J + (size_t)(d + (int)bw__pk(p, q)) * nt + d;
        for (int l = 0; l < d; l++)
          for (int k = 0; k <= l; k++) {
            /* (S E G)_kl = S_kp G_ql + S_kq G_pl; (S E)_kl = S_kp d_lq + S_kq d_lp; (E S)_kl = d_kp S_ql + d_kq S_pl */
            double seg = S[k + (size_t)p * d] * G[q + (size_t)l * d] + S[l + (size_t)p * d] * G[q + (size_t)k * d];
            double ses = (l == q ? S[k + (size_t)p * d] : 0.0) + (k == p ? S[q + (size_t)l * d] : 0.0);
            if (p != q) {
              seg += S[k + (size_t)q * d] * G[p + (size_t)l * d] + S[l + (size_t)q * d] * G[p + (size_t)k * d];
              ses += (l == p ? S[k + (size_t)q * d] : 0.0) + (k == q ? S[p + (size_t)l * d] : 0.0);
            }
            col[bw__pk(k, l)] += 0.5 * seg + ses / (2.0 * eta);
          }
      }
  }
  int info = 0;
  dgetrf_(&nt, &nt, J, &nt, ws->ipiv, &info);
  return info ? BW_ERR_NO_CONVERGENCE : BW_OK; /* singular: no Newton direction */
}

/* Scale of component c of x: the mean's |m_i| + sqrt(S_ii) (S: the input's for JKO, x's for
 * VI), 1 for B, sqrt(S_kk S_ll) for S_kl. */
static double scale_of(const newton *nw, const double *x, int c) {
  const int d = nw->ws->d;
  const double *s = nw->eta > 0.0 ? nw->ws->x0 : x;
  if (c < d) return fabs(x[c]) + sqrt(fabs(s[d + bw__pk(c, c)]));
  if (nw->eta > 0.0) return 1.0;
  int l = 0;
  while (bw__pk(0, l + 1) <= (size_t)(c - d)) l++;
  const int k = c - d - (int)bw__pk(0, l);
  return sqrt(fabs(x[d + bw__pk(k, k)] * x[d + bw__pk(l, l)]));
}

/* The residual's weights at x: JKO F1 ~ x, F2 dimensionless; VI g ~ 1/x, G ~ 1/x^2. */
static void weights(const newton *nw, const double *x) {
  bw_ridge_ws *ws = nw->ws;
  for (int c = 0; c < ws->nt; c++) {
    const double s = scale_of(nw, x, c);
    ws->wt[c] = nw->eta > 0.0 ? 1.0 / (s > 0.0 ? s : 1.0) : s;
  }
}

static double wnorm(const bw_ridge_ws *ws, const double *F) {
  double s = 0.0;
  for (int c = 0; c < ws->nt; c++) s += (ws->wt[c] * F[c]) * (ws->wt[c] * F[c]);
  return sqrt(s);
}

/* Damped Newton from ws->x1 (its solution there; the evaluation stays at it). */
static bw_status solve(newton *nw) {
  bw_ridge_ws *ws = nw->ws;
  const int d = ws->d, nt = ws->nt, one = 1;
  const bool jko = nw->eta > 0.0;
  double m0 = 0.0, mt = 0.0;
  bw_status st = residual(nw, ws->x1, ws->F, &m0);
  if (st) return st;
  double prev = INFINITY;
  for (int it = 0; it < NEWTON_MAXIT; it++) {
    weights(nw, ws->x1);
    const double f0 = wnorm(ws, ws->F);
    if ((st = jacobian(nw))) return st;
    int info = 0;
    for (int c = 0; c < nt; c++) ws->dx[c] = -ws->F[c];
    dgetrs_("N", &nt, &one, ws->jac, &nt, ws->ipiv, ws->dx, &nt, &info, 1);
    double nrm = 0.0, slope = 0.0; /* JKO: Psi's derivative along dx (packed off-diagonals count twice) */
    for (int c = 0; c < nt; c++) {
      const double s = scale_of(nw, ws->x1, c);
      nrm = fmax(nrm, fabs(ws->dx[c]) / (s > 0.0 ? s : 1.0));
      bool diag = c < d;
      for (int k = 0; !diag && k < d; k++) diag = (size_t)(c - d) == bw__pk(k, k);
      slope += (diag ? 1.0 : 2.0) * ws->F[c] * ws->dx[c];
    }
    if (info || !isfinite(nrm)) return BW_ERR_NO_CONVERGENCE;
    if (jko && !(slope < 0.0) && nrm > 1e-10) return BW_ERR_NO_CONVERGENCE; /* no descent: Psi is not convex here */
    double lam = 1.0;
    for (;;) {
      for (int c = 0; c < nt; c++) ws->xt[c] = ws->x1[c] + lam * ws->dx[c];
      st = residual(nw, ws->xt, ws->Ft, &mt);
      if (st == BW_ERR_NOMEM || st == BW_ERR_LAPACK) return st;
      /* Armijo on Psi (JKO) or on the residual's norm (VI); near the solution, where Psi's
       * decrease is at rounding level, the residual's norm decides for JKO too */
      const bool decrease = jko ? mt <= m0 + 1e-4 * lam * slope || (nrm * lam <= 1e-6 && wnorm(ws, ws->Ft) < f0)
                                : wnorm(ws, ws->Ft) <= (1.0 - 1e-4 * lam) * f0;
      if (!st && (nrm * lam <= 1e-10 || decrease)) break;
      lam *= 0.5;
      if (lam < 1e-12) return BW_ERR_NO_CONVERGENCE;
    }
    memcpy(ws->x1, ws->xt, (size_t)nt * sizeof(double));
    memcpy(ws->F, ws->Ft, (size_t)nt * sizeof(double));
    m0 = mt;
    nw->iters++;
    if (lam == 1.0 && (nrm <= 1e-14 || (nrm <= 1e-10 && nrm > 0.5 * prev))) return BW_OK;
    prev = lam == 1.0 ? nrm : INFINITY;
  }
  return BW_ERR_NO_CONVERGENCE;
}

/* x = (m, pack S) of g. */
static void to_x(int d, const bw_gaussian *g, double *x) {
  memcpy(x, g->mean, (size_t)d * sizeof(double));
  for (int l = 0; l < d; l++)
    for (int k = 0; k <= l; k++) x[d + bw__pk(k, l)] = bw__avg(g->cov[k + (size_t)l * g->ld], g->cov[l + (size_t)k * g->ld]);
}

/* The JKO step from ws->x0 = (m, pack S), started at the explicit step: the solution in
 * ws->x1 = (m', pack T) and ws->Ss = S'. */
static bw_status jko_solve(newton *nw) {
  bw_ridge_ws *ws = nw->ws;
  const int d = ws->d;
  const double eta = nw->eta;
  bw__unpack(d, ws->x0 + d, ws->M4, d);
  bw_status st = bw__ridge_eval(nw->pb, ws, ws->x0, ws->M4, d, BW__EV_G, NULL);
  if (st) return st;
  for (int i = 0; i < d; i++) ws->x1[i] = ws->x0[i] - eta * ws->g[i];
  for (size_t k = 0; k < (size_t)d * d; k++) ws->Gt[k] = -eta * ws->G[k];
  for (int i = 0; i < d; i++) ws->Gt[i + (size_t)i * d] += 1.0;
  if (!bw__chol(d, ws->Gt, d, ws->M1)) bw__eye(d, ws->Gt, d); /* T = I - eta G not positive definite: I */
  bw__pack(d, ws->Gt, d, ws->x1 + d);
  return solve(nw);
}

bw_status bw_ridge_jko_step(const bw_ridge_problem *pb, double eta, bw_ridge_ws *ws, const bw_gaussian *in,
                            bw_gaussian *out, int *iters) {
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
    st = jko_solve(&nw);
  }
  if (!st) {
    memcpy(out->mean, ws->x1, (size_t)d * sizeof(double));
    bw__copy(d, ws->Ss, d, out->cov, out->ld);
  }
  if (iters) *iters = nw.iters;
  bw_ridge_ws_free(own);
  return st;
}

/* ---- the VI optimum ---- */

/* Largest weighted change between two (m, pack S) states (weights of y). */
static double change(const newton *nw, const double *x, const double *y) {
  double c = 0.0;
  for (int k = 0; k < nw->ws->nt; k++) {
    const double s = scale_of(nw, y, k);
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
  st = bw__ridge_ws_newton(ws);
  if (!st && pb->tau == 0.0) st = BW_ERR_NOT_SPD; /* the infimum is a point mass */
  int total = 0;
  /* phase 1: proximal steps with eta = eta0 4^k, eta0 = 1/(|H|_F + tau |S^-1|_F) at start (the
   * time scale of its fastest relaxation), a step that fails retried 4 times shorter; the
   * state (m, pack S) in ws->x0 */
  double eta = 0.0;
  if (!st) st = bw__ridge_eval(pb, ws, start->mean, start->cov, start->ld, BW__EV_G, NULL);
  if (!st) {
    double hn = 0.0, sn = 0.0;
    for (size_t k = 0; k < (size_t)d * d; k++) hn += ws->H[k] * ws->H[k], sn += ws->Sinv[k] * ws->Sinv[k];
    eta = 1.0 / (sqrt(hn) + pb->tau * sqrt(sn));
    to_x(d, start, ws->x0);
  }
  newton vi = {pb, ws, 0.0, 0};
  for (int k = 0, fails = 0; !st && k < 60; k++) {
    newton nw = {pb, ws, eta, 0};
    st = jko_solve(&nw);
    total += nw.iters;
    if (st == BW_ERR_NO_CONVERGENCE && ++fails <= 10) { /* too long a step from here: back off */
      eta *= 0.25, st = BW_OK;
      continue;
    }
    if (st) break;
    memcpy(ws->xt, ws->x0, (size_t)ws->nt * sizeof(double)); /* the step's start, and its result */
    memcpy(ws->x0, ws->x1, (size_t)d * sizeof(double));
    bw__pack(d, ws->Ss, d, ws->x0 + d);
    if (change(&vi, ws->xt, ws->x0) < 1e-3) break;
    eta *= 4.0;
  }
  /* phase 2: Newton on (g, G) = 0 from there */
  if (!st) {
    memcpy(ws->x1, ws->x0, (size_t)ws->nt * sizeof(double));
    st = solve(&vi);
    total += vi.iters;
  }
  if (!st) {
    memcpy(out->mean, ws->x1, (size_t)d * sizeof(double));
    bw__copy(d, ws->Ss, d, out->cov, out->ld);
  }
  if (iters) *iters = total;
  bw_ridge_ws_free(own);
  return st;
}
