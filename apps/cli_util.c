/* bwflow command-line tool: parsing and printing helpers. SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* The message is one line: control characters (a newline in a file name, bytes quoted from a
 * binary file by the JSON parser) become '?'. A message longer than the buffer (a very long
 * path) keeps its head and its tail, where the reason is. */
bool cli_fail(cli_err *e, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof e->msg) {
    char *full = malloc((size_t)n + 1);
    if (full) {
      enum { HEAD = 300, TAIL = (int)sizeof e->msg - HEAD - 6 };
      vsnprintf(full, (size_t)n + 1, fmt, ap2);
      snprintf(e->msg, sizeof e->msg, "%.*s ... %s", HEAD, full, full + n - TAIL);
      free(full);
    }
  }
  va_end(ap2);
  for (char *c = e->msg; *c; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
  return false;
}

bool cli_parse_positive(const char *opt, const char *text, double *out, cli_err *e) {
  char *end = NULL;
  errno = 0;
  double x = strtod(text, &end);
  if (end == text || *end != '\0') return cli_fail(e, "%s: '%s' is not a number", opt, text);
  if (errno == ERANGE && fabs(x) > 1.0) return cli_fail(e, "%s: '%s' overflows", opt, text);
  if (!isfinite(x) || !(x > 0.0)) return cli_fail(e, "%s: '%s' must be a positive finite number", opt, text);
  *out = x;
  return true;
}

bool cli_parse_int(const char *opt, const char *text, long lo, long hi, long *out, cli_err *e) {
  char *end = NULL;
  errno = 0;
  long x = strtol(text, &end, 10);
  if (end == text || *end != '\0' || errno == ERANGE)
    return cli_fail(e, "%s: '%s' is not an integer", opt, text);
  if (x < lo || x > hi) return cli_fail(e, "%s: %ld is outside [%ld, %ld]", opt, x, lo, hi);
  *out = x;
  return true;
}

/* The shortest of %.15g, %.16g and %.17g that reads back to x (%.17g always does): 0.1, not
 * 0.10000000000000001. */
const char *cli_num(char *buf, double x) {
  if (isnan(x)) return strcpy(buf, "nan");
  if (isinf(x)) return strcpy(buf, x > 0 ? "inf" : "-inf");
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, CLI_NUM_LEN, "%.*g", digits, x);
    if (digits == 17 || strtod(buf, NULL) == x) break;
  }
  return buf;
}

void cli_print_double(FILE *f, double x) {
  char buf[CLI_NUM_LEN];
  fputs(isfinite(x) ? cli_num(buf, x) : "null", f); /* JSON has no NaN/Inf */
}

void cli_print_csv_double(FILE *f, double x) {
  char buf[CLI_NUM_LEN];
  fputs(cli_num(buf, x), f);
}

void cli_print_vector(FILE *f, int n, const double *x) {
  fputc('[', f);
  for (int i = 0; i < n; i++) {
    if (i) fputs(", ", f);
    cli_print_double(f, x[i]);
  }
  fputc(']', f);
}

void cli_print_matrix(FILE *f, int d, const double *A, int lda) {
  fputc('[', f);
  for (int i = 0; i < d; i++) {
    if (i) fputs(", ", f);
    fputc('[', f);
    for (int j = 0; j < d; j++) {
      if (j) fputs(", ", f);
      cli_print_double(f, A[i + (size_t)j * lda]);
    }
    fputc(']', f);
  }
  fputc(']', f);
}

void cli_bad_option(const char *cmd, int code, char **argv) {
  extern int optind;
  const char *opt = argv[optind - 1];
  if (code == ':')
    fprintf(stderr, "bwflow %s: option '%s' needs a value (see bwflow %s --help)\n", cmd, opt, cmd);
  else
    fprintf(stderr, "bwflow %s: unknown option '%s' (see bwflow %s --help)\n", cmd, opt, cmd);
}

bool cli_flow_option(int code, const char *arg, bw_jkoflow_opts *o, cli_err *e) {
  switch (code) {
  case OPT_RTOL: return cli_parse_positive("--rtol", arg, &o->rtol, e);
  case OPT_ATOL: return cli_parse_positive("--atol", arg, &o->atol, e);
  case OPT_LINSOL:
    if (!strcmp(arg, "auto")) o->linsol = BW_LINSOL_AUTO;
    else if (!strcmp(arg, "dense")) o->linsol = BW_LINSOL_DENSE;
    else if (!strcmp(arg, "krylov")) o->linsol = BW_LINSOL_KRYLOV;
    else return cli_fail(e, "--linsol: unknown solver '%s' (known: auto, dense, krylov)", arg);
    return true;
  default: return cli_fail(e, "internal: unexpected option code %d", code);
  }
}

const char *cli_linsol_name(bw_linsol l) {
  return l == BW_LINSOL_DENSE ? "dense" : l == BW_LINSOL_KRYLOV ? "krylov" : "auto";
}

bool cli_parse_list(const char *opt, const char *text, double **out, int *n, cli_err *e) {
  size_t len = strlen(text), cap = 1;
  for (size_t i = 0; i < len; i++) cap += text[i] == ',';
  double *v = malloc(cap * sizeof *v);
  char *copy = strdup(text);
  if (!v || !copy) {
    free(v), free(copy);
    return cli_fail(e, "%s: out of memory", opt);
  }
  int k = 0;
  char *tok = copy;
  bool ok = true;
  /* split at commas keeping empty items, so "0.1,,0.2" is an error */
  for (char *p = copy;; p++) {
    if (*p == ',' || *p == '\0') {
      bool last = *p == '\0';
      *p = '\0';
      char label[64];
      snprintf(label, sizeof label, "%s item %d", opt, k + 1);
      if (!(ok = cli_parse_positive(label, tok, &v[k], e))) break;
      k++;
      if (last) break;
      tok = p + 1;
    }
  }
  free(copy);
  if (!ok) {
    free(v);
    return false;
  }
  *out = v;
  *n = k;
  return true;
}


/* Number of steps n = round(T/H), requiring |n H - T| <= 1e-9 T. */
bool cli_step_count(double eta, double t, long *n, cli_err *e) {
  double q = t / eta;
  if (!(q < 1e9)) return cli_fail(e, "--t %s / --eta %s is more than 1e9 steps", CLI_NUM(t), CLI_NUM(eta));
  long k = lround(q);
  if (k < 1 || fabs(k * eta - t) > 1e-9 * t)
    return cli_fail(e, "--t %s is not a multiple of --eta %s", CLI_NUM(t), CLI_NUM(eta));
  *n = k;
  return true;
}
