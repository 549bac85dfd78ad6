/* Gaussians, SPD spectral functions and Bures-Wasserstein geometry (docs/math.md section 1).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

/* Tolerances. The kernels are backward stable eigendecompositions plus matrix products:
 * errors of a few hundred ulps times the condition of the inputs are expected. Inputs
 * below have eigenvalues in [0.1, 10] (condition 100) unless stated, so 1e-11 relative
 * is a safe bound that still catches any formula error (which would be O(1)). */
#define TOL 1e-11

static double rel(double a, double b) { return fabs(a - b) / fmax(fabs(b), 1e-300); }

/* ---------- Gaussians ---------- */

START_TEST(gaussian_alloc_set_copy) {
  bw_gaussian *g = bw_gaussian_alloc(3);
  ck_assert_ptr_nonnull(g);
  ck_assert_int_eq(g->d, 3);
  ck_assert_int_eq(g->ld, 3);
  ck_assert(g->mean[1] == 0.0 && g->cov[0] == 1.0 && g->cov[1] == 0.0);
  double m[3] = {1, 2, 3};
  /* slightly non-symmetric within tolerance: symmetrised */
  double S[9] = {2, 0.5, 0, 0.5 + 1e-14, 2, 0.1, 0, 0.1, 1};
  ck_assert_int_eq(bw_gaussian_set(g, m, S, 3, BW_SYM_RTOL, NULL), BW_OK);
  ck_assert(g->cov[1] == g->cov[3]);
  ck_assert(fabs(g->cov[1] - (0.5 + 0.5e-14)) < 1e-15);
  bw_gaussian *h = bw_gaussian_alloc(3);
  ck_assert_int_eq(bw_gaussian_copy(h, g), BW_OK);
  ck_assert(memcmp(h->cov, g->cov, sizeof(double) * 9) == 0);
  ck_assert(memcmp(h->mean, g->mean, sizeof(double) * 3) == 0);
  bw_gaussian *k = bw_gaussian_alloc(2);
  ck_assert_int_eq(bw_gaussian_copy(k, g), BW_ERR_DIM_MISMATCH);
  ck_assert_ptr_null(bw_gaussian_alloc(0));
  bw_gaussian_free(g);
  bw_gaussian_free(h);
  bw_gaussian_free(k);
}
END_TEST

START_TEST(gaussian_rejects_bad_input) {
  bw_gaussian *g = bw_gaussian_alloc(2);
  double m[2] = {7, 8}, m_bad[2] = {NAN, 0};
  double S_ok[4] = {2, 1, 1, 2};
  double S_asym[4] = {2, 1, 1.1, 2};
  double S_indef[4] = {1, 2, 2, 1};
  double S_inf[4] = {INFINITY, 0, 0, 1};
  double S_sing[4] = {1, 1, 1, 1};
  ck_assert_int_eq(bw_gaussian_set(g, m, S_asym, 2, BW_SYM_RTOL, NULL), BW_ERR_NOT_SYMMETRIC);
  ck_assert_int_eq(bw_gaussian_set(g, m, S_indef, 2, BW_SYM_RTOL, NULL), BW_ERR_NOT_SPD);
  ck_assert_int_eq(bw_gaussian_set(g, m, S_sing, 2, BW_SYM_RTOL, NULL), BW_ERR_NOT_SPD);
  ck_assert_int_eq(bw_gaussian_set(g, m, S_inf, 2, BW_SYM_RTOL, NULL), BW_ERR_NONFINITE);
  ck_assert_int_eq(bw_gaussian_set(g, m_bad, S_ok, 2, BW_SYM_RTOL, NULL), BW_ERR_NONFINITE);
  ck_assert_int_eq(bw_gaussian_set(g, NULL, S_ok, 2, BW_SYM_RTOL, NULL), BW_ERR_NULL);
  ck_assert_int_eq(bw_gaussian_set(g, m, S_ok, 1, BW_SYM_RTOL, NULL), BW_ERR_DIM);
  /* untouched on error: still N(0, I) */
  ck_assert(g->mean[0] == 0.0 && g->cov[0] == 1.0 && g->cov[1] == 0.0 && g->cov[3] == 1.0);
  /* a looser tolerance accepts the asymmetric one */
  ck_assert_int_eq(bw_gaussian_set(g, m, S_asym, 2, 0.1, NULL), BW_OK);
  ck_assert(g->cov[1] == 1.05 && g->cov[2] == 1.05);
  /* validate in place */
  g->cov[0] = -1.0;
  ck_assert_int_eq(bw_gaussian_validate(g, BW_SYM_RTOL, NULL), BW_ERR_NOT_SPD);
  bw_gaussian_free(g);
}
END_TEST

/* ---------- SPD spectral functions ---------- */

static double cube(double x, void *ctx) { return x * x * x * *(double *)ctx; }

START_TEST(spd_functions) {
  tu_rng r;
  tu_seed(&r, 11);
  for (int d = 1; d <= 12; d++) {
    double *S = malloc(sizeof(double) * d * d), *F = malloc(sizeof(double) * d * d);
    double *G = malloc(sizeof(double) * d * d), *H = malloc(sizeof(double) * d * d);
    tu_spd(&r, d, 0.1, 10.0, S);
    bw_workspace *ws = bw_workspace_alloc(d);
    /* sqrt(S)^2 = S */
    ck_assert_int_eq(bw_spd_sqrt(ws, d, S, d, F, d), BW_OK);
    tu_matmul(d, F, F, G);
    ck_assert(tu_maxabs_diff(d, G, d, S, d) < TOL * tu_maxabs(d, S, d));
    /* invsqrt(S) sqrt(S) = I */
    ck_assert_int_eq(bw_spd_invsqrt(ws, d, S, d, G, d), BW_OK);
    tu_matmul(d, G, F, H);
    for (int i = 0; i < d; i++) H[i + i * d] -= 1.0;
    ck_assert(tu_maxabs(d, H, d) < TOL * 10);
    /* exp(log S) = S */
    ck_assert_int_eq(bw_spd_log(ws, d, S, d, F, d), BW_OK);
    ck_assert_int_eq(bw_sym_exp(ws, d, F, d, G, d), BW_OK);
    ck_assert(tu_maxabs_diff(d, G, d, S, d) < TOL * tu_maxabs(d, S, d));
    /* caller-supplied f: 2 S^3, against the product; F may alias S */
    double two = 2.0;
    memcpy(F, S, sizeof(double) * d * d);
    ck_assert_int_eq(bw_sym_func(ws, d, F, d, cube, &two, F, d), BW_OK);
    tu_matmul(d, S, S, G);
    tu_matmul(d, G, S, H);
    for (int k = 0; k < d * d; k++) H[k] *= 2.0;
    ck_assert(tu_maxabs_diff(d, F, d, H, d) < TOL * tu_maxabs(d, H, d));
    /* eigendecomposition */
    double *w = malloc(sizeof(double) * d);
    ck_assert_int_eq(bw_sym_eig(ws, d, S, d, w, F, d), BW_OK);
    for (int i = 1; i < d; i++) ck_assert(w[i - 1] <= w[i]);
    if (d > 1) ck_assert(fabs(w[0] - 0.1) < 1e-12 && fabs(w[d - 1] - 10.0) < 1e-12);
    free(w);
    bw_workspace_free(ws);
    free(S), free(F), free(G), free(H);
  }
}
END_TEST

START_TEST(spd_functions_errors) {
  double S[4] = {1, 2, 2, 1}, F[4] = {9, 9, 9, 9};
  ck_assert_int_eq(bw_spd_sqrt(NULL, 2, S, 2, F, 2), BW_ERR_NOT_SPD);
  ck_assert_int_eq(bw_spd_log(NULL, 2, S, 2, F, 2), BW_ERR_NOT_SPD);
  ck_assert(F[0] == 9 && F[3] == 9);
  ck_assert_int_eq(bw_sym_exp(NULL, 2, S, 2, F, 2), BW_OK); /* symmetric is enough */
  double big[1] = {1000.0};
  ck_assert_int_eq(bw_sym_exp(NULL, 1, big, 1, F, 1), BW_ERR_OVERFLOW);
  ck_assert_int_eq(bw_spd_sqrt(NULL, 0, S, 2, F, 2), BW_ERR_DIM);
  ck_assert_int_eq(bw_spd_sqrt(NULL, 2, S, 1, F, 2), BW_ERR_DIM);
  ck_assert_int_eq(bw_spd_sqrt(NULL, 2, NULL, 2, F, 2), BW_ERR_NULL);
  bw_workspace *ws = bw_workspace_alloc(1);
  double I2[4] = {1, 0, 0, 1};
  ck_assert_int_eq(bw_spd_sqrt(ws, 2, I2, 2, F, 2), BW_ERR_DIM_MISMATCH);
  bw_workspace_free(ws);
}
END_TEST

/* ---------- distance ---------- */

START_TEST(distance_1d_closed_form) {
  /* W2^2 = (m0 - m1)^2 + (sigma0 - sigma1)^2 */
  double v0[] = {1.0, 0.25, 1e-6, 4.0, 1e4};
  double v1[] = {2.0, 0.25, 3e-6, 1.0, 1e-4};
  for (int k = 0; k < 5; k++) {
    double m0 = 0.3 * k, m1 = -0.1 * k, S0 = v0[k], S1 = v1[k];
    bw_gaussian g0 = {1, &m0, &S0, 1}, g1 = {1, &m1, &S1, 1};
    double w2sq, w2;
    ck_assert_int_eq(bw_w2sq(NULL, &g0, &g1, &w2sq), BW_OK);
    ck_assert_int_eq(bw_w2(NULL, &g0, &g1, &w2), BW_OK);
    double ds = sqrt(S0) - sqrt(S1), expect = (m0 - m1) * (m0 - m1) + ds * ds;
    ck_assert_msg(rel(w2sq, expect) < 1e-14 || (expect == 0 && w2sq == 0), "k=%d %g %g", k, w2sq, expect);
    ck_assert(rel(w2 * w2, w2sq) < 1e-15 || w2sq == 0);
  }
}
END_TEST

START_TEST(distance_commuting_closed_form) {
  /* S0 = Q diag(a) Q', S1 = Q diag(b) Q': W2^2 = |dm|^2 + sum (sqrt a - sqrt b)^2 */
  tu_rng r;
  tu_seed(&r, 5);
  for (int d = 1; d <= 20; d++) {
    double *Q = malloc(sizeof(double) * d * d);
    bw_gaussian *g0 = bw_gaussian_alloc(d), *g1 = bw_gaussian_alloc(d);
    tu_orthogonal(&r, d, Q);
    double *a = malloc(sizeof(double) * d), *b = malloc(sizeof(double) * d);
    double expect = 0.0;
    for (int i = 0; i < d; i++) {
      a[i] = exp(4.0 * tu_uniform(&r) - 2.0);
      b[i] = exp(4.0 * tu_uniform(&r) - 2.0);
      g0->mean[i] = tu_normal(&r);
      g1->mean[i] = tu_normal(&r);
      double dm = g0->mean[i] - g1->mean[i], ds = sqrt(a[i]) - sqrt(b[i]);
      expect += dm * dm + ds * ds;
    }
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++) {
        double s0 = 0, s1 = 0;
        for (int k = 0; k < d; k++) {
          s0 += Q[i + k * d] * a[k] * Q[j + k * d];
          s1 += Q[i + k * d] * b[k] * Q[j + k * d];
        }
        g0->cov[i + j * d] = s0;
        g1->cov[i + j * d] = s1;
      }
    bw_gaussian_validate(g0, BW_SYM_RTOL, NULL);
    bw_gaussian_validate(g1, BW_SYM_RTOL, NULL);
    double w2sq;
    ck_assert_int_eq(bw_w2sq(NULL, g0, g1, &w2sq), BW_OK);
    ck_assert_msg(rel(w2sq, expect) < 1e-12, "d=%d %.17g %.17g", d, w2sq, expect);
    free(Q), free(a), free(b);
    bw_gaussian_free(g0);
    bw_gaussian_free(g1);
  }
}
END_TEST

START_TEST(distance_identical_is_zero) {
  tu_rng r;
  tu_seed(&r, 7);
  for (int d = 1; d <= 30; d++) {
    bw_gaussian *g = tu_gaussian(&r, d, 1e-4, 1e4);
    bw_gaussian *h = bw_gaussian_alloc(d);
    bw_gaussian_copy(h, g);
    double w2sq = -1, w2 = -1;
    ck_assert_int_eq(bw_w2sq(NULL, g, g, &w2sq), BW_OK);
    ck_assert(w2sq == 0.0); /* exactly, not approximately */
    ck_assert_int_eq(bw_w2(NULL, g, h, &w2), BW_OK);
    ck_assert(w2 == 0.0);
    bw_gaussian_free(g);
    bw_gaussian_free(h);
  }
}
END_TEST

START_TEST(distance_symmetric_and_triangle) {
  tu_rng r;
  tu_seed(&r, 9);
  bw_workspace *ws = bw_workspace_alloc(16);
  for (int trial = 0; trial < 200; trial++) {
    int d = 1 + trial % 16;
    bw_gaussian *a = tu_gaussian(&r, d, 0.01, 100), *b = tu_gaussian(&r, d, 0.01, 100);
    bw_gaussian *c = tu_gaussian(&r, d, 0.01, 100);
    double ab, ba, bc, ac;
    ck_assert_int_eq(bw_w2(ws, a, b, &ab), BW_OK);
    ck_assert_int_eq(bw_w2(ws, b, a, &ba), BW_OK);
    ck_assert_int_eq(bw_w2(ws, b, c, &bc), BW_OK);
    ck_assert_int_eq(bw_w2(ws, a, c, &ac), BW_OK);
    ck_assert_msg(rel(ab, ba) < 1e-10, "symmetry d=%d %.17g %.17g", d, ab, ba);
    ck_assert(ac <= (ab + bc) * (1 + 1e-12));
    ck_assert(ab > 0);
    bw_gaussian_free(a), bw_gaussian_free(b), bw_gaussian_free(c);
  }
  bw_workspace_free(ws);
}
END_TEST

/* X S0 + S0 X = E solved in S0's eigenbasis: X~_ij = E~_ij / (s_i + s_j). */
static double riemann_quadratic(int d, const double *S0, const double *E) {
  double *V = malloc(sizeof(double) * d * d), *w = malloc(sizeof(double) * d);
  double *Et = malloc(sizeof(double) * d * d), *T = malloc(sizeof(double) * d * d);
  ck_assert_int_eq(bw_sym_eig(NULL, d, S0, d, w, V, d), BW_OK);
  /* Et = V' E V */
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double acc = 0;
      for (int k = 0; k < d; k++) acc += E[i + k * d] * V[k + j * d];
      T[i + j * d] = acc;
    }
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double acc = 0;
      for (int k = 0; k < d; k++) acc += V[k + i * d] * T[k + j * d];
      Et[i + j * d] = acc;
    }
  /* tr(X S0 X) = sum_ij X~_ij^2 s_j */
  double q = 0;
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double x = Et[i + j * d] / (w[i] + w[j]);
      q += x * x * w[j];
    }
  free(V), free(w), free(Et), free(T);
  return q;
}

START_TEST(distance_nearby_matches_riemannian_metric) {
  /* S1 = S0 + delta E: W2^2 = delta^2 tr(X S0 X) + O(delta^3). With delta = 1e-7 the
   * O(delta) relative remainder is ~1e-7, and the textbook trace formula would give pure
   * noise here (W2^2 ~ 1e-14 tr S against eps tr S). Relative 1e-6 is the required bound. */
  tu_rng r;
  tu_seed(&r, 13);
  for (int d = 1; d <= 12; d++) {
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.1, 10), *g1 = bw_gaussian_alloc(d);
    double *E = malloc(sizeof(double) * d * d);
    tu_sym(&r, d, 1.0, E);
    double delta = 1e-7;
    memcpy(g1->mean, g0->mean, sizeof(double) * d);
    for (int k = 0; k < d * d; k++) g1->cov[k] = g0->cov[k] + delta * E[k];
    double w2sq;
    ck_assert_int_eq(bw_w2sq(NULL, g0, g1, &w2sq), BW_OK);
    double expect = delta * delta * riemann_quadratic(d, g0->cov, E);
    ck_assert_msg(rel(w2sq, expect) < 1e-6, "d=%d %.17g %.17g", d, w2sq, expect);
    free(E);
    bw_gaussian_free(g0), bw_gaussian_free(g1);
  }
}
END_TEST

/* ---------- OT map, geodesic, exp and log ---------- */

START_TEST(ot_map_pushes_forward) {
  tu_rng r;
  tu_seed(&r, 17);
  for (int d = 1; d <= 16; d++) {
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.1, 10), *g1 = tu_gaussian(&r, d, 0.1, 10);
    double *T = malloc(sizeof(double) * d * d), *A = malloc(sizeof(double) * d * d);
    double *B = malloc(sizeof(double) * d * d), *w = malloc(sizeof(double) * d);
    ck_assert_int_eq(bw_ot_map(NULL, g0, g1, T, d), BW_OK);
    tu_matmul(d, T, g0->cov, A);
    tu_matmul(d, A, T, B);
    ck_assert_msg(tu_maxabs_diff(d, B, d, g1->cov, d) < 1e-10 * tu_maxabs(d, g1->cov, d), "d=%d", d);
    /* T is SPD */
    ck_assert_int_eq(bw_sym_eig(NULL, d, T, d, w, A, d), BW_OK);
    ck_assert(w[0] > 0);
    /* W2^2 = |dm|^2 + tr((T - I) S0 (T - I)) (cost of the map) */
    for (int i = 0; i < d; i++) T[i + i * d] -= 1.0;
    tu_matmul(d, T, g0->cov, A);
    tu_matmul(d, A, T, B);
    double cost = tu_trace(d, B, d), w2sq;
    for (int i = 0; i < d; i++) cost += (g0->mean[i] - g1->mean[i]) * (g0->mean[i] - g1->mean[i]);
    ck_assert_int_eq(bw_w2sq(NULL, g0, g1, &w2sq), BW_OK);
    ck_assert(rel(cost, w2sq) < 1e-10);
    free(T), free(A), free(B), free(w);
    bw_gaussian_free(g0), bw_gaussian_free(g1);
  }
}
END_TEST

START_TEST(geodesic_endpoints_and_constant_speed) {
  tu_rng r;
  tu_seed(&r, 19);
  bw_workspace *ws = bw_workspace_alloc(10);
  for (int d = 1; d <= 10; d++) {
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.1, 10), *g1 = tu_gaussian(&r, d, 0.1, 10);
    bw_gaussian *gs = bw_gaussian_alloc(d), *gt = bw_gaussian_alloc(d);
    double W;
    ck_assert_int_eq(bw_w2(ws, g0, g1, &W), BW_OK);
    ck_assert_int_eq(bw_geodesic(ws, g0, g1, 0.0, gs), BW_OK);
    ck_assert(tu_maxabs_diff(d, gs->cov, d, g0->cov, d) < 1e-13 * tu_maxabs(d, g0->cov, d));
    ck_assert_int_eq(bw_geodesic(ws, g0, g1, 1.0, gt), BW_OK);
    ck_assert(tu_maxabs_diff(d, gt->cov, d, g1->cov, d) < 1e-10 * tu_maxabs(d, g1->cov, d));
    for (int i = 0; i < d; i++) ck_assert(fabs(gt->mean[i] - g1->mean[i]) < 1e-15 * (1 + fabs(g1->mean[i])));
    double ts[] = {0.0, 0.1, 0.25, 0.5, 0.9, 1.0};
    for (int a = 0; a < 6; a++)
      for (int b = a + 1; b < 6; b++) {
        double w;
        ck_assert_int_eq(bw_geodesic(ws, g0, g1, ts[a], gs), BW_OK);
        ck_assert_int_eq(bw_geodesic(ws, g0, g1, ts[b], gt), BW_OK);
        ck_assert_int_eq(bw_w2(ws, gs, gt, &w), BW_OK);
        ck_assert_msg(rel(w, (ts[b] - ts[a]) * W) < 1e-9, "d=%d s=%g t=%g %.17g %.17g", d, ts[a], ts[b], w,
                      (ts[b] - ts[a]) * W);
      }
    /* in place: gt = g0 */
    ck_assert_int_eq(bw_geodesic(ws, g0, g1, 1.5, gs), BW_ERR_BAD_ARG);
    bw_gaussian_free(g0), bw_gaussian_free(g1), bw_gaussian_free(gs), bw_gaussian_free(gt);
  }
  bw_workspace_free(ws);
}
END_TEST

START_TEST(exp_log_inverse) {
  tu_rng r;
  tu_seed(&r, 23);
  for (int d = 1; d <= 12; d++) {
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.1, 10), *g1 = tu_gaussian(&r, d, 0.1, 10);
    bw_gaussian *g2 = bw_gaussian_alloc(d);
    double *v = malloc(sizeof(double) * d), *X = malloc(sizeof(double) * d * d);
    double *v2 = malloc(sizeof(double) * d), *X2 = malloc(sizeof(double) * d * d);
    /* exp(log(g1)) = g1 */
    ck_assert_int_eq(bw_log_map(NULL, g0, g1, v, X, d), BW_OK);
    ck_assert_int_eq(bw_exp_map(NULL, g0, v, X, d, g2), BW_OK);
    ck_assert(tu_maxabs_diff(d, g2->cov, d, g1->cov, d) < 1e-10 * tu_maxabs(d, g1->cov, d));
    for (int i = 0; i < d; i++) ck_assert(fabs(g2->mean[i] - g1->mean[i]) < 1e-14);
    /* log(exp(V)) = V for a small symmetric X (I + X PD) */
    tu_sym(&r, d, 0.1 / sqrt(d), X);
    for (int i = 0; i < d; i++) v[i] = tu_normal(&r);
    ck_assert_int_eq(bw_exp_map(NULL, g0, v, X, d, g2), BW_OK);
    ck_assert_int_eq(bw_log_map(NULL, g0, g2, v2, X2, d), BW_OK);
    ck_assert(tu_maxabs_diff(d, X2, d, X, d) < 1e-11);
    for (int i = 0; i < d; i++) ck_assert(fabs(v2[i] - v[i]) < 1e-14);
    /* |log|^2 in the metric at g0 is W2^2: |v|^2 + tr(X S0 X) */
    ck_assert_int_eq(bw_log_map(NULL, g0, g1, v, X, d), BW_OK);
    double *A = malloc(sizeof(double) * d * d), *B = malloc(sizeof(double) * d * d), w2sq;
    tu_matmul(d, X, g0->cov, A);
    tu_matmul(d, A, X, B);
    double nrm = tu_trace(d, B, d);
    for (int i = 0; i < d; i++) nrm += v[i] * v[i];
    ck_assert_int_eq(bw_w2sq(NULL, g0, g1, &w2sq), BW_OK);
    ck_assert(rel(nrm, w2sq) < 1e-10);
    /* exp outside its domain: I + X not PD */
    for (int k = 0; k < d * d; k++) X[k] = 0;
    X[0] = -1.5;
    memcpy(g2->mean, g1->mean, sizeof(double) * d);
    ck_assert_int_eq(bw_exp_map(NULL, g0, v, X, d, g2), BW_ERR_NOT_SPD);
    for (int i = 0; i < d; i++) ck_assert(g2->mean[i] == g1->mean[i]); /* untouched */
    free(v), free(X), free(v2), free(X2), free(A), free(B);
    bw_gaussian_free(g0), bw_gaussian_free(g1), bw_gaussian_free(g2);
  }
}
END_TEST

START_TEST(geometry_bad_inputs) {
  double m0[2] = {0, 0}, m1[2] = {1, 1}, S[4] = {1, 0, 0, 1}, Sbad[4] = {1, 2, 2, 1};
  double Sasym[4] = {1, 0.5, 0, 1}, Snan[4] = {1, 0, 0, NAN}, out = 42.0, T[4] = {5, 5, 5, 5};
  bw_gaussian g = {2, m0, S, 2}, h = {2, m1, S, 2};
  bw_gaussian bad = {2, m1, Sbad, 2}, asym = {2, m1, Sasym, 2}, nan_ = {2, m1, Snan, 2};
  bw_gaussian d1 = {1, m1, S, 1}, ld_bad = {2, m1, S, 1}, d0 = {0, m1, S, 1}, nul = {2, NULL, S, 2};
  ck_assert_int_eq(bw_w2sq(NULL, &g, &bad, &out), BW_ERR_NOT_SPD);
  ck_assert_int_eq(bw_w2sq(NULL, &bad, &g, &out), BW_ERR_NOT_SPD);
  ck_assert_int_eq(bw_w2sq(NULL, &g, &asym, &out), BW_ERR_NOT_SYMMETRIC);
  ck_assert_int_eq(bw_w2sq(NULL, &g, &nan_, &out), BW_ERR_NONFINITE);
  ck_assert_int_eq(bw_w2sq(NULL, &g, &d1, &out), BW_ERR_DIM_MISMATCH);
  ck_assert_int_eq(bw_w2sq(NULL, &g, &ld_bad, &out), BW_ERR_DIM);
  ck_assert_int_eq(bw_w2sq(NULL, &d0, &g, &out), BW_ERR_DIM);
  ck_assert_int_eq(bw_w2sq(NULL, &g, &nul, &out), BW_ERR_NULL);
  ck_assert_int_eq(bw_w2sq(NULL, NULL, &g, &out), BW_ERR_NULL);
  ck_assert_int_eq(bw_w2sq(NULL, &g, &h, NULL), BW_ERR_NULL);
  ck_assert(out == 42.0);
  ck_assert_int_eq(bw_ot_map(NULL, &g, &bad, T, 2), BW_ERR_NOT_SPD);
  ck_assert_int_eq(bw_ot_map(NULL, &g, &h, T, 1), BW_ERR_DIM);
  ck_assert(T[0] == 5 && T[3] == 5);
  bw_workspace *ws = bw_workspace_alloc(1);
  ck_assert_int_eq(bw_w2sq(ws, &g, &h, &out), BW_ERR_DIM_MISMATCH);
  ck_assert(out == 42.0);
  bw_workspace_free(ws);
  ck_assert_int_eq(bw_w2sq(NULL, &g, &h, &out), BW_OK);
  ck_assert(fabs(out - 2.0) < 1e-15);
}
END_TEST

START_TEST(wide_spectrum_against_trace_formula) {
  /* Eigenvalues over four decades: the result must agree with the textbook formula where
   * that formula is accurate (W2^2 well above eps tr S), and be nonnegative always. */
  tu_rng r;
  tu_seed(&r, 29);
  for (int d = 1; d <= 20; d++) {
    bw_gaussian *g0 = tu_gaussian(&r, d, 1e-2, 1e2), *g1 = tu_gaussian(&r, d, 1e-2, 1e2);
    double *R = malloc(sizeof(double) * d * d), *A = malloc(sizeof(double) * d * d);
    double *B = malloc(sizeof(double) * d * d), *w = malloc(sizeof(double) * d);
    ck_assert_int_eq(bw_spd_sqrt(NULL, d, g0->cov, d, R, d), BW_OK);
    tu_matmul(d, R, g1->cov, A);
    tu_matmul(d, A, R, B);
    bw_gaussian_validate(&(bw_gaussian){d, g0->mean, B, d}, 1e-8, NULL);
    ck_assert_int_eq(bw_sym_eig(NULL, d, B, d, w, A, d), BW_OK);
    double tr = tu_trace(d, g0->cov, d) + tu_trace(d, g1->cov, d), w2sq;
    for (int i = 0; i < d; i++) tr -= 2 * sqrt(w[i]);
    for (int i = 0; i < d; i++) tr += (g0->mean[i] - g1->mean[i]) * (g0->mean[i] - g1->mean[i]);
    ck_assert_int_eq(bw_w2sq(NULL, g0, g1, &w2sq), BW_OK);
    ck_assert_msg(rel(w2sq, tr) < 1e-9, "d=%d %.17g %.17g", d, w2sq, tr);
    free(R), free(A), free(B), free(w);
    bw_gaussian_free(g0), bw_gaussian_free(g1);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("geometry");
  TCase *tg = tcase_create("gaussian");
  tcase_add_test(tg, gaussian_alloc_set_copy);
  tcase_add_test(tg, gaussian_rejects_bad_input);
  suite_add_tcase(s, tg);
  TCase *ts = tcase_create("spd");
  tcase_add_test(ts, spd_functions);
  tcase_add_test(ts, spd_functions_errors);
  suite_add_tcase(s, ts);
  TCase *td = tcase_create("distance");
  tcase_add_test(td, distance_1d_closed_form);
  tcase_add_test(td, distance_commuting_closed_form);
  tcase_add_test(td, distance_identical_is_zero);
  tcase_add_test(td, distance_symmetric_and_triangle);
  tcase_add_test(td, distance_nearby_matches_riemannian_metric);
  tcase_add_test(td, wide_spectrum_against_trace_formula);
  tcase_add_test(td, geometry_bad_inputs);
  suite_add_tcase(s, td);
  TCase *tm = tcase_create("maps");
  tcase_add_test(tm, ot_map_pushes_forward);
  tcase_add_test(tm, geodesic_endpoints_and_constant_speed);
  tcase_add_test(tm, exp_log_inverse);
  suite_add_tcase(s, tm);
  return tu_run(s);
}
