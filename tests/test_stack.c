/* Bures-Wasserstein geometry over stacks (bw_gaussian_stack, include/bwflow/geometry.h):
 * every stack function against a loop of the single calls, bit for bit, in every layout
 * (stacked, broadcast, padded leading dimensions, outputs over inputs); argument checks
 * that write nothing; a failing item that stops the stack where it fails.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define NITEM 7
static const int dims[] = {1, 2, 3, 5, 10};
enum { NDIMS = sizeof dims / sizeof dims[0] };
static const double SENTINEL = -12345.0;

/* n Gaussians in one block: means (stride d), covariances with leading dimension ld > d
 * (stride ld d), garbage in the padding rows so that a wrong leading dimension shows. */
typedef struct {
  int d, ld;
  double *mean, *cov;
} block;

static block block_new(tu_rng *r, int d, int n) {
  block b = {d, d + 2, malloc(sizeof(double) * (size_t)(n * d)),
             malloc(sizeof(double) * (size_t)(n * (d + 2) * d))};
  double *S = malloc(sizeof(double) * (size_t)(d * d));
  for (int k = 0; k < n; k++) {
    tu_spd(r, d, 0.2, 5.0, S);
    for (int j = 0; j < d; j++) {
      b.mean[k * d + j] = tu_normal(r);
      for (int i = 0; i < b.ld; i++)
        b.cov[k * b.ld * d + j * b.ld + i] = i < d ? S[i + j * d] : 1e300 * (i + 1);
    }
  }
  free(S);
  return b;
}

static void block_free(block *b) {
  free(b->mean);
  free(b->cov);
}

/* The stack over b (stacked), or its item k broadcast (both strides 0). */
static bw_gaussian_stack stacked(const block *b) {
  return (bw_gaussian_stack){b->d, b->mean, b->d, b->cov, b->ld, (ptrdiff_t)b->ld * b->d};
}
static bw_gaussian_stack one(const block *b, int k) {
  return (bw_gaussian_stack){b->d, b->mean + k * b->d, 0, b->cov + k * b->ld * b->d, b->ld, 0};
}
static bw_gaussian at(const bw_gaussian_stack *s, long k) {
  return (bw_gaussian){s->d, s->mean + k * s->mean_stride, s->cov + k * s->cov_stride, s->ld};
}

static bool same(const double *a, const double *b, size_t n) { return memcmp(a, b, n * sizeof(double)) == 0; }

/* The layouts of the pair (g0, g1): both stacked, g0 one Gaussian (the shared path), g1
 * one Gaussian, and stacked covariances with one shared mean. */
enum { BOTH, G0_ONE, G1_ONE, MEAN_ONE, NLAYOUT };
static void layout(int l, const block *b0, const block *b1, bw_gaussian_stack *g0, bw_gaussian_stack *g1) {
  *g0 = l == G0_ONE ? one(b0, 3) : stacked(b0);
  *g1 = l == G1_ONE ? one(b1, 5) : stacked(b1);
  if (l == MEAN_ONE) g0->mean_stride = 0;
}

START_TEST(w2_stack_equals_single_calls) {
  tu_rng r;
  tu_seed(&r, 11);
  for (int i = 0; i < NDIMS; i++) {
    const int d = dims[i];
    block b0 = block_new(&r, d, NITEM), b1 = block_new(&r, d, NITEM);
    bw_workspace *ws = bw_workspace_alloc(d);
    for (int l = 0; l < NLAYOUT; l++) {
      bw_gaussian_stack g0, g1;
      layout(l, &b0, &b1, &g0, &g1);
      double sq[NITEM], w[NITEM], ref_sq[NITEM], ref_w[NITEM], sq2[NITEM];
      for (int k = 0; k < NITEM; k++) {
        const bw_gaussian a = at(&g0, k), b = at(&g1, k);
        ck_assert_int_eq(bw_w2sq(NULL, &a, &b, &ref_sq[k]), BW_OK);
        ck_assert_int_eq(bw_w2(NULL, &a, &b, &ref_w[k]), BW_OK);
      }
      ck_assert_int_eq(bw_w2sq_stack(ws, NITEM, &g0, &g1, sq, NULL), BW_OK);
      ck_assert_int_eq(bw_w2_stack(NULL, NITEM, &g0, &g1, w, NULL), BW_OK);
      ck_assert_int_eq(bw_w2sq_stack(NULL, NITEM, &g0, &g1, sq2, NULL), BW_OK);
      ck_assert_msg(same(sq, ref_sq, NITEM) && same(sq2, ref_sq, NITEM), "d = %d, layout %d: w2sq", d, l);
      ck_assert_msg(same(w, ref_w, NITEM), "d = %d, layout %d: w2", d, l);
    }
    bw_workspace_free(ws);
    block_free(&b0);
    block_free(&b1);
  }
}
END_TEST

START_TEST(map_stacks_equal_single_calls) {
  tu_rng r;
  tu_seed(&r, 12);
  for (int i = 0; i < NDIMS; i++) {
    const int d = dims[i], ld = d + 1, dd = ld * d;
    block b0 = block_new(&r, d, NITEM), b1 = block_new(&r, d, NITEM);
    const size_t nm = (size_t)NITEM * d, nc = (size_t)NITEM * dd;
    double *T = malloc(sizeof(double) * nc), *Tr = malloc(sizeof(double) * nc);
    double *v = malloc(sizeof(double) * nm), *vr = malloc(sizeof(double) * nm);
    double *X = malloc(sizeof(double) * nc), *Xr = malloc(sizeof(double) * nc);
    double *gm = malloc(sizeof(double) * nm), *gc = malloc(sizeof(double) * nc);
    double *rm = malloc(sizeof(double) * nm), *rc = malloc(sizeof(double) * nc);
    double t[NITEM];
    for (int k = 0; k < NITEM; k++) t[k] = k / (NITEM - 1.0);
    for (int l = 0; l < NLAYOUT; l++) {
      bw_gaussian_stack g0, g1;
      layout(l, &b0, &b1, &g0, &g1);
      const bw_gaussian_stack out = {d, gm, d, gc, ld, dd};
      for (size_t j = 0; j < nc; j++) T[j] = Tr[j] = X[j] = Xr[j] = gc[j] = rc[j] = SENTINEL;
      for (int k = 0; k < NITEM; k++) {
        const bw_gaussian a = at(&g0, k), b = at(&g1, k);
        bw_gaussian o = {d, rm + k * d, rc + k * dd, ld};
        ck_assert_int_eq(bw_ot_map(NULL, &a, &b, Tr + k * dd, ld), BW_OK);
        ck_assert_int_eq(bw_log_map(NULL, &a, &b, vr + k * d, Xr + k * dd, ld), BW_OK);
        ck_assert_int_eq(bw_geodesic(NULL, &a, &b, t[k], &o), BW_OK);
      }
      ck_assert_int_eq(bw_ot_map_stack(NULL, NITEM, &g0, &g1, T, ld, dd, NULL), BW_OK);
      ck_assert_int_eq(bw_log_map_stack(NULL, NITEM, &g0, &g1, v, d, X, ld, dd, NULL), BW_OK);
      ck_assert_int_eq(bw_geodesic_stack(NULL, NITEM, &g0, &g1, t, 1, &out, NULL), BW_OK);
      ck_assert_msg(same(T, Tr, nc), "d = %d, layout %d: ot_map", d, l);
      ck_assert_msg(same(v, vr, nm) && same(X, Xr, nc), "d = %d, layout %d: log_map", d, l);
      ck_assert_msg(same(gm, rm, nm) && same(gc, rc, nc), "d = %d, layout %d: geodesic", d, l);
      /* exp at g0 of the logarithms: the single calls again, and (v, X) broadcast */
      for (int shared = 0; shared < 2; shared++) {
        const ptrdiff_t vs = shared ? 0 : d, xs = shared ? 0 : dd;
        for (int k = 0; k < NITEM; k++) {
          const bw_gaussian a = at(&g0, k);
          bw_gaussian o = {d, rm + k * d, rc + k * dd, ld};
          ck_assert_int_eq(bw_exp_map(NULL, &a, v + k * vs, X + k * xs, ld, &o), BW_OK);
        }
        ck_assert_int_eq(bw_exp_map_stack(NULL, NITEM, &g0, v, vs, X, ld, xs, &out, NULL), BW_OK);
        ck_assert_msg(same(gm, rm, nm) && same(gc, rc, nc), "d = %d, layout %d: exp_map", d, l);
      }
    }
    /* one time for every item (t_stride 0), and the output over the input g0 (the same
     * strides): each item reads its own g0 before writing it */
    bw_gaussian_stack g0 = stacked(&b0), g1 = stacked(&b1);
    for (int k = 0; k < NITEM; k++) {
      const bw_gaussian a = at(&g0, k), b = at(&g1, k);
      bw_gaussian o = {d, rm + k * d, rc + k * dd, ld};
      ck_assert_int_eq(bw_geodesic(NULL, &a, &b, 0.25, &o), BW_OK);
    }
    const double quarter = 0.25;
    ck_assert_int_eq(bw_geodesic_stack(NULL, NITEM, &g0, &g1, &quarter, 0, &g0, NULL), BW_OK);
    for (int k = 0; k < NITEM; k++) {
      ck_assert(same(b0.mean + k * d, rm + k * d, (size_t)d));
      for (int j = 0; j < d; j++) ck_assert(same(b0.cov + k * b0.ld * d + j * b0.ld, rc + k * dd + j * ld, (size_t)d));
    }
    free(T), free(Tr), free(v), free(vr), free(X), free(Xr), free(gm), free(gc), free(rm), free(rc);
    block_free(&b0);
    block_free(&b1);
  }
}
END_TEST

/* Argument errors are found before any item: nothing is written, *failed untouched. */
START_TEST(argument_errors_write_nothing) {
  tu_rng r;
  tu_seed(&r, 13);
  const int d = 3, dd = 9;
  block b0 = block_new(&r, d, NITEM), b1 = block_new(&r, d, NITEM), b2 = block_new(&r, 2, NITEM);
  bw_gaussian_stack g0 = stacked(&b0), g1 = stacked(&b1), g2 = stacked(&b2);
  double w[NITEM], T[NITEM * 9], gm[NITEM * 3], gc[NITEM * 9], t = 0.5;
  for (int k = 0; k < NITEM; k++) w[k] = SENTINEL;
  long failed = -7;
  bw_gaussian_stack bad = g1;
  ck_assert_int_eq(bw_w2sq_stack(NULL, -1, &g0, &g1, w, &failed), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_w2sq_stack(NULL, NITEM, NULL, &g1, w, &failed), BW_ERR_NULL);
  ck_assert_int_eq(bw_w2sq_stack(NULL, NITEM, &g0, &g1, NULL, &failed), BW_ERR_NULL);
  ck_assert_int_eq(bw_w2sq_stack(NULL, NITEM, &g0, &g2, w, &failed), BW_ERR_DIM_MISMATCH);
  bad.cov = NULL;
  ck_assert_int_eq(bw_w2_stack(NULL, NITEM, &g0, &bad, w, &failed), BW_ERR_NULL);
  bad = g1, bad.ld = 2;
  ck_assert_int_eq(bw_w2_stack(NULL, NITEM, &g0, &bad, w, &failed), BW_ERR_DIM);
  bad = g1, bad.d = 0;
  ck_assert_int_eq(bw_w2_stack(NULL, NITEM, &g0, &bad, w, &failed), BW_ERR_DIM);
  bad = g1, bad.mean_stride = -3;
  ck_assert_int_eq(bw_w2_stack(NULL, NITEM, &g0, &bad, w, &failed), BW_ERR_BAD_ARG);
  bad = g1, bad.cov_stride = PTRDIFF_MAX / 2;  /* item 6's offset overflows */
  ck_assert_int_eq(bw_w2_stack(NULL, NITEM, &g0, &bad, w, &failed), BW_ERR_BAD_ARG);
  bw_workspace *small = bw_workspace_alloc(2);
  ck_assert_int_eq(bw_w2_stack(small, NITEM, &g0, &g1, w, &failed), BW_ERR_DIM_MISMATCH);
  bw_workspace_free(small);
  for (int k = 0; k < NITEM; k++) ck_assert(w[k] == SENTINEL);
  /* outputs that overlap from one item to the next, or with too small a leading dimension */
  ck_assert_int_eq(bw_ot_map_stack(NULL, NITEM, &g0, &g1, T, d, dd - 1, &failed), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_ot_map_stack(NULL, NITEM, &g0, &g1, T, d - 1, dd, &failed), BW_ERR_DIM);
  bw_gaussian_stack out = {d, gm, d, gc, d, 0};
  ck_assert_int_eq(bw_geodesic_stack(NULL, NITEM, &g0, &g1, &t, 0, &out, &failed), BW_ERR_BAD_ARG);
  out.cov_stride = dd, out.mean_stride = d - 1;
  ck_assert_int_eq(bw_geodesic_stack(NULL, NITEM, &g0, &g1, &t, 0, &out, &failed), BW_ERR_BAD_ARG);
  out.mean_stride = d;
  ck_assert_int_eq(bw_geodesic_stack(NULL, NITEM, &g0, &g1, &t, -1, &out, &failed), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_geodesic_stack(NULL, NITEM, &g0, &g1, NULL, 0, &out, &failed), BW_ERR_NULL);
  ck_assert_int_eq(bw_log_map_stack(NULL, NITEM, &g0, &g1, gm, d, gc, d, dd - 1, &failed), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_exp_map_stack(NULL, NITEM, &g0, gm, -d, gc, d, dd, &out, &failed), BW_ERR_BAD_ARG);
  /* a single item may have any output stride; n = 0 does nothing */
  out.mean_stride = out.cov_stride = 0;
  ck_assert_int_eq(bw_geodesic_stack(NULL, 1, &g0, &g1, &t, 0, &out, &failed), BW_OK);
  ck_assert_int_eq(bw_w2sq_stack(NULL, 0, &g0, &g1, w, &failed), BW_OK);
  ck_assert(w[0] == SENTINEL);
  ck_assert_int_eq(failed, -7);
  block_free(&b0);
  block_free(&b1);
  block_free(&b2);
}
END_TEST

/* A failing item stops the stack: its status, its index in *failed, the items before it
 * written, it and the later ones untouched; for each kind of failure and path. */
START_TEST(failing_item_stops_the_stack) {
  tu_rng r;
  tu_seed(&r, 14);
  for (int i = 0; i < NDIMS; i++) {
    const int d = dims[i];
    block b0 = block_new(&r, d, NITEM);
    const int bad = 4;
    struct {
      int what;
      bw_status want;
    } cases[] = {{0, BW_ERR_NOT_SPD}, {1, BW_ERR_NONFINITE}, {2, BW_ERR_NOT_SYMMETRIC}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      if (cases[c].what == 2 && d == 1) continue; /* a 1 x 1 matrix is symmetric */
      block b = block_new(&r, d, NITEM);
      double *S = b.cov + bad * b.ld * d;
      if (cases[c].what == 0) S[0] = -1.0;
      if (cases[c].what == 1) b.mean[bad * d] = NAN;
      if (cases[c].what == 2) S[1] += 1.0;
      for (int shared = 0; shared < 2; shared++) {
        bw_gaussian_stack g0 = shared ? one(&b0, 0) : stacked(&b0), g1 = stacked(&b);
        double w[NITEM];
        for (int k = 0; k < NITEM; k++) w[k] = SENTINEL;
        long failed = -1;
        ck_assert_int_eq(bw_w2_stack(NULL, NITEM, &g0, &g1, w, &failed), cases[c].want);
        ck_assert_int_eq(failed, bad);
        for (int k = 0; k < NITEM; k++) {
          const bw_gaussian a = at(&g0, k), bb = at(&g1, k);
          double ref;
          if (k < bad) {
            ck_assert_int_eq(bw_w2(NULL, &a, &bb, &ref), BW_OK);
            ck_assert(w[k] == ref);
          } else {
            ck_assert(w[k] == SENTINEL);
          }
        }
      }
      block_free(&b);
    }
    block_free(&b0);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("stack");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, w2_stack_equals_single_calls);
  tcase_add_test(tc, map_stacks_equal_single_calls);
  tcase_add_test(tc, argument_errors_write_nothing);
  tcase_add_test(tc, failing_item_stops_the_stack);
  suite_add_tcase(s, tc);
  return tu_run(s);
}
