/* bwflow command-line tool: the JSON sidecar written next to every data file, and the
 * problem's name used in file names. SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "cli.h"

void cli_problem_name(const cli_problem_args *a, const bw_system *sys, char *buf, size_t n) {
  const int d = bw_system_dim(sys);
  if (a->preset && a->particles > 0)
    snprintf(buf, n, "%s-n%d", a->preset, d);
  else if (a->preset && !strcmp(a->preset, "random"))
    snprintf(buf, n, "random-d%d-s%llu", d, a->seed);
  else if (a->preset)
    snprintf(buf, n, "%s%s%.0d", a->preset, a->dim > 0 ? "-d" : "", a->dim > 0 ? d : 0);
  else {
    const char *base = strrchr(a->path, '/');
    base = base ? base + 1 : a->path;
    snprintf(buf, n, "%s", base);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf) *dot = '\0';
  }
  for (char *c = buf; *c; c++) /* keep file names portable */
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
          *c == '-' || *c == '_' || *c == '.'))
      *c = '_';
}

/* The energy and the initial Gaussian, in the problem file's format. */
static void write_gaussian_problem(FILE *f, const bw_system *sys) {
  const bw_gaussian *g0 = NULL;
  const bw_problem *pb = bw_system_gaussian(sys, &g0);
  const int d = bw_problem_dim(pb);
  fprintf(f, ", \"dim\": %d, \"A\": ", d);
  cli_print_matrix(f, d, bw_problem_A(pb), d);
  fputs(", \"h\": ", f);
  cli_print_vector(f, d, bw_problem_h(pb));
  fputs(", \"K\": ", f);
  cli_print_matrix(f, d, bw_problem_K(pb), d);
  fputs(", \"tau\": ", f);
  cli_print_double(f, bw_problem_tau(pb));
  fputs(", ", f);
  cli_print_gaussian_json(f, g0);
}

void cli_write_problem_json(FILE *f, const cli_problem_args *a, const bw_system *sys) {
  fputs("{\"source\": ", f);
  if (a->preset) {
    fprintf(f, "\"preset\", \"preset\": \"%s\"", a->preset);
    if (!strcmp(a->preset, "random")) fprintf(f, ", \"seed\": %llu", a->seed);
  } else {
    json_t *s = json_string(a->path);
    char *enc = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    fprintf(f, "\"file\", \"path\": %s", enc ? enc : "null");
    free(enc);
    json_decref(s);
  }
  if (bw_system_gaussian(sys, NULL)) write_gaussian_problem(f, sys);
  else if (bw_system_particles(sys, NULL)) cli_write_particles_problem(f, sys);
  else if (bw_system_ridge(sys, NULL)) cli_write_ridge_problem(f, sys);
  fputs("}", f);
}

/* No time stamp: the same run on the same BLAS kernels writes the same bytes, so committed
 * data can be checked by re-running the command that made it (notebooks-data/ is
 * bit-reproducible with OpenBLAS's Haswell kernels; other families differ in the last
 * digits: docs/performance.md, "Kernel families in CI"). */
void cli_write_sidecar_head(FILE *f, const char *command, const char *csv_name) {
  fprintf(f, "{\"program\": \"bwflow\", \"version\": \"%s\", \"command\": \"%s\", \"data\": \"%s\"",
          bw_version(), command, csv_name);
}
