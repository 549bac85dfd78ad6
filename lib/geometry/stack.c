/* Bures-Wasserstein geometry over stacks of Gaussians (bw_gaussian_stack): each function
 * checks its stacks once, takes one workspace for the whole stack and calls the single
 * function item by item (bw_w2sq_stack with a shared first Gaussian computes its half of
 * the work once, bw__w2sq_shared), so that item k's result is the single call's, bit for
 * bit. SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>
#include "core/internal.h"

/* A strided array of n items: stride >= 0, the last item's offset representable, and
 * for an output (n > 1) at least `item` doubles between items. */
static bw_status stride_check(long n, ptrdiff_t stride, ptrdiff_t item, bool out) {
  if (stride < 0) return BW_ERR_BAD_ARG;
  if (n > 1 && stride > 0 && n - 1 > PTRDIFF_MAX / stride) return BW_ERR_BAD_ARG;
  if (out && n > 1 && stride < item) return BW_ERR_BAD_ARG;
  return BW_OK;
}

/* A stack's own fields (d is compared by the callers). */
static bw_status stack_check(long n, const bw_gaussian_stack *s, bool out) {
  if (!s || !s->mean || !s->cov) return BW_ERR_NULL;
  if (s->d < 1 || s->ld < s->d) return BW_ERR_DIM;
  bw_status st = stride_check(n, s->mean_stride, s->d, out);
  return st ? st : stride_check(n, s->cov_stride, (ptrdiff_t)s->ld * s->d, out);
}

/* The checks shared by every stack function: n, the stacks (g1 and out may be NULL when
 * the function has none), equal dimensions. */
static bw_status stacks_check(long n, const bw_gaussian_stack *g0, const bw_gaussian_stack *g1,
                              const bw_gaussian_stack *out) {
  if (n < 0) return BW_ERR_BAD_ARG;
  bw_status st = stack_check(n, g0, false);
  if (!st && g1) st = stack_check(n, g1, false);
  if (!st && out) st = stack_check(n, out, true);
  if (!st && ((g1 && g1->d != g0->d) || (out && out->d != g0->d))) st = BW_ERR_DIM_MISMATCH;
  return st;
}

static inline bw_gaussian item(const bw_gaussian_stack *s, long k) {
  return (bw_gaussian){s->d, s->mean + k * s->mean_stride, s->cov + k * s->cov_stride, s->ld};
}

/* What one stack function does: its arguments, and item k's single call. */
typedef struct {
  const bw_gaussian_stack *g0, *g1, *out;
  bool root, shared, prepared; /* w2: square root; g0 shared; its half of the work done */
  double *res;                 /* w2: the values; ot_map: T; log_map: v */
  double *X;                   /* log_map: X */
  const double *in, *inX;      /* geodesic: t; exp_map: v and X */
  int ld;                      /* leading dimension of T or X */
  ptrdiff_t rs, xs;            /* strides of res (or in) and of X (or inX) */
} op;

typedef bw_status (*item_fn)(bw_workspace *ws, op *o, long k);

/* Items 0..n-1 with one workspace (the caller's, or one for the whole stack). */
static bw_status run(bw_workspace *ws, long n, item_fn f, op *o, long *failed) {
  if (n == 0) return BW_OK;
  bw_workspace *own;
  bw_status st = bw__ws_get(&ws, o->g0->d, &own);
  if (st) return st;
  long k = 0;
  while (k < n && !(st = f(ws, o, k))) k++;
  if (st && failed) *failed = k;
  bw_workspace_free(own);
  return st;
}

static bw_status w2_item(bw_workspace *ws, op *o, long k) {
  const bw_gaussian a = item(o->g0, k), b = item(o->g1, k);
  double r;
  bw_status st = o->shared ? bw__w2sq_shared(ws, &a, &b, &o->prepared, &r) : bw_w2sq(ws, &a, &b, &r);
  if (!st) o->res[k] = o->root ? sqrt(r) : r;
  return st;
}

static bw_status w2_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                          const bw_gaussian_stack *g1, bool root, double *out, long *failed) {
  bw_status st = stacks_check(n, g0, g1, NULL);
  if (st) return st;
  if (!out) return BW_ERR_NULL;
  op o = {.g0 = g0, .g1 = g1, .root = root, .res = out,
          .shared = g0->mean_stride == 0 && g0->cov_stride == 0 && g0->d > 2};
  return run(ws, n, w2_item, &o, failed);
}

bw_status bw_w2sq_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                        const bw_gaussian_stack *g1, double *w2sq, long *failed) {
  return w2_stack(ws, n, g0, g1, false, w2sq, failed);
}

bw_status bw_w2_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                      const bw_gaussian_stack *g1, double *w2, long *failed) {
  return w2_stack(ws, n, g0, g1, true, w2, failed);
}

static bw_status ot_map_item(bw_workspace *ws, op *o, long k) {
  const bw_gaussian a = item(o->g0, k), b = item(o->g1, k);
  return bw_ot_map(ws, &a, &b, o->res + k * o->rs, o->ld);
}

bw_status bw_ot_map_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                          const bw_gaussian_stack *g1, double *T, int ldt, ptrdiff_t t_stride,
                          long *failed) {
  bw_status st = stacks_check(n, g0, g1, NULL);
  if (st) return st;
  if (ldt < g0->d) return BW_ERR_DIM;
  if ((st = stride_check(n, t_stride, (ptrdiff_t)ldt * g0->d, true))) return st;
  if (!T) return BW_ERR_NULL;
  op o = {.g0 = g0, .g1 = g1, .res = T, .ld = ldt, .rs = t_stride};
  return run(ws, n, ot_map_item, &o, failed);
}

static bw_status geodesic_item(bw_workspace *ws, op *o, long k) {
  const bw_gaussian a = item(o->g0, k), b = item(o->g1, k);
  bw_gaussian c = item(o->out, k);
  return bw_geodesic(ws, &a, &b, o->in[k * o->rs], &c);
}

bw_status bw_geodesic_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                            const bw_gaussian_stack *g1, const double *t, ptrdiff_t t_stride,
                            const bw_gaussian_stack *gt, long *failed) {
  bw_status st = stacks_check(n, g0, g1, gt);
  if (st) return st;
  if ((st = stride_check(n, t_stride, 1, false))) return st;
  if (!t) return BW_ERR_NULL;
  op o = {.g0 = g0, .g1 = g1, .out = gt, .in = t, .rs = t_stride};
  return run(ws, n, geodesic_item, &o, failed);
}

static bw_status log_map_item(bw_workspace *ws, op *o, long k) {
  const bw_gaussian a = item(o->g0, k), b = item(o->g1, k);
  return bw_log_map(ws, &a, &b, o->res + k * o->rs, o->X + k * o->xs, o->ld);
}

bw_status bw_log_map_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0,
                           const bw_gaussian_stack *g1, double *v, ptrdiff_t v_stride, double *X,
                           int ldx, ptrdiff_t x_stride, long *failed) {
  bw_status st = stacks_check(n, g0, g1, NULL);
  if (st) return st;
  if (ldx < g0->d) return BW_ERR_DIM;
  if ((st = stride_check(n, v_stride, g0->d, true)) ||
      (st = stride_check(n, x_stride, (ptrdiff_t)ldx * g0->d, true)))
    return st;
  if (!v || !X) return BW_ERR_NULL;
  op o = {.g0 = g0, .g1 = g1, .res = v, .rs = v_stride, .X = X, .ld = ldx, .xs = x_stride};
  return run(ws, n, log_map_item, &o, failed);
}

static bw_status exp_map_item(bw_workspace *ws, op *o, long k) {
  const bw_gaussian a = item(o->g0, k);
  bw_gaussian b = item(o->out, k);
  return bw_exp_map(ws, &a, o->in + k * o->rs, o->inX + k * o->xs, o->ld, &b);
}

bw_status bw_exp_map_stack(bw_workspace *ws, long n, const bw_gaussian_stack *g0, const double *v,
                           ptrdiff_t v_stride, const double *X, int ldx, ptrdiff_t x_stride,
                           const bw_gaussian_stack *g1, long *failed) {
  bw_status st = stacks_check(n, g0, NULL, g1);
  if (st) return st;
  if (ldx < g0->d) return BW_ERR_DIM;
  if ((st = stride_check(n, v_stride, g0->d, false)) ||
      (st = stride_check(n, x_stride, (ptrdiff_t)ldx * g0->d, false)))
    return st;
  if (!v || !X) return BW_ERR_NULL;
  op o = {.g0 = g0, .out = g1, .in = v, .rs = v_stride, .inX = X, .ld = ldx, .xs = x_stride};
  return run(ws, n, exp_map_item, &o, failed);
}
