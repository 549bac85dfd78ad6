/* Named presets and the seeded random problem.
 *
 * bw_problem_random(d, seed, tau): a private splitmix64 generator (state local to the call)
 * seeded with `seed`, uniforms u = (x >> 11) 2^-53 in [0, 1), normals by Box-Muller
 * sqrt(-2 log(1 - u1)) cos(2 pi u2) (one normal per pair of uniforms). Draws, in this order:
 *   1. Q  : d x d N(0,1) matrix (column-major), orthonormalised by modified Gram-Schmidt
 *           applied twice (the Q factor of its QR with positive diagonal: Haar distributed);
 *   2. a  : d eigenvalues a_i = 0.5 + 1.5 u_i, uniform in [0.5, 2];  A = Q diag(a) Q';
 *   3. G  : d x d N(0,1);  K = 0.2 G G' / d  (PSD, non-zero);
 *   4. h  : d N(0,1);
 *   5. m0 : d N(0,1);
 *   6. Q0 : d x d N(0,1), orthonormalised as Q (independent of Q);
 *   7. s  : d covariances s_i = 0.3 * 10^u_i, log-uniform in [0.3, 3];  S0 = Q0 diag(s) Q0'.
 * So A is SPD, P = A + K is SPD, and S0 commutes with neither (almost surely). The values
 * depend only on (d, seed, tau) and IEEE arithmetic, up to the last-bit rounding of the C
 * library's log, cos and pow on a given platform.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "core/rng.h"

/* Q: d x d N(0,1) orthonormalised by modified Gram-Schmidt (twice). */
static void random_orthogonal(bw__rng *r, int d, double *Q) {
  for (int k = 0; k < d * d; k++) Q[k] = bw__rng_normal(r);
  for (int j = 0; j < d; j++) {
    double *q = Q + (size_t)j * d;
    for (int pass = 0; pass < 2; pass++)
      for (int k = 0; k < j; k++) {
        const double *v = Q + (size_t)k * d;
        double dot = 0.0;
        for (int i = 0; i < d; i++) dot += v[i] * q[i];
        for (int i = 0; i < d; i++) q[i] -= dot * v[i];
      }
    double nrm = 0.0;
    for (int i = 0; i < d; i++) nrm += q[i] * q[i];
    nrm = sqrt(nrm);
    for (int i = 0; i < d; i++) q[i] /= nrm;
  }
}

/* F = V diag(f) V' computed entrywise (exactly symmetric). */
static void vdvt(int d, const double *V, const double *f, double *F) {
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++) {
      double acc = 0.0;
      for (int k = 0; k < d; k++) acc += V[i + (size_t)k * d] * f[k] * V[j + (size_t)k * d];
      F[i + (size_t)j * d] = F[j + (size_t)i * d] = acc;
    }
}

static bw_status check_gauss_out(const bw_gaussian *g, int d) {
  if (!g || !g->mean || !g->cov) return BW_ERR_NULL;
  if (g->d < 1 || g->ld < g->d) return BW_ERR_DIM;
  return g->d == d ? BW_OK : BW_ERR_DIM_MISMATCH;
}

/* Sets pb and then (infallibly) g0 from arrays with ld d: on error both are untouched. */
static bw_status set_both(bw_problem *pb, const double *A, const double *h, const double *K,
                          double tau, bw_gaussian *g0, const double *m0, const double *S0) {
  const int d = g0->d;
  if (bw__check_finite(d, m0) || bw__check_finite(d * d, S0)) return BW_ERR_OVERFLOW;
  bw_status st = bw_problem_set(pb, A, d, h, K, d, tau);
  if (st) return st;
  memcpy(g0->mean, m0, (size_t)d * sizeof(double));
  bw__copy(d, S0, d, g0->cov, g0->ld);
  return BW_OK;
}

bw_status bw_problem_random(int d, uint64_t seed, double tau, bw_problem *pb, bw_gaussian *g0) {
  if (!pb) return BW_ERR_NULL;
  if (d < 1) return BW_ERR_DIM;
  bw_status st = check_gauss_out(g0, d);
  if (st) return st;
  if (bw_problem_dim(pb) != d) return BW_ERR_DIM_MISMATCH;
  if (!(tau >= 0.0) || !isfinite(tau)) return BW_ERR_BAD_TAU;
  size_t nn = (size_t)d * d, n = (size_t)d;
  double *buf = malloc((5 * nn + 4 * n) * sizeof(double));
  if (!buf) return BW_ERR_NOMEM;
  double *Q = buf, *A = Q + nn, *G = A + nn, *K = G + nn, *S0 = K + nn;
  double *a = S0 + nn, *h = a + n, *m0 = h + n, *s = m0 + n;
  bw__rng r = {seed};
  random_orthogonal(&r, d, Q);
  for (int i = 0; i < d; i++) a[i] = 0.5 + 1.5 * bw__rng_uniform(&r);
  vdvt(d, Q, a, A);
  for (size_t k = 0; k < nn; k++) G[k] = bw__rng_normal(&r);
  for (int j = 0; j < d; j++) /* K = 0.2 G G' / d, entrywise (exactly symmetric) */
    for (int i = 0; i <= j; i++) {
      double acc = 0.0;
      for (int k = 0; k < d; k++) acc += G[i + (size_t)k * d] * G[j + (size_t)k * d];
      K[i + (size_t)j * d] = K[j + (size_t)i * d] = 0.2 * acc / d;
    }
  for (int i = 0; i < d; i++) h[i] = bw__rng_normal(&r);
  for (int i = 0; i < d; i++) m0[i] = bw__rng_normal(&r);
  random_orthogonal(&r, d, Q); /* Q0: A no longer needs Q */
  for (int i = 0; i < d; i++) s[i] = 0.3 * pow(10.0, bw__rng_uniform(&r));
  vdvt(d, Q, s, S0);
  st = set_both(pb, A, h, K, tau, g0, m0, S0);
  free(buf);
  return st;
}

/* Kac-Murdock-Szego correlation 0.5^|i-j| scaled by D = diag(sqrt(0.5 (1 + i/2))):
 * S0_ij = 0.5^|i-j| sqrt(w_i w_j), w_i = 0.5 (1 + i/2); SPD for every d. */
static void kms_cov(int d, double *S0) {
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++)
      S0[i + (size_t)j * d] = pow(0.5, abs(i - j)) * sqrt(0.5 * (1.0 + 0.5 * i) * 0.5 * (1.0 + 0.5 * j));
}

bw_status bw_preset(const char *name, int d, uint64_t seed, bw_problem **pbp, bw_gaussian **g0p) {
  if (!name || !pbp || !g0p) return BW_ERR_NULL;
  if (d < 0 || d > 46340) return BW_ERR_DIM; /* d^2 must fit an int (LAPACK) */
  enum { OU2D, HEAT, POTENTIAL, RANDOM } kind;
  if (!strcmp(name, "ou2d")) {
    kind = OU2D;
    if (d != 0 && d != 2) return BW_ERR_DIM;
    d = 2;
  } else if (!strcmp(name, "heat")) {
    kind = HEAT;
    if (!d) d = 2;
  } else if (!strcmp(name, "potential")) {
    kind = POTENTIAL;
    if (!d) d = 2;
  } else if (!strcmp(name, "random")) {
    kind = RANDOM;
    if (!d) d = 3;
  } else {
    return BW_ERR_BAD_ARG;
  }
  bw_problem *pb = bw_problem_alloc(d);
  bw_gaussian *g0 = bw_gaussian_alloc(d);
  size_t nn = (size_t)d * d, n = (size_t)d;
  double *buf = malloc((2 * nn + 2 * n) * sizeof(double));
  bw_status st = (pb && g0 && buf) ? BW_OK : BW_ERR_NOMEM;
  if (!st) {
    double *A = buf, *S0 = A + nn, *h = S0 + nn, *m0 = h + n;
    memset(buf, 0, (2 * nn + 2 * n) * sizeof(double));
    switch (kind) {
    case OU2D: { /* KL to N(A^-1 h, A^-1): Ornstein-Uhlenbeck; A S0 != S0 A */
      static const double A2[4] = {2.0, 0.6, 0.6, 1.0}, h2[2] = {1.0, -0.5};
      static const double m2[2] = {2.0, 1.0}, S2[4] = {0.5, -0.3, -0.3, 1.5};
      st = set_both(pb, A2, h2, NULL, 1.0, g0, m2, S2);
      break;
    }
    case HEAT: /* entropy only; the mean does not move */
      for (int i = 0; i < d; i++) m0[i] = 1.0 / (1.0 + i);
      kms_cov(d, S0);
      st = set_both(pb, A, h, NULL, 1.0, g0, m0, S0);
      break;
    case POTENTIAL: /* tau = 0: A = tridiag(-0.5, 2, -0.5) (eigenvalues in (1, 3)), h = 1 */
      for (int i = 0; i < d; i++) {
        A[i + (size_t)i * d] = 2.0;
        if (i + 1 < d) A[i + 1 + (size_t)i * d] = A[i + (size_t)(i + 1) * d] = -0.5;
        h[i] = 1.0;
        m0[i] = (i % 2 ? -1.0 : 1.0) * (1.0 + 0.5 * i);
      }
      kms_cov(d, S0);
      st = set_both(pb, A, h, NULL, 0.0, g0, m0, S0);
      break;
    case RANDOM:
      st = bw_problem_random(d, seed, 0.7, pb, g0);
      break;
    }
  }
  free(buf);
  if (st) {
    bw_problem_free(pb);
    bw_gaussian_free(g0);
    return st;
  }
  *pbp = pb;
  *g0p = g0;
  return BW_OK;
}
