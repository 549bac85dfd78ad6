/* bwflow trajectory: JKO iterates, the exact flow and JKO-Flow side by side over time.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char usage[] =
    "usage: bwflow trajectory PROBLEM.json --eta H --t T [--out DIR]\n"
    "       bwflow trajectory --preset NAME [--dim d] [--seed s] --eta H --t T [--out DIR]\n"
    "\n"
    "Write a CSV over the times t_k = k H, k = 0..T/H, of three trajectories from the\n"
    "problem's initial Gaussian: the JKO iterates (jko), the exact Wasserstein gradient flow\n"
    "(wgf) and JKO-Flow (jkoflow, the flow of J - H/4 |grad J|^2). For each of them the\n"
    "columns are the mean (X_m1..X_md), the covariance's upper triangle (X_S11, X_S12, ...,\n"
    "row by row; X_Si_j with an underscore when d >= 10), the energy X_J, the modified\n"
    "energy X_Jeta = J - H/4 |grad J|^2 and the squared slope X_slope_sq = |grad J|^2;\n"
    "then the W2 distances w2_jko_wgf, w2_jko_jkoflow and w2_wgf_jkoflow. Files:\n"
    "DIR/trajectory-NAME-etaH.csv and its JSON sidecar DIR/trajectory-NAME-etaH.json (every\n"
    "parameter and the program version).\n"
    "\n"
    "options:\n"
    "  --eta H        JKO step (positive); T must be a multiple of it\n"
    "  --t T          horizon (positive)\n"
    "  --preset NAME  ou2d, heat, potential or random instead of PROBLEM.json\n"
    "  --dim d        dimension of the preset (heat, potential, random)\n"
    "  --seed s       seed of the random preset (default 1)\n"
    "  --rtol R       CVODE relative tolerance of JKO-Flow (default 1e-12)\n"
    "  --atol A       CVODE absolute tolerance (default 1e-14)\n"
    "  --linsol L     auto, dense or krylov (default auto: dense for d <= 7)\n"
    "  --out DIR      output directory (default notebooks-data)\n"
    "  -h, --help     this help\n"
    "\n"
    CLI_PROBLEM_FORMAT_HELP "; see\n"
    "               bwflow evolve --help)\n"
    "\n"
    "exit status: 0 success, 1 numerical failure, 2 bad input, 3 JKO-Flow collapse\n";

enum { NTRAJ = 3 };
static const char *const traj_names[NTRAJ] = {"jko", "wgf", "jkoflow"};

static void write_header(FILE *f, int d) {
  fputs("t,k", f);
  for (int r = 0; r < NTRAJ; r++) {
    for (int i = 0; i < d; i++) fprintf(f, ",%s_m%d", traj_names[r], i + 1);
    for (int i = 0; i < d; i++)
      for (int j = i; j < d; j++) fprintf(f, ",%s_S%d%s%d", traj_names[r], i + 1, d > 9 ? "_" : "", j + 1);
    fprintf(f, ",%s_J,%s_Jeta,%s_slope_sq", traj_names[r], traj_names[r], traj_names[r]);
  }
  fputs(",w2_jko_wgf,w2_jko_jkoflow,w2_wgf_jkoflow\n", f);
}

/* One CSV row; returns the first failing status. */
static bw_status write_row(FILE *f, double t, long k, const bw_problem *pb, double eta,
                           bw_workspace *ws, bw_gaussian *const g[NTRAJ]) {
  const int d = g[0]->d;
  double J[NTRAJ], s[NTRAJ], w[3];
  bw_status st = BW_OK;
  for (int r = 0; r < NTRAJ && !st; r++) {
    st = bw_energy(pb, ws, g[r], &J[r]);
    if (!st) st = bw_slope_sq(pb, ws, g[r], &s[r]);
  }
  if (!st) st = bw_w2(ws, g[0], g[1], &w[0]);
  if (!st) st = bw_w2(ws, g[0], g[2], &w[1]);
  if (!st) st = bw_w2(ws, g[1], g[2], &w[2]);
  if (st) return st;
  cli_print_double(f, t);
  fprintf(f, ",%ld", k);
  for (int r = 0; r < NTRAJ; r++) {
    for (int i = 0; i < d; i++) {
      fputc(',', f);
      cli_print_double(f, g[r]->mean[i]);
    }
    for (int i = 0; i < d; i++)
      for (int j = i; j < d; j++) {
        fputc(',', f);
        cli_print_double(f, g[r]->cov[i + (size_t)j * g[r]->ld]);
      }
    double v[3] = {J[r], J[r] - 0.25 * eta * s[r], s[r]};
    for (int q = 0; q < 3; q++) {
      fputc(',', f);
      cli_print_double(f, v[q]);
    }
  }
  for (int q = 0; q < 3; q++) {
    fputc(',', f);
    cli_print_double(f, w[q]);
  }
  fputc('\n', f);
  return BW_OK;
}

int cmd_trajectory(int argc, char **argv) {
  static const struct option opts[] = {CLI_PROBLEM_OPTIONS,
                                        CLI_FLOW_OPTIONS,
                                        {"eta", required_argument, NULL, OPT_ETA},
                                        {"t", required_argument, NULL, OPT_T},
                                        {"out", required_argument, NULL, OPT_OUT},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  cli_problem_args pa = CLI_PROBLEM_ARGS_INIT;
  bw_jkoflow_opts fo;
  bw_jkoflow_opts_default(&fo);
  double eta = NAN, T = NAN;
  const char *out = "notebooks-data";
  cli_err e;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    bool ok = true;
    switch (c) {
    case 'h': fputs(usage, stdout); return EXIT_OK;
    case OPT_ETA: ok = cli_parse_positive("--eta", optarg, &eta, &e); break;
    case OPT_T: ok = cli_parse_positive("--t", optarg, &T, &e); break;
    case OPT_OUT: out = optarg; break;
    default:
      if (cli_shared_option(c, optarg, &pa, &fo, &ok, &e)) break;
      cli_bad_option("trajectory", c, argv);
      return EXIT_USAGE;
    }
    if (!ok) {
      fprintf(stderr, "bwflow trajectory: %s\n", e.msg);
      return EXIT_USAGE;
    }
  }
  if (!cli_problem_path(argc, argv, &pa, &e)) {
    fprintf(stderr, "bwflow trajectory: %s\n", e.msg);
    return EXIT_USAGE;
  }
  long n = 0;
  bool ok = true;
  if (isnan(eta)) ok = cli_fail(&e, "missing --eta");
  else if (isnan(T)) ok = cli_fail(&e, "missing --t");
  else ok = cli_step_count(eta, T, &n, &e);
  bw_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  if (ok) ok = cli_load_problem(&pa, &pb, &g0, &e);
  if (ok) ok = cli_out_dir(out, &e);
  if (!ok) {
    fprintf(stderr, "bwflow trajectory: %s\n", e.msg);
    bw_problem_free(pb);
    bw_gaussian_free(g0);
    return EXIT_USAGE;
  }
  const int d = g0->d;
  char name[256], csv[400], side[400];
  cli_problem_name(&pa, d, name, sizeof name);
  snprintf(csv, sizeof csv, "trajectory-%s-eta%g.csv", name, eta);
  snprintf(side, sizeof side, "trajectory-%s-eta%g.json", name, eta);

  bw_workspace *ws = bw_workspace_alloc(d);
  bw_gaussian *g[NTRAJ] = {bw_gaussian_alloc(d), bw_gaussian_alloc(d), bw_gaussian_alloc(d)};
  bw_jko_plan *plan = NULL;
  bw_jkoflow *jf = NULL;
  cli_outfile o = {0};
  int rc = EXIT_OK;
  bw_status st = ws && g[0] && g[1] && g[2] ? BW_OK : BW_ERR_NOMEM;
  if (!st) st = bw_jko_plan_create(pb, eta, &plan);
  if (st == BW_ERR_ETA_TOO_LARGE) {
    fprintf(stderr, "bwflow trajectory: --eta %.17g: %s\n", eta, bw_strerror(st));
    rc = EXIT_USAGE;
  }
  if (!st) st = bw_jkoflow_create(pb, BW_FLOW_JKO, eta, &fo, &jf);
  if (!st) st = bw_jkoflow_start(jf, g0, T);
  for (int r = 0; r < NTRAJ && !st; r++) st = bw_gaussian_copy(g[r], g0);
  if (!st && rc == EXIT_OK && !cli_atomic_open(&o, out, csv, &e)) {
    fprintf(stderr, "bwflow trajectory: %s\n", e.msg);
    rc = EXIT_USAGE;
  }
  const bool progress = isatty(STDERR_FILENO) && n >= 10000;
  if (!st && rc == EXIT_OK) {
    write_header(o.f, d);
    st = write_row(o.f, 0.0, 0, pb, eta, ws, g);
  }
  long k = 1;
  for (; !st && rc == EXIT_OK && k <= n; k++) {
    const double t = k == n ? T : k * eta;
    if (progress && k % 1000 == 0) fprintf(stderr, "\rbwflow trajectory: step %ld of %ld", k, n);
    st = bw_jko_step(plan, ws, g[0], g[0]);
    if (!st) st = bw_wgf(pb, ws, g0, t, g[1]);
    if (!st) st = bw_jkoflow_advance(jf, t, g[2]);
    if (!st) st = write_row(o.f, t, k, pb, eta, ws, g);
  }
  if (progress) fputs("\r\033[K", stderr);
  if (st == BW_ERR_COLLAPSE) {
    double tc = NAN;
    bw_jkoflow_collapse(jf, &tc, NULL);
    fprintf(stderr, "bwflow trajectory: JKO-Flow collapses at t = %.17g (a variance reaches 0): use a smaller --eta\n", tc);
    rc = EXIT_COLLAPSE;
  } else if (st && rc == EXIT_OK) {
    fprintf(stderr, "bwflow trajectory: step %ld: %s\n", k - 1, bw_strerror(st));
    rc = EXIT_FAIL;
  }
  if (o.f && rc != EXIT_OK) cli_atomic_abort(&o);
  if (o.f && rc == EXIT_OK && !cli_atomic_commit(&o, &e)) {
    fprintf(stderr, "bwflow trajectory: %s\n", e.msg);
    rc = EXIT_USAGE;
  }
  if (rc == EXIT_OK) {
    if (cli_atomic_open(&o, out, side, &e)) {
      cli_write_sidecar_head(o.f, "trajectory", csv);
      fputs(", \"problem\": ", o.f);
      cli_write_problem_json(o.f, &pa, pb, g0);
      fputs(", \"eta\": ", o.f);
      cli_print_double(o.f, eta);
      fputs(", \"t\": ", o.f);
      cli_print_double(o.f, T);
      fprintf(o.f, ", \"steps\": %ld, \"cvode\": {\"rtol\": %.17g, \"atol\": %.17g, \"linsol\": \"%s\"}", n,
              fo.rtol, fo.atol, cli_linsol_name(bw_jkoflow_linsol(jf)));
      fputs(", \"trajectories\": {\"jko\": \"JKO iterates\", \"wgf\": \"exact Wasserstein gradient flow\", "
            "\"jkoflow\": \"JKO-Flow: gradient flow of J - eta/4 |grad J|^2\"}}\n", o.f);
    }
    if (!o.f || !cli_atomic_commit(&o, &e)) {
      fprintf(stderr, "bwflow trajectory: %s\n", e.msg);
      rc = EXIT_USAGE;
    }
  }
  if (rc == EXIT_OK) printf("%s/%s\n%s/%s\n", out, csv, out, side);
  for (int r = 0; r < NTRAJ; r++) bw_gaussian_free(g[r]);
  bw_jkoflow_free(jf);
  bw_jko_plan_free(plan);
  bw_workspace_free(ws);
  bw_gaussian_free(g0);
  bw_problem_free(pb);
  return rc;
}
