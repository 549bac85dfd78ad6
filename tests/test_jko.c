/* The JKO step (docs/math.md section 4): optimality conditions, global minimality, fixed point,
 * large-eta limit, energy dissipation, closed forms for entropy and tau = 0, errors.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define EPS DBL_EPSILON
#define DMAX 6

/* The JKO objective F(rho) = J(rho) + W2^2(rho, rho_k) / (2 eta). */
static double objective(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                        const bw_gaussian *gk, double eta) {
  double J, w;
  ck_assert_int_eq(bw_energy(pb, ws, g, &J), BW_OK);
  ck_assert_int_eq(bw_w2sq(ws, g, gk, &w), BW_OK);
  return J + w / (2 * eta);
}

START_TEST(optimality) {
  tu_rng r;
  tu_seed(&r, 11);
  bw_workspace *ws = bw_workspace_alloc(DMAX);
  const double taus[3] = {0.0, 0.3, 1.0};
  const double etas[3] = {0.05, 0.5, 3.0};
  for (int d = 1; d <= DMAX; d++)
    for (int it = 0; it < 3; it++)
      for (int ie = 0; ie < 3; ie++)
        for (int convex = 0; convex < 2; convex++) {
          const double tau = taus[it], eta = etas[ie];
          /* Non-convex: some a in [-1/(4 eta), 0) ... so 1 + eta p >= 3/4 - 0 (K PSD). */
          bw_problem *pb = convex ? tu_problem(&r, d, NULL, 0.3, 3.0, 0.2, tau)
                                  : tu_problem(&r, d, NULL, -0.25 / eta, 1.0, 0.2, tau);
          bw_jko_plan *plan;
          ck_assert_int_eq(bw_jko_plan_create(pb, eta, &plan), BW_OK);
          bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0), *g1 = bw_gaussian_alloc(d);
          ck_assert_int_eq(bw_jko_step(plan, ws, g0, g1), BW_OK);
          const double *A = bw_problem_A(pb), *P = bw_problem_P(pb), *h = bw_problem_h(pb);

          /* Mean: m1 - m0 = -eta (A m1 - h). */
          double scale = 0;
          for (int i = 0; i < d; i++) scale = fmax(scale, fabs(g0->mean[i]) + eta * fabs(h[i]));
          for (int i = 0; i < d; i++) {
            double res = g1->mean[i] - g0->mean[i] - eta * h[i], mag = 0;
            for (int k = 0; k < d; k++) {
              res += eta * A[i + k * d] * g1->mean[k];
              mag += eta * fabs(A[i + k * d] * g1->mean[k]);
            }
            /* Residual of a solve with cond(I + eta A) <= 10: a few eps of the magnitudes. */
            ck_assert_double_le(fabs(res), 64 * EPS * (scale + mag + fabs(g1->mean[i])));
          }

          /* Covariance: T - I = -eta (P - tau S1^-1) T with T the OT map S0 -> S1. */
          double T[DMAX * DMAX], Si[DMAX * DMAX], M[DMAX * DMAX], MT[DMAX * DMAX];
          ck_assert_int_eq(bw_ot_map(ws, g0, g1, T, d), BW_OK);
          tu_spd_inverse(d, g1->cov, d, Si);
          for (int k = 0; k < d * d; k++) M[k] = P[k] - tau * Si[k];
          tu_matmul(d, M, T, MT);
          double Tn = tu_maxabs(d, T, d);
          double mag = Tn * (1 + eta * (tu_maxabs(d, P, d) + tau * tu_maxabs(d, Si, d)));
          double res = 0;
          for (int j = 0; j < d; j++)
            for (int i = 0; i < d; i++)
              res = fmax(res, fabs(T[i + j * d] - (i == j) + eta * MT[i + j * d]));
          /* The OT map and S1^-1 go through square roots of matrices with condition numbers
           * up to ~1e2 (S0 in [0.3, 3], and S1): relative error ~1e2 d eps ~ 1e-13. */
          ck_assert_double_le(res, 1e-12 * mag);
          bw_gaussian_free(g0);
          bw_gaussian_free(g1);
          bw_jko_plan_free(plan);
          bw_problem_free(pb);
        }
  bw_workspace_free(ws);
}
END_TEST

START_TEST(global_minimum) {
  /* The step is the minimiser over all Gaussians: no perturbation of mean and covariance
   * lowers F. Perturbations of size delta raise F by ~ delta^2 * curvature (curvature >=
   * ~1/(2 eta) from the W2 term), far above the rounding of F (~1e-14 |F|) for delta >= 1e-3. */
  tu_rng r;
  tu_seed(&r, 12);
  bw_workspace *ws = bw_workspace_alloc(DMAX);
  const double taus[3] = {0.0, 0.3, 1.0};
  for (int d = 1; d <= DMAX; d++)
    for (int it = 0; it < 3; it++)
      for (int convex = 0; convex < 2; convex++) {
        const double tau = taus[it], eta = 0.4;
        bw_problem *pb = convex ? tu_problem(&r, d, NULL, 0.3, 3.0, 0.2, tau)
                                : tu_problem(&r, d, NULL, -1.5, 1.0, 0.2, tau);
        bw_jko_plan *plan;
        ck_assert_int_eq(bw_jko_plan_create(pb, eta, &plan), BW_OK);
        bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0), *g1 = bw_gaussian_alloc(d);
        bw_gaussian *q = bw_gaussian_alloc(d);
        ck_assert_int_eq(bw_jko_step(plan, ws, g0, g1), BW_OK);
        double F1 = objective(pb, ws, g1, g0, eta);
        double X[DMAX * DMAX], w[DMAX], V[DMAX * DMAX];
        ck_assert_int_eq(bw_sym_eig(ws, d, g1->cov, d, w, V, d), BW_OK);
        for (int trial = 0; trial < 30; trial++) {
          double delta = (trial % 3 == 0 ? 1e-3 : trial % 3 == 1 ? 1e-2 : 1e-1) * fmin(1.0, w[0]);
          bw_gaussian_copy(q, g1);
          tu_sym(&r, d, delta, X);
          for (int k = 0; k < d * d; k++) q->cov[k] += X[k];
          for (int i = 0; i < d; i++) q->mean[i] += (trial % 2) * delta * tu_normal(&r);
          if (bw_gaussian_validate(q, 0.0, ws) != BW_OK) continue; /* left the SPD cone */
          double F = objective(pb, ws, q, g0, eta);
          ck_assert_double_gt(F, F1);
        }
        bw_gaussian_free(q);
        bw_gaussian_free(g0);
        bw_gaussian_free(g1);
        bw_jko_plan_free(plan);
        bw_problem_free(pb);
      }
  bw_workspace_free(ws);
}
END_TEST

START_TEST(fixed_point_and_large_eta) {
  tu_rng r;
  tu_seed(&r, 13);
  bw_workspace *ws = bw_workspace_alloc(DMAX);
  for (int d = 1; d <= DMAX; d++)
    for (int it = 0; it < 2; it++) {
      const double tau = it ? 1.0 : 0.3;
      bw_problem *pb = tu_problem(&r, d, NULL, 0.5, 2.0, 0.2, tau);
      bw_gaussian *gs = bw_gaussian_alloc(d), *g = bw_gaussian_alloc(d);
      ck_assert_int_eq(bw_problem_minimiser(pb, gs), BW_OK);
      double sn = tu_maxabs(d, gs->cov, d), mn = 0;
      for (int i = 0; i < d; i++) mn = fmax(mn, fabs(gs->mean[i]));
      /* Fixed point: cond(P), cond(A) <= 4 + K; the step is backward stable: 1e-13. */
      const double etas[4] = {1e-3, 0.1, 1.0, 100.0};
      for (int ie = 0; ie < 4; ie++) {
        bw_jko_plan *plan;
        ck_assert_int_eq(bw_jko_plan_create(pb, etas[ie], &plan), BW_OK);
        ck_assert_int_eq(bw_jko_step(plan, ws, gs, g), BW_OK);
        ck_assert_double_le(tu_maxabs_diff(d, g->cov, d, gs->cov, d), 1e-13 * sn);
        for (int i = 0; i < d; i++) ck_assert_double_le(fabs(g->mean[i] - gs->mean[i]), 1e-13 * (1 + mn));
        bw_jko_plan_free(plan);
      }
      /* eta = 1e8: one step from far away lands on the minimiser up to O(1/eta):
       * m1 - m* = (I + eta A)^-1 (m0 - m*), |.| <= |m0 - m*| / (eta a_min) ~ 1e-8 here;
       * S1 - S* = O(1/eta) (1 + sqrt(|S0| / tau)) / p_min. Tolerance 1e-7 relative. */
      const double eta = 1e8;
      bw_jko_plan *plan;
      ck_assert_int_eq(bw_jko_plan_create(pb, eta, &plan), BW_OK);
      bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0);
      ck_assert_int_eq(bw_jko_step(plan, ws, g0, g), BW_OK);
      ck_assert_double_le(tu_maxabs_diff(d, g->cov, d, gs->cov, d), 1e-7 * sn);
      for (int i = 0; i < d; i++) ck_assert_double_le(fabs(g->mean[i] - gs->mean[i]), 1e-7 * (1 + mn));
      /* ... and it is not exact: the O(1/eta) error is visible (the test can fail). */
      ck_assert_double_gt(tu_maxabs_diff(d, g->cov, d, gs->cov, d), 1e-12 * sn);
      bw_jko_plan_free(plan);
      bw_gaussian_free(g0);
      bw_gaussian_free(g);
      bw_gaussian_free(gs);
      bw_problem_free(pb);
    }
  bw_workspace_free(ws);
}
END_TEST

START_TEST(dissipation) {
  /* J(rho_{k+1}) + W2^2(rho_{k+1}, rho_k) / (2 eta) <= J(rho_k) at every step (rho_k is a
   * competitor). Slack: J is a sum of O(d) terms of size <= |tr(PS)|, |m'Am|, |logdet| ...,
   * each with relative rounding error <= ~d eps; 1e3 eps (1 + |J| + sum of term sizes)
   * covers that with margin and is far below the per-step decrease except at convergence. */
  tu_rng r;
  tu_seed(&r, 14);
  bw_workspace *ws = bw_workspace_alloc(DMAX);
  const double taus[3] = {0.0, 0.3, 1.0};
  for (int d = 1; d <= 4; d++)
    for (int it = 0; it < 3; it++)
      for (int convex = 0; convex < 2; convex++) {
        const double tau = taus[it], eta = 0.05;
        /* 1000 steps when S converges to tau P^-1. Otherwise eigenvalues of S separate
         * geometrically (tau = 0: S -> 0 at rates (1 + eta p)^-2k; non-convex: a variance
         * grows): after 150 steps cond(S) <= ~1e12, beyond which W2 itself loses accuracy. */
        int nsteps = convex && tau > 0 ? 1000 : 150;
        bw_problem *pb = convex ? tu_problem(&r, d, NULL, 0.3, 3.0, 0.2, tau)
                                : tu_problem(&r, d, NULL, -1.0, 1.0, 0.2, tau);
        bw_jko_plan *plan;
        ck_assert_int_eq(bw_jko_plan_create(pb, eta, &plan), BW_OK);
        bw_gaussian *gk = tu_gaussian(&r, d, 0.3, 3.0), *g1 = bw_gaussian_alloc(d);
        double Jk, J1, w;
        ck_assert_int_eq(bw_energy(pb, ws, gk, &Jk), BW_OK);
        const double J0 = Jk;
        for (int k = 0; k < nsteps; k++) {
          ck_assert_int_eq(bw_jko_step(plan, ws, gk, g1), BW_OK);
          ck_assert_int_eq(bw_energy(pb, ws, g1, &J1), BW_OK);
          ck_assert_int_eq(bw_w2sq(ws, g1, gk, &w), BW_OK);
          double mag = 0;
          for (int i = 0; i < d; i++) mag += fabs(gk->mean[i]) * (fabs(gk->mean[i]) + 1) + fabs(log(gk->cov[i + i * d]));
          mag = (mag + tu_maxabs(d, gk->cov, d) * d) * (1 + tu_maxabs(d, bw_problem_P(pb), d)) + tau * d * 3;
          ck_assert_double_le(J1 + w / (2 * eta), Jk + 1e3 * EPS * (1 + fabs(Jk) + mag));
          bw_gaussian_copy(gk, g1);
          Jk = J1;
        }
        ck_assert_double_lt(Jk, J0); /* it did dissipate */
        bw_gaussian_free(gk);
        bw_gaussian_free(g1);
        bw_jko_plan_free(plan);
        bw_problem_free(pb);
      }
  bw_workspace_free(ws);
}
END_TEST

START_TEST(closed_forms) {
  tu_rng r;
  tu_seed(&r, 15);
  bw_workspace *ws = bw_workspace_alloc(DMAX);
  double zeros[DMAX * DMAX] = {0};
  for (int d = 1; d <= DMAX; d++) {
    const double etas[3] = {1e-3, 0.3, 10.0};
    for (int ie = 0; ie < 3; ie++) {
      const double eta = etas[ie];
      bw_gaussian *g0 = tu_gaussian(&r, d, 0.1, 10.0), *g1 = bw_gaussian_alloc(d);
      double S2[DMAX * DMAX], Rt[DMAX * DMAX], ref[DMAX * DMAX];

      /* Entropy only: S1 = eta I + S/2 + (S^2/4 + eta S)^1/2; the mean does not move. */
      bw_problem *pb = bw_problem_alloc(d);
      ck_assert_int_eq(bw_problem_set(pb, zeros, d, zeros, NULL, d, 1.0), BW_OK);
      bw_jko_plan *plan;
      ck_assert_int_eq(bw_jko_plan_create(pb, eta, &plan), BW_OK);
      ck_assert_int_eq(bw_jko_step(plan, ws, g0, g1), BW_OK);
      tu_matmul(d, g0->cov, g0->cov, S2);
      for (int k = 0; k < d * d; k++) S2[k] = S2[k] / 4 + eta * g0->cov[k];
      for (int j = 0; j < d; j++) /* symmetrise the product */
        for (int i = 0; i < j; i++) S2[i + j * d] = S2[j + i * d] = 0.5 * (S2[i + j * d] + S2[j + i * d]);
      ck_assert_int_eq(bw_spd_sqrt(ws, d, S2, d, Rt, d), BW_OK);
      for (int k = 0; k < d * d; k++) ref[k] = (k % (d + 1) == 0 ? eta : 0) + g0->cov[k] / 2 + Rt[k];
      /* Both sides: a few spectral functions of matrices with cond <= 100: 1e-13 relative. */
      ck_assert_double_le(tu_maxabs_diff(d, g1->cov, d, ref, d), 1e-13 * tu_maxabs(d, ref, d));
      ck_assert(memcmp(g1->mean, g0->mean, d * sizeof(double)) == 0);
      bw_jko_plan_free(plan);
      bw_problem_free(pb);

      /* tau = 0: the proximal point map S1 = B^-1 S0 B^-1, m1 = (I + eta A)^-1 (m0 + eta h). */
      pb = tu_problem(&r, d, NULL, -0.5 / eta, 2.0, 0.2, 0.0);
      ck_assert_int_eq(bw_jko_plan_create(pb, eta, &plan), BW_OK);
      ck_assert_int_eq(bw_jko_step(plan, ws, g0, g1), BW_OK);
      double B[DMAX * DMAX], Bi[DMAX * DMAX], T[DMAX * DMAX];
      for (int k = 0; k < d * d; k++) B[k] = (k % (d + 1) == 0) + eta * bw_problem_P(pb)[k];
      tu_spd_inverse(d, B, d, Bi);
      tu_matmul(d, Bi, g0->cov, T);
      tu_matmul(d, T, Bi, ref);
      /* cond(B) <= ~2 + 2 eta |P|... up to ~1e2: relative 1e-12. */
      ck_assert_double_le(tu_maxabs_diff(d, g1->cov, d, ref, d), 1e-12 * tu_maxabs(d, ref, d));
      for (int k = 0; k < d * d; k++) B[k] = (k % (d + 1) == 0) + eta * bw_problem_A(pb)[k];
      tu_spd_inverse(d, B, d, Bi);
      double mref = 0, mn = 0;
      for (int i = 0; i < d; i++) {
        mref = 0;
        for (int k = 0; k < d; k++) mref += Bi[i + k * d] * (g0->mean[k] + eta * bw_problem_h(pb)[k]);
        mn = fmax(mn, fabs(mref));
        ck_assert_double_le(fabs(g1->mean[i] - mref), 1e-12 * (1 + fabs(mref)));
      }
      bw_jko_plan_free(plan);
      bw_problem_free(pb);
      bw_gaussian_free(g0);
      bw_gaussian_free(g1);
    }
  }
  bw_workspace_free(ws);
}
END_TEST

START_TEST(local_error_order) {
  /* One JKO step against the exact flow: local error O(eta^2), so halving eta divides
   * W2(JKO(eta), WGF(eta)) by 4 (ratio in [3.5, 4.5] for eta small enough that the next
   * order, O(eta^3), is below ~10%). */
  tu_rng r;
  tu_seed(&r, 16);
  bw_workspace *ws = bw_workspace_alloc(DMAX);
  for (int d = 1; d <= 4; d++) {
    bw_problem *pb = tu_problem(&r, d, NULL, -0.5, 2.0, 0.2, 0.7);
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.5, 2.0), *g1 = bw_gaussian_alloc(d), *ge = bw_gaussian_alloc(d);
    double err[2];
    for (int k = 0; k < 2; k++) {
      double eta = 2e-3 / (1 << k);
      bw_jko_plan *plan;
      ck_assert_int_eq(bw_jko_plan_create(pb, eta, &plan), BW_OK);
      ck_assert_int_eq(bw_jko_step(plan, ws, g0, g1), BW_OK);
      ck_assert_int_eq(bw_wgf(pb, ws, g0, eta, ge), BW_OK);
      ck_assert_int_eq(bw_w2(ws, g1, ge, &err[k]), BW_OK);
      bw_jko_plan_free(plan);
    }
    ck_assert_double_ge(err[0] / err[1], 3.5);
    ck_assert_double_le(err[0] / err[1], 4.5);
    bw_gaussian_free(g0);
    bw_gaussian_free(g1);
    bw_gaussian_free(ge);
    bw_problem_free(pb);
  }
  bw_workspace_free(ws);
}
END_TEST

START_TEST(plan_and_step_errors) {
  tu_rng r;
  tu_seed(&r, 17);
  const int d = 3;
  bw_problem *pb = tu_problem(&r, d, NULL, -2.0, -1.0, 0.2, 0.5); /* P has eigenvalues <= -1 + 0.6 */
  bw_jko_plan *sentinel = (bw_jko_plan *)&r, *plan = sentinel;
  const double bad[4] = {0.0, -1.0, NAN, INFINITY};
  for (int k = 0; k < 4; k++) ck_assert_int_eq(bw_jko_plan_create(pb, bad[k], &plan), BW_ERR_BAD_ETA);
  ck_assert_int_eq(bw_jko_plan_create(pb, -0.0, &plan), BW_ERR_BAD_ETA);
  /* Non-convex: 1 + eta p_min <= 0 for eta >= 1/|p_min| (and p_min <= -0.4). */
  const double pmin = bw_problem_P_eigvals(pb)[0];
  ck_assert_double_lt(pmin, 0);
  ck_assert_int_eq(bw_jko_plan_create(pb, 1.0 / -pmin * 1.01, &plan), BW_ERR_ETA_TOO_LARGE);
  ck_assert_int_eq(bw_jko_plan_create(pb, 1e3, &plan), BW_ERR_ETA_TOO_LARGE);
  ck_assert_int_eq(bw_jko_plan_create(NULL, 0.1, &plan), BW_ERR_NULL);
  ck_assert_int_eq(bw_jko_plan_create(pb, 0.1, NULL), BW_ERR_NULL);
  ck_assert_ptr_eq(plan, sentinel);
  /* I + eta P PD but I + eta A not: A = -2 I, K = 3 I. */
  double A[9] = {-2, 0, 0, 0, -2, 0, 0, 0, -2}, K[9] = {3, 0, 0, 0, 3, 0, 0, 0, 3}, h[3] = {1, 2, 3};
  bw_problem *pa = bw_problem_alloc(d);
  ck_assert_int_eq(bw_problem_set(pa, A, d, h, K, d, 1.0), BW_OK);
  ck_assert_int_eq(bw_jko_plan_create(pa, 0.6, &plan), BW_ERR_ETA_TOO_LARGE);
  ck_assert_int_eq(bw_jko_plan_create(pa, 0.4, &plan), BW_OK);
  ck_assert_int_eq(bw_jko_plan_dim(plan), d);
  ck_assert(bw_jko_plan_eta(plan) == 0.4);
  ck_assert_int_eq(bw_jko_plan_dim(NULL), 0);
  ck_assert(isnan(bw_jko_plan_eta(NULL)));
  bw_jko_plan_free(NULL);

  /* The plan copies what it needs: the problem may go. */
  bw_gaussian *g0 = tu_gaussian(&r, d, 0.5, 2.0), *ref = bw_gaussian_alloc(d), *out = bw_gaussian_alloc(d);
  ck_assert_int_eq(bw_jko_step(plan, NULL, g0, ref), BW_OK);
  bw_problem_free(pa);
  ck_assert_int_eq(bw_jko_step(plan, NULL, g0, out), BW_OK);
  ck_assert(memcmp(out->cov, ref->cov, sizeof(double) * d * d) == 0);
  ck_assert(memcmp(out->mean, ref->mean, sizeof(double) * d) == 0);
  /* out may be in. */
  bw_gaussian_copy(out, g0);
  ck_assert_int_eq(bw_jko_step(plan, NULL, out, out), BW_OK);
  ck_assert(memcmp(out->cov, ref->cov, sizeof(double) * d * d) == 0);
  ck_assert(memcmp(out->mean, ref->mean, sizeof(double) * d) == 0);

  /* Step errors leave out untouched. */
  const double S = 555.0;
  for (int k = 0; k < d; k++) out->mean[k] = S;
  for (int k = 0; k < d * d; k++) out->cov[k] = S;
  bw_workspace *small = bw_workspace_alloc(2);
  bw_gaussian *g2 = bw_gaussian_alloc(2);
  ck_assert_int_eq(bw_jko_step(NULL, NULL, g0, out), BW_ERR_NULL);
  ck_assert_int_eq(bw_jko_step(plan, NULL, NULL, out), BW_ERR_NULL);
  ck_assert_int_eq(bw_jko_step(plan, NULL, g0, NULL), BW_ERR_NULL);
  ck_assert_int_eq(bw_jko_step(plan, small, g0, out), BW_ERR_DIM_MISMATCH);
  ck_assert_int_eq(bw_jko_step(plan, NULL, g2, out), BW_ERR_DIM_MISMATCH);
  double cov[9], mean[3];
  memcpy(cov, g0->cov, sizeof cov);
  memcpy(mean, g0->mean, sizeof mean);
  bw_gaussian gb = {d, mean, cov, d}, ob = *out;
  ob.d = 2;
  ck_assert_int_eq(bw_jko_step(plan, NULL, g0, &ob), BW_ERR_DIM_MISMATCH);
  ob = *out;
  ob.ld = 2;
  ck_assert_int_eq(bw_jko_step(plan, NULL, g0, &ob), BW_ERR_DIM);
  mean[2] = INFINITY;
  ck_assert_int_eq(bw_jko_step(plan, NULL, &gb, out), BW_ERR_NONFINITE);
  mean[2] = 0;
  cov[2] += 1e-4;
  ck_assert_int_eq(bw_jko_step(plan, NULL, &gb, out), BW_ERR_NOT_SYMMETRIC);
  cov[2] = cov[6];
  cov[0] = -1;
  ck_assert_int_eq(bw_jko_step(plan, NULL, &gb, out), BW_ERR_NOT_SPD);
  for (int k = 0; k < d; k++) ck_assert(out->mean[k] == S);
  for (int k = 0; k < d * d; k++) ck_assert(out->cov[k] == S);

  bw_workspace_free(small);
  bw_gaussian_free(g2);
  bw_gaussian_free(g0);
  bw_gaussian_free(ref);
  bw_gaussian_free(out);
  bw_jko_plan_free(plan);
  bw_problem_free(pb);
}
END_TEST

/* ---------- n steps at once (bw_jko_steps) ---------- */

/* max|x - y| / max|y| over the mean and over the covariance (the larger). */
static double rel_diff(const bw_gaussian *x, const bw_gaussian *y) {
  const int d = x->d;
  double dm = 0, sm = 0;
  for (int i = 0; i < d; i++) {
    dm = fmax(dm, fabs(x->mean[i] - y->mean[i]));
    sm = fmax(sm, fabs(y->mean[i]));
  }
  return fmax(dm / fmax(sm, 1e-300),
              tu_maxabs_diff(d, x->cov, x->ld, y->cov, y->ld) / fmax(tu_maxabs(d, y->cov, y->ld), 1e-300));
}

/* bw_jko_steps(n) against n calls of bw_jko_step, on the random preset's problems and
 * initial Gaussians, for every kernel path: d <= 2 (closed forms: the same arithmetic, hence
 * equal), 3..56 (small eigensolver with fused transformations), 57 and 80 (dsyevd).
 * n = 1 is the single step itself: bitwise equal. For n > 1 the two computations differ by
 * rounding only: per step each has a relative error of ~c d eps (backward error of the
 * eigensolver and of the products, c ~ 10: <= 1e-13 at d = 80), and the step does not
 * amplify it (the JKO map contracts in W2 by 1/(1 + eta lambda_min(P)) here, P being
 * positive definite), so the difference is below n * 1e-13 (measured: <= 1.1e-14 for
 * n <= 50, d <= 150). out may be in. */
START_TEST(steps_agree_with_single_steps) {
  static const int dims[] = {1, 2, 3, 5, 10, 30, 56, 57, 80};
  static const int ns[] = {1, 2, 7, 25};
  static const double etas[] = {0.1, 1.0};
  for (int di = 0; di < 9; di++)
    for (int ie = 0; ie < 2; ie++) {
      const int d = dims[di];
      bw_problem *pb = bw_problem_alloc(d);
      bw_gaussian *g0 = bw_gaussian_alloc(d), *a = bw_gaussian_alloc(d), *b = bw_gaussian_alloc(d);
      bw_workspace *ws = bw_workspace_alloc(d + 1);
      ck_assert_int_eq(bw_problem_random(d, 100 + di, 0.7, pb, g0), BW_OK);
      bw_jko_plan *plan;
      ck_assert_int_eq(bw_jko_plan_create(pb, etas[ie], &plan), BW_OK);
      for (int q = 0; q < 4; q++) {
        const int n = ns[q];
        ck_assert_int_eq(bw_gaussian_copy(a, g0), BW_OK);
        for (int k = 0; k < n; k++) ck_assert_int_eq(bw_jko_step(plan, ws, a, a), BW_OK);
        ck_assert_int_eq(bw_gaussian_copy(b, g0), BW_OK);
        ck_assert_int_eq(bw_jko_steps(plan, q % 2 ? ws : NULL, b, n, b), BW_OK);
        if (n == 1) {
          ck_assert(memcmp(a->mean, b->mean, sizeof(double) * d) == 0);
          ck_assert(memcmp(a->cov, b->cov, sizeof(double) * d * d) == 0);
        } else {
          const double err = rel_diff(b, a);
          ck_assert_msg(err <= n * 1e-13, "d %d eta %g n %d: %g", d, etas[ie], n, err);
        }
      }
      bw_jko_plan_free(plan);
      bw_workspace_free(ws);
      bw_gaussian_free(g0);
      bw_gaussian_free(a);
      bw_gaussian_free(b);
      bw_problem_free(pb);
    }
}
END_TEST

/* A problem of any dimension d: A = Q diag(a) Q', a log-uniform in [alo, ahi], K = 0,
 * h ~ N(0, 1), tau. */
static bw_problem *wide_problem(tu_rng *r, int d, double alo, double ahi, double tau) {
  double *Q = malloc(sizeof(double) * d * d), *A = malloc(sizeof(double) * d * d);
  double *a = malloc(sizeof(double) * d), *h = malloc(sizeof(double) * d);
  tu_orthogonal(r, d, Q);
  for (int i = 0; i < d; i++) {
    a[i] = alo * pow(ahi / alo, i == 0 ? 0.0 : i == d - 1 ? 1.0 : tu_uniform(r));
    h[i] = tu_normal(r);
  }
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double x = 0;
      for (int k = 0; k < d; k++) x += Q[i + k * d] * a[k] * Q[j + k * d];
      A[i + j * d] = x;
    }
  for (int j = 0; j < d; j++) /* exactly symmetric */
    for (int i = 0; i < j; i++) A[j + i * d] = A[i + j * d];
  bw_problem *pb = bw_problem_alloc(d);
  ck_assert_int_eq(bw_problem_set(pb, A, d, h, NULL, 0, tau), BW_OK);
  free(Q), free(A), free(a), free(h);
  return pb;
}

/* An iterate that loses definiteness in floating point: tau = 0, a in [0.1, 10] and eta = 10,
 * so x = c and every step maps S to B^-1 S B^-1 (B = I + eta A, cond(B) = 101/2 ~ 50):
 * cond(S_k) grows by up to ~2500 per step until S_k fails the Cholesky test. With single
 * steps the first failing step k* returns BW_ERR_LOST_SPD; bw_jko_steps must fail the same
 * way (BW_ERR_LOST_SPD, out untouched) for n >= k* + 1 (S_{k*+1} is ~2500 times worse
 * conditioned still, so the verdict does not depend on rounding), and agree with the single
 * steps for n = k* - 2 (cond(S_n) < 1e-6/eps: the same relative tolerance as above). */
START_TEST(steps_lose_definiteness) {
  static const int dims[] = {2, 5, 70};
  tu_rng r;
  tu_seed(&r, 29);
  for (int di = 0; di < 3; di++) {
    const int d = dims[di];
    bw_problem *pb = wide_problem(&r, d, 0.1, 10.0, 0.0);
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.5, 2.0), *a = bw_gaussian_alloc(d), *b = bw_gaussian_alloc(d);
    bw_jko_plan *plan;
    ck_assert_int_eq(bw_jko_plan_create(pb, 10.0, &plan), BW_OK);
    ck_assert_int_eq(bw_gaussian_copy(a, g0), BW_OK);
    int kstar = 0;
    bw_status st = BW_OK;
    while (!st && kstar < 100) {
      kstar++;
      st = bw_jko_step(plan, NULL, a, a);
    }
    ck_assert_int_eq(st, BW_ERR_LOST_SPD);
    ck_assert_int_ge(kstar, 3);
    const double S = -777.0;
    for (int n = kstar + 1; n <= kstar + 3; n++) {
      for (int k = 0; k < d; k++) b->mean[k] = S;
      for (int k = 0; k < d * d; k++) b->cov[k] = S;
      ck_assert_int_eq(bw_jko_steps(plan, NULL, g0, n, b), BW_ERR_LOST_SPD);
      for (int k = 0; k < d; k++) ck_assert(b->mean[k] == S);
      for (int k = 0; k < d * d; k++) ck_assert(b->cov[k] == S);
    }
    const int n = kstar - 2;
    ck_assert_int_eq(bw_gaussian_copy(a, g0), BW_OK);
    for (int k = 0; k < n; k++) ck_assert_int_eq(bw_jko_step(plan, NULL, a, a), BW_OK);
    ck_assert_int_eq(bw_jko_steps(plan, NULL, g0, n, b), BW_OK);
    ck_assert_msg(rel_diff(b, a) <= n * 1e-13, "d %d n %d: %g", d, n, rel_diff(b, a));
    bw_jko_plan_free(plan);
    bw_gaussian_free(g0);
    bw_gaussian_free(a);
    bw_gaussian_free(b);
    bw_problem_free(pb);
  }
}
END_TEST

/* Argument checks in the style of tests/test_args.c: each class of bad argument gets its
 * status, the output (in a sentinel-filled buffer, with padding rows: ld = d + 1) is not
 * written, the input is not modified (compared bytewise), also when out is in. */
START_TEST(steps_args) {
  enum { d = 3, LDP = 4 };
  tu_rng r;
  tu_seed(&r, 23);
  bw_problem *pb = tu_problem(&r, d, NULL, 0.5, 2.0, 0.2, 0.5);
  bw_jko_plan *plan;
  ck_assert_int_eq(bw_jko_plan_create(pb, 0.2, &plan), BW_OK);
  bw_workspace *ws = bw_workspace_alloc(d), *small = bw_workspace_alloc(d - 1);
  /* input: d = 3, ld = 4, NaN in the padding */
  double im[LDP], ic[LDP * LDP], om[LDP], oc[LDP * LDP], snap_m[LDP], snap_c[LDP * LDP];
  for (int k = 0; k < LDP * LDP; k++) ic[k] = NAN;
  im[d] = NAN;
  bw_gaussian *g = tu_gaussian(&r, d, 0.5, 2.0);
  for (int j = 0; j < d; j++) {
    im[j] = g->mean[j];
    for (int i = 0; i < d; i++) ic[i + j * LDP] = g->cov[i + j * d];
  }
  bw_gaussian in = {d, im, ic, LDP}, out = {d, om, oc, LDP};
  memcpy(snap_m, im, sizeof im);
  memcpy(snap_c, ic, sizeof ic);
#define FILL() (memset(om, 0xA5, sizeof om), memset(oc, 0xA5, sizeof oc))
#define INTACT()                                                                                   \
  do {                                                                                             \
    unsigned char ref[sizeof oc];                                                                  \
    memset(ref, 0xA5, sizeof ref);                                                                 \
    ck_assert(memcmp(om, ref, sizeof om) == 0 && memcmp(oc, ref, sizeof oc) == 0);                 \
    ck_assert(memcmp(im, snap_m, sizeof im) == 0 && memcmp(ic, snap_c, sizeof ic) == 0);          \
  } while (0)
#define EXPECT(want, call)                                                                         \
  do {                                                                                             \
    FILL();                                                                                        \
    bw_status st_ = (call);                                                                        \
    ck_assert_msg(st_ == (want), "line %d: %s returned %s, expected %s", __LINE__, #call,          \
                  bw_status_name(st_), bw_status_name(want));                                      \
    INTACT();                                                                                      \
  } while (0)
  bw_gaussian o = out;
  EXPECT(BW_ERR_NULL, bw_jko_steps(NULL, ws, &in, 2, &out));
  EXPECT(BW_ERR_NULL, bw_jko_steps(plan, ws, NULL, 2, &out));
  EXPECT(BW_ERR_NULL, bw_jko_steps(plan, ws, &in, 2, NULL));
  o.mean = NULL;
  EXPECT(BW_ERR_NULL, bw_jko_steps(plan, ws, &in, 2, &o));
  o = out, o.cov = NULL;
  EXPECT(BW_ERR_NULL, bw_jko_steps(plan, ws, &in, 2, &o));
  o = out, o.d = 0;
  EXPECT(BW_ERR_DIM, bw_jko_steps(plan, ws, &in, 2, &o));
  o = out, o.ld = d - 1;
  EXPECT(BW_ERR_DIM, bw_jko_steps(plan, ws, &in, 2, &o));
  o = out, o.d = 2;
  EXPECT(BW_ERR_DIM_MISMATCH, bw_jko_steps(plan, ws, &in, 2, &o));
  EXPECT(BW_ERR_DIM_MISMATCH, bw_jko_steps(plan, small, &in, 2, &out));
  const int bad_n[3] = {0, -1, INT_MIN};
  for (int k = 0; k < 3; k++) EXPECT(BW_ERR_BAD_ARG, bw_jko_steps(plan, ws, &in, bad_n[k], &out));
  /* bad input entries (restored after each case) */
  bw_gaussian ib = in;
  ib.d = 2;
  EXPECT(BW_ERR_DIM_MISMATCH, bw_jko_steps(plan, ws, &ib, 2, &out));
  ib = in, ib.ld = 2;
  EXPECT(BW_ERR_DIM, bw_jko_steps(plan, ws, &ib, 2, &out));
  struct {
    double *at, v;
    bw_status want;
  } bad[] = {{&im[1], NAN, BW_ERR_NONFINITE},         {&ic[1 + LDP], INFINITY, BW_ERR_NONFINITE},
             {&ic[1], 5.0, BW_ERR_NOT_SYMMETRIC},      {&ic[0], -1.0, BW_ERR_NOT_SPD}};
  for (int k = 0; k < 4; k++) {
    const double keep = *bad[k].at;
    *bad[k].at = bad[k].v;
    memcpy(snap_m, im, sizeof im);
    memcpy(snap_c, ic, sizeof ic);
    EXPECT(bad[k].want, bw_jko_steps(plan, ws, &in, 2, &out));
    /* in place: the input is the output and must be unchanged on error */
    FILL();
    ck_assert_int_eq(bw_jko_steps(plan, ws, &in, 3, &in), bad[k].want);
    ck_assert(memcmp(im, snap_m, sizeof im) == 0 && memcmp(ic, snap_c, sizeof ic) == 0);
    *bad[k].at = keep;
  }
  memcpy(snap_m, im, sizeof im);
  memcpy(snap_c, ic, sizeof ic);
  FILL();
  ck_assert_int_eq(bw_jko_steps(plan, NULL, &in, 2, &out), BW_OK);
  ck_assert(memcmp(im, snap_m, sizeof im) == 0 && memcmp(ic, snap_c, sizeof ic) == 0);
  for (int j = 0; j < d; j++) ck_assert(isfinite(om[j]) && isfinite(oc[j + j * LDP]));
#undef EXPECT
#undef INTACT
#undef FILL
  bw_gaussian_free(g);
  bw_workspace_free(ws);
  bw_workspace_free(small);
  bw_jko_plan_free(plan);
  bw_problem_free(pb);
}
END_TEST

int main(void) {
  Suite *s = suite_create("jko");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, optimality);
  tcase_add_test(tc, global_minimum);
  tcase_add_test(tc, fixed_point_and_large_eta);
  tcase_add_test(tc, dissipation);
  tcase_add_test(tc, closed_forms);
  tcase_add_test(tc, local_error_order);
  tcase_add_test(tc, plan_and_step_errors);
  tcase_add_test(tc, steps_agree_with_single_steps);
  tcase_add_test(tc, steps_lose_definiteness);
  tcase_add_test(tc, steps_args);
  suite_add_tcase(s, tc);
  return tu_run(s);
}
