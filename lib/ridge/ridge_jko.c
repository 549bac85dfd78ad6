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
 * globally convergent there. It starts from the JKO step of the quadratic model of V at the
 * start (closed form: exact when every ridge is quadratic, an O(eta^2) start that stays
 * bounded for a stiff V; jko_solve), keeps T positive definite, and a non-convex V shows as a
 * Newton direction that does not descend (BW_ERR_NO_CONVERGENCE). Its matrix is Psi's
 * Hessian, symmetric once the T rows are weighted as the trace inner product weighs packed
 * entries, and Cholesky-factorised (LU where it is not positive definite): with Y = S T,
 * u_j = Y a_j, Q_j = (a_j u_j' + u_j a_j')/2 (so that a_j'dS'a_j = 2 <Q_j, dT>),
 *   dF1 = (H + I/eta) dm + sum w_j psi3_j <Q_j, dT> a_j,
 *   dF2 = sum w_j (psi3_j a_j'dm + psi4_j <Q_j, dT>) Q_j + (S dT H + H dT S)/2
 *         + tau T^-1 dT T^-1 + (S dT + dT S)/(2 eta)
 * (the tau S'^-1 parts of G cancel but for the last-but-one term, the Hessian of -tau logdet T),
 * O(n d^4/8) flops per iteration for n ridges (a rank-n symmetric update of size d(d+1)/2) and
 * O(d^6/48) for the factorisation: 3-5 iterations.
 *
 * The VI optimum solves (g, pack G) = 0 in x = (m, pack S), whose Jacobian is L itself (the
 * Hessian of J), after proximal (JKO) steps have brought the state close; its line search is
 * on a weighted norm of the residual.
 *
 * Trial points must be admissible (T, or S, positive definite; values finite). Converged when
 * a full step's weighted size max_c |dx_c|/scale_c is at most 1e-14, or at most 1e-10 and no
 * longer halving (the rounding floor), or at most 1e-7 with the next one, by the quadratic
 * convergence of the last two (|dx_k|^3/|dx_(k-1)|^2), below 1e-15. Scales: |m_i| + sqrt(S_ii) for the mean, 1 for T,
 * sqrt(S_kk S_ll) for S_kl.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "core/lapack.h"
#include "ridge/ridge_internal.h"

void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda, const int *ipiv,
             double *b, const int *ldb, int *info, size_t ltrans);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda, double *b,
             const int *ldb, int *info, size_t luplo);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t luplo);

#define NEWTON_MAXIT 50

typedef struct {
  const bw_ridge_problem *pb;
  bw_ridge_ws *ws;
  double eta; /* > 0: the JKO step from ws->x0 = (m, pack S); 0: the VI optimum */
  int iters;
  bool lu;    /* the JKO Hessian was not positive definite: LU in ws->blk */
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

/* The T-T block's structured part, lower triangle: rows (kl) >= columns (pq), packed,
 * <E_kl, K(E_pq)> with K(X) = (S X H + H X S)/2 + tau Ti X Ti + (S X + X S)/(2 eta) and
 * E_pq = e_p e_q' + e_q e_p' (p < q) or e_p e_p'. */
static void kron_block(int d, const double *S, const double *H, const double *Ti, double tau, double eta, double *J,
                       int ldj) {
  const double he = 0.5 / eta;
  for (int q = 0; q < d; q++)
    for (int p = 0; p <= q; p++) {
      double *col = J + bw__pk(p, q) * (size_t)ldj;
      const double *Sp = S + (size_t)p * d, *Hp = H + (size_t)p * d, *Tp = Ti + (size_t)p * d;
      const double *Sq = S + (size_t)q * d, *Hq = H + (size_t)q * d, *Tq = Ti + (size_t)q * d;
      for (int l = q; l < d; l++) {
        const int k0 = l == q ? p : 0;
        double *out = col + bw__pk(0, l);
        /* (A E B + B E A)_kl = A_kp B_ql + B_kp A_ql + [p != q] (A_kq B_pl + B_kq A_pl) */
        const double hql = 0.5 * Hq[l], sql = 0.5 * Sq[l], tql = tau * Tq[l];
        if (p == q) {
          for (int k = k0; k <= l; k++) out[k] = 2.0 * (Sp[k] * hql + Hp[k] * sql + Tp[k] * tql);
        } else {
          const double hpl = 0.5 * Hp[l], spl = 0.5 * Sp[l], tpl = tau * Tp[l];
          for (int k = k0; k <= l; k++)
            out[k] = 2.0 * (Sp[k] * hql + Hp[k] * sql + Tp[k] * tql + Sq[k] * hpl + Hq[k] * spl + Tq[k] * tpl);
        }
        /* (S E + E S)/(2 eta): S_kp [l = q] + S_ql [k = p] (+ S_pl [k = q], p != q; [l = p] cannot be) */
        if (l == q)
          for (int k = k0; k <= l; k++) out[k] += 2.0 * he * Sp[k];
        if (p >= k0 && p <= l) out[p] += 2.0 * he * Sq[l];
        if (p != q && q >= k0) out[q] += 2.0 * he * Sp[l];
        out[l] *= 0.5; /* D: 1 on the diagonal entries T_ll */
      }
    }
}

/* The JKO step's Newton matrix at the evaluated state: the Hessian of Psi in (m', pack T),
 * symmetric once the T rows are scaled by D = (1 for T_kk, 2 for T_kl, k < l) (<E_kl, X> =
 * (2 - delta_kl) X_kl). With u_j = Y a_j, Q_j = (a_j u_j' + u_j a_j')/2 (a_j'dS'a_j = 2 <Q_j, dT>)
 * and q_j = D pack(Q_j):
 *   [ H + I/eta                 sum w psi3_j a_j q_j'                                          ]
 *   [ sum w psi3_j q_j a_j'     D pack K + sum w psi4_j q_j q_j'                               ]
 * (K as in kron_block: the tau parts of G cancel to tau T^-1 dT T^-1), O(n d^4/8) for the
 * ridges' rank-one sum (dsyrk, positive and negative psi4 apart) and O(d^4) for the rest.
 * Cholesky-factorised in ws->jac (the lower triangle); where that fails (a V that is not
 * convex here) LU-factorised in ws->blk. */
static bw_status jko_hessian(newton *nw) {
  const bw_ridge_problem *pb = nw->pb;
  bw_ridge_ws *ws = nw->ws;
  const int d = pb->d, n = pb->n, nt = ws->nt, ns = ws->ns;
  const double eta = nw->eta, tau = pb->tau, *Y = ws->M1, *S = ws->M2, *T = ws->Gt;
  const double *psi3 = ws->psi + 3 * (size_t)n, *psi4 = ws->psi + 4 * (size_t)n;
  double *J = ws->jac, *Ti = ws->M4;
  int info = 0;
  /* T^-1 */
  bw__copy(d, T, d, Ti, d);
  dpotrf_("L", &d, Ti, &d, &info, 1);
  if (!info) dpotri_("L", &d, Ti, &d, &info, 1);
  if (info) return BW_ERR_NOT_SPD;
  bw__lower_to_full(d, Ti, d, Ti, d);
  for (int c = 0; c < nt; c++) memset(J + (size_t)c * nt + c, 0, sizeof(double) * (size_t)(nt - c));
  for (int j = 0; j < d; j++)
    for (int i = j; i < d; i++) J[i + (size_t)j * nt] = ws->H[i + (size_t)j * d] + (i == j) / eta;
  kron_block(d, S, ws->H, Ti, tau, eta, J + d + (size_t)d * nt, nt);
  const char nn = 'N', tt = 'T', lo = 'L';
  const double one = 1.0, zero = 0.0, mone = -1.0;
  dgemm_(&nn, &nn, &d, &n, &d, &one, Y, &d, pb->at, &d, &zero, ws->Vt, &d, 1, 1); /* u_j */
  const int ch = ws->chunk;
  for (int j0 = 0; j0 < n; j0 += ch) {
    const int c = n - j0 < ch ? n - j0 : ch;
    int np = 0, nm = c; /* columns of Rc (ns x c): sqrt(|w psi4|) q_j, psi4 >= 0 first, < 0 last; Qc: q_j */
    for (int jj = 0; jj < c; jj++) {
      const int j = j0 + jj;
      const double *a = pb->at + (size_t)j * d, *u = ws->Vt + (size_t)j * d, c4 = pb->w[j] * psi4[j];
      double *qv = ws->Qc + (size_t)jj * ns, *rv = ws->Rc + (size_t)(c4 >= 0.0 ? np++ : --nm) * ns;
      const double r = sqrt(fabs(c4));
      for (int l = 0; l < d; l++) {
        double *ql = qv + bw__pk(0, l), *rl = rv + bw__pk(0, l);
        for (int k = 0; k < l; k++) ql[k] = a[k] * u[l] + a[l] * u[k], rl[k] = r * ql[k];
        ql[l] = a[l] * u[l], rl[l] = r * ql[l];
      }
      ws->c[jj] = pb->w[j] * psi3[j];
    }
    for (int jj = 0; jj < c; jj++) /* Yt = At_c diag(w psi3) */
      for (int i = 0; i < d; i++) ws->Yt[i + (size_t)jj * d] = pb->at[(size_t)(j0 + jj) * d + i] * ws->c[jj];
    dgemm_(&nn, &tt, &ns, &d, &c, &one, ws->Qc, &ns, ws->Yt, &d, &one, J + d, &nt, 1, 1);
    if (np) dsyrk_(&lo, &nn, &ns, &np, &one, ws->Rc, &ns, &one, J + d + (size_t)d * nt, &nt, 1, 1);
    if (c - np)
      dsyrk_(&lo, &nn, &ns, &(int){c - np}, &mone, ws->Rc + (size_t)np * ns, &ns, &one, J + d + (size_t)d * nt, &nt, 1, 1);
  }
  for (int c = 0; c < nt; c++) memcpy(ws->blk + (size_t)c * nt + c, J + (size_t)c * nt + c, sizeof(double) * (size_t)(nt - c));
  dpotrf_(&lo, &nt, J, &nt, &info, 1);
  nw->lu = info != 0;
  if (!nw->lu) return BW_OK;
  bw__lower_to_full(nt, ws->blk, nt, ws->blk, nt);
  dgetrf_(&nt, &nt, ws->blk, &nt, ws->ipiv, &info);
  return info ? BW_ERR_NO_CONVERGENCE : BW_OK; /* singular: no Newton direction */
}

/* The Newton matrix at the evaluated state: the JKO step's Hessian (jko_hessian), or the VI
 * optimum's Jacobian of (g, pack G), LU-factorised in ws->jac. */
static bw_status jacobian(newton *nw) {
  if (nw->eta > 0.0) return jko_hessian(nw);
  bw_ridge_ws *ws = nw->ws;
  const int nt = ws->nt;
  bw__ridge_grad_jacobian(nw->pb, ws, ws->jac);
  int info = 0;
  dgetrf_(&nt, &nt, ws->jac, &nt, ws->ipiv, &info);
  return info ? BW_ERR_NO_CONVERGENCE : BW_OK; /* singular: no Newton direction */
}

/* The Newton direction dx for the residual F at the factorised state. */
static void direction(const newton *nw, const double *F, double *dx) {
  const bw_ridge_ws *ws = nw->ws;
  const int d = ws->d, nt = ws->nt, one = 1;
  int info = 0;
  for (int c = 0; c < nt; c++) dx[c] = -F[c];
  if (nw->eta == 0.0) {
    dgetrs_("N", &nt, &one, ws->jac, &nt, ws->ipiv, dx, &nt, &info, 1);
    return;
  }
  for (int l = 0; l < d; l++) /* the T rows scaled by D */
    for (int k = 0; k < l; k++) dx[d + bw__pk(k, l)] *= 2.0;
  if (nw->lu) dgetrs_("N", &nt, &one, ws->blk, &nt, ws->ipiv, dx, &nt, &info, 1);
  else dpotrs_("L", &nt, &one, ws->jac, &nt, dx, &nt, &info, 1);
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
  const int d = ws->d, nt = ws->nt;
  const bool jko = nw->eta > 0.0;
  double m0 = 0.0, mt = 0.0;
  bw_status st = residual(nw, ws->x1, ws->F, &m0);
  if (st) return st;
  double prev = INFINITY;
  for (int it = 0; it < NEWTON_MAXIT; it++) {
    weights(nw, ws->x1);
    const double f0 = wnorm(ws, ws->F);
    if ((st = jacobian(nw))) return st;
    direction(nw, ws->F, ws->dx);
    double nrm = 0.0, slope = 0.0; /* JKO: Psi's derivative along dx (packed off-diagonals count twice) */
    for (int c = 0; c < nt; c++) {
      const double s = scale_of(nw, ws->x1, c);
      nrm = fmax(nrm, fabs(ws->dx[c]) / (s > 0.0 ? s : 1.0));
      bool diag = c < d;
      for (int k = 0; !diag && k < d; k++) diag = (size_t)(c - d) == bw__pk(k, k);
      slope += (diag ? 1.0 : 2.0) * ws->F[c] * ws->dx[c];
    }
    if (!isfinite(nrm)) return BW_ERR_NO_CONVERGENCE;
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
    /* converged: a full step at rounding level, or no longer shrinking near it, or quadratic
     * convergence predicting the next correction (nrm^3/prev^2) below 1e-15 */
    if (lam == 1.0 && (nrm <= 1e-14 || (nrm <= 1e-10 && nrm > 0.5 * prev) ||
                       (nrm <= 1e-7 && nrm * nrm * nrm <= 1e-15 * prev * prev)))
      return BW_OK;
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

/* (I + eta M)^-1 into out (d x d) when I + eta M is positive definite (false otherwise). */
static bool inverse_shifted(int d, double eta, const double *M, double *out) {
  for (size_t k = 0; k < (size_t)d * d; k++) out[k] = eta * M[k];
  for (int i = 0; i < d; i++) out[i + (size_t)i * d] += 1.0;
  int info = 0;
  dpotrf_("L", &d, out, &d, &info, 1);
  if (!info) dpotri_("L", &d, out, &d, &info, 1);
  if (info) return false;
  bw__lower_to_full(d, out, d, out, d);
  return true;
}

/* The start's transport map in ws->Gt: that of the exact JKO step of the quadratic model of
 * V at the start (E hess V = H there, with the entropy), the Gaussian system's closed form
 * (docs/math.md section 4): B = I + eta H, C = B^-1/2 S B^-1/2, S' = B^-1/2 (e I + C/2 +
 * (C^2/4 + e C)^1/2) B^-1/2 (e = eta tau), then T = (I + eta (H - tau S'^-1))^-1, the step's
 * optimality condition. Exact for quadratic ridges; for the others Newton corrects what the
 * model misses. false when a matrix on the way is not positive definite. S in ws->M4; uses
 * ws->M1..M3, v1 and the eigensolver's scratch. */
static bool quadratic_start(const bw_ridge_problem *pb, bw_ridge_ws *ws, double eta) {
  const int d = ws->d;
  const double tau = pb->tau;
  for (size_t k = 0; k < (size_t)d * d; k++) ws->M1[k] = eta * ws->H[k];
  for (int i = 0; i < d; i++) ws->M1[i + (size_t)i * d] += 1.0;
  if (bw__eigh(ws->bws, d, ws->M1, d, ws->v1, ws->M2, d)) return false;
  for (int i = 0; i < d; i++) {
    if (!(ws->v1[i] > 0.0)) return false;
    ws->v1[i] = 1.0 / sqrt(ws->v1[i]);
  }
  bw__vdvt(d, ws->M2, d, ws->v1, ws->M3, d, ws->M1); /* B^-1/2 */
  bw__sym_congruence('N', d, ws->M4, ws->M3, ws->Gt, ws->M1);
  if (tau > 0.0 && bw__entropy_step(ws->bws, d, ws->Gt, eta * tau, ws->M1, ws->M2)) return false;
  if (tau > 0.0) bw__sym_congruence('N', d, ws->M1, ws->M3, ws->M2, ws->Gt); /* S' */
  /* G' = H - tau S'^-1 in M1, T = (I + eta G')^-1 */
  if (tau > 0.0) {
    int info = 0;
    dpotrf_("L", &d, ws->M2, &d, &info, 1);
    if (!info) dpotri_("L", &d, ws->M2, &d, &info, 1);
    if (info) return false;
    bw__lower_to_full(d, ws->M2, d, ws->M2, d);
  }
  for (size_t k = 0; k < (size_t)d * d; k++) ws->M1[k] = ws->H[k] - (tau > 0.0 ? tau * ws->M2[k] : 0.0);
  return inverse_shifted(d, eta, ws->M1, ws->Gt) && bw__check_finite(d * d, ws->Gt) == BW_OK;
}

/* The JKO step from ws->x0 = (m, pack S): the solution in ws->x1 = (m', pack T) and
 * ws->Ss = S'. Started at the step of the quadratic model of V at the start (g, H there):
 * m' = m - eta (I + eta H)^-1 g and quadratic_start's T, an O(eta^2) start that stays
 * bounded for a stiff V, where the explicit step does not; each falls back to the explicit
 * step (T = I - eta G), then to T = I, where those matrices are not positive definite. */
static bw_status jko_solve(newton *nw) {
  bw_ridge_ws *ws = nw->ws;
  const int d = ws->d;
  const double eta = nw->eta;
  bw__unpack(d, ws->x0 + d, ws->M4, d);
  bw_status st = bw__ridge_eval(nw->pb, ws, ws->x0, ws->M4, d, BW__EV_G, NULL);
  if (st) return st;
  for (int i = 0; i < d; i++) ws->x1[i] = ws->x0[i] - eta * ws->g[i];
  if (inverse_shifted(d, eta, ws->H, ws->M1)) /* the mean: m - eta (I + eta H)^-1 g */
    for (int i = 0; i < d; i++) {
      double v = 0.0;
      for (int k = 0; k < d; k++) v += ws->M1[i + (size_t)k * d] * ws->g[k];
      ws->x1[i] = ws->x0[i] - eta * v;
    }
  if (!quadratic_start(nw->pb, ws, eta)) {
    for (size_t k = 0; k < (size_t)d * d; k++) ws->Gt[k] = -eta * ws->G[k];
    for (int i = 0; i < d; i++) ws->Gt[i + (size_t)i * d] += 1.0;
    if (!bw__chol(d, ws->Gt, d, ws->M1)) bw__eye(d, ws->Gt, d);
  }
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
  newton nw = {pb, ws, eta, 0, false};
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
  newton vi = {pb, ws, 0.0, 0, false};
  for (int k = 0, fails = 0; !st && k < 60; k++) {
    newton nw = {pb, ws, eta, 0, false};
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
