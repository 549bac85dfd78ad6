/* Regression data as ridges (bwflow/ridge.h, bw_ridge_glm_expand): the negative log-posterior
 * of a generalised linear model with the prior N(0, s2 I),
 *   V(beta) = sum_i phi(x_i'beta) - (X'y)'beta + |beta|^2/(2 s2),
 * one ridge per observation. The command line's "glm" shortcut and the Python binding's
 * RidgeProblem.glm both expand through here, so that the same data gives the same problem to
 * the bit. SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "ridge/ridge_internal.h"

/* Is y a response of the family (logistic: 0 <= y <= 1; poisson: y >= 0)? */
static bool response_ok(bw_ridge_family f, double y) { return f == BW_RIDGE_LOGISTIC ? y >= 0.0 && y <= 1.0 : y >= 0.0; }

/* Column j's mean and standard deviation over the n rows (divisor n), summed in row order. */
static void column_stats(const double *X, size_t ldx, int n, int j, double *mean, double *sd) {
  double m = 0.0, v = 0.0;
  for (int i = 0; i < n; i++) m += X[i * ldx + j];
  m /= n;
  for (int i = 0; i < n; i++) v += (X[i * ldx + j] - m) * (X[i * ldx + j] - m);
  *mean = m;
  *sd = sqrt(v / n);
}

bw_status bw_ridge_glm_expand(const bw_ridge_glm *glm, double *a, double *A, int lda, double *h, int *bad_row,
                              int *bad_col) {
  if (bad_row) *bad_row = -1;
  if (bad_col) *bad_col = -1;
  if (!glm || !a || !A || !h || !glm->X || !glm->y) return BW_ERR_NULL;
  const int n = glm->n, p = glm->p, off = glm->intercept ? 1 : 0, d = p + off;
  if (n < 1 || n > (1 << 24) || p < 1 || p > 4096 - off || glm->ldx < p || lda < d) return BW_ERR_DIM;
  if (glm->family != BW_RIDGE_LOGISTIC && glm->family != BW_RIDGE_POISSON) return BW_ERR_BAD_ARG;
  if (!(glm->prior_var > 0.0) || !isfinite(glm->prior_var)) return BW_ERR_BAD_ARG;
  const double *X = glm->X, *y = glm->y;
  const size_t ldx = (size_t)glm->ldx;
  for (int i = 0; i < n; i++)
    if (!isfinite(y[i]) || bw__check_finite(p, X + i * ldx)) return BW_ERR_NONFINITE;
  for (int i = 0; i < n; i++)
    if (!response_ok(glm->family, y[i])) {
      if (bad_row) *bad_row = i;
      return BW_ERR_BAD_ARG;
    }
  for (int j = 0; glm->standardize && j < p; j++) { /* a constant column cannot be scaled */
    double m, sd;
    column_stats(X, ldx, n, j, &m, &sd);
    if (!(sd > 0.0) || !isfinite(sd)) {
      if (bad_col) *bad_col = j;
      return BW_ERR_BAD_ARG;
    }
  }
  /* the ridges' a: (1, x_i) or x_i, the columns standardized with their mean and standard
   * deviation over the rows (divisor n) */
  for (int i = 0; i < n; i++) {
    if (off) a[(size_t)i * d] = 1.0;
    memcpy(a + (size_t)i * d + off, X + i * ldx, sizeof(double) * (size_t)p);
  }
  for (int j = 0; glm->standardize && j < p; j++) {
    double m, sd;
    column_stats(X, ldx, n, j, &m, &sd);
    for (int i = 0; i < n; i++) a[(size_t)i * d + off + j] = (X[i * ldx + j] - m) / sd;
  }
  for (int i = 0; i < n; i++) /* h += X'y, observation by observation */
    for (int k = 0; k < d; k++) h[k] += y[i] * a[(size_t)i * d + k];
  for (int k = 0; k < d; k++) A[k + (size_t)k * lda] += 1.0 / glm->prior_var;
  return BW_OK;
}
