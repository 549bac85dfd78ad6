/* bwflow: spectral functions of symmetric matrices. SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/spd.h
 * @brief Spectral functions of symmetric matrices (square root, inverse square root,
 * logarithm, exponential, any f) through the library's symmetric eigensolver (closed form at
 * d = 2, Householder tridiagonalisation + QL for d <= 56, LAPACK's dsyevd above).
 *
 * Common to every function here: S is d x d, column-major with leading dimension lds >= d,
 * finite and symmetric within BW_SYM_RTOL (only its lower triangle enters the
 * eigendecomposition); the result F (d x d, leading dimension ldf >= d) is symmetric and may
 * alias S when ldf == lds. Statuses: ::BW_ERR_NULL (S, F or another required pointer NULL),
 * ::BW_ERR_DIM (d < 1, lds or ldf < d), ::BW_ERR_NONFINITE, ::BW_ERR_NOT_SYMMETRIC,
 * ::BW_ERR_DIM_MISMATCH (workspace smaller than d), ::BW_ERR_NOMEM (ws == NULL and no
 * memory), ::BW_ERR_LAPACK (dsyevd did not converge), and those listed per function. No
 * allocation with a workspace of dimension >= d (ws == NULL: one temporary workspace).
 * Reentrant: concurrent calls need distinct workspaces and outputs. */
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
 * of dimension >= d.
 * @param ws workspace of dimension >= d, or NULL
 * @param d dimension, >= 1
 * @param S the symmetric matrix (leading dimension lds)
 * @param lds leading dimension of S, >= d
 * @param f the scalar function (called d times, from the calling thread)
 * @param ctx passed to f
 * @param[out] F the result (leading dimension ldf)
 * @param ldf leading dimension of F, >= d
 * @return ::BW_OK, the common statuses of this file, or ::BW_ERR_OVERFLOW when some
 *         f(lambda) is not finite
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant
 * if f is: concurrent calls need distinct workspaces and outputs. */
BW_API bw_status bw_sym_func(bw_workspace *ws, int d, const double *S, int lds,
                             bw_scalar_fn f, void *ctx, double *F, int ldf);

/** Principal square root of an SPD matrix (BW_ERR_NOT_SPD if an eigenvalue is <= 0).
 * @param ws workspace of dimension >= d, or NULL
 * @param d dimension
 * @param S SPD matrix, leading dimension lds
 * @param lds leading dimension of S
 * @param[out] F S^1/2, leading dimension ldf
 * @param ldf leading dimension of F
 * @return ::BW_OK, the common statuses of this file, or ::BW_ERR_NOT_SPD
 *
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant:
 * concurrent calls need distinct workspaces and outputs. */
BW_API bw_status bw_spd_sqrt(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf);
/** Inverse principal square root S^-1/2 of an SPD matrix.
 * @param ws workspace of dimension >= d, or NULL
 * @param d dimension
 * @param S SPD matrix, leading dimension lds
 * @param lds leading dimension of S
 * @param[out] F S^-1/2, leading dimension ldf
 * @param ldf leading dimension of F
 * @return ::BW_OK, the common statuses of this file, ::BW_ERR_NOT_SPD (an eigenvalue <= 0)
 *         or ::BW_ERR_OVERFLOW (an eigenvalue so small that 1/sqrt overflows)
 *
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant:
 * concurrent calls need distinct workspaces and outputs. */
BW_API bw_status bw_spd_invsqrt(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf);
/** Principal logarithm of an SPD matrix.
 * @param ws workspace of dimension >= d, or NULL
 * @param d dimension
 * @param S SPD matrix, leading dimension lds
 * @param lds leading dimension of S
 * @param[out] F log S (symmetric), leading dimension ldf
 * @param ldf leading dimension of F
 * @return ::BW_OK, the common statuses of this file, or ::BW_ERR_NOT_SPD
 *
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant:
 * concurrent calls need distinct workspaces and outputs. */
BW_API bw_status bw_spd_log(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf);
/** Exponential of a symmetric matrix (the result is SPD).
 * @param ws workspace of dimension >= d, or NULL
 * @param d dimension
 * @param S symmetric matrix, leading dimension lds
 * @param lds leading dimension of S
 * @param[out] F exp S, leading dimension ldf
 * @param ldf leading dimension of F
 * @return ::BW_OK, the common statuses of this file, or ::BW_ERR_OVERFLOW (an eigenvalue
 *         above ~709)
 *
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant:
 * concurrent calls need distinct workspaces and outputs. */
BW_API bw_status bw_sym_exp(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf);

/** Eigendecomposition of a symmetric matrix: w ascending, V (d x d, ldv) orthonormal
 * eigenvectors in its columns, S = V diag(w) V'. V may alias S when ldv == lds.
 * @param ws workspace of dimension >= d, or NULL
 * @param d dimension
 * @param S symmetric matrix, leading dimension lds
 * @param lds leading dimension of S
 * @param[out] w d eigenvalues, ascending
 * @param[out] V eigenvectors (column k belongs to w[k]), leading dimension ldv; signs as
 *         LAPACK returns them
 * @param ldv leading dimension of V
 * @return ::BW_OK or the common statuses of this file (::BW_ERR_NULL also for w)
 *
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant:
 * concurrent calls need distinct workspaces and outputs. */
BW_API bw_status bw_sym_eig(bw_workspace *ws, int d, const double *S, int lds, double *w,
                            double *V, int ldv);

#ifdef __cplusplus
}
#endif
#endif
