/* The explicit steps of the ridge system (docs/math.md section 9): the exponential map of
 * -eta grad J, and the forward-backward step of Diao et al. (a forward step on V, then the
 * entropy's exact JKO step). SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "ridge/ridge_internal.h"

/* Checks, workspace and the evaluation at in (g, H, G); the caller frees *own. */
static bw_status start_step(const bw_ridge_problem *pb, double eta, bw_ridge_ws **ws, bw_ridge_ws **own,
                            const bw_gaussian *in, const bw_gaussian *out) {
  *own = NULL;
  if (!pb) return BW_ERR_NULL;
  bw_status st = bw__ridge_check_out(pb, out);
  if (!st) st = bw__ridge_check_gauss(pb, in);
  if (st) return st;
  if (!(eta > 0.0) || !isfinite(eta)) return BW_ERR_BAD_ETA;
  if ((st = bw__ridge_ws_get(pb, ws, own))) return st;
  return bw__ridge_eval(pb, *ws, in->mean, in->cov, in->ld, BW__EV_G, NULL);
}

/* N = I - eta M (M symmetric, d x d) into N; m' = m - eta g into v. */
static bw_status explicit_parts(const bw_ridge_ws *ws, double eta, const double *M, const double *m, double *N,
                                double *v) {
  const int d = ws->d;
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) N[i + (size_t)j * d] = (i == j) - eta * M[i + (size_t)j * d];
  for (int i = 0; i < d; i++) v[i] = m[i] - eta * ws->g[i];
  return bw__check_finite(d * d, N) || bw__check_finite(d, v) ? BW_ERR_OVERFLOW : BW_OK;
}

static void write_out(int d, const double *m, const double *S, bw_gaussian *out) {
  memcpy(out->mean, m, (size_t)d * sizeof(double));
  bw__copy(d, S, d, out->cov, out->ld);
}

bw_status bw_ridge_forward_step(const bw_ridge_problem *pb, double eta, bw_ridge_ws *ws, const bw_gaussian *in,
                                bw_gaussian *out) {
  bw_ridge_ws *own;
  bw_status st = start_step(pb, eta, &ws, &own, in, out);
  if (!st) st = explicit_parts(ws, eta, ws->G, in->mean, ws->Gt, ws->v1);
  if (!st) st = bw__sym_push(ws->bws, pb->d, ws->Gt, ws->Ss, ws->M1, ws->M2, ws->M3);
  if (!st) write_out(pb->d, ws->v1, ws->M1, out);
  bw_ridge_ws_free(own);
  return st;
}

bw_status bw_ridge_fb_step(const bw_ridge_problem *pb, double eta, bw_ridge_ws *ws, const bw_gaussian *in,
                           bw_gaussian *out) {
  bw_ridge_ws *own;
  bw_status st = start_step(pb, eta, &ws, &own, in, out);
  const int d = pb->d;
  if (!st) st = explicit_parts(ws, eta, ws->H, in->mean, ws->Gt, ws->v1);
  if (!st && pb->tau == 0.0) {
    st = bw__sym_push(ws->bws, d, ws->Gt, ws->Ss, ws->M3, ws->M1, ws->M2);
  } else if (!st) {
    bw__sym_congruence('N', d, ws->Ss, ws->Gt, ws->M1, ws->M2);
    st = bw__check_finite(d * d, ws->M1) ? BW_ERR_OVERFLOW : bw__entropy_step(ws->bws, d, ws->M1, eta * pb->tau, ws->M3, ws->M2);
    if (!st && !bw__chol(d, ws->M3, d, ws->M2)) st = BW_ERR_LOST_SPD;
  }
  if (!st) write_out(d, ws->v1, ws->M3, out);
  bw_ridge_ws_free(own);
  return st;
}
