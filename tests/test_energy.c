/* The problem object, the energy J and its derived quantities, presets (docs/math.md sections 2,
 * 3, 5). Reference values are computed independently in the tests: Gaussian KL formula,
 * entropy from eigenvalues, expectations of the pointwise integrands by sigma points, finite
 * differences. SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define EPS DBL_EPSILON
static const double LOG2PI = 1.8378770664093454836;

/* Random problem: A SPD with eigenvalues in [alo, ahi] (alo > 0) or symmetric N(0,1) when
 * alo <= 0; K = kscale G G'/d (PSD) or 0; h N(0,1). */
static bw_problem *rand_problem(tu_rng *r, int d, double alo, double ahi, double kscale, double tau) {
  double *A = malloc(sizeof(double) * d * d), *K = malloc(sizeof(double) * d * d);
  double *G = malloc(sizeof(double) * d * d), *h = malloc(sizeof(double) * d);
  if (alo > 0) tu_spd(r, d, alo, ahi, A);
  else tu_sym(r, d, 1.0, A);
  for (int k = 0; k < d * d; k++) G[k] = tu_normal(r);
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double acc = 0;
      for (int k = 0; k < d; k++) acc += G[i + k * d] * G[j + k * d];
      K[i + j * d] = kscale * acc / d;
    }
  for (int i = 0; i < d; i++) h[i] = tu_normal(r);
  bw_problem *pb = bw_problem_alloc(d);
  ck_assert_int_eq(bw_problem_set(pb, A, d, h, K, d, tau), BW_OK);
  free(A);
  free(K);
  free(G);
  free(h);
  return pb;
}

/* E_{N(m,S)} f(x) for f a polynomial of degree <= 3, exactly (up to rounding), with the 2d
 * sigma points m +- sqrt(d) S^1/2 e_i: they reproduce the first three moments. */
typedef double (*integrand)(int d, const double *x, void *ctx);
static double sigma_expect(const bw_gaussian *g, integrand f, void *ctx) {
  int d = g->d;
  double *L = malloc(sizeof(double) * d * d), *x = malloc(sizeof(double) * d), acc = 0;
  ck_assert_int_eq(bw_spd_sqrt(NULL, d, g->cov, g->ld, L, d), BW_OK);
  for (int i = 0; i < d; i++)
    for (int sgn = -1; sgn <= 1; sgn += 2) {
      for (int k = 0; k < d; k++) x[k] = g->mean[k] + sgn * sqrt((double)d) * L[k + i * d];
      acc += f(d, x, ctx);
    }
  free(L);
  free(x);
  return acc / (2 * d);
}

static double matvec_sq(int d, const double *M, const double *x, const double *c) {
  double s = 0; /* |M x + c|^2 */
  for (int i = 0; i < d; i++) {
    double v = c ? c[i] : 0.0;
    for (int k = 0; k < d; k++) v += M[i + k * d] * x[k];
    s += v * v;
  }
  return s;
}

/* ---- problem object ---- */

START_TEST(problem_basics) {
  ck_assert_ptr_null(bw_problem_alloc(0));
  ck_assert_ptr_null(bw_problem_alloc(-3));
  ck_assert_int_eq(bw_problem_dim(NULL), 0);
  ck_assert(isnan(bw_problem_tau(NULL)));
  ck_assert_ptr_null(bw_problem_A(NULL));
  ck_assert_ptr_null(bw_problem_P_eigvecs(NULL));
  bw_problem_free(NULL);

  /* Defaults: the heat flow. */
  bw_problem *pb = bw_problem_alloc(3);
  ck_assert_int_eq(bw_problem_dim(pb), 3);
  ck_assert(bw_problem_tau(pb) == 1.0);
  for (int k = 0; k < 9; k++) {
    ck_assert(bw_problem_A(pb)[k] == 0.0 && bw_problem_K(pb)[k] == 0.0 && bw_problem_P(pb)[k] == 0.0);
    ck_assert(bw_problem_P_eigvecs(pb)[k] == (k % 4 == 0));
  }
  bw_problem_free(pb);

  tu_rng r;
  tu_seed(&r, 1);
  for (int d = 1; d <= 6; d++) {
    double A[36], K[36], h[6];
    tu_sym(&r, d, 1.0, A);
    tu_sym(&r, d, 0.5, K);
    for (int i = 0; i < d; i++) h[i] = tu_normal(&r);
    A[d - 1] += 1e-13 * A[(d - 1) * d]; /* asymmetric within BW_SYM_RTOL (d > 1) */
    pb = bw_problem_alloc(d);
    ck_assert_int_eq(bw_problem_set(pb, A, d, h, K, d, 0.25), BW_OK);
    ck_assert(bw_problem_tau(pb) == 0.25);
    const double *As = bw_problem_A(pb), *P = bw_problem_P(pb);
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++) {
        ck_assert(As[i + j * d] == 0.5 * (A[i + j * d] + A[j + i * d])); /* symmetrised */
        ck_assert(P[i + j * d] == As[i + j * d] + bw_problem_K(pb)[i + j * d]);
      }
    ck_assert(memcmp(bw_problem_h(pb), h, d * sizeof(double)) == 0);
    /* Eigendecompositions: ascending, orthonormal, reconstructing. A backward-stable
     * eigensolver has residual O(d eps ||A||): 1e-13 leaves a margin of ~50 at d = 6. */
    const double *M[2] = {As, P};
    const double *V[2] = {bw_problem_A_eigvecs(pb), bw_problem_P_eigvecs(pb)};
    const double *w[2] = {bw_problem_A_eigvals(pb), bw_problem_P_eigvals(pb)};
    for (int c = 0; c < 2; c++) {
      double nrm = tu_maxabs(d, M[c], d);
      for (int i = 1; i < d; i++) ck_assert(w[c][i] >= w[c][i - 1]);
      for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) {
          double rec = 0, orth = 0;
          for (int k = 0; k < d; k++) {
            rec += V[c][i + k * d] * w[c][k] * V[c][j + k * d];
            orth += V[c][k + i * d] * V[c][k + j * d];
          }
          ck_assert_double_le(fabs(rec - M[c][i + j * d]), 1e-13 * nrm);
          ck_assert_double_le(fabs(orth - (i == j)), 1e-13);
        }
    }
    /* K = NULL means 0. */
    ck_assert_int_eq(bw_problem_set(pb, A, d, h, NULL, 0, 0.0), BW_OK);
    for (int k = 0; k < d * d; k++) ck_assert(bw_problem_K(pb)[k] == 0.0);
    bw_problem_free(pb);
  }
}
END_TEST

START_TEST(problem_set_errors) {
  const int d = 3;
  double A[16], K[9], h[3] = {1, 2, 3};
  tu_rng r;
  tu_seed(&r, 2);
  tu_sym(&r, 4, 1.0, A); /* used with lda 3 and 4 */
  tu_sym(&r, d, 1.0, K);
  bw_problem *pb = bw_problem_alloc(d);
  ck_assert_int_eq(bw_problem_set(pb, A, 4, h, K, d, 0.5), BW_OK);
  /* Snapshot of everything the problem exposes; it must survive every failed set. */
  double snap[6 * 9 + 3 * 3 + 1];
  const double *parts[8] = {bw_problem_A(pb), bw_problem_K(pb), bw_problem_P(pb), bw_problem_A_eigvecs(pb),
                            bw_problem_P_eigvecs(pb), bw_problem_h(pb), bw_problem_A_eigvals(pb),
                            bw_problem_P_eigvals(pb)};
  int off = 0;
  for (int c = 0; c < 8; c++)
    for (int k = 0; k < (c < 5 ? 9 : 3); k++) snap[off++] = parts[c][k];
  snap[off++] = bw_problem_tau(pb);

  ck_assert_int_eq(bw_problem_set(NULL, A, 4, h, K, d, 0.5), BW_ERR_NULL);
  ck_assert_int_eq(bw_problem_set(pb, NULL, 4, h, K, d, 0.5), BW_ERR_NULL);
  ck_assert_int_eq(bw_problem_set(pb, A, 4, NULL, K, d, 0.5), BW_ERR_NULL);
  ck_assert_int_eq(bw_problem_set(pb, A, 2, h, K, d, 0.5), BW_ERR_DIM);
  ck_assert_int_eq(bw_problem_set(pb, A, 4, h, K, 2, 0.5), BW_ERR_DIM);
  ck_assert_int_eq(bw_problem_set(pb, A, 4, h, K, d, -1e-300), BW_ERR_BAD_TAU);
  ck_assert_int_eq(bw_problem_set(pb, A, 4, h, K, d, NAN), BW_ERR_BAD_TAU);
  ck_assert_int_eq(bw_problem_set(pb, A, 4, h, K, d, INFINITY), BW_ERR_BAD_TAU);
  double B[16];
  memcpy(B, A, sizeof B);
  B[1] += 1e-6; /* (1,0) != (0,1): asymmetric beyond BW_SYM_RTOL */
  ck_assert_int_eq(bw_problem_set(pb, B, 4, h, K, d, 0.5), BW_ERR_NOT_SYMMETRIC);
  ck_assert_int_eq(bw_problem_set(pb, A, 4, h, B, 4, 0.5), BW_ERR_NOT_SYMMETRIC);
  memcpy(B, A, sizeof B);
  B[5] = NAN;
  ck_assert_int_eq(bw_problem_set(pb, B, 4, h, K, d, 0.5), BW_ERR_NONFINITE);
  B[5] = INFINITY;
  ck_assert_int_eq(bw_problem_set(pb, A, 4, h, B, 4, 0.5), BW_ERR_NONFINITE);
  double hb[3] = {1, INFINITY, 0};
  ck_assert_int_eq(bw_problem_set(pb, A, 4, hb, K, d, 0.5), BW_ERR_NONFINITE);
  memcpy(B, A, sizeof B); /* A + K overflows although both are finite */
  for (int k = 0; k < 16; k++) B[k] = DBL_MAX;
  ck_assert_int_eq(bw_problem_set(pb, B, 4, h, B, 4, 0.5), BW_ERR_OVERFLOW);

  off = 0;
  for (int c = 0; c < 8; c++)
    for (int k = 0; k < (c < 5 ? 9 : 3); k++) ck_assert(snap[off++] == parts[c][k]);
  ck_assert(snap[off++] == bw_problem_tau(pb));
  bw_problem_free(pb);
}
END_TEST

START_TEST(minimiser) {
  tu_rng r;
  tu_seed(&r, 3);
  for (int d = 1; d <= 6; d++) {
    bw_problem *pb = rand_problem(&r, d, 0.3, 3.0, 0.2, 0.7);
    bw_gaussian *g = bw_gaussian_alloc(d);
    ck_assert_int_eq(bw_problem_minimiser(pb, g), BW_OK);
    ck_assert_int_eq(bw_gaussian_validate(g, 0.0, NULL), BW_OK); /* exactly symmetric, SPD */
    const double *A = bw_problem_A(pb), *h = bw_problem_h(pb), *P = bw_problem_P(pb);
    /* A m* = h and P S* = tau I: residuals of a solve with cond <= 10, bound 1e-13. */
    double hn = 0;
    for (int i = 0; i < d; i++) hn = fmax(hn, fabs(h[i]));
    for (int i = 0; i < d; i++) {
      double res = -h[i];
      for (int k = 0; k < d; k++) res += A[i + k * d] * g->mean[k];
      ck_assert_double_le(fabs(res), 1e-13 * (1 + hn));
    }
    double *PS = malloc(sizeof(double) * d * d);
    tu_matmul(d, P, g->cov, PS);
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++) ck_assert_double_le(fabs(PS[i + j * d] - 0.7 * (i == j)), 1e-13);
    /* It is the minimum: J does not decrease under random perturbations. */
    double J0, J1, s;
    ck_assert_int_eq(bw_energy(pb, NULL, g, &J0), BW_OK);
    ck_assert_int_eq(bw_slope_sq(pb, NULL, g, &s), BW_OK);
    ck_assert_double_le(s, 1e-24); /* both residuals above are ~1e-16: slope ~1e-32 */
    bw_gaussian *q = bw_gaussian_alloc(d);
    double *X = malloc(sizeof(double) * d * d);
    for (int trial = 0; trial < 20; trial++) {
      bw_gaussian_copy(q, g);
      tu_sym(&r, d, 1e-2, X);
      for (int k = 0; k < d * d; k++) q->cov[k] += X[k];
      for (int i = 0; i < d; i++) q->mean[i] += 1e-2 * tu_normal(&r);
      ck_assert_int_eq(bw_energy(pb, NULL, q, &J1), BW_OK);
      /* Increase is ~1e-4 * curvature (>= 0.15 here), rounding ~1e-15. */
      ck_assert_double_gt(J1, J0);
    }
    /* Errors: tau = 0, A not PD; output untouched. */
    double A2[36];
    memcpy(A2, A, sizeof(double) * d * d);
    ck_assert_int_eq(bw_problem_set(pb, A2, d, h, NULL, d, 0.0), BW_OK);
    bw_gaussian_copy(q, g);
    ck_assert_int_eq(bw_problem_minimiser(pb, q), BW_ERR_NOT_SPD);
    A2[0] -= 10.0;
    ck_assert_int_eq(bw_problem_set(pb, A2, d, h, NULL, d, 1.0), BW_OK);
    ck_assert_int_eq(bw_problem_minimiser(pb, q), BW_ERR_NOT_SPD);
    ck_assert(memcmp(q->mean, g->mean, d * sizeof(double)) == 0);
    ck_assert(memcmp(q->cov, g->cov, d * d * sizeof(double)) == 0);
    ck_assert_int_eq(bw_problem_minimiser(NULL, q), BW_ERR_NULL);
    ck_assert_int_eq(bw_problem_minimiser(pb, NULL), BW_ERR_NULL);
    if (d > 1) {
      bw_gaussian *o = bw_gaussian_alloc(d - 1);
      ck_assert_int_eq(bw_problem_minimiser(pb, o), BW_ERR_DIM_MISMATCH);
      bw_gaussian_free(o);
    }
    free(X);
    free(PS);
    bw_gaussian_free(q);
    bw_gaussian_free(g);
    bw_problem_free(pb);
  }
}
END_TEST

/* ---- the energy ---- */

/* KL(N(m,S) | N(mu, Sig)) from the textbook formula, with Sig^-1 and logdets computed by
 * bw_spd_invsqrt / bw_sym_eig (independent of the library's Cholesky route). */
static double gauss_kl(int d, const double *m, const double *S, const double *mu, const double *Sig) {
  double *Si = malloc(sizeof(double) * d * d), *T = malloc(sizeof(double) * d * d);
  double *w = malloc(sizeof(double) * d), *V = malloc(sizeof(double) * d * d);
  tu_spd_inverse(d, Sig, d, Si);
  tu_matmul(d, Si, S, T);
  double kl = tu_trace(d, T, d) - d, q = 0;
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) q += (mu[i] - m[i]) * Si[i + j * d] * (mu[j] - m[j]);
  kl += q;
  ck_assert_int_eq(bw_sym_eig(NULL, d, Sig, d, w, V, d), BW_OK);
  for (int i = 0; i < d; i++) kl += log(w[i]);
  ck_assert_int_eq(bw_sym_eig(NULL, d, S, d, w, V, d), BW_OK);
  for (int i = 0; i < d; i++) kl -= log(w[i]);
  free(Si);
  free(T);
  free(w);
  free(V);
  return 0.5 * kl;
}

START_TEST(energy_values) {
  tu_rng r;
  tu_seed(&r, 4);
  bw_workspace *ws = bw_workspace_alloc(6);
  for (int d = 1; d <= 6; d++) {
    /* KL: K = 0, A SPD, tau > 0: J(rho) - J(pi) = tau KL(rho | pi), pi = N(A^-1 h, tau A^-1). */
    const double tau = 0.8;
    bw_problem *pb = rand_problem(&r, d, 0.4, 2.5, 0.0, tau);
    bw_gaussian *pi = bw_gaussian_alloc(d);
    ck_assert_int_eq(bw_problem_minimiser(pb, pi), BW_OK);
    double Jpi;
    ck_assert_int_eq(bw_energy(pb, ws, pi, &Jpi), BW_OK);
    for (int trial = 0; trial < 5; trial++) {
      bw_gaussian *g = tu_gaussian(&r, d, 0.2, 5.0);
      double J, kl = gauss_kl(d, g->mean, g->cov, pi->mean, pi->cov);
      ck_assert_int_eq(bw_energy(pb, ws, g, &J), BW_OK);
      /* Terms are O(10) and cond(S), cond(A) <= 25: 1e-12 absolute is ~100x the rounding. */
      ck_assert_double_le(fabs((J - Jpi) - tau * kl), 1e-12 * (1 + fabs(J) + fabs(Jpi)));
      ck_assert_double_gt(kl, 0);

      /* Interaction: adding K adds 1/2 E[W(X - Y)] = 1/4 E[(X-Y)'K(X-Y)] = 1/2 tr(K S). */
      double K[36], A[36], KS[36], JK;
      tu_sym(&r, d, 0.7, K);
      memcpy(A, bw_problem_A(pb), sizeof(double) * d * d);
      bw_problem *pk = bw_problem_alloc(d);
      ck_assert_int_eq(bw_problem_set(pk, A, d, bw_problem_h(pb), K, d, tau), BW_OK);
      ck_assert_int_eq(bw_energy(pk, ws, g, &JK), BW_OK);
      tu_matmul(d, K, g->cov, KS);
      ck_assert_double_le(fabs(JK - J - 0.5 * tu_trace(d, KS, d)), 1e-12 * (1 + fabs(J)));

      /* Entropy only: J = -tau/2 logdet(2 pi e S) = -tau/2 sum log(2 pi e s_i); the same value
       * with the covariance stored at leading dimension d + 2. */
      bw_problem *ph = bw_problem_alloc(d);
      double zeros[36] = {0}, w[6], V[36], Jh, Jh2, ref = 0;
      ck_assert_int_eq(bw_problem_set(ph, zeros, d, zeros, NULL, d, tau), BW_OK);
      ck_assert_int_eq(bw_energy(ph, ws, g, &Jh), BW_OK);
      ck_assert_int_eq(bw_sym_eig(NULL, d, g->cov, d, w, V, d), BW_OK);
      for (int i = 0; i < d; i++) ref += -0.5 * tau * (LOG2PI + 1 + log(w[i]));
      ck_assert_double_le(fabs(Jh - ref), 1e-13 * (1 + fabs(ref)));
      double big[8 * 8], mean[6];
      for (int k = 0; k < 64; k++) big[k] = NAN; /* padding must not be read */
      for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) big[i + j * (d + 2)] = g->cov[i + j * d];
      memcpy(mean, g->mean, sizeof(double) * d);
      bw_gaussian gl = {d, mean, big, d + 2};
      ck_assert_int_eq(bw_energy(ph, ws, &gl, &Jh2), BW_OK);
      ck_assert_double_le(fabs(Jh2 - Jh), 4 * EPS * (1 + fabs(Jh)));
      bw_problem_free(ph);
      bw_problem_free(pk);
      bw_gaussian_free(g);
    }
    bw_gaussian_free(pi);
    bw_problem_free(pb);
  }
  bw_workspace_free(ws);
}
END_TEST

/* Pointwise integrands of |grad J|^2 = E |grad (dJ/drho)(x)|^2, written from their
 * definitions: grad log N(m,S)(x) = -S^-1 (x - m). */
typedef struct {
  int d;
  const double *Si, *m, *A, *h, *P, *mu;
  double tau;
} ictx;

static double fisher_integrand(int d, const double *x, void *c) { /* |grad log rho|^2 */
  ictx *k = c;
  double y[6];
  for (int i = 0; i < d; i++) y[i] = x[i] - k->m[i];
  return matvec_sq(d, k->Si, y, NULL);
}

static double kinetic_integrand(int d, const double *x, void *c) { /* |A x - h + K (x - m)|^2 */
  ictx *k = c;
  double v[6];
  for (int i = 0; i < d; i++) {
    v[i] = -k->h[i];
    for (int j = 0; j < d; j++) v[i] += k->A[i + j * d] * x[j];
  }
  /* + K (x - m) with K = P - A */
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) v[i] += (k->P[i + j * d] - k->A[i + j * d]) * (x[j] - k->m[j]);
  double s = 0;
  for (int i = 0; i < d; i++) s += v[i] * v[i];
  return s;
}

static double relfisher_integrand(int d, const double *x, void *c) {
  /* |grad log rho - grad log pi|^2, grad log pi(x) = -(A / tau)(x - mu). */
  ictx *k = c;
  double v[6];
  for (int i = 0; i < d; i++) {
    v[i] = 0;
    for (int j = 0; j < d; j++)
      v[i] += -k->Si[i + j * d] * (x[j] - k->m[j]) + k->A[i + j * d] / k->tau * (x[j] - k->mu[j]);
  }
  double s = 0;
  for (int i = 0; i < d; i++) s += v[i] * v[i];
  return s;
}

START_TEST(slope_textbook) {
  tu_rng r;
  tu_seed(&r, 5);
  double zeros[36] = {0};
  for (int d = 1; d <= 6; d++)
    for (int trial = 0; trial < 4; trial++) {
      bw_gaussian *g = tu_gaussian(&r, d, 0.3, 3.0);
      double Si[36], s, ref;
      tu_spd_inverse(d, g->cov, d, Si);
      ictx c = {d, Si, g->mean, NULL, NULL, NULL, NULL, 1.0};
      /* Sigma-point expectations are exact for these quadratics; with cond(S) <= 10 the two
       * routes agree to ~1e-14 relative; 1e-12 leaves a margin. */

      /* Entropy (tau = 1, A = K = 0, h = 0): the Fisher information E|grad log rho|^2 = tr S^-1. */
      bw_problem *pb = bw_problem_alloc(d);
      ck_assert_int_eq(bw_problem_set(pb, zeros, d, zeros, NULL, d, 1.0), BW_OK);
      ck_assert_int_eq(bw_slope_sq(pb, NULL, g, &s), BW_OK);
      ref = sigma_expect(g, fisher_integrand, &c);
      ck_assert_double_le(fabs(s - ref), 1e-12 * ref);
      ck_assert_double_le(fabs(s - tu_trace(d, Si, d)), 1e-12 * ref);
      bw_problem_free(pb);

      /* Potential (tau = 0): kinetic energy E|grad V|^2 = E|A x - h|^2; and with K != 0 the
       * field A x - h + K (x - m). */
      for (int withk = 0; withk < 2; withk++) {
        pb = rand_problem(&r, d, -1, 0, withk ? 0.5 : 0.0, 0.0);
        c.A = bw_problem_A(pb);
        c.h = bw_problem_h(pb);
        c.P = bw_problem_P(pb);
        ck_assert_int_eq(bw_slope_sq(pb, NULL, g, &s), BW_OK);
        ref = sigma_expect(g, kinetic_integrand, &c);
        ck_assert_double_le(fabs(s - ref), 1e-12 * (1 + ref));
        bw_problem_free(pb);
      }

      /* KL to pi = N(A^-1 h, tau A^-1): tau^2 times the relative Fisher information. */
      const double tau = 0.6;
      pb = rand_problem(&r, d, 0.5, 2.0, 0.0, tau);
      bw_gaussian *pi = bw_gaussian_alloc(d);
      ck_assert_int_eq(bw_problem_minimiser(pb, pi), BW_OK);
      c.A = bw_problem_A(pb);
      c.mu = pi->mean;
      c.tau = tau;
      ck_assert_int_eq(bw_slope_sq(pb, NULL, g, &s), BW_OK);
      ref = tau * tau * sigma_expect(g, relfisher_integrand, &c);
      ck_assert_double_le(fabs(s - ref), 1e-12 * (1 + ref));
      bw_gaussian_free(pi);
      bw_problem_free(pb);
      bw_gaussian_free(g);
    }
}
END_TEST

START_TEST(gradient_fd) {
  tu_rng r;
  tu_seed(&r, 6);
  const double taus[3] = {0.0, 0.3, 1.0};
  for (int d = 1; d <= 5; d++)
    for (int it = 0; it < 3; it++) {
      bw_problem *pb = rand_problem(&r, d, -1, 0, 0.3, taus[it]);
      bw_gaussian *g = tu_gaussian(&r, d, 0.5, 2.0), *q = bw_gaussian_alloc(d);
      double gm[6], G[6 * 7], c[6], L[6 * 7], Jp, Jm;
      ck_assert_int_eq(bw_energy_gradient(pb, NULL, g, gm, G, d + 1), BW_OK);
      /* Central differences with step 1e-5: truncation ~ step^2 * |J'''| ~ 1e-10, rounding
       * ~ eps |J| / step ~ 1e-10 (|J| ~ 10): tolerance 1e-7. */
      const double hstep = 1e-5;
      for (int i = 0; i < d; i++) {
        bw_gaussian_copy(q, g);
        q->mean[i] += hstep;
        ck_assert_int_eq(bw_energy(pb, NULL, q, &Jp), BW_OK);
        q->mean[i] -= 2 * hstep;
        ck_assert_int_eq(bw_energy(pb, NULL, q, &Jm), BW_OK);
        ck_assert_double_le(fabs((Jp - Jm) / (2 * hstep) - gm[i]), 1e-7);
      }
      for (int j = 0; j < d; j++)
        for (int i = 0; i <= j; i++) { /* symmetric perturbation E_ij + E_ji (or E_ii) */
          double fd[2];
          for (int sg = 0; sg < 2; sg++) {
            bw_gaussian_copy(q, g);
            double dl = sg ? -hstep : hstep;
            q->cov[i + j * d] += dl;
            if (i != j) q->cov[j + i * d] += dl;
            ck_assert_int_eq(bw_energy(pb, NULL, q, &fd[sg]), BW_OK);
          }
          double deriv = (fd[0] - fd[1]) / (2 * hstep);
          double expect = (i == j ? 1 : 2) * G[i + j * (d + 1)];
          ck_assert_double_le(fabs(deriv - expect), 1e-7);
        }
      /* Velocity = -(grad_m J, 2 dJ/dS) exactly (scaling by powers of two is exact). */
      ck_assert_int_eq(bw_velocity(pb, NULL, g, c, L, d + 1), BW_OK);
      for (int j = 0; j < d; j++) {
        ck_assert(c[j] == -gm[j]);
        for (int i = 0; i < d; i++) ck_assert(L[i + j * (d + 1)] == -2 * G[i + j * (d + 1)]);
      }
      /* Either output may be NULL. */
      double gm2[6], L2[36];
      ck_assert_int_eq(bw_energy_gradient(pb, NULL, g, gm2, NULL, 0), BW_OK);
      ck_assert(memcmp(gm, gm2, d * sizeof(double)) == 0);
      ck_assert_int_eq(bw_velocity(pb, NULL, g, NULL, L2, d), BW_OK);
      ck_assert(L2[0] == L[0]);
      bw_gaussian_free(q);
      bw_gaussian_free(g);
      bw_problem_free(pb);
    }
}
END_TEST

START_TEST(modified_energy) {
  tu_rng r;
  tu_seed(&r, 7);
  bw_workspace *ws = bw_workspace_alloc(4);
  for (int d = 1; d <= 4; d++) {
    bw_problem *pb = rand_problem(&r, d, -1, 0, 0.3, 0.5);
    bw_gaussian *g = tu_gaussian(&r, d, 0.5, 2.0);
    double J, s, Je;
    ck_assert_int_eq(bw_energy(pb, ws, g, &J), BW_OK);
    ck_assert_int_eq(bw_slope_sq(pb, ws, g, &s), BW_OK);
    ck_assert_double_gt(s, 0);
    const double etas[4] = {0.0, 0.1, -0.3, 2.0};
    for (int k = 0; k < 4; k++) {
      ck_assert_int_eq(bw_modified_energy(pb, ws, g, etas[k], &Je), BW_OK);
      /* Same kernels, one subtraction: 4 ulp of the magnitudes involved. */
      ck_assert_double_le(fabs(Je - (J - etas[k] / 4 * s)), 4 * EPS * (fabs(J) + fabs(etas[k]) * s));
    }
    Je = 12345.0;
    ck_assert_int_eq(bw_modified_energy(pb, ws, g, NAN, &Je), BW_ERR_BAD_ETA);
    ck_assert_int_eq(bw_modified_energy(pb, ws, g, INFINITY, &Je), BW_ERR_BAD_ETA);
    ck_assert(Je == 12345.0);
    bw_gaussian_free(g);
    bw_problem_free(pb);
  }
  bw_workspace_free(ws);
}
END_TEST

START_TEST(energy_errors) {
  const int d = 3;
  tu_rng r;
  tu_seed(&r, 8);
  bw_problem *pb = rand_problem(&r, d, -1, 0, 0.3, 0.5);
  bw_gaussian *g = tu_gaussian(&r, d, 0.5, 2.0), *g2 = bw_gaussian_alloc(2);
  bw_workspace *small = bw_workspace_alloc(2);
  const double S = 777.0; /* sentinel */
  double J = S, v[3] = {S, S, S}, M[9];
  for (int k = 0; k < 9; k++) M[k] = S;
#define UNTOUCHED()                                                 \
  do {                                                              \
    ck_assert(J == S);                                              \
    for (int k = 0; k < 3; k++) ck_assert(v[k] == S);               \
    for (int k = 0; k < 9; k++) ck_assert(M[k] == S);               \
  } while (0)
#define ALL_FAIL(G, WS, code)                                                       \
  do {                                                                              \
    ck_assert_int_eq(bw_energy(pb, WS, G, &J), code);                               \
    ck_assert_int_eq(bw_slope_sq(pb, WS, G, &J), code);                             \
    ck_assert_int_eq(bw_modified_energy(pb, WS, G, 0.1, &J), code);                 \
    ck_assert_int_eq(bw_energy_gradient(pb, WS, G, v, M, d), code);                 \
    ck_assert_int_eq(bw_velocity(pb, WS, G, v, M, d), code);                        \
    UNTOUCHED();                                                                    \
  } while (0)
  ALL_FAIL(NULL, NULL, BW_ERR_NULL);
  ALL_FAIL(g2, NULL, BW_ERR_DIM_MISMATCH);
  ALL_FAIL(g, small, BW_ERR_DIM_MISMATCH);
  ck_assert_int_eq(bw_energy(NULL, NULL, g, &J), BW_ERR_NULL);
  ck_assert_int_eq(bw_slope_sq(NULL, NULL, g, &J), BW_ERR_NULL);
  ck_assert_int_eq(bw_energy(pb, NULL, g, NULL), BW_ERR_NULL);
  ck_assert_int_eq(bw_slope_sq(pb, NULL, g, NULL), BW_ERR_NULL);
  ck_assert_int_eq(bw_modified_energy(pb, NULL, g, 0.1, NULL), BW_ERR_NULL);
  ck_assert_int_eq(bw_energy_gradient(pb, NULL, g, v, M, 2), BW_ERR_DIM);
  ck_assert_int_eq(bw_velocity(NULL, NULL, g, v, M, d), BW_ERR_NULL);
  bw_gaussian bad = *g;
  bad.ld = 2;
  ALL_FAIL(&bad, NULL, BW_ERR_DIM);
  bad = *g;
  bad.mean = NULL;
  ALL_FAIL(&bad, NULL, BW_ERR_NULL);
  double cov[9], mean[3];
  memcpy(cov, g->cov, sizeof cov);
  memcpy(mean, g->mean, sizeof mean);
  bw_gaussian h = {d, mean, cov, d};
  mean[1] = NAN;
  ALL_FAIL(&h, NULL, BW_ERR_NONFINITE);
  mean[1] = 0;
  cov[1] += 1e-3;
  ALL_FAIL(&h, NULL, BW_ERR_NOT_SYMMETRIC);
  cov[1] = cov[3];
  cov[4] = -1.0; /* indefinite */
  ALL_FAIL(&h, NULL, BW_ERR_NOT_SPD);
  /* tau = 0 needs no inverse, but the argument must still be a Gaussian. */
  double A[9];
  memcpy(A, bw_problem_A(pb), sizeof A);
  ck_assert_int_eq(bw_problem_set(pb, A, d, bw_problem_h(pb), NULL, d, 0.0), BW_OK);
  ALL_FAIL(&h, NULL, BW_ERR_NOT_SPD);
#undef ALL_FAIL
#undef UNTOUCHED
  bw_workspace_free(small);
  bw_gaussian_free(g);
  bw_gaussian_free(g2);
  bw_problem_free(pb);
}
END_TEST

/* ---- presets ---- */

static double commutator(int d, const double *X, const double *Y) {
  double *a = malloc(sizeof(double) * d * d), *b = malloc(sizeof(double) * d * d);
  tu_matmul(d, X, Y, a);
  tu_matmul(d, Y, X, b);
  double m = tu_maxabs_diff(d, a, d, b, d);
  free(a);
  free(b);
  return m;
}

START_TEST(presets) {
  const char *names[4] = {"ou2d", "heat", "potential", "random"};
  const int ddef[4] = {2, 2, 2, 3};
  for (int k = 0; k < 4; k++)
    for (int dd = 0; dd <= 5; dd += 5) {
      if (k == 0 && dd) continue;
      bw_problem *pb = NULL;
      bw_gaussian *g0 = NULL;
      ck_assert_int_eq(bw_preset(names[k], dd, 42, &pb, &g0), BW_OK);
      int d = dd ? dd : ddef[k];
      ck_assert_int_eq(bw_problem_dim(pb), d);
      ck_assert_int_eq(g0->d, d);
      bw_gaussian *c = bw_gaussian_alloc(d);
      bw_gaussian_copy(c, g0);
      ck_assert_int_eq(bw_gaussian_validate(c, 0.0, NULL), BW_OK); /* exactly symmetric, SPD */
      const double *a = bw_problem_A_eigvals(pb), *p = bw_problem_P_eigvals(pb);
      double J;
      ck_assert_int_eq(bw_energy(pb, NULL, g0, &J), BW_OK);
      double hn = 0;
      for (int i = 0; i < d; i++) hn = fmax(hn, fabs(bw_problem_h(pb)[i]));
      switch (k) {
      case 0: /* OU: K = 0, A SPD non-diagonal, h != 0, tau = 1, [A, S0] != 0 */
        ck_assert(bw_problem_tau(pb) == 1.0);
        ck_assert(tu_maxabs(d, bw_problem_K(pb), d) == 0.0);
        ck_assert(a[0] > 0 && bw_problem_A(pb)[1] != 0 && hn > 0);
        ck_assert_double_gt(commutator(d, bw_problem_A(pb), g0->cov), 0.1);
        break;
      case 1: /* heat */
        ck_assert(bw_problem_tau(pb) == 1.0);
        ck_assert(tu_maxabs(d, bw_problem_P(pb), d) == 0.0 && hn == 0.0);
        if (d > 1) ck_assert(g0->cov[1] != 0.0);
        break;
      case 2: /* potential */
        ck_assert(bw_problem_tau(pb) == 0.0);
        ck_assert(tu_maxabs(d, bw_problem_K(pb), d) == 0.0 && a[0] > 0 && hn > 0);
        if (d > 1) ck_assert_double_gt(commutator(d, bw_problem_A(pb), g0->cov), 1e-3);
        break;
      case 3: /* random: documented distribution */
        ck_assert(bw_problem_tau(pb) == 0.7);
        ck_assert(a[0] >= 0.5 - 1e-12 && a[d - 1] <= 2 + 1e-12);
        ck_assert(p[0] >= a[0] - 1e-12); /* K is PSD */
        ck_assert_double_gt(tu_maxabs(d, bw_problem_K(pb), d), 0);
        ck_assert_double_gt(commutator(d, bw_problem_P(pb), g0->cov), 1e-3);
        ck_assert_double_gt(commutator(d, bw_problem_A(pb), g0->cov), 1e-3);
        {
          double w[6], V[36];
          ck_assert_int_eq(bw_sym_eig(NULL, d, g0->cov, d, w, V, d), BW_OK);
          ck_assert(w[0] >= 0.3 - 1e-12 && w[d - 1] <= 3 + 1e-12);
        }
        break;
      }
      bw_gaussian_free(c);
      bw_gaussian_free(g0);
      bw_problem_free(pb);
    }
  /* Errors leave the outputs alone. */
  bw_problem *pb = (bw_problem *)&names; /* sentinels, never dereferenced */
  bw_gaussian *g0 = (bw_gaussian *)&ddef;
  ck_assert_int_eq(bw_preset("nope", 0, 1, &pb, &g0), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_preset("ou2d", 3, 1, &pb, &g0), BW_ERR_DIM);
  ck_assert_int_eq(bw_preset("heat", -1, 1, &pb, &g0), BW_ERR_DIM);
  ck_assert_int_eq(bw_preset(NULL, 0, 1, &pb, &g0), BW_ERR_NULL);
  ck_assert_int_eq(bw_preset("heat", 0, 1, NULL, &g0), BW_ERR_NULL);
  ck_assert_int_eq(bw_preset("heat", 0, 1, &pb, NULL), BW_ERR_NULL);
  ck_assert_ptr_eq(pb, (bw_problem *)&names);
  ck_assert_ptr_eq(g0, (bw_gaussian *)&ddef);
}
END_TEST

START_TEST(random_problem) {
  for (int d = 1; d <= 6; d++) {
    bw_problem *p1 = bw_problem_alloc(d), *p2 = bw_problem_alloc(d), *p3 = bw_problem_alloc(d);
    bw_gaussian *g1 = bw_gaussian_alloc(d), *g2 = bw_gaussian_alloc(d), *g3 = bw_gaussian_alloc(d);
    ck_assert_int_eq(bw_problem_random(d, 99, 0.5, p1, g1), BW_OK);
    ck_assert_int_eq(bw_problem_random(d, 99, 0.5, p2, g2), BW_OK);
    ck_assert_int_eq(bw_problem_random(d, 100, 0.5, p3, g3), BW_OK);
    size_t nn = sizeof(double) * d * d, n = sizeof(double) * d;
    /* Same seed: bitwise identical. */
    ck_assert(memcmp(bw_problem_A(p1), bw_problem_A(p2), nn) == 0);
    ck_assert(memcmp(bw_problem_K(p1), bw_problem_K(p2), nn) == 0);
    ck_assert(memcmp(bw_problem_h(p1), bw_problem_h(p2), n) == 0);
    ck_assert(memcmp(g1->mean, g2->mean, n) == 0);
    ck_assert(memcmp(g1->cov, g2->cov, nn) == 0);
    /* Another seed: every part differs. */
    ck_assert_double_gt(tu_maxabs_diff(d, bw_problem_A(p1), d, bw_problem_A(p3), d), 1e-3);
    ck_assert_double_gt(tu_maxabs_diff(d, bw_problem_K(p1), d, bw_problem_K(p3), d), 1e-6);
    ck_assert_double_gt(tu_maxabs_diff(d, g1->cov, d, g3->cov, d), 1e-3);
    ck_assert(memcmp(g1->mean, g3->mean, n) != 0);
    ck_assert(memcmp(bw_problem_h(p1), bw_problem_h(p3), n) != 0);
    ck_assert(bw_problem_tau(p1) == 0.5);
    /* Errors leave pb and g0 untouched. */
    ck_assert_int_eq(bw_problem_random(d, 5, -1.0, p3, g3), BW_ERR_BAD_TAU);
    ck_assert_int_eq(bw_problem_random(d + 1, 5, 0.5, p3, g3), BW_ERR_DIM_MISMATCH);
    ck_assert_int_eq(bw_problem_random(0, 5, 0.5, p3, g3), BW_ERR_DIM);
    ck_assert_int_eq(bw_problem_random(d, 5, 0.5, NULL, g3), BW_ERR_NULL);
    ck_assert_int_eq(bw_problem_random(d, 5, 0.5, p3, NULL), BW_ERR_NULL);
    ck_assert_int_eq(bw_problem_random(d, 100, 0.5, p1, g1), BW_OK);
    ck_assert(memcmp(bw_problem_A(p1), bw_problem_A(p3), nn) == 0);
    ck_assert(memcmp(g1->cov, g3->cov, nn) == 0);
    bw_problem_free(p1);
    bw_problem_free(p2);
    bw_problem_free(p3);
    bw_gaussian_free(g1);
    bw_gaussian_free(g2);
    bw_gaussian_free(g3);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("energy");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, problem_basics);
  tcase_add_test(tc, problem_set_errors);
  tcase_add_test(tc, minimiser);
  tcase_add_test(tc, energy_values);
  tcase_add_test(tc, slope_textbook);
  tcase_add_test(tc, gradient_fd);
  tcase_add_test(tc, modified_energy);
  tcase_add_test(tc, energy_errors);
  tcase_add_test(tc, presets);
  tcase_add_test(tc, random_problem);
  suite_add_tcase(s, tc);
  return tu_run(s);
}
