/* bwflow command-line tool: particle problems (1-D, N particles on the quantile line,
 * docs/particles.md): the problem file, the presets, the kind of a problem file, and the
 * problem's JSON in sidecars. SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* The two kinds' keys ("tau" belongs to both). */
static const char *const gaussian_keys[] = {"dim", "A", "h", "K", "mean", "cov", NULL};
static const char *const particle_keys[] = {"particles", "V", "init", "positions", NULL};

/* "\"a\", \"b\"" for the keys of list present in obj. */
static void present(json_t *obj, const char *const *list, char *buf, size_t n) {
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; list[i] && k < n; i++)
    if (json_object_get(obj, list[i]))
      k += (size_t)snprintf(buf + k, n - k, "%s\"%s\"", k ? ", " : "", list[i]);
}

bool cli_problem_kind(const char *path, json_t *root, bool *particles, cli_err *e) {
  char g[128], p[128];
  present(root, gaussian_keys, g, sizeof g);
  present(root, particle_keys, p, sizeof p);
  if (*g && *p)
    return cli_fail(e, "%s: mixes the keys of a Gaussian problem (%s) with those of a particle problem (%s)",
                    path, g, p);
  *particles = *p != '\0';
  return true;
}

bool cli_is_particles_preset(const char *name) {
  return name && (!strcmp(name, "quartic") || !strcmp(name, "doublewell") || !strcmp(name, "gauss1d"));
}

/* The largest N a file or --particles may ask for (10^7 particles: 80 MB a configuration). */
#define CLI_PARTICLES_MAX 10000000

static bool read_count(const char *path, json_t *root, int *n, cli_err *e) {
  json_t *v = json_object_get(root, "particles");
  if (!v) return cli_fail(e, "%s: missing field \"particles\" (the number of particles N)", path);
  if (!json_is_integer(v) || json_integer_value(v) < 2 || json_integer_value(v) > CLI_PARTICLES_MAX)
    return cli_fail(e, "%s: \"particles\" must be an integer from 2 to %d", path, CLI_PARTICLES_MAX);
  *n = (int)json_integer_value(v);
  return true;
}

/* V's coefficients: K + 1 finite numbers, K even, 2 <= K <= BW_PARTICLES_MAX_DEGREE, c_K > 0. */
static bool read_potential(const char *path, json_t *root, double **c, int *deg, cli_err *e) {
  int len = 0;
  json_t *v = json_object_get(root, "V");
  if (!v) return cli_fail(e, "%s: missing field \"V\" (the potential's coefficients [c_0, ..., c_K])", path);
  if (json_is_array(v) && json_array_size(v) > BW_PARTICLES_MAX_DEGREE + 1)
    return cli_fail(e, "%s: \"V\" has %zu coefficients: the degree is at most %d", path, json_array_size(v),
                    BW_PARTICLES_MAX_DEGREE);
  if (!cli_read_vector(path, root, "V", -1, c, &len, e)) return false;
  const int K = len - 1;
  bool ok = true;
  if (K < 2 || K % 2)
    ok = cli_fail(e, "%s: \"V\" has degree %d: V must confine, with an even degree K >= 2 "
                  "(K + 1 coefficients c_0, ..., c_K)", path, K);
  else if (!((*c)[K] > 0))
    ok = cli_fail(e, "%s: \"V\"[%d] is %s: the leading coefficient c_%d must be > 0 for V to confine",
                  path, K, CLI_NUM((*c)[K]), K);
  if (!ok) {
    free(*c);
    *c = NULL;
    return false;
  }
  *deg = K;
  return true;
}

/* The initial configuration: "init" {"mean", "std"} or "positions" (N entries). */
static bool read_initial(const char *path, json_t *root, int n, double **x, cli_err *e) {
  json_t *init = json_object_get(root, "init"), *pos = json_object_get(root, "positions");
  if (init && pos) return cli_fail(e, "%s: give either \"init\" or \"positions\", not both", path);
  if (!init && !pos)
    return cli_fail(e, "%s: missing the initial configuration: \"init\": {\"mean\": m, \"std\": s} "
                    "or \"positions\": [x_1, ..., x_N]", path);
  if (!(*x = malloc(sizeof(double) * (size_t)n))) return cli_fail(e, "%s: out of memory for %d particles", path, n);
  if (init) {
    static const char *const keys[] = {"mean", "std", NULL};
    double m = 0, s = 0;
    char where[64];
    snprintf(where, sizeof where, "%s: \"init\"", path);
    bool ok = json_is_object(init) ? true : cli_fail(e, "%s: \"init\" must be an object {\"mean\": m, \"std\": s}", path);
    ok = ok && cli_check_keys(where, init, keys, e);
    ok = ok && cli_read_number(where, init, "mean", &m, e) && cli_read_number(where, init, "std", &s, e);
    if (ok && !(s > 0)) ok = cli_fail(e, "%s: \"init\": \"std\" is %s: it must be > 0", path, CLI_NUM(s));
    if (ok) {
      bw_status st = bw_particles_quantiles(n, m, s, *x);
      if (st == BW_ERR_NOT_ORDERED)
        ok = cli_fail(e, "%s: \"init\": \"std\" %s is too small against \"mean\" %s for %d distinct "
                      "positions", path, CLI_NUM(s), CLI_NUM(m), n);
      else if (st) ok = cli_fail(e, "%s: \"init\": %s", path, bw_strerror(st));
    }
    if (!ok) free(*x), *x = NULL;
    return ok;
  }
  bool ok = true;
  if (!json_is_array(pos)) ok = cli_fail(e, "%s: \"positions\" must be a list of %d numbers", path, n);
  else if (json_array_size(pos) != (size_t)n)
    ok = cli_fail(e, "%s: \"positions\" has %zu entries, expected \"particles\" = %d", path,
                  json_array_size(pos), n);
  for (int i = 0; ok && i < n; i++) {
    json_t *v = json_array_get(pos, (size_t)i);
    if (!json_is_number(v)) ok = cli_fail(e, "%s: \"positions\"[%d] must be a number", path, i);
    else if (!isfinite((*x)[i] = json_number_value(v))) ok = cli_fail(e, "%s: \"positions\"[%d] is not finite", path, i);
    else if (i && !((*x)[i] > (*x)[i - 1]))
      ok = cli_fail(e, "%s: \"positions\" must be strictly increasing: [%d] = %s follows [%d] = %s",
                    path, i, CLI_NUM((*x)[i]), i - 1, CLI_NUM((*x)[i - 1]));
  }
  if (!ok) free(*x), *x = NULL;
  return ok;
}

bool cli_particles_from_json(const char *path, json_t *root, bw_system **sys, cli_err *e) {
  static const char *const keys[] = {"particles", "V", "tau", "init", "positions", NULL};
  double *c = NULL, *x = NULL, tau = 1.0;
  int n = 0, deg = 0;
  bw_particles *pp = NULL;
  bool ok = cli_check_keys(path, root, keys, e) && read_count(path, root, &n, e) &&
            read_potential(path, root, &c, &deg, e);
  if (ok && json_object_get(root, "tau")) {
    ok = cli_read_number(path, root, "tau", &tau, e);
    if (ok && !(tau > 0)) ok = cli_fail(e, "%s: \"tau\" is %s: it must be > 0", path, CLI_NUM(tau));
  }
  ok = ok && read_initial(path, root, n, &x, e);
  if (ok) {
    bw_status st = bw_particles_create(n, deg, c, tau, &pp);
    if (st) ok = cli_fail(e, "%s: the potential \"V\": %s", path, bw_strerror(st));
  }
  if (ok) {
    bw_status st = bw_system_particles_create(pp, x, sys);
    if (st) ok = cli_fail(e, "%s: %s", path, bw_strerror(st));
  }
  bw_particles_free(pp);
  free(c), free(x);
  json_decref(root);
  return ok;
}

bool cli_read_particles_buffer(const char *name, const char *buf, size_t len, bw_system **sys, cli_err *e) {
  json_t *root = cli_parse_json(name, buf, len, e);
  return root && cli_particles_from_json(name, root, sys, e);
}

bool cli_particles_preset(const cli_problem_args *a, bw_system **sys, cli_err *e) {
  if (a->dim >= 0 || a->seed_given)
    return cli_fail(e, "--dim and --seed go with the Gaussian presets; '%s' takes --particles N", a->preset);
  if (a->particles > CLI_PARTICLES_MAX)
    return cli_fail(e, "--particles %ld: at most %d", a->particles, CLI_PARTICLES_MAX);
  bw_particles *pp = NULL;
  double m = 0, s = 0, *x = NULL;
  bw_status st = bw_particles_preset(a->preset, a->particles < 0 ? 0 : (int)a->particles, &pp, &m, &s);
  const int n = st ? 0 : bw_particles_n(pp);
  if (!st && !(x = malloc(sizeof(double) * (size_t)n))) st = BW_ERR_NOMEM;
  if (!st) st = bw_particles_quantiles(n, m, s, x);
  if (!st) st = bw_system_particles_create(pp, x, sys);
  bw_particles_free(pp);
  free(x);
  if (st) return cli_fail(e, "--preset %s: %s", a->preset, bw_strerror(st));
  return true;
}

void cli_write_particles_problem(FILE *f, const bw_system *sys) {
  const double *x0 = NULL;
  const bw_particles *pp = bw_system_particles(sys, &x0);
  const int n = bw_particles_n(pp);
  fprintf(f, ", \"particles\": %d, \"V\": ", n);
  cli_print_vector(f, bw_particles_degree(pp) + 1, bw_particles_coef(pp));
  fputs(", \"tau\": ", f);
  cli_print_double(f, bw_particles_tau(pp));
  fputs(", \"positions\": ", f);
  cli_print_vector(f, n, x0);
}
