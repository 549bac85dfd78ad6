/* Helpers of the ridge system's suites (tests/test_ridge.c, tests/test_ridge_flow.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_TEST_RIDGE_H
#define BW_TEST_RIDGE_H
#include <math.h>
#include <stdlib.h>
#include "testutil.h"

#define TR_DMAX 10
enum { TR_ALL_FAMILIES, TR_QUADRATIC };

/* A random ridge problem: A = Q diag(a) Q' with a in [0.2, 1.5], h ~ N(0, I), tau; n ridges
 * (families cycling through quadratic, quartic, logistic, poisson, logcosh, or all quadratic)
 * with a_j ~ N(0, I)/sqrt(d), b_j ~ N(0, 0.25), w_j uniform in [0.5, 1.5]. */
static inline bw_ridge_problem *tr_random_problem(tu_rng *r, int d, int n, double tau, int which) {
  double A[TR_DMAX * TR_DMAX], Q[TR_DMAX * TR_DMAX], lam[TR_DMAX], h[TR_DMAX];
  double *a = malloc(sizeof(double) * (size_t)n * d);
  bw_ridge *rr = malloc(sizeof(bw_ridge) * (size_t)n);
  tu_orthogonal(r, d, Q);
  for (int i = 0; i < d; i++) lam[i] = 0.2 + 1.3 * tu_uniform(r), h[i] = tu_normal(r);
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++) {
      double acc = 0.0;
      for (int k = 0; k < d; k++) acc += Q[i + k * d] * lam[k] * Q[j + k * d];
      A[i + j * d] = A[j + i * d] = acc;
    }
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < d; i++) a[j * d + i] = tu_normal(r) / sqrt((double)d);
    rr[j] = (bw_ridge){.family = which == TR_QUADRATIC ? BW_RIDGE_QUADRATIC : (bw_ridge_family)(j % 5),
                       .a = a + j * d, .b = 0.5 * tu_normal(r), .w = 0.5 + tu_uniform(r)};
  }
  bw_ridge_problem *pb = NULL;
  ck_assert_int_eq(bw_ridge_problem_create(d, A, d, h, tau, n, rr, 0, &pb), BW_OK);
  free(a);
  free(rr);
  return pb;
}

/* J(g) + W2^2(g, gk)/(2 eta). */
static inline double tr_jko_objective(const bw_ridge_problem *pb, const bw_gaussian *g, const bw_gaussian *gk,
                                      double eta) {
  double J, w;
  ck_assert_int_eq(bw_ridge_energy(pb, NULL, g, &J), BW_OK);
  ck_assert_int_eq(bw_w2sq(NULL, g, gk, &w), BW_OK);
  return J + w / (2 * eta);
}

/* Largest difference of the means and covariances, relative to the scale max(1, |b|). */
static inline double tr_state_diff(const bw_gaussian *a, const bw_gaussian *b) {
  double m = 0.0, sc = 1.0;
  for (int i = 0; i < a->d; i++) m = fmax(m, fabs(a->mean[i] - b->mean[i])), sc = fmax(sc, fabs(b->mean[i]));
  for (int j = 0; j < a->d; j++)
    for (int i = 0; i < a->d; i++) {
      m = fmax(m, fabs(a->cov[i + j * a->ld] - b->cov[i + j * b->ld]));
      sc = fmax(sc, fabs(b->cov[i + j * b->ld]));
    }
  return m / sc;
}

#endif
