/* The particle system's table (lib/core/system_type.h): JKO steps (damped Newton, warm-started
 * by extrapolation), forward Euler steps, and the gradient flow and the modified flows by
 * CVODE (lib/particles/particles_flow.c); W2 = |x - y|/sqrt(N); the fields mean, variance, J, Jeta,
 * slope_sq; the scales of the order study's defaults.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "particles/particles_internal.h"
#include "core/system_type.h"

typedef struct {
  bw_particles p;
  double *x0;
} pdata;

typedef struct {
  bw_particles p;
  bw_traj_kind kind;
  double eta;
  double *x, *xprev, *guess; /* current and previous positions, Newton's start */
  bool have_prev;
  bw_particles_ws *ws;
  bw_particles_jko_plan *plan;
  bw_particles_flow *flow;
  long newton_iters; /* JKO: Newton iterations so far */
} ptraj;

static void data_free(void *data) {
  pdata *pd = data;
  if (!pd) return;
  free(pd->x0);
  free(pd);
}

static const char *const field_names[5] = {"mean", "variance", "J", "Jeta", "slope_sq"};

static int nfields(const void *data) {
  (void)data;
  return 5;
}

static void field_name(const void *data, int i, char *buf, size_t n) {
  (void)data;
  snprintf(buf, n, "%s", field_names[i]);
}

static void traj_free(void *impl) {
  ptraj *t = impl;
  if (!t) return;
  free(t->x);
  bw_particles_ws_free(t->ws);
  bw_particles_jko_plan_free(t->plan);
  bw_particles_flow_free(t->flow);
  free(t);
}

static bw_status traj_create(const void *data, bw_traj_kind kind, double eta,
                             const bw_jkoflow_opts *opts, double t_stop, void **impl) {
  const pdata *pd = data;
  const int n = pd->p.n;
  ptraj *t = calloc(1, sizeof *t);
  if (!t) return BW_ERR_NOMEM;
  t->p = pd->p;
  t->kind = kind;
  t->eta = eta;
  t->x = malloc(3 * (size_t)n * sizeof(double));
  t->ws = bw_particles_ws_alloc(n);
  bw_status st = t->x && t->ws ? BW_OK : BW_ERR_NOMEM;
  if (!st) {
    t->xprev = t->x + n;
    t->guess = t->x + 2 * (size_t)n;
    memcpy(t->x, pd->x0, (size_t)n * sizeof(double));
  }
  if (!st && kind == BW_TRAJ_JKO) st = bw_particles_jko_plan_create(&pd->p, eta, &t->plan);
  if (!st && !bw_traj_kind_is_discrete(kind)) {
    st = bw_particles_flow_create(&pd->p, bw__traj_flow_kind(kind), eta, opts, &t->flow);
    if (!st) st = bw_particles_flow_start(t->flow, pd->x0, t_stop);
  }
  if (st) {
    traj_free(t);
    return st;
  }
  *impl = t;
  return BW_OK;
}

/* n steps; the state is the one after the last good step. JKO steps start Newton from the
 * extrapolation 2 x_k - x_{k-1} (error O(eta^2) instead of O(eta)) when it is ordered. */
static bw_status step(void *impl, long n, long *done, double *fail_v) {
  ptraj *t = impl;
  (void)fail_v;
  const int np = t->p.n;
  const size_t bytes = (size_t)np * sizeof(double);
  bw_status st = BW_OK;
  long k = 0;
  for (; k < n; k++) {
    if (t->kind == BW_TRAJ_FORWARD) {
      st = bw_particles_forward_step(&t->p, t->eta, t->ws, t->x, t->x);
    } else {
      const double *guess = NULL;
      if (t->have_prev) {
        for (int i = 0; i < np; i++) t->guess[i] = 2.0 * t->x[i] - t->xprev[i];
        guess = t->guess; /* checked by the step (replaced by x when not ordered) */
      }
      int it = 0;
      memcpy(t->xprev, t->x, bytes);
      st = bw_particles_jko_step(t->plan, t->ws, t->xprev, guess, t->x, &it);
      if (st) memcpy(t->x, t->xprev, bytes); /* untouched anyway: keep it explicit */
      else t->newton_iters += it, t->have_prev = true;
    }
    if (st) break;
  }
  *done = k;
  return st;
}

static bw_status flow(void *impl, double time, double *fail_t, double *fail_v) {
  ptraj *t = impl;
  bw_status st = bw_particles_flow_advance(t->flow, time, t->x);
  if (st) bw_particles_flow_failure(t->flow, fail_t, fail_v);
  return st;
}

static bw_status distance(void *a, const void *b, double *w2) {
  const ptraj *ta = a, *tb = b;
  if (ta->p.n != tb->p.n) return BW_ERR_DIM_MISMATCH;
  return bw_particles_w2(ta->p.n, ta->x, tb->x, w2);
}

static bw_status fields(void *impl, double eta, double *v) {
  ptraj *t = impl;
  double m, var, J, s;
  bw_status st = bw_particles_moments(t->p.n, t->x, &m, &var);
  if (!st) st = bw_particles_energy(&t->p, t->x, &J);
  if (!st) st = bw_particles_slope_sq(&t->p, t->x, &s);
  if (st) return st;
  v[0] = m;
  v[1] = var;
  v[2] = J;
  v[3] = J - 0.25 * eta * s;
  v[4] = s;
  return BW_OK;
}

static const double *positions(const void *impl, int *n) {
  const ptraj *t = impl;
  if (n) *n = t->p.n;
  return t->x;
}

static const char *solver(const void *impl, bw_jkoflow_stats *counters) {
  const ptraj *t = impl;
  if (!t->flow) return "";
  if (counters) bw_particles_flow_stats(t->flow, counters);
  return "bdf-band";
}

static bw_status failure_vector(const void *impl, double *v) {
  const ptraj *t = impl;
  return t->flow ? bw_particles_flow_failure_mode(t->flow, NULL, v) : BW_ERR_BAD_ARG;
}

static const char *failure_message(const void *impl) {
  const ptraj *t = impl;
  return t->flow ? bw_particles_flow_cvode_message(t->flow) : "";
}

/* The relaxation rates of the WGF near x0 (linearised: x' = -H(x0)(x - x*)):
 *   slow: |lambda_min(H(x0))|, the slowest mode (a growth rate for a non-convex V);
 *   fast: the rate of the initial motion, |H g|/|g| at x0 (g = grad F: along the flow
 *         g' = -H g, so this bounds the relative decay rate of the velocity). Not
 *         lambda_max(H) ~ 4 tau N^2 max(rho)^2: the stiff top modes carry almost none of a
 *         smooth configuration's motion (the table of docs/math.md section 7 is clean at eta lambda_max = 1.9);
 *         the step sizes they limit are bounded by eta_bound (ill-posedness), with margin. */
static bw_status timescales(const void *data, double *rate_slow, double *rate_fast) {
  const pdata *pd = data;
  const int n = pd->p.n;
  double lmin, lmax;
  bw_status st = bw_particles_hessian_extremes(&pd->p, NULL, pd->x0, &lmin, &lmax);
  if (st) return st;
  double *g = malloc(4 * (size_t)n * sizeof(double));
  if (!g) return BW_ERR_NOMEM;
  double *d = g + n, *e = g + 2 * (size_t)n, *rinv = g + 3 * (size_t)n;
  bw__pt_grad(&pd->p, pd->x0, rinv, g);
  bw__pt_hess(&pd->p, pd->x0, rinv, d, e);
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

/* The largest eta inside the region where the study's trajectories exist and mean something
 * (docs/particles.md), each with a factor 2 of margin:
 *   plan       the JKO objective is strictly convex: eta max(0, -min V'') < 1;
 *   ill-posed  JKO-Flow damps every eigenmode of H while eta lambda_max(H(x(t))) < 2 (and
 *              forward Euler is stable under the same condition): safe when
 *              eta lambda_max <= 1 along the gradient flow from x0 over [0, T] (lambda_max at
 *              65 times, the flow integrated at rtol 1e-8).
 * The hard limit: 2/lambda_max(H(x0)) (JKO-Flow is ill-posed from the start beyond it) and
 * 1/max(0, -min V'') (no JKO step). */
static bw_status eta_bound(const void *data, double T, double *eta_safe, bw_eta_bound *which,
                           double *eta_limit) {
  const pdata *pd = data;
  const int n = pd->p.n;
  double safe = INFINITY, limit = INFINITY;
  bw_eta_bound w = BW_BOUND_PLAN;
  const double mu = fmax(0.0, -pd->p.vpp_min);
  if (mu > 0) safe = 0.5 / mu, limit = 1.0 / mu;
  bw_particles_ws *ws = bw_particles_ws_alloc(n);
  double *x = malloc((size_t)n * sizeof(double));
  bw_particles_flow *pf = NULL;
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  o.rtol = 1e-8, o.atol = 1e-10;
  bw_status st = ws && x ? BW_OK : BW_ERR_NOMEM;
  double l0 = 0.0, lpath = 0.0;
  if (!st) st = bw_particles_hessian_extremes(&pd->p, ws, pd->x0, NULL, &l0);
  lpath = l0;
  if (!st && T > 0) {
    st = bw_particles_flow_create(&pd->p, BW_FLOW_PLAIN, 0.0, &o, &pf);
    if (!st) st = bw_particles_flow_start(pf, pd->x0, T);
    for (int k = 1; k <= 64 && !st; k++) {
      double l;
      st = bw_particles_flow_advance(pf, T * k / 64.0, x);
      if (!st) st = bw_particles_hessian_extremes(&pd->p, ws, x, NULL, &l);
      if (!st) lpath = fmax(lpath, l);
    }
  }
  bw_particles_flow_free(pf);
  bw_particles_ws_free(ws);
  free(x);
  if (st) return st;
  if (lpath > 0) {
    limit = fmin(limit, 2.0 / l0 > 0 ? 2.0 / l0 : INFINITY);
    if (1.0 / lpath < safe) safe = 1.0 / lpath, w = BW_BOUND_ILL_POSED;
  }
  *eta_safe = safe;
  *which = w;
  *eta_limit = limit;
  return BW_OK;
}

static const bw_system_type particles_type = {
    .name = "particles",
    .data_free = data_free,
    .nfields = nfields,
    .field_name = field_name,
    .traj_create = traj_create,
    .traj_free = traj_free,
    .step = step,
    .flow = flow,
    .distance = distance,
    .fields = fields,
    .gaussian = NULL,
    .positions = positions,
    .solver = solver,
    .failure_vector = failure_vector,
    .failure_message = failure_message,
    .timescales = timescales,
    .eta_bound = eta_bound,
};

bw_status bw_system_particles_create(const bw_particles *pp, const double *x0, bw_system **sys) {
  if (!pp || !x0 || !sys) return BW_ERR_NULL;
  bw_status st = bw__pt_check(pp->n, x0);
  if (st) return st;
  pdata *pd = calloc(1, sizeof *pd);
  if (!pd) return BW_ERR_NOMEM;
  pd->p = *pp;
  if (!(pd->x0 = malloc((size_t)pp->n * sizeof(double)))) {
    free(pd);
    return BW_ERR_NOMEM;
  }
  memcpy(pd->x0, x0, (size_t)pp->n * sizeof(double));
  return bw__system_new(&particles_type, pp->n, pd, sys);
}

const bw_particles *bw_system_particles(const bw_system *sys, const double **x0) {
  if (!sys || sys->type != &particles_type) return NULL;
  const pdata *pd = sys->data;
  if (x0) *x0 = pd->x0;
  return &pd->p;
}
