/* The particle system on the quantile line (docs/math.md section 7, include/bwflow/particles.h):
 * the problem, quantiles (closed forms), presets, min V'' against a grid, the energy and its
 * derivatives against finite differences, lambda_min and lambda_max against Jacobi rotations,
 * and argument checks with outputs untouched on error. JKO steps: tests/test_particles_jko.c;
 * flows and the system: tests/test_particles_flows.c.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "test_particles.h"

#define EPS DBL_EPSILON

static double poly(const double *c, int deg, double x) {
  double s = c[deg];
  for (int k = deg - 1; k >= 0; k--) s = s * x + c[k];
  return s;
}

/* F(x) evaluated directly (long double). */
static long double F_direct(const double *c, int deg, double tau, int n, const double *x) {
  long double s = 0;
  for (int i = 0; i < n; i++) {
    long double v = c[deg];
    for (int k = deg - 1; k >= 0; k--) v = v * x[i] + c[k];
    s += v;
  }
  for (int i = 0; i < n - 1; i++) s -= tau * logl((long double)n * ((long double)x[i + 1] - x[i]));
  return s;
}

/* ---- the problem, quantiles, presets ---- */

START_TEST(quantiles) {
  /* N = 2: +-Phi^-1(1/4) = -+0.674489750196081743... */
  double x[2];
  ck_assert_int_eq(bw_particles_quantiles(2, 0.0, 1.0, x), BW_OK);
  ck_assert(fabs(x[0] + 0.6744897501960817) <= 2 * EPS && x[1] == -x[0]);
  /* Phi(z_i) = (i - 1/2)/N to rounding (Phi from erfc), exact symmetry, many N */
  const int ns[] = {3, 7, 20, 101, 1000, 100000};
  for (int k = 0; k < 6; k++) {
    const int n = ns[k];
    double *z = malloc(n * sizeof(double));
    ck_assert_int_eq(bw_particles_quantiles(n, 0.0, 1.0, z), BW_OK);
    for (int i = 0; i < n; i++) {
      ck_assert(z[i] == -z[n - 1 - i]);
      if (2 * i + 1 > n) continue;
      const double p = (i + 0.5) / n, zi = z[i];
      const double phi = 0.5 * erfc(-zi / sqrt(2.0));
      /* |dPhi| = phi(z) |dz|: a few ulps of z */
      const double dens = exp(-0.5 * zi * zi) / 2.5066282746310002;
      ck_assert_msg(fabs(phi - p) <= 8 * EPS * (p + dens * fabs(zi)), "n %d i %d: Phi %.17g p %.17g", n, i, phi, p);
    }
    free(z);
  }
  /* mean and std */
  double y[5], z[5];
  ck_assert_int_eq(bw_particles_quantiles(5, 0.0, 1.0, z), BW_OK);
  ck_assert_int_eq(bw_particles_quantiles(5, 1.0, 0.5, y), BW_OK);
  for (int i = 0; i < 5; i++) ck_assert(fabs(y[i] - (1.0 + 0.5 * z[i])) <= 2 * EPS);
}
END_TEST

START_TEST(presets) {
  const char *names[3] = {"quartic", "doublewell", "gauss1d"};
  const double want[3][5] = {{0, 0, 0, 0, 0.25}, {0, 0, -0.5, 0, 0.25}, {0, 0, 0.5, 0, 0}};
  for (int k = 0; k < 3; k++) {
    bw_particles *pp;
    double m = 0, s = 0;
    ck_assert_int_eq(bw_particles_preset(names[k], 0, &pp, &m, &s), BW_OK);
    ck_assert_int_eq(bw_particles_n(pp), 20);
    ck_assert(m == 1.0 && s == 0.5 && bw_particles_tau(pp) == 1.0);
    const int deg = bw_particles_degree(pp);
    ck_assert_int_eq(deg, k == 2 ? 2 : 4);
    for (int j = 0; j <= deg; j++) ck_assert(bw_particles_coef(pp)[j] == want[k][j]);
    bw_particles_free(pp);
  }
  bw_particles *pp;
  ck_assert_int_eq(bw_particles_preset("quartic", 640, &pp, NULL, NULL), BW_OK);
  ck_assert_int_eq(bw_particles_n(pp), 640);
  ck_assert(bw_particles_vpp_min(pp) == 0.0);
  bw_particles_free(pp);
  ck_assert_int_eq(bw_particles_preset("doublewell", 0, &pp, NULL, NULL), BW_OK);
  ck_assert(fabs(bw_particles_vpp_min(pp) + 1.0) <= 1e-14); /* 3x^2 - 1 */
  bw_particles_free(pp);
}
END_TEST

/* min V'' against a dense grid refined by golden-section search (independent of the
 * companion-matrix route), K = 2..12. */
START_TEST(vpp_min) {
  tu_rng r;
  tu_seed(&r, 5);
  for (int trial = 0; trial < 60; trial++) {
    const int deg = 2 + 2 * (trial % 6);
    double c[13], c2[13];
    tp_rand_poly(&r, deg, c);
    for (int k = 0; k <= deg - 2; k++) c2[k] = (k + 2) * (k + 1) * c[k + 2];
    bw_particles *pp = tp_make(4, deg, c, 1.0);
    const double got = bw_particles_vpp_min(pp);
    /* grid over the Cauchy bound of V''''s roots, then golden sections around the best */
    double R = 1;
    for (int k = 0; k < deg - 2; k++) R = fmax(R, 1 + fabs(c2[k] / c2[deg - 2]));
    double best = INFINITY, xb = 0;
    const int M = 200000;
    for (int i = 0; i <= M; i++) {
      const double x = -R + 2 * R * i / M, v = poly(c2, deg - 2, x);
      if (v < best) best = v, xb = x;
    }
    double a = xb - 2 * R / M, b = xb + 2 * R / M;
    for (int it = 0; it < 200; it++) {
      const double m1 = a + 0.381966 * (b - a), m2 = b - 0.381966 * (b - a);
      if (poly(c2, deg - 2, m1) < poly(c2, deg - 2, m2)) b = m2;
      else a = m1;
    }
    best = fmin(best, poly(c2, deg - 2, 0.5 * (a + b)));
    double scale = 0;
    for (int k = 0; k <= deg - 2; k++) scale += fabs(c2[k]) * pow(fmax(1, fabs(xb)), k);
    /* a lower bound, tight to rounding */
    ck_assert_msg(got <= best + 1e-13 * scale && got >= best - 1e-9 * scale,
                  "deg %d: vpp_min %.17g grid %.17g", deg, got, best);
    bw_particles_free(pp);
  }
}
END_TEST

/* ---- energy and derivatives ---- */

START_TEST(derivatives) {
  tu_rng r;
  tu_seed(&r, 7);
  for (int trial = 0; trial < 40; trial++) {
    const int n = 2 + trial % 9, deg = 2 + 2 * (trial % 4);
    double c[9], x[10], g[10], d[10], e[10], tau = 0.2 + tu_uniform(&r);
    tp_rand_poly(&r, deg, c);
    tp_rand_positions(&r, n, -1 + tu_uniform(&r), 0.05, 0.6, x);
    bw_particles *pp = tp_make(n, deg, c, tau);
    double J;
    ck_assert_int_eq(bw_particles_energy(pp, x, &J), BW_OK);
    const long double Fd = F_direct(c, deg, tau, n, x);
    ck_assert(fabsl(J * n - Fd) <= 1e-13 * (1 + fabsl(Fd)));
    ck_assert_int_eq(bw_particles_gradient(pp, x, g), BW_OK);
    ck_assert_int_eq(bw_particles_hessian(pp, x, d, e), BW_OK);
    /* central differences (long double F): O(h^2) truncation */
    for (int i = 0; i < n; i++) {
      const double h = 1e-5;
      double xp[10], xm[10];
      memcpy(xp, x, sizeof x), memcpy(xm, x, sizeof x);
      xp[i] += h, xm[i] -= h;
      const double fd = (double)((F_direct(c, deg, tau, n, xp) - F_direct(c, deg, tau, n, xm)) / (2 * h));
      ck_assert_msg(fabs(fd - g[i]) <= 1e-6 * (1 + fabs(g[i])), "grad %d: %g vs %g", i, g[i], fd);
      double gp[10], gm[10];
      ck_assert_int_eq(bw_particles_gradient(pp, xp, gp), BW_OK);
      ck_assert_int_eq(bw_particles_gradient(pp, xm, gm), BW_OK);
      for (int j = 0; j < n; j++) {
        const double hij = j == i ? d[i] : j == i + 1 ? e[i] : j == i - 1 ? e[j] : 0.0;
        const double fdh = (gp[j] - gm[j]) / (2 * h);
        ck_assert_msg(fabs(fdh - hij) <= 1e-5 * (1 + fabs(d[i]) + fabs(d[j])), "H %d %d: %g vs %g", j, i, hij, fdh);
      }
    }
    /* slope, modified energy, moments */
    double s, Je, m, v;
    ck_assert_int_eq(bw_particles_slope_sq(pp, x, &s), BW_OK);
    double gg = 0;
    for (int i = 0; i < n; i++) gg += g[i] * g[i];
    ck_assert(fabs(s - gg / n) <= 1e-14 * s);
    ck_assert_int_eq(bw_particles_modified_energy(pp, x, 0.01, &Je), BW_OK);
    ck_assert(fabs(Je - (J - 0.0025 * s)) <= 1e-14 * (fabs(J) + s));
    ck_assert_int_eq(bw_particles_moments(n, x, &m, &v), BW_OK);
    double sm = 0, sv = 0;
    for (int i = 0; i < n; i++) sm += x[i];
    sm /= n;
    for (int i = 0; i < n; i++) sv += (x[i] - sm) * (x[i] - sm);
    ck_assert(fabs(m - sm) <= 1e-15 * (1 + fabs(sm)) && fabs(v - sv / n) <= 1e-14 * v);
    bw_particles_free(pp);
  }
}
END_TEST

/* lambda_min, lambda_max (dstebz) against all eigenvalues by cyclic Jacobi rotations of the
 * dense matrix (an independent algorithm). */
START_TEST(extremes) {
  tu_rng r;
  tu_seed(&r, 9);
  bw_particles_ws *ws = bw_particles_ws_alloc(64);
  for (int trial = 0; trial < 30; trial++) {
    const int n = 2 + trial * 2;
    double c[5] = {0, 0, 0.5, 0, 0.1}, x[64], d[64], e[64], lmin, lmax;
    tp_rand_positions(&r, n, -1, 0.01, 1.0, x);
    bw_particles *pp = tp_make(n, 4, c, 0.3 + tu_uniform(&r));
    ck_assert_int_eq(bw_particles_hessian_extremes(pp, ws, x, &lmin, &lmax), BW_OK);
    ck_assert_int_eq(bw_particles_hessian(pp, x, d, e), BW_OK);
    double *A = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n; i++) {
      A[i + i * n] = d[i];
      if (i < n - 1) A[i + (i + 1) * n] = A[i + 1 + i * n] = e[i];
    }
    for (int sweep = 0; sweep < 60; sweep++) {
      double off = 0;
      for (int p = 0; p < n; p++)
        for (int q = p + 1; q < n; q++) off += A[p + q * n] * A[p + q * n];
      if (off < 1e-40) break;
      for (int p = 0; p < n; p++)
        for (int q = p + 1; q < n; q++) {
          const double apq = A[p + q * n];
          if (fabs(apq) < 1e-300) continue;
          const double th = 0.5 * (A[q + q * n] - A[p + p * n]) / apq;
          const double t = (th >= 0 ? 1 : -1) / (fabs(th) + sqrt(th * th + 1));
          const double cs = 1 / sqrt(t * t + 1), sn = t * cs;
          for (int k = 0; k < n; k++) {
            const double akp = A[k + p * n], akq = A[k + q * n];
            A[k + p * n] = cs * akp - sn * akq, A[k + q * n] = sn * akp + cs * akq;
          }
          for (int k = 0; k < n; k++) {
            const double apk = A[p + k * n], aqk = A[q + k * n];
            A[p + k * n] = cs * apk - sn * aqk, A[q + k * n] = sn * apk + cs * aqk;
          }
        }
    }
    double jmin = INFINITY, jmax = -INFINITY, nrm = 0;
    for (int i = 0; i < n; i++) jmin = fmin(jmin, A[i + i * n]), jmax = fmax(jmax, A[i + i * n]);
    nrm = fmax(fabs(jmin), fabs(jmax));
    ck_assert_msg(fabs(lmax - jmax) <= 1e-12 * nrm && fabs(lmin - jmin) <= 1e-12 * nrm,
                  "n %d: dstebz [%g, %g] jacobi [%g, %g]", n, lmin, lmax, jmin, jmax);
    free(A);
    bw_particles_free(pp);
  }
  bw_particles_ws_free(ws);
}
END_TEST

/* ---- arguments: specific statuses, outputs untouched (sentinel), inputs unmodified ---- */

/* outputs o, o2 in the test's sentinel-filled arena ar (tests/testutil.h) */
#define EXPECT(want, call) TU_EXPECT(&ar, want, "particles", call)


START_TEST(args) {
  tu_arena ar;
  tu_arena_init(&ar);
  double *o = tu_arena_take(&ar, 4096 * sizeof(double)), *o2 = tu_arena_take(&ar, 4096 * sizeof(double));
  const double c4[5] = {0, 0, 0, 0, 0.25};
  bw_particles *pp = (bw_particles *)(uintptr_t)0x77;
  /* create */
  ck_assert_int_eq(bw_particles_create(20, 4, NULL, 1.0, &pp), BW_ERR_NULL);
  ck_assert_int_eq(bw_particles_create(20, 4, c4, 1.0, NULL), BW_ERR_NULL);
  ck_assert_int_eq(bw_particles_create(1, 4, c4, 1.0, &pp), BW_ERR_DIM);
  ck_assert_int_eq(bw_particles_create(-3, 4, c4, 1.0, &pp), BW_ERR_DIM);
  ck_assert_int_eq(bw_particles_create(BW_PARTICLES_MAX_N + 1, 4, c4, 1.0, &pp), BW_ERR_DIM);
  ck_assert_int_eq(bw_particles_create(20, 3, c4, 1.0, &pp), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_particles_create(20, 0, c4, 1.0, &pp), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_particles_create(20, BW_PARTICLES_MAX_DEGREE + 2, c4, 1.0, &pp), BW_ERR_BAD_ARG);
  const double neg[5] = {0, 0, 0, 0, -0.25}, zero[5] = {0, 0, 1, 0, 0}, nan5[5] = {0, NAN, 0, 0, 1};
  ck_assert_int_eq(bw_particles_create(20, 4, neg, 1.0, &pp), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_particles_create(20, 4, zero, 1.0, &pp), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_particles_create(20, 4, nan5, 1.0, &pp), BW_ERR_NONFINITE);
  const double taus[5] = {0.0, -1.0, NAN, INFINITY, -0.0};
  for (int k = 0; k < 5; k++) ck_assert_int_eq(bw_particles_create(20, 4, c4, taus[k], &pp), BW_ERR_BAD_TAU);
  const double huge[5] = {0, 0, 0, 0, 1e308};
  ck_assert_int_eq(bw_particles_create(20, 4, huge, 1.0, &pp), BW_ERR_OVERFLOW);
  ck_assert(pp == (bw_particles *)(uintptr_t)0x77);
  ck_assert_int_eq(bw_particles_preset("nope", 0, &pp, NULL, NULL), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_particles_preset(NULL, 0, &pp, NULL, NULL), BW_ERR_NULL);
  ck_assert_int_eq(bw_particles_preset("quartic", 1, &pp, NULL, NULL), BW_ERR_DIM);
  ck_assert_int_eq(bw_particles_preset("quartic", -1, &pp, NULL, NULL), BW_ERR_DIM);
  ck_assert(pp == (bw_particles *)(uintptr_t)0x77);
  ck_assert_int_eq(bw_particles_n(NULL), 0);
  ck_assert_int_eq(bw_particles_degree(NULL), 0);
  ck_assert_ptr_null(bw_particles_coef(NULL));
  ck_assert(isnan(bw_particles_tau(NULL)) && isnan(bw_particles_vpp_min(NULL)));
  bw_particles_free(NULL);
  ck_assert_int_eq(bw_particles_create(4, 4, c4, 1.0, &pp), BW_OK);

  /* configurations: good, not finite, not ordered (equal, decreasing), -0/+0 */
  const double good[4] = {-1, 0, 0.5, 2}, bad_nan[4] = {-1, NAN, 0.5, 2}, bad_inf[4] = {-INFINITY, 0, 0.5, 2},
               bad_eq[4] = {-1, 0.5, 0.5, 2}, bad_dec[4] = {-1, 0, -0.5, 2}, bad_zero[4] = {-1, -0.0, 0.0, 2};
  const double *bads[5] = {bad_nan, bad_inf, bad_eq, bad_dec, bad_zero};
  const bw_status bst[5] = {BW_ERR_NONFINITE, BW_ERR_NONFINITE, BW_ERR_NOT_ORDERED, BW_ERR_NOT_ORDERED, BW_ERR_NOT_ORDERED};
  for (int k = 0; k < 5; k++) {
    EXPECT(bst[k], bw_particles_check(pp, bads[k]));
    EXPECT(bst[k], bw_particles_energy(pp, bads[k], o));
    EXPECT(bst[k], bw_particles_gradient(pp, bads[k], o));
    EXPECT(bst[k], bw_particles_hessian(pp, bads[k], o, o2));
    EXPECT(bst[k], bw_particles_slope_sq(pp, bads[k], o));
    EXPECT(bst[k], bw_particles_modified_energy(pp, bads[k], 0.1, o));
    EXPECT(bst[k], bw_particles_hessian_extremes(pp, NULL, bads[k], o, o2));
    EXPECT(bst[k], bw_particles_density(4, bads[k], o));
    EXPECT(bst[k], bw_particles_forward_step(pp, 0.1, NULL, bads[k], o));
  }
  EXPECT(BW_ERR_NULL, bw_particles_check(NULL, good));
  EXPECT(BW_ERR_NULL, bw_particles_check(pp, NULL));
  EXPECT(BW_ERR_NULL, bw_particles_energy(pp, good, NULL));
  EXPECT(BW_ERR_NULL, bw_particles_energy(NULL, good, o));
  EXPECT(BW_ERR_NULL, bw_particles_gradient(pp, good, NULL));
  EXPECT(BW_ERR_NULL, bw_particles_hessian(pp, good, o, NULL));
  EXPECT(BW_ERR_NULL, bw_particles_hessian(pp, good, NULL, o));
  EXPECT(BW_ERR_NULL, bw_particles_slope_sq(pp, NULL, o));
  EXPECT(BW_ERR_NULL, bw_particles_modified_energy(pp, good, 0.1, NULL));
  EXPECT(BW_ERR_BAD_ETA, bw_particles_modified_energy(pp, good, NAN, o));
  EXPECT(BW_ERR_BAD_ETA, bw_particles_modified_energy(pp, good, INFINITY, o));
  EXPECT(BW_ERR_NULL, bw_particles_hessian_extremes(NULL, NULL, good, o, o2));
  /* overflow: positions so close that 1/D^2 overflows the Hessian */
  const double close[4] = {0, 1e-170, 2e-170, 1};
  EXPECT(BW_ERR_OVERFLOW, bw_particles_hessian(pp, close, o, o2));
  const double far[4] = {-1e200, 0, 1, 1e200};
  EXPECT(BW_ERR_OVERFLOW, bw_particles_energy(pp, far, o));
  EXPECT(BW_ERR_OVERFLOW, bw_particles_gradient(pp, far, o));
  /* workspace */
  bw_particles_ws *ws2 = bw_particles_ws_alloc(2);
  ck_assert_ptr_null(bw_particles_ws_alloc(1));
  ck_assert_ptr_null(bw_particles_ws_alloc(BW_PARTICLES_MAX_N + 1));
  ck_assert_int_eq(bw_particles_ws_size(ws2), 2);
  ck_assert_int_eq(bw_particles_ws_size(NULL), 0);
  EXPECT(BW_ERR_DIM_MISMATCH, bw_particles_hessian_extremes(pp, ws2, good, o, o2));
  EXPECT(BW_ERR_DIM_MISMATCH, bw_particles_forward_step(pp, 0.1, ws2, good, o));
  /* quantiles, moments, w2, density */
  EXPECT(BW_ERR_NULL, bw_particles_quantiles(4, 0, 1, NULL));
  EXPECT(BW_ERR_DIM, bw_particles_quantiles(1, 0, 1, o));
  EXPECT(BW_ERR_NONFINITE, bw_particles_quantiles(4, NAN, 1, o));
  EXPECT(BW_ERR_BAD_ARG, bw_particles_quantiles(4, 0, 0, o));
  EXPECT(BW_ERR_BAD_ARG, bw_particles_quantiles(4, 0, -1, o));
  EXPECT(BW_ERR_BAD_ARG, bw_particles_quantiles(4, 0, INFINITY, o));
  EXPECT(BW_ERR_NOT_ORDERED, bw_particles_quantiles(4, 1e10, 1e-10, o));
  EXPECT(BW_ERR_OVERFLOW, bw_particles_quantiles(100, 0, 1e308, o));
  EXPECT(BW_ERR_NULL, bw_particles_moments(4, NULL, o, o2));
  EXPECT(BW_ERR_DIM, bw_particles_moments(0, good, o, o2));
  EXPECT(BW_ERR_NONFINITE, bw_particles_moments(4, bad_nan, o, o2));
  EXPECT(BW_ERR_OVERFLOW, bw_particles_moments(4, far, o, o2));
  EXPECT(BW_ERR_NULL, bw_particles_w2(4, good, NULL, o));
  EXPECT(BW_ERR_DIM, bw_particles_w2(0, good, good, o));
  EXPECT(BW_ERR_NONFINITE, bw_particles_w2(4, good, bad_inf, o));
  EXPECT(BW_OK, bw_particles_w2(4, far, good, o));
  ck_assert(fabs(o[0] - 1e200 / sqrt(2.0)) < 1e186);
  EXPECT(BW_ERR_DIM, bw_particles_density(1, good, o));
  EXPECT(BW_ERR_OVERFLOW, bw_particles_density(4, (const double[]){0, 1e-320, 1, 2}, o));
  /* JKO plans and steps */
  bw_particles_jko_plan *plan = (bw_particles_jko_plan *)(uintptr_t)0x55;
  const double etas[5] = {0.0, -1.0, NAN, INFINITY, -INFINITY};
  for (int k = 0; k < 5; k++) ck_assert_int_eq(bw_particles_jko_plan_create(pp, etas[k], &plan), BW_ERR_BAD_ETA);
  ck_assert_int_eq(bw_particles_jko_plan_create(NULL, 0.1, &plan), BW_ERR_NULL);
  ck_assert_int_eq(bw_particles_jko_plan_create(pp, 0.1, NULL), BW_ERR_NULL);
  bw_particles *dw;
  ck_assert_int_eq(bw_particles_preset("doublewell", 4, &dw, NULL, NULL), BW_OK);
  ck_assert_int_eq(bw_particles_jko_plan_create(dw, 1.0, &plan), BW_ERR_ETA_TOO_LARGE);
  ck_assert_int_eq(bw_particles_jko_plan_create(dw, 1e300, &plan), BW_ERR_ETA_TOO_LARGE);
  ck_assert(plan == (bw_particles_jko_plan *)(uintptr_t)0x55);
  ck_assert_int_eq(bw_particles_jko_plan_create(dw, 0.99, &plan), BW_OK);
  bw_particles_jko_plan_free(plan);
  bw_particles_jko_plan_free(NULL);
  ck_assert(isnan(bw_particles_jko_plan_eta(NULL)));
  ck_assert_int_eq(bw_particles_jko_plan_create(pp, 0.1, &plan), BW_OK);
  for (int k = 0; k < 5; k++) {
    EXPECT(bst[k], bw_particles_jko_step(plan, NULL, bads[k], NULL, o, (int *)o2));
    /* a bad guess is replaced by x, not an error */
    EXPECT(BW_OK, bw_particles_jko_step(plan, NULL, good, bads[k], o, NULL));
  }
  EXPECT(BW_ERR_NULL, bw_particles_jko_step(NULL, NULL, good, NULL, o, NULL));
  EXPECT(BW_ERR_NULL, bw_particles_jko_step(plan, NULL, NULL, NULL, o, NULL));
  EXPECT(BW_ERR_NULL, bw_particles_jko_step(plan, NULL, good, NULL, NULL, NULL));
  EXPECT(BW_ERR_DIM_MISMATCH, bw_particles_jko_step(plan, ws2, good, NULL, o, (int *)o2));
  bw_particles_jko_plan_free(plan);
  for (int k = 0; k < 5; k++) EXPECT(BW_ERR_BAD_ETA, bw_particles_forward_step(pp, etas[k], NULL, good, o));
  EXPECT(BW_ERR_NOT_ORDERED, bw_particles_forward_step(pp, 10.0, NULL, good, o));
  EXPECT(BW_ERR_NULL, bw_particles_forward_step(pp, 0.1, NULL, good, NULL));
  /* flows */
  bw_particles_flow *pf = (bw_particles_flow *)(uintptr_t)0x33;
  bw_jkoflow_opts op;
  bw_jkoflow_opts_default(&op);
  ck_assert_int_eq(bw_particles_flow_create(NULL, BW_FLOW_JKO, 0.1, NULL, &pf), BW_ERR_NULL);
  ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO, 0.1, NULL, NULL), BW_ERR_NULL);
  ck_assert_int_eq(bw_particles_flow_create(pp, (bw_flow_kind)7, 0.1, NULL, &pf), BW_ERR_BAD_ARG);
  for (int k = 0; k < 5; k++) ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO, etas[k], NULL, &pf), BW_ERR_BAD_ETA);
  ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_PLAIN, -1, NULL, &pf), BW_ERR_BAD_ETA);
  bw_jkoflow_opts ob = op;
  ob.linsol = BW_LINSOL_DENSE;
  ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO, 0.1, &ob, &pf), BW_ERR_BAD_ARG);
  ob = op, ob.method = BW_METHOD_ADAMS;
  ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO, 0.1, &ob, &pf), BW_ERR_BAD_ARG);
  ob = op, ob.rtol = 0;
  ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO, 0.1, &ob, &pf), BW_ERR_BAD_ARG);
  ob = op, ob.atol = NAN;
  ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO, 0.1, &ob, &pf), BW_ERR_BAD_ARG);
  ob = op, ob.max_steps = 0;
  ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO, 0.1, &ob, &pf), BW_ERR_BAD_ARG);
  ck_assert(pf == (bw_particles_flow *)(uintptr_t)0x33);
  ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO, 1e-3, &op, &pf), BW_OK);
  ck_assert_int_eq(bw_particles_flow_set_jacobian(pf, (bw_particles_jac)9), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_particles_flow_set_jacobian(NULL, BW_PJAC_DQ), BW_ERR_NULL);
  EXPECT(BW_ERR_BAD_ARG, bw_particles_flow_advance(pf, 0.1, o)); /* not started */
  EXPECT(BW_ERR_BAD_ARG, bw_particles_flow_failure_mode(pf, o, o2));
  for (int k = 0; k < 5; k++) ck_assert_int_eq(bw_particles_flow_start(pf, bads[k], 0), bst[k]);
  ck_assert_int_eq(bw_particles_flow_start(pf, good, -1), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_particles_flow_start(pf, good, NAN), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_particles_flow_start(pf, good, 1.0), BW_OK);
  EXPECT(BW_ERR_BAD_ARG, bw_particles_flow_advance(pf, 2.0, o)); /* past t_stop */
  EXPECT(BW_ERR_BAD_ARG, bw_particles_flow_advance(pf, NAN, o));
  EXPECT(BW_ERR_NULL, bw_particles_flow_advance(pf, 0.5, NULL));
  EXPECT(BW_OK, bw_particles_flow_advance(pf, 0.5, o));
  EXPECT(BW_ERR_BAD_ARG, bw_particles_flow_advance(pf, 0.25, o)); /* backwards */
  double t, v = 7;
  ck_assert_int_eq(bw_particles_flow_failure(pf, &t, &v), BW_OK);
  ck_assert(v == 7);
  const double times[3] = {0.1, 0.05, 0.2};
  EXPECT(BW_ERR_BAD_ARG, bw_particles_flow_solve(pf, good, 3, times, o));
  EXPECT(BW_ERR_BAD_ARG, bw_particles_flow_solve(pf, good, 0, times, o));
  EXPECT(BW_ERR_NOT_ORDERED, bw_particles_flow_solve(pf, bad_eq, 1, times, o));
  EXPECT(BW_ERR_NULL, bw_particles_flow_rhs(pf, good, NULL));
  EXPECT(BW_ERR_NOT_ORDERED, bw_particles_flow_rhs(pf, bad_dec, o));
  EXPECT(BW_ERR_DIM, bw_particles_flow_jacobian(pf, good, o, 3));
  EXPECT(BW_ERR_NONFINITE, bw_particles_flow_jacobian(pf, bad_nan, o, 4));
  ck_assert_str_eq(bw_particles_flow_cvode_message(NULL), "");
  bw_jkoflow_stats sts;
  bw_particles_flow_stats(NULL, &sts);
  ck_assert(sts.steps == 0);
  bw_particles_flow_free(pf);
  bw_particles_flow_free(NULL);
  /* systems */
  bw_system *sys = (bw_system *)(uintptr_t)0x11;
  ck_assert_int_eq(bw_system_particles_create(NULL, good, &sys), BW_ERR_NULL);
  ck_assert_int_eq(bw_system_particles_create(pp, NULL, &sys), BW_ERR_NULL);
  ck_assert_int_eq(bw_system_particles_create(pp, bad_eq, &sys), BW_ERR_NOT_ORDERED);
  ck_assert(sys == (bw_system *)(uintptr_t)0x11);
  ck_assert_ptr_null(bw_system_particles(NULL, NULL));
  bw_particles_ws_free(ws2);
  bw_particles_free(dw);
  bw_particles_free(pp);
  tu_arena_free(&ar);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("particles");
  TCase *tc = tcase_create("particles");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, quantiles);
  tcase_add_test(tc, presets);
  tcase_add_test(tc, vpp_min);
  tcase_add_test(tc, derivatives);
  tcase_add_test(tc, extremes);
  tcase_add_test(tc, args);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run(make_suite()); }
