/* Prototypes of the Fortran LAPACK/BLAS routines bwflow calls (gfortran calling
 * convention: trailing hidden lengths of CHARACTER arguments as size_t). Internal.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_LAPACK_H
#define BW_LAPACK_H
#include <stddef.h>

void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork,
             int *info, size_t ljobz, size_t luplo);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t luplo);
void dgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b,
            const int *ldb, const double *beta, double *c, const int *ldc, size_t lta,
            size_t ltb);
void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *beta,
            double *c, const int *ldc, size_t luplo, size_t ltrans);
void dtrmm_(const char *side, const char *uplo, const char *transa, const char *diag, const int *m,
            const int *n, const double *alpha, const double *a, const int *lda, double *b, const int *ldb,
            size_t lside, size_t luplo, size_t ltransa, size_t ldiag);
void dgemv_(const char *trans, const int *m, const int *n, const double *alpha,
            const double *a, const int *lda, const double *x, const int *incx,
            const double *beta, double *y, const int *incy, size_t ltrans);

#endif
