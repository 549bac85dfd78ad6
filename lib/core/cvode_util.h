/* What bwflow's two CVODE-backed flow solvers share (lib/gaussian/jkoflow.c for Gaussians,
 * lib/particles/particles_flow.c for particles): the checks of their common arguments, the statuses
 * that CVODE's return flags map to, and the text of a failure.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BWFLOW_CVODE_UTIL_H
#define BWFLOW_CVODE_UTIL_H

#include <stddef.h>

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

#endif
