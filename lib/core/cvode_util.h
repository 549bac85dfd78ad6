/* What bwflow's CVODE-backed flow solvers share (lib/gaussian/jkoflow.c for Gaussians,
 * lib/particles/particles_flow.c for particles, lib/ridge/ridge_flow.c for ridges): the checks of their common arguments, the statuses
 * that CVODE's return flags map to, and the text of a failure.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BWFLOW_CVODE_UTIL_H
#define BWFLOW_CVODE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <sundials/sundials_nvector.h>

#include "bwflow/jkoflow.h"

/* The kind is one of the four flow kinds, eta >= 0 for BW_FLOW_PLAIN (ignored) and > 0
 * otherwise, rtol and atol positive and finite, max_steps >= 1. Each solver checks the
 * linear solver and method it supports itself. */
bw_status bw__flow_args_check(bw_flow_kind kind, double eta, const bw_jkoflow_opts *o);

/* The status of a failed CVode() or CVodeReInit() return flag. */
bw_status bw__cvode_status(int flag);

/* For CVodeSetErrHandlerFn: keeps CVODE's last error (not its warnings) as
 * "message (module, function)" in buf. */
void bw__cvode_error_text(int code, const char *module, const char *function, const char *msg,
                          char *buf, size_t size);

/* out = "CV_FLAG_NAME: " followed by the last error text. */
void bw__cvode_failure_text(int flag, const char *errmsg, char *out, size_t size);

/* CVODE's last accepted state, which a failure analysis inspects: the interpolant at the
 * solver's current time, or, before any step, the n values init it started from. Written
 * to y with its time in *tn; false when CVODE cannot say. */
bool bw__cvode_last_state(void *cv, const double *init, size_t n, N_Vector y, sunrealtype *tn);

/* The time a collapsing variance lambda_r still takes to reach 0 under the frozen scalar law
 * lambda' = 2 tau - 2 c lambda - e tau^2 / lambda (exact for a fixed eigenvector): the
 * integral over [0, lambda_r] of lambda / q(lambda), q = e tau^2 - 2 tau lambda + 2 c lambda^2,
 * an analytic integrand there (q's roots are the equilibria, far above lambda_r): 8-point
 * Gauss-Legendre, exact to rounding; 0 when q is not positive on [0, lambda_r]. */
double bw__collapse_time_left(double lr, double tau, double e, double c);

#endif
