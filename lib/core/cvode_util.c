/* What bwflow's CVODE-backed flow solvers share (lib/core/cvode_util.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvode/cvode.h>

#include "core/cvode_util.h"

bw_status bw__flow_args_check(bw_flow_kind kind, double eta, const bw_jkoflow_opts *o) {
  if (kind != BW_FLOW_JKO && kind != BW_FLOW_FORWARD && kind != BW_FLOW_PLAIN && kind != BW_FLOW_JKO2)
    return BW_ERR_BAD_ARG;
  if (!(o->rtol > 0.0) || !isfinite(o->rtol) || !(o->atol > 0.0) || !isfinite(o->atol) || o->max_steps < 1)
    return BW_ERR_BAD_ARG;
  if (kind == BW_FLOW_PLAIN) {
    if (!(eta >= 0.0) || !isfinite(eta)) return BW_ERR_BAD_ETA;
  } else if (!(eta > 0.0) || !isfinite(eta)) {
    return BW_ERR_BAD_ETA;
  }
  return BW_OK;
}

bw_status bw__cvode_status(int flag) {
  switch (flag) {
  case CV_TOO_MUCH_WORK: return BW_ERR_CVODE_TOO_MUCH_WORK;
  case CV_TOO_MUCH_ACC: return BW_ERR_CVODE_TOO_MUCH_ACC;
  case CV_ERR_FAILURE: return BW_ERR_CVODE_ERR_FAILURE;
  case CV_CONV_FAILURE: return BW_ERR_CVODE_CONV_FAILURE;
  default: return BW_ERR_CVODE;
  }
}

bool bw__cvode_last_state(void *cv, const double *init, size_t n, N_Vector y, sunrealtype *tn) {
  long nst = 0;
  if (CVodeGetCurrentTime(cv, tn) != CV_SUCCESS || CVodeGetNumSteps(cv, &nst) != CV_SUCCESS) return false;
  if (nst) return CVodeGetDky(cv, *tn, 0, y) == CV_SUCCESS;
  memcpy(N_VGetArrayPointer(y), init, n * sizeof(double));
  return true;
}

void bw__cvode_error_text(int code, const char *module, const char *function, const char *msg,
                          char *buf, size_t size) {
  if (code == CV_WARNING) return;
  snprintf(buf, size, "%s (%s, %s)", msg ? msg : "", module ? module : "", function ? function : "");
}

void bw__cvode_failure_text(int flag, const char *errmsg, char *out, size_t size) {
  char *name = CVodeGetReturnFlagName(flag);
  snprintf(out, size, "%s: %s", name ? name : "CV_UNKNOWN", errmsg);
  free(name);
}

double bw__collapse_time_left(double lr, double tau, double e, double c) {
  static const double gx[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                               0.9602898564975363};
  static const double gw[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                               0.1012285362903763};
  double rem = 0.0;
  for (int k = 0; k < 8; k++) {
    const double x = 0.5 * lr * (1.0 + (k < 4 ? -gx[k] : gx[k - 4]));
    const double q = e * tau * tau - 2.0 * tau * x + 2.0 * c * x * x;
    if (!(q > 0.0)) return 0.0; /* not the collapsing regime after all */
    rem += 0.5 * lr * gw[k % 4] * x / q;
  }
  return rem;
}
