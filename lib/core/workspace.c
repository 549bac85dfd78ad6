/* Workspaces: all scratch memory of one thread. SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include "core/internal.h"

bw_workspace *bw_workspace_alloc(int dmax) {
  if (dmax < 1 || dmax > 46340) return NULL; /* dmax^2 must fit an int for LAPACK */
  size_t d = (size_t)dmax;
  int lwork = 1 + 6 * dmax + 2 * dmax * dmax; /* dsyevd, JOBZ = 'V' */
  int liwork = 3 + 5 * dmax;
  size_t ndouble = BW_WS_NMAT * d * d + BW_WS_NVEC * d + (size_t)lwork;
  bw_workspace *ws = malloc(sizeof *ws);
  double *block = malloc(ndouble * sizeof(double));
  int *iwork = malloc((size_t)liwork * sizeof(int));
  if (!ws || !block || !iwork) {
    free(ws);
    free(block);
    free(iwork);
    return NULL;
  }
  ws->dmax = dmax;
  double *p = block;
  for (int k = 0; k < BW_WS_NMAT; k++, p += d * d) ws->mat[k] = p;
  for (int k = 0; k < BW_WS_NVEC; k++, p += d) ws->vec[k] = p;
  ws->work = p;
  ws->lwork = lwork;
  ws->iwork = iwork;
  ws->liwork = liwork;
  ws->bytes = sizeof *ws + ndouble * sizeof(double) + (size_t)liwork * sizeof(int);
  return ws;
}

void bw_workspace_free(bw_workspace *ws) {
  if (!ws) return;
  free(ws->mat[0]);
  free(ws->iwork);
  free(ws);
}

int bw_workspace_dim(const bw_workspace *ws) { return ws ? ws->dmax : 0; }

size_t bw_workspace_bytes(const bw_workspace *ws) { return ws ? ws->bytes : 0; }

bw_status bw__ws_get(bw_workspace **ws, int d, bw_workspace **own) {
  *own = NULL;
  if (*ws) return (*ws)->dmax >= d ? BW_OK : BW_ERR_DIM_MISMATCH;
  *own = *ws = bw_workspace_alloc(d);
  return *ws ? BW_OK : BW_ERR_NOMEM;
}
