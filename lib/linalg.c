/* Dense helpers and the symmetric eigensolver. SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "internal.h"
#include "lapack.h"

bw_status bw__check_finite(int n, const double *x) {
  for (int i = 0; i < n; i++)
    if (!isfinite(x[i])) return BW_ERR_NONFINITE;
  return BW_OK;
}

bw_status bw__check_sym(int d, const double *A, int lda, double rtol) {
  double amax = 0.0;
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double a = A[i + (size_t)j * lda];
      if (!isfinite(a)) return BW_ERR_NONFINITE;
      if (fabs(a) > amax) amax = fabs(a);
    }
  double tol = rtol * amax;
  for (int j = 0; j < d; j++)
    for (int i = j + 1; i < d; i++)
      if (fabs(A[i + (size_t)j * lda] - A[j + (size_t)i * lda]) > tol) return BW_ERR_NOT_SYMMETRIC;
  return BW_OK;
}

bw_status bw__check_gaussian(const bw_gaussian *g) {
  if (!g || !g->mean || !g->cov) return BW_ERR_NULL;
  if (g->d < 1 || g->ld < g->d) return BW_ERR_DIM;
  bw_status st = bw__check_finite(g->d, g->mean);
  if (st) return st;
  return bw__check_sym(g->d, g->cov, g->ld, BW_SYM_RTOL);
}

void bw__copy(int d, const double *A, int lda, double *B, int ldb) {
  if (A == B && lda == ldb) return;
  for (int j = 0; j < d; j++) memmove(B + (size_t)j * ldb, A + (size_t)j * lda, (size_t)d * sizeof(double));
}

void bw__symmetrize(int d, double *A, int lda) {
  for (int j = 0; j < d; j++)
    for (int i = j + 1; i < d; i++) {
      double s = 0.5 * (A[i + (size_t)j * lda] + A[j + (size_t)i * lda]);
      A[i + (size_t)j * lda] = A[j + (size_t)i * lda] = s;
    }
}

void bw__eye(int d, double *A, int lda) {
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) A[i + (size_t)j * lda] = (i == j);
}

void bw__gemm(char ta, char tb, int d, double alpha, const double *A, int lda, const double *B,
              int ldb, double beta, double *C, int ldc) {
  dgemm_(&ta, &tb, &d, &d, &d, &alpha, A, &lda, B, &ldb, &beta, C, &ldc, 1, 1);
}

void bw__vdvt(int d, const double *V, int ldv, const double *f, double *F, int ldf, double *scratch) {
  /* scratch = V diag(f); F = scratch V' */
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) scratch[i + (size_t)j * d] = V[i + (size_t)j * ldv] * f[j];
  bw__gemm('N', 'T', d, 1.0, scratch, d, V, ldv, 0.0, F, ldf);
  bw__symmetrize(d, F, ldf);
}

bw_status bw__eigh(bw_workspace *ws, int d, const double *A, int lda, double *w, double *V, int ldv) {
  if (d == 1) {
    w[0] = A[0];
    V[0] = 1.0;
    return BW_OK;
  }
  for (int j = 0; j < d; j++) /* lower triangle suffices */
    memmove(V + j + (size_t)j * ldv, A + j + (size_t)j * lda, (size_t)(d - j) * sizeof(double));
  int info = 0;
  dsyevd_("V", "L", &d, V, &ldv, w, ws->work, &ws->lwork, ws->iwork, &ws->liwork, &info, 1, 1);
  return info == 0 ? BW_OK : BW_ERR_LAPACK;
}
