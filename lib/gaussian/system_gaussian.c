/* The Gaussian system's table (lib/core/system_type.h): trajectories through the closed forms
 * (JKO step, forward Euler step, forward-backward step, exact WGF) and CVODE (the modified flows), W2 between
 * Gaussians, the fields (mean, covariance, J, J^eta, |grad J|^2), and the scales of the
 * order study's defaults (docs/order-study.md).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/system_type.h"

typedef struct {
  bw_problem *pb;
  bw_gaussian *g0;
} gdata;

typedef struct {
  bw_traj_kind kind;
  double eta;
  bw_problem *pb;
  bw_gaussian *g0, *g; /* initial state (WGF), current state */
  bw_workspace *ws;
  bw_jko_plan *plan; /* BW_TRAJ_JKO */
  bw_jkoflow *jf;    /* the modified flows */
} gtraj;

static void data_free(void *data) {
  gdata *gd = data;
  if (!gd) return;
  bw_problem_free(gd->pb);
  bw_gaussian_free(gd->g0);
  free(gd);
}

static int gdim(const void *data) { return bw_problem_dim(((const gdata *)data)->pb); }

static int nfields(const void *data) { return bw__gaussian_nfields(gdim(data)); }

static void field_name(const void *data, int i, char *buf, size_t n) { bw__gaussian_field_name(gdim(data), i, buf, n); }

static void traj_free(void *impl) {
  gtraj *t = impl;
  if (!t) return;
  bw_problem_free(t->pb);
  bw_gaussian_free(t->g0);
  bw_gaussian_free(t->g);
  bw_workspace_free(t->ws);
  bw_jko_plan_free(t->plan);
  bw_jkoflow_free(t->jf);
  free(t);
}

static bw_status traj_create(const void *data, bw_traj_kind kind, double eta,
                             const bw_jkoflow_opts *opts, double t_stop, void **impl) {
  const gdata *gd = data;
  const int d = gdim(data);
  gtraj *t = calloc(1, sizeof *t);
  if (!t) return BW_ERR_NOMEM;
  t->kind = kind;
  t->eta = eta;
  t->pb = bw__problem_clone(gd->pb);
  t->g0 = bw_gaussian_alloc(d);
  t->g = bw_gaussian_alloc(d);
  t->ws = bw_workspace_alloc(d);
  bw_status st = t->pb && t->g0 && t->g && t->ws ? BW_OK : BW_ERR_NOMEM;
  if (!st) st = bw_gaussian_copy(t->g0, gd->g0);
  if (!st) st = bw_gaussian_copy(t->g, gd->g0);
  if (!st && kind == BW_TRAJ_JKO) st = bw_jko_plan_create(t->pb, eta, &t->plan);
  if (!st && (kind == BW_TRAJ_JKOFLOW || kind == BW_TRAJ_FORWARDFLOW || kind == BW_TRAJ_JKOFLOW2)) {
    st = bw_jkoflow_create(t->pb, bw__traj_flow_kind(kind), eta, opts, &t->jf);
    if (!st) st = bw_jkoflow_start(t->jf, t->g0, t_stop);
  }
  if (st) {
    traj_free(t);
    return st;
  }
  *impl = t;
  return BW_OK;
}

static bw_status step(void *impl, long n, long *done, double *fail_v) {
  gtraj *t = impl;
  (void)fail_v;
  bw_status st = BW_OK;
  long k = 0;
  for (; !st && k < n; k++)
    st = t->kind == BW_TRAJ_JKO       ? bw_jko_step(t->plan, t->ws, t->g, t->g)
         : t->kind == BW_TRAJ_FORWARD ? bw_forward_step(t->pb, t->eta, t->ws, t->g, t->g)
                                      : bw_fb_step(t->pb, t->eta, t->ws, t->g, t->g);
  *done = st ? k - 1 : k;
  return st;
}

static bw_status flow(void *impl, double time, double *fail_t, double *fail_v) {
  gtraj *t = impl;
  (void)fail_v;
  if (t->kind == BW_TRAJ_WGF) return bw_wgf(t->pb, t->ws, t->g0, time, t->g);
  bw_status st = bw_jkoflow_advance(t->jf, time, t->g);
  if (st == BW_ERR_COLLAPSE) bw_jkoflow_collapse(t->jf, fail_t, NULL);
  return st;
}

static bw_status distance(void *a, const void *b, double *w2) {
  gtraj *ta = a;
  const gtraj *tb = b;
  return bw_w2(ta->ws, ta->g, tb->g, w2);
}

static bw_status distances(void *a, int n, const void *const *b, double *w2) {
  gtraj *ta = a;
  const bw_gaussian *g1[BW__W2_MANY_MAX];
  if (n > BW__W2_MANY_MAX) return BW_ERR_BAD_ARG;
  for (int k = 0; k < n; k++) g1[k] = ((const gtraj *)b[k])->g;
  return bw__w2_many(ta->ws, ta->g, n, g1, w2);
}

static bw_status fields(void *impl, double eta, double *v) {
  gtraj *t = impl;
  double J, s;
  bw_status st = bw_energy(t->pb, t->ws, t->g, &J);
  if (!st) st = bw_slope_sq(t->pb, t->ws, t->g, &s);
  if (!st) bw__gaussian_fields(t->g, J, eta, s, v);
  return st;
}

static const bw_gaussian *gaussian(const void *impl) { return ((const gtraj *)impl)->g; }

static const char *solver(const void *impl, bw_jkoflow_stats *counters) {
  const gtraj *t = impl;
  if (!t->jf) return "closed form";
  if (counters) bw_jkoflow_last_stats(t->jf, counters);
  return bw_jkoflow_solver_name(t->jf);
}

static bw_status failure_vector(const void *impl, double *v) {
  const gtraj *t = impl;
  double tc;
  return t->jf ? bw_jkoflow_collapse(t->jf, &tc, v) : BW_ERR_BAD_ARG;
}

static const char *failure_message(const void *impl) {
  const gtraj *t = impl;
  return t->jf ? bw_jkoflow_cvode_message(t->jf) : "";
}

/* The relaxation rates of the WGF: a_i for the mean (A's eigenvalues) and 2 p_i for the
 * covariance (P's), in absolute value (a negative one is a growth rate); zero rates (the
 * heat flow's variance grows linearly, a mean that sits where h puts no force) do not set
 * a time scale. */
static bw_status timescales(const void *data, double *rate_slow, double *rate_fast) {
  const bw_problem *pb = ((const gdata *)data)->pb;
  const int d = bw_problem_dim(pb);
  const double *a = bw_problem_A_eigvals(pb), *p = bw_problem_P_eigvals(pb);
  double lo = INFINITY, hi = 0.0;
  for (int i = 0; i < 2 * d; i++) {
    const double r = i < d ? fabs(a[i]) : 2.0 * fabs(p[i - d]);
    if (r > 0) lo = fmin(lo, r), hi = fmax(hi, r);
  }
  *rate_slow = isfinite(lo) ? lo : 0.0;
  *rate_fast = hi;
  return BW_OK;
}

/* phi(r, t) = (1 - e^{-r t})/r (t at r = 0), as in the exact flow. */
static double phi(double r, double t) { return r == 0.0 ? t : -expm1(-r * t) / r; }

/* The largest eta safely inside the region where the study's trajectories exist and mean
 * something (docs/math.md section 5), each with a factor 2 of margin below its hard limit:
 *   plan      I + eta P and I + eta A positive definite: eta (-p_min) < 1, eta (-a_min) < 1;
 *   mean      JKO-Flow's mean damps while a eta < 2;
 *   collapse  (tau > 0) a variance s is driven to 0 below tau eta/(2 - p eta); safe when every
 *             variance along the WGF over [0, T] is at least 4 times that, p = max(p_max, 0):
 *             eta <= 2 s_lb / (4 tau + p s_lb) (hard limit 2 s_lb / (tau + p s_lb)), with the
 *             certified lower bound s_lb(t) = lambda_min(S0) e^{-2 p_max t} + 2 tau min_i
 *             phi(2 p_i, t) of lambda_min(S(t)) (S(t) = E S0 E + 2 tau R phi(2p, t) R',
 *             |E^-1| <= e^{p_max t}), minimised over 257 times in [0, T]. */
static bw_status eta_bound(const void *data, double T, double *eta_safe, bw_eta_bound *which,
                           double *eta_limit) {
  const gdata *gd = data;
  const bw_problem *pb = gd->pb;
  const int d = bw_problem_dim(pb);
  const double *a = bw_problem_A_eigvals(pb), *p = bw_problem_P_eigvals(pb), tau = bw_problem_tau(pb);
  const double amin = a[0], amax = a[d - 1], pmin = p[0], pmax = p[d - 1];
  double slb = INFINITY;
  if (tau > 0) {
    bw_workspace *ws = bw_workspace_alloc(d);
    bw_status st = ws ? bw__eigh(ws, d, gd->g0->cov, gd->g0->ld, ws->vec[0], ws->mat[0], d) : BW_ERR_NOMEM;
    const double smin0 = st ? 0.0 : ws->vec[0][0];
    bw_workspace_free(ws);
    if (st) return st;
    for (int k = 0; k <= 256; k++) {
      const double t = T * k / 256.0;
      double m = INFINITY;
      for (int i = 0; i < d; i++) m = fmin(m, phi(2.0 * p[i], t));
      slb = fmin(slb, smin0 * exp(-2.0 * pmax * t) + 2.0 * tau * m);
    }
  }
  bw__gaussian_eta_bounds(fmax(-pmin, -amin), amax, tau, slb, pmax, eta_safe, which, eta_limit);
  return BW_OK;
}

static const bw_system_type gaussian_type = {
    .name = "gaussian",
    .kinds = (1u << BW_TRAJ_KIND_COUNT) - 1u, /* every kind */
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

bw_status bw_system_gaussian_create(const bw_problem *pb, const bw_gaussian *g0, bw_system **sys) {
  if (!pb || !g0 || !sys) return BW_ERR_NULL;
  bw_status st = bw__check_gaussian(g0);
  if (st) return st;
  const int d = bw_problem_dim(pb);
  if (g0->d != d) return BW_ERR_DIM_MISMATCH;
  gdata *gd = calloc(1, sizeof *gd);
  if (!gd) return BW_ERR_NOMEM;
  gd->pb = bw__problem_clone(pb);
  gd->g0 = bw_gaussian_alloc(d);
  st = gd->pb && gd->g0 ? bw_gaussian_copy(gd->g0, g0) : BW_ERR_NOMEM;
  if (!st) st = bw_gaussian_validate(gd->g0, BW_SYM_RTOL, NULL);
  if (st) {
    data_free(gd);
    return st;
  }
  return bw__system_new(&gaussian_type, d, gd, sys);
}

const bw_problem *bw_system_gaussian(const bw_system *sys, const bw_gaussian **g0) {
  if (!sys || sys->type != &gaussian_type) return NULL;
  const gdata *gd = sys->data;
  if (g0) *g0 = gd->g0;
  return gd->pb;
}
