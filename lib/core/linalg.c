/* Dense helpers: argument checks, copies, products, Cholesky (BLAS/LAPACK above SMALL_MAX,
 * loops below). Used by the eigensolvers (lib/core/eig_small.c); uses none of them.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "core/internal.h"
#include "core/lapack.h"

/* Tile size of the loops that read or write both triangles (cache-friendly transposes). */
#define TB 32

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
  for (int jb = 0; jb < d; jb += TB)
    for (int ib = jb; ib < d; ib += TB)
      for (int j = jb; j < jb + TB && j < d; j++)
        for (int i = ib > j + 1 ? ib : j + 1; i < ib + TB && i < d; i++)
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
  for (int jb = 0; jb < d; jb += TB)
    for (int ib = jb; ib < d; ib += TB)
      for (int j = jb; j < jb + TB && j < d; j++)
        for (int i = ib > j + 1 ? ib : j + 1; i < ib + TB && i < d; i++) {
          double s = bw__avg(A[i + (size_t)j * lda], A[j + (size_t)i * lda]);
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

/* Not in lapack.h (declared here, where it is used). */
void dtrmm_(const char *side, const char *uplo, const char *transa, const char *diag, const int *m,
            const int *n, const double *alpha, const double *a, const int *lda, double *b,
            const int *ldb, size_t lside, size_t luplo, size_t ltransa, size_t ldiag);

/* Hand-written loops below this size: the BLAS/LAPACK calls cost more in call overhead
 * than in arithmetic (measured: OpenBLAS dpotrf/dtrmm/dsyrk ~0.2 us each at d = 10). */
#define SMALL_MAX 16

void bw__colcomb(int m, const double *restrict A, int lda, const double *restrict b, int k0, int k1,
                 double *restrict c) {
  for (int i = 0; i < m; i++) c[i] = 0.0;
  int k = k0;
  for (; k + 3 < k1; k += 4) { /* four columns per pass: a quarter of the loads and stores of c */
    const double *a0 = A + (size_t)k * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
    const double b0 = b[k], b1 = b[k + 1], b2 = b[k + 2], b3 = b[k + 3];
    for (int i = 0; i < m; i++) c[i] += (a0[i] * b0 + a1[i] * b1) + (a2[i] * b2 + a3[i] * b3);
  }
  for (; k < k1; k++) {
    const double *a0 = A + (size_t)k * lda, b0 = b[k];
    for (int i = 0; i < m; i++) c[i] += a0[i] * b0;
  }
}

bool bw__chol(int d, const double *S, int lds, double *L) {
  if (d > SMALL_MAX) {
    int info = 0;
    for (int jb = 0; jb < d; jb += TB)
      for (int ib = jb; ib < d; ib += TB)
        for (int j = jb; j < jb + TB && j < d; j++)
          for (int i = ib > j ? ib : j; i < ib + TB && i < d; i++)
            L[i + (size_t)j * d] = bw__avg(S[i + (size_t)j * lds], S[j + (size_t)i * lds]);
    dpotrf_("L", &d, L, &d, &info, 1);
    return info == 0;
  }
  /* Left-looking, column by column: L(j:, j) = (S(j:, j) - sum_k L(j:, k) L(j, k)) / L(j, j). */
  double b[SMALL_MAX], t[SMALL_MAX];
  for (int j = 0; j < d; j++) {
    double *lj = L + (size_t)j * d;
    for (int k = 0; k < j; k++) b[k] = L[j + (size_t)k * d];
    bw__colcomb(d - j, L + j, d, b, 0, j, t);
    for (int i = j; i < d; i++) lj[i] = bw__avg(S[i + (size_t)j * lds], S[j + (size_t)i * lds]) - t[i - j];
    if (!(lj[j] > 0.0)) return false;
    double p = sqrt(lj[j]), rp = 1.0 / p;
    lj[j] = p;
    for (int i = j + 1; i < d; i++) lj[i] *= rp;
  }
  return true;
}

void bw__trmm_wl(int d, const double *Wt, const double *L, double *Z) {
  if (d > SMALL_MAX) {
    const double one = 1.0;
    bw__copy(d, Wt, d, Z, d);
    dtrmm_("R", "L", "N", "N", &d, &d, &one, L, &d, Z, &d, 1, 1, 1, 1);
    return;
  }
  for (int j = 0; j < d; j++) /* Z(:, j) = sum_{k >= j} Wt(:, k) L(k, j) */
    bw__colcomb(d, Wt, d, L + (size_t)j * d, j, d, Z + (size_t)j * d);
}

void bw__syrk(int d, const double *A, double *C) {
  if (d > SMALL_MAX) {
    const double one = 1.0, zero = 0.0;
    dsyrk_("L", "N", &d, &d, &one, A, &d, &zero, C, &d, 1, 1);
    return;
  }
  double b[SMALL_MAX];
  for (int j = 0; j < d; j++) { /* C(:, j) = sum_k A(:, k) A(j, k) (the full column) */
    for (int k = 0; k < d; k++) b[k] = A[j + (size_t)k * d];
    bw__colcomb(d, A, d, b, 0, d, C + (size_t)j * d);
  }
}

void dsyr2k_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha,
             const double *a, const int *lda, const double *b, const int *ldb, const double *beta,
             double *c, const int *ldc, size_t luplo, size_t ltrans);

void bw__sym_congruence(char trans, int d, const double *M, const double *X, double *Out, double *T) {
  if (d <= SMALL_MAX) {
    if (trans == 'T') {
      bw__gemm('N', 'N', d, 1.0, M, d, X, d, 0.0, T, d);
      bw__gemm('T', 'N', d, 1.0, X, d, T, d, 0.0, Out, d);
    } else {
      bw__gemm('N', 'N', d, 1.0, X, d, M, d, 0.0, T, d);
      bw__gemm('N', 'T', d, 1.0, T, d, X, d, 0.0, Out, d);
    }
    bw__symmetrize(d, Out, d);
    return;
  }
  /* M = Ml + Ml' with Ml the lower triangle of M and half its diagonal (stored in Out):
   * X'MX = X'T + T'X with T = Ml X, X M X' = T X' + X T' with T = X Ml. */
  for (int j = 0; j < d; j++) {
    const double *mj = M + (size_t)j * d;
    double *oj = Out + (size_t)j * d;
    if (oj != mj) memcpy(oj + j, mj + j, (size_t)(d - j) * sizeof(double));
    oj[j] *= 0.5;
  }
  const double one = 1.0, zero = 0.0;
  memcpy(T, X, (size_t)d * d * sizeof(double));
  if (trans == 'T') {
    dtrmm_("L", "L", "N", "N", &d, &d, &one, Out, &d, T, &d, 1, 1, 1, 1);
    dsyr2k_("L", "T", &d, &d, &one, X, &d, T, &d, &zero, Out, &d, 1, 1);
  } else {
    dtrmm_("R", "L", "N", "N", &d, &d, &one, Out, &d, T, &d, 1, 1, 1, 1);
    dsyr2k_("L", "N", &d, &d, &one, T, &d, X, &d, &zero, Out, &d, 1, 1);
  }
  bw__lower_to_full(d, Out, d, Out, d);
}

void bw__lower_to_full(int d, const double *L, int ldl, double *F, int ldf) {
  for (int jb = 0; jb < d; jb += TB)
    for (int ib = jb; ib < d; ib += TB)
      for (int j = jb; j < jb + TB && j < d; j++)
        for (int i = ib > j ? ib : j; i < ib + TB && i < d; i++)
          F[i + (size_t)j * ldf] = F[j + (size_t)i * ldf] = L[i + (size_t)j * ldl];
}

void bw__vdvt(int d, const double *V, int ldv, const double *f, double *F, int ldf, double *scratch) {
  /* scratch = V diag(f); F = scratch V' */
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) scratch[i + (size_t)j * d] = V[i + (size_t)j * ldv] * f[j];
  bw__gemm('N', 'T', d, 1.0, scratch, d, V, ldv, 0.0, F, ldf);
  bw__symmetrize(d, F, ldf);
}
