/* Spectral functions of symmetric matrices, and the covariance maps of the explicit steps
 * (internal). SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include "core/internal.h"
#include "core/lapack.h"

bw_status bw_sym_eig(bw_workspace *ws, int d, const double *S, int lds, double *w, double *V,
                     int ldv) {
  if (!S || !w || !V) return BW_ERR_NULL;
  if (d < 1 || lds < d || ldv < d) return BW_ERR_DIM;
  bw_status st = bw__check_sym(d, S, lds, BW_SYM_RTOL);
  if (st) return st;
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;
  double *Vt = ws->mat[0], *wt = ws->vec[0];
  st = bw__eigh(ws, d, S, lds, wt, Vt, d);
  if (!st) {
    for (int i = 0; i < d; i++) w[i] = wt[i];
    bw__copy(d, Vt, d, V, ldv);
  }
  bw_workspace_free(own);
  return st;
}

/* Shared driver: need_pd requires every eigenvalue > 0. */
static bw_status spectral(bw_workspace *ws, int d, const double *S, int lds, bw_scalar_fn f,
                          void *ctx, bool need_pd, double *F, int ldf) {
  if (!S || !F || !f) return BW_ERR_NULL;
  if (d < 1 || lds < d || ldf < d) return BW_ERR_DIM;
  bw_status st = bw__check_sym(d, S, lds, BW_SYM_RTOL);
  if (st) return st;
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;
  double *V = ws->mat[0], *w = ws->vec[0];
  st = bw__eigh(ws, d, S, lds, w, V, d);
  if (!st && need_pd && !(w[0] > 0.0)) st = BW_ERR_NOT_SPD;
  for (int i = 0; !st && i < d; i++) {
    w[i] = f(w[i], ctx);
    if (!isfinite(w[i])) st = BW_ERR_OVERFLOW;
  }
  if (!st) bw__vdvt(d, V, d, w, F, ldf, ws->mat[1]);
  bw_workspace_free(own);
  return st;
}

static double f_sqrt(double x, void *c) { (void)c; return sqrt(x); }
static double f_invsqrt(double x, void *c) { (void)c; return 1.0 / sqrt(x); }
static double f_log(double x, void *c) { (void)c; return log(x); }
static double f_exp(double x, void *c) { (void)c; return exp(x); }

bw_status bw_sym_func(bw_workspace *ws, int d, const double *S, int lds, bw_scalar_fn f, void *ctx,
                      double *F, int ldf) {
  return spectral(ws, d, S, lds, f, ctx, false, F, ldf);
}
bw_status bw_spd_sqrt(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf) {
  return spectral(ws, d, S, lds, f_sqrt, NULL, true, F, ldf);
}
bw_status bw_spd_invsqrt(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf) {
  return spectral(ws, d, S, lds, f_invsqrt, NULL, true, F, ldf);
}
bw_status bw_spd_log(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf) {
  return spectral(ws, d, S, lds, f_log, NULL, true, F, ldf);
}
bw_status bw_sym_exp(bw_workspace *ws, int d, const double *S, int lds, double *F, int ldf) {
  return spectral(ws, d, S, lds, f_exp, NULL, false, F, ldf);
}

/* ---- internal: the covariance maps of the explicit steps (core/internal.h) ---- */

bw_status bw__sym_push(bw_workspace *ws, int d, const double *N, const double *S, double *Out, double *T,
                       double *C) {
  double *f = ws->vec[0];
  bw_status st = BW_OK;
  /* N's eigenvalues (ascending, into f) */
  if (d > BW_EIGH_SMALL_MAX) {
    int info = 0;
    bw__copy(d, N, d, C, d);
    dsyevd_("N", "L", &d, C, &d, f, ws->work, &ws->lwork, ws->iwork, &ws->liwork, &info, 1, 1);
    if (info) st = BW_ERR_LAPACK;
  } else {
    st = bw__eigh(ws, d, N, d, f, C, d);
  }
  if (st) return st;
  double nmax = fmax(fabs(f[0]), fabs(f[d - 1])), nmin = nmax;
  for (int i = 0; i < d; i++) nmin = fmin(nmin, fabs(f[i]));
  if (!(nmin > 16.0 * d * DBL_EPSILON * nmax)) return BW_ERR_LOST_SPD;
  bw__sym_congruence('N', d, S, N, Out, T);
  if (bw__check_finite(d * d, Out)) return BW_ERR_OVERFLOW;
  return bw__chol(d, Out, d, T) ? BW_OK : BW_ERR_LOST_SPD; /* the library's one verdict */
}

bw_status bw__entropy_step(bw_workspace *ws, int d, const double *C, double e, double *Out, double *V) {
  double *w = ws->vec[0];
  bw_status st = bw__eigh(ws, d, C, d, w, V, d);
  if (st) return st;
  for (int i = 0; i < d; i++) {
    const double c = w[i] > 0.0 ? w[i] : 0.0; /* C is PSD: a negative eigenvalue is rounding */
    w[i] = e + 0.5 * c + sqrt(c * (0.25 * c + e));
    if (!(w[i] > 0.0)) return BW_ERR_LOST_SPD;
    if (!isfinite(w[i])) return BW_ERR_OVERFLOW;
  }
  bw__vdvt(d, V, d, w, Out, d, ws->mat[BW_WS_NMAT - 1]);
  return BW_OK;
}
