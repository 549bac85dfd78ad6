/* bwflow: exact Wasserstein gradient flow, JKO step, explicit step (docs/math.md sections 3-4).
 * SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/dynamics.h
 * @brief The exact Wasserstein gradient flow (closed form), JKO plans and steps (closed
 * form), and the explicit (forward Euler) step (docs/math.md).
 *
 * Common statuses of the functions taking Gaussians: ::BW_ERR_NULL; ::BW_ERR_DIM (a
 * Gaussian with d < 1 or ld < d); ::BW_ERR_DIM_MISMATCH (a Gaussian of another dimension
 * than the problem or plan, or a workspace smaller than d); ::BW_ERR_NONFINITE and
 * ::BW_ERR_NOT_SYMMETRIC (input entries); ::BW_ERR_NOT_SPD (input covariance);
 * ::BW_ERR_LAPACK; ::BW_ERR_NOMEM (ws == NULL and no memory). Outputs are untouched on
 * error. Times t and steps eta are in the time unit of the gradient flow
 * d/dt rho = div(rho grad dJ/drho). */
#ifndef BWFLOW_DYNAMICS_H
#define BWFLOW_DYNAMICS_H
#include "common.h"
#include "gaussian.h"
#include "problem.h"
#ifdef __cplusplus
extern "C" {
#endif

/** The exact Wasserstein gradient flow of J from g0, evaluated at time t >= 0 (closed form,
 * docs/math.md section 3; uses expm1, accurate for zero, tiny and negative eigenvalues of A, P).
 * gt may be g0. Errors: BW_ERR_BAD_ARG unless 0 <= t < inf; BW_ERR_NOT_SPD when g0's
 * covariance is not positive definite; BW_ERR_OVERFLOW when the result is not finite
 * (non-convex energies over long times); BW_ERR_LOST_SPD when the covariance is no longer
 * positive definite in floating point (tau = 0 and e^{-p t} underflows: the flow tends to a
 * Dirac mass). No allocation with a workspace of dimension >= d.
 * @param pb the problem
 * @param ws workspace of dimension >= d, or NULL
 * @param g0 the initial Gaussian (time 0)
 * @param t the time, 0 <= t < inf
 * @param[out] gt the Gaussian at time t (may be g0; any leading dimension >= d)
 * @return ::BW_OK, a status listed above or in the file description
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant:
 * pb and g0 are only read; concurrent calls need distinct workspaces and outputs. */
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
 * afterwards. On error *plan is untouched.
 * @param pb the problem
 * @param eta the step size, 0 < eta < inf
 * @param[out] plan receives the new plan (free with bw_jko_plan_free())
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ETA; ::BW_ERR_ETA_TOO_LARGE;
 *         ::BW_ERR_OVERFLOW; ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * Allocates the plan (one block, O(d^2)). Reentrant; pb is only read. */
BW_API bw_status bw_jko_plan_create(const bw_problem *pb, double eta, bw_jko_plan **plan);
/** Free a plan.
 * @param plan the plan, or NULL (nothing happens)
 * @par Thread safety
 * No other thread may be using the plan. */
BW_API void bw_jko_plan_free(bw_jko_plan *plan);
/** The plan's step size.
 * @param plan the plan, or NULL
 * @return eta, or NaN for NULL
 * @par Allocation and thread safety
 * No allocation; only reads the plan. */
BW_API double bw_jko_plan_eta(const bw_jko_plan *plan);
/** The plan's dimension.
 * @param plan the plan, or NULL
 * @return d, or 0 for NULL
 * @par Allocation and thread safety
 * No allocation; only reads the plan. */
BW_API int bw_jko_plan_dim(const bw_jko_plan *plan);

/** One JKO step rho_{k+1} = argmin J(rho) + W2^2(rho, rho_k)/(2 eta) (closed form,
 * docs/math.md section 4): one Cholesky factorisation, one symmetric eigendecomposition and
 * two d x d products (closed form at d <= 2); no allocation with
 * a workspace of dimension >= d. out may be in. BW_ERR_NOT_SPD when in's covariance is not
 * positive definite; BW_ERR_LOST_SPD when the result, SPD in exact arithmetic, fails the
 * Cholesky test in floating point (condition number beyond ~1/eps, e.g. tau = 0 with a
 * huge eta); dimensions must match the plan (BW_ERR_DIM_MISMATCH).
 * @param plan the plan (fixes the problem and eta)
 * @param ws workspace of dimension >= d, or NULL
 * @param in rho_k
 * @param[out] out rho_{k+1} (may be in; any leading dimension >= d)
 * @return ::BW_OK, ::BW_ERR_OVERFLOW (result not finite), or a status listed in the file
 *         description
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant:
 * the plan is only read and may be shared; concurrent calls need distinct workspaces and
 * outputs. */
BW_API bw_status bw_jko_step(const bw_jko_plan *plan, bw_workspace *ws, const bw_gaussian *in,
                             bw_gaussian *out);

/** n JKO steps from in: the same iterates as n calls of bw_jko_step() (up to rounding), at
 * about one symmetric eigendecomposition per step. Between steps the covariance stays in
 * the eigenbasis R of P, where B = I + eta P is diagonal: with D = diag(1 + eta p)^-1/2, a
 * step maps C = D R'SR D = V diag(c) V' to the next C = Z Z', Z = D^2 V diag(x)^1/2, i.e. one
 * eigendecomposition and one symmetric rank-d product (d^3 flops), where bw_jko_step spends
 * 16/3 d^3 flops of congruences into and out of the basis; the first and the last step
 * enter and leave it (n = 1 is bw_jko_step). The mean is stepped as in bw_jko_step. Every
 * intermediate iterate is checked like a single step's output: BW_ERR_LOST_SPD when one
 * fails the Cholesky test (only tried where the condition bound cond(diag(x)) cond(B) does
 * not already certify definiteness), BW_ERR_OVERFLOW when one is not finite. On any error
 * out is untouched (no partial result; start again from in with fewer steps or
 * bw_jko_step to find the failing step). out may be in.
 * @param plan the plan (fixes the problem and eta)
 * @param ws workspace of dimension >= d, or NULL
 * @param in rho_0
 * @param n the number of steps, >= 1
 * @param[out] out rho_n (may be in; any leading dimension >= d)
 * @return ::BW_OK, ::BW_ERR_BAD_ARG (n < 1), ::BW_ERR_OVERFLOW, ::BW_ERR_LOST_SPD, or a
 *         status listed in the file description
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant:
 * the plan is only read and may be shared; concurrent calls need distinct workspaces and
 * outputs. */
BW_API bw_status bw_jko_steps(const bw_jko_plan *plan, bw_workspace *ws, const bw_gaussian *in,
                              int n, bw_gaussian *out);

/** One explicit (forward Euler) step: push forward by x -> x - eta v(x), v = grad dJ/drho:
 * m' = m - eta (A m - h), S' = (I - eta M) S (I - eta M), M = P - tau S^-1.
 * BW_ERR_BAD_ETA unless 0 < eta < inf. BW_ERR_LOST_SPD when I - eta M is singular to working
 * precision (min |eigenvalue| <= 16 d eps max |eigenvalue|), or when the result fails the
 * Cholesky test in floating point. When I - eta M is indefinite but
 * non-singular the push-forward is returned (a valid Gaussian, though the map is then not an
 * optimal transport map). out may be in.
 * @param pb the problem
 * @param eta the step size, 0 < eta < inf
 * @param ws workspace of dimension >= d, or NULL
 * @param in rho_k
 * @param[out] out rho_{k+1} (may be in; any leading dimension >= d)
 * @return ::BW_OK, ::BW_ERR_BAD_ETA, ::BW_ERR_LOST_SPD, ::BW_ERR_OVERFLOW, or a status
 *         listed in the file description
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant:
 * pb and in are only read; concurrent calls need distinct workspaces and outputs. */
BW_API bw_status bw_forward_step(const bw_problem *pb, double eta, bw_workspace *ws,
                                 const bw_gaussian *in, bw_gaussian *out);

/** The forward-backward step (Diao et al. 2023, the scheme Gaussian variational inference
 * runs): a forward step on the quadratic part (potential and interaction), then the exact
 * JKO step of the entropy:
 * m' = m - eta (A m - h), S1 = (I - eta P) S (I - eta P),
 * S' = eta tau I + S1/2 + (S1^2/4 + eta tau S1)^(1/2).
 * With tau > 0 the result is positive definite for every eta (the entropy step lifts every
 * variance above eta tau); with tau = 0 it is bw_forward_step(). out may be in.
 * @param pb the problem
 * @param eta the step size, 0 < eta < inf
 * @param ws workspace of dimension >= d, or NULL
 * @param in rho_k
 * @param[out] out rho_{k+1} (may be in; any leading dimension >= d)
 * @return as bw_forward_step()
 * @par Allocation and thread safety
 * As bw_forward_step(). */
BW_API bw_status bw_fb_step(const bw_problem *pb, double eta, bw_workspace *ws, const bw_gaussian *in,
                            bw_gaussian *out);

#ifdef __cplusplus
}
#endif
#endif
