/* The explicit (forward Euler) step (docs/math.md section 4): push rho = N(m, S) forward by
 * x -> x - eta (A m - h) - eta M (x - m), M = P - tau S^-1:
 *
 *   m' = m - eta (A m - h),   S' = N S N,   N = I - eta M  (symmetric).
 *
 * S' is positive definite exactly when N is non-singular. Singularity is decided to working
 * precision from the eigenvalues n of N: BW_ERR_LOST_SPD when
 * min |n| <= 16 d eps max |n| (eigenvalues of a symmetric matrix are computed with an
 * absolute error of a small multiple of eps ||N||, so a smaller |n| is indistinguishable
 * from 0). When N is indefinite but non-singular the result is still the push-forward, a
 * valid Gaussian, although the map is then no longer an optimal transport map. S' itself
 * must then be positive definite in floating point (Cholesky): with cond(N)^2 cond(S) beyond
 * ~1e16 the computed N S N can be indefinite although N passes the singularity test, and
 * that is BW_ERR_LOST_SPD too (never an indefinite covariance with BW_OK).
 *
 * Cost: S^-1 from S's Cholesky factor (dpotrf, the input's definiteness verdict, then
 * dpotri: d^3 flops), N's eigenvalues only (above the small eigensolver's range, dsyevd
 * without vectors: the tridiagonalisation, 4/3 d^3), N S N as one triangular product and a
 * rank-2d update (3 d^3), the output's Cholesky test (d^3/3): ~6 d^3 flops, where two full
 * eigendecompositions and three products used to be.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "core/internal.h"
#include "core/lapack.h"

/* Not in lapack.h (declared where used). */
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t luplo);

/* The argument checks shared by the forward and the forward-backward step. */
static bw_status step_args(const bw_problem *pb, double eta, const bw_gaussian *in, const bw_gaussian *out) {
  if (!pb || !out || !out->mean || !out->cov) return BW_ERR_NULL;
  bw_status st = bw__check_gaussian(in);
  if (st) return st;
  const int d = bw_problem_dim(pb);
  if (out->d < 1 || out->ld < out->d) return BW_ERR_DIM;
  if (in->d != d || out->d != d) return BW_ERR_DIM_MISMATCH;
  if (!(eta > 0.0) || !isfinite(eta)) return BW_ERR_BAD_ETA;
  return BW_OK;
}

/* m = in's mean - eta (A m - h); C = (in's covariance + its transpose)/2. */
static void mean_step(const bw_problem *pb, double eta, const bw_gaussian *in, double *m, double *C) {
  const int d = bw_problem_dim(pb);
  const double *A = bw_problem_A(pb), *h = bw_problem_h(pb);
  for (int j = 0; j < d; j++)
    for (int i = j; i < d; i++)
      C[i + (size_t)j * d] = C[j + (size_t)i * d] =
          bw__avg(in->cov[i + (size_t)j * in->ld], in->cov[j + (size_t)i * in->ld]);
  for (int i = 0; i < d; i++) {
    double r = -h[i];
    for (int j = 0; j < d; j++) r += A[i + (size_t)j * d] * in->mean[j];
    m[i] = in->mean[i] - eta * r;
  }
}

bw_status bw_forward_step(const bw_problem *pb, double eta, bw_workspace *ws,
                          const bw_gaussian *in, bw_gaussian *out) {
  bw_status st = step_args(pb, eta, in, out);
  if (st) return st;
  const int d = bw_problem_dim(pb);
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;

  const double tau = bw_problem_tau(pb), *P = bw_problem_P(pb);
  double *L = ws->mat[0], *N = ws->mat[1], *T = ws->mat[2], *S = ws->mat[3], *C = ws->mat[4];
  double *Cs = ws->mat[5], *m = ws->vec[2];

  /* N = I - eta (P - tau S^-1), S^-1 from S = L L' (the definiteness verdict of every input). */
  if (!bw__chol(d, in->cov, in->ld, L)) st = BW_ERR_NOT_SPD;
  if (!st) {
    int info = 0;
    dpotri_("L", &d, L, &d, &info, 1);
    if (info) st = BW_ERR_NOT_SPD;
  }
  if (!st) {
    const double c = eta * tau;
    for (int j = 0; j < d; j++)
      for (int i = j; i < d; i++) {
        const double v = (i == j) - eta * bw__avg(P[i + (size_t)j * d], P[j + (size_t)i * d]) +
                         c * L[i + (size_t)j * d];
        N[i + (size_t)j * d] = N[j + (size_t)i * d] = v;
      }
    if (bw__check_finite(d * d, N)) st = BW_ERR_OVERFLOW;
  }
  if (!st) {
    mean_step(pb, eta, in, m, Cs);
    st = bw__sym_push(ws, d, N, Cs, S, T, C);
    if (!st && bw__check_finite(d, m)) st = BW_ERR_OVERFLOW;
  }
  if (!st) {
    memcpy(out->mean, m, (size_t)d * sizeof(double));
    bw__copy(d, S, d, out->cov, out->ld);
  }
  bw_workspace_free(own);
  return st;
}

/* The forward-backward step (docs/math.md section 9 for the ridge system): the forward step on
 * the quadratic part, S1 = (I - eta P) S (I - eta P), then the entropy's exact JKO step. With
 * tau = 0 it is the forward step. */
bw_status bw_fb_step(const bw_problem *pb, double eta, bw_workspace *ws, const bw_gaussian *in,
                     bw_gaussian *out) {
  bw_status st = step_args(pb, eta, in, out);
  if (st) return st;
  const double tau = bw_problem_tau(pb);
  if (tau == 0.0) return bw_forward_step(pb, eta, ws, in, out);
  const int d = bw_problem_dim(pb);
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;
  const double *P = bw_problem_P(pb);
  double *L = ws->mat[0], *N = ws->mat[1], *T = ws->mat[2], *S1 = ws->mat[3], *V = ws->mat[4];
  double *Cs = ws->mat[5], *S = ws->mat[6], *m = ws->vec[2];
  if (!bw__chol(d, in->cov, in->ld, L)) st = BW_ERR_NOT_SPD;
  if (!st) {
    for (int j = 0; j < d; j++)
      for (int i = j; i < d; i++)
        N[i + (size_t)j * d] = N[j + (size_t)i * d] = (i == j) - eta * bw__avg(P[i + (size_t)j * d], P[j + (size_t)i * d]);
    mean_step(pb, eta, in, m, Cs);
    bw__sym_congruence('N', d, Cs, N, S1, T);
    if (bw__check_finite(d * d, S1) || bw__check_finite(d, m)) st = BW_ERR_OVERFLOW;
  }
  if (!st) st = bw__entropy_step(ws, d, S1, eta * tau, S, V);
  if (!st && !bw__chol(d, S, d, L)) st = BW_ERR_LOST_SPD;
  if (!st) {
    memcpy(out->mean, m, (size_t)d * sizeof(double));
    bw__copy(d, S, d, out->cov, out->ld);
  }
  bw_workspace_free(own);
  return st;
}
