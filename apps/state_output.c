/* bwflow command-line tool: a trajectory's state and failures, printed the same way for
 * every system. SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cli_field_index(const bw_system *sys, const char *name) {
  char buf[64];
  for (int i = 0; i < bw_system_nfields(sys); i++)
    if (!bw_system_field_name(sys, i, buf, sizeof buf) && !strcmp(buf, name)) return i;
  return -1;
}

/* The fields of tr's state (caller frees), eta only enters Jeta. */
static double *fields_of(bw_traj *tr, const bw_system *sys, cli_err *e) {
  double *v = malloc(sizeof(double) * (size_t)bw_system_nfields(sys));
  if (!v) {
    cli_fail(e, "out of memory");
    return NULL;
  }
  bw_status st = bw_traj_fields(tr, 0.0, v);
  if (st) {
    free(v);
    cli_fail(e, "energy of the result: %s", bw_strerror(st));
    return NULL;
  }
  return v;
}

/* sys of a trajectory: the fields are named by the system; the trajectory knows its size
 * only, so the caller passes the system. */
static bool print_state(FILE *f, bw_traj *tr, const bw_system *sys, bool json, cli_err *e) {
  double *v = fields_of(tr, sys, e);
  if (!v) return false;
  const bw_gaussian *g = bw_traj_gaussian(tr);
  int n = 0;
  const double *x = bw_traj_positions(tr, &n);
  const int iJ = cli_field_index(sys, "J");
  if (json) {
    if (g) {
      cli_print_gaussian_json(f, g);
    } else if (x) {
      fputs("\"positions\": ", f);
      cli_print_vector(f, n, x);
      fputs(", \"mean\": ", f);
      cli_print_double(f, v[cli_field_index(sys, "mean")]);
      fputs(", \"variance\": ", f);
      cli_print_double(f, v[cli_field_index(sys, "variance")]);
    }
    fputs(", \"energy\": ", f);
    cli_print_double(f, v[iJ]);
  } else {
    fprintf(f, "energy  %s\n", CLI_NUM(v[iJ]));
    if (g) {
      fputs("mean    ", f);
      cli_print_vector(f, g->d, g->mean);
      fputs("\ncov     ", f);
      cli_print_matrix(f, g->d, g->cov, g->ld);
    } else if (x) {
      fprintf(f, "mean      %s\nvariance  %s\npositions ", CLI_NUM(v[cli_field_index(sys, "mean")]),
              CLI_NUM(v[cli_field_index(sys, "variance")]));
      cli_print_vector(f, n, x);
    }
    fputc('\n', f);
  }
  free(v);
  return true;
}

bool cli_print_state_json(FILE *f, bw_traj *tr, const bw_system *sys, cli_err *e) {
  return print_state(f, tr, sys, true, e);
}

bool cli_print_state_text(FILE *f, bw_traj *tr, const bw_system *sys, cli_err *e) {
  return print_state(f, tr, sys, false, e);
}

/* The flows' names in messages. */
static const char *flow_title(bw_traj_kind k) {
  switch (k) {
  case BW_TRAJ_JKOFLOW: return "JKO-Flow";
  case BW_TRAJ_FORWARDFLOW: return "the forward modified flow";
  case BW_TRAJ_JKOFLOW2: return "JKO-Flow of order 2";
  default: return bw_traj_kind_name(k);
  }
}

int cli_report_failure(const char *cmd, const bw_traj *tr, int dim, bw_status st) {
  double t = NAN, v = NAN;
  bw_traj_failure(tr, &t, &v);
  const bw_traj_kind k = bw_traj_kind_of(tr);
  const char *what = flow_title(k);
  if (bw_traj_kind_is_discrete(k)) {
    fprintf(stderr, "bwflow %s: %s step %ld (t = %s): %s\n", cmd, what, bw_traj_steps(tr) + 1, CLI_NUM(t),
            bw_strerror(st));
    return EXIT_FAIL;
  }
  double *dir = malloc(sizeof(double) * (size_t)dim);
  const bool have_dir = dir && bw_traj_failure_vector(tr, dir) == BW_OK;
  int rc = EXIT_COLLAPSE;
  if (st == BW_ERR_COLLAPSE) {
    fprintf(stderr, "bwflow %s: %s collapses at t = %s: a variance reaches 0", cmd, what, CLI_NUM(t));
    if (have_dir) {
      fputs(" in eigen-direction ", stderr);
      cli_print_vector(stderr, dim, dir);
    }
    fputs(" (the modified flow is meaningless once a variance is comparable to tau eta)\n", stderr);
  } else if (st == BW_ERR_ILL_POSED && t > 0) {
    fprintf(stderr, "bwflow %s: %s turns ill-posed at t = %s: eta lambda_max(H) reaches 2 "
            "(high-frequency modes grow: use a smaller --eta)\n", cmd, what, CLI_NUM(t));
  } else if (st == BW_ERR_ILL_POSED) {
    fprintf(stderr, "bwflow %s: %s is ill-posed from the start: eta lambda_max(H(x0)) = %.6g > 2 "
            "(high-frequency modes grow: use a smaller --eta)\n", cmd, what, v);
  } else if (st == BW_ERR_NOT_ORDERED) {
    fprintf(stderr, "bwflow %s: %s: two particles meet at t = %s\n", cmd, what, CLI_NUM(t));
  } else {
    const char *msg = bw_traj_failure_message(tr);
    fprintf(stderr, "bwflow %s: %s at t = %s: %s%s%s\n", cmd, what, CLI_NUM(t),
            bw_strerror(st), *msg ? ": " : "", msg);
    rc = EXIT_FAIL;
  }
  free(dir);
  return rc;
}
