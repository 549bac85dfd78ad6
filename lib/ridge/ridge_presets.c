/* The ridge presets (bwflow/ridge.h): the quartic example's Gaussian VI and Bayesian logistic
 * regression on fixed synthetic data (d = 5, n = 200, and d = 30, n = 569, the size of the
 * breast-cancer data of docs/vi.md). SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "core/rng.h"
#include "ridge/ridge_internal.h"

/* A synthetic Bayesian logistic regression, as documented in the header: n observations of
 * d - 1 standard normal features (and the intercept) from a splitmix64 generator with the
 * given seed, y_i = 1 when a uniform u_i < 1/(1 + e^(-x_i'beta)); the prior N(0, s2 I), from
 * the prior. */
static bw_status logreg(int n, int d, uint64_t seed, const double *beta, double s2, bw_ridge_problem **pb,
                        bw_gaussian **g0) {
  double *X = malloc(sizeof(double) * ((size_t)n * d + n + (size_t)n * d + (size_t)d * d + d));
  bw_ridge *r = malloc(sizeof(bw_ridge) * (size_t)n);
  bw_status st = X && r ? BW_OK : BW_ERR_NOMEM;
  if (!st) {
    double *y = X + (size_t)n * (d - 1), *a = y + n, *A = a + (size_t)n * d, *h = A + (size_t)d * d;
    bw__rng g = {seed};
    for (int i = 0; i < n; i++) {
      double *z = X + (size_t)i * (d - 1), eta = beta[0];
      for (int k = 0; k < d - 1; k++) z[k] = bw__rng_normal(&g);
      for (int k = 0; k < d - 1; k++) eta += z[k] * beta[k + 1];
      y[i] = bw__rng_uniform(&g) < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
    }
    memset(A, 0, sizeof(double) * ((size_t)d * d + d));
    const bw_ridge_glm glm = {.family = BW_RIDGE_LOGISTIC, .n = n, .p = d - 1, .X = X, .ldx = d - 1, .y = y,
                              .prior_var = s2, .intercept = 1};
    st = bw_ridge_glm_expand(&glm, a, A, d, h, NULL, NULL);
    for (int i = 0; !st && i < n; i++)
      r[i] = (bw_ridge){.family = BW_RIDGE_LOGISTIC, .a = a + (size_t)i * d, .b = 0.0, .w = 1.0};
    if (!st) st = bw_ridge_problem_create(d, A, d, h, 1.0, n, r, 0, pb);
  }
  if (!st && !(*g0 = bw_gaussian_alloc(d))) st = BW_ERR_NOMEM; /* N(0, s2 I): the prior */
  for (int k = 0; !st && k < d; k++) (*g0)->cov[k + (size_t)k * (*g0)->ld] = s2;
  free(X);
  free(r);
  return st;
}

bw_status bw_ridge_preset(const char *name, bw_ridge_problem **pbp, bw_gaussian **g0p) {
  if (!name || !pbp || !g0p) return BW_ERR_NULL;
  bw_ridge_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  bw_status st;
  if (!strcmp(name, "vi-quartic")) {
    static const double one = 1.0;
    const bw_ridge r = {.family = BW_RIDGE_QUARTIC, .a = &one, .b = 0.0, .w = 1.0};
    st = bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, 1, &r, 0, &pb);
    if (!st && !(g0 = bw_gaussian_alloc(1))) st = BW_ERR_NOMEM;
    if (!st) g0->mean[0] = 1.0, g0->cov[0] = 0.25;
  } else if (!strcmp(name, "logreg")) {
    static const double beta[5] = {0.5, -1.0, 0.75, 0.25, -0.5};
    st = logreg(200, 5, 20240, beta, 1.0, &pb, &g0);
  } else if (!strcmp(name, "logreg-d30")) {
    double beta[30];
    beta[0] = 0.5;
    for (int k = 1; k < 30; k++) beta[k] = k % 2 ? -0.3 : 0.3;
    st = logreg(569, 30, 20241, beta, 1.0 / 30, &pb, &g0);
  } else {
    return BW_ERR_BAD_ARG;
  }
  if (st) {
    bw_ridge_problem_free(pb);
    bw_gaussian_free(g0);
    return st;
  }
  *pbp = pb;
  *g0p = g0;
  return BW_OK;
}
