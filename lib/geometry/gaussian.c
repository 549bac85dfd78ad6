/* Gaussians: allocation, copy, validation. SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"

bw_gaussian *bw_gaussian_alloc(int d) {
  if (d < 1 || d > 46340) return NULL;
  size_t n = (size_t)d;
  bw_gaussian *g = malloc(sizeof *g + (n + n * n) * sizeof(double));
  if (!g) return NULL;
  g->d = d;
  g->ld = d;
  g->mean = (double *)(g + 1);
  g->cov = g->mean + n;
  memset(g->mean, 0, n * sizeof(double));
  bw__eye(d, g->cov, d);
  return g;
}

void bw_gaussian_free(bw_gaussian *g) { free(g); }

bw_status bw_gaussian_copy(bw_gaussian *dst, const bw_gaussian *src) {
  if (!dst || !src || !dst->mean || !dst->cov || !src->mean || !src->cov) return BW_ERR_NULL;
  if (src->d < 1 || dst->d < 1 || src->ld < src->d || dst->ld < dst->d) return BW_ERR_DIM;
  if (dst->d != src->d) return BW_ERR_DIM_MISMATCH;
  if (dst == src) return BW_OK;
  memmove(dst->mean, src->mean, (size_t)src->d * sizeof(double));
  bw__copy(src->d, src->cov, src->ld, dst->cov, dst->ld);
  return BW_OK;
}

/* Checks (mean, cov) and, on success, writes the symmetrised covariance into g. */
static bw_status set_checked(bw_gaussian *g, const double *mean, const double *cov, int ldc,
                             double sym_rtol, bw_workspace *ws) {
  int d = g->d;
  if (!(sym_rtol >= 0.0) || !isfinite(sym_rtol)) return BW_ERR_BAD_ARG;
  bw_status st = bw__check_finite(d, mean);
  if (!st) st = bw__check_sym(d, cov, ldc, sym_rtol);
  if (st) return st;
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;
  double *C = ws->mat[0];
  bw__copy(d, cov, ldc, C, d);
  bw__symmetrize(d, C, d);
  /* The library's one definiteness verdict (bw__chol), used by every kernel. */
  if (!bw__chol(d, C, d, ws->mat[1])) {
    st = BW_ERR_NOT_SPD;
  } else {
    memmove(g->mean, mean, (size_t)d * sizeof(double));
    bw__copy(d, C, d, g->cov, g->ld);
  }
  bw_workspace_free(own);
  return st;
}

bw_status bw_gaussian_set(bw_gaussian *g, const double *mean, const double *cov, int ldc,
                          double sym_rtol, bw_workspace *ws) {
  if (!g || !g->mean || !g->cov || !mean || !cov) return BW_ERR_NULL;
  if (g->d < 1 || g->ld < g->d || ldc < g->d) return BW_ERR_DIM;
  return set_checked(g, mean, cov, ldc, sym_rtol, ws);
}

bw_status bw_gaussian_validate(bw_gaussian *g, double sym_rtol, bw_workspace *ws) {
  if (!g || !g->mean || !g->cov) return BW_ERR_NULL;
  if (g->d < 1 || g->ld < g->d) return BW_ERR_DIM;
  return set_checked(g, g->mean, g->cov, g->ld, sym_rtol, ws);
}

/* ---- the fields of a Gaussian state (core/internal.h) ---- */

int bw__gaussian_nfields(int d) { return d + d * (d + 1) / 2 + 3; }

void bw__gaussian_field_name(int d, int i, char *buf, size_t n) {
  const int ntri = d * (d + 1) / 2;
  static const char *const tail[3] = {"J", "Jeta", "slope_sq"};
  if (i < d) {
    snprintf(buf, n, "m%d", i + 1);
    return;
  }
  i -= d;
  if (i >= ntri) {
    snprintf(buf, n, "%s", tail[i - ntri]);
    return;
  }
  for (int r = 0; r < d; r++) {
    if (i < d - r) {
      snprintf(buf, n, "S%d%s%d", r + 1, d > 9 ? "_" : "", r + i + 1);
      return;
    }
    i -= d - r;
  }
}

void bw__gaussian_fields(const bw_gaussian *g, double J, double eta, double slope_sq, double *v) {
  const int d = g->d;
  int k = 0;
  for (int i = 0; i < d; i++) v[k++] = g->mean[i];
  for (int i = 0; i < d; i++)
    for (int j = i; j < d; j++) v[k++] = g->cov[i + (size_t)j * g->ld];
  v[k++] = J;
  v[k++] = J - 0.25 * eta * slope_sq;
  v[k] = slope_sq;
}
