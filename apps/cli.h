/* bwflow command-line tool: shared helpers. SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_CLI_H
#define BW_CLI_H
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include "bwflow.h"

/* Exit statuses of the tool. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_COLLAPSE = 3 };

/* An error message for the single stderr line; functions return false after filling it. */
typedef struct {
  char msg[1024];
} cli_err;

bool cli_fail(cli_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a positive finite number with no trailing garbage ("--eta 0.1"). */
bool cli_parse_positive(const char *opt, const char *text, double *out, cli_err *e);
/* Parse an integer in [lo, hi]. */
bool cli_parse_int(const char *opt, const char *text, long lo, long hi, long *out, cli_err *e);

/* Load a JSON object from path; messages name the file, line and column. */
json_t *cli_load_json(const char *path, cli_err *e);
/* Reject keys of obj not in the NULL-terminated list allowed. */
bool cli_check_keys(const char *path, json_t *obj, const char *const *allowed, cli_err *e);
/* Read obj[key] as a vector of length n (n < 0: any length >= 1, stored in *n_out). The
 * caller frees *out. */
bool cli_read_vector(const char *path, json_t *obj, const char *key, int n, double **out,
                     int *n_out, cli_err *e);
/* Read obj[key] as a d x d matrix (list of d rows) into column-major out (ld d), checking
 * symmetry within BW_SYM_RTOL when symmetric is true. The caller frees *out. */
bool cli_read_matrix(const char *path, json_t *obj, const char *key, int d, bool symmetric,
                     double **out, cli_err *e);
/* Read a number obj[key] (finite). */
bool cli_read_number(const char *path, json_t *obj, const char *key, double *out, cli_err *e);

/* Read a Gaussian file {"mean": [...], "cov": [[...]]}. */
bw_gaussian *cli_read_gaussian(const char *path, cli_err *e);

/* Print a double with 17 significant digits (JSON-safe). */
void cli_print_double(FILE *f, double x);
void cli_print_vector(FILE *f, int n, const double *x);
void cli_print_matrix(FILE *f, int d, const double *A, int lda); /* as a list of rows */

/* Subcommands. argv[0] is the subcommand name. Return the exit status. */
int cmd_distance(int argc, char **argv);

#endif
