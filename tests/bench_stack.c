/* Benchmark (not a test: `meson test -C BUILD --benchmark bench_stack`, or run directly): W2
 * over a stack of n pairs by one bw_w2sq_stack call against n single bw_w2sq calls with a
 * reused workspace, at d = 2, 3, 10, and one Gaussian against the stack (the shared path).
 * Prints one JSON object (times in ns per pair, medians of 7 runs, CLOCK_MONOTONIC) that
 * tests/python/bench_stacks.py reads for docs/performance.md.
 * usage: bench_stack [n]   (default 100000)
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testutil.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

enum { RUNS = 7 };

typedef struct {
  int d;
  long n;
  double *m0, *S0, *m1, *S1, *out;
  bw_workspace *ws;
} bench;

/* ns per pair of one pass: the single calls (shared: g0 = item 0 for all) or the stack. */
static double pass(const bench *b, bool stack, bool shared) {
  const int d = b->d;
  const ptrdiff_t dd = (ptrdiff_t)d * d;
  const double t0 = now();
  if (stack) {
    const bw_gaussian_stack g0 = {d, b->m0, shared ? 0 : d, b->S0, d, shared ? 0 : dd};
    const bw_gaussian_stack g1 = {d, b->m1, d, b->S1, d, dd};
    if (bw_w2sq_stack(b->ws, b->n, &g0, &g1, b->out, NULL)) abort();
  } else {
    for (long k = 0; k < b->n; k++) {
      const long j = shared ? 0 : k;
      const bw_gaussian g0 = {d, b->m0 + j * d, b->S0 + j * dd, d}, g1 = {d, b->m1 + k * d, b->S1 + k * dd, d};
      if (bw_w2sq(b->ws, &g0, &g1, &b->out[k])) abort();
    }
  }
  return (now() - t0) * 1e9 / (double)b->n;
}

static double median(const bench *b, bool stack, bool shared) {
  double t[RUNS];
  pass(b, stack, shared); /* warm-up */
  for (int r = 0; r < RUNS; r++) t[r] = pass(b, stack, shared);
  qsort(t, RUNS, sizeof t[0], cmp);
  return t[RUNS / 2];
}

int main(int argc, char **argv) {
  const long n = argc > 1 ? atol(argv[1]) : 100000;
  const int dims[] = {2, 3, 10};
  const char *(*corename)(void) = NULL;
  *(void **)&corename = dlsym(RTLD_DEFAULT, "openblas_get_corename");
  printf("{\"n\": %ld, \"openblas_core\": \"%s\", \"dims\": {", n, corename ? corename() : "not OpenBLAS");
  for (int i = 0; i < 3; i++) {
    const int d = dims[i];
    bench b = {d, n, malloc(sizeof(double) * n * d), malloc(sizeof(double) * n * d * d),
               malloc(sizeof(double) * n * d), malloc(sizeof(double) * n * d * d), malloc(sizeof(double) * n),
               bw_workspace_alloc(d)};
    if (!b.m0 || !b.S0 || !b.m1 || !b.S1 || !b.out || !b.ws) return 1;
    tu_rng r;
    tu_seed(&r, 7);
    for (long k = 0; k < n; k++) {
      tu_spd(&r, d, 0.3, 3.0, b.S0 + k * d * d);
      tu_spd(&r, d, 0.3, 3.0, b.S1 + k * d * d);
      for (int j = 0; j < d; j++) b.m0[k * d + j] = tu_normal(&r), b.m1[k * d + j] = tu_normal(&r);
    }
    printf("%s\"%d\": {\"single_ns\": %.1f, \"stack_ns\": %.1f, \"single_shared_ns\": %.1f, "
           "\"stack_shared_ns\": %.1f}",
           i ? ", " : "", d, median(&b, false, false), median(&b, true, false), median(&b, false, true),
           median(&b, true, true));
    fflush(stdout);
    free(b.m0), free(b.S0), free(b.m1), free(b.S1), free(b.out);
    bw_workspace_free(b.ws);
  }
  printf("}}\n");
  return 0;
}
