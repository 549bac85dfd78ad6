/* bwflow: Gaussian measures N(mean, cov). SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/gaussian.h
 * @brief Gaussian measures N(mean, cov): the transparent ::bw_gaussian, allocation, copy and
 * validation. */
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

/** Allocate N(0, I) in dimension d, in one block (ld = d; mean and cov point into it).
 * @param d dimension, 1 <= d <= 46340
 * @return the Gaussian, or NULL on failure or d out of range
 * @par Allocation
 * Allocates one block; free with bw_gaussian_free().
 * @par Thread safety
 * Safe to call concurrently. */
BW_API bw_gaussian *bw_gaussian_alloc(int d);
/** Free a Gaussian from bw_gaussian_alloc() (not one that wraps the caller's arrays).
 * @param g the Gaussian, or NULL (nothing happens) */
BW_API void bw_gaussian_free(bw_gaussian *g);

/** Copy src into dst (same d; leading dimensions may differ; dst == src is a no-op).
 * @param dst the destination (its mean and cov are written)
 * @param src the source (not validated: any finite or non-finite values are copied)
 * @return ::BW_OK; ::BW_ERR_NULL for a NULL struct or array; ::BW_ERR_DIM when a dimension
 *         is < 1 or a leading dimension is smaller than its d; ::BW_ERR_DIM_MISMATCH when
 *         the dimensions differ
 * @par Allocation and thread safety
 * No allocation. Reentrant; dst must not be used by another thread during the call. */
BW_API bw_status bw_gaussian_copy(bw_gaussian *dst, const bw_gaussian *src);

/** Validate (mean, cov) and store them in g: all entries finite, cov symmetric within
 * relative tolerance sym_rtol (|c_ij - c_ji| <= sym_rtol max|c|; pass BW_SYM_RTOL), then
 * symmetrised ((C + C')/2), and positive definite (Cholesky). ldc >= g->d. On error g is
 * untouched. ws may be NULL.
 * @param g the destination Gaussian: its d and ld are used, its mean and cov written
 * @param mean d entries
 * @param cov d x d, column-major with leading dimension ldc (may be g->cov with ldc == g->ld)
 * @param ldc leading dimension of cov, >= g->d
 * @param sym_rtol symmetry tolerance, finite and >= 0 (0: exactly symmetric)
 * @param ws workspace of dimension >= g->d, or NULL
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM (g->d < 1, g->ld or ldc < g->d);
 *         ::BW_ERR_BAD_ARG (sym_rtol negative or not finite); ::BW_ERR_NONFINITE;
 *         ::BW_ERR_NOT_SYMMETRIC; ::BW_ERR_NOT_SPD; ::BW_ERR_DIM_MISMATCH (ws too small);
 *         ::BW_ERR_NOMEM (ws == NULL and no memory)
 * @par Allocation
 * None with a workspace of dimension >= d; with ws == NULL one temporary workspace.
 * @par Thread safety
 * Reentrant; g and ws must not be used by another thread during the call. */
BW_API bw_status bw_gaussian_set(bw_gaussian *g, const double *mean, const double *cov, int ldc,
                                 double sym_rtol, bw_workspace *ws);

/** Validate g in place, as bw_gaussian_set does; symmetrises cov on success.
 * @param g the Gaussian to check (its cov is symmetrised on success, untouched on error)
 * @param sym_rtol symmetry tolerance, finite and >= 0 (pass BW_SYM_RTOL)
 * @param ws workspace of dimension >= g->d, or NULL
 * @return the statuses of bw_gaussian_set()
 * @par Allocation
 * None with a workspace of dimension >= d; with ws == NULL one temporary workspace.
 * @par Thread safety
 * Reentrant; g and ws must not be used by another thread during the call. */
BW_API bw_status bw_gaussian_validate(bw_gaussian *g, double sym_rtol, bw_workspace *ws);

#ifdef __cplusplus
}
#endif
#endif
