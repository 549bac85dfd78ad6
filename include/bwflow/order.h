/* bwflow: convergence-order studies of the JKO scheme (docs/math.md section 5).
 * SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/order.h
 * @brief Convergence-order studies: the global errors of the JKO and forward Euler
 * iterates against the exact flow and against their modified flows, and log-log slopes
 * (docs/order-study.md). */
#ifndef BWFLOW_ORDER_H
#define BWFLOW_ORDER_H
#include "common.h"
#include "gaussian.h"
#include "jkoflow.h"
#include "problem.h"
#ifdef __cplusplus
extern "C" {
#endif

/** The four global errors of one step size eta, over the horizon [0, T] with n = T/eta steps.
 * Each is max_{k=1..n} W2(iterate_k, reference(k eta)):
 *   err_wgf           JKO iterates against the exact Wasserstein gradient flow   (O(eta))
 *   err_jkoflow       JKO iterates against JKO-Flow, the flow of J - eta/4 |grad J|^2 (O(eta^2))
 *   err_forward_wgf   forward Euler iterates against the exact flow               (O(eta))
 *   err_forward_flow  forward Euler iterates against their modified flow,
 *                     the flow of J + eta/4 |grad J|^2                            (O(eta^2)) */
typedef struct bw_order_point {
  double eta;              /**< the step size */
  long steps;              /**< n = T/eta, the number of steps */
  double err_wgf;          /**< JKO iterates vs the exact flow (units of x) */
  double err_jkoflow;      /**< JKO iterates vs JKO-Flow */
  double err_forward_wgf;  /**< forward Euler iterates vs the exact flow */
  double err_forward_flow; /**< forward Euler iterates vs the forward modified flow */
  /** BW_OK, or why the forward Euler iterates failed (e.g. BW_ERR_LOST_SPD for a step too
   * large for the explicit scheme): then both forward errors are +INFINITY. */
  bw_status forward_status;
} bw_order_point;

/** Compute the errors of one eta from g0 over [0, T]. T must be a multiple of eta
 * (|n eta - T| <= 1e-9 T, else BW_ERR_BAD_ARG); opts are the CVODE options of the two
 * modified flows (NULL: defaults). Returns BW_ERR_COLLAPSE when JKO-Flow collapses before T
 * (eta too large for the initial variances), the JKO plan's statuses for eta, and the
 * statuses of the integrator. Allocates its solvers and workspace (one call is one study
 * point; the stepping inside allocates nothing). *pt untouched on error.
 * @param pb the problem
 * @param g0 the initial Gaussian of all four trajectories (dimension d, validated)
 * @param T the horizon, finite, > 0, a multiple of eta, T/eta < 1e9
 * @param eta the step size, 0 < eta < inf
 * @param opts CVODE options of JKO-Flow and the forward modified flow, or NULL (defaults)
 * @param[out] pt the four errors (W2 distances, units of x)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_NONFINITE;
 *         ::BW_ERR_NOT_SYMMETRIC; ::BW_ERR_NOT_SPD; ::BW_ERR_BAD_ETA; ::BW_ERR_BAD_ARG;
 *         ::BW_ERR_ETA_TOO_LARGE; ::BW_ERR_NOMEM; ::BW_ERR_COLLAPSE; the other statuses of
 *         bw_jko_step(), bw_wgf() and bw_jkoflow_advance() (a forward Euler failure is not
 *         an error: it is reported in pt->forward_status)
 * @par Allocation and thread safety
 * Allocates its solvers, plan, workspace and five Gaussians per call (O(d^2), plus CVODE).
 * Reentrant: pb and g0 are only read, so several etas may be computed in parallel threads. */
BW_API bw_status bw_order_point_compute(const bw_problem *pb, const bw_gaussian *g0, double T,
                                        double eta, const bw_jkoflow_opts *opts,
                                        bw_order_point *pt);

/** Least-squares slope of log(y) against log(x) over the n points with finite positive x
 * and y (at least 2, else BW_ERR_BAD_ARG).
 * Points with a non-finite or non-positive coordinate are skipped (e.g. a forward Euler error
 * of +INFINITY); at least two of the remaining x must differ.
 * @param n number of points, >= 0
 * @param x n abscissae (e.g. step sizes)
 * @param y n ordinates (e.g. errors)
 * @param[out] slope the fitted slope (dimensionless)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (fewer than two usable points, or all
 *         usable x equal); ::BW_ERR_OVERFLOW
 * @par Allocation and thread safety
 * No allocation; reentrant. */
BW_API bw_status bw_loglog_slope(int n, const double *x, const double *y, double *slope);

#ifdef __cplusplus
}
#endif
#endif
