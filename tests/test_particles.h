/* Helpers of the particle suites (tests/test_particles.c, test_particles_jko.c,
 * test_particles_flows.c). SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_TEST_PARTICLES_H
#define BW_TEST_PARTICLES_H
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static inline bw_particles *tp_make(int n, int deg, const double *c, double tau) {
  bw_particles *pp = NULL;
  ck_assert_int_eq(bw_particles_create(n, deg, c, tau, &pp), BW_OK);
  return pp;
}

/* A random confining polynomial of even degree deg: c_k ~ N(0, 1) for k < deg, c_deg in
 * [0.05, 0.5]. */
static inline void tp_rand_poly(tu_rng *r, int deg, double *c) {
  for (int k = 0; k < deg; k++) c[k] = tu_normal(r);
  c[deg] = 0.05 + 0.45 * tu_uniform(r);
}

/* Random strictly increasing positions: cumulative gaps log-uniform in [gmin, gmax], shifted
 * to start at x0. */
static inline void tp_rand_positions(tu_rng *r, int n, double x0, double gmin, double gmax, double *x) {
  x[0] = x0;
  for (int i = 1; i < n; i++) x[i] = x[i - 1] + gmin * pow(gmax / gmin, tu_uniform(r));
}

/* Equilibrium argmin F: JKO steps with a large eta until the positions stop moving. */
static inline void tp_equilibrium(const bw_particles *pp, double *x) {
  const int n = bw_particles_n(pp);
  bw_particles_jko_plan *plan;
  ck_assert_int_eq(bw_particles_jko_plan_create(pp, 1e4, &plan), BW_OK);
  double *y = malloc(n * sizeof(double));
  for (int k = 0; k < 200; k++) {
    ck_assert_int_eq(bw_particles_jko_step(plan, NULL, x, NULL, y, NULL), BW_OK);
    double d = 0, s = 0;
    for (int i = 0; i < n; i++) d = fmax(d, fabs(y[i] - x[i])), s = fmax(s, fabs(x[i]));
    memcpy(x, y, n * sizeof(double));
    if (d <= 4 * DBL_EPSILON * s) break;
  }
  free(y);
  bw_particles_jko_plan_free(plan);
}

#endif
