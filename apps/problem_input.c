/* bwflow command-line tool: problem files and presets. SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static bool problem_from_json(const char *path, json_t *root, bw_problem **pb_out,
                              bw_gaussian **g0_out, cli_err *e);

bool cli_read_problem(const char *path, bw_problem **pb_out, bw_gaussian **g0_out, cli_err *e) {
  json_t *root = cli_load_json(path, e);
  return root && problem_from_json(path, root, pb_out, g0_out, e);
}

bool cli_read_problem_buffer(const char *name, const char *buf, size_t len, bw_problem **pb_out,
                             bw_gaussian **g0_out, cli_err *e) {
  json_t *root = cli_parse_json(name, buf, len, e);
  return root && problem_from_json(name, root, pb_out, g0_out, e);
}

/* Takes the reference to root. */
static bool problem_from_json(const char *path, json_t *root, bw_problem **pb_out,
                              bw_gaussian **g0_out, cli_err *e) {
  static const char *const keys[] = {"dim", "A", "h", "K", "tau", "mean", "cov", NULL};
  double *h = NULL, *A = NULL, *K = NULL, *m = NULL, *S = NULL, tau = 1.0;
  int d = 0;
  bw_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  bool ok = cli_check_keys(path, root, keys, e);
  if (ok) {
    json_t *jd = json_object_get(root, "dim");
    if (!jd) ok = cli_fail(e, "%s: missing field \"dim\"", path);
    else if (!json_is_integer(jd) || json_integer_value(jd) < 1 || json_integer_value(jd) > 46340)
      ok = cli_fail(e, "%s: \"dim\" must be an integer from 1 to 46340", path);
    else d = (int)json_integer_value(jd);
  }
  ok = ok && cli_read_matrix(path, root, "A", d, true, &A, e);
  ok = ok && cli_read_vector(path, root, "h", d, &h, NULL, e);
  if (ok && json_object_get(root, "K")) ok = cli_read_matrix(path, root, "K", d, true, &K, e);
  if (ok && json_object_get(root, "tau")) {
    ok = cli_read_number(path, root, "tau", &tau, e);
    if (ok && tau < 0) ok = cli_fail(e, "%s: \"tau\" is %s: it must be >= 0", path, CLI_NUM(tau));
  }
  ok = ok && cli_read_vector(path, root, "mean", d, &m, NULL, e);
  ok = ok && cli_read_matrix(path, root, "cov", d, true, &S, e);
  if (ok) {
    pb = bw_problem_alloc(d);
    g0 = bw_gaussian_alloc(d);
    if (!pb || !g0) ok = cli_fail(e, "%s: out of memory for dimension %d", path, d);
  }
  if (ok) {
    bw_status st = bw_problem_set(pb, A, d, h, K, d, tau);
    if (st) ok = cli_fail(e, "%s: the energy (A, h, K, tau): %s", path, bw_strerror(st));
  }
  if (ok) {
    bw_status st = bw_gaussian_set(g0, m, S, d, BW_SYM_RTOL, NULL);
    if (st == BW_ERR_NOT_SPD) ok = cli_fail(e, "%s: \"cov\" is not positive definite", path);
    else if (st) ok = cli_fail(e, "%s: \"cov\": %s", path, bw_strerror(st));
  }
  free(A), free(h), free(K), free(m), free(S);
  json_decref(root);
  if (!ok) {
    bw_problem_free(pb);
    bw_gaussian_free(g0);
    return false;
  }
  *pb_out = pb;
  *g0_out = g0;
  return true;
}

static bool load_preset(const cli_problem_args *a, bw_problem **pb, bw_gaussian **g0, cli_err *e) {
  if (a->particles >= 0)
    return cli_fail(e, "--particles goes with a particle preset, not with '%s'", a->preset);
  if (a->seed_given && (!strcmp(a->preset, "ou2d") || !strcmp(a->preset, "heat") || !strcmp(a->preset, "potential")))
    return cli_fail(e, "--seed goes with the random preset, not with '%s' (which has no randomness)", a->preset);
  if (a->dim > CLI_PRESET_DIM_MAX)
    return cli_fail(e, "--dim %ld is too large for a preset (at most %d: memory grows as d^2 and time as d^3)",
                    a->dim, CLI_PRESET_DIM_MAX);
  bw_status st = bw_preset(a->preset, a->dim < 0 ? 0 : (int)a->dim, a->seed, pb, g0);
  if (st == BW_ERR_BAD_ARG)
    return cli_fail(e, "--preset: unknown preset '%s' (known: ou2d, heat, potential, random, quartic, "
                    "doublewell, gauss1d, vi-quartic, logreg, logreg-d30)", a->preset);
  if (st == BW_ERR_DIM || st == BW_ERR_DIM_MISMATCH)
    return cli_fail(e, "--dim %ld does not suit preset '%s'", a->dim, a->preset);
  if (st) return cli_fail(e, "--preset %s: %s", a->preset, bw_strerror(st));
  return true;
}

bool cli_load_system(const cli_problem_args *a, bw_system **sys, cli_err *e) {
  if (a->preset && a->path)
    return cli_fail(e, "give either PROBLEM.json or --preset, not both");
  if (!a->preset && !a->path) return cli_fail(e, "missing PROBLEM.json (or --preset NAME)");
  if (a->path && (a->dim >= 0 || a->seed_given || a->particles >= 0))
    return cli_fail(e, "--dim, --seed and --particles go with --preset, not with a problem file");
  if (a->preset && cli_is_particles_preset(a->preset)) return cli_particles_preset(a, sys, e);
  if (a->preset && cli_is_ridge_preset(a->preset)) return cli_ridge_preset(a, sys, e);
  bw_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  bool ok;
  if (a->path) { /* the kind is told by the file's keys */
    json_t *root = cli_load_json(a->path, e);
    bool particles = false;
    if (!root || !cli_problem_kind(a->path, root, &particles, e)) {
      json_decref(root);
      return false;
    }
    if (particles) return cli_particles_from_json(a->path, root, sys, e);
    if (cli_is_ridge_file(root)) return cli_ridge_from_json(a->path, root, sys, e);
    ok = problem_from_json(a->path, root, &pb, &g0, e);
  } else {
    ok = load_preset(a, &pb, &g0, e);
  }
  if (ok) {
    bw_status st = bw_system_gaussian_create(pb, g0, sys);
    if (st) ok = cli_fail(e, "%s: %s", a->path ? a->path : a->preset, bw_strerror(st));
  }
  bw_problem_free(pb);
  bw_gaussian_free(g0);
  return ok;
}

void cli_print_gaussian_json(FILE *f, const bw_gaussian *g) {
  fputs("\"mean\": ", f);
  cli_print_vector(f, g->d, g->mean);
  fputs(", \"cov\": ", f);
  cli_print_matrix(f, g->d, g->cov, g->ld);
}
