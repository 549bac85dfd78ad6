/* bwflow command-line tool: reading JSON input files. SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

char *cli_read_input(const char *path, bool regular_only, size_t *len, cli_err *e) {
  return cli_read_input_as(path, regular_only, "JSON", len, e);
}

/* The file is opened without blocking (a FIFO nobody writes to then reads as empty instead
 * of waiting forever), then read blocking (a pipe's writer is waited for). */
char *cli_read_input_as(const char *path, bool regular_only, const char *format, size_t *len, cli_err *e) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    cli_fail(e, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  struct stat sb;
  const int fl = fcntl(fd, F_GETFL);
  if (fstat(fd, &sb) != 0 || fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
    cli_fail(e, "%s: cannot open: %s", path, strerror(errno));
    close(fd);
    return NULL;
  }
  if (S_ISDIR(sb.st_mode) || (regular_only && !S_ISREG(sb.st_mode))) {
    if (S_ISDIR(sb.st_mode)) cli_fail(e, "%s: is a directory, not a %s file", path, format);
    else cli_fail(e, "%s: not a regular file (%s): a file read more than once must be a regular file", path,
                  S_ISFIFO(sb.st_mode) ? "a FIFO" : S_ISCHR(sb.st_mode) ? "a character device"
                  : S_ISBLK(sb.st_mode) ? "a block device" : S_ISSOCK(sb.st_mode) ? "a socket" : "a special file");
    close(fd);
    return NULL;
  }
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  if (!buf) {
    close(fd);
    cli_fail(e, "%s: out of memory", path);
    return NULL;
  }
  for (;;) {
    if (n == cap) {
      char *nb = realloc(buf, 2 * cap);
      if (!nb) {
        cli_fail(e, "%s: out of memory", path);
        break;
      }
      buf = nb, cap *= 2;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      cli_fail(e, "%s: read error: %s", path, strerror(errno));
      break;
    }
    if (r == 0) { /* end of file */
      close(fd);
      if (n == 0) {
        cli_fail(e, "%s: empty file%s", path, S_ISFIFO(sb.st_mode) ? " (a FIFO nobody writes to)" : "");
        free(buf);
        return NULL;
      }
      *len = n;
      return buf;
    }
    const char *nul = memchr(buf + n, '\0', (size_t)r);
    if (nul) {
      cli_fail(e, "%s: byte %zu is a NUL byte: a binary file, not %s text", path, (size_t)(nul - buf) + 1, format);
      break;
    }
    n += (size_t)r;
    if (n > CLI_MAX_INPUT_BYTES) {
      cli_fail(e, "%s: larger than %u MiB: not an input file bwflow reads", path,
               (unsigned)(CLI_MAX_INPUT_BYTES >> 20));
      break;
    }
  }
  close(fd);
  free(buf);
  return NULL;
}

json_t *cli_load_json(const char *path, cli_err *e) {
  size_t len = 0;
  char *buf = cli_read_input(path, false, &len, e);
  if (!buf) return NULL;
  json_t *root = cli_parse_json(path, buf, len, e);
  free(buf);
  return root;
}

json_t *cli_parse_json(const char *path, const char *buf, size_t len, cli_err *e) {
  if (len == 0) {
    cli_fail(e, "%s: empty file", path);
    return NULL;
  }
  json_error_t je;
  json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
  if (!root) {
    if (je.line > 0)
      cli_fail(e, "%s: line %d, column %d: malformed JSON: %s", path, je.line, je.column, je.text);
    else
      cli_fail(e, "%s: %s", path, je.text);
    return NULL;
  }
  if (!json_is_object(root)) {
    json_decref(root);
    cli_fail(e, "%s: the top level must be a JSON object {...}", path);
    return NULL;
  }
  return root;
}

bool cli_check_keys(const char *path, json_t *obj, const char *const *allowed, cli_err *e) {
  const char *key;
  json_t *val;
  json_object_foreach(obj, key, val) {
    bool ok = false;
    for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(key, *a) == 0;
    if (!ok) {
      char known[512] = "";
      for (const char *const *a = allowed; *a; a++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", a == allowed ? "" : ", ", *a);
      return cli_fail(e, "%s: unknown field \"%s\" (known: %s)", path, key, known);
    }
  }
  return true;
}

const char *cli_json_type(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "a list";
  case JSON_STRING: return "a string";
  case JSON_INTEGER:
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  default: return "null";
  }
}

bool cli_json_number(const char *path, const char *where, const json_t *v, double *out, cli_err *e) {
  if (!json_is_number(v)) return cli_fail(e, "%s: %s must be a number, found %s", path, where, cli_json_type(v));
  double x = json_number_value(v);
  if (!isfinite(x)) return cli_fail(e, "%s: %s is not finite", path, where);
  *out = x;
  return true;
}

bool cli_read_number(const char *path, json_t *obj, const char *key, double *out, cli_err *e) {
  json_t *v = json_object_get(obj, key);
  if (!v) return cli_fail(e, "%s: missing field \"%s\"", path, key);
  char where[128];
  snprintf(where, sizeof where, "\"%s\"", key);
  return cli_json_number(path, where, v, out, e);
}

bool cli_read_vector(const char *path, json_t *obj, const char *key, int n, double **out,
                     int *n_out, cli_err *e) {
  json_t *v = json_object_get(obj, key);
  if (!v) return cli_fail(e, "%s: missing field \"%s\"", path, key);
  if (!json_is_array(v)) return cli_fail(e, "%s: \"%s\" must be a list of numbers, found %s", path, key, cli_json_type(v));
  size_t len = json_array_size(v);
  if (len == 0) return cli_fail(e, "%s: \"%s\" is empty", path, key);
  if (len > 46340) return cli_fail(e, "%s: \"%s\" has %zu entries: too many", path, key, len);
  if (n >= 0 && len != (size_t)n)
    return cli_fail(e, "%s: \"%s\" has %zu entries, expected %d", path, key, len, n);
  double *x = malloc(len * sizeof *x);
  if (!x) return cli_fail(e, "%s: out of memory", path);
  for (size_t i = 0; i < len; i++) {
    char where[160];
    snprintf(where, sizeof where, "\"%s\"[%zu]", key, i);
    if (!cli_json_number(path, where, json_array_get(v, i), &x[i], e)) {
      free(x);
      return false;
    }
  }
  *out = x;
  if (n_out) *n_out = (int)len;
  return true;
}

bool cli_read_matrix(const char *path, json_t *obj, const char *key, int d, bool symmetric,
                     double **out, cli_err *e) {
  json_t *v = json_object_get(obj, key);
  if (!v) return cli_fail(e, "%s: missing field \"%s\"", path, key);
  if (!json_is_array(v))
    return cli_fail(e, "%s: \"%s\" must be a list of %d rows, found %s", path, key, d, cli_json_type(v));
  if (json_array_size(v) != (size_t)d)
    return cli_fail(e, "%s: \"%s\" has %zu rows, expected %d", path, key, json_array_size(v), d);
  double *A = malloc((size_t)d * d * sizeof *A);
  if (!A) return cli_fail(e, "%s: out of memory", path);
  for (int i = 0; i < d; i++) {
    json_t *row = json_array_get(v, (size_t)i);
    if (!json_is_array(row) || json_array_size(row) != (size_t)d) {
      if (!json_is_array(row))
        cli_fail(e, "%s: \"%s\" row %d must be a list of %d numbers, found %s", path, key, i, d, cli_json_type(row));
      else
        cli_fail(e, "%s: \"%s\" row %d has %zu entries, expected %d", path, key, i, json_array_size(row), d);
      free(A);
      return false;
    }
    for (int j = 0; j < d; j++) {
      char where[160];
      snprintf(where, sizeof where, "\"%s\" row %d, column %d", key, i, j);
      if (!cli_json_number(path, where, json_array_get(row, (size_t)j), &A[i + (size_t)j * d], e)) {
        free(A);
        return false;
      }
    }
  }
  if (symmetric) {
    double amax = 0.0;
    for (size_t k = 0; k < (size_t)d * d; k++) amax = fmax(amax, fabs(A[k]));
    for (int j = 0; j < d; j++)
      for (int i = j + 1; i < d; i++)
        if (fabs(A[i + (size_t)j * d] - A[j + (size_t)i * d]) > BW_SYM_RTOL * amax) {
          cli_fail(e, "%s: \"%s\" is not symmetric: row %d, column %d is %s but row %d, column %d is %s",
                   path, key, i, j, CLI_NUM(A[i + (size_t)j * d]), j, i, CLI_NUM(A[j + (size_t)i * d]));
          free(A);
          return false;
        }
  }
  *out = A;
  return true;
}

static bw_gaussian *gaussian_from_json(const char *path, json_t *root, cli_err *e);

bw_gaussian *cli_read_gaussian(const char *path, cli_err *e) {
  json_t *root = cli_load_json(path, e);
  return root ? gaussian_from_json(path, root, e) : NULL;
}

bw_gaussian *cli_read_gaussian_buffer(const char *name, const char *buf, size_t len, cli_err *e) {
  json_t *root = cli_parse_json(name, buf, len, e);
  return root ? gaussian_from_json(name, root, e) : NULL;
}

/* Takes the reference to root. */
static bw_gaussian *gaussian_from_json(const char *path, json_t *root, cli_err *e) {
  static const char *const keys[] = {"mean", "cov", NULL};
  double *m = NULL, *S = NULL;
  bw_gaussian *g = NULL;
  int d = 0;
  if (cli_check_keys(path, root, keys, e) && cli_read_vector(path, root, "mean", -1, &m, &d, e) &&
      cli_read_matrix(path, root, "cov", d, true, &S, e)) {
    g = bw_gaussian_alloc(d);
    bw_status st = g ? bw_gaussian_set(g, m, S, d, BW_SYM_RTOL, NULL) : BW_ERR_NOMEM;
    if (st == BW_ERR_NOT_SPD)
      cli_fail(e, "%s: \"cov\" is not positive definite", path);
    else if (st)
      cli_fail(e, "%s: \"cov\": %s", path, bw_strerror(st));
    if (st) {
      bw_gaussian_free(g);
      g = NULL;
    }
  }
  free(m);
  free(S);
  json_decref(root);
  return g;
}
