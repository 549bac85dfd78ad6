/* The ridge system's table (lib/core/system_type.h): JKO steps (Newton), the explicit and forward-backward steps, the
 * flows by CVODE (lib/ridge/ridge_flow.c), W2 between Gaussians, the fields of a Gaussian
 * state, and the scales of the order study's defaults.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "core/system_type.h"
#include "ridge/ridge_internal.h"

typedef struct {
  bw_ridge_problem *pb;
  bw_gaussian *g0;
} rdata;

typedef struct {
  bw_traj_kind kind;
  double eta;
  bw_ridge_problem *pb;
  bw_ridge_ws *ws;
  bw_gaussian *g; /* the current state */
  bw_ridge_flow *flow;
  long newton_iters;
} rtraj;

static void data_free(void *data) {
  rdata *rd = data;
  if (!rd) return;
  bw_ridge_problem_free(rd->pb);
  bw_gaussian_free(rd->g0);
  free(rd);
}

static int rdim(const void *data) { return ((const rdata *)data)->pb->d; }
static int nfields(const void *data) { return bw__gaussian_nfields(rdim(data)); }
static void field_name(const void *data, int i, char *buf, size_t n) { bw__gaussian_field_name(rdim(data), i, buf, n); }

static void traj_free(void *impl) {
  rtraj *t = impl;
  if (!t) return;
  bw_ridge_problem_free(t->pb);
  bw_ridge_ws_free(t->ws);
  bw_gaussian_free(t->g);
  bw_ridge_flow_free(t->flow);
  free(t);
}

static bw_status traj_create(const void *data, bw_traj_kind kind, double eta, const bw_jkoflow_opts *opts,
                             double t_stop, void **impl) {
  const rdata *rd = data;
  const int d = rd->pb->d;
  rtraj *t = calloc(1, sizeof *t);
  if (!t) return BW_ERR_NOMEM;
  t->kind = kind;
  t->eta = eta;
  t->pb = bw__ridge_problem_clone(rd->pb);
  t->ws = t->pb ? bw_ridge_ws_alloc(t->pb) : NULL;
  t->g = bw_gaussian_alloc(d);
  bw_status st = t->pb && t->ws && t->g ? BW_OK : BW_ERR_NOMEM;
  if (!st) st = bw_gaussian_copy(t->g, rd->g0);
  if (!st && kind == BW_TRAJ_JKO) st = bw__ridge_ws_newton(t->ws);
  if (!st && !bw_traj_kind_is_discrete(kind)) {
    st = bw_ridge_flow_create(t->pb, bw__traj_flow_kind(kind), eta, opts, &t->flow);
    if (!st) st = bw_ridge_flow_start(t->flow, rd->g0, t_stop);
  }
  if (st) {
    traj_free(t);
    return st;
  }
  *impl = t;
  return BW_OK;
}

/* n steps; the state is the one after the last good step. */
static bw_status step(void *impl, long n, long *done, double *fail_v) {
  rtraj *t = impl;
  (void)fail_v;
  bw_status st = BW_OK;
  long k = 0;
  for (; k < n; k++) {
    if (t->kind == BW_TRAJ_FORWARD) {
      st = bw_ridge_forward_step(t->pb, t->eta, t->ws, t->g, t->g);
    } else if (t->kind == BW_TRAJ_FB) {
      st = bw_ridge_fb_step(t->pb, t->eta, t->ws, t->g, t->g);
    } else {
      int it = 0;
      st = bw_ridge_jko_step(t->pb, t->eta, t->ws, t->g, t->g, &it);
      t->newton_iters += it;
    }
    if (st) break;
  }
  *done = k;
  return st;
}

static bw_status flow(void *impl, double time, double *fail_t, double *fail_v) {
  rtraj *t = impl;
  (void)fail_v;
  bw_status st = bw_ridge_flow_advance(t->flow, time, t->g);
  if (st == BW_ERR_COLLAPSE) bw_ridge_flow_collapse(t->flow, fail_t, NULL);
  return st;
}

static bw_status distance(void *a, const void *b, double *w2) {
  rtraj *ta = a;
  return bw_w2(ta->ws->bws, ta->g, ((const rtraj *)b)->g, w2);
}

static bw_status distances(void *a, int n, const void *const *b, double *w2) {
  rtraj *ta = a;
  const bw_gaussian *g1[BW__W2_MANY_MAX];
  if (n > BW__W2_MANY_MAX) return BW_ERR_BAD_ARG;
  for (int k = 0; k < n; k++) g1[k] = ((const rtraj *)b[k])->g;
  return bw__w2_many(ta->ws->bws, ta->g, n, g1, w2);
}

static bw_status fields(void *impl, double eta, double *v) {
  rtraj *t = impl;
  double J = 0.0;
  bw_status st = bw__ridge_eval(t->pb, t->ws, t->g->mean, t->g->cov, t->g->ld, BW__EV_J | BW__EV_G, &J);
  if (st) return st;
  const double s = bw__ridge_slope_sq(t->ws);
  if (!isfinite(s)) return BW_ERR_OVERFLOW;
  bw__gaussian_fields(t->g, J, eta, s, v);
  return BW_OK;
}

static const bw_gaussian *gaussian(const void *impl) { return ((const rtraj *)impl)->g; }

static const char *solver(const void *impl, bw_jkoflow_stats *counters) {
  const rtraj *t = impl;
  if (counters) bw_ridge_flow_stats(t->flow, counters);
  return bw_ridge_flow_solver_name(t->flow);
}

static bw_status failure_vector(const void *impl, double *v) {
  const rtraj *t = impl;
  double tc;
  return t->flow ? bw_ridge_flow_collapse(t->flow, &tc, v) : BW_ERR_BAD_ARG;
}

static const char *failure_message(const void *impl) { return bw_ridge_flow_cvode_message(((const rtraj *)impl)->flow); }

/* Extreme eigenvalues of E hess V at g (ws->H), and lambda_min(S) (ws->Ss). */
static bw_status extremes(const bw_ridge_problem *pb, bw_ridge_ws *ws, const bw_gaussian *g, double *hmin, double *hmax,
                          double *smin) {
  const int d = pb->d;
  bw_status st = bw__ridge_eval(pb, ws, g->mean, g->cov, g->ld, BW__EV_G, NULL);
  double *w = ws->v1;
  if (!st) st = bw__eigh(ws->bws, d, ws->H, d, w, ws->M1, d);
  if (st) return st;
  *hmin = w[0], *hmax = w[d - 1];
  if (smin) {
    if ((st = bw__eigh(ws->bws, d, ws->Ss, d, w, ws->M1, d))) return st;
    *smin = w[0];
  }
  return BW_OK;
}

/* The relaxation rates of the gradient flow: the eigenvalues of E hess V (the mean's rates;
 * the covariance's are twice them) at the initial state and at the VI optimum (where the
 * flow ends; found when tau > 0 and it exists), in absolute value: slow the smallest
 * non-zero, fast twice the largest. */
static bw_status timescales(const void *data, double *rate_slow, double *rate_fast) {
  const rdata *rd = data;
  bw_ridge_ws *ws = bw_ridge_ws_alloc(rd->pb);
  bw_gaussian *opt = bw_gaussian_alloc(rd->pb->d);
  bw_status st = ws && opt ? BW_OK : BW_ERR_NOMEM;
  double lo = INFINITY, hi = 0.0;
  for (int k = 0; !st && k < 2; k++) {
    if (k == 1 && (rd->pb->tau == 0.0 || bw_ridge_vi_optimum(rd->pb, ws, rd->g0, opt, NULL))) break;
    double a, b;
    st = extremes(rd->pb, ws, k ? opt : rd->g0, &a, &b, NULL);
    for (int i = 0; !st && i < 2; i++) {
      const double r = fabs(i ? b : a);
      if (r > 0) lo = fmin(lo, r), hi = fmax(hi, r);
    }
  }
  bw_ridge_ws_free(ws);
  bw_gaussian_free(opt);
  if (st) return st;
  *rate_slow = isfinite(lo) ? lo : 0.0;
  *rate_fast = 2.0 * hi;
  return BW_OK;
}

/* The largest eta inside the region where the study's trajectories exist and mean something,
 * from E hess V and S along the gradient flow from g0 over [0, T] (65 times, rtol 1e-8), each
 * bound with a factor 2 of margin below its hard limit, as for Gaussians with H in place of
 * A and P (docs/order-study.md):
 *   plan      lambda_min(H) < 0 somewhere: eta (-lambda_min) < 1 keeps the step's objective convex;
 *   mean      JKO-Flow's mean damps while eta lambda_max(H) < 2 (and the explicit steps are stable);
 *   collapse  (tau > 0) every variance s along the way at least 4 times tau eta/(2 - p eta),
 *             p = max(lambda_max(H), 0): eta <= 2 s_min/(4 tau + p s_min). */
static bw_status eta_bound(const void *data, double T, double *eta_safe, bw_eta_bound *which, double *eta_limit) {
  const rdata *rd = data;
  const bw_ridge_problem *pb = rd->pb;
  bw_ridge_ws *ws = bw_ridge_ws_alloc(pb);
  bw_gaussian *g = bw_gaussian_alloc(pb->d);
  bw_ridge_flow *rf = NULL;
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  o.rtol = 1e-8, o.atol = 1e-10;
  bw_status st = ws && g ? BW_OK : BW_ERR_NOMEM;
  double hmin = INFINITY, hmax = -INFINITY, smin = INFINITY;
  if (!st) st = bw_gaussian_copy(g, rd->g0);
  if (!st && T > 0) st = bw_ridge_flow_create(pb, BW_FLOW_PLAIN, 0.0, &o, &rf);
  if (!st && T > 0) st = bw_ridge_flow_start(rf, rd->g0, T);
  for (int k = 0; !st && k <= 64; k++) {
    double a, b, s;
    if (k > 0 && (T <= 0 || bw_ridge_flow_advance(rf, T * k / 64.0, g))) break; /* the samples so far */
    st = extremes(pb, ws, g, &a, &b, &s);
    if (!st) hmin = fmin(hmin, a), hmax = fmax(hmax, b), smin = fmin(smin, s);
  }
  bw_ridge_flow_free(rf);
  bw_ridge_ws_free(ws);
  bw_gaussian_free(g);
  if (st) return st;
  bw__gaussian_eta_bounds(-hmin, hmax, pb->tau, smin, hmax, eta_safe, which, eta_limit);
  return BW_OK;
}

static const bw_system_type ridge_type = {
    .name = "ridge",
    .kinds = (1u << BW_TRAJ_KIND_COUNT) - 1u - (1u << BW_TRAJ_JKOFLOW2), /* order 2 not derived */
    .data_free = data_free,
    .nfields = nfields,
    .field_name = field_name,
    .traj_create = traj_create,
    .traj_free = traj_free,
    .step = step,
    .flow = flow,
    .distance = distance,
    .distances = distances,
    .fields = fields,
    .gaussian = gaussian,
    .positions = NULL,
    .solver = solver,
    .failure_vector = failure_vector,
    .failure_message = failure_message,
    .timescales = timescales,
    .eta_bound = eta_bound,
};

bw_status bw_system_ridge_create(const bw_ridge_problem *pb, const bw_gaussian *g0, bw_system **sys) {
  if (!pb || !g0 || !sys) return BW_ERR_NULL;
  bw_status st = bw__ridge_check_gauss(pb, g0);
  if (st) return st;
  rdata *rd = calloc(1, sizeof *rd);
  if (!rd) return BW_ERR_NOMEM;
  rd->pb = bw__ridge_problem_clone(pb);
  rd->g0 = bw_gaussian_alloc(pb->d);
  st = rd->pb && rd->g0 ? bw_gaussian_copy(rd->g0, g0) : BW_ERR_NOMEM;
  if (!st) st = bw_gaussian_validate(rd->g0, BW_SYM_RTOL, NULL);
  double J;
  if (!st) st = bw_ridge_energy(rd->pb, NULL, rd->g0, &J); /* the energy exists at g0 */
  if (!st) st = bw_ridge_gradient(rd->pb, NULL, rd->g0, NULL, NULL, 0);
  if (st) {
    data_free(rd);
    return st;
  }
  return bw__system_new(&ridge_type, pb->d, rd, sys);
}

const bw_ridge_problem *bw_system_ridge(const bw_system *sys, const bw_gaussian **g0) {
  if (!sys || sys->type != &ridge_type) return NULL;
  const rdata *rd = sys->data;
  if (g0) *g0 = rd->g0;
  return rd->pb;
}
