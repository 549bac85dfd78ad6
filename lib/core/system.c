/* Systems and trajectories: the generic layer over the system types' tables
 * (lib/core/system_type.h). It owns the time, the step count and the failure record of a
 * trajectory and validates arguments; the types do the numerics.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "core/system_type.h"

struct bw_traj {
  const bw_system_type *type;
  int dim;
  bw_traj_kind kind;
  double eta, t, t_stop;
  long steps;
  bw_status failed; /* BW_OK while alive */
  double fail_t, fail_v;
  void *impl;
};

static const char *const kind_names[BW_TRAJ_KIND_COUNT] = {"jko",         "forward",  "wgf", "jkoflow",
                                                           "forwardflow", "jkoflow2", "fb"};

const char *bw_traj_kind_name(bw_traj_kind kind) {
  return (int)kind >= 0 && kind < BW_TRAJ_KIND_COUNT ? kind_names[kind] : NULL;
}

int bw_traj_kind_is_discrete(bw_traj_kind kind) {
  return kind == BW_TRAJ_JKO || kind == BW_TRAJ_FORWARD || kind == BW_TRAJ_FB;
}

int bw__system_provides(const bw_system_type *type, bw_traj_kind kind) {
  return (int)kind >= 0 && kind < BW_TRAJ_KIND_COUNT && (type->kinds >> kind & 1u);
}

int bw_system_provides(const bw_system *sys, bw_traj_kind kind) { return sys && bw__system_provides(sys->type, kind); }

bw_flow_kind bw__traj_flow_kind(bw_traj_kind kind) {
  return kind == BW_TRAJ_WGF        ? BW_FLOW_PLAIN
         : kind == BW_TRAJ_JKOFLOW  ? BW_FLOW_JKO
         : kind == BW_TRAJ_JKOFLOW2 ? BW_FLOW_JKO2
                                    : BW_FLOW_FORWARD;
}

void bw__gaussian_eta_bounds(double neg, double curv, double tau, double smin, double pcov, double *eta_safe,
                             bw_eta_bound *which, double *eta_limit) {
  double safe = INFINITY, limit = INFINITY;
  bw_eta_bound w = BW_BOUND_PLAN;
  if (neg > 0) safe = 0.5 / neg, limit = 1.0 / neg;
  if (curv > 0) {
    limit = fmin(limit, 2.0 / curv);
    if (1.0 / curv < safe) safe = 1.0 / curv, w = BW_BOUND_MEAN;
  }
  if (tau > 0) {
    const double p = fmax(pcov, 0.0), e = 2.0 * smin / (4.0 * tau + p * smin);
    limit = fmin(limit, 2.0 * smin / (tau + p * smin));
    if (e < safe) safe = e, w = BW_BOUND_COLLAPSE;
  }
  *eta_safe = safe;
  *which = w;
  *eta_limit = limit;
}

bw_status bw__system_new(const bw_system_type *type, int dim, void *data, bw_system **sys) {
  bw_system *s = malloc(sizeof *s);
  if (!s) {
    type->data_free(data);
    return BW_ERR_NOMEM;
  }
  *s = (bw_system){.type = type, .dim = dim, .data = data};
  *sys = s;
  return BW_OK;
}

void bw_system_free(bw_system *sys) {
  if (!sys) return;
  sys->type->data_free(sys->data);
  free(sys);
}

const char *bw_system_name(const bw_system *sys) { return sys ? sys->type->name : NULL; }
int bw_system_dim(const bw_system *sys) { return sys ? sys->dim : 0; }
int bw_system_nfields(const bw_system *sys) { return sys ? sys->type->nfields(sys->data) : 0; }

bw_status bw_system_field_name(const bw_system *sys, int i, char *buf, size_t n) {
  if (!sys || !buf) return BW_ERR_NULL;
  if (i < 0 || i >= sys->type->nfields(sys->data) || n < 1) return BW_ERR_BAD_ARG;
  sys->type->field_name(sys->data, i, buf, n);
  return BW_OK;
}

bw_status bw_traj_create(const bw_system *sys, bw_traj_kind kind, double eta,
                         const bw_jkoflow_opts *opts, double t_stop, bw_traj **tr) {
  if (!sys || !tr) return BW_ERR_NULL;
  if ((int)kind < 0 || kind >= BW_TRAJ_KIND_COUNT) return BW_ERR_BAD_ARG;
  if (!bw__system_provides(sys->type, kind)) return BW_ERR_NOT_PROVIDED;
  if (!(t_stop >= 0) || !isfinite(t_stop)) return BW_ERR_BAD_ARG;
  if (kind == BW_TRAJ_WGF) eta = 0.0;
  else if (!(eta > 0) || !isfinite(eta)) return BW_ERR_BAD_ETA;
  bw_jkoflow_opts def;
  if (!opts) {
    bw_jkoflow_opts_default(&def);
    opts = &def;
  }
  bw_traj *t = malloc(sizeof *t);
  if (!t) return BW_ERR_NOMEM;
  *t = (bw_traj){.type = sys->type, .dim = sys->dim, .kind = kind, .eta = eta, .t = 0.0,
                 .t_stop = t_stop, .fail_t = NAN, .fail_v = NAN};
  bw_status st = sys->type->traj_create(sys->data, kind, eta, opts, t_stop, &t->impl);
  if (st) {
    free(t);
    return st;
  }
  *tr = t;
  return BW_OK;
}

void bw_traj_free(bw_traj *tr) {
  if (!tr) return;
  tr->type->traj_free(tr->impl);
  free(tr);
}

bw_traj_kind bw_traj_kind_of(const bw_traj *tr) { return tr ? tr->kind : BW_TRAJ_KIND_COUNT; }
double bw_traj_time(const bw_traj *tr) { return tr ? tr->t : NAN; }
long bw_traj_steps(const bw_traj *tr) { return tr ? tr->steps : 0; }

bw_status bw_traj_advance(bw_traj *tr, double t) {
  if (!tr) return BW_ERR_NULL;
  if (tr->failed) return tr->failed;
  if (!isfinite(t) || t < tr->t) return BW_ERR_BAD_ARG;
  double ft = NAN, fv = NAN;
  bw_status st;
  if (bw_traj_kind_is_discrete(tr->kind)) {
    const double q = (t - tr->t) / tr->eta;
    if (!(q < 1e9)) return BW_ERR_BAD_ARG;
    const long n = lround(q);
    if (fabs(tr->t + n * tr->eta - t) > 1e-9 * fmax(t, tr->eta)) return BW_ERR_BAD_ARG;
    if (n == 0) return BW_OK;
    long done = 0;
    st = tr->type->step(tr->impl, n, &done, &fv);
    tr->steps += done;
    if (st) { /* the state is the one after the last good step; ft is the failed step's time */
      ft = tr->t + (done + 1) * tr->eta;
      tr->t += done * tr->eta;
    }
  } else {
    if (tr->t_stop > 0 && t > tr->t_stop) return BW_ERR_BAD_ARG;
    if (t == tr->t) return BW_OK;
    st = tr->type->flow(tr->impl, t, &ft, &fv);
    if (st && isnan(ft)) ft = t; /* failed on the way to t */
  }
  if (st) {
    tr->failed = st;
    tr->fail_t = ft;
    tr->fail_v = fv;
    return st;
  }
  tr->t = t;
  return BW_OK;
}

bw_status bw_traj_failure(const bw_traj *tr, double *t, double *value) {
  if (!tr) return BW_ERR_NULL;
  if (!tr->failed) return BW_OK;
  if (t) *t = tr->fail_t;
  if (value) *value = tr->fail_v;
  return tr->failed;
}

bw_status bw_traj_failure_vector(const bw_traj *tr, double *v) {
  if (!tr || !v) return BW_ERR_NULL;
  if (!tr->failed || !tr->type->failure_vector) return BW_ERR_BAD_ARG;
  return tr->type->failure_vector(tr->impl, v);
}

const char *bw_traj_failure_message(const bw_traj *tr) {
  if (!tr || !tr->failed || !tr->type->failure_message) return "";
  return tr->type->failure_message(tr->impl);
}

bw_status bw_traj_distance(bw_traj *a, const bw_traj *b, double *w2) {
  if (!a || !b || !w2) return BW_ERR_NULL;
  if (a->type != b->type || a->dim != b->dim) return BW_ERR_DIM_MISMATCH;
  return a->type->distance(a->impl, b->impl, w2);
}

bw_status bw_traj_distances(bw_traj *a, int n, const bw_traj *const *b, double *w2) {
  if (!a || !w2 || (n > 0 && !b)) return BW_ERR_NULL;
  if (n < 0 || n > 8) return BW_ERR_BAD_ARG;
  const void *impl[8];
  for (int k = 0; k < n; k++) {
    if (!b[k]) return BW_ERR_NULL;
    if (b[k]->type != a->type || b[k]->dim != a->dim) return BW_ERR_DIM_MISMATCH;
    impl[k] = b[k]->impl;
  }
  if (a->type->distances) return a->type->distances(a->impl, n, impl, w2);
  double out[8];
  for (int k = 0; k < n; k++) {
    bw_status st = a->type->distance(a->impl, impl[k], &out[k]);
    if (st) return st;
  }
  for (int k = 0; k < n; k++) w2[k] = out[k];
  return BW_OK;
}

bw_status bw_traj_fields(bw_traj *tr, double eta, double *values) {
  if (!tr || !values) return BW_ERR_NULL;
  if (!isfinite(eta)) return BW_ERR_BAD_ETA;
  return tr->type->fields(tr->impl, eta, values);
}

const bw_gaussian *bw_traj_gaussian(const bw_traj *tr) {
  return tr && tr->type->gaussian ? tr->type->gaussian(tr->impl) : NULL;
}

const double *bw_traj_positions(const bw_traj *tr, int *n) {
  return tr && tr->type->positions ? tr->type->positions(tr->impl, n) : NULL;
}

const char *bw_traj_solver(const bw_traj *tr, bw_jkoflow_stats *counters) {
  if (counters) memset(counters, 0, sizeof *counters);
  if (!tr || bw_traj_kind_is_discrete(tr->kind)) return "";
  return tr->type->solver(tr->impl, counters);
}
