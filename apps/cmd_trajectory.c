/* bwflow trajectory: JKO iterates, the gradient flow and a modified flow (JKO-Flow, or JKO-Flow
 * of order 2) side by side over time.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char usage[] =
    "usage: bwflow trajectory PROBLEM.json --eta H --t T [--method M] [--out DIR]\n"
    "       bwflow trajectory --preset NAME [--dim d] [--seed s] [--particles N] --eta H --t T\n"
    "                         [--method M] [--out DIR]\n"
    "\n"
    "Write a CSV over the times t_k = k H, k = 0..T/H, of three trajectories from the\n"
    "problem's initial state: the JKO iterates (jko), the Wasserstein gradient flow (wgf)\n"
    "and a modified flow of the JKO scheme, by default JKO-Flow (jkoflow, the flow of\n"
    "J - H/4 |grad J|^2), with --method jkoflow2 JKO-Flow of order 2 (jkoflow2, the flow the\n"
    "iterates follow to O(H^3); the columns are then named jkoflow2). For each the columns\n"
    "are the state's fields — Gaussians: the mean (X_m1..X_md) and the covariance's upper\n"
    "triangle (X_S11, X_S12, ..., row by row; X_Si_j when d >= 10); particles: X_mean and\n"
    "X_variance — then the energy X_J, the modified energy X_Jeta = J - H/4 |grad J|^2 and\n"
    "the squared slope X_slope_sq = |grad J|^2; then the W2 distances w2_jko_wgf,\n"
    "w2_jko_jkoflow and w2_wgf_jkoflow. Files: DIR/trajectory-NAME-etaH.csv and its JSON\n"
    "sidecar DIR/trajectory-NAME-etaH.json (every parameter and the program version;\n"
    "trajectory-NAME-etaH-jkoflow2.* with --method jkoflow2).\n"
    "Particles: also DIR/densities-NAME-etaH.csv, the density rho = 1/(N (x_right - x_left))\n"
    "of each trajectory on its cells at a few times (columns t, k, trajectory, i, x_left,\n"
    "x_right, rho).\n"
    "The files appear together once the trajectories are complete (none after a failure);\n"
    "stderr names them. Numbers are in the shortest form that reads back to the same double.\n"
    "\n"
    "options:\n"
    "  --eta H        JKO step (positive); T must be a multiple of it\n"
    "  --method M     the modified flow: jkoflow (default) or jkoflow2\n"
    "  --t T          horizon (positive)\n"
    CLI_PRESET_HELP
    "  --rtol R       CVODE relative tolerance of the flows (default 1e-12)\n"
    "  --atol A       CVODE absolute tolerance (default 1e-14)\n"
    "  --linsol L     auto, dense or krylov (Gaussians; default auto: dense for d <= 7)\n"
    "  --out DIR      output directory (default notebooks-data)\n"
    "  --progress     show progress on stderr even when it is not a terminal (a line a second)\n"
    "  --density-times LIST  particles: times of the densities CSV besides 0, rounded to\n"
    "                 steps (default T/4, T/2, 3T/4, T)\n"
    "  -h, --help     this help\n"
    "\n"
    CLI_PROBLEM_FORMAT_HELP
    "\n"
    "exit status: 0 success, 1 numerical or I/O failure, 2 bad input, 3 JKO-Flow collapses or\n"
    "turns ill-posed (JKO-Flow of order 2 does neither)\n";

enum { NTRAJ = 3 };
/* jko, wgf and the modified flow (--method) */
static const int w2_pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};

static void write_header(FILE *f, const bw_system *sys, const bw_traj_kind traj_kinds[NTRAJ]) {
  char buf[64];
  fputs("t,k", f);
  for (int r = 0; r < NTRAJ; r++)
    for (int i = 0; i < bw_system_nfields(sys); i++) {
      bw_system_field_name(sys, i, buf, sizeof buf);
      fprintf(f, ",%s_%s", bw_traj_kind_name(traj_kinds[r]), buf);
    }
  for (int q = 0; q < 3; q++)
    fprintf(f, ",w2_%s_%s", bw_traj_kind_name(traj_kinds[w2_pairs[q][0]]),
            bw_traj_kind_name(traj_kinds[w2_pairs[q][1]]));
  fputc('\n', f);
}

/* One CSV row (v: scratch of nfields entries); returns the first failing status. */
static bw_status write_row(FILE *f, double t, long k, int nf, double eta, bw_traj *const tr[NTRAJ],
                           double *v) {
  double w[3];
  for (int q = 0; q < 3; q++) {
    bw_status st = bw_traj_distance(tr[w2_pairs[q][0]], tr[w2_pairs[q][1]], &w[q]);
    if (st) return st;
  }
  cli_print_csv_double(f, t);
  fprintf(f, ",%ld", k);
  for (int r = 0; r < NTRAJ; r++) {
    bw_status st = bw_traj_fields(tr[r], eta, v);
    if (st) return st;
    for (int i = 0; i < nf; i++) {
      fputc(',', f);
      cli_print_csv_double(f, v[i]);
    }
  }
  for (int q = 0; q < 3; q++) {
    fputc(',', f);
    cli_print_csv_double(f, w[q]);
  }
  fputc('\n', f);
  return BW_OK;
}

static void write_sidecar(FILE *f, const char *csv, const char *dens, const cli_problem_args *pa,
                          const bw_system *sys, double eta, double T, long n, const bw_jkoflow_opts *fo,
                          bw_traj *const tr[NTRAJ], bw_traj_kind method) {
  cli_write_sidecar_head(f, "trajectory", csv);
  fputs(", \"problem\": ", f);
  cli_write_problem_json(f, pa, sys);
  fputs(", \"eta\": ", f);
  cli_print_double(f, eta);
  fputs(", \"t\": ", f);
  cli_print_double(f, T);
  fprintf(f, ", \"steps\": %ld, \"cvode\": {\"rtol\": %s, \"atol\": %s, \"linsol\": \"%s\", \"solver\": \"%s\"}",
          n, CLI_NUM(fo->rtol), CLI_NUM(fo->atol), cli_linsol_name(fo->linsol), bw_traj_solver(tr[2], NULL));
  if (dens) fprintf(f, ", \"densities\": \"%s\"", dens); /* particles */
  fprintf(f, ", \"method\": \"%s\"", bw_traj_kind_name(method));
  fputs(", \"trajectories\": {\"jko\": \"JKO iterates\", \"wgf\": \"Wasserstein gradient flow\", ", f);
  fputs(method == BW_TRAJ_JKOFLOW2 ? "\"jkoflow2\": \"JKO-Flow of order 2: the flow the JKO iterates follow to O(eta^3)\"}}\n"
                                   : "\"jkoflow\": \"JKO-Flow: gradient flow of J - eta/4 |grad J|^2\"}}\n",
        f);
}

typedef struct {
  double eta, T;
  bw_traj_kind method;
  const char *out;
  double *dtimes; /* --density-times (particles) */
  int ndtimes;
  bool progress;
} trajectory_args;

static bool trajectory_option(int code, const char *arg, void *ctx, cli_err *e) {
  trajectory_args *a = ctx;
  switch (code) {
  case OPT_ETA: return cli_parse_positive("--eta", arg, &a->eta, e);
  case OPT_METHOD:
    if (!cli_parse_kind("--method", arg, &a->method, e)) return false;
    if (a->method != BW_TRAJ_JKOFLOW && a->method != BW_TRAJ_JKOFLOW2)
      return cli_fail(e, "--method: '%s' is not a modified flow of the JKO scheme (jkoflow or jkoflow2)", arg);
    return true;
  case OPT_T: return cli_parse_positive("--t", arg, &a->T, e);
  case OPT_OUT: a->out = arg; return true;
  case OPT_PROGRESS: a->progress = true; return true;
  case OPT_COMMAND_BASE:
    free(a->dtimes);
    a->dtimes = NULL;
    return cli_parse_list("--density-times", arg, &a->dtimes, &a->ndtimes, e);
  default: return cli_fail(e, "internal: unexpected option code %d", code);
  }
}

int cmd_trajectory(int argc, char **argv, FILE *out) {
  static const struct option opts[] = {CLI_PROBLEM_OPTIONS,
                                        CLI_FLOW_OPTIONS,
                                        {"eta", required_argument, NULL, OPT_ETA},
                                        {"method", required_argument, NULL, OPT_METHOD},
                                        {"t", required_argument, NULL, OPT_T},
                                        {"out", required_argument, NULL, OPT_OUT},
                                        {"density-times", required_argument, NULL, OPT_COMMAND_BASE},
                                        {"progress", no_argument, NULL, OPT_PROGRESS},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  cli_problem_args pa;
  bw_jkoflow_opts fo;
  trajectory_args a = {.eta = NAN, .T = NAN, .method = BW_TRAJ_JKOFLOW, .out = "notebooks-data"};
  const int status = cli_problem_command_args("trajectory", usage, argc, argv, opts, trajectory_option, &a, &pa, &fo, out);
  if (status >= 0) {
    free(a.dtimes);
    return status;
  }
  const double eta = a.eta, T = a.T;
  const bw_traj_kind method = a.method;
  const char *dir = a.out;
  cli_err e;
  long n = 0;
  bool ok = true;
  if (isnan(eta)) ok = cli_fail(&e, "missing --eta");
  else if (isnan(T)) ok = cli_fail(&e, "missing --t");
  else ok = cli_step_count(eta, T, &n, &e);
  bw_system *sys = NULL;
  if (ok) ok = cli_load_system(&pa, &sys, &e);
  if (ok) ok = cli_check_flow_options(sys, &fo, "--linsol", &e);
  const bool particles = ok && bw_system_particles(sys, NULL) != NULL;
  cli_density_csv dc = {0};
  if (ok && particles) ok = cli_density_init(&dc, a.dtimes, a.ndtimes, eta, n, &e);
  if (ok) ok = cli_out_dir(dir, &e);
  free(a.dtimes);
  if (!ok) {
    fprintf(stderr, "bwflow trajectory: %s\n", e.msg);
    cli_density_free(&dc);
    bw_system_free(sys);
    return EXIT_USAGE;
  }
  char name[256], csv[400], side[400], dens[400];
  cli_problem_name(&pa, sys, name, sizeof name);
  /* a run with --method jkoflow2 does not overwrite the default run's files */
  const char *suffix = method == BW_TRAJ_JKOFLOW2 ? "-jkoflow2" : "";
  snprintf(csv, sizeof csv, "trajectory-%s-eta%s%s.csv", name, CLI_NUM(eta), suffix);
  snprintf(side, sizeof side, "trajectory-%s-eta%s%s.json", name, CLI_NUM(eta), suffix);
  snprintf(dens, sizeof dens, "densities-%s-eta%s%s.csv", name, CLI_NUM(eta), suffix);

  const bw_traj_kind traj_kinds[NTRAJ] = {BW_TRAJ_JKO, BW_TRAJ_WGF, method};
  const int nf = bw_system_nfields(sys);
  double *v = malloc(sizeof(double) * (size_t)nf);
  bw_traj *tr[NTRAJ] = {0};
  int rc = EXIT_OK;
  bw_status st = v ? BW_OK : BW_ERR_NOMEM;
  for (int r = 0; r < NTRAJ && !st; r++) {
    st = bw_traj_create(sys, traj_kinds[r], traj_kinds[r] == BW_TRAJ_WGF ? 0.0 : eta, &fo, T, &tr[r]);
    if (st == BW_ERR_ETA_TOO_LARGE) {
      fprintf(stderr, "bwflow trajectory: --eta %s: %s\n", CLI_NUM(eta), bw_strerror(st));
      rc = EXIT_USAGE;
    } else if (st == BW_ERR_NOT_PROVIDED) { /* a kind the system does not provide */
      fprintf(stderr, "bwflow trajectory: --method %s is not available for %s problems\n",
              bw_traj_kind_name(traj_kinds[r]), bw_system_name(sys));
      rc = EXIT_USAGE;
    } else if (st) {
      fprintf(stderr, "bwflow trajectory: %s: %s\n", bw_traj_kind_name(traj_kinds[r]), bw_strerror(st));
      rc = EXIT_FAIL;
    }
  }
  /* the files of the set: the CSV, the densities (particles), the sidecar (at the end) */
  cli_fileset fs;
  cli_files_init(&fs, "trajectory");
  FILE *f = NULL;
  if (!rc) {
    f = cli_files_add(&fs, dir, csv, &e);
    if (f && particles) {
      FILE *fd = cli_files_add(&fs, dir, dens, &e);
      if (fd) cli_density_header(&dc, fd);
      else f = NULL;
    }
    if (!f) {
      fprintf(stderr, "bwflow trajectory: %s\n", e.msg);
      rc = EXIT_FAIL;
    }
  }
  cli_progress progress;
  cli_progress_init(&progress, a.progress);
  bw_traj *failed = NULL;
  bool dens_ok = true;
  if (!rc) {
    write_header(f, sys, traj_kinds);
    st = write_row(f, 0.0, 0, nf, eta, tr, v);
    if (!st && particles) dens_ok = cli_density_rows(&dc, 0, 0.0, tr, NTRAJ, &e);
  }
  /* a full disk shows as a stream error: stop there rather than compute for nothing */
  for (long k = 1; !rc && !st && dens_ok && cli_files_ok(&fs) && k <= n; k++) {
    const double t = k == n ? T : k * eta;
    cli_progress_show(&progress, "bwflow trajectory: step %ld of %ld", k, n);
    for (int r = 0; r < NTRAJ && !st; r++)
      if ((st = bw_traj_advance(tr[r], t))) failed = tr[r];
    if (!st) st = write_row(f, t, k, nf, eta, tr, v);
    if (!st && particles) dens_ok = cli_density_rows(&dc, k, t, tr, NTRAJ, &e);
  }
  cli_progress_clear(&progress);
  if (!rc && failed) rc = cli_report_failure("trajectory", failed, bw_system_dim(sys), st);
  else if (!rc && st) {
    fprintf(stderr, "bwflow trajectory: %s\n", bw_strerror(st));
    rc = EXIT_FAIL;
  } else if (!rc && !dens_ok) {
    fprintf(stderr, "bwflow trajectory: %s\n", e.msg);
    rc = EXIT_FAIL;
  }
  if (!rc) {
    FILE *j = cli_files_add(&fs, dir, side, &e);
    if (j) write_sidecar(j, csv, particles ? dens : NULL, &pa, sys, eta, T, n, &fo, tr, method);
    if (!j || !cli_files_commit(&fs, &e)) {
      fprintf(stderr, "bwflow trajectory: %s\n", e.msg);
      rc = EXIT_FAIL;
    }
  }
  cli_files_abort(&fs); /* nothing left after a commit */
  cli_density_free(&dc);
  for (int r = 0; r < NTRAJ; r++) bw_traj_free(tr[r]);
  free(v);
  bw_system_free(sys);
  return rc;
}
