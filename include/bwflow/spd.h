/* bwflow: spectral functions of symmetric matrices. SPDX-License-Identifier: BSD-3-Clause */
#ifndef BWFLOW_SPD_H
#define BWFLOW_SPD_H
#include "common.h"
#include "workspace.h"
#ifdef __cplusplus
extern "C" {
#endif

/** A scalar function applied to eigenvalues: returns f(x); ctx is passed through. */
typedef double (*bw_scalar_fn)(double x, void *ctx);

/** F = U diag(f(lambda)) U' for symmetric S = U diag(lambda) U' (d x d, column-major).
 * S must be finite and symmetric (within BW_SYM_RTOL); every f(lambda) must be finite
 * (else BW_ERR_OVERFLOW). F may alias S when ldf == lds. No allocation with a workspace
 * of dimension >= d. */
BW_API bw_status bw_sym_func(bw_workspace *ws, int d, const double *S, int lds,
                             bw_scalar_fn f, void *ctx, double *F, int ldf);

/** Principal square root of an SPD matrix (BW_ERR_NOT_SPD if an eigenvalue is <= 0). */
BW_API bw_status bw_spd_sqrt(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf);
/** Inverse principal square root of an SPD matrix. */
BW_API bw_status bw_spd_invsqrt(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf);
/** Principal logarithm of an SPD matrix. */
BW_API bw_status bw_spd_log(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf);
/** Exponential of a symmetric matrix (the result is SPD). */
BW_API bw_status bw_sym_exp(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf);

/** Eigendecomposition of a symmetric matrix: w ascending, V (d x d, ldv) orthonormal
 * eigenvectors in its columns, S = V diag(w) V'. V may alias S when ldv == lds. */
BW_API bw_status bw_sym_eig(bw_workspace *ws, int d, const double *S, int lds, double *w,
                            double *V, int ldv);

#ifdef __cplusplus
}
#endif
#endif
