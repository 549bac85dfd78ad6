/* bwflow evolve: run one method from the initial Gaussian to time T.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char usage[] =
    "usage: bwflow evolve PROBLEM.json --method M --eta H --t T [--json]\n"
    "       bwflow evolve --preset NAME [--dim d] [--seed s] --method M --eta H --t T [--json]\n"
    "\n"
    "Evolve the initial Gaussian of a problem to time T with one method:\n"
    "  jko          n = T/H JKO steps (closed form, MATH.md section 4)\n"
    "  forward      n = T/H explicit (forward Euler) steps\n"
    "  wgf          the exact Wasserstein gradient flow at T (closed form; --eta unused)\n"
    "T must be a multiple of H (|n H - T| <= 1e-9 T).\n"
    "\n"
    "PROBLEM.json: {\"dim\": d, \"A\": [[...]], \"h\": [...], \"K\": [[...]], \"tau\": x,\n"
    "               \"mean\": [...], \"cov\": [[...]]}  (K defaults to 0, tau to 1)\n"
    "for the energy J = E[1/2 x'Ax - h'x] + tau E[log rho] + 1/2 E[1/2 (X-Y)'K(X-Y)]\n"
    "and the initial Gaussian N(mean, cov).\n"
    "\n"
    "options:\n"
    "  --method M     jko, forward or wgf\n"
    "  --eta H        step size (positive)\n"
    "  --t T          final time (positive)\n"
    "  --preset NAME  ou2d, heat, potential or random instead of PROBLEM.json\n"
    "  --dim d        dimension of the preset (heat, potential, random)\n"
    "  --seed s       seed of the random preset (default 1)\n"
    "  --json         print {\"method\", \"t\", \"steps\", \"mean\", \"cov\", \"energy\"} with 17 digits\n"
    "  -h, --help     this help\n"
    "\n"
    "exit status: 0 success, 1 numerical failure, 2 bad input\n";

typedef enum { M_NONE, M_JKO, M_FORWARD, M_WGF } method_t;

static bool parse_method(const char *s, method_t *m, cli_err *e) {
  if (!strcmp(s, "jko")) *m = M_JKO;
  else if (!strcmp(s, "forward")) *m = M_FORWARD;
  else if (!strcmp(s, "wgf")) *m = M_WGF;
  else return cli_fail(e, "--method: unknown method '%s' (known: jko, forward, wgf)", s);
  return true;
}

/* Number of steps n = round(T/H), requiring |n H - T| <= 1e-9 T. */
static bool cli_step_count(double eta, double t, long *n, cli_err *e) {
  double q = t / eta;
  if (!(q < 1e9)) return cli_fail(e, "--t %.17g / --eta %.17g is more than 1e9 steps", t, eta);
  long k = lround(q);
  if (k < 1 || fabs(k * eta - t) > 1e-9 * t)
    return cli_fail(e, "--t %.17g is not a multiple of --eta %.17g", t, eta);
  *n = k;
  return true;
}

int cmd_evolve(int argc, char **argv) {
  static const struct option opts[] = {CLI_PROBLEM_OPTIONS,
                                        {"method", required_argument, NULL, OPT_METHOD},
                                        {"eta", required_argument, NULL, OPT_ETA},
                                        {"t", required_argument, NULL, OPT_T},
                                        {"json", no_argument, NULL, OPT_JSON},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  cli_problem_args pa = CLI_PROBLEM_ARGS_INIT;
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
    case OPT_PRESET:
    case OPT_DIM:
    case OPT_SEED: ok = cli_problem_option(c, optarg, &pa, &e); break;
    default: cli_bad_option("evolve", c, argv); return EXIT_USAGE;
    }
    if (!ok) {
      fprintf(stderr, "bwflow evolve: %s\n", e.msg);
      return EXIT_USAGE;
    }
  }
  if (argc - optind > 1) {
    fprintf(stderr, "bwflow evolve: unexpected argument '%s'\n", argv[optind + 1]);
    return EXIT_USAGE;
  }
  pa.path = optind < argc ? argv[optind] : NULL;
  long n = 0;
  bool ok = true;
  if (method == M_NONE) ok = cli_fail(&e, "missing --method (jko, forward or wgf)");
  else if (isnan(t)) ok = cli_fail(&e, "missing --t");
  else if (method != M_WGF && isnan(eta)) ok = cli_fail(&e, "missing --eta");
  else if (method != M_WGF) ok = cli_step_count(eta, t, &n, &e);
  bw_problem *pb = NULL;
  bw_gaussian *g = NULL;
  if (ok) ok = cli_load_problem(&pa, &pb, &g, &e);
  if (!ok) {
    fprintf(stderr, "bwflow evolve: %s\n", e.msg);
    return EXIT_USAGE;
  }

  int rc = EXIT_OK;
  const char *name = method == M_JKO ? "jko" : method == M_FORWARD ? "forward" : "wgf";
  bw_workspace *ws = bw_workspace_alloc(g->d);
  bw_status st = ws ? BW_OK : BW_ERR_NOMEM;
  long k = 0;
  if (!st && method == M_JKO) {
    bw_jko_plan *plan = NULL;
    st = bw_jko_plan_create(pb, eta, &plan);
    if (st == BW_ERR_ETA_TOO_LARGE) {
      fprintf(stderr, "bwflow evolve: --eta %.17g: %s\n", eta, bw_strerror(st));
      rc = EXIT_USAGE;
    }
    for (k = 0; !st && k < n; k++) st = bw_jko_step(plan, ws, g, g);
    bw_jko_plan_free(plan);
  } else if (!st && method == M_FORWARD) {
    for (k = 0; !st && k < n; k++) st = bw_forward_step(pb, eta, ws, g, g);
  } else if (!st) {
    st = bw_wgf(pb, ws, g, t, g);
  }
  double J = NAN;
  if (!st) st = bw_energy(pb, ws, g, &J);
  if (st && rc == EXIT_OK) {
    if (method == M_WGF) fprintf(stderr, "bwflow evolve: wgf at t = %.17g: %s\n", t, bw_strerror(st));
    else fprintf(stderr, "bwflow evolve: %s step %ld of %ld: %s\n", name, k, n, bw_strerror(st));
    rc = EXIT_FAIL;
  }
  if (!st) {
    if (json) {
      printf("{\"method\": \"%s\", \"t\": ", name);
      cli_print_double(stdout, t);
      printf(", \"steps\": %ld, ", n);
      cli_print_gaussian_json(stdout, g);
      fputs(", \"energy\": ", stdout);
      cli_print_double(stdout, J);
      fputs("}\n", stdout);
    } else {
      if (method == M_WGF) printf("method  wgf (exact Wasserstein gradient flow)\n");
      else printf("method  %s (eta = %.15g, %ld steps)\n", name, eta, n);
      printf("t       %.15g\nenergy  %.17g\nmean    ", t, J);
      cli_print_vector(stdout, g->d, g->mean);
      printf("\ncov     ");
      cli_print_matrix(stdout, g->d, g->cov, g->ld);
      printf("\n");
    }
  }
  bw_workspace_free(ws);
  bw_gaussian_free(g);
  bw_problem_free(pb);
  return rc;
}
