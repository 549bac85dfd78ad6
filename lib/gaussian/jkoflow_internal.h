/* bwflow internals: test hooks of the Gaussian flow solver (lib/gaussian/jkoflow.c) -- the functions
 * CVODE calls, on plain arrays, so that tests/test_modflow2.c can check the analytic Jacobian,
 * the Jacobian-vector product and the preconditioner's diagonal against differences of the
 * right-hand side. Not installed. SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_JKOFLOW_INTERNAL_H
#define BW_JKOFLOW_INTERNAL_H
#include "core/internal.h"

/* n = d + d(d+1)/2, the state's size. */
int bw__jkoflow_state_size(const bw_jkoflow *jf);
/* y = (Q'm, packed R'SR) of g (BW_ERR_NOT_SPD, BW_ERR_OVERFLOW). */
bw_status bw__jkoflow_state(bw_jkoflow *jf, const bw_gaussian *g, double *y);
/* f = f(y) as CVODE sees it; non-zero when X is not positive definite or f not finite. */
int bw__jkoflow_rhs_state(bw_jkoflow *jf, const double *y, double *f);
/* At y: the dense Jacobian J (n x n, column-major), J v, and the diagonal the Krylov
 * preconditioner uses. BW_ERR_NOT_SPD when X is not positive definite. Allocates. */
bw_status bw__jkoflow_jacobians(bw_jkoflow *jf, const double *y, const double *v, double *J, double *Jv,
                                double *diag);

#endif
