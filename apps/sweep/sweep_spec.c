/* bwflow sweep: SPEC.json, validated and expanded into problems (docs/sweep.md).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sweep.h"

static const char *const top_keys[] = {"name", "description", "problems", "etas", "t",
                                       "errors", "rtol", "atol", "linsol", NULL};
static const char *const entry_keys[] = {"preset", "file", "dim", "seed", "seeds",
                                         "particles", "etas", "t", NULL};
enum { MAX_LIST = 100000 }; /* longest list of dims, seeds, particles or files */

/* "SPEC: FIELD: message" (one line). */
static bool fail_at(cli_err *e, const char *path, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool fail_at(cli_err *e, const char *path, const char *field, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return cli_fail(e, "%s: %s: %s", path, field, msg);
}

/* Unknown keys of obj, an object at field where ("" at the top). */
static bool check_keys(const char *path, const char *where, json_t *obj,
                       const char *const *allowed, cli_err *e) {
  char at[4096 + 160];
  snprintf(at, sizeof at, "%s%s%s", path, *where ? ": " : "", where);
  return cli_check_keys(at, obj, allowed, e);
}

/* An integer in [lo, hi]. */
static bool int_at(const char *path, const char *field, const json_t *v, long long lo,
                   long long hi, long long *out, cli_err *e) {
  if (!json_is_integer(v)) {
    if (json_is_real(v))
      return fail_at(e, path, field, "%s is not an integer", CLI_NUM(json_real_value(v)));
    return fail_at(e, path, field, "must be an integer, found %s", cli_json_type(v));
  }
  long long x = json_integer_value(v);
  if (x < lo || x > hi) return fail_at(e, path, field, "%lld is outside [%lld, %lld]", x, lo, hi);
  *out = x;
  return true;
}

/* A positive finite number. */
static bool positive_at(const char *path, const char *field, const json_t *v, double *out,
                        cli_err *e) {
  if (!json_is_number(v)) return fail_at(e, path, field, "must be a number, found %s", cli_json_type(v));
  double x = json_number_value(v);
  if (!isfinite(x) || !(x > 0)) return fail_at(e, path, field, "%s is not a positive number", CLI_NUM(x));
  *out = x;
  return true;
}

/* An integer or a non-empty list of integers, in [lo, hi] (*n = 0 when absent). The caller
 * frees *out. */
static bool int_list(const char *path, const char *where, json_t *obj, const char *key,
                     long long lo, long long hi, long long **out, int *n, cli_err *e) {
  json_t *v = json_object_get(obj, key);
  *out = NULL;
  *n = 0;
  if (!v) return true;
  char field[160];
  snprintf(field, sizeof field, "%s.%s", where, key);
  size_t len = json_is_array(v) ? json_array_size(v) : 1;
  if (json_is_array(v) && len == 0) return fail_at(e, path, field, "is an empty list");
  if (len > MAX_LIST) return fail_at(e, path, field, "has %zu entries: at most %d", len, MAX_LIST);
  long long *x = malloc(len * sizeof *x);
  if (!x) return cli_fail(e, "%s: out of memory", path);
  for (size_t i = 0; i < len; i++) {
    char f2[192];
    if (json_is_array(v)) snprintf(f2, sizeof f2, "%s[%zu]", field, i);
    else snprintf(f2, sizeof f2, "%s", field);
    if (!int_at(path, f2, json_is_array(v) ? json_array_get(v, i) : v, lo, hi, &x[i], e)) {
      free(x);
      return false;
    }
  }
  *out = x;
  *n = (int)len;
  return true;
}

/* "seed": s, or "seeds": [s...] or {"from": a, "count": n}. */
static bool seed_list(const char *path, const char *where, json_t *obj, long long **out, int *n,
                      cli_err *e) {
  json_t *one = json_object_get(obj, "seed"), *many = json_object_get(obj, "seeds");
  char field[160];
  *out = NULL;
  *n = 0;
  if (one && many) {
    snprintf(field, sizeof field, "%s.seed", where);
    return fail_at(e, path, field, "give \"seed\" or \"seeds\", not both");
  }
  if (one) return int_list(path, where, obj, "seed", 0, LLONG_MAX, out, n, e);
  if (!many || json_is_array(many)) return int_list(path, where, obj, "seeds", 0, LLONG_MAX, out, n, e);
  snprintf(field, sizeof field, "%s.seeds", where);
  if (!json_is_object(many))
    return fail_at(e, path, field, "must be a list of seeds or {\"from\": s, \"count\": n}, found %s",
                   cli_json_type(many));
  static const char *const keys[] = {"from", "count", NULL};
  if (!check_keys(path, field, many, keys, e)) return false;
  long long from = 1, count = 0;
  char f2[192];
  json_t *v = json_object_get(many, "from");
  snprintf(f2, sizeof f2, "%s.from", field);
  if (v && !int_at(path, f2, v, 0, LLONG_MAX, &from, e)) return false;
  v = json_object_get(many, "count");
  snprintf(f2, sizeof f2, "%s.count", field);
  if (!v) return fail_at(e, path, field, "missing field \"count\"");
  if (!int_at(path, f2, v, 1, MAX_LIST, &count, e)) return false;
  if (from > LLONG_MAX - (count - 1)) return fail_at(e, path, field, "the seeds overflow");
  long long *x = malloc((size_t)count * sizeof *x);
  if (!x) return cli_fail(e, "%s: out of memory", path);
  for (long long i = 0; i < count; i++) x[i] = from + i;
  *out = x;
  *n = (int)count;
  return true;
}

/* "etas" and "t" of an entry, falling back to the top level's (where = "" at the top). */
static bool read_ladder(const char *path, const char *where, json_t *obj, const sweep_ladder *dflt,
                        sweep_ladder *l, cli_err *e) {
  json_t *je = json_object_get(obj, "etas"), *jt = json_object_get(obj, "t");
  char fe[160], ft[160];
  snprintf(fe, sizeof fe, "%s%setas", where, *where ? "." : "");
  snprintf(ft, sizeof ft, "%s%st", where, *where ? "." : "");
  *l = *dflt;
  if (je) {
    if (json_is_string(je) && !strcmp(json_string_value(je), "auto")) {
      l->autom = true;
      l->n = 0;
    } else if (json_is_array(je)) {
      size_t n = json_array_size(je);
      if (n < 2) return fail_at(e, path, fe, "give at least two step sizes for a slope");
      if (n > SWEEP_MAX_ETAS) return fail_at(e, path, fe, "%zu step sizes: at most %d", n, SWEEP_MAX_ETAS);
      for (size_t i = 0; i < n; i++) {
        char f2[192];
        snprintf(f2, sizeof f2, "%s[%zu]", fe, i);
        if (!positive_at(path, f2, json_array_get(je, i), &l->etas[i], e)) return false;
        for (size_t k = 0; k < i; k++)
          if (l->etas[k] == l->etas[i]) return fail_at(e, path, f2, "%s is listed twice", CLI_NUM(l->etas[i]));
      }
      l->autom = false;
      l->n = (int)n;
    } else {
      return fail_at(e, path, fe, "must be \"auto\" or a list of step sizes, found %s", cli_json_type(je));
    }
  }
  if (jt) {
    if (json_is_string(jt) && !strcmp(json_string_value(jt), "auto")) l->t = 0;
    else if (json_is_number(jt)) {
      if (!positive_at(path, ft, jt, &l->t, e)) return false;
    } else {
      return fail_at(e, path, ft, "must be \"auto\" or a positive number, found %s", cli_json_type(jt));
    }
  }
  if (!l->autom && !(l->t > 0))
    return fail_at(e, path, je ? fe : ft, "a list of step sizes needs a horizon \"t\" (a number that each divides)");
  for (int i = 0; !l->autom && i < l->n; i++) {
    long steps;
    cli_err ignored;
    if (!cli_step_count(l->etas[i], l->t, &steps, &ignored)) {
      char f2[192];
      snprintf(f2, sizeof f2, "%s[%d]", je ? fe : "etas", i);
      return fail_at(e, path, f2, "%s does not divide t = %s into at most 1e9 steps", CLI_NUM(l->etas[i]), CLI_NUM(l->t));
    }
  }
  return true;
}

static bool read_errors(const char *path, json_t *root, unsigned *mask, bool *listed, cli_err *e) {
  json_t *v = json_object_get(root, "errors");
  *mask = BW_ORDER_MASK_ALL; /* as bwflow order */
  if (!v) return true;
  if (json_is_string(v) && !strcmp(json_string_value(v), "first")) {
    *mask = BW_ORDER_MASK_FIRST;
    return true;
  }
  if (json_is_string(v) && !strcmp(json_string_value(v), "all")) {
    *mask = BW_ORDER_MASK_ALL;
    return true;
  }
  if (!json_is_array(v) || json_array_size(v) == 0)
    return fail_at(e, path, "errors", "must be \"first\", \"all\" or a non-empty list of error names");
  *mask = 0;
  *listed = true;
  for (size_t i = 0; i < json_array_size(v); i++) {
    json_t *x = json_array_get(v, i);
    char field[64];
    snprintf(field, sizeof field, "errors[%zu]", i);
    int k = -1;
    for (int m = 0; json_is_string(x) && m < BW_ORDER_NERR; m++)
      if (!strcmp(json_string_value(x), bw_order_err_name((bw_order_err)m))) k = m;
    if (k < 0) {
      char known[128] = "";
      for (int m = 0; m < BW_ORDER_NERR; m++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", m ? ", " : "",
                 bw_order_err_name((bw_order_err)m));
      return fail_at(e, path, field, "unknown error (known: %s)", known);
    }
    *mask |= 1u << k;
  }
  return true;
}

static bool read_flow_opts(const char *path, json_t *root, bw_jkoflow_opts *fo, cli_err *e) {
  bw_jkoflow_opts_default(fo);
  json_t *v;
  if ((v = json_object_get(root, "rtol")) && !positive_at(path, "rtol", v, &fo->rtol, e)) return false;
  if ((v = json_object_get(root, "atol")) && !positive_at(path, "atol", v, &fo->atol, e)) return false;
  if ((v = json_object_get(root, "linsol"))) {
    const bw_linsol all[] = {BW_LINSOL_AUTO, BW_LINSOL_DENSE, BW_LINSOL_KRYLOV};
    for (size_t i = 0; json_is_string(v) && i < sizeof all / sizeof all[0]; i++)
      if (!strcmp(json_string_value(v), cli_linsol_name(all[i]))) {
        fo->linsol = all[i];
        return true;
      }
    return fail_at(e, path, "linsol", "must be \"auto\", \"dense\" or \"krylov\"");
  }
  return true;
}

/* The spec's name: "name", or the file's base name, usable in file names. */
static bool read_name(const char *path, json_t *root, char *name, size_t n, cli_err *e) {
  json_t *v = json_object_get(root, "name");
  if (v) {
    if (!json_is_string(v)) return fail_at(e, path, "name", "must be a string, found %s", cli_json_type(v));
    const char *s = json_string_value(v);
    size_t len = strlen(s);
    if (len == 0 || len >= n) return fail_at(e, path, "name", "must have 1 to %zu characters", n - 1);
    for (const char *c = s; *c; c++)
      if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            *c == '-' || *c == '_' || *c == '.'))
        return fail_at(e, path, "name", "'%s' may hold only letters, digits, '-', '_' and '.' (it names files)", s);
    if (s[0] == '.') return fail_at(e, path, "name", "'%s' must not start with '.'", s);
    snprintf(name, n, "%s", s);
    return true;
  }
  const char *base = strrchr(path, '/');
  snprintf(name, n, "%s", base ? base + 1 : path);
  char *dot = strrchr(name, '.');
  if (dot && dot != name) *dot = '\0';
  for (char *c = name; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
          *c == '-' || *c == '_' || *c == '.'))
      *c = '_';
  if (name[0] == '.' || !name[0]) name[0] = '_';
  return true;
}

/* 64-bit FNV-1a. */
static uint64_t fnv(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

/* Hash a problem file's bytes into h (a file changed between a crash and --resume must not
 * mix old and new results), and those of the data file it names (a ridge problem's CSV). Read as every input file is (size limit, no NUL byte), and a
 * regular file only: the sweep reads it again to check it and on every worker. */
static bool hash_file(const char *path, const char *field, const char *file, uint64_t *h,
                      cli_err *e) {
  size_t len = 0;
  cli_err re;
  char *buf = cli_read_input(file, true, &len, &re);
  if (!buf) return fail_at(e, path, field, "%s", re.msg);
  *h = fnv(*h, buf, len);
  char data[4096];
  const bool more = cli_ridge_data_file(file, buf, len, data, sizeof data);
  free(buf);
  *h = fnv(*h, "", 1);
  if (!more) return true;
  if (!(buf = cli_read_input_as(data, true, "CSV", &len, &re))) return fail_at(e, path, field, "%s", re.msg);
  *h = fnv(*h, buf, len);
  free(buf);
  *h = fnv(*h, "", 1);
  return true;
}

/* A file named in the spec, relative to the spec's folder unless absolute. */
static char *resolve(const char *spec_path, const char *file) {
  const char *slash = strrchr(spec_path, '/');
  size_t dl = (file[0] == '/' || !slash) ? 0 : (size_t)(slash - spec_path) + 1;
  char *r = malloc(dl + strlen(file) + 1);
  if (r) {
    memcpy(r, spec_path, dl);
    strcpy(r + dl, file);
  }
  return r;
}

typedef struct {
  long long *dims, *seeds, *parts;
  int ndims, nseeds, nparts, nfiles;
} entry_lists;

static bool read_entry(sweep_spec *s, int i, json_t *ent, const sweep_ladder *top, entry_lists *L,
                       uint64_t *h, bool read_files, cli_err *e) {
  char where[64];
  snprintf(where, sizeof where, "problems[%d]", i);
  if (!json_is_object(ent))
    return fail_at(e, s->path, where, "must be an object {\"preset\": ...} or {\"file\": ...}, found %s",
                   cli_json_type(ent));
  if (!check_keys(s->path, where, ent, entry_keys, e)) return false;
  json_t *preset = json_object_get(ent, "preset"), *file = json_object_get(ent, "file");
  if (!!preset == !!file) return fail_at(e, s->path, where, "give either \"preset\" or \"file\"");
  if (preset && !json_is_string(preset)) {
    char f[96];
    snprintf(f, sizeof f, "%s.preset", where);
    return fail_at(e, s->path, f, "must be a string, found %s", cli_json_type(preset));
  }
  if (file) {
    static const char *const not_with_file[] = {"dim", "seed", "seeds", "particles", NULL};
    for (const char *const *k = not_with_file; *k; k++)
      if (json_object_get(ent, *k)) {
        char f[96];
        snprintf(f, sizeof f, "%s.%s", where, *k);
        return fail_at(e, s->path, f, "goes with a preset, not with a problem file");
      }
    size_t n = json_is_array(file) ? json_array_size(file) : 1;
    char f[96];
    snprintf(f, sizeof f, "%s.file", where);
    if (json_is_array(file) && n == 0) return fail_at(e, s->path, f, "is an empty list");
    if (n > MAX_LIST) return fail_at(e, s->path, f, "has %zu entries: at most %d", n, MAX_LIST);
    s->paths[i] = calloc(n + 1, sizeof(char *)); /* NULL-terminated */
    if (!s->paths[i]) return cli_fail(e, "%s: out of memory", s->path);
    for (size_t k = 0; k < n; k++) {
      json_t *x = json_is_array(file) ? json_array_get(file, k) : file;
      char f2[128];
      if (json_is_array(file)) snprintf(f2, sizeof f2, "%s[%zu]", f, k);
      else snprintf(f2, sizeof f2, "%s", f);
      if (!json_is_string(x) || !json_string_value(x)[0])
        return fail_at(e, s->path, f2, "must be a file name, found %s", cli_json_type(x));
      if (!(s->paths[i][k] = resolve(s->path, json_string_value(x))))
        return cli_fail(e, "%s: out of memory", s->path);
      if (read_files && !hash_file(s->path, f2, s->paths[i][k], h, e)) return false;
    }
    L->nfiles = (int)n;
  }
  if (!int_list(s->path, where, ent, "dim", 1, CLI_PRESET_DIM_MAX, &L->dims, &L->ndims, e) ||
      !int_list(s->path, where, ent, "particles", 2, 10000000, &L->parts, &L->nparts, e) ||
      !seed_list(s->path, where, ent, &L->seeds, &L->nseeds, e))
    return false;
  return read_ladder(s->path, where, ent, top, &s->ladder[i], e);
}

/* Append the entry's problems: files, or dims x particles x seeds (seeds innermost). */
static void expand(sweep_spec *s, int i, json_t *ent, const entry_lists *L) {
  if (L->nfiles) {
    json_t *file = json_object_get(ent, "file");
    for (int k = 0; k < L->nfiles; k++) {
      sweep_problem *p = &s->prob[s->nprob++];
      p->args = (cli_problem_args)CLI_PROBLEM_ARGS_INIT;
      p->args.path = s->paths[i][k];
      p->file = json_string_value(json_is_array(file) ? json_array_get(file, (size_t)k) : file);
      p->entry = i;
    }
    return;
  }
  const char *preset = json_string_value(json_object_get(ent, "preset"));
  for (int a = 0; a < (L->ndims ? L->ndims : 1); a++)
    for (int b = 0; b < (L->nparts ? L->nparts : 1); b++)
      for (int c = 0; c < (L->nseeds ? L->nseeds : 1); c++) {
        sweep_problem *p = &s->prob[s->nprob++];
        p->args = (cli_problem_args)CLI_PROBLEM_ARGS_INIT;
        p->args.preset = preset;
        if (L->ndims) p->args.dim = (long)L->dims[a];
        if (L->nparts) p->args.particles = (long)L->parts[b];
        if (L->nseeds) {
          p->args.seed = (unsigned long long)L->seeds[c];
          p->args.seed_given = true;
        }
        p->file = NULL;
        p->entry = i;
      }
}

static bool parse(sweep_spec *s, bool read_files, cli_err *e) {
  json_t *root = s->root;
  if (!check_keys(s->path, "", root, top_keys, e) || !read_name(s->path, root, s->name, sizeof s->name, e))
    return false;
  json_t *d = json_object_get(root, "description");
  if (d && !json_is_string(d)) return fail_at(e, s->path, "description", "must be a string, found %s", cli_json_type(d));
  if (!read_errors(s->path, root, &s->mask, &s->errors_listed, e) || !read_flow_opts(s->path, root, &s->fo, e)) return false;
  sweep_ladder top = {.autom = true};
  if (!read_ladder(s->path, "", root, &(sweep_ladder){.autom = true}, &top, e)) return false;
  json_t *probs = json_object_get(root, "problems");
  if (!probs) return cli_fail(e, "%s: missing field \"problems\"", s->path);
  if (!json_is_array(probs) || json_array_size(probs) == 0)
    return fail_at(e, s->path, "problems", "must be a non-empty list of problems");
  if (json_array_size(probs) > MAX_LIST)
    return fail_at(e, s->path, "problems", "has %zu entries: at most %d", json_array_size(probs), MAX_LIST);
  s->nentries = (int)json_array_size(probs);
  s->ladder = calloc((size_t)s->nentries, sizeof *s->ladder);
  s->paths = calloc((size_t)s->nentries, sizeof *s->paths);
  entry_lists *L = calloc((size_t)s->nentries, sizeof *L);
  bool ok = s->ladder && s->paths && L;
  if (!ok) cli_fail(e, "%s: out of memory", s->path);
  /* The hash: the canonical spec, the problem files' bytes, the version (a journal is
   * resumed only by the same spec, files and program). */
  s->canonical = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
  if (ok && !s->canonical) ok = cli_fail(e, "%s: out of memory", s->path);
  uint64_t h = 0xcbf29ce484222325ULL;
  if (ok) h = fnv(h, s->canonical, strlen(s->canonical) + 1);
  double total = 0;
  for (int i = 0; ok && i < s->nentries; i++) {
    ok = read_entry(s, i, json_array_get(probs, (size_t)i), &top, &L[i], &h, read_files, e);
    if (ok) {
      double n = L[i].nfiles ? L[i].nfiles
                             : (double)(L[i].ndims ? L[i].ndims : 1) * (L[i].nparts ? L[i].nparts : 1) *
                                   (L[i].nseeds ? L[i].nseeds : 1);
      total += n;
      if (total > SWEEP_MAX_PROBLEMS) {
        char f[64];
        snprintf(f, sizeof f, "problems[%d]", i);
        ok = fail_at(e, s->path, f, "the sweep reaches more than %d problems", SWEEP_MAX_PROBLEMS);
      }
    }
  }
  if (ok) {
    s->prob = calloc((size_t)total, sizeof *s->prob);
    if (!s->prob) ok = cli_fail(e, "%s: out of memory for %.0f problems", s->path, total);
  }
  for (int i = 0; ok && i < s->nentries; i++) expand(s, i, json_array_get(probs, (size_t)i), &L[i]);
  const char *v = bw_version();
  s->hash = fnv(h, v, strlen(v));
  for (int i = 0; L && i < s->nentries; i++) free(L[i].dims), free(L[i].seeds), free(L[i].parts);
  free(L);
  return ok;
}

/* Takes s->root. */
static bool parse_root(sweep_spec *s, bool read_files, cli_err *e) {
  if (!s->root) return false;
  if (!parse(s, read_files, e)) {
    sweep_spec_free(s);
    return false;
  }
  return true;
}

bool sweep_spec_load(const char *path, sweep_spec *s, cli_err *e) {
  memset(s, 0, sizeof *s);
  s->path = path;
  s->root = cli_load_json(path, e);
  return parse_root(s, true, e);
}

bool sweep_spec_parse_buffer(const char *name, const char *buf, size_t len, bool read_files, sweep_spec *s,
                             cli_err *e) {
  memset(s, 0, sizeof *s);
  s->path = name;
  s->root = cli_parse_json(name, buf, len, e);
  return parse_root(s, read_files, e);
}

void sweep_spec_free(sweep_spec *s) {
  if (s->paths)
    for (int i = 0; i < s->nentries; i++) {
      for (char **p = s->paths[i]; p && *p; p++) free(*p);
      free(s->paths[i]);
    }
  free(s->paths);
  free(s->ladder);
  free(s->prob);
  free(s->canonical);
  json_decref(s->root);
  memset(s, 0, sizeof *s);
}

void sweep_problem_label(const sweep_spec *s, int p, char *buf, size_t n) {
  const sweep_problem *q = &s->prob[p];
  int k = snprintf(buf, n, "problems[%d] (", q->entry);
  if (k < 0 || (size_t)k >= n) return;
  if (q->file) {
    snprintf(buf + k, n - (size_t)k, "file %s)", q->file);
    return;
  }
  k += snprintf(buf + k, n - (size_t)k, "preset %s", q->args.preset);
  if ((size_t)k < n && q->args.dim >= 0) k += snprintf(buf + k, n - (size_t)k, ", dim %ld", q->args.dim);
  if ((size_t)k < n && q->args.particles >= 0)
    k += snprintf(buf + k, n - (size_t)k, ", particles %ld", q->args.particles);
  if ((size_t)k < n && q->args.seed_given) k += snprintf(buf + k, n - (size_t)k, ", seed %llu", q->args.seed);
  if ((size_t)k < n) snprintf(buf + k, n - (size_t)k, ")");
}
