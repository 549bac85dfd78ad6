/* Helpers of the argument suites (tests/test_args.c, test_args_geometry.c, test_args_flows.c):
 * one good input Gaussian and every class of bad one, bad output Gaussians, a good problem,
 * the common fixture, and their main (known bugs selected by name).
 *
 * Input Gaussians have d = 3 and ld = 4 with NaN in the padding row, so a function that
 * reads outside the leading d x d block (or ignores ld) fails with NONFINITE or garbage.
 * Outputs live in a tu_arena (tests/testutil.h): TU_EXPECT checks the status and, on error,
 * that no output byte changed.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_TEST_ARGS_H
#define BW_TEST_ARGS_H
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

enum { D = 3, LD = 4 };

/* An output Gaussian of dimension d (ld) living in the arena. */
static inline bw_gaussian arena_gaussian(tu_arena *a, int d, int ld) {
  bw_gaussian g = {d, tu_arena_take(a, sizeof(double) * (size_t)(d > 0 ? d : 1)),
                   tu_arena_take(a, sizeof(double) * (size_t)(ld > 0 ? ld : 1) * (size_t)(d > 0 ? d : 1)), ld};
  return g;
}

/* ---- input Gaussians: one good one and every class of bad one ---- */

typedef struct {
  bw_gaussian g;
  double m[LD];
  double c[LD * LD];
} gbuf;

static const double good_mean[D] = {0.5, -1.0, 2.0};
static const double good_cov[D][D] = {{1.0, 0.2, 0.1}, {0.2, 2.0, -0.3}, {0.1, -0.3, 1.5}};

static inline void set_cov(gbuf *b, const double S[D][D]) {
  for (int j = 0; j < D; j++)
    for (int i = 0; i < D; i++) b->c[i + j * LD] = S[i][j];
}

/* The good Gaussian: d = 3, ld = 4, NaN in the padding (row 3 of cov, mean[3]). */
static inline void good_gaussian(gbuf *b) {
  for (int k = 0; k < LD * LD; k++) b->c[k] = NAN;
  for (int k = 0; k < LD; k++) b->m[k] = NAN;
  memcpy(b->m, good_mean, sizeof good_mean);
  set_cov(b, good_cov);
  b->g = (bw_gaussian){D, b->m, b->c, LD};
}

typedef struct {
  const char *what;
  bw_status want;
  bool content; /* a content defect (not structural): only functions that read entries see it */
} gcase;

static const gcase gcases[] = {
    {"NULL Gaussian", BW_ERR_NULL, false},
    {"mean NULL", BW_ERR_NULL, false},
    {"cov NULL", BW_ERR_NULL, false},
    {"d = 0", BW_ERR_DIM, false},
    {"d = -3", BW_ERR_DIM, false},
    {"d = INT_MIN", BW_ERR_DIM, false},
    {"ld = d - 1", BW_ERR_DIM, false},
    {"ld = 0", BW_ERR_DIM, false},
    {"other dimension (d = 2)", BW_ERR_DIM_MISMATCH, false},
    {"mean NaN", BW_ERR_NONFINITE, true},
    {"mean +Inf", BW_ERR_NONFINITE, true},
    {"mean -Inf", BW_ERR_NONFINITE, true},
    {"cov NaN off-diagonal (both triangles)", BW_ERR_NONFINITE, true},
    {"cov NaN in the lower triangle only", BW_ERR_NONFINITE, true},
    {"cov NaN in the upper triangle only", BW_ERR_NONFINITE, true},
    {"cov +Inf on the diagonal", BW_ERR_NONFINITE, true},
    {"cov -Inf off-diagonal (both)", BW_ERR_NONFINITE, true},
    {"cov not symmetric", BW_ERR_NOT_SYMMETRIC, true},
    {"cov indefinite", BW_ERR_NOT_SPD, true},
    {"cov singular (zero eigenvalue)", BW_ERR_NOT_SPD, true},
    {"cov negative definite", BW_ERR_NOT_SPD, true},
    {"cov zero", BW_ERR_NOT_SPD, true},
    {"cov slightly indefinite (eigenvalue -1e-6)", BW_ERR_NOT_SPD, true},
};
#define NGCASES ((int)(sizeof gcases / sizeof gcases[0]))

/* Fill b with bad case k; returns the pointer to pass (NULL for case 0). */
static inline const bw_gaussian *bad_input(int k, gbuf *b) {
  good_gaussian(b);
  bw_gaussian *g = &b->g;
  switch (k) {
  case 0: return NULL;
  case 1: g->mean = NULL; break;
  case 2: g->cov = NULL; break;
  case 3: g->d = 0; break;
  case 4: g->d = -3; break;
  case 5: g->d = INT_MIN; break;
  case 6: g->ld = D - 1; break;
  case 7: g->ld = 0; break;
  case 8: g->d = 2; break; /* the leading 2 x 2 block is SPD */
  case 9: b->m[1] = NAN; break;
  case 10: b->m[2] = INFINITY; break;
  case 11: b->m[0] = -INFINITY; break;
  case 12: b->c[1 + 0 * LD] = b->c[0 + 1 * LD] = NAN; break;
  case 13: b->c[2 + 0 * LD] = NAN; break;
  case 14: b->c[0 + 2 * LD] = NAN; break;
  case 15: b->c[1 + 1 * LD] = INFINITY; break;
  case 16: b->c[2 + 1 * LD] = b->c[1 + 2 * LD] = -INFINITY; break;
  case 17: b->c[2 + 0 * LD] += 0.1; break;
  case 18: {
    static const double S[D][D] = {{1, 0, 0}, {0, -1, 0}, {0, 0, 2}};
    set_cov(b, S);
    break;
  }
  case 19: {
    static const double S[D][D] = {{2, 0, 0}, {0, 0, 0}, {0, 0, 1}};
    set_cov(b, S);
    break;
  }
  case 20: {
    static const double S[D][D] = {{-1, 0.2, 0}, {0.2, -2, 0}, {0, 0, -1}};
    set_cov(b, S);
    break;
  }
  case 21: {
    static const double S[D][D] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
    set_cov(b, S);
    break;
  }
  case 22: {
    static const double S[D][D] = {{1, 0, 0}, {0, -1e-6, 0}, {0, 0, 1}};
    set_cov(b, S);
    break;
  }
  default: ck_abort_msg("no case %d", k);
  }
  return g;
}

/* Bad output Gaussians (structure only): the outputs live in the arena. */
typedef struct {
  const char *what;
  bw_status want;
} ocase;
static const ocase ocases[] = {
    {"NULL output", BW_ERR_NULL},      {"output mean NULL", BW_ERR_NULL},
    {"output cov NULL", BW_ERR_NULL},  {"output d = 0", BW_ERR_DIM},
    {"output d = -1", BW_ERR_DIM},     {"output ld = d - 1", BW_ERR_DIM},
    {"output d = 2", BW_ERR_DIM_MISMATCH},
};
#define NOCASES ((int)(sizeof ocases / sizeof ocases[0]))

/* Output case k built from the good output o (in the arena); returns the pointer to pass. */
static inline bw_gaussian *bad_output(int k, const bw_gaussian *o, bw_gaussian *tmp) {
  *tmp = *o;
  switch (k) {
  case 0: return NULL;
  case 1: tmp->mean = NULL; break;
  case 2: tmp->cov = NULL; break;
  case 3: tmp->d = 0; break;
  case 4: tmp->d = -1; break;
  case 5: tmp->ld = tmp->d - 1; break;
  case 6: tmp->d = 2; break;
  default: ck_abort_msg("no output case %d", k);
  }
  return tmp;
}

/* The good problem of dimension D: A SPD, K PSD, tau 0.5. */
static const double prob_A[D * D] = {2.0, 0.5, 0.0, 0.5, 1.5, 0.2, 0.0, 0.2, 1.0};
static const double prob_K[D * D] = {0.1, 0.0, 0.05, 0.0, 0.1, 0.0, 0.05, 0.0, 0.1};
static const double prob_h[D] = {1.0, -0.5, 0.25};

static inline bw_problem *good_problem(void) {
  bw_problem *pb = bw_problem_alloc(D);
  ck_assert_ptr_nonnull(pb);
  ck_assert_int_eq(bw_problem_set(pb, prob_A, D, prob_h, prob_K, D, 0.5), BW_OK);
  return pb;
}

static inline bw_problem *problem_of_dim(int d) {
  bw_problem *pb = bw_problem_alloc(d);
  ck_assert_ptr_nonnull(pb);
  return pb; /* the heat flow */
}

/* Common fixture. */
typedef struct {
  tu_arena ar;
  gbuf good, good2; /* two good inputs (good2 has another mean and cov) */
  gbuf snap_good, snap_good2;
  bw_problem *pb, *pb2;    /* pb2: dimension 2 */
  bw_workspace *ws, *ws2; /* ws2: too small (dmax 2) */
} fixture;

static inline void fx_init(fixture *f) {
  tu_arena_init(&f->ar);
  good_gaussian(&f->good);
  good_gaussian(&f->good2);
  f->good2.m[0] = 1.5;
  f->good2.c[0] = 3.0;
  f->good2.c[1 + LD] = 0.5;
  f->snap_good = f->good;
  f->snap_good2 = f->good2;
  f->pb = good_problem();
  f->pb2 = problem_of_dim(2);
  f->ws = bw_workspace_alloc(D);
  f->ws2 = bw_workspace_alloc(2);
  ck_assert_ptr_nonnull(f->ws);
  ck_assert_ptr_nonnull(f->ws2);
}

/* Inputs must never be modified (bytes of the arrays and of the struct). */
static inline void fx_check_inputs(const fixture *f, int line) {
  ck_assert_msg(!memcmp(f->good.m, f->snap_good.m, sizeof f->good.m) &&
                    !memcmp(f->good.c, f->snap_good.c, sizeof f->good.c) &&
                    !memcmp(f->good2.m, f->snap_good2.m, sizeof f->good2.m) &&
                    !memcmp(f->good2.c, f->snap_good2.c, sizeof f->good2.c),
                "line %d: an input Gaussian was modified", line);
}

static inline void fx_free(fixture *f) {
  tu_arena_free(&f->ar);
  bw_problem_free(f->pb);
  bw_problem_free(f->pb2);
  bw_workspace_free(f->ws);
  bw_workspace_free(f->ws2);
}

/* Snapshot of a bad input (to check it was not modified). */
#define SNAP_INPUT(b) gbuf snap_ = (b)
#define CHECK_INPUT(b, k)                                                                          \
  ck_assert_msg(!memcmp(snap_.m, (b).m, sizeof snap_.m) && !memcmp(snap_.c, (b).c, sizeof snap_.c), \
                "line %d [%s]: the input was modified", __LINE__, gcases[k].what)

/* A bug found by the audit (fixed since): a check run alone when its name is given on the
 * command line (tests/meson.build registers each as the test args_NAME). */
typedef struct {
  const char *name;
  const TTest *test;
} ta_known_bug;

/* main of an argument suite: without arguments the suite's checks; with NAME the known bug
 * NAME alone (Suite "known_bugs", TCase NAME); exit status 2 for an unknown NAME. */
static inline int ta_main(int argc, char **argv, Suite *(*make_suite)(void), const ta_known_bug *bugs, int nbugs) {
  if (argc < 2) return tu_run(make_suite());
  for (int k = 0; k < nbugs; k++)
    if (!strcmp(argv[1], bugs[k].name)) {
      Suite *s = suite_create("known_bugs");
      TCase *tc = tcase_create(bugs[k].name);
      tcase_add_test(tc, bugs[k].test);
      suite_add_tcase(s, tc);
      return tu_run(s);
    }
  fprintf(stderr, "%s: no known bug '%s'\n", argv[0], argv[1]);
  return 2;
}

#endif
