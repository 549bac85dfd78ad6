/* bwflow evolve: run one method from the problem's initial state to time T.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char usage[] =
    "usage: bwflow evolve PROBLEM.json --method M --eta H --t T [--json]\n"
    "       bwflow evolve --preset NAME [--dim d] [--seed s] [--particles N] --method M\n"
    "                     --eta H --t T [--json]\n"
    "\n"
    "Evolve the initial state of a problem (a Gaussian, N particles in 1-D, or a Gaussian\n"
    "variational approximation of a ridge potential) to time T with one method:\n"
    "  jko          n = T/H JKO steps (Gaussians: closed form, docs/math.md section 4;\n"
    "               particles and ridges: Newton, docs/particles.md, docs/vi.md)\n"
    "  forward      n = T/H explicit (forward Euler) steps (ridges: the exponential map)\n"
    "  fb           n = T/H forward-backward steps: a forward step on the potential, then\n"
    "               the entropy's exact JKO step (Gaussians and ridges)\n"
    "  wgf          the Wasserstein gradient flow at T (Gaussians: closed form; --eta unused)\n"
    "  jkoflow      JKO-Flow at T: the gradient flow of J - H/4 |grad J|^2 (CVODE)\n"
    "  forwardflow  the forward Euler modified flow at T: J + H/4 |grad J|^2 (CVODE)\n"
    "  jkoflow2     JKO-Flow of order 2 at T: what the JKO iterates follow to O(H^3) (CVODE;\n"
    "               Gaussians and particles)\n"
    "For jko, forward and fb, T must be a multiple of H (|n H - T| <= 1e-9 T).\n"
    "\n"
    CLI_PROBLEM_FORMAT_HELP
    "for the energy J = E[1/2 x'Ax - h'x] + tau E[log rho] + 1/2 E[1/2 (X-Y)'K(X-Y)]\n"
    "(Gaussians), J = E[V] + tau E[log rho] with V(x) = c_0 + c_1 x + ... + c_K x^K (particles)\n"
    "or V(x) = 1/2 x'Ax - h'x + sum_j w_j phi_j(a_j'x - b_j) (ridges).\n"
    "\n"
    "options:\n"
    "  --method M     jko, forward, fb, wgf, jkoflow, forwardflow or jkoflow2\n"
    "  --eta H        step size (positive)\n"
    "  --t T          final time (positive)\n"
    CLI_PRESET_HELP
    "  --rtol R       CVODE relative tolerance for the flows (default 1e-12)\n"
    "  --atol A       CVODE absolute tolerance for the flows (default 1e-14)\n"
    "  --linsol L     auto, dense or krylov: CVODE's linear solver for Gaussians and ridges\n"
    "                 (default auto: dense for d <= 7, krylov above; ridges: dense for d <= 18;\n"
    "                 particles always use a band solver)\n"
    "  --json         print {\"method\", \"t\", \"steps\", \"mean\", \"cov\", \"energy\"} (particles:\n"
    "                 \"positions\", \"mean\", \"variance\" instead of \"mean\", \"cov\"); numbers\n"
    "                 in the shortest form that reads back to the same double; \"steps\"\n"
    "                 counts discrete steps, 0 for the flows, which add \"cvode\": {\"steps\",\n"
    "                 \"rhs_evals\", \"jac_evals\", \"lin_iters\", \"err_test_fails\",\n"
    "                 \"nonlin_conv_fails\", \"linsol\", \"solver\"}\n"
    "  -h, --help     this help\n"
    "\n"
    "exit status: 0 success, 1 numerical failure, 2 bad input, 3 the modified flow collapses\n"
    "(a variance reaches 0 in finite time) or turns ill-posed (particles: eta lambda_max(H)\n"
    "reaches 2); stderr gives the time and, for a collapse, the eigen-direction\n";

typedef struct {
  bw_traj_kind kind;
  double eta, t;
  bool json;
} evolve_args;

static bool evolve_option(int code, const char *arg, void *ctx, cli_err *e) {
  evolve_args *a = ctx;
  switch (code) {
  case OPT_JSON: a->json = true; return true;
  case OPT_METHOD: return cli_parse_kind("--method", arg, &a->kind, e);
  case OPT_ETA: return cli_parse_positive("--eta", arg, &a->eta, e);
  case OPT_T: return cli_parse_positive("--t", arg, &a->t, e);
  default: return cli_fail(e, "internal: unexpected option code %d", code);
  }
}

int cmd_evolve(int argc, char **argv, FILE *out) {
  static const struct option opts[] = {CLI_PROBLEM_OPTIONS,
                                        CLI_FLOW_OPTIONS,
                                        {"method", required_argument, NULL, OPT_METHOD},
                                        {"eta", required_argument, NULL, OPT_ETA},
                                        {"t", required_argument, NULL, OPT_T},
                                        {"json", no_argument, NULL, OPT_JSON},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  cli_problem_args pa;
  bw_jkoflow_opts fo;
  evolve_args a = {.kind = BW_TRAJ_KIND_COUNT, .eta = NAN, .t = NAN};
  const int status = cli_problem_command_args("evolve", usage, argc, argv, opts, evolve_option, &a, &pa, &fo, out);
  if (status >= 0) return status;
  const bw_traj_kind kind = a.kind;
  double eta = a.eta, t = a.t;
  const bool json = a.json;
  cli_err e;
  const bool discrete = bw_traj_kind_is_discrete(kind);
  long n = 0;
  bool ok = true;
  char kinds[256];
  if (kind == BW_TRAJ_KIND_COUNT) ok = cli_fail(&e, "missing --method (%s)", cli_kind_list(kinds, sizeof kinds));
  else if (isnan(t)) ok = cli_fail(&e, "missing --t");
  else if (kind != BW_TRAJ_WGF && isnan(eta)) ok = cli_fail(&e, "missing --eta");
  else if (discrete) ok = cli_step_count(eta, t, &n, &e);
  bw_system *sys = NULL;
  if (ok) ok = cli_load_system(&pa, &sys, &e);
  if (ok) ok = cli_check_flow_options(sys, &fo, "--linsol", &e);
  if (!ok) {
    bw_system_free(sys);
    fprintf(stderr, "bwflow evolve: %s\n", e.msg);
    return EXIT_USAGE;
  }
  const char *name = bw_traj_kind_name(kind);
  if (kind == BW_TRAJ_WGF) eta = 0.0;
  bw_traj *tr = NULL;
  int rc = EXIT_OK;
  bw_status st = bw_traj_create(sys, kind, eta, &fo, t, &tr);
  if (st == BW_ERR_ETA_TOO_LARGE) {
    fprintf(stderr, "bwflow evolve: --eta %s: %s\n", CLI_NUM(eta), bw_strerror(st));
    rc = EXIT_USAGE;
  } else if (st == BW_ERR_NOT_PROVIDED) {
    fprintf(stderr, "bwflow evolve: --method %s is not available for %s problems\n", name, bw_system_name(sys));
    rc = EXIT_USAGE;
  } else if (st) {
    fprintf(stderr, "bwflow evolve: %s: %s\n", name, bw_strerror(st));
    rc = EXIT_FAIL;
  }
  if (!rc) {
    st = bw_traj_advance(tr, t);
    if (st) rc = cli_report_failure("evolve", tr, bw_system_dim(sys), st);
  }
  bw_jkoflow_stats cs;
  const char *solver = tr ? bw_traj_solver(tr, &cs) : "";
  const bool cvode = !discrete && kind != BW_TRAJ_WGF;
  /* a failure while printing discards what out holds (apps/main.c) */
  if (!rc && json) {
    fprintf(out, "{\"method\": \"%s\", \"t\": ", name);
    cli_print_double(out, t);
    fprintf(out, ", \"steps\": %ld, ", n);
    if (!cli_print_state_json(out, tr, sys, &e)) rc = EXIT_FAIL;
    if (!rc && cvode)
      fprintf(out, ", \"cvode\": {\"steps\": %ld, \"rhs_evals\": %ld, \"jac_evals\": %ld, \"lin_iters\": %ld, "
             "\"err_test_fails\": %ld, \"nonlin_conv_fails\": %ld, \"linsol\": \"%s\", "
             "\"solver\": \"%s\"}",
             cs.steps, cs.rhs_evals, cs.jac_evals, cs.lin_iters, cs.err_test_fails, cs.nonlin_conv_fails,
             strstr(solver, "dense") ? "dense" : strstr(solver, "krylov") ? "krylov"
                                   : strstr(solver, "band") ? "band" : "none", solver);
    if (!rc) fputs("}\n", out);
  } else if (!rc) {
    if (discrete) fprintf(out, "method  %s (eta = %s, %ld steps)\n", name, CLI_NUM(eta), n);
    else if (!cvode) fprintf(out, "method  wgf (the Wasserstein gradient flow: %s)\n", solver);
    else fprintf(out, "method  %s (eta = %s; CVODE %s: %ld steps, %ld right-hand sides)\n", name, CLI_NUM(eta),
                 solver, cs.steps, cs.rhs_evals);
    fprintf(out, "t       %s\n", CLI_NUM(t));
    if (!cli_print_state_text(out, tr, sys, &e)) rc = EXIT_FAIL;
  }
  if (rc == EXIT_FAIL && st == BW_OK) fprintf(stderr, "bwflow evolve: %s\n", e.msg);
  bw_traj_free(tr);
  bw_system_free(sys);
  return rc;
}
