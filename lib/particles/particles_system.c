/* The particle system's table (lib/core/system_type.h): JKO steps (damped Newton, warm-started
 * by extrapolation), forward Euler steps, and the gradient flow and the modified flows by
 * CVODE (lib/particles/particles_flow.c); W2 = |x - y|/sqrt(N); the fields mean, variance, J, Jeta,
 * slope_sq; the scales of the order study's defaults (lib/particles/particles_scales.c).
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

/* The scales of the order study (lib/particles/particles_scales.c). */
static bw_status timescales(const void *data, double *rate_slow, double *rate_fast) {
  const pdata *pd = data;
  return bw__pt_timescales(&pd->p, pd->x0, rate_slow, rate_fast);
}

static bw_status eta_bound(const void *data, double T, double *eta_safe, bw_eta_bound *which,
                           double *eta_limit) {
  const pdata *pd = data;
  return bw__pt_eta_bound(&pd->p, pd->x0, T, eta_safe, which, eta_limit);
}

static bw_status order_scales(const void *data, double T, bw__order_scales *sc) {
  const pdata *pd = data;
  return bw__pt_order_scales(&pd->p, pd->x0, T, sc);
}

static const bw_system_type particles_type = {
    .name = "particles",
    .kinds = (1u << BW_TRAJ_KIND_COUNT) - 1u - (1u << BW_TRAJ_FB), /* no forward-backward step */
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
    .order_scales = order_scales,
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
