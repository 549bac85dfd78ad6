/* The ridge presets (bwflow/ridge.h): the quartic example's Gaussian VI and Bayesian logistic
 * regression on fixed synthetic data. SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "core/rng.h"
#include "ridge/ridge_internal.h"

enum { LR_N = 200, LR_D = 5 };

/* The logreg data: X (LR_D x LR_N, column i = x_i) and y (LR_N), as documented in the header. */
static void logreg_data(double *X, double *y) {
  static const double beta[LR_D] = {0.5, -1.0, 0.75, 0.25, -0.5};
  bw__rng r = {20240};
  for (int i = 0; i < LR_N; i++) {
    double *x = X + (size_t)i * LR_D, eta = 0.0;
    x[0] = 1.0;
    for (int k = 1; k < LR_D; k++) x[k] = bw__rng_normal(&r);
    for (int k = 0; k < LR_D; k++) eta += x[k] * beta[k];
    y[i] = bw__rng_uniform(&r) < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
  }
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
    double *X = malloc(sizeof(double) * (LR_D * LR_N + LR_N + LR_D * LR_D + LR_D));
    bw_ridge *r = malloc(sizeof(bw_ridge) * LR_N);
    st = X && r ? BW_OK : BW_ERR_NOMEM;
    if (!st) {
      double *y = X + LR_D * LR_N, *A = y + LR_N, *h = A + LR_D * LR_D;
      logreg_data(X, y);
      memset(A, 0, sizeof(double) * (LR_D * LR_D + LR_D));
      for (int k = 0; k < LR_D; k++) A[k + k * LR_D] = 1.0; /* the prior N(0, I) */
      for (int i = 0; i < LR_N; i++) {
        r[i] = (bw_ridge){.family = BW_RIDGE_LOGISTIC, .a = X + (size_t)i * LR_D, .b = 0.0, .w = 1.0};
        for (int k = 0; k < LR_D; k++) h[k] += y[i] * X[k + (size_t)i * LR_D];
      }
      st = bw_ridge_problem_create(LR_D, A, LR_D, h, 1.0, LR_N, r, 0, &pb);
    }
    if (!st && !(g0 = bw_gaussian_alloc(LR_D))) st = BW_ERR_NOMEM; /* N(0, I): the prior */
    free(X);
    free(r);
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
