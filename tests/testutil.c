/* Helpers shared by the Check suites. SPDX-License-Identifier: BSD-3-Clause */
#include "testutil.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void tu_seed(tu_rng *r, uint64_t seed) { r->s = seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL; }

static uint64_t next(tu_rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double tu_uniform(tu_rng *r) { return (double)(next(r) >> 11) * 0x1.0p-53; }

double tu_normal(tu_rng *r) {
  double u1 = tu_uniform(r), u2 = tu_uniform(r);
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void tu_orthogonal(tu_rng *r, int d, double *Q) {
  /* Gram-Schmidt (twice) on a Gaussian matrix. */
  for (int k = 0; k < d * d; k++) Q[k] = tu_normal(r);
  for (int j = 0; j < d; j++) {
    for (int pass = 0; pass < 2; pass++)
      for (int k = 0; k < j; k++) {
        double dot = 0.0;
        for (int i = 0; i < d; i++) dot += Q[i + k * d] * Q[i + j * d];
        for (int i = 0; i < d; i++) Q[i + j * d] -= dot * Q[i + k * d];
      }
    double nrm = 0.0;
    for (int i = 0; i < d; i++) nrm += Q[i + j * d] * Q[i + j * d];
    nrm = sqrt(nrm);
    for (int i = 0; i < d; i++) Q[i + j * d] /= nrm;
  }
}

void tu_spd(tu_rng *r, int d, double lo, double hi, double *S) {
  double *Q = malloc(sizeof(double) * d * d), *lam = malloc(sizeof(double) * d);
  tu_orthogonal(r, d, Q);
  for (int i = 0; i < d; i++) lam[i] = exp(log(lo) + (log(hi) - log(lo)) * tu_uniform(r));
  if (d > 1) { /* make the spread reach both ends */
    lam[0] = lo;
    lam[d - 1] = hi;
  }
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++) {
      double acc = 0.0;
      for (int k = 0; k < d; k++) acc += Q[i + k * d] * lam[k] * Q[j + k * d];
      S[i + j * d] = S[j + i * d] = acc;
    }
  free(Q);
  free(lam);
}

void tu_sym(tu_rng *r, int d, double scale, double *S) {
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++) S[i + j * d] = S[j + i * d] = scale * tu_normal(r);
}

bw_gaussian *tu_gaussian(tu_rng *r, int d, double lo, double hi) {
  bw_gaussian *g = bw_gaussian_alloc(d);
  for (int i = 0; i < d; i++) g->mean[i] = tu_normal(r);
  tu_spd(r, d, lo, hi, g->cov);
  return g;
}

bw_problem *tu_problem(tu_rng *r, int d, const double *aval, double alo, double ahi, double kscale, double tau) {
  const size_t dd = (size_t)d * d;
  double *A = malloc(sizeof(double) * dd), *K = malloc(sizeof(double) * dd), *G = malloc(sizeof(double) * dd);
  double *Q = malloc(sizeof(double) * dd), *a = malloc(sizeof(double) * d), *h = malloc(sizeof(double) * d);
  tu_orthogonal(r, d, Q);
  for (int i = 0; i < d; i++) a[i] = aval ? aval[i] : alo + (ahi - alo) * tu_uniform(r);
  for (size_t k = 0; k < dd; k++) G[k] = tu_normal(r);
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++) {
      double x = 0, y = 0;
      for (int k = 0; k < d; k++) {
        x += Q[i + k * d] * a[k] * Q[j + k * d];
        y += G[i + k * d] * G[j + k * d];
      }
      A[i + j * d] = A[j + i * d] = x;
      K[i + j * d] = K[j + i * d] = kscale * y / d;
    }
  for (int i = 0; i < d; i++) h[i] = tu_normal(r);
  bw_problem *pb = bw_problem_alloc(d);
  ck_assert_int_eq(bw_problem_set(pb, A, d, h, K, d, tau), BW_OK);
  free(A), free(K), free(G), free(Q), free(a), free(h);
  return pb;
}

void tu_matmul(int d, const double *A, const double *B, double *C) {
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double acc = 0.0;
      for (int k = 0; k < d; k++) acc += A[i + k * d] * B[k + j * d];
      C[i + j * d] = acc;
    }
}

double tu_maxabs_diff(int d, const double *A, int lda, const double *B, int ldb) {
  double m = 0.0;
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) m = fmax(m, fabs(A[i + j * lda] - B[i + j * ldb]));
  return m;
}

double tu_maxabs(int d, const double *A, int lda) {
  double m = 0.0;
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) m = fmax(m, fabs(A[i + j * lda]));
  return m;
}

double tu_trace(int d, const double *A, int lda) {
  double t = 0.0;
  for (int i = 0; i < d; i++) t += A[i + i * lda];
  return t;
}

void tu_spd_inverse(int d, const double *S, int lds, double *Si) {
  double *H = malloc(sizeof(double) * d * d);
  ck_assert_int_eq(bw_spd_invsqrt(NULL, d, S, lds, H, d), BW_OK);
  tu_matmul(d, H, H, Si);
  free(H);
}

double tu_vmaxabs(int n, const double *x) {
  double m = 0.0;
  for (int i = 0; i < n; i++) m = fmax(m, fabs(x[i]));
  return m;
}

double tu_vmaxdiff(int n, const double *x, const double *y) {
  double m = 0.0;
  for (int i = 0; i < n; i++) m = fmax(m, fabs(x[i] - y[i]));
  return m;
}

void tu_check_o4(const double rem[3], const char *what, int a, int b) {
  for (int k = 0; k < 2; k++) {
    const double ratio = rem[k] / rem[k + 1];
    ck_assert_msg(ratio > 12.0 && ratio < 20.0, "%s %d, %d: remainder ratio %g (%g, %g)", what, a, b, ratio, rem[k],
                  rem[k + 1]);
  }
}

void tu_arena_init(tu_arena *a) {
  a->p = malloc(TU_ARENA_BYTES);
  ck_assert_ptr_nonnull(a->p);
  a->used = 0;
}

void tu_arena_free(tu_arena *a) { free(a->p); }

void *tu_arena_take(tu_arena *a, size_t bytes) {
  bytes = (bytes + 15) & ~(size_t)15;
  ck_assert_uint_le(a->used + bytes, TU_ARENA_BYTES);
  void *r = a->p + a->used;
  a->used += bytes;
  return r;
}

void tu_arena_fill(tu_arena *a) { memset(a->p, TU_SENTINEL, TU_ARENA_BYTES); }

int tu_arena_intact(const tu_arena *a) {
  for (size_t i = 0; i < TU_ARENA_BYTES; i++)
    if (a->p[i] != TU_SENTINEL) return 0;
  return 1;
}

int tu_run(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
