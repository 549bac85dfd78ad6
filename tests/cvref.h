/* CVODE reference integrator for the Wasserstein gradient-flow ODE (tests only).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_CVREF_H
#define BW_CVREF_H
#include "bwflow.h"

/* Integrates m' = -(A m - h), S' = 2 tau I - P S - S P (full d x d state, no symmetry
 * assumed) from (g0->mean, g0->cov) over [0, t] with CVODE (Adams, fixed-point iteration,
 * stop time t) at tolerances rtol, atol. Writes the result to gt (ld d). Returns 0 on
 * success, the CVODE flag otherwise. */
int cvref_wgf(const bw_problem *pb, const bw_gaussian *g0, double t, double rtol, double atol,
              bw_gaussian *gt);

#endif
