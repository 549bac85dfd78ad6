/* JKO steps of the particle system (docs/math.md section 7): optimality to rounding, order
 * kept, warm and cold starts agreeing, large N, global minimality, energy dissipation (also
 * of the flows' modified energies), docs/math.md's quartic equilibrium.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_particles.h"

#define EPS DBL_EPSILON

/* ---- JKO steps ---- */

/* x_{k+1} - x_k + eta grad F(x_{k+1}) = 0 to rounding, the order kept, warm and cold starts
 * agreeing, on random potentials (also non-convex, eta up to 0.9 of the limit), N = 2..300,
 * eta from 1e-5 to 1e3. */
START_TEST(jko_optimality) {
  tu_rng r;
  tu_seed(&r, 17);
  bw_particles_ws *ws = bw_particles_ws_alloc(300);
  for (int trial = 0; trial < 120; trial++) {
    const int n = trial < 100 ? 2 + trial % 50 : 300, deg = 2 + 2 * (trial % 4);
    double c[9], tau = 0.1 + 2 * tu_uniform(&r);
    tp_rand_poly(&r, deg, c);
    bw_particles *pp = tp_make(n, deg, c, tau);
    const double mu = fmax(0.0, -bw_particles_vpp_min(pp));
    double eta = pow(10.0, -5 + 8 * tu_uniform(&r));
    if (mu > 0 && eta * mu >= 0.9) eta = 0.9 / mu;
    double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double)),
           *y2 = malloc(n * sizeof(double)), *g = malloc(n * sizeof(double)), *gs = malloc(n * sizeof(double));
    ck_assert_int_eq(bw_particles_quantiles(n, tu_normal(&r), 0.2 + tu_uniform(&r), x), BW_OK);
    bw_particles_jko_plan *plan;
    ck_assert_int_eq(bw_particles_jko_plan_create(pp, eta, &plan), BW_OK);
    ck_assert(bw_particles_jko_plan_eta(plan) == eta);
    int it = 0;
    bw_status st = bw_particles_jko_step(plan, ws, x, NULL, y, &it);
    ck_assert_msg(st == BW_OK, "trial %d n %d deg %d eta %g: %s", trial, n, deg, eta, bw_status_name(st));
    ck_assert(it >= 1 && it <= BW_PARTICLES_NEWTON_MAX);
    ck_assert_int_eq(bw_particles_check(pp, y), BW_OK);
    ck_assert_int_eq(bw_particles_gradient(pp, y, g), BW_OK);
    /* the residual against its rounding level s_i (the header's criterion) times the
     * conditioning of y -> r (|I + eta H| |dy|, dy ~ eps |y|) */
    double d[300], e[300];
    ck_assert_int_eq(bw_particles_hessian(pp, y, d, e), BW_OK);
    for (int i = 0; i < n; i++) {
      double vabs = 0; /* |V'|(|y_i|) */
      for (int k = deg; k >= 1; k--) vabs = vabs * fabs(y[i]) + k * fabs(c[k]);
      const double li = i ? tau / (y[i] - y[i - 1]) : 0, ri = i < n - 1 ? tau / (y[i + 1] - y[i]) : 0;
      const double s = fabs(y[i]) + fabs(x[i]) + eta * (vabs + li + ri);
      const double cond = (1 + eta * fabs(d[i])) * fabs(y[i]) + eta * ((i ? fabs(e[i - 1] * y[i - 1]) : 0) + (i < n - 1 ? fabs(e[i] * y[i + 1]) : 0));
      const double res = y[i] - x[i] + eta * g[i];
      ck_assert_msg(fabs(res) <= 16 * (deg + 4) * EPS * (s + cond), "trial %d i %d: residual %g scale %g", trial, i, res, s + cond);
    }
    /* a warm start (here: a perturbed solution) gives the same step */
    for (int i = 0; i < n; i++) gs[i] = y[i] + 1e-3 * (y[n - 1] - y[0]) * (double)i / n;
    ck_assert_int_eq(bw_particles_jko_step(plan, ws, x, gs, y2, NULL), BW_OK);
    for (int i = 0; i < n; i++) gs[i] = y2[i] - y[i];
    ck_assert_msg(tu_vmaxabs(n, gs) <= 1e-12 * (1 + tu_vmaxabs(n, y)), "warm vs cold %g", tu_vmaxabs(n, gs));
    /* in place */
    memcpy(y2, x, n * sizeof(double));
    ck_assert_int_eq(bw_particles_jko_step(plan, NULL, y2, NULL, y2, NULL), BW_OK);
    for (int i = 0; i < n; i++) ck_assert(y2[i] == y[i]);
    bw_particles_jko_plan_free(plan);
    bw_particles_free(pp);
    free(x), free(y), free(y2), free(g), free(gs);
  }
  bw_particles_ws_free(ws);
}
END_TEST

/* Large N: the positions' rounding floor of the residual (~1e-8 at N = 10^5, eta = 1e-3,
 * eta lambda_max ~ 2.5e7) is far above eps |y|; warm-started steps converge (they
 * stagnated when the merit was the unweighted |r|^2) and stay optimal to that floor. */
START_TEST(jko_large_n) {
  const int n = 100000;
  bw_particles *pp;
  double m, s;
  ck_assert_int_eq(bw_particles_preset("quartic", n, &pp, &m, &s), BW_OK);
  double *x = malloc(n * sizeof(double)), *xp = malloc(n * sizeof(double)), *gs = malloc(n * sizeof(double)),
         *g = malloc(n * sizeof(double)), *d = malloc(n * sizeof(double)), *e = malloc(n * sizeof(double));
  ck_assert_int_eq(bw_particles_quantiles(n, m, s, x), BW_OK);
  memcpy(xp, x, n * sizeof(double));
  const double eta = 1e-3;
  bw_particles_jko_plan *plan;
  ck_assert_int_eq(bw_particles_jko_plan_create(pp, eta, &plan), BW_OK);
  bw_particles_ws *ws = bw_particles_ws_alloc(n);
  long its = 0;
  for (int k = 0; k < 20; k++) {
    for (int i = 0; i < n; i++) gs[i] = 2 * x[i] - xp[i];
    int it = 0;
    double *tmp = xp;
    xp = x, x = tmp;
    ck_assert_int_eq(bw_particles_jko_step(plan, ws, xp, k ? gs : NULL, x, &it), BW_OK);
    its += it;
  }
  ck_assert_int_eq(bw_particles_gradient(pp, x, g), BW_OK);
  ck_assert_int_eq(bw_particles_hessian(pp, x, d, e), BW_OK);
  for (int i = 0; i < n; i++) {
    const double li = i ? 1 / (x[i] - x[i - 1]) : 0, ri = i < n - 1 ? 1 / (x[i + 1] - x[i]) : 0;
    const double w = fabs(x[i]) + fabs(xp[i]) + eta * (fabs(x[i]) * fabs(x[i]) * fabs(x[i]) + li + ri) +
                     (1 + eta * fabs(d[i])) * fabs(x[i]) + eta * ((i ? fabs(e[i - 1] * x[i - 1]) : 0) + (i < n - 1 ? fabs(e[i] * x[i + 1]) : 0));
    ck_assert_msg(fabs(x[i] - xp[i] + eta * g[i]) <= 16 * 8 * EPS * w, "i %d: residual %g floor %g", i, x[i] - xp[i] + eta * g[i], w * EPS);
  }
  printf("jko_large_n: N = %d, eta lambda_max ~ 2.5e7: %.2f Newton iterations per step\n", n, its / 20.0);
  bw_particles_ws_free(ws);
  bw_particles_jko_plan_free(plan);
  free(x), free(xp), free(gs), free(g), free(d), free(e);
  bw_particles_free(pp);
}
END_TEST

/* The JKO step is the global minimiser: Phi(y) <= Phi(y + p) for random small and large
 * ordered perturbations p (Phi strictly convex on the ordered cone). */
START_TEST(jko_minimality) {
  tu_rng r;
  tu_seed(&r, 19);
  for (int trial = 0; trial < 30; trial++) {
    const int n = 3 + trial % 10;
    double c[5] = {0, tu_normal(&r), -0.5, 0, 0.25}, x[13], y[13], z[13];
    const double eta = 0.05 + 0.8 * tu_uniform(&r), tau = 0.5;
    bw_particles *pp = tp_make(n, 4, c, tau); /* min V'' = -1: eta < 1 */
    tp_rand_positions(&r, n, -1.5, 0.05, 0.5, x);
    bw_particles_jko_plan *plan;
    ck_assert_int_eq(bw_particles_jko_plan_create(pp, eta, &plan), BW_OK);
    ck_assert_int_eq(bw_particles_jko_step(plan, NULL, x, NULL, y, NULL), BW_OK);
    double Jy;
    ck_assert_int_eq(bw_particles_energy(pp, y, &Jy), BW_OK);
    double dy = 0;
    for (int i = 0; i < n; i++) dy += (y[i] - x[i]) * (y[i] - x[i]);
    const double phiy = Jy * n + dy / (2 * eta);
    for (int k = 0; k < 50; k++) {
      const double amp = k < 25 ? 1e-4 : 0.2;
      for (int i = 0; i < n; i++) z[i] = y[i] + amp * tu_normal(&r);
      if (bw_particles_check(pp, z)) continue;
      double Jz, dz = 0;
      ck_assert_int_eq(bw_particles_energy(pp, z, &Jz), BW_OK);
      for (int i = 0; i < n; i++) dz += (z[i] - x[i]) * (z[i] - x[i]);
      ck_assert(Jz * n + dz / (2 * eta) >= phiy - 1e-13 * fabs(phiy));
    }
    bw_particles_jko_plan_free(plan);
    bw_particles_free(pp);
  }
}
END_TEST

/* ---- docs/math.md section 7's quartic numbers ---- */

START_TEST(quartic_equilibrium) {
  const double want[4] = {0.67900, 0.67793, 0.67710, 0.67659};
  const double exact = 2 * tgamma(0.75) / tgamma(0.25); /* 0.675978... */
  double prev = INFINITY;
  for (int k = 0; k < 4; k++) {
    const int n = 20 << k;
    bw_particles *pp;
    ck_assert_int_eq(bw_particles_preset("quartic", n, &pp, NULL, NULL), BW_OK);
    double *x = malloc(n * sizeof(double)), *g = malloc(n * sizeof(double));
    ck_assert_int_eq(bw_particles_quantiles(n, 1.0, 0.5, x), BW_OK);
    tp_equilibrium(pp, x);
    double m, v;
    ck_assert_int_eq(bw_particles_moments(n, x, &m, &v), BW_OK);
    const double ex2 = v + m * m;
    ck_assert_msg(fabs(ex2 - want[k]) <= 5e-6, "N %d: E x^2 = %.6f, docs/math.md %.5f", n, ex2, want[k]);
    ck_assert(fabs(m) <= 1e-13);                  /* symmetric */
    ck_assert(ex2 - exact > 0 && ex2 - exact < prev); /* converging from above */
    prev = ex2 - exact;
    ck_assert_int_eq(bw_particles_gradient(pp, x, g), BW_OK); /* a fixed point */
    ck_assert(tu_vmaxabs(n, g) <= 1e-9 * n * n);
    free(x), free(g);
    bw_particles_free(pp);
  }
}
END_TEST

/* ---- dissipation ---- */

START_TEST(dissipation) {
  bw_particles *pp;
  double m, s, x[40], y[40], xp[40];
  ck_assert_int_eq(bw_particles_preset("doublewell", 40, &pp, &m, &s), BW_OK);
  ck_assert_int_eq(bw_particles_quantiles(40, m, s, x), BW_OK);
  /* JKO: J(x_{k+1}) + |x_{k+1} - x_k|^2/(2 eta N) <= J(x_k) */
  const double eta = 0.01;
  bw_particles_jko_plan *plan;
  ck_assert_int_eq(bw_particles_jko_plan_create(pp, eta, &plan), BW_OK);
  memcpy(xp, x, sizeof x);
  for (int k = 0; k < 200; k++) {
    double J0, J1, d = 0;
    ck_assert_int_eq(bw_particles_jko_step(plan, NULL, xp, NULL, y, NULL), BW_OK);
    ck_assert_int_eq(bw_particles_energy(pp, xp, &J0), BW_OK);
    ck_assert_int_eq(bw_particles_energy(pp, y, &J1), BW_OK);
    for (int i = 0; i < 40; i++) d += (y[i] - xp[i]) * (y[i] - xp[i]);
    ck_assert(J1 + d / (2 * eta * 40) <= J0 + 1e-14 * fabs(J0));
    memcpy(xp, y, sizeof y);
  }
  bw_particles_jko_plan_free(plan);
  /* WGF decreases J, JKO-Flow decreases J^eta, the forward modified flow J^-eta */
  const bw_flow_kind kinds[3] = {BW_FLOW_PLAIN, BW_FLOW_JKO, BW_FLOW_FORWARD};
  for (int k = 0; k < 3; k++) {
    bw_particles_flow *pf;
    const double e = kinds[k] == BW_FLOW_PLAIN ? 0 : kinds[k] == BW_FLOW_JKO ? 2e-4 : -2e-4;
    ck_assert_int_eq(bw_particles_flow_create(pp, kinds[k], fabs(e), NULL, &pf), BW_OK);
    ck_assert_int_eq(bw_particles_flow_start(pf, x, 2.0), BW_OK);
    double prev;
    ck_assert_int_eq(bw_particles_modified_energy(pp, x, e, &prev), BW_OK);
    for (int j = 1; j <= 100; j++) {
      double Je;
      ck_assert_int_eq(bw_particles_flow_advance(pf, 0.02 * j, y), BW_OK);
      ck_assert_int_eq(bw_particles_modified_energy(pp, y, e, &Je), BW_OK);
      ck_assert(Je <= prev + 1e-12 * fabs(prev));
      prev = Je;
    }
    bw_particles_flow_free(pf);
  }
  bw_particles_free(pp);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("particles_jko");
  TCase *tc = tcase_create("particles");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, jko_optimality);
  tcase_add_test(tc, jko_minimality);
  tcase_add_test(tc, jko_large_n);
  tcase_add_test(tc, quartic_equilibrium);
  tcase_add_test(tc, dissipation);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run(make_suite()); }
