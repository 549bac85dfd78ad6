/* bwflow command-line tool: the densities CSV of `bwflow trajectory` for particle problems:
 * the piecewise constant density rho_{i+1/2} = 1/(N (x_{i+1} - x_i)) of each trajectory on
 * its cells [x_i, x_{i+1}] at a few chosen times (for figures: docs/plot_figures.py).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static int cmp_long(const void *a, const void *b) {
  const long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

bool cli_density_init(cli_density_csv *d, const double *times, int ntimes, double eta, long n, cli_err *e) {
  memset(d, 0, sizeof *d);
  const double deflt[4] = {0.25, 0.5, 0.75, 1.0};
  const int m = 1 + (times ? ntimes : 4);
  if (!(d->steps = malloc(sizeof(long) * (size_t)m))) return cli_fail(e, "out of memory");
  d->steps[0] = 0; /* the initial state, always */
  for (int j = 1; j < m; j++) {
    /* a chosen time is rounded to the nearest step of the trajectory */
    const double k = times ? times[j - 1] / eta : deflt[j - 1] * (double)n;
    if (!(k <= n + 0.5)) {
      free(d->steps);
      d->steps = NULL;
      return cli_fail(e, "--density-times: %s is beyond --t %s", CLI_NUM(times[j - 1]), CLI_NUM(n * eta));
    }
    d->steps[j] = lround(k);
  }
  qsort(d->steps, (size_t)m, sizeof(long), cmp_long);
  int u = 0;
  for (int j = 0; j < m; j++)
    if (!u || d->steps[j] != d->steps[u - 1]) d->steps[u++] = d->steps[j];
  d->nsteps = u;
  return true;
}

void cli_density_header(cli_density_csv *d, FILE *f) {
  d->f = f;
  fputs("t,k,trajectory,i,x_left,x_right,rho\n", f);
}

bool cli_density_rows(cli_density_csv *d, long k, double t, bw_traj *const *tr, int ntr, cli_err *e) {
  if (d->next >= d->nsteps || d->steps[d->next] != k) return true;
  d->next++;
  for (int r = 0; r < ntr; r++) {
    int n = 0;
    const double *x = bw_traj_positions(tr[r], &n);
    if (!x) return cli_fail(e, "internal: a density of a system without positions");
    const char *name = bw_traj_kind_name(bw_traj_kind_of(tr[r]));
    for (int i = 0; i < n - 1; i++) {
      cli_print_csv_double(d->f, t);
      fprintf(d->f, ",%ld,%s,%d,", k, name, i + 1);
      cli_print_csv_double(d->f, x[i]);
      fputc(',', d->f);
      cli_print_csv_double(d->f, x[i + 1]);
      fputc(',', d->f);
      cli_print_csv_double(d->f, 1.0 / ((double)n * (x[i + 1] - x[i])));
      fputc('\n', d->f);
    }
  }
  return true;
}

void cli_density_free(cli_density_csv *d) {
  free(d->steps);
  d->steps = NULL;
}
