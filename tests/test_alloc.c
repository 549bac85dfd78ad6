/* Heap allocations in the hot paths: after a warm-up call, bw_jko_step, bw_w2sq, bw_w2,
 * bw_wgf, bw_forward_step, bw_ot_map, bw_geodesic, bw_log_map and bw_exp_map do no heap
 * allocation at all with a reused workspace (d in {1, 2, 3, 10, 50}); and workspaces hold
 * O(d^2) bytes.
 *
 * Allocations are counted by interposing malloc, calloc, realloc, free, posix_memalign,
 * aligned_alloc and memalign in this executable: the definitions below take precedence
 * over the C library's (and a sanitizer runtime's) for every caller in the process,
 * including libbwflow and BLAS/LAPACK, and forward to the next definition found by
 * dlsym(RTLD_NEXT). dlsym may itself call calloc before the forwarders are known: those few
 * requests are served from a static buffer. Counting is armed only around the calls under
 * test. The test environment sets OPENBLAS_NUM_THREADS=1 (no BLAS thread start-up inside a
 * measured call); a warm-up call first lets BLAS set up its buffers once. Works under
 * ASan; under valgrind (which replaces malloc everywhere) the suite reports itself skipped.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

/* ---------- interposition ---------- */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);

static atomic_int armed;  /* count only while set */
static atomic_long count; /* allocation calls while armed */

static _Alignas(max_align_t) unsigned char boot[8192]; /* for dlsym's own requests */
static size_t boot_used;
static int resolving;

static bool in_boot(const void *p) {
  return (const unsigned char *)p >= boot && (const unsigned char *)p < boot + sizeof boot;
}

static void *boot_alloc(size_t n) {
  size_t a = _Alignof(max_align_t), off = (boot_used + a - 1) / a * a;
  if (off + n > sizeof boot) return NULL;
  boot_used = off + n;
  return memset(boot + off, 0, n);
}

static void resolve(void) {
  if (real_free || resolving) return;
  resolving = 1;
  real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
  real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
  real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
  real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
  real_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
  real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
  resolving = 0;
}

static void note(void) {
  if (atomic_load(&armed)) atomic_fetch_add(&count, 1);
}

void *malloc(size_t n) {
  resolve();
  if (!real_malloc) return boot_alloc(n);
  note();
  return real_malloc(n);
}

void *calloc(size_t m, size_t n) {
  resolve();
  if (!real_calloc) return n && m > SIZE_MAX / n ? NULL : boot_alloc(m * n);
  note();
  return real_calloc(m, n);
}

void *realloc(void *p, size_t n) {
  resolve();
  note();
  if (in_boot(p)) { /* move out of the static buffer */
    void *q = real_malloc(n);
    if (q) memcpy(q, p, n < sizeof boot ? n : sizeof boot);
    return q;
  }
  return real_realloc(p, n);
}

void free(void *p) {
  if (!p || in_boot(p)) return;
  resolve();
  real_free(p);
}

int posix_memalign(void **p, size_t a, size_t n) {
  resolve();
  note();
  return real_posix_memalign(p, a, n);
}

void *aligned_alloc(size_t a, size_t n) {
  resolve();
  note();
  return real_aligned_alloc(a, n);
}

void *memalign(size_t a, size_t n) {
  resolve();
  note();
  return real_memalign(a, n);
}

/* ---------- helpers ---------- */

static const int dims[] = {1, 2, 3, 10, 50};
#define NDIMS ((int)(sizeof dims / sizeof dims[0]))

typedef struct {
  int d;
  bw_problem *pb;
  bw_jko_plan *plan;
  bw_workspace *ws;
  bw_gaussian *g0, *g1, *out;
  double *T, *X, *v;
} fixture;

static void fx_init(fixture *f, int d) {
  f->d = d;
  f->pb = bw_problem_alloc(d);
  f->g0 = bw_gaussian_alloc(d);
  f->g1 = bw_gaussian_alloc(d);
  f->out = bw_gaussian_alloc(d);
  ck_assert_int_eq(bw_problem_random(d, 7, 0.7, f->pb, f->g1), BW_OK);
  ck_assert_int_eq(bw_problem_random(d, 3, 0.7, f->pb, f->g0), BW_OK);
  ck_assert_int_eq(bw_jko_plan_create(f->pb, 0.1, &f->plan), BW_OK);
  f->ws = bw_workspace_alloc(d);
  f->T = malloc(sizeof(double) * d * d);
  f->X = malloc(sizeof(double) * d * d);
  f->v = malloc(sizeof(double) * d);
  ck_assert(f->ws && f->T && f->X && f->v);
}

static void fx_free(fixture *f) {
  bw_jko_plan_free(f->plan);
  bw_problem_free(f->pb);
  bw_gaussian_free(f->g0);
  bw_gaussian_free(f->g1);
  bw_gaussian_free(f->out);
  bw_workspace_free(f->ws);
  free(f->T);
  free(f->X);
  free(f->v);
}

/* Calls operation op once (status must be BW_OK). */
enum { OP_JKO, OP_W2SQ, OP_W2, OP_WGF, OP_FORWARD, OP_OTMAP, OP_GEODESIC, OP_LOG, OP_EXP, NOPS };
static const char *const op_names[NOPS] = {"bw_jko_step", "bw_w2sq", "bw_w2", "bw_wgf",
                                           "bw_forward_step", "bw_ot_map", "bw_geodesic",
                                           "bw_log_map", "bw_exp_map"};

static bw_status run_op(fixture *f, int op) {
  double w;
  switch (op) {
  case OP_JKO: return bw_jko_step(f->plan, f->ws, f->g0, f->out);
  case OP_W2SQ: return bw_w2sq(f->ws, f->g0, f->g1, &w);
  case OP_W2: return bw_w2(f->ws, f->g0, f->g1, &w);
  case OP_WGF: return bw_wgf(f->pb, f->ws, f->g0, 0.5, f->out);
  case OP_FORWARD: return bw_forward_step(f->pb, 0.01, f->ws, f->g0, f->out);
  case OP_OTMAP: return bw_ot_map(f->ws, f->g0, f->g1, f->T, f->d);
  case OP_GEODESIC: return bw_geodesic(f->ws, f->g0, f->g1, 0.3, f->out);
  case OP_LOG: return bw_log_map(f->ws, f->g0, f->g1, f->v, f->X, f->d);
  default: return bw_exp_map(f->ws, f->g0, f->v, f->X, f->d, f->out); /* X from OP_LOG */
  }
}

/* ---------- tests ---------- */

/* The counter itself works: it sees malloc, calloc, realloc and posix_memalign, and the
 * library's own allocations (a call without workspace allocates a temporary one). */
START_TEST(counter_counts) {
  atomic_store(&count, 0);
  atomic_store(&armed, 1);
  void *p = malloc(24), *q = calloc(3, 8), *r = NULL;
  p = realloc(p, 4096);
  int st = posix_memalign(&r, 64, 128);
  atomic_store(&armed, 0);
  ck_assert_int_eq(st, 0);
  ck_assert_ptr_nonnull(p);
  ck_assert_ptr_nonnull(q);
  free(p);
  free(q);
  free(r);
  ck_assert_int_eq(atomic_load(&count), 4);

  fixture f;
  fx_init(&f, 3);
  double w;
  atomic_store(&count, 0);
  atomic_store(&armed, 1);
  bw_status s = bw_w2sq(NULL, f.g0, f.g1, &w); /* temporary workspace */
  atomic_store(&armed, 0);
  ck_assert_int_eq(s, BW_OK);
  ck_assert_int_gt(atomic_load(&count), 0);
  fx_free(&f);
}
END_TEST

START_TEST(hot_paths_allocation_free) {
  for (int k = 0; k < NDIMS; k++) {
    fixture f;
    fx_init(&f, dims[k]);
    for (int op = 0; op < NOPS; op++) {
      ck_assert_msg(run_op(&f, op) == BW_OK, "d = %d: %s failed (warm-up)", f.d, op_names[op]);
      atomic_store(&count, 0);
      atomic_store(&armed, 1);
      bw_status st = BW_OK;
      for (int rep = 0; rep < 3 && !st; rep++) st = run_op(&f, op);
      atomic_store(&armed, 0);
      ck_assert_msg(st == BW_OK, "d = %d: %s failed", f.d, op_names[op]);
      ck_assert_msg(atomic_load(&count) == 0, "d = %d: %s made %ld heap allocations in 3 calls",
                    f.d, op_names[op], atomic_load(&count));
    }
    fx_free(&f);
  }
}
END_TEST

/* bw_workspace_bytes(ws) <= 80 d^2 + 160 d + 512: the workspace holds BW_WS_NMAT = 8 d x d
 * scratch matrices and dsyevd's real workspace of 1 + 6d + 2d^2 doubles, i.e. 10 d x d
 * double matrices (80 d^2 bytes), plus O(d) vectors and integers and the struct itself.
 * The bound is checked to d = 1000 and the ratio to d^2 must not grow. */
START_TEST(workspace_is_quadratic) {
  const int ds[] = {1, 2, 3, 10, 50, 200, 1000};
  double prev_ratio = INFINITY;
  for (int k = 0; k < (int)(sizeof ds / sizeof ds[0]); k++) {
    const double d = ds[k];
    bw_workspace *ws = bw_workspace_alloc(ds[k]);
    ck_assert_ptr_nonnull(ws);
    const double bytes = (double)bw_workspace_bytes(ws);
    ck_assert_msg(bytes <= 80.0 * d * d + 160.0 * d + 512.0, "d = %d: %.0f bytes", ds[k], bytes);
    ck_assert(bytes >= 8.0 * d * d); /* it does hold a d x d matrix */
    ck_assert(bytes / (d * d) <= prev_ratio);
    prev_ratio = bytes / (d * d);
    bw_workspace_free(ws);
  }
}
END_TEST

int main(void) {
  /* Under a tool that replaces malloc in every object, the main executable included
   * (valgrind's memcheck), the definitions above are bypassed and nothing can be counted:
   * report the suite as skipped (exit 77) rather than passing it vacuously. */
  atomic_store(&count, 0);
  atomic_store(&armed, 1);
  void *probe = malloc(16);
  atomic_store(&armed, 0);
  free(probe);
  if (atomic_load(&count) != 1) {
    printf("alloc: malloc is replaced by another tool (valgrind?), allocations cannot be "
           "counted: skipped\n");
    return 77;
  }
  Suite *s = suite_create("alloc");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, counter_counts);
  tcase_add_test(tc, hot_paths_allocation_free);
  tcase_add_test(tc, workspace_is_quadratic);
  suite_add_tcase(s, tc);
  return tu_run(s);
}
