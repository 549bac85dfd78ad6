/* bwflow: exact Wasserstein gradient flow, JKO step, explicit step (MATH.md sections 3-4).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BWFLOW_DYNAMICS_H
#define BWFLOW_DYNAMICS_H
#include "common.h"
#include "gaussian.h"
#include "problem.h"
#ifdef __cplusplus
extern "C" {
#endif

/** The exact Wasserstein gradient flow of J from g0, evaluated at time t >= 0 (closed form,
 * MATH.md section 3; uses expm1, accurate for zero, tiny and negative eigenvalues of A, P).
 * gt may be g0. Errors: BW_ERR_BAD_ARG unless 0 <= t < inf; BW_ERR_NOT_SPD when g0's
 * covariance is not positive definite; BW_ERR_OVERFLOW when the result is not finite
 * (non-convex energies over long times); BW_ERR_LOST_SPD when the covariance is no longer
 * positive definite in floating point (tau = 0 and e^{-p t} underflows: the flow tends to a
 * Dirac mass). No allocation with a workspace of dimension >= d. */
BW_API bw_status bw_wgf(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g0, double t,
                        bw_gaussian *gt);

/** A JKO plan: (problem, eta) fixed once; stepping then needs no allocation and one
 * symmetric eigendecomposition per step. Immutable after creation, so one plan may be used
 * by several threads at once, each with its own workspace. */
typedef struct bw_jko_plan bw_jko_plan;

/** Plan JKO steps of size eta for pb. BW_ERR_BAD_ETA unless 0 < eta < inf;
 * BW_ERR_ETA_TOO_LARGE when I + eta P or I + eta A is not positive definite (the covariance
 * and the mean subproblems must be strictly convex); BW_ERR_OVERFLOW when eta times an
 * eigenvalue or tau overflows. The plan copies what it needs (O(d^2)): pb may be freed
 * afterwards. On error *plan is untouched. */
BW_API bw_status bw_jko_plan_create(const bw_problem *pb, double eta, bw_jko_plan **plan);
BW_API void bw_jko_plan_free(bw_jko_plan *plan);
BW_API double bw_jko_plan_eta(const bw_jko_plan *plan);
BW_API int bw_jko_plan_dim(const bw_jko_plan *plan);

/** One JKO step rho_{k+1} = argmin J(rho) + W2^2(rho, rho_k)/(2 eta) (closed form, MATH.md
 * section 4): one symmetric eigendecomposition and four d x d products; no allocation with
 * a workspace of dimension >= d. out may be in. BW_ERR_NOT_SPD when in's covariance is not
 * positive definite; dimensions must match the plan (BW_ERR_DIM_MISMATCH). */
BW_API bw_status bw_jko_step(const bw_jko_plan *plan, bw_workspace *ws, const bw_gaussian *in,
                             bw_gaussian *out);

/** One explicit (forward Euler) step: push forward by x -> x - eta v(x), v = grad dJ/drho:
 * m' = m - eta (A m - h), S' = (I - eta M) S (I - eta M), M = P - tau S^-1.
 * BW_ERR_BAD_ETA unless 0 < eta < inf. BW_ERR_LOST_SPD when I - eta M is singular to working
 * precision (min |eigenvalue| <= 16 d eps max |eigenvalue|). When I - eta M is indefinite but
 * non-singular the push-forward is returned (a valid Gaussian, though the map is then not an
 * optimal transport map). out may be in. */
BW_API bw_status bw_forward_step(const bw_problem *pb, double eta, bw_workspace *ws,
                                 const bw_gaussian *in, bw_gaussian *out);

#ifdef __cplusplus
}
#endif
#endif
