/* Flows of the particle system (docs/math.md section 7) and its system table: closed forms
 * (the Gaussian module's mean for a quadratic V, a self-similar JKO-Flow whose ill-posedness
 * time is known in closed form), docs/math.md's measured numbers (convergence to the Gaussian
 * flow, the order table), lambda_max of the root function against LAPACK, failures beyond
 * what doubles resolve, Jacobians against finite differences.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_particles.h"

/* lambda_max by Laguerre's iteration (the root function) against dstebz: JKO-Flow with
 * eta = 3/lambda_max(H(x0)) is ill-posed from the start, and reports eta lambda_max(H(x0))
 * computed by the root function's routine; random, clustered and large configurations. */
START_TEST(lmax_laguerre) {
  tu_rng r;
  tu_seed(&r, 13);
  for (int trial = 0; trial < 40; trial++) {
    const int n = trial < 30 ? 2 + (int)(200 * tu_uniform(&r)) : 1000 + 400 * (trial - 30);
    double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
    double c[7];
    tp_rand_poly(&r, 6, c);
    if (trial % 3 == 0) { /* two equal dense clusters far apart: a nearly double lambda_max */
      const int h = n / 2;
      for (int i = 0; i < h; i++) x[i] = -5 + 1e-3 * i;
      for (int i = h; i < n; i++) x[i] = 5 + 1e-3 * (i - h) + (i == h ? 1e-12 : 0);
    } else {
      tp_rand_positions(&r, n, -2, 1e-4, 0.5, x);
    }
    bw_particles *pp = tp_make(n, 6, c, 0.5 + tu_uniform(&r));
    double lmax;
    ck_assert_int_eq(bw_particles_hessian_extremes(pp, NULL, x, NULL, &lmax), BW_OK);
    ck_assert(lmax > 0);
    bw_particles_flow *pf;
    ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO, 3.0 / lmax, NULL, &pf), BW_OK);
    ck_assert_int_eq(bw_particles_flow_start(pf, x, 0), BW_OK);
    memset(y, 0, n * sizeof(double));
    ck_assert_int_eq(bw_particles_flow_advance(pf, 1e-3, y), BW_ERR_ILL_POSED);
    for (int i = 0; i < n; i++) ck_assert(y[i] == 0.0); /* untouched */
    double t, v;
    ck_assert_int_eq(bw_particles_flow_failure(pf, &t, &v), BW_ERR_ILL_POSED);
    ck_assert(t == 0.0);
    ck_assert_msg(fabs(v - 3.0) <= 3e-13 * 3.0, "n %d: eta lambda_max %.17g vs 3", n, v);
    bw_particles_flow_free(pf);
    bw_particles_free(pp);
    free(x), free(y);
  }
}
END_TEST

/* ---- closed forms with a quadratic V ---- */

/* V = a x^2/2 - h x: the particle mean follows the Gaussian module's mean exactly (the
 * entropy terms telescope) for JKO, WGF and JKO-Flow: both systems through bw_traj. */
START_TEST(gaussian_mean) {
  const double a = 1.3, hh = 0.4, tau = 0.7, eta = 1e-3, T = 0.05; /* eta lambda_max(H(x0)) ~ 0.6 */
  const double c[3] = {0.0, -hh, 0.5 * a};
  const int n = 30;
  bw_particles *pp = tp_make(n, 2, c, tau);
  double x0[30], m0;
  ck_assert_int_eq(bw_particles_quantiles(n, 1.5, 0.6, x0), BW_OK);
  ck_assert_int_eq(bw_particles_moments(n, x0, &m0, NULL), BW_OK);
  bw_problem *pb = bw_problem_alloc(1);
  const double A = a, h1 = hh;
  ck_assert_int_eq(bw_problem_set(pb, &A, 1, &h1, NULL, 1, tau), BW_OK);
  bw_gaussian *g0 = bw_gaussian_alloc(1);
  const double S0 = 0.36;
  ck_assert_int_eq(bw_gaussian_set(g0, &m0, &S0, 1, BW_SYM_RTOL, NULL), BW_OK);
  bw_system *sp, *sg;
  ck_assert_int_eq(bw_system_particles_create(pp, x0, &sp), BW_OK);
  ck_assert_int_eq(bw_system_gaussian_create(pb, g0, &sg), BW_OK);
  ck_assert_str_eq(bw_system_name(sp), "particles");
  ck_assert_int_eq(bw_system_dim(sp), n);
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  o.rtol = 1e-13, o.atol = 1e-15;
  const bw_traj_kind kinds[4] = {BW_TRAJ_JKO, BW_TRAJ_WGF, BW_TRAJ_JKOFLOW, BW_TRAJ_FORWARDFLOW};
  for (int k = 0; k < 4; k++) {
    bw_traj *tp, *tg;
    ck_assert_int_eq(bw_traj_create(sp, kinds[k], eta, &o, T, &tp), BW_OK);
    ck_assert_int_eq(bw_traj_create(sg, kinds[k], eta, &o, T, &tg), BW_OK);
    for (int j = 1; j <= 50; j++) {
      const double t = j * eta;
      ck_assert_int_eq(bw_traj_advance(tp, t), BW_OK);
      ck_assert_int_eq(bw_traj_advance(tg, t), BW_OK);
      int np;
      const double *x = bw_traj_positions(tp, &np);
      ck_assert_int_eq(np, n);
      double m;
      ck_assert_int_eq(bw_particles_moments(n, x, &m, NULL), BW_OK);
      const double mg = bw_traj_gaussian(tg)->mean[0];
      ck_assert_msg(fabs(m - mg) <= 1e-12, "%s t %g: particles %.17g gaussian %.17g",
                    bw_traj_kind_name(kinds[k]), t, m, mg);
    }
    bw_traj_free(tp), bw_traj_free(tg);
  }
  bw_system_free(sp), bw_system_free(sg);
  bw_gaussian_free(g0);
  bw_problem_free(pb);
  bw_particles_free(pp);
}
END_TEST

/* V = x^2/2, tau = 1, from the quantiles of N(1, 0.25): W2 of the particle WGF at T = 1 to
 * the quantised exact Gaussian (quantiles of N(e^-1, 1 - 0.75 e^-2)) decreases with N;
 * docs/math.md section 7's values for N = 10..320 to two digits, and the rate. */
START_TEST(gaussian_convergence) {
  const double c[3] = {0, 0, 0.5}, want[6] = {1.1e-2, 6.4e-3, 4.0e-3, 2.6e-3, 1.8e-3, 1.3e-3};
  double w[7], prev = INFINITY;
  for (int k = 0; k < 7; k++) {
    const int n = 10 << k;
    bw_particles *pp = tp_make(n, 2, c, 1.0);
    double *x0 = malloc(n * sizeof(double)), *x = malloc(n * sizeof(double)), *q = malloc(n * sizeof(double));
    ck_assert_int_eq(bw_particles_quantiles(n, 1.0, 0.5, x0), BW_OK);
    bw_particles_flow *pf;
    ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_PLAIN, 0, NULL, &pf), BW_OK);
    const double T = 1.0;
    ck_assert_int_eq(bw_particles_flow_solve(pf, x0, 1, &T, x), BW_OK);
    ck_assert_int_eq(bw_particles_quantiles(n, exp(-1.0), sqrt(1 - 0.75 * exp(-2.0)), q), BW_OK);
    ck_assert_int_eq(bw_particles_w2(n, x, q, &w[k]), BW_OK);
    if (k < 6) ck_assert_msg(fabs(w[k] - want[k]) <= 0.05 * want[k] + 0.5e-4, "N %d: W2 %.3g, docs/math.md %.2g", n, w[k], want[k]);
    ck_assert(w[k] < prev);
    prev = w[k];
    bw_particles_flow_free(pf);
    bw_particles_free(pp);
    free(x0), free(x), free(q);
  }
  /* the rate over N = 80..640: W2 ~ N^-0.5..-0.6 (measured: see docs/particles.md) */
  const double rate = -log(w[6] / w[3]) / log(8.0);
  printf("gaussian_convergence: W2 at N = 10..640: %.3g %.3g %.3g %.3g %.3g %.3g %.3g; rate N^-%.3f over N = 80..640\n",
         w[0], w[1], w[2], w[3], w[4], w[5], w[6], rate);
  ck_assert(rate > 0.45 && rate < 0.75);
}
END_TEST


/* the table of docs/math.md section 7 (V = x^4/4, N = 20, T = 0.5) through the order study. */
START_TEST(quartic_order_table) {
  bw_particles *pp;
  double m, s, x0[20];
  ck_assert_int_eq(bw_particles_preset("quartic", 0, &pp, &m, &s), BW_OK);
  ck_assert_int_eq(bw_particles_quantiles(20, m, s, x0), BW_OK);
  double lmax;
  ck_assert_int_eq(bw_particles_hessian_extremes(pp, NULL, x0, NULL, &lmax), BW_OK);
  ck_assert(fabs(lmax - 957) < 0.5); /* docs/math.md section 7: 957, eta < 2.09e-3 */
  bw_system *sys;
  ck_assert_int_eq(bw_system_particles_create(pp, x0, &sys), BW_OK);
  const double etas[4] = {2e-3, 1e-3, 5e-4, 2.5e-4};
  const double want[4][4] = {{6.02e-4, 8.07e-6, 6.04e-4, 8.21e-6},
                             {3.01e-4, 2.03e-6, 3.02e-4, 2.04e-6},
                             {1.51e-4, 5.07e-7, 1.51e-4, 5.10e-7},
                             {7.54e-5, 1.27e-7, 7.54e-5, 1.27e-7}};
  bw_order_point pts[4];
  for (int k = 0; k < 4; k++) {
    ck_assert_int_eq(bw_order_point_compute(sys, 0.5, etas[k], 0, NULL, NULL, NULL, &pts[k]), BW_OK);
    for (int e = 0; e < 4; e++) {
      ck_assert_int_eq(pts[k].status[e], BW_OK);
      /* three digits: within half a unit of the third */
      ck_assert_msg(fabs(pts[k].err[e] - want[k][e]) <= 0.005 * want[k][e] * 1.0001,
                    "eta %g error %d: %.4g, docs/math.md %.3g", etas[k], e, pts[k].err[e], want[k][e]);
    }
  }
  bw_order_fit fit;
  ck_assert_int_eq(bw_order_fit_compute(4, pts, &fit), BW_OK);
  for (int e = 0; e < 4; e++) ck_assert(fabs(fit.slope[e] - (e % 2 ? 2 : 1)) <= 0.01);
  bw_system_free(sys);
  bw_particles_free(pp);
}
END_TEST

/* (The default study's ladders: tests/test_ladders.c.) */

/* ---- ill-posedness located in time ---- */

/* V = x^2/2 (a = 1), tau = 1, N = 5. At the equilibrium x_eq, grad^2 E x_eq = a x_eq/tau
 * (E = -sum log D is log-homogeneous), so x(t) = s(t) x_eq stays on the ray for every flow:
 *   JKO-Flow  s' = -a (s - 1/s)(1 - c (1 + 1/s^2)),  c = eta a/2,
 *   lambda_max(H(s x_eq)) = a + tau mu/s^2,  mu = lambda_max(grad^2 E(x_eq)).
 * eta lambda_max = 2 at s*^2 = eta tau mu/(2 - eta a); with u = s^2 the time from s0 is
 *   t* = [ln((u0-1)/(u*-1)) - c/(1-c) ln(((1-c)u0 - c)/((1-c)u* - c))] / (2 a (1 - 2c)). */
START_TEST(illposed_time) {
  const double c[3] = {0, 0, 0.5}, a = 1, tau = 1;
  const int n = 5;
  bw_particles *pp = tp_make(n, 2, c, tau);
  double xe[5], x0[5], lmax_eq;
  ck_assert_int_eq(bw_particles_quantiles(n, 0.0, 1.0, xe), BW_OK);
  tp_equilibrium(pp, xe);
  for (int i = 0; i < n; i++) xe[i] = 0.5 * (xe[i] - xe[n - 1 - i]); /* exact symmetry */
  ck_assert_int_eq(bw_particles_hessian_extremes(pp, NULL, xe, NULL, &lmax_eq), BW_OK);
  const double mu = (lmax_eq - a) / tau;
  for (int trial = 0; trial < 3; trial++) {
    const double eta = (2.4 + 0.5 * trial) / lmax_eq; /* ill-posed at the equilibrium */
    const double cc = 0.5 * eta * a, us = eta * tau * mu / (2 - eta * a), u0 = 2.5 * us;
    ck_assert(us > 1 && us > cc / (1 - cc));
    const double s0 = sqrt(u0);
    for (int i = 0; i < n; i++) x0[i] = s0 * xe[i];
    const double tstar = (log((u0 - 1) / (us - 1)) -
                          cc / (1 - cc) * log(((1 - cc) * u0 - cc) / ((1 - cc) * us - cc))) /
                         (2 * a * (1 - 2 * cc));
    bw_particles_flow *pf;
    ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO, eta, NULL, &pf), BW_OK);
    ck_assert_int_eq(bw_particles_flow_start(pf, x0, 0), BW_OK);
    double x[5], t, v;
    ck_assert_int_eq(bw_particles_flow_advance(pf, 0.5 * tstar, x), BW_OK);
    for (int i = 0; i < n; i++) x0[i] = x[i];
    ck_assert_int_eq(bw_particles_flow_advance(pf, 2 * tstar, x), BW_ERR_ILL_POSED);
    for (int i = 0; i < n; i++) ck_assert(x[i] == x0[i]); /* the last good state */
    ck_assert_int_eq(bw_particles_flow_failure(pf, &t, &v), BW_ERR_ILL_POSED);
    ck_assert_msg(fabs(t - tstar) <= 1e-6 * tstar, "t %.12g predicted %.12g", t, tstar);
    ck_assert(fabs(v - 2.0) <= 1e-9);
    printf("illposed_time: eta %.4g: t* = %.12g predicted %.12g (rel %.1e), eta lambda_max %.15g\n",
           eta, t, tstar, fabs(t / tstar - 1), v);
    /* the mode: the top eigenvector of H at the event, H v = lambda v */
    double xf[5], vm[5], d[5], e[5];
    ck_assert_int_eq(bw_particles_flow_failure_mode(pf, xf, vm), BW_OK);
    ck_assert_int_eq(bw_particles_hessian(pp, xf, d, e), BW_OK);
    double nv = 0;
    for (int i = 0; i < n; i++) {
      const double hv = d[i] * vm[i] + (i ? e[i - 1] * vm[i - 1] : 0) + (i < n - 1 ? e[i] * vm[i + 1] : 0);
      ck_assert(fabs(hv - v / eta * vm[i]) <= 1e-8 * v / eta);
      nv += vm[i] * vm[i];
    }
    ck_assert(fabs(nv - 1) < 1e-12);
    /* dead until restarted */
    ck_assert_int_eq(bw_particles_flow_advance(pf, 2 * tstar, x), BW_ERR_BAD_ARG);
    ck_assert(isnan(bw_particles_flow_time(pf)));
    bw_particles_flow_free(pf);
  }
  bw_particles_free(pp);
}
END_TEST

/* Beyond what doubles resolve, with a convex V (x^2/2): the cause is named, never "the step
 * is too large for a non-convex energy". Positions one ulp apart (tau = 1, eta = 0.1: eta
 * tau/D^2 ~ 1e30 swamps the Newton matrix's 1): the JKO step is BW_ERR_PRECISION, JKO-Flow
 * ill-posed from the start (eta lambda_max ~ 1e30), the other flows BW_ERR_PRECISION at
 * t = 0 (CVODE fails before any step; the gaps are at rounding level). tau = 1e300: the
 * step's Newton matrix overflows (BW_ERR_OVERFLOW), JKO-Flow is ill-posed from the start
 * although lambda_max cannot be computed (its lower bound max H_ii decides), and the flows
 * whose right-hand side or rates overflow at x0 say so. Outputs stay untouched. */
START_TEST(beyond_doubles) {
  const double c[3] = {0, 0, 0.5}, eta = 0.1;
  const int n = 5;
  double ulp[5] = {1.0}, wide[5];
  for (int i = 1; i < n; i++) ulp[i] = nextafter(ulp[i - 1], 2.0);
  ck_assert_int_eq(bw_particles_quantiles(n, 0.0, 1.0, wide), BW_OK);
  for (int tc = 0; tc < 2; tc++) {
    bw_particles *pp = tp_make(n, 2, c, tc ? 1e300 : 1.0);
    const double *x0 = tc ? wide : ulp;
    bw_particles_jko_plan *plan;
    ck_assert_int_eq(bw_particles_jko_plan_create(pp, eta, &plan), BW_OK);
    double x[5] = {42, 42, 42, 42, 42};
    ck_assert_int_eq(bw_particles_jko_step(plan, NULL, x0, NULL, x, NULL), tc ? BW_ERR_OVERFLOW : BW_ERR_PRECISION);
    for (int i = 0; i < n; i++) ck_assert(x[i] == 42);
    bw_particles_jko_plan_free(plan);
    const bw_flow_kind kinds[4] = {BW_FLOW_JKO, BW_FLOW_PLAIN, BW_FLOW_FORWARD, BW_FLOW_JKO2};
    for (int k = 0; k < 4; k++) {
      bw_particles_flow *pf;
      ck_assert_int_eq(bw_particles_flow_create(pp, kinds[k], eta, NULL, &pf), BW_OK);
      const bw_status want = kinds[k] == BW_FLOW_JKO ? BW_ERR_ILL_POSED : tc ? BW_ERR_OVERFLOW : BW_ERR_PRECISION;
      double T = 0.1, t = NAN, v = NAN;
      ck_assert_int_eq(bw_particles_flow_solve(pf, x0, 1, &T, x), want);
      for (int i = 0; i < n; i++) ck_assert(x[i] == 42);
      ck_assert_int_eq(bw_particles_flow_failure(pf, &t, &v), want);
      ck_assert(t == 0.0);
      if (want == BW_ERR_ILL_POSED) ck_assert(v > 1e29);
      bw_particles_flow_free(pf);
    }
    bw_particles_free(pp);
  }
}
END_TEST

/* ---- Jacobians ---- */

START_TEST(jacobians) {
  tu_rng r;
  tu_seed(&r, 23);
  for (int trial = 0; trial < 30; trial++) {
    const int n = 2 + trial % 8, deg = 2 + 2 * (trial % 3);
    double c[7], x[10], J[100], f0[10], fp[10], fm[10];
    tp_rand_poly(&r, deg, c);
    tp_rand_positions(&r, n, -1, 0.1, 0.6, x);
    bw_particles *pp = tp_make(n, deg, c, 0.3 + tu_uniform(&r));
    const bw_flow_kind kinds[3] = {BW_FLOW_PLAIN, BW_FLOW_JKO, BW_FLOW_FORWARD};
    for (int k = 0; k < 3; k++) {
      bw_particles_flow *pf;
      ck_assert_int_eq(bw_particles_flow_create(pp, kinds[k], 0.01, NULL, &pf), BW_OK);
      ck_assert_int_eq(bw_particles_flow_jacobian(pf, x, J, n), BW_OK);
      ck_assert_int_eq(bw_particles_flow_rhs(pf, x, f0), BW_OK);
      double jmax = 0;
      for (int i = 0; i < n * n; i++) jmax = fmax(jmax, fabs(J[i]));
      for (int j = 0; j < n; j++) {
        const double h = 1e-6;
        double xp[10], xm[10];
        memcpy(xp, x, sizeof x), memcpy(xm, x, sizeof x);
        xp[j] += h, xm[j] -= h;
        ck_assert_int_eq(bw_particles_flow_rhs(pf, xp, fp), BW_OK);
        ck_assert_int_eq(bw_particles_flow_rhs(pf, xm, fm), BW_OK);
        for (int i = 0; i < n; i++) {
          const double fd = (fp[i] - fm[i]) / (2 * h);
          ck_assert_msg(fabs(fd - J[i + j * n]) <= 1e-6 * jmax, "kind %d J[%d,%d] %g fd %g", k, i, j, J[i + j * n], fd);
          ck_assert(J[i + j * n] == J[j + i * n]); /* -grad^2 F^e: symmetric */
          if (abs(i - j) > (kinds[k] == BW_FLOW_PLAIN ? 1 : 2)) ck_assert(J[i + j * n] == 0.0);
        }
      }
      bw_particles_flow_free(pf);
    }
    bw_particles_free(pp);
  }
}
END_TEST

/* CVODE with the analytic banded Jacobian and with its difference quotients: the same
 * solution (within the tolerance), counters reported. */
START_TEST(jacobian_dq) {
  bw_particles *pp;
  double m, s, x0[50], xa[50], xd[50];
  ck_assert_int_eq(bw_particles_preset("quartic", 50, &pp, &m, &s), BW_OK);
  ck_assert_int_eq(bw_particles_quantiles(50, m, s, x0), BW_OK);
  for (int k = 0; k < 2; k++) {
    bw_particles_flow *pa, *pd;
    const bw_flow_kind kind = k ? BW_FLOW_JKO : BW_FLOW_PLAIN;
    ck_assert_int_eq(bw_particles_flow_create(pp, kind, 1e-4, NULL, &pa), BW_OK);
    ck_assert_int_eq(bw_particles_flow_create(pp, kind, 1e-4, NULL, &pd), BW_OK);
    ck_assert_int_eq(bw_particles_flow_set_jacobian(pd, BW_PJAC_DQ), BW_OK);
    const double T = 0.5;
    ck_assert_int_eq(bw_particles_flow_solve(pa, x0, 1, &T, xa), BW_OK);
    ck_assert_int_eq(bw_particles_flow_solve(pd, x0, 1, &T, xd), BW_OK);
    double w;
    ck_assert_int_eq(bw_particles_w2(50, xa, xd, &w), BW_OK);
    ck_assert(w <= 1e-10);
    bw_jkoflow_stats sa, sd;
    bw_particles_flow_stats(pa, &sa), bw_particles_flow_stats(pd, &sd);
    printf("jacobian_dq %s N = 50 to T = 0.5: analytic %ld steps %ld rhs %ld jac; DQ %ld steps %ld rhs %ld jac\n",
           k ? "jkoflow" : "wgf", sa.steps, sa.rhs_evals, sa.jac_evals, sd.steps, sd.rhs_evals, sd.jac_evals);
    ck_assert(sa.jac_evals > 0 && sd.jac_evals > 0 && sd.rhs_evals > sa.rhs_evals);
    bw_particles_flow_free(pa), bw_particles_flow_free(pd);
  }
  bw_particles_free(pp);
}
END_TEST

/* ---- the system ---- */

START_TEST(system_table) {
  bw_particles *pp;
  double m, s, x0[20];
  ck_assert_int_eq(bw_particles_preset("doublewell", 0, &pp, &m, &s), BW_OK);
  ck_assert_int_eq(bw_particles_quantiles(20, m, s, x0), BW_OK);
  bw_system *sys;
  ck_assert_int_eq(bw_system_particles_create(pp, x0, &sys), BW_OK);
  const double *xs;
  const bw_particles *q = bw_system_particles(sys, &xs);
  ck_assert_ptr_nonnull(q);
  ck_assert_int_eq(bw_particles_n(q), 20);
  for (int i = 0; i < 20; i++) ck_assert(xs[i] == x0[i]);
  ck_assert_ptr_null(bw_system_gaussian(sys, NULL));
  ck_assert_int_eq(bw_system_nfields(sys), 5);
  const char *names[5] = {"mean", "variance", "J", "Jeta", "slope_sq"};
  char buf[32];
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(bw_system_field_name(sys, i, buf, sizeof buf), BW_OK);
    ck_assert_str_eq(buf, names[i]);
  }
  bw_traj *tr;
  /* (JKO-Flow of order 2 of particles: tests/test_modflow2_particles.c) */
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_JKOFLOW2, 0.01, NULL, 0, &tr), BW_OK);
  bw_traj_free(tr);
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_JKO, 1.5, NULL, 0, &tr), BW_ERR_ETA_TOO_LARGE); /* min V'' = -1 */
  /* fields */
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_FORWARD, 1e-3, NULL, 0, &tr), BW_OK);
  double v[5], J, sl;
  ck_assert_int_eq(bw_traj_fields(tr, 0.01, v), BW_OK);
  ck_assert_int_eq(bw_particles_energy(pp, x0, &J), BW_OK);
  ck_assert_int_eq(bw_particles_slope_sq(pp, x0, &sl), BW_OK);
  double mm, vv;
  ck_assert_int_eq(bw_particles_moments(20, x0, &mm, &vv), BW_OK);
  ck_assert(v[0] == mm && v[1] == vv);
  ck_assert(v[2] == J && v[4] == sl && v[3] == J - 0.0025 * sl);
  ck_assert_str_eq(bw_traj_solver(tr, NULL), "");
  /* forward Euler beyond its stability: the order is lost, a numerical failure */
  bw_traj *tf;
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_FORWARD, 0.05, NULL, 0, &tf), BW_OK);
  ck_assert_int_eq(bw_traj_advance(tf, 0.5), BW_ERR_NOT_ORDERED);
  double ft;
  ck_assert_int_eq(bw_traj_failure(tf, &ft, NULL), BW_ERR_NOT_ORDERED);
  ck_assert(ft > 0 && ft <= 0.5);
  ck_assert_int_eq(bw_particles_check(pp, bw_traj_positions(tf, NULL)), BW_OK);
  /* distance */
  bw_traj *tw;
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_WGF, 0, NULL, 1.0, &tw), BW_OK);
  ck_assert_int_eq(bw_traj_advance(tw, 0.01), BW_OK);
  ck_assert_int_eq(bw_traj_advance(tr, 0.01), BW_OK);
  double w, w2;
  ck_assert_int_eq(bw_traj_distance(tr, tw, &w), BW_OK);
  ck_assert_int_eq(bw_particles_w2(20, bw_traj_positions(tr, NULL), bw_traj_positions(tw, NULL), &w2), BW_OK);
  ck_assert(w == w2 && w > 0);
  bw_jkoflow_stats st;
  ck_assert_str_eq(bw_traj_solver(tw, &st), "bdf-band");
  ck_assert(st.steps > 0);
  /* JKO-Flow ill-posed from the start: a failure with the time 0 and eta lambda_max */
  bw_traj *tj;
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_JKOFLOW, 4e-3, NULL, 0, &tj), BW_OK);
  ck_assert_int_eq(bw_traj_advance(tj, 4e-3), BW_ERR_ILL_POSED);
  double fv;
  ck_assert_int_eq(bw_traj_failure(tj, &ft, &fv), BW_ERR_ILL_POSED);
  ck_assert(ft == 0 && fv > 2);
  double mode[20];
  ck_assert_int_eq(bw_traj_failure_vector(tj, mode), BW_OK);
  bw_traj_free(tj), bw_traj_free(tw), bw_traj_free(tf), bw_traj_free(tr);
  bw_system_free(sys);
  bw_particles_free(pp);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("particles_flows");
  TCase *tc = tcase_create("particles");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, lmax_laguerre);
  tcase_add_test(tc, gaussian_mean);
  tcase_add_test(tc, gaussian_convergence);
  tcase_add_test(tc, quartic_order_table);
  tcase_add_test(tc, illposed_time);
  tcase_add_test(tc, beyond_doubles);
  tcase_add_test(tc, jacobians);
  tcase_add_test(tc, jacobian_dq);
  tcase_add_test(tc, system_table);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run(make_suite()); }
