/* bwflow: Bures-Wasserstein geometry of Gaussians (docs/math.md section 1).
 * SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/geometry.h
 * @brief Bures-Wasserstein geometry of Gaussians: the 2-Wasserstein distance, optimal
 * transport maps, McCann geodesics, exponential and logarithm maps (docs/math.md,
 * docs/geometry.md).
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

#ifdef __cplusplus
}
#endif
#endif
