/* bwflow command-line tool: numeric CSV tables (the data of a "glm" problem, docs/vi.md).
 *
 * Format: the first line that is not blank and not a comment ('#') is the header, the
 * columns' names; every further such line is a row of as many finite numbers. Fields are
 * separated by commas; spaces and tabs around a field are ignored; a field may be quoted
 * ("..." with "" for a quote, for names with commas); lines end with LF or CRLF.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

void cli_csv_free(cli_csv *t) {
  if (!t) return;
  for (int j = 0; j < t->ncols; j++) free(t->names[j]);
  free(t->names);
  free(t->data);
  free(t->line);
  memset(t, 0, sizeof *t);
}

int cli_csv_column(const cli_csv *t, const char *name) {
  for (int j = 0; j < t->ncols; j++)
    if (!strcmp(t->names[j], name)) return j;
  return -1;
}

/* The next field of the line [*p, end): unquoted (trimmed) or quoted; *p moves past the
 * comma. Writes it NUL-terminated into out (cap bytes; longer fields are truncated, marked
 * by *longf). Returns false for a malformed quote. */
static bool next_field(const char **p, const char *end, char *out, size_t cap, bool *longf) {
  const char *s = *p;
  size_t k = 0;
  *longf = false;
  while (s < end && (*s == ' ' || *s == '\t')) s++;
  if (s < end && *s == '"') {
    for (s++;; s++) {
      if (s >= end) return false; /* no closing quote on this line */
      if (*s == '"') {
        if (s + 1 < end && s[1] == '"') s++;
        else break;
      }
      if (k + 1 < cap) out[k++] = *s;
      else *longf = true;
    }
    s++;
    while (s < end && (*s == ' ' || *s == '\t')) s++;
    if (s < end && *s != ',') return false; /* text after the closing quote */
  } else {
    const char *f = s;
    while (s < end && *s != ',') s++;
    const char *b = s;
    while (b > f && (b[-1] == ' ' || b[-1] == '\t')) b--;
    for (const char *c = f; c < b; c++) {
      if (*c == '"') return false; /* a quote inside an unquoted field */
      if (k + 1 < cap) out[k++] = *c;
      else *longf = true;
    }
  }
  out[k] = '\0';
  *p = s < end ? s + 1 : s; /* past the comma (a comma at the end of the line leaves an empty field) */
  return true;
}

/* Number of fields of the line (1 + commas outside quotes). */
static int count_fields(const char *s, const char *end) {
  int n = 1;
  bool q = false;
  for (; s < end; s++)
    if (*s == '"') q = !q;
    else if (*s == ',' && !q) n++;
  return n;
}

bool cli_parse_csv(const char *name, const char *buf, size_t len, cli_csv *t, cli_err *e) {
  memset(t, 0, sizeof *t);
  const char *p = buf, *stop = buf + len;
  int lineno = 0, cap = 0;
  char field[256];
  bool ok = true;
  while (ok && p < stop) {
    const char *nl = memchr(p, '\n', (size_t)(stop - p)), *end = nl ? nl : stop;
    const char *next = nl ? nl + 1 : stop;
    lineno++;
    if (end > p && end[-1] == '\r') end--;
    const char *s = p;
    while (s < end && (*s == ' ' || *s == '\t')) s++;
    if (s == end || *s == '#') { /* blank or comment */
      p = next;
      continue;
    }
    const int nf = count_fields(p, end);
    const char *q = p;
    bool longf;
    if (!t->names) { /* the header */
      if (nf > 46340) {
        ok = cli_fail(e, "%s: line %d: %d columns: too many", name, lineno, nf);
        break;
      }
      if (!(t->names = calloc((size_t)nf, sizeof(char *)))) {
        ok = cli_fail(e, "%s: out of memory", name);
        break;
      }
      t->ncols = nf;
      for (int j = 0; ok && j < nf; j++) {
        if (!next_field(&q, end, field, sizeof field, &longf))
          ok = cli_fail(e, "%s: line %d, column %d: malformed quoted field", name, lineno, j + 1);
        else if (!field[0]) ok = cli_fail(e, "%s: line %d, column %d: empty column name in the header", name, lineno, j + 1);
        else if (longf) ok = cli_fail(e, "%s: line %d, column %d: a column name longer than %zu bytes", name, lineno, j + 1, sizeof field - 1);
        else if (!(t->names[j] = strdup(field))) ok = cli_fail(e, "%s: out of memory", name);
        for (int i = 0; ok && i < j; i++)
          if (!strcmp(t->names[i], t->names[j]))
            ok = cli_fail(e, "%s: line %d: the column name \"%s\" appears twice (columns %d and %d)", name, lineno,
                          field, i + 1, j + 1);
      }
      p = next;
      continue;
    }
    if (nf != t->ncols) {
      ok = cli_fail(e, "%s: line %d has %d fields, expected %d (the header's columns)", name, lineno, nf, t->ncols);
      break;
    }
    if (t->nrows == cap) {
      if (cap > (1 << 24)) {
        ok = cli_fail(e, "%s: more than %d rows", name, 1 << 24);
        break;
      }
      cap = cap ? 2 * cap : 64;
      double *d = realloc(t->data, sizeof(double) * (size_t)cap * (size_t)t->ncols);
      if (d) t->data = d;
      int *l = d ? realloc(t->line, sizeof(int) * (size_t)cap) : NULL;
      if (l) t->line = l;
      if (!d || !l) {
        ok = cli_fail(e, "%s: out of memory", name);
        break;
      }
    }
    double *row = t->data + (size_t)t->nrows * t->ncols;
    for (int j = 0; ok && j < t->ncols; j++) {
      char *endp = NULL;
      if (!next_field(&q, end, field, sizeof field, &longf)) {
        ok = cli_fail(e, "%s: line %d, column %d (\"%s\"): malformed quoted field", name, lineno, j + 1, t->names[j]);
        break;
      }
      errno = 0;
      row[j] = strtod(field, &endp);
      if (!field[0] || longf || *endp)
        ok = cli_fail(e, "%s: line %d, column %d (\"%s\"): '%s%s' is not a number", name, lineno, j + 1, t->names[j],
                      field, longf ? "..." : "");
      else if (!isfinite(row[j]) || (errno == ERANGE && fabs(row[j]) > 1.0))
        ok = cli_fail(e, "%s: line %d, column %d (\"%s\"): %s is not a finite number", name, lineno, j + 1,
                      t->names[j], field);
    }
    if (ok) t->line[t->nrows++] = lineno;
    p = next;
  }
  if (ok && !t->names) ok = cli_fail(e, "%s: no header line (the columns' names)", name);
  else if (ok && !t->nrows) ok = cli_fail(e, "%s: no data rows after the header", name);
  if (!ok) cli_csv_free(t);
  return ok;
}

bool cli_read_csv(const char *path, cli_csv *t, cli_err *e) {
  size_t len = 0;
  char *buf = cli_read_input_as(path, false, "CSV", &len, e);
  if (!buf) return false;
  const bool ok = cli_parse_csv(path, buf, len, t, e);
  free(buf);
  return ok;
}
