/* The exact Wasserstein gradient flow (docs/math.md section 3) against an independent CVODE
 * integration, and the explicit step (section 4). SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cvref.h"
#include "testutil.h"

#define EPS DBL_EPSILON
#define DMAX 6

/* max relative difference of two Gaussians: |m - m'|/(1 + |m|) and |S - S'|/|S| (max norms). */
static double rel_diff(const bw_gaussian *x, const bw_gaussian *y) {
  int d = x->d;
  double mn = 0, md = 0;
  for (int i = 0; i < d; i++) {
    mn = fmax(mn, fabs(y->mean[i]));
    md = fmax(md, fabs(x->mean[i] - y->mean[i]));
  }
  return fmax(md / (1 + mn), tu_maxabs_diff(d, x->cov, x->ld, y->cov, y->ld) / tu_maxabs(d, y->cov, y->ld));
}

/* CVODE at rtol 1e-12, atol 1e-14 has a global error ~1e-11 relative over these horizons
 * (growth factors e^{|p| t} <= ~e^3): 1e-9 relative is the required agreement, with a margin. */
static void check_vs_cvode(const bw_problem *pb, const bw_gaussian *g0, double t, double tol) {
  int d = g0->d;
  bw_gaussian *ge = bw_gaussian_alloc(d), *gc = bw_gaussian_alloc(d);
  ck_assert_int_eq(bw_wgf(pb, NULL, g0, t, ge), BW_OK);
  ck_assert_int_eq(cvref_wgf(pb, g0, t, 1e-12, 1e-14, gc), 0);
  ck_assert_double_le(rel_diff(ge, gc), tol);
  bw_gaussian_free(ge);
  bw_gaussian_free(gc);
}

START_TEST(wgf_vs_cvode) {
  tu_rng r;
  tu_seed(&r, 21);
  const double taus[3] = {0.0, 0.7, 1.0}, ts[3] = {0.1, 0.7, 2.0};
  for (int d = 1; d <= 5; d++)
    for (int it = 0; it < 3; it++)
      for (int k = 0; k < 3; k++) { /* convex, K != 0, S0 commuting with neither A nor P */
        bw_problem *pb = tu_problem(&r, d, NULL, 0.2, 2.0, 0.3, taus[it]);
        bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0);
        check_vs_cvode(pb, g0, ts[k], 1e-9);
        bw_gaussian_free(g0);
        bw_problem_free(pb);
      }
}
END_TEST

START_TEST(wgf_degenerate_spectra) {
  /* A with a zero eigenvalue (phi(0, t) = t: the mean drifts linearly along its kernel) and
   * P = A + K with a negative eigenvalue (non-convex: that variance grows), short times. */
  tu_rng r;
  tu_seed(&r, 22);
  for (int d = 1; d <= 4; d++) {
    double aval[4] = {0.0, 1.0, -0.3, 2.0};
    for (int k = 0; k < 2; k++) {
      bw_problem *pb = tu_problem(&r, d, aval, 0, 0, -0.5, 0.7); /* K NSD: P < A */
      const double *a = bw_problem_A_eigvals(pb), *p = bw_problem_P_eigvals(pb);
      ck_assert_double_lt(p[0], 0); /* non-convex */
      double amin = 1e300;
      for (int i = 0; i < d; i++) amin = fmin(amin, fabs(a[i]));
      ck_assert_double_le(amin, 1e-14); /* a zero eigenvalue (up to rounding of Q diag Q') */
      bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0);
      check_vs_cvode(pb, g0, k ? 0.5 : 0.05, 1e-9);
      bw_gaussian_free(g0);
      bw_problem_free(pb);
    }
  }
  /* Exact zeros: A = K = 0 (a = p = 0 exactly): m(t) = m0 + t h, S(t) = S0 + 2 tau t I. */
  for (int d = 1; d <= 3; d++) {
    double zeros[9] = {0}, h[3] = {0.5, -1.0, 2.0};
    bw_problem *pb = bw_problem_alloc(d);
    ck_assert_int_eq(bw_problem_set(pb, zeros, d, h, NULL, d, 0.3), BW_OK);
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0), *gt = bw_gaussian_alloc(d);
    ck_assert_int_eq(bw_wgf(pb, NULL, g0, 1.5, gt), BW_OK);
    for (int i = 0; i < d; i++) ck_assert_double_le(fabs(gt->mean[i] - (g0->mean[i] + 1.5 * h[i])), 64 * EPS * (1 + fabs(gt->mean[i])));
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++)
        ck_assert_double_le(fabs(gt->cov[i + j * d] - g0->cov[i + j * d] - (i == j) * 0.9), 64 * EPS * (1 + tu_maxabs(d, g0->cov, d)));
    check_vs_cvode(pb, g0, 1.5, 1e-9);
    bw_gaussian_free(g0);
    bw_gaussian_free(gt);
    bw_problem_free(pb);
  }
}
END_TEST

START_TEST(wgf_small_times) {
  tu_rng r;
  tu_seed(&r, 23);
  for (int d = 1; d <= 5; d++) {
    double aval[5] = {0.0, -0.5, 1.0, 1e-9, 3.0};
    bw_problem *pb = tu_problem(&r, d, aval, 0, 0, 0.3, 0.7);
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0), *gt = bw_gaussian_alloc(d);
    /* t = 0 returns g0 up to the rounding of the basis changes (R R' = I + O(eps)). */
    ck_assert_int_eq(bw_wgf(pb, NULL, g0, 0.0, gt), BW_OK);
    ck_assert_double_le(rel_diff(gt, g0), 32 * EPS * d);
    /* t = 1e-12: first-order Taylor m0 + t m'(0), S0 + t S'(0); the O(t^2) remainder is
     * ~1e-24. Rounding of the basis changes is a few d eps |S0|: tolerance 32 d eps, still
     * below the increments t |S'(0)| ~ 1e-12 (so returning g0 unchanged fails), and
     * phi(a, t) must not lose the 1e-12 to cancellation (a = 1e-9 is an eigenvalue). */
    const double t = 1e-12;
    ck_assert_int_eq(bw_wgf(pb, NULL, g0, t, gt), BW_OK);
    const double *A = bw_problem_A(pb), *P = bw_problem_P(pb), *h = bw_problem_h(pb);
    double PS[DMAX * DMAX];
    tu_matmul(d, P, g0->cov, PS);
    double mn = 0, sn = tu_maxabs(d, g0->cov, d);
    for (int i = 0; i < d; i++) mn = fmax(mn, fabs(g0->mean[i]));
    for (int i = 0; i < d; i++) {
      double v = h[i];
      for (int k = 0; k < d; k++) v -= A[i + k * d] * g0->mean[k];
      ck_assert_double_le(fabs(gt->mean[i] - (g0->mean[i] + t * v)), 32 * d * EPS * (1 + mn));
    }
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++) {
        double v = 2 * 0.7 * (i == j) - PS[i + j * d] - PS[j + i * d];
        ck_assert_double_le(fabs(gt->cov[i + j * d] - (g0->cov[i + j * d] + t * v)), 32 * d * EPS * sn);
      }
    check_vs_cvode(pb, g0, t, 1e-9);
    bw_gaussian_free(g0);
    bw_gaussian_free(gt);
    bw_problem_free(pb);
  }
}
END_TEST

START_TEST(wgf_semigroup) {
  /* Flow property: flow(flow(g0, s), t) = flow(g0, s + t); gt may alias g0. */
  tu_rng r;
  tu_seed(&r, 24);
  bw_workspace *ws = bw_workspace_alloc(DMAX);
  for (int d = 1; d <= DMAX; d++) {
    bw_problem *pb = tu_problem(&r, d, NULL, -0.3, 2.0, 0.3, 0.5);
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0), *g1 = bw_gaussian_alloc(d), *g2 = bw_gaussian_alloc(d);
    ck_assert_int_eq(bw_wgf(pb, ws, g0, 0.3, g1), BW_OK);
    ck_assert_int_eq(bw_wgf(pb, ws, g1, 0.9, g1), BW_OK);
    ck_assert_int_eq(bw_wgf(pb, ws, g0, 1.2, g2), BW_OK);
    /* Each evaluation is backward stable in the eigenbases (cond <= e^{0.6 * 1.2}): 1e-13. */
    ck_assert_double_le(rel_diff(g1, g2), 1e-13);
    bw_gaussian_free(g0);
    bw_gaussian_free(g1);
    bw_gaussian_free(g2);
    bw_problem_free(pb);
  }
  bw_workspace_free(ws);
}
END_TEST

START_TEST(wgf_errors) {
  tu_rng r;
  tu_seed(&r, 25);
  const int d = 3;
  bw_problem *pb = tu_problem(&r, d, NULL, 0.5, 1.0, 0.0, 0.0); /* potential, P >= 0.5 */
  bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0), *gt = bw_gaussian_alloc(d), *g2 = bw_gaussian_alloc(2);
  bw_workspace *small = bw_workspace_alloc(2);
  const double S = 333.0;
  for (int k = 0; k < d; k++) gt->mean[k] = S;
  for (int k = 0; k < d * d; k++) gt->cov[k] = S;
  ck_assert_int_eq(bw_wgf(pb, NULL, g0, -1e-300, gt), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_wgf(pb, NULL, g0, NAN, gt), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_wgf(pb, NULL, g0, INFINITY, gt), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_wgf(NULL, NULL, g0, 1, gt), BW_ERR_NULL);
  ck_assert_int_eq(bw_wgf(pb, NULL, NULL, 1, gt), BW_ERR_NULL);
  ck_assert_int_eq(bw_wgf(pb, NULL, g0, 1, NULL), BW_ERR_NULL);
  ck_assert_int_eq(bw_wgf(pb, NULL, g2, 1, gt), BW_ERR_DIM_MISMATCH);
  ck_assert_int_eq(bw_wgf(pb, NULL, g0, 1, g2), BW_ERR_DIM_MISMATCH);
  ck_assert_int_eq(bw_wgf(pb, small, g0, 1, gt), BW_ERR_DIM_MISMATCH);
  double cov[9], mean[3];
  memcpy(cov, g0->cov, sizeof cov);
  memcpy(mean, g0->mean, sizeof mean);
  bw_gaussian gb = {d, mean, cov, d};
  cov[8] = -cov[8];
  cov[4] = -cov[4];
  ck_assert_int_eq(bw_wgf(pb, NULL, &gb, 1, gt), BW_ERR_NOT_SPD);
  cov[3] += 1;
  ck_assert_int_eq(bw_wgf(pb, NULL, &gb, 1, gt), BW_ERR_NOT_SYMMETRIC);
  /* tau = 0, p t > 745: e^{-p t} underflows and the covariance collapses to 0. */
  ck_assert_int_eq(bw_wgf(pb, NULL, g0, 2000.0, gt), BW_ERR_LOST_SPD);
  /* Non-convex P: e^{-p t} overflows. */
  bw_problem *pn = tu_problem(&r, d, NULL, -2.0, -1.0, 0.0, 0.5);
  ck_assert_int_eq(bw_wgf(pn, NULL, g0, 1000.0, gt), BW_ERR_OVERFLOW);
  for (int k = 0; k < d; k++) ck_assert(gt->mean[k] == S);
  for (int k = 0; k < d * d; k++) ck_assert(gt->cov[k] == S);
  bw_problem_free(pn);
  bw_workspace_free(small);
  bw_gaussian_free(g0);
  bw_gaussian_free(gt);
  bw_gaussian_free(g2);
  bw_problem_free(pb);
}
END_TEST

/* ---- explicit step ---- */

START_TEST(forward_formula) {
  tu_rng r;
  tu_seed(&r, 26);
  bw_workspace *ws = bw_workspace_alloc(DMAX);
  const double taus[3] = {0.0, 0.3, 1.0};
  for (int d = 1; d <= DMAX; d++)
    for (int it = 0; it < 3; it++) {
      const double tau = taus[it], eta = 0.1;
      bw_problem *pb = tu_problem(&r, d, NULL, -1.0, 2.0, 0.3, tau);
      bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0), *g1 = bw_gaussian_alloc(d);
      ck_assert_int_eq(bw_forward_step(pb, eta, ws, g0, g1), BW_OK);
      /* Independently: S^-1 = (S^-1/2)^2, N = I - eta (P - tau S^-1), S1 = N S N. */
      double H[DMAX * DMAX], Si[DMAX * DMAX], N[DMAX * DMAX], T[DMAX * DMAX], S1[DMAX * DMAX];
      ck_assert_int_eq(bw_spd_invsqrt(NULL, d, g0->cov, d, H, d), BW_OK);
      tu_matmul(d, H, H, Si);
      for (int k = 0; k < d * d; k++) N[k] = (k % (d + 1) == 0) - eta * (bw_problem_P(pb)[k] - tau * Si[k]);
      tu_matmul(d, N, g0->cov, T);
      tu_matmul(d, T, N, S1);
      /* Products of matrices with cond <= 10: 1e-13 relative. */
      ck_assert_double_le(tu_maxabs_diff(d, g1->cov, d, S1, d), 1e-13 * tu_maxabs(d, S1, d));
      for (int i = 0; i < d; i++) {
        double v = bw_problem_h(pb)[i];
        for (int k = 0; k < d; k++) v -= bw_problem_A(pb)[i + k * d] * g0->mean[k];
        ck_assert_double_le(fabs(g1->mean[i] - (g0->mean[i] + eta * v)), 1e-14 * (1 + fabs(g1->mean[i])));
      }
      /* out may be in. */
      ck_assert_int_eq(bw_forward_step(pb, eta, ws, g0, g0), BW_OK);
      ck_assert(memcmp(g0->cov, g1->cov, sizeof(double) * d * d) == 0);
      bw_gaussian_free(g0);
      bw_gaussian_free(g1);
      bw_problem_free(pb);
    }
  bw_workspace_free(ws);
}
END_TEST

START_TEST(forward_local_order) {
  /* The explicit step is first order: W2(step(eta), flow(eta)) = O(eta^2) (ratio ~4 when
   * eta halves). */
  tu_rng r;
  tu_seed(&r, 27);
  for (int d = 1; d <= 4; d++) {
    bw_problem *pb = tu_problem(&r, d, NULL, -0.5, 2.0, 0.3, 0.7);
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.5, 2.0), *g1 = bw_gaussian_alloc(d), *ge = bw_gaussian_alloc(d);
    double err[2];
    for (int k = 0; k < 2; k++) {
      double eta = 2e-3 / (1 << k);
      ck_assert_int_eq(bw_forward_step(pb, eta, NULL, g0, g1), BW_OK);
      ck_assert_int_eq(bw_wgf(pb, NULL, g0, eta, ge), BW_OK);
      ck_assert_int_eq(bw_w2(NULL, g1, ge, &err[k]), BW_OK);
    }
    ck_assert_double_ge(err[0] / err[1], 3.5);
    ck_assert_double_le(err[0] / err[1], 4.5);
    bw_gaussian_free(g0);
    bw_gaussian_free(g1);
    bw_gaussian_free(ge);
    bw_problem_free(pb);
  }
}
END_TEST

START_TEST(forward_errors) {
  tu_rng r;
  tu_seed(&r, 28);
  /* Exactly singular I - eta M: tau = 0, A = diag(2, 1), eta = 1/2. */
  double A[4] = {2, 0, 0, 1}, h[2] = {1, 1};
  bw_problem *pb = bw_problem_alloc(2);
  ck_assert_int_eq(bw_problem_set(pb, A, 2, h, NULL, 2, 0.0), BW_OK);
  bw_gaussian *g0 = tu_gaussian(&r, 2, 0.5, 2.0), *out = bw_gaussian_alloc(2);
  const double S = 444.0;
  for (int k = 0; k < 2; k++) out->mean[k] = S;
  for (int k = 0; k < 4; k++) out->cov[k] = S;
  ck_assert_int_eq(bw_forward_step(pb, 0.5, NULL, g0, out), BW_ERR_LOST_SPD);
  /* Indefinite but non-singular I - eta M (eta = 0.75): still the push-forward. */
  bw_gaussian *o2 = bw_gaussian_alloc(2);
  ck_assert_int_eq(bw_forward_step(pb, 0.75, NULL, g0, o2), BW_OK);
  ck_assert_int_eq(bw_gaussian_validate(o2, 0.0, NULL), BW_OK);
  bw_gaussian_free(o2);
  const double bad[4] = {0.0, -1.0, NAN, INFINITY};
  for (int k = 0; k < 4; k++) ck_assert_int_eq(bw_forward_step(pb, bad[k], NULL, g0, out), BW_ERR_BAD_ETA);
  ck_assert_int_eq(bw_forward_step(NULL, 0.1, NULL, g0, out), BW_ERR_NULL);
  ck_assert_int_eq(bw_forward_step(pb, 0.1, NULL, NULL, out), BW_ERR_NULL);
  ck_assert_int_eq(bw_forward_step(pb, 0.1, NULL, g0, NULL), BW_ERR_NULL);
  bw_gaussian *g3 = bw_gaussian_alloc(3);
  ck_assert_int_eq(bw_forward_step(pb, 0.1, NULL, g3, out), BW_ERR_DIM_MISMATCH);
  ck_assert_int_eq(bw_forward_step(pb, 0.1, NULL, g0, g3), BW_ERR_DIM_MISMATCH);
  bw_workspace *small = bw_workspace_alloc(1);
  ck_assert_int_eq(bw_forward_step(pb, 0.1, small, g0, out), BW_ERR_DIM_MISMATCH);
  double cov[4] = {1, 0, 0, -1}, mean[2] = {0, 0};
  bw_gaussian gb = {2, mean, cov, 2};
  ck_assert_int_eq(bw_forward_step(pb, 0.1, NULL, &gb, out), BW_ERR_NOT_SPD);
  for (int k = 0; k < 2; k++) ck_assert(out->mean[k] == S);
  for (int k = 0; k < 4; k++) ck_assert(out->cov[k] == S);
  bw_problem_free(pb);

  /* Numerically singular in a non-commuting basis: tau = 0, eta = 1/p for an eigenvalue p
   * of P; I - eta P then has an eigenvalue O(eps). */
  for (int d = 2; d <= DMAX; d++) {
    pb = tu_problem(&r, d, NULL, 0.5, 2.0, 0.3, 0.0);
    bw_gaussian *g = tu_gaussian(&r, d, 0.3, 3.0), *o = bw_gaussian_alloc(d);
    const double *p = bw_problem_P_eigvals(pb);
    ck_assert_int_eq(bw_forward_step(pb, 1.0 / p[d - 1], NULL, g, o), BW_ERR_LOST_SPD);
    ck_assert_int_eq(bw_forward_step(pb, 1.0 / p[0], NULL, g, o), BW_ERR_LOST_SPD);
    ck_assert_int_eq(bw_forward_step(pb, 0.99 / p[d - 1], NULL, g, o), BW_OK);
    bw_gaussian_free(g);
    bw_gaussian_free(o);
    bw_problem_free(pb);
  }
  bw_workspace_free(small);
  bw_gaussian_free(g3);
  bw_gaussian_free(g0);
  bw_gaussian_free(out);
}
END_TEST

/* Above the small eigensolver's range (d > 56) the step takes N's eigenvalues alone from
 * dsyevd: the same formula as forward_formula (same tolerance: cond(S) <= 10 and
 * |eta P| <= 0.25 keep N well conditioned) and the same singularity verdict (tau = 0,
 * eta = 1/p_max: N has an eigenvalue O(eps)). */
START_TEST(forward_large_d) {
  const int dims[2] = {57, 90};
  for (int q = 0; q < 2; q++) {
    const int d = dims[q];
    const size_t dd = (size_t)d * d;
    for (int it = 0; it < 2; it++) {
      const double tau = it ? 0.7 : 0.0, eta = 0.1;
      bw_problem *pb = bw_problem_alloc(d);
      bw_gaussian *g0 = bw_gaussian_alloc(d), *g1 = bw_gaussian_alloc(d);
      ck_assert_int_eq(bw_problem_random(d, 40 + q, tau, pb, g0), BW_OK);
      ck_assert_int_eq(bw_forward_step(pb, eta, NULL, g0, g1), BW_OK);
      double *H = malloc(sizeof(double) * dd), *Si = malloc(sizeof(double) * dd);
      double *N = malloc(sizeof(double) * dd), *T = malloc(sizeof(double) * dd);
      double *S1 = malloc(sizeof(double) * dd);
      ck_assert_int_eq(bw_spd_invsqrt(NULL, d, g0->cov, d, H, d), BW_OK);
      tu_matmul(d, H, H, Si);
      for (size_t k = 0; k < dd; k++) N[k] = (k % (d + 1) == 0) - eta * (bw_problem_P(pb)[k] - tau * Si[k]);
      tu_matmul(d, N, g0->cov, T);
      tu_matmul(d, T, N, S1);
      ck_assert_double_le(tu_maxabs_diff(d, g1->cov, d, S1, d), 1e-13 * tu_maxabs(d, S1, d));
      const double pmax = bw_problem_P_eigvals(pb)[d - 1];
      ck_assert_int_eq(bw_forward_step(pb, 0.99 / pmax, NULL, g0, g1), BW_OK);
      if (tau == 0.0) ck_assert_int_eq(bw_forward_step(pb, 1.0 / pmax, NULL, g0, g1), BW_ERR_LOST_SPD);
      free(H), free(Si), free(N), free(T), free(S1);
      bw_gaussian_free(g0);
      bw_gaussian_free(g1);
      bw_problem_free(pb);
    }
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("dynamics");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, wgf_vs_cvode);
  tcase_add_test(tc, wgf_degenerate_spectra);
  tcase_add_test(tc, wgf_small_times);
  tcase_add_test(tc, wgf_semigroup);
  tcase_add_test(tc, wgf_errors);
  tcase_add_test(tc, forward_formula);
  tcase_add_test(tc, forward_local_order);
  tcase_add_test(tc, forward_errors);
  tcase_add_test(tc, forward_large_d);
  suite_add_tcase(s, tc);
  return tu_run(s);
}
