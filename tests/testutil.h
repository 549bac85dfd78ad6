/* Helpers shared by the Check suites. SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_TESTUTIL_H
#define BW_TESTUTIL_H
#include <check.h>
#include <stdint.h>
#include "bwflow.h"

/* Deterministic generator (splitmix64) for tests: no global state. */
typedef struct {
  uint64_t s;
} tu_rng;
void tu_seed(tu_rng *r, uint64_t seed);
double tu_uniform(tu_rng *r);                   /* [0, 1) */
double tu_normal(tu_rng *r);                    /* N(0, 1) */
void tu_orthogonal(tu_rng *r, int d, double *Q); /* Haar-ish random orthogonal d x d (ld d) */
/* Random SPD d x d (ld d) with eigenvalues log-uniform in [lo, hi] and random eigenvectors. */
void tu_spd(tu_rng *r, int d, double lo, double hi, double *S);
/* Random symmetric d x d with N(0, scale^2) entries. */
void tu_sym(tu_rng *r, int d, double scale, double *S);
/* Random Gaussian (allocated) with mean N(0, 1) entries and covariance tu_spd(lo, hi). */
bw_gaussian *tu_gaussian(tu_rng *r, int d, double lo, double hi);

/* Small dense helpers, column-major with ld = d. */
void tu_matmul(int d, const double *A, const double *B, double *C); /* C = A B */
double tu_maxabs_diff(int d, const double *A, int lda, const double *B, int ldb);
double tu_maxabs(int d, const double *A, int lda);
double tu_trace(int d, const double *A, int lda);

/* Run a suite and return the process exit status (CK_NORMAL output). */
int tu_run(Suite *s);

#endif
