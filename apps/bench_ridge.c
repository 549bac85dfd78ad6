/* bwflow bench, the ridge system's part (keys ridge_*): Bayesian logistic regression of the size
 * of the breast-cancer data (the logreg-d30 preset: d = 30, n = 569) from its prior, timed for
 * one gradient evaluation, one JKO step, 100 forward-backward steps and the gradient flow to
 * T = 5 (docs/performance.md, "Gaussian VI"; tests/peer/bench_ridge.py times numpy/scipy on the
 * same computations). SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

enum { RG_FB_STEPS = 100 };
#define RG_ETA_JKO 0.1
#define RG_ETA_FB 0.005
#define RG_T_WGF 5.0

typedef struct {
  const bw_ridge_problem *pb;
  const bw_gaussian *g0;
  bw_gaussian *g;
  bw_ridge_ws *ws;
  bw_ridge_flow *flow;
  double *gm, *G;
  int iters;
} rg_ctx;

static bw_status run_grad(void *p) {
  rg_ctx *c = p;
  return bw_ridge_gradient(c->pb, c->ws, c->g0, c->gm, c->G, c->g0->d);
}

static bw_status run_jko(void *p) {
  rg_ctx *c = p;
  return bw_ridge_jko_step(c->pb, RG_ETA_JKO, c->ws, c->g0, c->g, &c->iters);
}

static bw_status run_fb(void *p) {
  rg_ctx *c = p;
  bw_status st = bw_gaussian_copy(c->g, c->g0);
  for (int k = 0; k < RG_FB_STEPS && !st; k++) st = bw_ridge_fb_step(c->pb, RG_ETA_FB, c->ws, c->g, c->g);
  return st;
}

static bw_status run_wgf(void *p) {
  rg_ctx *c = p;
  bw_status st = bw_ridge_flow_start(c->flow, c->g0, RG_T_WGF);
  return st ? st : bw_ridge_flow_advance(c->flow, RG_T_WGF, c->g);
}

bw_status cli_bench_ridge(bool quick, clockid_t clk, cli_bench_rg *r, const char **what) {
  memset(r, 0, sizeof *r);
  bw_ridge_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  rg_ctx c = {0};
  *what = "the logreg-d30 preset";
  bw_status st = bw_ridge_preset("logreg-d30", &pb, &g0);
  const int d = st ? 0 : bw_ridge_problem_dim(pb);
  if (!st) {
    c.pb = pb, c.g0 = g0;
    c.g = bw_gaussian_alloc(d);
    c.ws = bw_ridge_ws_alloc(pb);
    c.gm = malloc(sizeof(double) * ((size_t)d + (size_t)d * d));
    c.G = c.gm ? c.gm + d : NULL;
    if (!c.g || !c.ws || !c.gm) st = BW_ERR_NOMEM;
  }
  double ns[4] = {NAN, NAN, NAN, NAN};
  const cli_bench_fn fns[4] = {run_grad, run_jko, run_fb, run_wgf};
  static const char *const names[4] = {"gradient", "JKO step", "forward-backward steps", "gradient flow"};
  for (int k = 0; k < 4 && !st; k++) {
    *what = names[k];
    if (k == 3) st = bw_ridge_flow_create(pb, BW_FLOW_PLAIN, 0.0, NULL, &c.flow);
    if (!st) st = cli_bench_median(fns[k], &c, quick, clk, &ns[k]);
    if (!st && k == 1) r->jko_newton = c.iters;
  }
  if (!st) {
    bw_jkoflow_stats cs;
    bw_ridge_flow_stats(c.flow, &cs);
    r->grad_ms = ns[0] * 1e-6, r->jko_ms = ns[1] * 1e-6, r->fb_ms = ns[2] * 1e-6, r->wgf_ms = ns[3] * 1e-6;
    r->wgf_steps = cs.steps, r->wgf_rhs = cs.rhs_evals, r->wgf_jtv = cs.jtv_evals;
    r->wgf_solver = bw_ridge_flow_solver_name(c.flow);
    r->done = true;
  }
  bw_ridge_flow_free(c.flow);
  free(c.gm);
  bw_ridge_ws_free(c.ws);
  bw_gaussian_free(c.g);
  bw_gaussian_free(g0);
  bw_ridge_problem_free(pb);
  return st;
}

void cli_bench_ridge_json(FILE *f, const cli_bench_rg *r) {
  if (!r->done) return;
  const char *keys[4] = {"ridge_gradient_ms", "ridge_jko_step_ms", "ridge_fb100_ms", "ridge_wgf_ms"};
  const double v[4] = {r->grad_ms, r->jko_ms, r->fb_ms, r->wgf_ms};
  for (int k = 0; k < 4; k++) {
    fprintf(f, ", \"%s\": ", keys[k]);
    cli_print_double(f, v[k]);
  }
  fprintf(f, ", \"ridge_jko_newton_iters\": %d, \"ridge_wgf_steps\": %ld, \"ridge_wgf_rhs_evals\": %ld, "
             "\"ridge_wgf_jtv_evals\": %ld, \"ridge_wgf_solver\": \"%s\"",
          r->jko_newton, r->wgf_steps, r->wgf_rhs, r->wgf_jtv, r->wgf_solver);
}

void cli_bench_ridge_table(FILE *f, const cli_bench_rg *r) {
  if (!r->done) return;
  fputs("\nGaussian VI (ridges): Bayesian logistic regression, preset logreg-d30 (d = 30, n = 569),\n"
        "from the prior N(0, I/30):\n",
        f);
  char lab[3][64];
  snprintf(lab[0], sizeof lab[0], "one JKO step, eta = %g", RG_ETA_JKO);
  snprintf(lab[1], sizeof lab[1], "%d forward-backward steps, eta = %g", RG_FB_STEPS, RG_ETA_FB);
  snprintf(lab[2], sizeof lab[2], "gradient flow to T = %g (rtol 1e-12)", RG_T_WGF);
  fprintf(f, "  %-40s %10.3f ms\n", "gradient (g, G) at the prior", r->grad_ms);
  fprintf(f, "  %-40s %10.3f ms  (%d Newton iterations)\n", lab[0], r->jko_ms, r->jko_newton);
  fprintf(f, "  %-40s %10.3f ms\n", lab[1], r->fb_ms);
  fprintf(f, "  %-40s %10.3f ms  (CVODE %s: %ld steps, %ld rhs, %ld jtv)\n", lab[2], r->wgf_ms, r->wgf_solver,
          r->wgf_steps, r->wgf_rhs, r->wgf_jtv);
}
