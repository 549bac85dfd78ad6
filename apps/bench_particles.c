/* bwflow bench, the particle system's part (keys particles_*): the JKO step's cost per
 * particle and its Newton iterations, and JKO-Flow to T = 0.5 on the quartic preset with the
 * analytic banded Jacobian and with CVODE's difference quotients (docs/performance.md).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"

static const int step_ns[CLI_BENCH_PT_NSTEP] = {100, 1000, 10000, 100000};
static const int flow_ns[CLI_BENCH_PT_NFLOW] = {20, 200};

static double now_ns(clockid_t clk) {
  struct timespec ts;
  clock_gettime(clk, &ts);
  return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

bw_status cli_bench_median(cli_bench_fn fn, void *ctx, bool quick, clockid_t clk, double *median) {
  double t0 = now_ns(clk);
  bw_status st = fn(ctx);
  const double one = now_ns(clk) - t0;
  if (quick && one >= 5e7 && !st) { /* a smoke run times an operation of 50 ms or more once */
    *median = one;
    return BW_OK;
  }
  const double target = quick ? 5e5 : 2e6;
  const int nb = quick ? 5 : 15;
  const long reps = one >= target ? 1 : (long)(target / fmax(one, 1.0)) + 1;
  double t[15];
  for (int b = 0; b < nb && !st; b++) {
    t0 = now_ns(clk);
    for (long k = 0; k < reps && !st; k++) st = fn(ctx);
    t[b] = (now_ns(clk) - t0) / (double)reps;
  }
  if (st) return st;
  qsort(t, (size_t)nb, sizeof(double), cmp_double);
  *median = t[nb / 2];
  return BW_OK;
}

/* 50 warm-started JKO steps (eta = 1e-3) from the quantiles of N(1, 1/4). */
typedef struct {
  int n;
  bw_particles_jko_plan *plan;
  bw_particles_ws *ws;
  double *x0, *x, *xp, *guess;
  long iters, steps;
} step_ctx;

static bw_status run_steps(void *p) {
  step_ctx *c = p;
  const size_t b = sizeof(double) * (size_t)c->n;
  memcpy(c->x, c->x0, b);
  for (int j = 0; j < 50; j++) {
    for (int i = 0; i < c->n; i++) c->guess[i] = 2 * c->x[i] - c->xp[i];
    memcpy(c->xp, c->x, b);
    int it = 0;
    bw_status st = bw_particles_jko_step(c->plan, c->ws, c->xp, j ? c->guess : NULL, c->x, &it);
    if (st) return st;
    c->iters += it;
    c->steps++;
  }
  return BW_OK;
}

typedef struct {
  bw_particles_flow *pf;
  const double *x0;
  double *x, T;
} flow_ctx;

static bw_status run_flow(void *p) {
  flow_ctx *c = p;
  return bw_particles_flow_solve(c->pf, c->x0, 1, &c->T, c->x);
}

bw_status cli_bench_particles(bool quick, cli_bench_pt *r, const char **what) {
  memset(r, 0, sizeof *r);
  bw_status st = BW_OK;
  for (int k = 0; k < CLI_BENCH_PT_NSTEP && !st; k++) {
    const int n = step_ns[k];
    if (quick && n > 1000) break;
    step_ctx c = {.n = n};
    bw_particles *pp = NULL;
    double m, s;
    *what = "JKO step";
    st = bw_particles_preset("quartic", n, &pp, &m, &s);
    double *blk = st ? NULL : malloc(4 * sizeof(double) * (size_t)n);
    c.ws = bw_particles_ws_alloc(n);
    if (!st && (!blk || !c.ws)) st = BW_ERR_NOMEM;
    if (!st) {
      c.x0 = blk, c.x = blk + n, c.xp = blk + 2 * (size_t)n, c.guess = blk + 3 * (size_t)n;
      st = bw_particles_quantiles(n, m, s, c.x0);
    }
    if (!st) st = bw_particles_jko_plan_create(pp, 1e-3, &c.plan);
    double ns = NAN;
    if (!st) st = cli_bench_median(run_steps, &c, quick, CLOCK_MONOTONIC, &ns);
    if (!st) {
      r->step_ns[k] = ns / (50.0 * n);
      r->newton[k] = (double)c.iters / (double)c.steps;
      r->nstep = k + 1;
    }
    bw_particles_jko_plan_free(c.plan);
    bw_particles_ws_free(c.ws);
    bw_particles_free(pp);
    free(blk);
  }
  for (int k = 0; k < CLI_BENCH_PT_NFLOW && !st; k++) {
    const int n = flow_ns[k];
    const double eta = 1e-3 * (20.0 / n) * (20.0 / n); /* eta lambda_max(H(x0)) ~ 0.96 */
    bw_particles *pp = NULL;
    double m, s;
    *what = "JKO-Flow";
    st = bw_particles_preset("quartic", n, &pp, &m, &s);
    double *blk = st ? NULL : malloc(2 * sizeof(double) * (size_t)n);
    if (!st && !blk) st = BW_ERR_NOMEM;
    if (!st) st = bw_particles_quantiles(n, m, s, blk);
    bw_jkoflow_opts o;
    bw_jkoflow_opts_default(&o);
    o.rtol = 1e-8; /* as the Gaussian JKO-Flow timing; atol 1e-14 */
    for (int j = 0; j < 2 && !st; j++) {
      flow_ctx c = {.x0 = blk, .x = blk + n, .T = 0.5};
      st = bw_particles_flow_create(pp, BW_FLOW_JKO, eta, &o, &c.pf);
      if (!st) st = bw_particles_flow_set_jacobian(c.pf, j ? BW_PJAC_DQ : BW_PJAC_ANALYTIC);
      double ns = NAN;
      if (!st) st = cli_bench_median(run_flow, &c, quick, CLOCK_MONOTONIC, &ns);
      if (!st) {
        bw_jkoflow_stats cs;
        bw_particles_flow_stats(c.pf, &cs);
        r->flow_ms[j][k] = ns * 1e-6;
        r->flow_steps[j][k] = cs.steps;
        r->flow_rhs[j][k] = cs.rhs_evals;
        r->flow_jac[j][k] = cs.jac_evals;
      }
      bw_particles_flow_free(c.pf);
    }
    if (!st) r->nflow = k + 1, r->flow_eta[k] = eta;
    bw_particles_free(pp);
    free(blk);
  }
  return st;
}

static void map_d(FILE *f, const char *key, int n, const int *keys, const double *v) {
  fprintf(f, ", \"%s\": {", key);
  for (int i = 0; i < n; i++) {
    fprintf(f, "%s\"%d\": ", i ? ", " : "", keys[i]);
    cli_print_double(f, v[i]);
  }
  fputc('}', f);
}

static void map_l(FILE *f, const char *key, int n, const int *keys, const long *v) {
  fprintf(f, ", \"%s\": {", key);
  for (int i = 0; i < n; i++) fprintf(f, "%s\"%d\": %ld", i ? ", " : "", keys[i], v[i]);
  fputc('}', f);
}

void cli_bench_particles_json(FILE *f, const cli_bench_pt *r) {
  map_d(f, "particles_jko_step_ns_per_particle", r->nstep, step_ns, r->step_ns);
  map_d(f, "particles_jko_newton_iters", r->nstep, step_ns, r->newton);
  static const char *const jac[2] = {"", "_dq"};
  for (int j = 0; j < 2; j++) {
    char key[64];
    snprintf(key, sizeof key, "particles_jkoflow_ms%s", jac[j]);
    map_d(f, key, r->nflow, flow_ns, r->flow_ms[j]);
    snprintf(key, sizeof key, "particles_jkoflow_steps%s", jac[j]);
    map_l(f, key, r->nflow, flow_ns, r->flow_steps[j]);
    snprintf(key, sizeof key, "particles_jkoflow_rhs_evals%s", jac[j]);
    map_l(f, key, r->nflow, flow_ns, r->flow_rhs[j]);
    snprintf(key, sizeof key, "particles_jkoflow_jac_evals%s", jac[j]);
    map_l(f, key, r->nflow, flow_ns, r->flow_jac[j]);
  }
  map_d(f, "particles_jkoflow_eta", r->nflow, flow_ns, r->flow_eta);
}

void cli_bench_particles_table(FILE *f, const cli_bench_pt *r) {
  fputs("\nParticles (quartic preset, quantiles of N(1, 1/4)): a JKO step (eta = 1e-3, warm-started,\n"
        "50 steps from the start), wall time per particle and Newton iterations per step:\n", f);
  fprintf(f, "%7s %14s %10s\n", "N", "ns/particle", "Newton");
  for (int i = 0; i < r->nstep; i++) fprintf(f, "%7d %14.1f %10.2f\n", step_ns[i], r->step_ns[i], r->newton[i]);
  fputs("\nParticles: JKO-Flow to T = 0.5 (eta = 1e-3 (20/N)^2, rtol 1e-8, atol 1e-14, CVODE BDF,\n"
        "band solver), analytic banded Jacobian and CVODE's difference quotients:\n", f);
  fprintf(f, "%7s %11s %7s %7s %6s   %11s %7s %7s %6s\n", "N", "analytic", "steps", "rhs", "jac", "DQ",
          "steps", "rhs", "jac");
  for (int i = 0; i < r->nflow; i++) {
    fprintf(f, "%7d", flow_ns[i]);
    for (int j = 0; j < 2; j++)
      fprintf(f, " %8.3f ms %7ld %7ld %6ld  ", r->flow_ms[j][i], r->flow_steps[j][i], r->flow_rhs[j][i],
              r->flow_jac[j][i]);
    fputc('\n', f);
  }
}
