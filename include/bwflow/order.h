/* bwflow: convergence-order studies of the JKO scheme (MATH.md section 5).
 * SPDX-License-Identifier: BSD-3-Clause */
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
  double eta;
  long steps;
  double err_wgf;
  double err_jkoflow;
  double err_forward_wgf;
  double err_forward_flow;
  /** BW_OK, or why the forward Euler iterates failed (e.g. BW_ERR_LOST_SPD for a step too
   * large for the explicit scheme): then both forward errors are +INFINITY. */
  bw_status forward_status;
} bw_order_point;

/** Compute the errors of one eta from g0 over [0, T]. T must be a multiple of eta
 * (|n eta - T| <= 1e-9 T, else BW_ERR_BAD_ARG); opts are the CVODE options of the two
 * modified flows (NULL: defaults). Returns BW_ERR_COLLAPSE when JKO-Flow collapses before T
 * (eta too large for the initial variances), the JKO plan's statuses for eta, and the
 * statuses of the integrator. Allocates its solvers and workspace (one call is one study
 * point; the stepping inside allocates nothing). *pt untouched on error. */
BW_API bw_status bw_order_point_compute(const bw_problem *pb, const bw_gaussian *g0, double T,
                                        double eta, const bw_jkoflow_opts *opts,
                                        bw_order_point *pt);

/** Least-squares slope of log(y) against log(x) over the n points with finite positive x
 * and y (at least 2, else BW_ERR_BAD_ARG). */
BW_API bw_status bw_loglog_slope(int n, const double *x, const double *y, double *slope);

#ifdef __cplusplus
}
#endif
#endif
