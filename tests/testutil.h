/* Helpers shared by the Check suites. SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_TESTUTIL_H
#define BW_TESTUTIL_H
#include <check.h>
#include <stddef.h>
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

/* A random problem: A = Q diag(a) Q' with a = aval (NULL: uniform in [alo, ahi]; alo <= 0
 * makes it non-convex), K = kscale G G'/d with G N(0, 1) entries (kscale < 0: negative
 * semidefinite), h N(0, 1), tau. */
bw_problem *tu_problem(tu_rng *r, int d, const double *aval, double alo, double ahi, double kscale, double tau);

/* Small dense helpers, column-major with ld = d. */
void tu_matmul(int d, const double *A, const double *B, double *C); /* C = A B */
double tu_maxabs_diff(int d, const double *A, int lda, const double *B, int ldb);
double tu_maxabs(int d, const double *A, int lda);
double tu_trace(int d, const double *A, int lda);
/* Si = S^-1 (ld d) as (S^-1/2)^2 with bw_spd_invsqrt: independent of the library's solves. */
void tu_spd_inverse(int d, const double *S, int lds, double *Si);
/* max |x_i| and max |x_i - y_i| over n entries. */
double tu_vmaxabs(int n, const double *x);
double tu_vmaxdiff(int n, const double *x, const double *y);

/* A remainder that is O(eta^4) on three step sizes halving: divided by 16 (within [12, 20]) at
 * each halving (a wrong eta^k term leaves O(eta^k), ratio 2^k <= 8). what, a, b name the case. */
void tu_check_o4(const double rem[3], const char *what, int a, int b);

/* Outputs of argument checks live in an arena filled with a sentinel byte before each call
 * (TU_EXPECT): a function that writes to an output on error changes a byte. */
#define TU_ARENA_BYTES 65536
#define TU_SENTINEL 0xA5
typedef struct {
  unsigned char *p;
  size_t used;
} tu_arena;
void tu_arena_init(tu_arena *a);
void tu_arena_free(tu_arena *a);
void *tu_arena_take(tu_arena *a, size_t bytes); /* 16-byte aligned pieces */
void tu_arena_fill(tu_arena *a);
int tu_arena_intact(const tu_arena *a);

/* Run call with the arena filled; check the status; on error, the arena must be intact.
 * what names the case in the failure message. */
#define TU_EXPECT(ar, want, what, call)                                                           \
  do {                                                                                            \
    tu_arena_fill(ar);                                                                            \
    bw_status st_ = (call);                                                                       \
    ck_assert_msg(st_ == (want), "line %d [%s]: %s returned %s, expected %s", __LINE__, (what),   \
                  #call, bw_status_name(st_), bw_status_name(want));                              \
    if ((want) != BW_OK)                                                                          \
      ck_assert_msg(tu_arena_intact(ar), "line %d [%s]: %s wrote to an output on error", __LINE__, \
                    (what), #call);                                                               \
  } while (0)

/* Run a suite and return the process exit status (CK_NORMAL output). */
int tu_run(Suite *s);

#endif
