/* bwflow: workspaces. SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/workspace.h
 * @brief Workspaces: the scratch memory that keeps bwflow's numerical routines free of heap
 * allocation. */
#ifndef BWFLOW_WORKSPACE_H
#define BWFLOW_WORKSPACE_H
#include "common.h"
#ifdef __cplusplus
extern "C" {
#endif

/** Scratch memory for the dense linear algebra of one thread.
 *
 * A workspace allocated for dimension dmax serves every call with d <= dmax. With one, the
 * functions that take it make no heap allocation of their own: during the call bwflow's
 * code calls no malloc, calloc, realloc or aligned allocator, nor a C library function
 * that allocates. That is what "None" and "No allocation" mean in the Allocation notes of
 * this API: for the functions that take a workspace, and for the solves of a JKO-Flow
 * solver (bw_jkoflow_rhs(), bw_jkoflow_start(), bw_jkoflow_advance(), bw_jkoflow_solve();
 * the first and the last grow a buffer once, as their notes say). tests/test_alloc.c
 * checks it for each of these calls, attributing every allocation to the code that made it.
 *
 * The promise does not cover the BLAS and LAPACK library bwflow calls, which may allocate
 * inside a routine. Measured with OpenBLAS 0.3.21 (docs/performance.md, "Allocation"):
 * single-threaded, its Prescott and Haswell kernels and Debian's reference BLAS/LAPACK
 * allocate nothing in these calls, while its SkylakeX and Cooperlake kernels (AVX-512
 * CPUs) call malloc for a small buffer in some d x d products for 17 <= d <= 100 and
 * inside dsyevd (used for d >= 57); with OPENBLAS_NUM_THREADS >= 2 OpenBLAS, whatever its
 * kernels, may allocate buffers for its threads in level-3 routines from d ~ 64 on.
 *
 * Functions accept ws == NULL and then allocate a temporary workspace themselves
 * (convenient, not for hot loops). A workspace is mutable: give each thread its own.
 * Size: O(dmax^2) doubles (see bw_workspace_bytes). */
typedef struct bw_workspace bw_workspace;

/** Allocate a workspace for dimensions up to dmax.
 * @param dmax the largest dimension served, 1 <= dmax <= 46340 (so that dmax^2 fits a
 *        LAPACK integer)
 * @return the workspace (8 d x d matrices, 8 vectors and LAPACK dsyevd's work arrays,
 *         about 10 dmax^2 doubles), or NULL when dmax is out of range or memory is short
 * @par Allocation
 * Allocates; free with bw_workspace_free().
 * @par Thread safety
 * Safe to call concurrently; the result belongs to the caller's thread until handed on. */
BW_API bw_workspace *bw_workspace_alloc(int dmax);
/** Free a workspace.
 * @param ws a workspace from bw_workspace_alloc(), or NULL (nothing happens)
 * @par Thread safety
 * ws must not be in use by another thread. */
BW_API void bw_workspace_free(bw_workspace *ws);
/** The largest dimension the workspace serves.
 * @param ws a workspace, or NULL
 * @return dmax, or 0 for NULL
 * @par Allocation and thread safety
 * No allocation; only reads ws. */
BW_API int bw_workspace_dim(const bw_workspace *ws);
/** Bytes held by the workspace (all its heap blocks).
 * @param ws a workspace, or NULL
 * @return the size in bytes, or 0 for NULL
 * @par Allocation and thread safety
 * No allocation; only reads ws. */
BW_API size_t bw_workspace_bytes(const bw_workspace *ws);

#ifdef __cplusplus
}
#endif
#endif
