/* bwflow order: convergence-order study of the JKO scheme (and of forward Euler).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char usage[] =
    "usage: bwflow order PROBLEM.json [--t T] [--etas e1,e2,...] [--json] [--out DIR]\n"
    "       bwflow order --preset NAME [--dim d] [--seed s] [...]\n"
    "\n"
    "Convergence-order study. For each step eta, run n = T/eta JKO steps and n forward Euler\n"
    "steps from the problem's initial Gaussian and measure the largest W2 distance over the\n"
    "steps k = 1..n between the iterate and a reference at time k eta:\n"
    "  err_wgf           JKO iterates vs the exact Wasserstein gradient flow        O(eta)\n"
    "  err_jkoflow       JKO iterates vs JKO-Flow, the flow of J - eta/4 |grad J|^2  O(eta^2)\n"
    "  err_forward_wgf   forward Euler iterates vs the exact flow                   O(eta)\n"
    "  err_forward_flow  forward Euler iterates vs the flow of J + eta/4 |grad J|^2  O(eta^2)\n"
    "and print them with the local slopes (between consecutive etas) and the least-squares\n"
    "slopes of log(error) against log(eta).\n"
    "\n"
    "options:\n"
    "  --t T          horizon (default 2); every eta must divide it\n"
    "  --etas LIST    comma-separated step sizes, at least two (default\n"
    "                 0.2,0.1,0.05,0.02,0.01,0.005,0.002,0.001)\n"
    "  --preset NAME  ou2d, heat, potential or random instead of PROBLEM.json\n"
    "  --dim d        dimension of the preset (heat, potential, random)\n"
    "  --seed s       seed of the random preset (default 1)\n"
    "  --rtol R       CVODE relative tolerance of the modified flows (default 1e-12)\n"
    "  --atol A       CVODE absolute tolerance (default 1e-14)\n"
    "  --linsol L     auto, dense or krylov: CVODE's linear solver (default auto: dense for\n"
    "                 d <= 7, krylov above)\n"
    "  --out DIR      where to write order-NAME.csv and its sidecar order-NAME.json\n"
    "                 (default notebooks-data; NAME is the preset or the file's base name)\n"
    "  --json         print {\"etas\", \"err_wgf\", \"err_jkoflow\", \"err_forward_wgf\",\n"
    "                 \"err_forward_flow\", \"slope_wgf\", \"slope_jkoflow\", \"slope_forward_wgf\",\n"
    "                 \"slope_forward_flow\"} (an error is null where forward Euler failed)\n"
    "  -h, --help     this help\n"
    "\n"
    CLI_PROBLEM_FORMAT_HELP "; see\n"
    "               bwflow evolve --help)\n"
    "\n"
    "exit status: 0 success, 1 numerical failure, 2 bad input, 3 JKO-Flow collapse (an eta\n"
    "too large for the initial variances: JKO-Flow is meaningless there)\n";

static const char default_etas[] = "0.2,0.1,0.05,0.02,0.01,0.005,0.002,0.001";
enum { NERR = 4 };
static const char *const err_names[NERR] = {"wgf", "jkoflow", "forward_wgf", "forward_flow"};

static double err_of(const bw_order_point *p, int k) {
  return k == 0 ? p->err_wgf : k == 1 ? p->err_jkoflow : k == 2 ? p->err_forward_wgf : p->err_forward_flow;
}

static void print_json_list(FILE *f, int n, const bw_order_point *pts, int k) {
  fputc('[', f);
  for (int i = 0; i < n; i++) {
    if (i) fputs(", ", f);
    cli_print_double(f, k < 0 ? pts[i].eta : err_of(&pts[i], k));
  }
  fputc(']', f);
}

static void print_table(FILE *f, int n, const bw_order_point *pts, const double *slope) {
  fprintf(f, "%-9s %7s  %-17s %-17s %-17s %-17s\n", "eta", "steps", "JKO vs WGF", "JKO vs JKO-Flow",
          "FE vs WGF", "FE vs FE-flow");
  fprintf(f, "%-9s %7s  %-17s %-17s %-17s %-17s\n", "", "", "error    slope", "error    slope",
          "error    slope", "error    slope");
  for (int i = 0; i < n; i++) {
    fprintf(f, "%-9.4g %7ld ", pts[i].eta, pts[i].steps);
    for (int k = 0; k < NERR; k++) {
      double e = err_of(&pts[i], k);
      if (!isfinite(e)) {
        fprintf(f, " %-17s", "diverged");
        continue;
      }
      double prev = i ? err_of(&pts[i - 1], k) : NAN;
      if (i && isfinite(prev) && prev > 0 && e > 0)
        fprintf(f, " %-8.2e %5.2f   ", e, log(e / prev) / log(pts[i].eta / pts[i - 1].eta));
      else
        fprintf(f, " %-8.2e %5s   ", e, "");
    }
    fputc('\n', f);
  }
  fprintf(f, "%-17s ", "least squares");
  for (int k = 0; k < NERR; k++) {
    if (isfinite(slope[k])) fprintf(f, "          %5.2f   ", slope[k]);
    else fprintf(f, "          %5s   ", "-");
  }
  fprintf(f, "\n(expected slopes: 1, 2, 1, 2)\n");
}

static bool write_files(const char *dir, const char *name, const cli_problem_args *pa,
                        const bw_problem *pb, const bw_gaussian *g0, double T,
                        const bw_jkoflow_opts *fo, int n, const bw_order_point *pts,
                        const double *slope, cli_err *e) {
  char csv[512], side[512];
  snprintf(csv, sizeof csv, "order-%s.csv", name);
  snprintf(side, sizeof side, "order-%s.json", name);
  cli_outfile o;
  if (!cli_atomic_open(&o, dir, csv, e)) return false;
  fprintf(o.f, "eta,steps,err_wgf,err_jkoflow,err_forward_wgf,err_forward_flow\n");
  for (int i = 0; i < n; i++) {
    cli_print_double(o.f, pts[i].eta);
    fprintf(o.f, ",%ld", pts[i].steps);
    for (int k = 0; k < NERR; k++) {
      fputc(',', o.f);
      double v = err_of(&pts[i], k);
      if (isfinite(v)) cli_print_double(o.f, v);
      else fputs("inf", o.f);
    }
    fputc('\n', o.f);
  }
  if (!cli_atomic_commit(&o, e)) return false;
  if (!cli_atomic_open(&o, dir, side, e)) return false;
  cli_write_sidecar_head(o.f, "order", csv);
  fputs(", \"problem\": ", o.f);
  cli_write_problem_json(o.f, pa, pb, g0);
  fputs(", \"t\": ", o.f);
  cli_print_double(o.f, T);
  fputs(", \"etas\": ", o.f);
  print_json_list(o.f, n, pts, -1);
  fprintf(o.f, ", \"cvode\": {\"rtol\": %.17g, \"atol\": %.17g, \"linsol\": \"%s\"}", fo->rtol, fo->atol,
          cli_linsol_name(fo->linsol));
  fputs(", \"columns\": {\"eta\": \"step size\", \"steps\": \"n = t/eta\", "
        "\"err_wgf\": \"max_k W2(JKO_k, exact WGF at k eta)\", "
        "\"err_jkoflow\": \"max_k W2(JKO_k, JKO-Flow at k eta)\", "
        "\"err_forward_wgf\": \"max_k W2(forward Euler_k, exact WGF at k eta)\", "
        "\"err_forward_flow\": \"max_k W2(forward Euler_k, forward modified flow at k eta)\"}",
        o.f);
  fputs(", \"slopes\": {", o.f);
  for (int k = 0; k < NERR; k++) {
    fprintf(o.f, "%s\"%s\": ", k ? ", " : "", err_names[k]);
    cli_print_double(o.f, slope[k]);
  }
  fputs("}}\n", o.f);
  return cli_atomic_commit(&o, e);
}

int cmd_order(int argc, char **argv) {
  static const struct option opts[] = {CLI_PROBLEM_OPTIONS,
                                        CLI_FLOW_OPTIONS,
                                        {"t", required_argument, NULL, OPT_T},
                                        {"etas", required_argument, NULL, OPT_ETAS},
                                        {"out", required_argument, NULL, OPT_OUT},
                                        {"json", no_argument, NULL, OPT_JSON},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  cli_problem_args pa = CLI_PROBLEM_ARGS_INIT;
  bw_jkoflow_opts fo;
  bw_jkoflow_opts_default(&fo);
  double T = 2.0;
  const char *etas_text = default_etas, *out = "notebooks-data";
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
    case OPT_T: ok = cli_parse_positive("--t", optarg, &T, &e); break;
    case OPT_ETAS: etas_text = optarg; break;
    case OPT_OUT: out = optarg; break;
    default:
      if (cli_shared_option(c, optarg, &pa, &fo, &ok, &e)) break;
      cli_bad_option("order", c, argv);
      return EXIT_USAGE;
    }
    if (!ok) {
      fprintf(stderr, "bwflow order: %s\n", e.msg);
      return EXIT_USAGE;
    }
  }
  if (!cli_problem_path(argc, argv, &pa, &e)) {
    fprintf(stderr, "bwflow order: %s\n", e.msg);
    return EXIT_USAGE;
  }
  double *etas = NULL;
  int n = 0;
  bool ok = cli_parse_list("--etas", etas_text, &etas, &n, &e);
  for (int i = 0; ok && i < n; i++) {
    long k = lround(T / etas[i]);
    if (!(T / etas[i] < 1e9)) ok = cli_fail(&e, "--etas item %d: %.17g needs more than 1e9 steps", i + 1, etas[i]);
    else if (k < 1 || fabs(k * etas[i] - T) > 1e-9 * T)
      ok = cli_fail(&e, "--etas item %d: --t %.17g is not a multiple of %.17g", i + 1, T, etas[i]);
  }
  if (ok && n < 2) ok = cli_fail(&e, "--etas: give at least two step sizes for a slope");
  bw_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  if (ok) ok = cli_load_problem(&pa, &pb, &g0, &e);
  if (ok) ok = cli_out_dir(out, &e);
  if (!ok) {
    fprintf(stderr, "bwflow order: %s\n", e.msg);
    free(etas);
    bw_problem_free(pb);
    bw_gaussian_free(g0);
    return EXIT_USAGE;
  }

  bw_order_point *pts = calloc((size_t)n, sizeof *pts);
  int rc = pts ? EXIT_OK : EXIT_FAIL;
  const bool progress = isatty(STDERR_FILENO);
  for (int i = 0; rc == EXIT_OK && i < n; i++) {
    if (progress) fprintf(stderr, "\rbwflow order: eta = %-10.4g (%d of %d)", etas[i], i + 1, n);
    bw_status st = bw_order_point_compute(pb, g0, T, etas[i], &fo, &pts[i]);
    if (progress) fputs("\r\033[K", stderr);
    if (st == BW_ERR_COLLAPSE) {
      fprintf(stderr, "bwflow order: eta = %.17g: JKO-Flow collapses before t = %.17g (a variance falls "
              "below tau eta/(2 - p eta)): use smaller --etas\n", etas[i], T);
      rc = EXIT_COLLAPSE;
    } else if (st == BW_ERR_ETA_TOO_LARGE) {
      fprintf(stderr, "bwflow order: eta = %.17g: %s\n", etas[i], bw_strerror(st));
      rc = EXIT_USAGE;
    } else if (st) {
      fprintf(stderr, "bwflow order: eta = %.17g: %s\n", etas[i], bw_strerror(st));
      rc = EXIT_FAIL;
    }
  }
  double slope[NERR];
  if (rc == EXIT_OK) {
    double *err = malloc(sizeof(double) * (size_t)n);
    for (int k = 0; k < NERR; k++) {
      for (int i = 0; err && i < n; i++) err[i] = err_of(&pts[i], k);
      if (!err || bw_loglog_slope(n, etas, err, &slope[k])) slope[k] = NAN;
    }
    free(err);
    char name[256];
    cli_problem_name(&pa, g0->d, name, sizeof name);
    if (!write_files(out, name, &pa, pb, g0, T, &fo, n, pts, slope, &e)) {
      fprintf(stderr, "bwflow order: %s\n", e.msg);
      rc = EXIT_USAGE;
    }
  }
  if (rc == EXIT_OK && json) {
    fputs("{\"etas\": ", stdout);
    print_json_list(stdout, n, pts, -1);
    for (int k = 0; k < NERR; k++) {
      printf(", \"err_%s\": ", err_names[k]);
      print_json_list(stdout, n, pts, k);
    }
    for (int k = 0; k < NERR; k++) {
      printf(", \"slope_%s\": ", err_names[k]);
      cli_print_double(stdout, slope[k]);
    }
    fputs("}\n", stdout);
  } else if (rc == EXIT_OK) {
    print_table(stdout, n, pts, slope);
  }
  free(pts);
  free(etas);
  bw_problem_free(pb);
  bw_gaussian_free(g0);
  return rc;
}
