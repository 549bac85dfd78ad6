/* The particle system on the quantile line (docs/math.md section 7, include/bwflow/particles.h):
 * closed forms (Gaussian quantiles, the Gaussian module's mean for a quadratic V, a
 * self-similar JKO-Flow whose ill-posedness time is known in closed form), docs/math.md's
 * measured numbers (quartic equilibrium, convergence to the Gaussian flow, the order table),
 * properties (JKO optimality to rounding, energy dissipation, order kept), derivatives and
 * Jacobians against finite differences, lambda_max against LAPACK, and argument checks with
 * outputs untouched on error.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define EPS DBL_EPSILON

/* ---- helpers ---- */

static bw_particles *make(int n, int deg, const double *c, double tau) {
  bw_particles *pp = NULL;
  ck_assert_int_eq(bw_particles_create(n, deg, c, tau, &pp), BW_OK);
  return pp;
}

/* A random confining polynomial of even degree deg: c_k ~ N(0, 1) for k < deg, c_deg in
 * [0.05, 0.5]. */
static void rand_poly(tu_rng *r, int deg, double *c) {
  for (int k = 0; k < deg; k++) c[k] = tu_normal(r);
  c[deg] = 0.05 + 0.45 * tu_uniform(r);
}

/* Random strictly increasing positions: cumulative gaps log-uniform in [gmin, gmax], shifted
 * to start at x0. */
static void rand_positions(tu_rng *r, int n, double x0, double gmin, double gmax, double *x) {
  x[0] = x0;
  for (int i = 1; i < n; i++) x[i] = x[i - 1] + gmin * pow(gmax / gmin, tu_uniform(r));
}

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

/* Equilibrium argmin F: JKO steps with a large eta until the positions stop moving. */
static void equilibrium(const bw_particles *pp, double *x) {
  const int n = bw_particles_n(pp);
  bw_particles_jko_plan *plan;
  ck_assert_int_eq(bw_particles_jko_plan_create(pp, 1e4, &plan), BW_OK);
  double *y = malloc(n * sizeof(double));
  for (int k = 0; k < 200; k++) {
    ck_assert_int_eq(bw_particles_jko_step(plan, NULL, x, NULL, y, NULL), BW_OK);
    double d = 0, s = 0;
    for (int i = 0; i < n; i++) d = fmax(d, fabs(y[i] - x[i])), s = fmax(s, fabs(x[i]));
    memcpy(x, y, n * sizeof(double));
    if (d <= 4 * EPS * s) break;
  }
  free(y);
  bw_particles_jko_plan_free(plan);
}

static double maxabs(int n, const double *x) {
  double m = 0;
  for (int i = 0; i < n; i++) m = fmax(m, fabs(x[i]));
  return m;
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
    rand_poly(&r, deg, c);
    for (int k = 0; k <= deg - 2; k++) c2[k] = (k + 2) * (k + 1) * c[k + 2];
    bw_particles *pp = make(4, deg, c, 1.0);
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
    rand_poly(&r, deg, c);
    rand_positions(&r, n, -1 + tu_uniform(&r), 0.05, 0.6, x);
    bw_particles *pp = make(n, deg, c, tau);
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
    rand_positions(&r, n, -1, 0.01, 1.0, x);
    bw_particles *pp = make(n, 4, c, 0.3 + tu_uniform(&r));
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
    rand_poly(&r, 6, c);
    if (trial % 3 == 0) { /* two equal dense clusters far apart: a nearly double lambda_max */
      const int h = n / 2;
      for (int i = 0; i < h; i++) x[i] = -5 + 1e-3 * i;
      for (int i = h; i < n; i++) x[i] = 5 + 1e-3 * (i - h) + (i == h ? 1e-12 : 0);
    } else {
      rand_positions(&r, n, -2, 1e-4, 0.5, x);
    }
    bw_particles *pp = make(n, 6, c, 0.5 + tu_uniform(&r));
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
    rand_poly(&r, deg, c);
    bw_particles *pp = make(n, deg, c, tau);
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
    ck_assert_msg(maxabs(n, gs) <= 1e-12 * (1 + maxabs(n, y)), "warm vs cold %g", maxabs(n, gs));
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
    bw_particles *pp = make(n, 4, c, tau); /* min V'' = -1: eta < 1 */
    rand_positions(&r, n, -1.5, 0.05, 0.5, x);
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

/* ---- closed forms with a quadratic V ---- */

/* V = a x^2/2 - h x: the particle mean follows the Gaussian module's mean exactly (the
 * entropy terms telescope) for JKO, WGF and JKO-Flow: both systems through bw_traj. */
START_TEST(gaussian_mean) {
  const double a = 1.3, hh = 0.4, tau = 0.7, eta = 1e-3, T = 0.05; /* eta lambda_max(H(x0)) ~ 0.6 */
  const double c[3] = {0.0, -hh, 0.5 * a};
  const int n = 30;
  bw_particles *pp = make(n, 2, c, tau);
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
    bw_particles *pp = make(n, 2, c, 1.0);
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
    equilibrium(pp, x);
    double m, v;
    ck_assert_int_eq(bw_particles_moments(n, x, &m, &v), BW_OK);
    const double ex2 = v + m * m;
    ck_assert_msg(fabs(ex2 - want[k]) <= 5e-6, "N %d: E x^2 = %.6f, docs/math.md %.5f", n, ex2, want[k]);
    ck_assert(fabs(m) <= 1e-13);                  /* symmetric */
    ck_assert(ex2 - exact > 0 && ex2 - exact < prev); /* converging from above */
    prev = ex2 - exact;
    ck_assert_int_eq(bw_particles_gradient(pp, x, g), BW_OK); /* a fixed point */
    ck_assert(maxabs(n, g) <= 1e-9 * n * n);
    free(x), free(g);
    bw_particles_free(pp);
  }
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
  bw_particles *pp = make(n, 2, c, tau);
  double xe[5], x0[5], lmax_eq;
  ck_assert_int_eq(bw_particles_quantiles(n, 0.0, 1.0, xe), BW_OK);
  equilibrium(pp, xe);
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
    bw_particles *pp = make(n, 2, c, tc ? 1e300 : 1.0);
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
    rand_poly(&r, deg, c);
    rand_positions(&r, n, -1, 0.1, 0.6, x);
    bw_particles *pp = make(n, deg, c, 0.3 + tu_uniform(&r));
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
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_JKOFLOW2, 0.01, NULL, 0, &tr), BW_OK); /* tests/test_modflow2.c */
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

/* ---- arguments: specific statuses, outputs untouched (sentinel), inputs unmodified ---- */

#define SENT 0xA5
static unsigned char arena[1 << 16];
static void fill(void) { memset(arena, SENT, sizeof arena); }
static int intact(void) {
  for (size_t i = 0; i < sizeof arena; i++)
    if (arena[i] != SENT) return 0;
  return 1;
}
#define EXPECT(want, call)                                                                       \
  do {                                                                                           \
    fill();                                                                                      \
    const bw_status got_ = (call);                                                               \
    ck_assert_msg(got_ == (want), "%s: %s, expected %s", #call, bw_status_name(got_),            \
                  bw_status_name(want));                                                         \
    if ((want) != BW_OK) ck_assert_msg(intact(), "%s: output modified on error", #call);        \
  } while (0)

START_TEST(args) {
  double *o = (double *)arena, *o2 = o + 4096;
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
  tcase_add_test(tc, lmax_laguerre);
  tcase_add_test(tc, jko_optimality);
  tcase_add_test(tc, jko_minimality);
  tcase_add_test(tc, jko_large_n);
  tcase_add_test(tc, gaussian_mean);
  tcase_add_test(tc, gaussian_convergence);
  tcase_add_test(tc, quartic_equilibrium);
  tcase_add_test(tc, quartic_order_table);
  tcase_add_test(tc, dissipation);
  tcase_add_test(tc, illposed_time);
  tcase_add_test(tc, beyond_doubles);
  tcase_add_test(tc, jacobians);
  tcase_add_test(tc, jacobian_dq);
  tcase_add_test(tc, system_table);
  tcase_add_test(tc, args);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run(make_suite()); }
