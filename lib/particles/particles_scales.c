/* The particle system's scales for the order study (lib/core/order.c, docs/particles.md): its
 * relaxation rates, the bounds of each comparison's step sizes, the predicted leading
 * constants of the errors, and the integration floor of the reference flows.
 *
 * Predicted constants. The iterates follow a modified flow x' = f1 + eta f2 + eta^2 f3 + ...
 * (f1 = -g, g = grad F; JKO: f2 = H g/2, f3 = -(H^2 g/3 + T[g, g]/12); forward Euler:
 * f2 = -H g/2, f3 = -(H^2 g/3 + T[g, g]/6); docs/math.md section 8). Against a flow that
 * keeps the terms up to eta^(p-1) f_p, their difference is eta^p u + O(eta^(p+1)) with
 *   u' = -H(x(t)) u + f_{p+1}(x(t)),  u(0) = 0,  x(t) the gradient flow,
 * so C_p = max_t |u(t)| / sqrt(N) (W2 = |.|/sqrt(N)). u is integrated by BDF2 (L-stable: the
 * stiff modes of H are in their quasi-static balance) on 400 steps along the gradient flow,
 * which CVODE gives at rtol 1e-8: a relative error of about (h rate)^2 ~ 1e-4.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "particles/particles_internal.h"
#include "core/system_type.h"

/* ---- rates ---- */

/* The relaxation rates of the WGF near x0 (linearised: x' = -H(x0)(x - x*)):
 *   slow: |lambda_min(H(x0))|, the slowest mode (a growth rate for a non-convex V);
 *   fast: the rate of the initial motion, |H g|/|g| at x0 (g = grad F: along the flow
 *         g' = -H g, so this bounds the relative decay rate of the velocity). Not
 *         lambda_max(H) ~ 4 tau N^2 max(rho)^2: the stiff top modes carry almost none of a
 *         smooth configuration's motion (the table of docs/math.md section 7 is clean at eta lambda_max = 1.9);
 *         the step sizes they limit are bounded by eta_bound (ill-posedness), with margin. */
bw_status bw__pt_timescales(const bw_particles *p, const double *x0, double *rate_slow, double *rate_fast) {
  const int n = p->n;
  double lmin, lmax;
  bw_status st = bw_particles_hessian_extremes(p, NULL, x0, &lmin, &lmax);
  if (st) return st;
  double *g = malloc(4 * (size_t)n * sizeof(double));
  if (!g) return BW_ERR_NOMEM;
  double *d = g + n, *e = g + 2 * (size_t)n, *rinv = g + 3 * (size_t)n;
  bw__pt_grad(p, x0, rinv, g);
  bw__pt_hess(p, x0, rinv, d, e);
  double gg = 0.0, hh = 0.0;
  for (int i = 0; i < n; i++) {
    const double hg = d[i] * g[i] + (i ? e[i - 1] * g[i - 1] : 0.0) + (i < n - 1 ? e[i] * g[i + 1] : 0.0);
    gg += g[i] * g[i];
    hh += hg * hg;
  }
  free(g);
  const double slow = fabs(lmin), fast = gg > 0 ? sqrt(hh / gg) : 0.0;
  if (!isfinite(fast)) return BW_ERR_OVERFLOW;
  *rate_slow = slow;
  *rate_fast = fast > slow ? fast : slow;
  return BW_OK;
}

/* ---- along the gradient flow ---- */

/* The predicted errors: JKO vs WGF, forward vs WGF, JKO vs JKO-Flow, forward vs its flow. */
enum { P_JKO_WGF, P_FWD_WGF, P_JKO_FLOW, P_FWD_FLOW, NPRED };

#define SCAN_STEPS 400 /* BDF2 steps of the predictions */

typedef struct {
  double lpath;       /* max lambda_max(H) along the way (x0 included) */
  double rms;         /* max of the positions' root mean square */
  double c[NPRED];    /* predicted constants (when asked) */
} scan_out;

/* y = H v (tridiagonal hd, ho). */
static void hmul(int n, const double *hd, const double *ho, const double *v, double *y) {
  for (int i = 0; i < n; i++)
    y[i] = hd[i] * v[i] + (i ? ho[i - 1] * v[i - 1] : 0.0) + (i < n - 1 ? ho[i] * v[i + 1] : 0.0);
}

/* The forcing terms f_{p+1} at x (rinv, g, hd, ho from bw__pt_grad/hess): f[k] (n each). */
static void forcing(const bw_particles *p, const double *x, const double *rinv, const double *g,
                    const double *hd, const double *ho, double *hg, double *h2g, double *t2, double *f) {
  const int n = p->n;
  hmul(n, hd, ho, g, hg);
  hmul(n, hd, ho, hg, h2g);
  bw__pt_mf2_term(p, x, rinv, g, hd, ho, hg, t2); /* H^2 g/3 + T[g, g]/12 */
  for (int i = 0; i < n; i++) {
    f[P_JKO_WGF * n + i] = 0.5 * hg[i];
    f[P_FWD_WGF * n + i] = -0.5 * hg[i];
    f[P_JKO_FLOW * n + i] = -t2[i];
    f[P_FWD_FLOW * n + i] = -(2.0 * t2[i] - h2g[i] / 3.0); /* H^2 g/3 + T[g, g]/6 */
  }
}

/* Solve (a I + b H) u_k = r_k for the NPRED right-hand sides r (overwritten by u) by the
 * Thomas algorithm; false unless the matrix is diagonally dominant (a + b min V'' > 0 on
 * every row: then no pivot is small). w: n scratch. */
static bool tri_solve(int n, double a, double b, const double *hd, const double *ho, double *r, double *w) {
  double piv = a + b * hd[0];
  for (int i = 0; i < n; i++) {
    if (i) {
      const double l = b * ho[i - 1] / piv;
      piv = a + b * hd[i] - l * b * ho[i - 1];
      for (int k = 0; k < NPRED; k++) r[k * n + i] -= l * r[k * n + i - 1];
    }
    if (!(piv > 0)) return false;
    w[i] = piv;
  }
  for (int k = 0; k < NPRED; k++) {
    double *u = r + (size_t)k * n;
    u[n - 1] /= w[n - 1];
    for (int i = n - 2; i >= 0; i--) u[i] = (u[i] - b * ho[i] * u[i + 1]) / w[i];
  }
  return true;
}

/* Along the gradient flow from x0 over [0, T] (CVODE at rtol 1e-8), at m + 1 equally spaced
 * times: the largest lambda_max(H) and rms; with predict, the predicted constants (m steps
 * of BDF2 for u; NaN when the system turns out not diagonally dominant). */
static bw_status scan(const bw_particles *p, const double *x0, double T, int m, bool predict, scan_out *out) {
  const int n = p->n;
  const size_t N = (size_t)n;
  bw_particles_ws *ws = bw_particles_ws_alloc(n);
  double *blk = malloc((10 + 4 * NPRED) * N * sizeof(double));
  bw_particles_flow *pf = NULL;
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  o.rtol = 1e-12, o.atol = 1e-14;
  bw_status st = ws && blk ? BW_OK : BW_ERR_NOMEM;
  double *x = blk;
  double l = 0.0;
  if (!st) st = bw_particles_hessian_extremes(p, ws, x0, NULL, &l);
  scan_out r = {.lpath = l};
  for (int i = 0; i < n; i++) r.rms += x0[i] * x0[i] / n;
  bool ok = predict;
  for (int k = 0; k < NPRED; k++) r.c[k] = predict ? 0.0 : NAN;
  if (!st && T > 0) {
    st = bw_particles_flow_create(p, BW_FLOW_PLAIN, 0.0, &o, &pf);
    if (!st) st = bw_particles_flow_start(pf, x0, T);
  }
  double *rinv = blk + N, *g = blk + 2 * N, *hd = blk + 3 * N, *ho = blk + 4 * N, *hg = blk + 5 * N,
         *h2g = blk + 6 * N, *t2 = blk + 7 * N, *w = blk + 8 * N, *f = blk + 10 * N, *u = f + NPRED * N,
         *uprev = u + NPRED * N, *rhs = uprev + NPRED * N;
  if (predict && !st) memset(u, 0, 2 * NPRED * N * sizeof(double)); /* u and uprev */
  const double h = T / m;
  for (int k = 1; k <= m && !st && T > 0; k++) {
    st = bw_particles_flow_advance(pf, T * k / m, x);
    if (!st) st = bw_particles_hessian_extremes(p, ws, x, NULL, &l);
    if (st) break;
    r.lpath = fmax(r.lpath, l);
    double ms = 0.0;
    for (int i = 0; i < n; i++) ms += x[i] * x[i] / n;
    r.rms = fmax(r.rms, ms);
    if (!ok) continue;
    /* BDF2 (backward Euler for the first step): (a I + b H) u_k = ... + b f(x_k) */
    bw__pt_grad(p, x, rinv, g);
    bw__pt_hess(p, x, rinv, hd, ho);
    forcing(p, x, rinv, g, hd, ho, hg, h2g, t2, f);
    const double a = k == 1 ? 1.0 : 3.0, b = k == 1 ? h : 2.0 * h;
    for (size_t j = 0; j < NPRED * N; j++) rhs[j] = (k == 1 ? u[j] : 4.0 * u[j] - uprev[j]) + b * f[j];
    if (!(ok = tri_solve(n, a, b, hd, ho, rhs, w))) break;
    memcpy(uprev, u, NPRED * N * sizeof(double));
    memcpy(u, rhs, NPRED * N * sizeof(double));
    for (int q = 0; q < NPRED; q++) {
      double s = 0.0;
      for (int i = 0; i < n; i++) s += u[q * N + i] * u[q * N + i];
      r.c[q] = fmax(r.c[q], sqrt(s / n));
    }
  }
  if (predict && !ok)
    for (int q = 0; q < NPRED; q++) r.c[q] = NAN;
  for (int q = 0; q < NPRED && predict; q++)
    if (!isfinite(r.c[q])) r.c[q] = NAN;
  bw_particles_flow_free(pf);
  bw_particles_ws_free(ws);
  free(blk);
  r.rms = sqrt(r.rms);
  if (!st) *out = r;
  return st;
}

/* ---- bounds ---- */

/* The largest eta inside the region where the study's trajectories exist and mean something
 * (docs/particles.md), each with a factor 2 of margin:
 *   plan       the JKO objective is strictly convex: eta max(0, -min V'') < 1;
 *   ill-posed  JKO-Flow damps every eigenmode of H while eta lambda_max(H(x(t))) < 2 (and
 *              forward Euler is stable under the same condition): safe when
 *              eta lambda_max <= 1 along the gradient flow from x0 over [0, T] (lambda_max at
 *              65 times, the flow integrated at rtol 1e-8).
 * The hard limit: 2/lambda_max(H(x0)) (JKO-Flow is ill-posed from the start beyond it) and
 * 1/max(0, -min V'') (no JKO step). */
bw_status bw__pt_eta_bound(const bw_particles *p, const double *x0, double T, double *eta_safe,
                           bw_eta_bound *which, double *eta_limit) {
  double safe = INFINITY, limit = INFINITY;
  bw_eta_bound w = BW_BOUND_PLAN;
  const double mu = fmax(0.0, -p->vpp_min);
  if (mu > 0) safe = 0.5 / mu, limit = 1.0 / mu;
  double l0 = 0.0;
  scan_out s;
  bw_status st = bw_particles_hessian_extremes(p, NULL, x0, NULL, &l0);
  if (!st) st = scan(p, x0, T, 64, false, &s);
  if (st) return st;
  if (s.lpath > 0) {
    limit = fmin(limit, 2.0 / l0 > 0 ? 2.0 / l0 : INFINITY);
    if (1.0 / s.lpath < safe) safe = 1.0 / s.lpath, w = BW_BOUND_ILL_POSED;
  }
  *eta_safe = safe;
  *which = w;
  *eta_limit = limit;
  return BW_OK;
}

/* The ladders' bounds start closer to the limit 2 than eta_safe's: eta lambda_max(H) <= 3/2
 * along the gradient flow (the errors stay asymptotic there: docs/math.md section 7's table is
 * clean at 1.9; the 1-2-5 ladder then starts between 0.6 and 1.5). */
#define LADDER_ETA_LAMBDA 1.5
/* JKO vs JKO-Flow of order 2 has no bound of its own, but its eta^4 term is large: measured,
 * the error is C3 eta^3 (1 - 7 eta rate_fast) on the quartic (N = 20..1000), so its ladder
 * starts at eta rate_fast <= 1/100 (within 7% of C3 eta^3). */
#define ORDER3_RANGE 0.01
/* The flows' integration error in W2 at rtol (atol = rtol/100), measured on the quartic
 * (N = 20..1000, x0 the quantiles of N(1, 1/4), T = 0.5, JKO-Flow and the gradient flow,
 * against rtol 3e-16 and 1e-15; docs/particles.md): 3-8 rtol at rtol 1e-12, 6-16 rtol at
 * 1e-13 (in units of the positions' rms, about 1), and 0.9-1.4e-13 at rtol 1e-14, where the
 * rounding of the ~1000 BDF steps (each ~1e-16) dominates: bounded by 10 rtol + 1e-13, and
 * no tighter rtol is worth asking. */
#define FLOOR_REL 10.0
#define FLOOR_ABS 1e-13
#define RTOL_MIN 1e-14

bw_status bw__pt_order_scales(const bw_particles *p, const double *x0, double T, bw__order_scales *sc) {
  double slow, fast;
  scan_out s;
  bw_status st = bw__pt_timescales(p, x0, &slow, &fast);
  if (!st) st = scan(p, x0, T, SCAN_STEPS, true, &s);
  if (st) return st;
  const double mu = fmax(0.0, -p->vpp_min), plan = mu > 0 ? 0.5 / mu : INFINITY;
  const double lam = s.lpath > 0 ? LADDER_ETA_LAMBDA / s.lpath : INFINITY;
  for (int e = 0; e < BW_ORDER_NERR; e++) {
    bw_traj_kind it, ref;
    sc->top[e] = sc->constant[e] = NAN;
    sc->why[e] = BW_BOUND_HORIZON;
    if (bw_order_err_pair((bw_order_err)e, &it, &ref)) continue;
    int pred = -1;
    double top = INFINITY;
    bw_eta_bound why = BW_BOUND_HORIZON;
    if (it == BW_TRAJ_JKO) top = plan, why = BW_BOUND_PLAN;
    else if (it == BW_TRAJ_FORWARD) top = lam, why = BW_BOUND_STABILITY;
    else continue;
    if (ref == BW_TRAJ_WGF) pred = it == BW_TRAJ_JKO ? P_JKO_WGF : P_FWD_WGF;
    else if (ref == BW_TRAJ_JKOFLOW && it == BW_TRAJ_JKO) pred = P_JKO_FLOW;
    else if (ref == BW_TRAJ_FORWARDFLOW && it == BW_TRAJ_FORWARD) pred = P_FWD_FLOW;
    else if (ref != BW_TRAJ_JKOFLOW2) continue; /* a comparison these scales do not cover */
    if (ref == BW_TRAJ_JKOFLOW && lam < top) top = lam, why = BW_BOUND_ILL_POSED;
    if (ref == BW_TRAJ_JKOFLOW2 && fast > 0 && ORDER3_RANGE / fast < top) top = ORDER3_RANGE / fast, why = BW_BOUND_RATE;
    sc->top[e] = top;
    sc->why[e] = why;
    sc->constant[e] = pred >= 0 ? s.c[pred] : NAN;
  }
  sc->floor_rel = FLOOR_REL * s.rms;
  sc->floor_abs = FLOOR_ABS * s.rms;
  sc->rtol_min = RTOL_MIN;
  sc->size = p->n;
  sc->size_exp = 2.0; /* lambda_max ~ 4 tau N^2 max(rho)^2 */
  return BW_OK;
}
