/* bwflow: Gaussian measures N(mean, cov). SPDX-License-Identifier: BSD-3-Clause */
#ifndef BWFLOW_GAUSSIAN_H
#define BWFLOW_GAUSSIAN_H
#include "common.h"
#include "workspace.h"
#ifdef __cplusplus
extern "C" {
#endif

/** A Gaussian N(mean, cov) on R^d.
 *
 * Storage: mean holds d doubles; cov is d x d, column-major, entry (i, j) (0-based) at
 * cov[i + j * ld] with ld >= d, as in LAPACK. The struct is transparent: a caller may wrap
 * its own arrays (bw_gaussian g = {d, m, S, ld};) without allocation. Functions that take a
 * const bw_gaussian * check that its entries are finite, cov symmetric within BW_SYM_RTOL and
 * positive definite (the last one as a by-product of their eigendecomposition). */
typedef struct bw_gaussian {
  int d;        /**< dimension, >= 1 */
  double *mean; /**< d entries */
  double *cov;  /**< d x d column-major with leading dimension ld */
  int ld;       /**< leading dimension of cov, >= d */
} bw_gaussian;

/** Allocate N(0, I) in dimension d (one allocation, ld = d). NULL on failure or d < 1. */
BW_API bw_gaussian *bw_gaussian_alloc(int d);
/** Free a Gaussian from bw_gaussian_alloc (NULL is fine). */
BW_API void bw_gaussian_free(bw_gaussian *g);

/** Copy src into dst (same d; leading dimensions may differ). */
BW_API bw_status bw_gaussian_copy(bw_gaussian *dst, const bw_gaussian *src);

/** Validate (mean, cov) and store them in g: all entries finite, cov symmetric within
 * relative tolerance sym_rtol (|c_ij - c_ji| <= sym_rtol max|c|; pass BW_SYM_RTOL), then
 * symmetrised ((C + C')/2), and positive definite (Cholesky). ldc >= g->d. On error g is
 * untouched. ws may be NULL. */
BW_API bw_status bw_gaussian_set(bw_gaussian *g, const double *mean, const double *cov, int ldc,
                                 double sym_rtol, bw_workspace *ws);

/** Validate g in place, as bw_gaussian_set does; symmetrises cov on success. */
BW_API bw_status bw_gaussian_validate(bw_gaussian *g, double sym_rtol, bw_workspace *ws);

#ifdef __cplusplus
}
#endif
#endif
