/* The ridge system's quadrature, energy and steps (bwflow/ridge.h, docs/math.md section 9):
 * Gauss-Hermite exact for polynomials, the psi_k's derivative identities, g and G against
 * differences of J, the JKO step's optimality, minimality and dissipation, fixed points at the
 * VI optimum, the optimum itself, a Newton failure, and argument errors that leave outputs
 * untouched. (Flows, systems and the Gaussian consistency: tests/test_ridge_flow.c.)
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "test_ridge.h"

/* ---- the quadrature ---- */

START_TEST(gauss_hermite_exact) {
  /* E Z^(2k) = (2k - 1)!!, odd moments 0, for 2k < 2q */
  for (int q = 1; q <= 64; q += (q < 8 ? 1 : 7)) {
    double z[64], w[64];
    ck_assert_int_eq(bw_ridge_gauss_hermite(q, z, w), BW_OK);
    for (int i = 1; i < q; i++) ck_assert(z[i] > z[i - 1] && w[i] > 0);
    for (int i = 0; i < q; i++) ck_assert(z[i] == -z[q - 1 - i] && w[i] == w[q - 1 - i]);
    double dfact = 1.0;
    for (int p = 0; p < 2 * q; p++) {
      double s = 0.0, sabs = 0.0;
      for (int i = 0; i < q; i++) s += w[i] * pow(z[i], p), sabs += w[i] * fabs(pow(z[i], p));
      const double ex = p % 2 ? 0.0 : dfact;
      ck_assert_msg(fabs(s - ex) <= 64 * DBL_EPSILON * sabs, "q %d, E Z^%d = %.17g, expected %.17g", q, p, s, ex);
      if (p % 2) dfact *= p; /* E Z^(p + 1) = p!! */
    }
  }
  double z[4], w[4];
  ck_assert_int_eq(bw_ridge_gauss_hermite(0, z, w), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_ridge_gauss_hermite(BW_RIDGE_NODES_MAX + 1, z, w), BW_ERR_BAD_ARG);
}
END_TEST

/* A caller's phi: the polynomial c0 + c1 t + ... + c5 t^5 (ctx: the coefficients), counting its
 * calls in c[6]. */
static int poly_phi(void *ctx, int kmax, int n, const double *t, double *out) {
  double *c = ctx;
  c[6] += 1.0;
  for (int i = 0; i < n; i++)
    for (int k = 0; k <= kmax; k++) { /* sum_p c_p p!/(p - k)! t^(p - k) */
      double v = 0.0;
      for (int p = k; p <= 5; p++) {
        double f = c[p];
        for (int r = 0; r < k; r++) f *= p - r;
        v += f * pow(t[i], p - k);
      }
      out[(size_t)k * n + i] = v;
    }
  return 0;
}

START_TEST(custom_polynomial_exact) {
  /* E p^(k)(mu + sigma Z) for p of degree 5, by the moments of N(mu, s) */
  double c[7] = {0.3, -1.0, 0.5, 0.25, -0.125, 0.05, 0.0};
  const double a[1] = {1.0};
  bw_ridge r = {.family = BW_RIDGE_CUSTOM, .a = a, .w = 1.0, .phi = poly_phi, .ctx = c};
  bw_ridge_problem *pb = NULL;
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, 1, &r, 3, &pb), BW_OK); /* 3 nodes: degree 5 */
  const double mus[3] = {-1.5, 0.0, 2.0}, ss[3] = {0.0, 0.3, 4.0};
  for (int im = 0; im < 3; im++)
    for (int is = 0; is < 3; is++) {
      const double mu = mus[im], s = ss[is];
      /* raw moments E X^p of N(mu, s), p <= 5 */
      const double M[6] = {1, mu, mu * mu + s, mu * mu * mu + 3 * mu * s, pow(mu, 4) + 6 * mu * mu * s + 3 * s * s,
                           pow(mu, 5) + 10 * pow(mu, 3) * s + 15 * mu * s * s};
      double psi[5];
      ck_assert_int_eq(bw_ridge_expect(pb, 0, mu, s, psi), BW_OK);
      for (int k = 0; k <= 4; k++) {
        double ex = 0.0, scale = 0.0;
        for (int p = k; p <= 5; p++) {
          double f = 1.0;
          for (int q = 0; q < k; q++) f *= p - q;
          ex += f * c[p] * M[p - k], scale += fabs(f * c[p] * M[p - k]);
        }
        ck_assert_msg(fabs(psi[k] - ex) <= 1e-14 * fmax(scale, 1.0), "k %d mu %g s %g: %.17g vs %.17g", k, mu, s,
                      psi[k], ex);
      }
    }
  bw_ridge_problem_free(pb);
}
END_TEST

/* psi_k' in mu is psi_(k+1), in s it is psi_(k+2)/2: Richardson-extrapolated central differences
 * at points of both quadrature regimes (Gauss-Hermite below sigma 0.45 / 0.3, the grid above)
 * and across the switches. */
START_TEST(psi_derivatives) {
  double c[7] = {0.3, -1.0, 0.5, 0.25, -0.125, 0.05, 0.0};
  const double one[1] = {1.0};
  bw_ridge r[BW_RIDGE_FAMILY_COUNT];
  for (int f = 0; f < BW_RIDGE_FAMILY_COUNT; f++)
    r[f] = (bw_ridge){.family = (bw_ridge_family)f, .a = one, .w = 1.0, .phi = f == BW_RIDGE_CUSTOM ? poly_phi : NULL,
                      .ctx = f == BW_RIDGE_CUSTOM ? c : NULL};
  bw_ridge_problem *pb = NULL;
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, BW_RIDGE_FAMILY_COUNT, r, 0, &pb), BW_OK);
  const double mus[5] = {-4.0, -0.7, 0.0, 0.4, 3.0}, sig[7] = {0.05, 0.2, 0.29, 0.31, 0.44, 0.8, 3.0};
  double worst = 0.0;
  for (int f = 0; f < BW_RIDGE_FAMILY_COUNT; f++)
    for (int im = 0; im < 5; im++)
      for (int is = 0; is < 7; is++) {
        const double mu = mus[im], s = sig[is] * sig[is], hm = 1e-3, hs = 1e-3 * s;
        double p0[5], pp[5], pm[5], pp2[5], pm2[5];
        ck_assert_int_eq(bw_ridge_expect(pb, f, mu, s, p0), BW_OK);
        for (int dir = 0; dir < 2; dir++) {
          const double h = dir ? hs : hm;
          ck_assert_int_eq(bw_ridge_expect(pb, f, mu + (dir ? 0 : h), s + (dir ? h : 0), pp), BW_OK);
          ck_assert_int_eq(bw_ridge_expect(pb, f, mu - (dir ? 0 : h), s - (dir ? h : 0), pm), BW_OK);
          ck_assert_int_eq(bw_ridge_expect(pb, f, mu + (dir ? 0 : 2 * h), s + (dir ? 2 * h : 0), pp2), BW_OK);
          ck_assert_int_eq(bw_ridge_expect(pb, f, mu - (dir ? 0 : 2 * h), s - (dir ? 2 * h : 0), pm2), BW_OK);
          for (int k = 0; k + 1 + dir <= 4; k++) {
            const double d1 = (8 * (pp[k] - pm[k]) - (pp2[k] - pm2[k])) / (12 * h); /* O(h^4) */
            const double ex = dir ? 0.5 * p0[k + 2] : p0[k + 1];
            const double err = fabs(d1 - ex) / fmax(1.0, fabs(ex));
            worst = fmax(worst, err);
            ck_assert_msg(err <= 2e-8, "%s mu %g sigma %g: d psi_%d/d%s = %.12g, psi identity %.12g",
                          bw_ridge_family_name((bw_ridge_family)f), mu, sig[is], k, dir ? "s" : "mu", d1, ex);
          }
        }
      }
  bw_ridge_problem_free(pb);
}
END_TEST

/* The two rules agree where both are accurate: just below and above the switch. */
START_TEST(quadrature_switch_continuous) {
  const double one[1] = {1.0};
  const bw_ridge r[2] = {{.family = BW_RIDGE_LOGISTIC, .a = one, .w = 1.0}, {.family = BW_RIDGE_LOGCOSH, .a = one, .w = 1.0}};
  bw_ridge_problem *pb = NULL;
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, 2, r, 0, &pb), BW_OK);
  const double sw[2] = {0.45, 0.3};
  for (int f = 0; f < 2; f++)
    for (double mu = -5.0; mu <= 5.0; mu += 0.37) {
      double lo[5], hi[5], s2 = sw[f] * sw[f], s1;
      while (sqrt(s2) < sw[f]) s2 = nextafter(s2, 1.0); /* adjacent variances on both sides */
      s1 = nextafter(s2, 0.0);
      while (sqrt(s1) >= sw[f]) s1 = nextafter(s1, 0.0);
      ck_assert(s2 - s1 < 1e-15);
      ck_assert_int_eq(bw_ridge_expect(pb, f, mu, s1, lo), BW_OK);
      ck_assert_int_eq(bw_ridge_expect(pb, f, mu, s2, hi), BW_OK);
      for (int k = 0; k < 5; k++) ck_assert_msg(fabs(lo[k] - hi[k]) <= 4e-15 * fmax(1, fabs(hi[k])), "%d %g %d", f, mu, k);
    }
  bw_ridge_problem_free(pb);
}
END_TEST

/* Logistic and logcosh far from 0: finite, on their asymptotes (psi_0 = max(mu, 0) resp.
 * |mu| - log 2, psi_1 = step resp. sign, higher ones 0), for narrow and broad Gaussians. */
START_TEST(large_arguments) {
  const double one[1] = {1.0};
  const bw_ridge r[2] = {{.family = BW_RIDGE_LOGISTIC, .a = one, .w = 1.0}, {.family = BW_RIDGE_LOGCOSH, .a = one, .w = 1.0}};
  bw_ridge_problem *pb = NULL;
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, 2, r, 0, &pb), BW_OK);
  const double mus[4] = {-1e8, -750.0, 750.0, 1e8}, ss[3] = {0.0, 0.01, 4.0};
  for (int f = 0; f < 2; f++)
    for (int im = 0; im < 4; im++)
      for (int is = 0; is < 3; is++) {
        const double mu = mus[im];
        double psi[5];
        ck_assert_int_eq(bw_ridge_expect(pb, f, mu, ss[is], psi), BW_OK);
        const double p0 = f ? fabs(mu) - log(2.0) : fmax(mu, 0.0), p1 = f ? (mu > 0 ? 1.0 : -1.0) : (mu > 0 ? 1.0 : 0.0);
        ck_assert_msg(fabs(psi[0] - p0) <= 1e-15 * fabs(mu) + 1e-300, "%d %g %g: %.17g", f, mu, ss[is], psi[0]);
        ck_assert(fabs(psi[1] - p1) <= 1e-15 && fabs(psi[2]) < 1e-300 && fabs(psi[3]) < 1e-300 && fabs(psi[4]) < 1e-300);
      }
  bw_ridge_problem_free(pb);
}
END_TEST

START_TEST(poisson_overflow) {
  const double one[1] = {1.0};
  const bw_ridge r = {.family = BW_RIDGE_POISSON, .a = one, .w = 1.0};
  bw_ridge_problem *pb = NULL;
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, 1, &r, 0, &pb), BW_OK);
  double psi[5] = {7, 7, 7, 7, 7};
  ck_assert_int_eq(bw_ridge_expect(pb, 0, 700.0, 40.0, psi), BW_ERR_OVERFLOW);
  ck_assert(psi[0] == 7 && psi[4] == 7);
  ck_assert_int_eq(bw_ridge_expect(pb, 0, 700.0, 10.0, psi), BW_OK);
  ck_assert(fabs(psi[2] / exp(705.0) - 1) < 1e-14);
  bw_gaussian *g = bw_gaussian_alloc(1);
  g->mean[0] = 705.0, g->cov[0] = 20.0;
  double J = 3.0;
  ck_assert_int_eq(bw_ridge_energy(pb, NULL, g, &J), BW_ERR_OVERFLOW);
  ck_assert(J == 3.0);
  bw_gaussian_free(g);
  bw_ridge_problem_free(pb);
}
END_TEST

/* ---- the energy's gradient ---- */

/* dJ/dm_i and dJ/dS_kl by Richardson differences against g and G (G_kk = 2 dJ/dS_kk, G_kl =
 * dJ/dS_kl when S_kl and S_lk move together). */
START_TEST(gradient_vs_energy) {
  tu_rng rng;
  tu_seed(&rng, 3);
  for (int d = 1; d <= 4; d++) {
    bw_ridge_problem *pb = tr_random_problem(&rng, d, 6, 0.7, TR_ALL_FAMILIES);
    bw_gaussian *g = tu_gaussian(&rng, d, 0.2, 0.8), *p = bw_gaussian_alloc(d);
    double gm[TR_DMAX], G[TR_DMAX * TR_DMAX];
    ck_assert_int_eq(bw_ridge_gradient(pb, NULL, g, gm, G, d), BW_OK);
    for (int c = 0; c < d + d * d; c++) {
      int k = 0, l = 0;
      if (c >= d) k = (c - d) % d, l = (c - d) / d;
      if (c >= d && k > l) continue;
      const double h = 1e-4;
      double Jv[4];
      for (int q = 0; q < 4; q++) {
        const double st = (q == 0 ? 2 : q == 1 ? 1 : q == 2 ? -1 : -2) * h;
        bw_gaussian_copy(p, g);
        if (c < d) p->mean[c] += st;
        else p->cov[k + l * d] += st, p->cov[l + k * d] += k == l ? 0 : st;
        ck_assert_int_eq(bw_ridge_energy(pb, NULL, p, &Jv[q]), BW_OK);
      }
      const double dJ = (8 * (Jv[1] - Jv[2]) - (Jv[0] - Jv[3])) / (12 * h);
      const double ex = c < d ? gm[c] : k == l ? 0.5 * G[k + k * d] : G[k + l * d];
      ck_assert_msg(fabs(dJ - ex) <= 1e-8 * fmax(1, fabs(ex)), "d %d c %d: %.12g vs %.12g", d, c, dJ, ex);
    }
    /* |grad J|^2 and J^eta */
    double s, J, Je;
    ck_assert_int_eq(bw_ridge_slope_sq(pb, NULL, g, &s), BW_OK);
    double ref = 0.0, GS[TR_DMAX * TR_DMAX];
    for (int i = 0; i < d; i++) ref += gm[i] * gm[i];
    tu_matmul(d, G, g->cov, GS);
    for (int i = 0; i < d; i++)
      for (int j = 0; j < d; j++) ref += GS[i + j * d] * G[j + i * d];
    ck_assert(fabs(s - ref) <= 1e-12 * ref);
    ck_assert_int_eq(bw_ridge_energy(pb, NULL, g, &J), BW_OK);
    ck_assert_int_eq(bw_ridge_modified_energy(pb, NULL, g, 0.3, &Je), BW_OK);
    ck_assert(fabs(Je - (J - 0.075 * s)) <= 1e-13 * fmax(1, fabs(J)));
    bw_gaussian_free(g), bw_gaussian_free(p);
    bw_ridge_problem_free(pb);
  }
}
END_TEST

/* ---- the JKO step ---- */

/* Optimality (m+ = m - eta g(m+, S+), S+ = R S R, R = (I + eta G+)^-1), minimality against
 * perturbed Gaussians, and dissipation J+ + W2^2/(2 eta) <= J. */
START_TEST(jko_optimality) {
  tu_rng rng;
  tu_seed(&rng, 5);
  const double etas[3] = {0.01, 0.2, 2.0};
  for (int d = 1; d <= 4; d++)
    for (int ie = 0; ie < 3; ie++) {
      const double eta = etas[ie];
      bw_ridge_problem *pb = tr_random_problem(&rng, d, 5, 0.6, TR_ALL_FAMILIES);
      bw_gaussian *g = tu_gaussian(&rng, d, 0.2, 1.0), *o = bw_gaussian_alloc(d), *p = bw_gaussian_alloc(d);
      int it = 0;
      const bw_status sj = bw_ridge_jko_step(pb, eta, NULL, g, o, &it);
      ck_assert_msg(sj == BW_OK, "d %d eta %g: %s", d, eta, bw_status_name(sj));
      ck_assert(it >= 1 && it < 20);
      double gm[TR_DMAX], G[TR_DMAX * TR_DMAX], B[TR_DMAX * TR_DMAX], T[TR_DMAX * TR_DMAX], BXB[TR_DMAX * TR_DMAX];
      ck_assert_int_eq(bw_ridge_gradient(pb, NULL, o, gm, G, d), BW_OK);
      double sc = 0.0;
      for (int i = 0; i < d; i++) sc = fmax(sc, fabs(g->mean[i]) + sqrt(g->cov[i + i * d]));
      for (int i = 0; i < d; i++) ck_assert(fabs(o->mean[i] - g->mean[i] + eta * gm[i]) <= 1e-13 * sc);
      for (int k = 0; k < d * d; k++) B[k] = eta * G[k] + (k % (d + 1) == 0);
      tu_matmul(d, B, o->cov, T);
      tu_matmul(d, T, B, BXB);
      ck_assert_msg(tu_maxabs_diff(d, BXB, d, g->cov, d) <= 1e-13 * tu_maxabs(d, g->cov, d), "d %d eta %g", d, eta);
      /* dissipation and minimality of F = J + W2^2(., g)/(2 eta) */
      const double F0 = tr_jko_objective(pb, o, g, eta);
      double J;
      ck_assert_int_eq(bw_ridge_energy(pb, NULL, g, &J), BW_OK);
      ck_assert(F0 <= J + 1e-13 * fabs(J));
      for (int trial = 0; trial < 10; trial++) {
        bw_gaussian_copy(p, o);
        for (int i = 0; i < d; i++) p->mean[i] += 1e-3 * tu_normal(&rng);
        for (int i = 0; i < d; i++) p->cov[i + i * d] *= 1 + 1e-3 * tu_uniform(&rng);
        ck_assert(tr_jko_objective(pb, p, g, eta) >= F0 - 1e-12 * fabs(F0));
      }
      bw_gaussian_free(g), bw_gaussian_free(o), bw_gaussian_free(p);
      bw_ridge_problem_free(pb);
    }
}
END_TEST

/* Newton's matrix is Psi's exact Hessian: convergence is quadratic, a few iterations from the
 * quadratic model's step, also far beyond the explicit steps' stability (logreg-d30 at
 * eta = 0.1: eta lambda_max(E hess V) ~ 20); a problem of quadratic ridges starts at its
 * exact step (the Gaussian closed form) and needs one iteration to confirm it. */
START_TEST(jko_newton_quadratic) {
  const char *names[2] = {"logreg", "logreg-d30"};
  for (int k = 0; k < 2; k++) {
    bw_ridge_problem *pb = NULL;
    bw_gaussian *g0 = NULL;
    ck_assert_int_eq(bw_ridge_preset(names[k], &pb, &g0), BW_OK);
    bw_gaussian *o = bw_gaussian_alloc(g0->d);
    bw_ridge_ws *ws = bw_ridge_ws_alloc(pb);
    const double etas[3] = {0.005, 0.1, 1.0};
    for (int ie = 0; ie < 3; ie++) {
      int it = 0;
      ck_assert_int_eq(bw_ridge_jko_step(pb, etas[ie], ws, g0, o, &it), BW_OK);
      ck_assert_msg(it >= 1 && it <= 5, "%s eta %g: %d Newton iterations", names[k], etas[ie], it);
    }
    bw_ridge_ws_free(ws);
    bw_gaussian_free(o), bw_gaussian_free(g0);
    bw_ridge_problem_free(pb);
  }
  tu_rng rng;
  tu_seed(&rng, 17);
  for (int d = 1; d <= 5; d += 2) {
    bw_ridge_problem *pb = tr_random_problem(&rng, d, 6, 0.7, TR_QUADRATIC);
    bw_gaussian *g = tu_gaussian(&rng, d, 0.2, 1.0), *o = bw_gaussian_alloc(d);
    int it = 0;
    ck_assert_int_eq(bw_ridge_jko_step(pb, 0.5, NULL, g, o, &it), BW_OK);
    ck_assert_msg(it == 1, "quadratic ridges, d %d: %d iterations", d, it);
    bw_gaussian_free(g), bw_gaussian_free(o);
    bw_ridge_problem_free(pb);
  }
}
END_TEST

/* The VI optimum: g = 0 and G = 0 there, J minimal among nearby Gaussians, a fixed point of
 * the JKO, explicit and forward-backward steps; the JKO iterates converge to it; quartic:
 * variance 1/sqrt(3). */
START_TEST(vi_optimum) {
  tu_rng rng;
  tu_seed(&rng, 9);
  for (int d = 1; d <= 4; d++) {
    bw_ridge_problem *pb = tr_random_problem(&rng, d, 6, 0.8, TR_ALL_FAMILIES);
    bw_gaussian *g = tu_gaussian(&rng, d, 0.3, 1.0), *o = bw_gaussian_alloc(d), *p = bw_gaussian_alloc(d);
    int it = 0;
    ck_assert_int_eq(bw_ridge_vi_optimum(pb, NULL, g, o, &it), BW_OK);
    double gm[TR_DMAX], G[TR_DMAX * TR_DMAX], J0, J;
    ck_assert_int_eq(bw_ridge_gradient(pb, NULL, o, gm, G, d), BW_OK);
    for (int i = 0; i < d; i++) ck_assert(fabs(gm[i]) * sqrt(o->cov[i + i * d]) <= 1e-12);
    for (int k = 0; k < d * d; k++) ck_assert(fabs(G[k]) * tu_maxabs(d, o->cov, d) <= 1e-12);
    ck_assert_int_eq(bw_ridge_energy(pb, NULL, o, &J0), BW_OK);
    for (int trial = 0; trial < 10; trial++) {
      bw_gaussian_copy(p, o);
      for (int i = 0; i < d; i++) p->mean[i] += 1e-3 * tu_normal(&rng), p->cov[i + i * d] *= 1 + 2e-3 * (tu_uniform(&rng) - 0.5);
      ck_assert_int_eq(bw_ridge_energy(pb, NULL, p, &J), BW_OK);
      ck_assert(J >= J0 - 1e-13 * fabs(J0));
    }
    /* fixed point of the steps */
    for (int m = 0; m < 3; m++) {
      const bw_status st = m == 0 ? bw_ridge_jko_step(pb, 0.1, NULL, o, p, NULL)
                           : m == 1 ? bw_ridge_forward_step(pb, 0.01, NULL, o, p)
                                    : bw_ridge_fb_step(pb, 0.01, NULL, o, p);
      ck_assert_int_eq(st, BW_OK);
      ck_assert_msg(tr_state_diff(p, o) <= 1e-12, "d %d method %d: %g", d, m, tr_state_diff(p, o));
    }
    /* JKO iterates from g converge to it */
    bw_gaussian_copy(p, g);
    for (int k = 0; k < 200; k++) ck_assert_int_eq(bw_ridge_jko_step(pb, 1.0, NULL, p, p, NULL), BW_OK);
    ck_assert_msg(tr_state_diff(p, o) <= 1e-10, "d %d: JKO limit %g", d, tr_state_diff(p, o));
    bw_gaussian_free(g), bw_gaussian_free(o), bw_gaussian_free(p);
    bw_ridge_problem_free(pb);
  }
  bw_ridge_problem *pb = NULL;
  bw_gaussian *g0 = NULL, *o = bw_gaussian_alloc(1);
  ck_assert_int_eq(bw_ridge_preset("vi-quartic", &pb, &g0), BW_OK);
  ck_assert_int_eq(bw_ridge_vi_optimum(pb, NULL, g0, o, NULL), BW_OK);
  ck_assert(fabs(o->mean[0]) < 1e-15 && fabs(o->cov[0] - 1 / sqrt(3.0)) < 1e-15);
  bw_ridge_problem_free(pb);
  bw_gaussian_free(g0), bw_gaussian_free(o);
}
END_TEST

/* No JKO step: V = -x^2/2 (A = -1, no ridges), eta = 2: every root of the optimality system
 * has I + eta G indefinite (the Gaussian system says BW_ERR_ETA_TOO_LARGE); the outputs stay
 * untouched. tau = 0 has no VI optimum. */
START_TEST(jko_no_convergence) {
  const double A[1] = {-1.0};
  bw_ridge_problem *pb = NULL;
  ck_assert_int_eq(bw_ridge_problem_create(1, A, 1, NULL, 0.5, 0, NULL, 0, &pb), BW_OK);
  bw_gaussian *g = bw_gaussian_alloc(1), *o = bw_gaussian_alloc(1);
  g->mean[0] = 0.5, g->cov[0] = 0.3;
  o->mean[0] = o->cov[0] = 42.0;
  int it = -1;
  ck_assert_int_eq(bw_ridge_jko_step(pb, 2.0, NULL, g, o, &it), BW_ERR_NO_CONVERGENCE);
  ck_assert(o->mean[0] == 42.0 && o->cov[0] == 42.0 && it >= 0);
  ck_assert_int_eq(bw_ridge_vi_optimum(pb, NULL, g, o, NULL), BW_ERR_NO_CONVERGENCE);
  bw_ridge_problem_free(pb);
  const double one[1] = {1.0};
  const bw_ridge r = {.family = BW_RIDGE_QUARTIC, .a = one, .w = 1.0};
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 0.0, 1, &r, 0, &pb), BW_OK);
  ck_assert_int_eq(bw_ridge_vi_optimum(pb, NULL, g, o, NULL), BW_ERR_NOT_SPD);
  ck_assert(o->mean[0] == 42.0);
  bw_gaussian_free(g), bw_gaussian_free(o);
  bw_ridge_problem_free(pb);
}
END_TEST

/* The caller's phi is called once per (phi, ctx) and evaluation, with all their nodes; a
 * custom quadratic equals the built-in quadratic. */
static int quad_phi(void *ctx, int kmax, int n, const double *t, double *out) {
  int *calls = ctx;
  ++*calls;
  for (int i = 0; i < n; i++) {
    const double v[5] = {0.5 * t[i] * t[i], t[i], 1.0, 0.0, 0.0};
    for (int k = 0; k <= kmax; k++) out[(size_t)k * n + i] = v[k];
  }
  return 0;
}

static int failing_phi(void *ctx, int kmax, int n, const double *t, double *out) {
  (void)ctx, (void)kmax, (void)n, (void)t, (void)out;
  return 1;
}

START_TEST(custom_batched) {
  const double a[3][2] = {{1, 0.5}, {-0.3, 1}, {0.7, 0.7}};
  int calls = 0, calls2 = 0;
  bw_ridge rc[3], rb[3];
  for (int j = 0; j < 3; j++) {
    rb[j] = (bw_ridge){.family = BW_RIDGE_QUADRATIC, .a = a[j], .b = 0.1 * j, .w = 1.0 + j};
    rc[j] = rb[j];
    rc[j].family = BW_RIDGE_CUSTOM, rc[j].phi = quad_phi, rc[j].ctx = j == 1 ? &calls2 : &calls;
  }
  bw_ridge_problem *pc = NULL, *pq = NULL;
  ck_assert_int_eq(bw_ridge_problem_create(2, NULL, 2, NULL, 0.5, 3, rc, 4, &pc), BW_OK);
  ck_assert_int_eq(bw_ridge_problem_create(2, NULL, 2, NULL, 0.5, 3, rb, 4, &pq), BW_OK);
  bw_gaussian *g = bw_gaussian_alloc(2);
  g->mean[0] = 0.3, g->mean[1] = -1, g->cov[0] = 0.5, g->cov[1] = g->cov[2] = 0.1, g->cov[3] = 0.8;
  double Jc, Jq, gc[2], gq[2], Gc[4], Gq[4];
  ck_assert_int_eq(bw_ridge_energy(pc, NULL, g, &Jc), BW_OK);
  ck_assert_int_eq(calls, 1);
  ck_assert_int_eq(calls2, 1);
  ck_assert_int_eq(bw_ridge_energy(pq, NULL, g, &Jq), BW_OK);
  ck_assert_int_eq(bw_ridge_gradient(pc, NULL, g, gc, Gc, 2), BW_OK);
  ck_assert_int_eq(bw_ridge_gradient(pq, NULL, g, gq, Gq, 2), BW_OK);
  ck_assert(fabs(Jc - Jq) <= 1e-14 * fabs(Jq));
  for (int k = 0; k < 4; k++) ck_assert(fabs(Gc[k] - Gq[k]) <= 1e-14 * 4 && (k >= 2 || fabs(gc[k] - gq[k]) <= 1e-14 * 4));
  bw_ridge rr;
  ck_assert_int_eq(bw_ridge_problem_ridge(pc, 1, &rr), BW_OK);
  ck_assert(rr.phi == quad_phi && rr.ctx == &calls2 && rr.a[1] == 1.0 && rr.w == 2.0);
  /* a failing phi: BW_ERR_OVERFLOW, outputs untouched */
  rc[2].phi = failing_phi;
  bw_ridge_problem *pf = NULL;
  ck_assert_int_eq(bw_ridge_problem_create(2, NULL, 2, NULL, 0.5, 3, rc, 4, &pf), BW_OK);
  double J = 5.0;
  ck_assert_int_eq(bw_ridge_energy(pf, NULL, g, &J), BW_ERR_OVERFLOW);
  ck_assert(J == 5.0);
  bw_ridge_problem_free(pf), bw_ridge_problem_free(pc), bw_ridge_problem_free(pq);
  bw_gaussian_free(g);
}
END_TEST

/* ---- regression data ---- */

START_TEST(glm_expand) {
  /* 4 observations, 2 features: the ridges (1, x_i), h += X'y, A += I/s2; standardized columns
   * have mean 0 and variance 1 (divisor n) and map back to X */
  const double X[4 * 3] = {0.5, -1.0, 9, 2.0, 0.25, 9, -1.5, 3.0, 9, 1.0, 0.5, 9}; /* ldx 3 */
  const double y[4] = {1, 0, 0.25, 1};
  bw_ridge_glm glm = {.family = BW_RIDGE_LOGISTIC, .n = 4, .p = 2, .X = X, .ldx = 3, .y = y, .prior_var = 4.0,
                      .intercept = 1};
  double a[12], A[9] = {1, 0.5, 0, 0.5, 1, 0, 0, 0, 1}, h[3] = {0.1, 0.2, 0.3};
  int row = 7, col = 7;
  ck_assert_int_eq(bw_ridge_glm_expand(&glm, a, A, 3, h, &row, &col), BW_OK);
  ck_assert(row == -1 && col == -1);
  double hx[3] = {0.1, 0.2, 0.3};
  for (int i = 0; i < 4; i++) {
    ck_assert(a[i * 3] == 1.0 && a[i * 3 + 1] == X[i * 3] && a[i * 3 + 2] == X[i * 3 + 1]);
    for (int k = 0; k < 3; k++) hx[k] += y[i] * (k ? X[i * 3 + k - 1] : 1.0);
  }
  for (int k = 0; k < 3; k++) ck_assert(h[k] == hx[k] && A[k * 4] == 1.25);
  ck_assert(A[1] == 0.5 && A[3] == 0.5 && A[2] == 0.0);
  glm.standardize = 1, glm.intercept = 0;
  double as[8], A2[4] = {0, 0, 0, 0}, h2[2] = {0, 0};
  ck_assert_int_eq(bw_ridge_glm_expand(&glm, as, A2, 2, h2, NULL, NULL), BW_OK);
  for (int j = 0; j < 2; j++) {
    double m = 0, v = 0, mx = 0, vx = 0;
    for (int i = 0; i < 4; i++) m += as[i * 2 + j] / 4, mx += X[i * 3 + j] / 4;
    for (int i = 0; i < 4; i++) v += as[i * 2 + j] * as[i * 2 + j] / 4, vx += (X[i * 3 + j] - mx) * (X[i * 3 + j] - mx) / 4;
    ck_assert(fabs(m) < 1e-15 && fabs(v - 1) < 1e-15);
    for (int i = 0; i < 4; i++) ck_assert(fabs(as[i * 2 + j] * sqrt(vx) + mx - X[i * 3 + j]) < 1e-15);
  }
  ck_assert(A2[0] == 0.25 && A2[3] == 0.25 && A2[1] == 0.0);
  /* errors: nothing written */
  const double yb[4] = {1, 0, 1.5, 1}, yp[4] = {1, 0, -1, 1}, Xc[4 * 2] = {1, 2, 1, 3, 1, 4, 1, 5};
  const double Xn[4 * 2] = {1, 2, 1, NAN, 1, 4, 1, 5};
  double A3[4] = {7, 7, 7, 7}, h3[2] = {7, 7}, a3[8] = {7, 7, 7, 7, 7, 7, 7, 7};
  bw_ridge_glm bad = {.family = BW_RIDGE_LOGISTIC, .n = 4, .p = 2, .X = Xc, .ldx = 2, .y = yb, .prior_var = 1.0};
  ck_assert_int_eq(bw_ridge_glm_expand(&bad, a3, A3, 2, h3, &row, &col), BW_ERR_BAD_ARG);
  ck_assert(row == 2 && col == -1);
  bad.family = BW_RIDGE_POISSON, bad.y = yp;
  ck_assert_int_eq(bw_ridge_glm_expand(&bad, a3, A3, 2, h3, &row, &col), BW_ERR_BAD_ARG);
  ck_assert(row == 2 && col == -1);
  bad.y = y, bad.standardize = 1;
  ck_assert_int_eq(bw_ridge_glm_expand(&bad, a3, A3, 2, h3, &row, &col), BW_ERR_BAD_ARG);
  ck_assert(row == -1 && col == 0);
  bad.standardize = 0, bad.family = BW_RIDGE_QUARTIC;
  ck_assert_int_eq(bw_ridge_glm_expand(&bad, a3, A3, 2, h3, &row, &col), BW_ERR_BAD_ARG);
  bad.family = BW_RIDGE_POISSON, bad.prior_var = 0.0;
  ck_assert_int_eq(bw_ridge_glm_expand(&bad, a3, A3, 2, h3, &row, &col), BW_ERR_BAD_ARG);
  bad.prior_var = 1.0, bad.X = Xn;
  ck_assert_int_eq(bw_ridge_glm_expand(&bad, a3, A3, 2, h3, &row, &col), BW_ERR_NONFINITE);
  bad.X = Xc, bad.ldx = 1;
  ck_assert_int_eq(bw_ridge_glm_expand(&bad, a3, A3, 2, h3, &row, &col), BW_ERR_DIM);
  bad.ldx = 2, bad.intercept = 1;
  ck_assert_int_eq(bw_ridge_glm_expand(&bad, a3, A3, 2, h3, &row, &col), BW_ERR_DIM); /* lda < d = 3 */
  ck_assert_int_eq(bw_ridge_glm_expand(NULL, a3, A3, 2, h3, &row, &col), BW_ERR_NULL);
  for (int k = 0; k < 8; k++) ck_assert(a3[k] == 7 && (k >= 4 || A3[k] == 7) && (k >= 2 || h3[k] == 7));
}
END_TEST

int main(void) {
  Suite *s = suite_create("ridge");
  TCase *q = tcase_create("quadrature");
  tcase_add_test(q, gauss_hermite_exact);
  tcase_add_test(q, custom_polynomial_exact);
  tcase_add_test(q, psi_derivatives);
  tcase_add_test(q, quadrature_switch_continuous);
  tcase_add_test(q, poisson_overflow);
  tcase_add_test(q, large_arguments);
  suite_add_tcase(s, q);
  TCase *e = tcase_create("energy");
  tcase_add_test(e, gradient_vs_energy);
  tcase_add_test(e, custom_batched);
  tcase_add_test(e, glm_expand);
  suite_add_tcase(s, e);
  TCase *j = tcase_create("steps");
  tcase_set_timeout(j, 120);
  tcase_add_test(j, jko_optimality);
  tcase_add_test(j, jko_newton_quadratic);
  tcase_add_test(j, vi_optimum);
  tcase_add_test(j, jko_no_convergence);
  suite_add_tcase(s, j);
  return tu_run(s);
}
