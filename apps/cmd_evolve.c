/* bwflow evolve: run one method from the initial Gaussian to time T.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char usage[] =
    "usage: bwflow evolve PROBLEM.json --method M --eta H --t T [--json]\n"
    "       bwflow evolve --preset NAME [--dim d] [--seed s] --method M --eta H --t T\n"
    "                     [--json]\n"
    "\n"
    "Evolve the initial Gaussian of a problem to time T with one method:\n"
    "  jko          n = T/H JKO steps (closed form, MATH.md section 4)\n"
    "  forward      n = T/H explicit (forward Euler) steps\n"
    "  wgf          the exact Wasserstein gradient flow at T (closed form; --eta unused)\n"
    "  jkoflow      JKO-Flow at T: the gradient flow of J - H/4 |grad J|^2 (CVODE)\n"
    "  forwardflow  the forward Euler modified flow at T: J + H/4 |grad J|^2 (CVODE)\n"
    "For jko and forward, T must be a multiple of H (|n H - T| <= 1e-9 T).\n"
    "\n"
    CLI_PROBLEM_FORMAT_HELP ")\n"
    "for the energy J = E[1/2 x'Ax - h'x] + tau E[log rho] + 1/2 E[1/2 (X-Y)'K(X-Y)]\n"
    "and the initial Gaussian N(mean, cov).\n"
    "\n"
    "options:\n"
    "  --method M     jko, forward, wgf, jkoflow or forwardflow\n"
    "  --eta H        step size (positive)\n"
    "  --t T          final time (positive)\n"
    "  --preset NAME  ou2d, heat, potential or random instead of PROBLEM.json\n"
    "  --dim d        dimension of the preset (heat, potential, random)\n"
    "  --seed s       seed of the random preset (default 1)\n"
    "  --rtol R       CVODE relative tolerance for the flows (default 1e-12)\n"
    "  --atol A       CVODE absolute tolerance for the flows (default 1e-14)\n"
    "  --linsol L     auto, dense or krylov: CVODE's linear solver (default auto: dense for\n"
    "                 d <= 7, krylov above)\n"
    "  --json         print {\"method\", \"t\", \"steps\", \"mean\", \"cov\", \"energy\"} with 17\n"
    "                 digits (\"steps\" counts discrete steps, 0 for wgf and the flows, which\n"
    "                 add \"cvode\": {\"steps\", \"rhs_evals\", \"jac_evals\", \"lin_iters\",\n"
    "                 \"err_test_fails\", \"nonlin_conv_fails\", \"linsol\", \"solver\":\n"
    "                 adams, bdf-dense or bdf-krylov})\n"
    "  -h, --help     this help\n"
    "\n"
    "exit status: 0 success, 1 numerical failure, 2 bad input, 3 JKO-Flow collapse (a\n"
    "variance reaches 0 in finite time; stderr gives the time and the eigen-direction)\n";

typedef enum { M_NONE, M_JKO, M_FORWARD, M_WGF, M_JKOFLOW, M_FORWARDFLOW } method_t;
static const char *const method_names[] = {"", "jko", "forward", "wgf", "jkoflow", "forwardflow"};

static bool parse_method(const char *s, method_t *m, cli_err *e) {
  for (int k = M_JKO; k <= M_FORWARDFLOW; k++)
    if (!strcmp(s, method_names[k])) {
      *m = (method_t)k;
      return true;
    }
  return cli_fail(e, "--method: unknown method '%s' (known: jko, forward, wgf, jkoflow, forwardflow)", s);
}

/* Number of steps n = round(T/H), requiring |n H - T| <= 1e-9 T. */
bool cli_step_count(double eta, double t, long *n, cli_err *e) {
  double q = t / eta;
  if (!(q < 1e9)) return cli_fail(e, "--t %.17g / --eta %.17g is more than 1e9 steps", t, eta);
  long k = lround(q);
  if (k < 1 || fabs(k * eta - t) > 1e-9 * t)
    return cli_fail(e, "--t %.17g is not a multiple of --eta %.17g", t, eta);
  *n = k;
  return true;
}

/* Print the collapse line: time and eigen-direction. */
static void report_collapse(const bw_jkoflow *jf, int d) {
  double tc = NAN, *dir = malloc(sizeof(double) * (size_t)d);
  if (dir && bw_jkoflow_collapse(jf, &tc, dir) == BW_OK) {
    fprintf(stderr, "bwflow evolve: JKO-Flow collapses at t = %.17g: a variance reaches 0 in eigen-direction ", tc);
    cli_print_vector(stderr, d, dir);
    fputs(" (JKO-Flow is meaningless once a variance is comparable to tau eta)\n", stderr);
  } else {
    fprintf(stderr, "bwflow evolve: JKO-Flow collapses (a variance reaches 0)\n");
  }
  free(dir);
}

/* Run the chosen method on g (in place). Prints its own error line; returns the exit code. */
static int run_method(method_t method, const bw_problem *pb, double eta, double t, long n,
                      const bw_jkoflow_opts *fo, bw_workspace *ws, bw_gaussian *g,
                      bw_jkoflow_stats *stats, bw_linsol *linsol, const char **solver) {
  const char *name = method_names[method];
  bw_status st = BW_OK;
  long k = 0;
  if (method == M_JKO) {
    bw_jko_plan *plan = NULL;
    st = bw_jko_plan_create(pb, eta, &plan);
    if (st == BW_ERR_ETA_TOO_LARGE) {
      fprintf(stderr, "bwflow evolve: --eta %.17g: %s\n", eta, bw_strerror(st));
      return EXIT_USAGE;
    }
    for (k = 0; !st && k < n; k++) st = bw_jko_step(plan, ws, g, g);
    bw_jko_plan_free(plan);
  } else if (method == M_FORWARD) {
    for (k = 0; !st && k < n; k++) st = bw_forward_step(pb, eta, ws, g, g);
  } else if (method == M_WGF) {
    st = bw_wgf(pb, ws, g, t, g);
  } else {
    bw_jkoflow *jf = NULL;
    st = bw_jkoflow_create(pb, method == M_JKOFLOW ? BW_FLOW_JKO : BW_FLOW_FORWARD, eta, fo, &jf);
    if (!st) {
      st = bw_jkoflow_solve(jf, g, 1, &t, &g, stats);
      *linsol = bw_jkoflow_linsol(jf);
      *solver = cli_flow_solver_name(jf);
      if (st == BW_ERR_COLLAPSE) {
        report_collapse(jf, g->d);
        bw_jkoflow_free(jf);
        return EXIT_COLLAPSE;
      }
      if (st >= BW_ERR_CVODE_TOO_MUCH_WORK && st <= BW_ERR_CVODE) {
        fprintf(stderr, "bwflow evolve: %s: CVODE failed: %s\n", name, bw_jkoflow_cvode_message(jf));
        bw_jkoflow_free(jf);
        return EXIT_FAIL;
      }
    }
    bw_jkoflow_free(jf);
  }
  if (!st) return EXIT_OK;
  if (method == M_JKO || method == M_FORWARD)
    fprintf(stderr, "bwflow evolve: %s step %ld of %ld: %s\n", name, k, n, bw_strerror(st));
  else
    fprintf(stderr, "bwflow evolve: %s at t = %.17g: %s\n", name, t, bw_strerror(st));
  return EXIT_FAIL;
}

int cmd_evolve(int argc, char **argv) {
  static const struct option opts[] = {CLI_PROBLEM_OPTIONS,
                                        CLI_FLOW_OPTIONS,
                                        {"method", required_argument, NULL, OPT_METHOD},
                                        {"eta", required_argument, NULL, OPT_ETA},
                                        {"t", required_argument, NULL, OPT_T},
                                        {"json", no_argument, NULL, OPT_JSON},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  cli_problem_args pa = CLI_PROBLEM_ARGS_INIT;
  bw_jkoflow_opts fo;
  bw_jkoflow_opts_default(&fo);
  method_t method = M_NONE;
  double eta = NAN, t = NAN;
  bool json = false;
  cli_err e;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    bool ok = true;
    switch (c) {
    case 'h': fputs(usage, stdout); return EXIT_OK;
    case OPT_JSON: json = true; break;
    case OPT_METHOD: ok = parse_method(optarg, &method, &e); break;
    case OPT_ETA: ok = cli_parse_positive("--eta", optarg, &eta, &e); break;
    case OPT_T: ok = cli_parse_positive("--t", optarg, &t, &e); break;
    default:
      if (cli_shared_option(c, optarg, &pa, &fo, &ok, &e)) break;
      cli_bad_option("evolve", c, argv);
      return EXIT_USAGE;
    }
    if (!ok) {
      fprintf(stderr, "bwflow evolve: %s\n", e.msg);
      return EXIT_USAGE;
    }
  }
  if (!cli_problem_path(argc, argv, &pa, &e)) {
    fprintf(stderr, "bwflow evolve: %s\n", e.msg);
    return EXIT_USAGE;
  }
  const bool discrete = method == M_JKO || method == M_FORWARD;
  long n = 0;
  bool ok = true;
  if (method == M_NONE) ok = cli_fail(&e, "missing --method (jko, forward, wgf, jkoflow or forwardflow)");
  else if (isnan(t)) ok = cli_fail(&e, "missing --t");
  else if (method != M_WGF && isnan(eta)) ok = cli_fail(&e, "missing --eta");
  else if (discrete) ok = cli_step_count(eta, t, &n, &e);
  bw_problem *pb = NULL;
  bw_gaussian *g = NULL;
  if (ok) ok = cli_load_problem(&pa, &pb, &g, &e);
  if (!ok) {
    fprintf(stderr, "bwflow evolve: %s\n", e.msg);
    return EXIT_USAGE;
  }

  bw_workspace *ws = bw_workspace_alloc(g->d);
  bw_jkoflow_stats stats = {0};
  const char *solver = "";
  bw_linsol linsol = BW_LINSOL_AUTO;
  double J = NAN;
  int rc = ws ? run_method(method, pb, eta, t, n, &fo, ws, g, &stats, &linsol, &solver) : EXIT_FAIL;
  if (!ws) fprintf(stderr, "bwflow evolve: %s\n", bw_strerror(BW_ERR_NOMEM));
  if (rc == EXIT_OK) {
    bw_status st = bw_energy(pb, ws, g, &J);
    if (st) {
      fprintf(stderr, "bwflow evolve: energy of the result: %s\n", bw_strerror(st));
      rc = EXIT_FAIL;
    }
  }
  const char *name = method_names[method];
  if (rc == EXIT_OK && json) {
    printf("{\"method\": \"%s\", \"t\": ", name);
    cli_print_double(stdout, t);
    printf(", \"steps\": %ld, ", n);
    cli_print_gaussian_json(stdout, g);
    fputs(", \"energy\": ", stdout);
    cli_print_double(stdout, J);
    if (method == M_JKOFLOW || method == M_FORWARDFLOW)
      printf(", \"cvode\": {\"steps\": %ld, \"rhs_evals\": %ld, \"jac_evals\": %ld, \"lin_iters\": %ld, "
             "\"err_test_fails\": %ld, \"nonlin_conv_fails\": %ld, \"linsol\": \"%s\", "
             "\"solver\": \"%s\"}",
             stats.steps, stats.rhs_evals, stats.jac_evals, stats.lin_iters, stats.err_test_fails,
             stats.nonlin_conv_fails, cli_linsol_name(linsol), solver);
    fputs("}\n", stdout);
  } else if (rc == EXIT_OK) {
    if (discrete) printf("method  %s (eta = %.15g, %ld steps)\n", name, eta, n);
    else if (method == M_WGF) printf("method  wgf (exact Wasserstein gradient flow)\n");
    else
      printf("method  %s (eta = %.15g; CVODE %s: %ld steps, %ld right-hand sides)\n", name, eta,
             solver, stats.steps, stats.rhs_evals);
    printf("t       %.15g\nenergy  %.17g\nmean    ", t, J);
    cli_print_vector(stdout, g->d, g->mean);
    printf("\ncov     ");
    cli_print_matrix(stdout, g->d, g->cov, g->ld);
    printf("\n");
  }
  bw_workspace_free(ws);
  bw_gaussian_free(g);
  bw_problem_free(pb);
  return rc;
}
