/* bwflow internals shared by the library's source files (not installed).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_INTERNAL_H
#define BW_INTERNAL_H
#include <math.h>
#include <stdbool.h>
#include "bwflow.h"

/* Internal functions have hidden visibility (the default with -fvisibility=hidden) and
 * the prefix bw__. */

#define BW_WS_NMAT 8 /* d x d scratch matrices */
#define BW_WS_NVEC 8 /* d scratch vectors */

struct bw_workspace {
  int dmax;
  double *mat[BW_WS_NMAT]; /* each dmax*dmax, leading dimension = the d of the call */
  double *vec[BW_WS_NVEC]; /* each dmax */
  double *work;            /* dsyevd real workspace */
  int lwork;
  int *iwork;              /* dsyevd integer workspace */
  int liwork;
  size_t bytes;
};

/* Get a workspace for dimension d: *ws itself when given (BW_ERR_DIM_MISMATCH if too
 * small), or a fresh one stored in *own as well (free it with bw_workspace_free(*own)). */
bw_status bw__ws_get(bw_workspace **ws, int d, bw_workspace **own);

/* Entries finite (BW_ERR_NONFINITE)? */
bw_status bw__check_finite(int n, const double *x);
/* d x d matrix finite and symmetric within rtol * max|a| ? */
bw_status bw__check_sym(int d, const double *A, int lda, double rtol);
/* Argument checks for a Gaussian: non-NULL, d >= 1, ld >= d, finite, symmetric. Does not
 * check definiteness (eigendecompositions and Cholesky do that where they run). */
bw_status bw__check_gaussian(const bw_gaussian *g);

/* Symmetric eigendecomposition: w ascending, V eigenvectors (V may alias A when
 * ldv == lda). Uses the lower triangle of A and the workspace's dsyevd arrays only. */
bw_status bw__eigh(bw_workspace *ws, int d, const double *A, int lda, double *w, double *V, int ldv);

/* Dense helpers (column-major). */
void bw__copy(int d, const double *A, int lda, double *B, int ldb);          /* B = A */
void bw__symmetrize(int d, double *A, int lda);                             /* A = (A + A')/2 */
void bw__eye(int d, double *A, int lda);
/* C = alpha op(A) op(B) + beta C with op = 'N' or 'T' (square d x d). */
void bw__gemm(char ta, char tb, int d, double alpha, const double *A, int lda, const double *B,
              int ldb, double beta, double *C, int ldc);
/* F = V diag(f) V' (symmetric result; scratch d x d). */
void bw__vdvt(int d, const double *V, int ldv, const double *f, double *F, int ldf, double *scratch);

#endif
