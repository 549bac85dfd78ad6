/* bwflow: workspaces. SPDX-License-Identifier: BSD-3-Clause */
#ifndef BWFLOW_WORKSPACE_H
#define BWFLOW_WORKSPACE_H
#include "common.h"
#ifdef __cplusplus
extern "C" {
#endif

/** Scratch memory for the dense linear algebra of one thread.
 *
 * A workspace allocated for dimension dmax serves every call with d <= dmax; functions
 * that take one do no heap allocation. Functions accept ws == NULL and then allocate a
 * temporary workspace themselves (convenient, not for hot loops). A workspace is mutable:
 * give each thread its own. Size: O(dmax^2) doubles (see bw_workspace_bytes). */
typedef struct bw_workspace bw_workspace;

/** Allocate a workspace for dimensions up to dmax (>= 1). Returns NULL on failure. */
BW_API bw_workspace *bw_workspace_alloc(int dmax);
/** Free a workspace (NULL is fine). */
BW_API void bw_workspace_free(bw_workspace *ws);
/** The largest dimension the workspace serves. */
BW_API int bw_workspace_dim(const bw_workspace *ws);
/** Bytes held by the workspace. */
BW_API size_t bw_workspace_bytes(const bw_workspace *ws);

#ifdef __cplusplus
}
#endif
#endif
