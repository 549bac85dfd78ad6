/* bwflow command-line tool: ridge problems (Gaussian variational inference, docs/vi.md):
 * the problem file with "ridges" and/or the "glm" shortcut (its data inline or from a CSV
 * file), the presets, and the problem's JSON in sidecars.
 *
 *   {"dim": d, "A": [[...]], "h": [...], "tau": x, "nodes": q,
 *    "ridges": [{"phi": "logistic", "a": [...], "b": 0, "w": 1}, ...],
 *    "glm": {"family": "logistic" | "poisson", "X": [[...]] | "csv": "file.csv",
 *            "y": [...] | "COLUMN", "prior_var": s2, "intercept": bool, "standardize": bool},
 *    "mean": [...], "cov": [[...]]}
 *
 * The glm expands into one ridge per observation (a_i = x_i, b = 0, w = 1), h += X'y and
 * A += I/s2 (the prior N(0, s2 I)): V(beta) = sum_i phi(x_i'beta) - y'X beta + |beta|^2/(2 s2),
 * the negative log-posterior. SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

bool cli_is_ridge_preset(const char *name) {
  return name && (!strcmp(name, "vi-quartic") || !strcmp(name, "logreg") || !strcmp(name, "logreg-d30"));
}

bool cli_is_ridge_file(json_t *root) { return json_object_get(root, "ridges") || json_object_get(root, "glm"); }

/* The ridges read so far: n entries, a_j at a + j d. */
typedef struct {
  int n, cap, d;
  bw_ridge *r;
  double *a;
} rlist;

static bool rlist_add(rlist *L, bw_ridge_family f, const double *a, double b, double w, const char *path, cli_err *e) {
  if (L->n == L->cap) {
    const int cap = L->cap ? 2 * L->cap : 16;
    if (cap > (1 << 24)) return cli_fail(e, "%s: more than %d ridges", path, 1 << 24);
    bw_ridge *r = realloc(L->r, sizeof(bw_ridge) * (size_t)cap);
    if (r) L->r = r;
    double *aa = r ? realloc(L->a, sizeof(double) * (size_t)cap * L->d) : NULL;
    if (aa) L->a = aa;
    if (!r || !aa) return cli_fail(e, "%s: out of memory", path);
    L->cap = cap;
  }
  memcpy(L->a + (size_t)L->n * L->d, a, sizeof(double) * (size_t)L->d);
  L->r[L->n++] = (bw_ridge){.family = f, .b = b, .w = w};
  return true;
}

static const char known_phi[] = "quadratic, quartic, logistic, poisson, logcosh";

static bool family_of(const char *s, bw_ridge_family *f) {
  for (int k = 0; k < BW_RIDGE_CUSTOM; k++)
    if (!strcmp(s, bw_ridge_family_name((bw_ridge_family)k))) {
      *f = (bw_ridge_family)k;
      return true;
    }
  return false;
}

/* An optional number obj[key] (default def), with a check. */
static bool opt_number(const char *where, json_t *obj, const char *key, double def, double *out, cli_err *e) {
  *out = def;
  return !json_object_get(obj, key) || cli_read_number(where, obj, key, out, e);
}

static bool read_ridges(const char *path, json_t *root, rlist *L, cli_err *e) {
  json_t *v = json_object_get(root, "ridges");
  if (!v) return true;
  if (!json_is_array(v))
    return cli_fail(e, "%s: \"ridges\" must be a list of objects {\"phi\", \"a\", \"b\", \"w\"}, found %s", path,
                    cli_json_type(v));
  static const char *const keys[] = {"phi", "a", "b", "w", NULL};
  for (size_t j = 0; j < json_array_size(v); j++) {
    json_t *r = json_array_get(v, j);
    char where[4200];
    snprintf(where, sizeof where, "%s: \"ridges\"[%zu]", path, j);
    if (!json_is_object(r))
      return cli_fail(e, "%s must be an object {\"phi\", \"a\", \"b\", \"w\"}, found %s", where, cli_json_type(r));
    if (!cli_check_keys(where, r, keys, e)) return false;
    json_t *phi = json_object_get(r, "phi");
    bw_ridge_family f;
    if (!phi) return cli_fail(e, "%s: missing field \"phi\" (one of %s)", where, known_phi);
    if (!json_is_string(phi)) return cli_fail(e, "%s: \"phi\" must be a string (one of %s), found %s", where, known_phi, cli_json_type(phi));
    if (!family_of(json_string_value(phi), &f))
      return cli_fail(e, "%s: \"phi\" is \"%.64s\": unknown (known: %s)", where, json_string_value(phi), known_phi);
    double *a = NULL, b, w;
    if (!cli_read_vector(where, r, "a", L->d, &a, NULL, e)) return false;
    bool ok = opt_number(where, r, "b", 0.0, &b, e) && opt_number(where, r, "w", 1.0, &w, e);
    if (ok && !(w > 0)) ok = cli_fail(e, "%s: \"w\" is %.17g: the weight must be > 0", where, w);
    ok = ok && rlist_add(L, f, a, b, w, path, e);
    free(a);
    if (!ok) return false;
  }
  return true;
}

/* ---- the glm shortcut ---- */

typedef struct {
  bw_ridge_family family;
  int n, p;         /* observations, columns of X (before the intercept) */
  double *X, *y;    /* n x p row-major, n */
  int *line;        /* CSV line of each row, or NULL */
  char src[4200];   /* where the data is, for messages: "p.json: \"glm\"" or the CSV's path */
  double prior_var;
  bool intercept, standardize;
} glm_data;

static void glm_free(glm_data *g) {
  free(g->X);
  free(g->y);
  free(g->line);
}

/* path of the CSV: absolute, or relative to the problem file's folder. */
static void resolve(const char *problem, const char *csv, char *out, size_t n) {
  const char *slash = strrchr(problem, '/');
  if (csv[0] == '/' || !slash) snprintf(out, n, "%s", csv);
  else snprintf(out, n, "%.*s/%s", (int)(slash - problem), problem, csv);
}

bool cli_ridge_data_file(const char *path, const char *buf, size_t len, char *out, size_t n) {
  json_t *root = json_loadb(buf, len, 0, NULL);
  json_t *G = json_object_get(root, "glm"), *c = json_object_get(G, "csv");
  const bool found = json_is_string(c);
  if (found) resolve(path, json_string_value(c), out, n);
  json_decref(root);
  return found;
}

static bool glm_inline(const char *where, json_t *G, glm_data *g, cli_err *e) {
  json_t *X = json_object_get(G, "X");
  if (!json_is_array(X) || !json_array_size(X))
    return cli_fail(e, "%s: \"X\" must be a non-empty list of rows (lists of numbers), found %s", where,
                    json_is_array(X) ? "an empty list" : cli_json_type(X));
  const size_t n = json_array_size(X);
  json_t *r0 = json_array_get(X, 0);
  if (!json_is_array(r0) || !json_array_size(r0) || json_array_size(r0) > 4096)
    return cli_fail(e, "%s: \"X\" row 0 must be a list of 1 to 4096 numbers, found %s", where, cli_json_type(r0));
  if (n > (1 << 24)) return cli_fail(e, "%s: \"X\" has more than %d rows", where, 1 << 24);
  g->n = (int)n, g->p = (int)json_array_size(r0);
  if (!(g->X = malloc(sizeof(double) * n * (size_t)g->p))) return cli_fail(e, "%s: out of memory", where);
  for (size_t i = 0; i < n; i++) {
    json_t *row = json_array_get(X, i);
    if (!json_is_array(row) || json_array_size(row) != (size_t)g->p)
      return json_is_array(row) ? cli_fail(e, "%s: \"X\" row %zu has %zu entries, expected %d (row 0's)", where, i,
                                           json_array_size(row), g->p)
                                : cli_fail(e, "%s: \"X\" row %zu must be a list of %d numbers, found %s", where, i,
                                           g->p, cli_json_type(row));
    for (int j = 0; j < g->p; j++) {
      char at[96];
      snprintf(at, sizeof at, "\"X\" row %zu, column %d", i, j);
      if (!cli_json_number(where, at, json_array_get(row, (size_t)j), &g->X[i * (size_t)g->p + j], e)) return false;
    }
  }
  json_t *y = json_object_get(G, "y");
  if (y && json_is_string(y)) return cli_fail(e, "%s: \"y\" names a CSV column: it goes with \"csv\", not with \"X\"", where);
  int ny = 0;
  if (!cli_read_vector(where, G, "y", g->n, &g->y, &ny, e)) return false;
  snprintf(g->src, sizeof g->src, "%s", where);
  return true;
}

static bool glm_csv(const char *path, const char *where, json_t *G, glm_data *g, cli_err *e) {
  json_t *c = json_object_get(G, "csv"), *y = json_object_get(G, "y");
  if (!json_is_string(c)) return cli_fail(e, "%s: \"csv\" must be a file name (a string), found %s", where, cli_json_type(c));
  if (y && !json_is_string(y))
    return cli_fail(e, "%s: with \"csv\", \"y\" names the response's column (a string), found %s", where, cli_json_type(y));
  const char *col = y ? json_string_value(y) : "y";
  resolve(path, json_string_value(c), g->src, sizeof g->src);
  cli_csv t;
  if (!cli_read_csv(g->src, &t, e)) return false;
  const int k = cli_csv_column(&t, col);
  bool ok = true;
  if (k < 0) {
    char cols[512] = "";
    for (int j = 0; j < t.ncols && strlen(cols) < 400; j++)
      snprintf(cols + strlen(cols), sizeof cols - strlen(cols), "%s%s", j ? ", " : "", t.names[j]);
    ok = cli_fail(e, "%s: no column \"%.64s\" for the response (columns: %s); name it with \"y\": \"COLUMN\"", g->src,
                  col, cols);
  } else if (t.ncols < 2 || t.ncols > 4097) {
    ok = cli_fail(e, "%s: %d columns: the response and 1 to 4096 features are needed", g->src, t.ncols);
  }
  if (ok) {
    g->n = t.nrows, g->p = t.ncols - 1;
    g->X = malloc(sizeof(double) * (size_t)g->n * (size_t)g->p);
    g->y = malloc(sizeof(double) * (size_t)g->n);
    g->line = malloc(sizeof(int) * (size_t)g->n);
    if (!g->X || !g->y || !g->line) ok = cli_fail(e, "%s: out of memory", g->src);
  }
  for (int i = 0; ok && i < g->n; i++) {
    const double *row = t.data + (size_t)i * t.ncols;
    for (int j = 0, q = 0; j < t.ncols; j++)
      if (j == k) g->y[i] = row[j];
      else g->X[(size_t)i * g->p + q++] = row[j];
    g->line[i] = t.line[i];
  }
  cli_csv_free(&t);
  return ok;
}

static bool read_glm(const char *path, json_t *G, glm_data *g, cli_err *e) {
  char where[4200];
  snprintf(where, sizeof where, "%s: \"glm\"", path);
  static const char *const keys[] = {"family", "X", "csv", "y", "prior_var", "intercept", "standardize", NULL};
  if (!json_is_object(G))
    return cli_fail(e, "%s must be an object {\"family\", \"X\" or \"csv\", \"y\", \"prior_var\"}, found %s", where,
                    cli_json_type(G));
  if (!cli_check_keys(where, G, keys, e)) return false;
  json_t *f = json_object_get(G, "family");
  if (!f) return cli_fail(e, "%s: missing field \"family\" (logistic or poisson)", where);
  if (!json_is_string(f) || (strcmp(json_string_value(f), "logistic") && strcmp(json_string_value(f), "poisson")))
    return json_is_string(f) ? cli_fail(e, "%s: \"family\" is \"%.64s\": unknown (known: logistic, poisson)", where, json_string_value(f))
                             : cli_fail(e, "%s: \"family\" must be \"logistic\" or \"poisson\", found %s", where, cli_json_type(f));
  g->family = strcmp(json_string_value(f), "logistic") ? BW_RIDGE_POISSON : BW_RIDGE_LOGISTIC;
  if (!cli_read_number(where, G, "prior_var", &g->prior_var, e)) return false;
  if (!(g->prior_var > 0)) return cli_fail(e, "%s: \"prior_var\" is %.17g: it must be > 0", where, g->prior_var);
  const char *const flags[2] = {"intercept", "standardize"};
  bool *dst[2] = {&g->intercept, &g->standardize};
  for (int k = 0; k < 2; k++) {
    json_t *b = json_object_get(G, flags[k]);
    if (b && !json_is_boolean(b)) return cli_fail(e, "%s: \"%s\" must be true or false, found %s", where, flags[k], cli_json_type(b));
    *dst[k] = b && json_is_true(b);
  }
  const bool hx = json_object_get(G, "X"), hc = json_object_get(G, "csv");
  if (hx == hc) return cli_fail(e, "%s: give the data either as \"X\" (with \"y\") or as \"csv\"%s", where, hx ? ", not both" : "");
  if (!(hx ? glm_inline(where, G, g, e) : glm_csv(path, where, G, g, e))) return false;
  return true;
}

/* The glm's ridges, h and prior added to L, h and A (dimension d = p + intercept), by
 * bw_ridge_glm_expand (the Python binding's RidgeProblem.glm expands the same way). */
static bool expand_glm(const glm_data *g, rlist *L, double *A, double *h, const char *path, cli_err *e) {
  const int d = L->d;
  const bw_ridge_glm spec = {.family = g->family, .n = g->n, .p = g->p, .X = g->X, .ldx = g->p, .y = g->y,
                             .prior_var = g->prior_var, .intercept = g->intercept, .standardize = g->standardize};
  double *a = malloc(sizeof(double) * (size_t)g->n * (size_t)d);
  if (!a) return cli_fail(e, "%s: out of memory", path);
  int row, col;
  const bw_status st = bw_ridge_glm_expand(&spec, a, A, d, h, &row, &col);
  bool ok = true;
  if (row >= 0) {
    const char *need = g->family == BW_RIDGE_LOGISTIC ? "logistic regression needs 0 <= y <= 1" : "poisson regression needs y >= 0";
    ok = g->line ? cli_fail(e, "%s: line %d: the response is %.17g: %s", g->src, g->line[row], g->y[row], need)
                 : cli_fail(e, "%s: \"y\"[%d] is %.17g: %s", g->src, row, g->y[row], need);
  } else if (col >= 0) {
    ok = cli_fail(e, "%s: feature column %d is constant: it cannot be standardized", g->src, col);
  } else if (st) {
    ok = cli_fail(e, "%s: the glm's data: %s", g->src, bw_strerror(st));
  }
  for (int i = 0; ok && i < g->n; i++) ok = rlist_add(L, g->family, a + (size_t)i * d, 0.0, 1.0, path, e);
  free(a);
  return ok;
}

/* ---- the problem file ---- */

/* The energy or its derivatives overflow at the initial Gaussian: the message names the
 * first ridge whose expectations E phi^(k)(mu + sqrt(s) Z), mu = a'm - b, s = a'Sa, or whose
 * weighted energy w psi_0 are not finite, else the quadratic part. Returns false. */
static bool overflow_culprit(const char *path, const bw_ridge_problem *pb, const bw_gaussian *g0, cli_err *e) {
  const int d = bw_ridge_problem_dim(pb);
  for (int j = 0; j < bw_ridge_problem_nridges(pb); j++) {
    bw_ridge r;
    if (bw_ridge_problem_ridge(pb, j, &r)) break;
    double mu = -r.b, s = 0.0, psi[5];
    for (int k = 0; k < d; k++) {
      double sa = 0.0;
      for (int i = 0; i < d; i++) sa += g0->cov[k + (size_t)i * g0->ld] * r.a[i];
      mu += r.a[k] * g0->mean[k], s += r.a[k] * sa;
    }
    bool bad = bw_ridge_expect(pb, j, mu, s, psi) != BW_OK || !isfinite(r.w * psi[0]);
    for (int k = 0; k < 5 && !bad; k++) bad = !isfinite(psi[k]);
    if (bad)
      return cli_fail(e, "%s: the energy overflows at the initial Gaussian: ridge %d (%s) has a'm - b = %s and "
                      "a'Sa = %s, where its expectations exceed the largest double", path, j,
                      bw_ridge_family_name(r.family), CLI_NUM(mu), CLI_NUM(s));
  }
  return cli_fail(e, "%s: the energy overflows at the initial Gaussian (its quadratic part m'Am/2 - h'm + tr(AS)/2)", path);
}

bool cli_ridge_from_json(const char *path, json_t *root, bw_system **sys, cli_err *e) {
  static const char *const keys[] = {"dim", "A", "h", "tau", "nodes", "ridges", "glm", "mean", "cov", NULL};
  glm_data g = {.family = BW_RIDGE_LOGISTIC};
  rlist L = {0};
  double *A = NULL, *h = NULL, *m = NULL, *S = NULL, tau = 1.0, nodes = 0;
  int d = 0;
  bw_ridge_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  json_t *G = json_object_get(root, "glm");
  bool ok = true;
  if (json_object_get(root, "K"))
    ok = cli_fail(e, "%s: \"K\": ridge problems have no interaction term (remove \"K\", or \"ridges\" and \"glm\")", path);
  ok = ok && cli_check_keys(path, root, keys, e) && (!G || read_glm(path, G, &g, e));
  if (ok) {
    json_t *jd = json_object_get(root, "dim");
    const int dg = G ? g.p + g.intercept : 0;
    if (!jd && !G) ok = cli_fail(e, "%s: missing field \"dim\"", path);
    else if (jd && (!json_is_integer(jd) || json_integer_value(jd) < 1 || json_integer_value(jd) > 4096))
      ok = cli_fail(e, "%s: \"dim\" must be an integer from 1 to 4096", path);
    else if (jd && G && json_integer_value(jd) != dg)
      ok = cli_fail(e, "%s: \"dim\" is %lld but the glm's data has %d coefficients (%d columns%s)", path,
                    (long long)json_integer_value(jd), dg, g.p, g.intercept ? " and the intercept" : "");
    else d = jd ? (int)json_integer_value(jd) : dg;
  }
  const size_t dd = (size_t)d * d;
  if (ok && json_object_get(root, "A")) ok = cli_read_matrix(path, root, "A", d, true, &A, e);
  else if (ok && !(A = calloc(dd, sizeof(double)))) ok = cli_fail(e, "%s: out of memory", path);
  if (ok && json_object_get(root, "h")) ok = cli_read_vector(path, root, "h", d, &h, NULL, e);
  else if (ok && !(h = calloc((size_t)d, sizeof(double)))) ok = cli_fail(e, "%s: out of memory", path);
  if (ok && json_object_get(root, "tau")) {
    ok = cli_read_number(path, root, "tau", &tau, e);
    if (ok && tau < 0) ok = cli_fail(e, "%s: \"tau\" is %.17g: it must be >= 0", path, tau);
  }
  if (ok && json_object_get(root, "nodes")) {
    json_t *q = json_object_get(root, "nodes");
    if (!json_is_integer(q) || json_integer_value(q) < 1 || json_integer_value(q) > BW_RIDGE_NODES_MAX)
      ok = cli_fail(e, "%s: \"nodes\" (Gauss-Hermite nodes) must be an integer from 1 to %d", path, BW_RIDGE_NODES_MAX);
    else nodes = (double)json_integer_value(q);
  }
  L.d = d;
  ok = ok && read_ridges(path, root, &L, e) && (!G || expand_glm(&g, &L, A, h, path, e));
  for (int k = 0; ok && k < 2; k++) { /* the initial state: required, or the glm's prior */
    const char *key = k ? "cov" : "mean";
    if (json_object_get(root, key)) {
      ok = k ? cli_read_matrix(path, root, key, d, true, &S, e) : cli_read_vector(path, root, key, d, &m, NULL, e);
    } else if (!G) {
      ok = cli_fail(e, "%s: missing field \"%s\" (the initial Gaussian)", path, key);
    } else if (!(k ? (S = calloc(dd, sizeof(double))) : (m = calloc((size_t)d, sizeof(double))))) {
      ok = cli_fail(e, "%s: out of memory", path);
    } else if (k) {
      for (int i = 0; i < d; i++) S[i + (size_t)i * d] = g.prior_var;
    }
  }
  for (int j = 0; ok && j < L.n; j++) L.r[j].a = L.a + (size_t)j * d;
  if (ok) {
    bw_status st = bw_ridge_problem_create(d, A, d, h, tau, L.n, L.r, (int)nodes, &pb);
    if (st) ok = cli_fail(e, "%s: the energy (A, h, tau, ridges): %s", path, bw_strerror(st));
  }
  if (ok) {
    bw_status st = (g0 = bw_gaussian_alloc(d)) ? bw_gaussian_set(g0, m, S, d, BW_SYM_RTOL, NULL) : BW_ERR_NOMEM;
    if (st == BW_ERR_NOT_SPD) ok = cli_fail(e, "%s: \"cov\" is not positive definite", path);
    else if (st) ok = cli_fail(e, "%s: \"cov\": %s", path, bw_strerror(st));
  }
  if (ok) {
    bw_status st = bw_system_ridge_create(pb, g0, sys);
    if (st == BW_ERR_OVERFLOW) ok = overflow_culprit(path, pb, g0, e);
    else if (st) ok = cli_fail(e, "%s: %s", path, bw_strerror(st));
  }
  glm_free(&g);
  free(L.r), free(L.a), free(A), free(h), free(m), free(S);
  bw_ridge_problem_free(pb);
  bw_gaussian_free(g0);
  json_decref(root);
  return ok;
}

bool cli_read_ridge_buffer(const char *name, const char *buf, size_t len, bw_system **sys, cli_err *e) {
  json_t *root = cli_parse_json(name, buf, len, e);
  return root && cli_ridge_from_json(name, root, sys, e);
}

bool cli_ridge_preset(const cli_problem_args *a, bw_system **sys, cli_err *e) {
  if (a->dim >= 0 || a->seed_given || a->particles >= 0)
    return cli_fail(e, "--dim, --seed and --particles do not go with the ridge preset '%s'", a->preset);
  bw_ridge_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  bw_status st = bw_ridge_preset(a->preset, &pb, &g0);
  if (!st) st = bw_system_ridge_create(pb, g0, sys);
  bw_ridge_problem_free(pb);
  bw_gaussian_free(g0);
  if (st) return cli_fail(e, "--preset %s: %s", a->preset, bw_strerror(st));
  return true;
}

void cli_write_ridge_problem(FILE *f, const bw_system *sys) {
  const bw_gaussian *g0 = NULL;
  const bw_ridge_problem *pb = bw_system_ridge(sys, &g0);
  const int d = bw_ridge_problem_dim(pb);
  fprintf(f, ", \"dim\": %d, \"A\": ", d);
  cli_print_matrix(f, d, bw_ridge_problem_A(pb), d);
  fputs(", \"h\": ", f);
  cli_print_vector(f, d, bw_ridge_problem_h(pb));
  fputs(", \"tau\": ", f);
  cli_print_double(f, bw_ridge_problem_tau(pb));
  fprintf(f, ", \"nodes\": %d, \"ridges\": [", bw_ridge_problem_nodes(pb));
  for (int j = 0; j < bw_ridge_problem_nridges(pb); j++) {
    bw_ridge r;
    bw_ridge_problem_ridge(pb, j, &r);
    fprintf(f, "%s{\"phi\": \"%s\", \"a\": ", j ? ", " : "", bw_ridge_family_name(r.family));
    cli_print_vector(f, d, r.a);
    fputs(", \"b\": ", f);
    cli_print_double(f, r.b);
    fputs(", \"w\": ", f);
    cli_print_double(f, r.w);
    fputc('}', f);
  }
  fputs("], ", f);
  cli_print_gaussian_json(f, g0);
}
