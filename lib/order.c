/* Convergence-order studies: JKO and forward Euler iterates against the exact flow and
 * their modified flows. SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include "internal.h"

/* Two passes about the means (the one-pass m sxx - sx^2 is made of rounding errors when the
 * x are equal or close, and then gave an arbitrary slope with BW_OK). No slope unless at
 * least two of the valid x differ. */
static bool valid_point(double x, double y) { return x > 0 && y > 0 && isfinite(x) && isfinite(y); }

bw_status bw_loglog_slope(int n, const double *x, const double *y, double *slope) {
  if (!x || !y || !slope) return BW_ERR_NULL;
  double sx = 0, sy = 0, x0 = NAN;
  int m = 0;
  bool distinct = false;
  for (int i = 0; i < n; i++) {
    if (!valid_point(x[i], y[i])) continue;
    if (m == 0) x0 = x[i];
    else if (x[i] != x0) distinct = true;
    sx += log(x[i]), sy += log(y[i]);
    m++;
  }
  if (m < 2 || !distinct) return BW_ERR_BAD_ARG;
  const double mx = sx / m, my = sy / m;
  double sxx = 0, sxy = 0;
  for (int i = 0; i < n; i++) {
    if (!valid_point(x[i], y[i])) continue;
    const double dx = log(x[i]) - mx;
    sxx += dx * dx, sxy += dx * (log(y[i]) - my);
  }
  if (!(sxx > 0)) return BW_ERR_BAD_ARG;
  const double s = sxy / sxx;
  if (!isfinite(s)) return BW_ERR_OVERFLOW;
  *slope = s;
  return BW_OK;
}

/* Everything one study point allocates. */
typedef struct {
  bw_workspace *ws;
  bw_jko_plan *plan;
  bw_jkoflow *jf, *ff;
  bw_gaussian *jko, *fe, *wgf, *rjf, *rff;
} point_state;

static void point_free(point_state *s) {
  bw_workspace_free(s->ws);
  bw_jko_plan_free(s->plan);
  bw_jkoflow_free(s->jf);
  bw_jkoflow_free(s->ff);
  bw_gaussian_free(s->jko);
  bw_gaussian_free(s->fe);
  bw_gaussian_free(s->wgf);
  bw_gaussian_free(s->rjf);
  bw_gaussian_free(s->rff);
}

static double fmax_w2(bw_workspace *ws, const bw_gaussian *a, const bw_gaussian *b, double acc,
                      bw_status *st) {
  double w = 0;
  if (*st) return acc;
  *st = bw_w2(ws, a, b, &w);
  return fmax(acc, w);
}

bw_status bw_order_point_compute(const bw_problem *pb, const bw_gaussian *g0, double T,
                                 double eta, const bw_jkoflow_opts *opts, bw_order_point *pt) {
  if (!pb || !pt) return BW_ERR_NULL;
  bw_status st = bw__check_gaussian(g0);
  if (st) return st;
  const int d = bw_problem_dim(pb);
  if (g0->d != d) return BW_ERR_DIM_MISMATCH;
  if (!(eta > 0) || !isfinite(eta)) return BW_ERR_BAD_ETA;
  if (!(T > 0) || !isfinite(T) || !(T / eta < 1e9)) return BW_ERR_BAD_ARG;
  const long n = lround(T / eta);
  if (n < 1 || fabs(n * eta - T) > 1e-9 * T) return BW_ERR_BAD_ARG;

  point_state s = {0};
  s.ws = bw_workspace_alloc(d);
  s.jko = bw_gaussian_alloc(d), s.fe = bw_gaussian_alloc(d), s.wgf = bw_gaussian_alloc(d);
  s.rjf = bw_gaussian_alloc(d), s.rff = bw_gaussian_alloc(d);
  if (!s.ws || !s.jko || !s.fe || !s.wgf || !s.rjf || !s.rff) st = BW_ERR_NOMEM;
  if (!st) st = bw_jko_plan_create(pb, eta, &s.plan);
  if (!st) st = bw_jkoflow_create(pb, BW_FLOW_JKO, eta, opts, &s.jf);
  if (!st) st = bw_jkoflow_create(pb, BW_FLOW_FORWARD, eta, opts, &s.ff);
  if (!st) st = bw_jkoflow_start(s.jf, g0, T);
  if (!st) st = bw_jkoflow_start(s.ff, g0, T);
  if (!st) st = bw_gaussian_copy(s.jko, g0);
  if (!st) st = bw_gaussian_copy(s.fe, g0);

  bw_order_point r = {.eta = eta, .steps = n, .forward_status = BW_OK};
  for (long k = 1; !st && k <= n; k++) {
    const double t = k == n ? T : k * eta;
    st = bw_jko_step(s.plan, s.ws, s.jko, s.jko);
    if (!st) st = bw_wgf(pb, s.ws, g0, t, s.wgf);
    if (!st) st = bw_jkoflow_advance(s.jf, t, s.rjf);
    r.err_wgf = fmax_w2(s.ws, s.jko, s.wgf, r.err_wgf, &st);
    r.err_jkoflow = fmax_w2(s.ws, s.jko, s.rjf, r.err_jkoflow, &st);
    if (st || r.forward_status) continue;
    bw_status fst = bw_forward_step(pb, eta, s.ws, s.fe, s.fe);
    if (!fst) fst = bw_jkoflow_advance(s.ff, t, s.rff);
    r.err_forward_wgf = fmax_w2(s.ws, s.fe, s.wgf, r.err_forward_wgf, &fst);
    r.err_forward_flow = fmax_w2(s.ws, s.fe, s.rff, r.err_forward_flow, &fst);
    if (fst) {
      r.forward_status = fst;
      r.err_forward_wgf = r.err_forward_flow = INFINITY;
    }
  }
  point_free(&s);
  if (!st) *pt = r;
  return st;
}
