/* Status codes: names and messages. SPDX-License-Identifier: BSD-3-Clause */
#include "core/internal.h"

static const struct {
  const char *name;
  const char *msg;
} table[BW_STATUS_COUNT] = {
    [BW_OK] = {"BW_OK", "success"},
    [BW_ERR_NULL] = {"BW_ERR_NULL", "a required pointer argument is NULL"},
    [BW_ERR_DIM] = {"BW_ERR_DIM", "dimension is < 1 or a leading dimension is smaller than the dimension"},
    [BW_ERR_DIM_MISMATCH] = {"BW_ERR_DIM_MISMATCH", "arguments have different dimensions, or exceed the workspace"},
    [BW_ERR_NONFINITE] = {"BW_ERR_NONFINITE", "an input entry is NaN or infinite"},
    [BW_ERR_NOT_SYMMETRIC] = {"BW_ERR_NOT_SYMMETRIC", "a matrix that must be symmetric is not"},
    [BW_ERR_NOT_SPD] = {"BW_ERR_NOT_SPD", "a matrix that must be positive definite is not"},
    [BW_ERR_BAD_ETA] = {"BW_ERR_BAD_ETA", "the step eta must be a positive finite number"},
    [BW_ERR_BAD_TAU] = {"BW_ERR_BAD_TAU", "the temperature tau must be a finite number >= 0"},
    [BW_ERR_BAD_ARG] = {"BW_ERR_BAD_ARG", "an argument is outside its domain"},
    [BW_ERR_ETA_TOO_LARGE] = {"BW_ERR_ETA_TOO_LARGE", "the step is too large for this non-convex energy: the JKO step's objective is not strictly convex (I + eta P not positive definite for Gaussians, eta max(0, -min V'') >= 1 for particles)"},
    [BW_ERR_LOST_SPD] = {"BW_ERR_LOST_SPD", "the result would not be positive definite (step too large)"},
    [BW_ERR_OVERFLOW] = {"BW_ERR_OVERFLOW", "the result overflowed"},
    [BW_ERR_NOMEM] = {"BW_ERR_NOMEM", "memory allocation failed"},
    [BW_ERR_LAPACK] = {"BW_ERR_LAPACK", "a LAPACK routine failed to converge"},
    [BW_ERR_COLLAPSE] = {"BW_ERR_COLLAPSE", "JKO-Flow collapse: a variance reaches zero in finite time"},
    [BW_ERR_CVODE_TOO_MUCH_WORK] = {"BW_ERR_CVODE_TOO_MUCH_WORK", "CVODE failed with CV_TOO_MUCH_WORK: too many internal steps before the output time"},
    [BW_ERR_CVODE_TOO_MUCH_ACC] = {"BW_ERR_CVODE_TOO_MUCH_ACC", "CVODE failed with CV_TOO_MUCH_ACC: the requested accuracy cannot be met"},
    [BW_ERR_CVODE_ERR_FAILURE] = {"BW_ERR_CVODE_ERR_FAILURE", "CVODE failed with CV_ERR_FAILURE: the error test failed repeatedly"},
    [BW_ERR_CVODE_CONV_FAILURE] = {"BW_ERR_CVODE_CONV_FAILURE", "CVODE failed with CV_CONV_FAILURE: the nonlinear solver failed to converge repeatedly"},
    [BW_ERR_CVODE] = {"BW_ERR_CVODE", "CVODE failed (setup, linear solver or right-hand side failure)"},
    [BW_ERR_ILL_POSED] = {"BW_ERR_ILL_POSED", "the modified flow turns ill-posed: eta times the largest Hessian eigenvalue reaches 2"},
    [BW_ERR_NOT_ORDERED] = {"BW_ERR_NOT_ORDERED", "particle positions are not strictly increasing (or two particles meet)"},
    [BW_ERR_NO_CONVERGENCE] = {"BW_ERR_NO_CONVERGENCE", "an iterative solve (Newton) did not converge"},
    [BW_ERR_PRECISION] = {"BW_ERR_PRECISION", "the positions cannot be resolved in double precision: particles are closer together than rounding allows at this tau and eta"},
    [BW_ERR_NOT_PROVIDED] = {"BW_ERR_NOT_PROVIDED", "the system does not provide this trajectory kind"},
};

const char *bw_strerror(bw_status s) {
  if ((int)s < 0 || s >= BW_STATUS_COUNT || !table[s].msg) return "unknown status";
  return table[s].msg;
}

const char *bw_status_name(bw_status s) {
  if ((int)s < 0 || s >= BW_STATUS_COUNT || !table[s].name) return "BW_UNKNOWN_STATUS";
  return table[s].name;
}

const char *bw_version(void) { return BWFLOW_VERSION; }
