/* bwflow: Bures-Wasserstein geometry of Gaussians (docs/math.md section 1).
 * SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/geometry.h
 * @brief Bures-Wasserstein geometry of Gaussians: the 2-Wasserstein distance, optimal
 * transport maps, McCann geodesics, exponential and logarithm maps (docs/math.md,
 * docs/geometry.md), for pairs of Gaussians and for stacks of them (::bw_gaussian_stack).
 *
 * Common to every function here: input Gaussians are validated (finite entries, covariance
 * symmetric within BW_SYM_RTOL; positive definite where an eigendecomposition of it is
 * taken) and must have the same dimension d. Matrices are column-major with explicit
 * leading dimensions. Distances are in the units of x. Statuses: ::BW_ERR_NULL,
 * ::BW_ERR_DIM (d < 1 or a leading dimension < d), ::BW_ERR_DIM_MISMATCH (different
 * dimensions, or a workspace smaller than d), ::BW_ERR_NONFINITE, ::BW_ERR_NOT_SYMMETRIC,
 * ::BW_ERR_NOT_SPD, ::BW_ERR_OVERFLOW (a result not finite), ::BW_ERR_LAPACK,
 * ::BW_ERR_NOMEM (ws == NULL and no memory); outputs untouched on error. No allocation with
 * a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant: inputs are
 * only read; concurrent calls need distinct workspaces and outputs. */
#ifndef BWFLOW_GEOMETRY_H
#define BWFLOW_GEOMETRY_H
#include "common.h"
#include "gaussian.h"
#ifdef __cplusplus
extern "C" {
#endif

/** Squared 2-Wasserstein distance W2^2(g0, g1) = |m0 - m1|^2 + tr(S0 + S1 - 2 (S0^1/2 S1 S0^1/2)^1/2).
 * Computed without the cancellation of the trace formula (docs/geometry.md): relative
 * accuracy is kept for nearby Gaussians, and W2^2(g, g) is exactly 0. No allocation with a
 * workspace of dimension >= d.
 * @param ws workspace of dimension >= d, or NULL
 * @param g0 first Gaussian (covariance positive definite)
 * @param g1 second Gaussian (covariance positive definite)
 * @param[out] w2sq the squared distance, >= 0 (squared units of x)
 * @return ::BW_OK or a status listed in the file description
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d. Reentrant (distinct workspaces per thread).
 * Cost: two symmetric eigendecompositions, a Cholesky factorisation and about 12 d^3 flops
 * of products (closed form at d <= 2). */
BW_API bw_status bw_w2sq(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1, double *w2sq);
/** 2-Wasserstein distance (sqrt of bw_w2sq).
 * @param ws workspace of dimension >= d, or NULL
 * @param g0 first Gaussian
 * @param g1 second Gaussian
 * @param[out] w2 the distance, >= 0 (units of x)
 * @return ::BW_OK or the statuses of bw_w2sq()
 * @par Allocation and thread safety
 * As bw_w2sq(). */
BW_API bw_status bw_w2(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1, double *w2);

/** Optimal transport map x -> m1 + T (x - m0): T = S0^-1/2 (S0^1/2 S1 S0^1/2)^1/2 S0^-1/2, SPD,
 * T S0 T = S1. T is d x d column-major with leading dimension ldt. BW_ERR_LOST_SPD when T,
 * SPD in exact arithmetic, fails the Cholesky test in floating point (extreme conditioning).
 * @param ws workspace of dimension >= d, or NULL
 * @param g0 source Gaussian N(m0, S0)
 * @param g1 target Gaussian N(m1, S1)
 * @param[out] T the symmetric positive definite matrix of the map (dimensionless), leading
 *        dimension ldt; accurate also when g1 is close to g0 (computed as I + (T - I))
 * @param ldt leading dimension of T, >= d
 * @return ::BW_OK or a status listed in the file description
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d. Reentrant (distinct workspaces per thread). */
BW_API bw_status bw_ot_map(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1,
                           double *T, int ldt);

/** McCann geodesic at time t in [0, 1]: m_t = (1-t) m0 + t m1,
 * S_t = ((1-t) I + t T) S0 ((1-t) I + t T). gt may be g0 or g1. BW_ERR_LOST_SPD when S_t
 * fails the Cholesky test in floating point (extreme conditioning).
 * Constant speed: W2(g_s, g_t) = |t - s| W2(g0, g1).
 * @param ws workspace of dimension >= d, or NULL
 * @param g0 the geodesic's start (t = 0)
 * @param g1 the geodesic's end (t = 1)
 * @param t the interpolation parameter, 0 <= t <= 1 (else ::BW_ERR_BAD_ARG)
 * @param[out] gt the Gaussian at t (dimension d; any leading dimension >= d)
 * @return ::BW_OK, ::BW_ERR_BAD_ARG, or a status listed in the file description
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d. Reentrant (distinct workspaces per thread). */
BW_API bw_status bw_geodesic(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1,
                             double t, bw_gaussian *gt);

/** BW logarithm at g0: the tangent vector (v, X) with v = m1 - m0 and X = T - I
 * (symmetric, d x d, ldx), the initial velocity x -> v + X (x - m0) of the geodesic to g1.
 * @param ws workspace of dimension >= d, or NULL
 * @param g0 the base point
 * @param g1 the Gaussian whose logarithm is taken
 * @param[out] v d entries: m1 - m0 (units of x)
 * @param[out] X d x d symmetric, leading dimension ldx: T - I (dimensionless; computed
 *        without forming T, so accurate for nearby Gaussians)
 * @param ldx leading dimension of X, >= d
 * @return ::BW_OK or a status listed in the file description
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d. Reentrant (distinct workspaces per thread). */
BW_API bw_status bw_log_map(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1,
                            double *v, double *X, int ldx);

/** BW exponential at g0 of the tangent vector (v, X): N(m0 + v, (I + X) S0 (I + X)).
 * X must be symmetric with I + X positive definite (the domain on which exp inverts log;
 * else BW_ERR_NOT_SPD, as for an S0 that is not positive definite). BW_ERR_OVERFLOW when
 * m0 + v or the covariance is not finite, BW_ERR_LOST_SPD when the result fails the
 * Cholesky test in floating point. g1 may be g0.
 * @param ws workspace of dimension >= d, or NULL
 * @param g0 the base point (finite, covariance symmetric)
 * @param v d entries, the mean displacement (finite)
 * @param X d x d symmetric (within BW_SYM_RTOL), leading dimension ldx
 * @param ldx leading dimension of X, >= d
 * @param[out] g1 the result (dimension d)
 * @return ::BW_OK, ::BW_ERR_NOT_SPD (I + X not positive definite), or a status listed in
 *         the file description
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d. Reentrant (distinct workspaces per thread). */
BW_API bw_status bw_exp_map(bw_workspace *ws, const bw_gaussian *g0, const double *v,
                            const double *X, int ldx, bw_gaussian *g1);

/* ---- stacks: many Gaussians in one call ---- */

/** A stack of Gaussians of one dimension d, stored with strides (the layout of a numpy
 * stack, or of BLAS's strided batches): item k is N(mean + k mean_stride, cov + k
 * cov_stride), each covariance column-major with leading dimension ld as in
 * ::bw_gaussian. A stride of 0 repeats one mean or one covariance for every item: a
 * single Gaussian broadcast against a stack. Strides count doubles.
 *
 * The stack functions below compute, for items k = 0..n-1, what n calls of the single
 * function would (the same results, bit for bit), in one call with one workspace: no
 * allocation per item (none at all with a workspace of dimension >= d). Where the first
 * stack is one Gaussian (both its strides 0), bw_w2sq_stack() and bw_w2_stack() compute
 * the work that depends on it alone (its eigendecomposition, d >= 3) once.
 *
 * Common to the stack functions: ::BW_ERR_NULL for a NULL stack, array or output;
 * ::BW_ERR_DIM (d < 1 or a leading dimension < d); ::BW_ERR_DIM_MISMATCH (stacks of
 * different d, or a workspace smaller than d); ::BW_ERR_BAD_ARG (n < 0, a negative stride,
 * a stride whose n-th item's offset overflows, or an output stride that makes two items'
 * outputs overlap: an output mean stride below d, a covariance or matrix stride below
 * ld d, when n > 1). These are checked before any item, and then nothing is written. Item
 * k's failure (any status of the single function) stops the stack there: its status is
 * returned and k stored in *failed; items before k hold their results, item k and the
 * ones after it are untouched. Outputs may be the inputs of the same item (same
 * strides), but must not overlap the inputs of other items. */
typedef struct bw_gaussian_stack {
  int d;                 /**< dimension of every item, >= 1 */
  double *mean;          /**< item k's mean (d entries) is mean + k mean_stride */
  ptrdiff_t mean_stride; /**< doubles from one mean to the next, >= 0 (0: one mean for all) */
  double *cov;           /**< item k's covariance is cov + k cov_stride, column-major */
  int ld;                /**< leading dimension of each covariance, >= d */
  ptrdiff_t cov_stride;  /**< doubles from one covariance to the next, >= 0 (0: one for all) */
} bw_gaussian_stack;

/** Squared 2-Wasserstein distances between the items of two stacks: w2sq[k] =
 * W2^2(g0 item k, g1 item k), as bw_w2sq().
 * @param ws workspace of dimension >= d, or NULL (one is allocated for the whole stack)
 * @param n number of items, >= 0
 * @param g0 the first stack
 * @param g1 the second stack (same d)
 * @param[out] w2sq n values (squared units of x)
 * @param[out] failed receives the index of the item that failed, or NULL
 * @return ::BW_OK, a status listed in the description of ::bw_gaussian_stack, or the
 *         failing item's status (those of bw_w2sq())
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d. Reentrant (distinct workspaces per thread). */
BW_API bw_status bw_w2sq_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                               const bw_gaussian_stack *g1, double *w2sq, long *failed);
/** 2-Wasserstein distances between the items of two stacks, as bw_w2() (the square roots
 * of bw_w2sq_stack()'s values).
 * @param ws workspace of dimension >= d, or NULL
 * @param n number of items, >= 0
 * @param g0 the first stack
 * @param g1 the second stack (same d)
 * @param[out] w2 n distances (units of x)
 * @param[out] failed receives the index of the item that failed, or NULL
 * @return as bw_w2sq_stack()
 * @par Allocation and thread safety
 * As bw_w2sq_stack(). */
BW_API bw_status bw_w2_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                             const bw_gaussian_stack *g1, double *w2, long *failed);
/** Optimal transport maps between the items of two stacks, as bw_ot_map(): item k's
 * matrix T_k (d x d, column-major, leading dimension ldt) at T + k t_stride.
 * @param ws workspace of dimension >= d, or NULL
 * @param n number of items, >= 0
 * @param g0 the source stack
 * @param g1 the target stack (same d)
 * @param[out] T the n matrices
 * @param ldt leading dimension of each matrix, >= d
 * @param t_stride doubles from one matrix to the next, >= ldt d when n > 1
 * @param[out] failed receives the index of the item that failed, or NULL
 * @return as bw_w2sq_stack(), with bw_ot_map()'s statuses per item
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d. Reentrant (distinct workspaces per thread). */
BW_API bw_status bw_ot_map_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                                 const bw_gaussian_stack *g1, double *T, int ldt,
                                 ptrdiff_t t_stride, long *failed);
/** Points on the McCann geodesics between the items of two stacks, as bw_geodesic(): item
 * k of gt is the geodesic from g0's item k to g1's item k at time t[k t_stride].
 * @param ws workspace of dimension >= d, or NULL
 * @param n number of items, >= 0
 * @param g0 the starts
 * @param g1 the ends (same d)
 * @param t the times, each in [0, 1]
 * @param t_stride doubles from one time to the next, >= 0 (0: one time for all)
 * @param[out] gt the results (same d; its arrays are written)
 * @param[out] failed receives the index of the item that failed, or NULL
 * @return as bw_w2sq_stack(), with bw_geodesic()'s statuses per item
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d. Reentrant (distinct workspaces per thread). */
BW_API bw_status bw_geodesic_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                                   const bw_gaussian_stack *g1, const double *t,
                                   ptrdiff_t t_stride, const bw_gaussian_stack *gt,
                                   long *failed);
/** BW logarithms of the items of g1 at the items of g0, as bw_log_map(): item k's v_k (d
 * entries) at v + k v_stride and X_k (d x d, leading dimension ldx) at X + k x_stride.
 * @param ws workspace of dimension >= d, or NULL
 * @param n number of items, >= 0
 * @param g0 the base points
 * @param g1 the Gaussians whose logarithms are taken (same d)
 * @param[out] v the n mean displacements
 * @param v_stride doubles from one v to the next, >= d when n > 1
 * @param[out] X the n symmetric matrices T - I
 * @param ldx leading dimension of each X, >= d
 * @param x_stride doubles from one X to the next, >= ldx d when n > 1
 * @param[out] failed receives the index of the item that failed, or NULL
 * @return as bw_w2sq_stack(), with bw_log_map()'s statuses per item
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d. Reentrant (distinct workspaces per thread). */
BW_API bw_status bw_log_map_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                                  const bw_gaussian_stack *g1, double *v, ptrdiff_t v_stride,
                                  double *X, int ldx, ptrdiff_t x_stride, long *failed);
/** BW exponentials at the items of g0 of the tangent vectors (v_k, X_k), as bw_exp_map().
 * @param ws workspace of dimension >= d, or NULL
 * @param n number of items, >= 0
 * @param g0 the base points
 * @param v the mean displacements: item k's d entries at v + k v_stride
 * @param v_stride doubles from one v to the next, >= 0 (0: one for all)
 * @param X the symmetric matrices: item k's (d x d, leading dimension ldx) at X + k x_stride
 * @param ldx leading dimension of each X, >= d
 * @param x_stride doubles from one X to the next, >= 0 (0: one for all)
 * @param[out] g1 the results (same d; its arrays are written)
 * @param[out] failed receives the index of the item that failed, or NULL
 * @return as bw_w2sq_stack(), with bw_exp_map()'s statuses per item
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d. Reentrant (distinct workspaces per thread). */
BW_API bw_status bw_exp_map_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                                  const double *v, ptrdiff_t v_stride, const double *X, int ldx,
                                  ptrdiff_t x_stride, const bw_gaussian_stack *g1, long *failed);

#ifdef __cplusplus
}
#endif
#endif
