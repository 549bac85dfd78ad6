/* bwflow: Bures-Wasserstein geometry of Gaussians (MATH.md section 2).
 * SPDX-License-Identifier: BSD-3-Clause */
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
 * workspace of dimension >= d. */
BW_API bw_status bw_w2sq(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1, double *w2sq);
/** 2-Wasserstein distance (sqrt of bw_w2sq). */
BW_API bw_status bw_w2(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1, double *w2);

/** Optimal transport map x -> m1 + T (x - m0): T = S0^-1/2 (S0^1/2 S1 S0^1/2)^1/2 S0^-1/2, SPD,
 * T S0 T = S1. T is d x d column-major with leading dimension ldt. */
BW_API bw_status bw_ot_map(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1,
                           double *T, int ldt);

/** McCann geodesic at time t in [0, 1]: m_t = (1-t) m0 + t m1,
 * S_t = ((1-t) I + t T) S0 ((1-t) I + t T). gt may be g0 or g1. */
BW_API bw_status bw_geodesic(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1,
                             double t, bw_gaussian *gt);

/** BW logarithm at g0: the tangent vector (v, X) with v = m1 - m0 and X = T - I
 * (symmetric, d x d, ldx), the initial velocity x -> v + X (x - m0) of the geodesic to g1. */
BW_API bw_status bw_log_map(bw_workspace *ws, const bw_gaussian *g0, const bw_gaussian *g1,
                            double *v, double *X, int ldx);

/** BW exponential at g0 of the tangent vector (v, X): N(m0 + v, (I + X) S0 (I + X)).
 * X must be symmetric with I + X positive definite (the domain on which exp inverts log;
 * else BW_ERR_NOT_SPD). g1 may be g0. */
BW_API bw_status bw_exp_map(bw_workspace *ws, const bw_gaussian *g0, const double *v,
                            const double *X, int ldx, bw_gaussian *g1);

#ifdef __cplusplus
}
#endif
#endif
