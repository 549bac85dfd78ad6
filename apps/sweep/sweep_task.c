/* bwflow sweep: one task on a worker (a problem's plan, or one point of its order study),
 * the cache of loaded systems, estimated costs. SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sweep.h"

/* Systems kept loaded by a worker: the points of a problem often come to the same worker
 * in a row, and a large random preset takes long to set up. */
enum { CACHE = 4 };

struct sweep_worker {
  const sweep_spec *spec;
  int p[CACHE];       /* problem index, or -1 */
  bw_system *sys[CACHE];
  unsigned long used[CACHE], clock;
};

sweep_worker *sweep_worker_new(const sweep_spec *s) {
  sweep_worker *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->spec = s;
  for (int i = 0; i < CACHE; i++) w->p[i] = -1;
  return w;
}

void sweep_worker_free(sweep_worker *w) {
  if (!w) return;
  for (int i = 0; i < CACHE; i++) bw_system_free(w->sys[i]);
  free(w);
}

/* Problem p's system, loaded or from the cache (the least recently used one goes). */
static bw_system *system_of(sweep_worker *w, int p, cli_err *e) {
  int slot = 0;
  for (int i = 0; i < CACHE; i++) {
    if (w->p[i] == p) {
      w->used[i] = ++w->clock;
      return w->sys[i];
    }
    if (w->used[i] < w->used[slot]) slot = i;
  }
  bw_system *sys = NULL;
  cli_err le;
  if (!cli_load_system(&w->spec->prob[p].args, &sys, &le)) {
    char label[512];
    sweep_problem_label(w->spec, p, label, sizeof label);
    cli_fail(e, "%s: %s: %s", w->spec->path, label, le.msg);
    return NULL;
  }
  bw_system_free(w->sys[slot]);
  w->sys[slot] = sys;
  w->p[slot] = p;
  w->used[slot] = ++w->clock;
  return sys;
}

int sweep_worker_run(sweep_worker *w, const sweep_task *t, sweep_result *r, cli_err *e) {
  double t0 = sweep_now(), c0 = sweep_cpu_now();
  sweep_result res;
  memset(&res, 0, sizeof res); /* no uninitialised bytes go into messages */
  res.kind = t->kind;
  res.p = t->p;
  res.j = t->j;
  bw_system *sys = system_of(w, t->p, e);
  if (!sys) return EXIT_USAGE;
  if (t->kind == SWEEP_PLAN) {
    res.dim = bw_system_dim(sys);
    snprintf(res.system, sizeof res.system, "%s", bw_system_name(sys));
    cli_problem_name(&w->spec->prob[t->p].args, sys, res.name, sizeof res.name);
    res.status = bw_order_defaults_compute(sys, sweep_spec_ladder(w->spec, t->p)->t, &res.def);
    if (res.status) { /* no defaults: a result (e.g. no admissible step size) */
      memset(&res.def, 0, sizeof res.def);
      res.def.t = res.def.rate_slow = res.def.rate_fast = res.def.eta_safe = res.def.eta_max = NAN;
    }
  } else {
    bw_status st = bw_order_point_compute(sys, t->t, t->eta, w->spec->mask, &w->spec->fo, NULL, NULL, &res.pt);
    if (st) {
      char label[512];
      sweep_problem_label(w->spec, t->p, label, sizeof label);
      cli_fail(e, "%s: %s: eta = %s, t = %s: %s", w->spec->path, label, CLI_NUM(t->eta), CLI_NUM(t->t), bw_strerror(st));
      return EXIT_FAIL;
    }
  }
  res.wall = sweep_now() - t0;
  res.cpu = sweep_cpu_now() - c0;
  *r = res;
  return EXIT_OK;
}

/* The error e of the study is one the system provides: its trajectories can be created
 * (a system without a kind refuses it with BW_ERR_NOT_PROVIDED, options it does not take
 * with BW_ERR_BAD_ARG). */
static bool provides(const bw_system *sys, bw_order_err e, const bw_jkoflow_opts *fo) {
  bw_traj_kind kinds[2];
  bw_order_err_pair(e, &kinds[0], &kinds[1]);
  for (int k = 0; k < 2; k++) {
    bw_traj *tr = NULL;
    bw_status st = bw_traj_create(sys, kinds[k], kinds[k] == BW_TRAJ_WGF ? 0.0 : 1e-3, fo, 0.0, &tr);
    bw_traj_free(tr);
    if (st == BW_ERR_BAD_ARG || st == BW_ERR_NOT_PROVIDED) return false;
  }
  return true;
}

bool sweep_spec_check(const sweep_spec *s, cli_err *e) {
  for (int p = 0; p < s->nprob; p++) {
    const sweep_problem *q = &s->prob[p], *prev = p ? &s->prob[p - 1] : NULL;
    /* seeds vary innermost: the first seed of each (entry, dim, particles) stands for all */
    if (prev && !q->file && prev->entry == q->entry && prev->args.dim == q->args.dim &&
        prev->args.particles == q->args.particles)
      continue;
    bw_system *sys = NULL;
    cli_err le;
    char label[512];
    sweep_problem_label(s, p, label, sizeof label);
    if (!cli_load_system(&q->args, &sys, &le)) return cli_fail(e, "%s: %s: %s", s->path, label, le.msg);
    if (!cli_check_flow_options(sys, &s->fo, "linsol", &le)) {
      bw_system_free(sys);
      return cli_fail(e, "%s: %s: %s", s->path, label, le.msg);
    }
    /* errors listed in the spec must exist for every problem; with "all" or "first" an
     * error a system does not provide is left to the study (not available) */
    for (int k = 0; s->errors_listed && k < BW_ORDER_NERR; k++)
      if ((s->mask >> k & 1u) && !provides(sys, (bw_order_err)k, &s->fo)) {
        cli_fail(e, "%s: %s: the error %s is not available for the %s system (see \"errors\")", s->path, label,
                 bw_order_err_name((bw_order_err)k), bw_system_name(sys));
        bw_system_free(sys);
        return false;
      }
    bw_system_free(sys);
  }
  return true;
}

/* The cost model (docs/sweep.md), in units of ~0.16 us of CPU, fitted on measured task
 * times: T/eta steps plus a set-up, each step costing (d + 2)^2.5 for Gaussians
 * (d = 2..50: eigendecompositions and CVODE's dense algebra; set-up ~20 steps) and
 * 0.6 (N + 20) for N particles (N = 20, 40: tridiagonal Newton, banded CVODE; set-up ~500
 * steps). Only the order in which tasks are handed out and the progress line's time
 * estimate depend on it. */
double sweep_point_cost(const char *system, int dim, double t, double eta) {
  double steps = t / eta, d = dim;
  if (!strcmp(system, "particles")) return (steps + 500.0) * 0.6 * (d + 20.0);
  return (steps + 20.0) * pow(d + 2.0, 2.5);
}

double sweep_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double sweep_cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
