/* JKO-Flow of order 2 for particles (lib/particles/particles_modflow2.c; docs/math.md section 8)
 * as pure functions and through the solver, against independent computations.
 * Particles (random even polynomial potentials, N = 2..50, perturbed quantile starts)
 *  - the eta^2 term against the library's JKO step (damped Newton, converged to rounding):
 *    the JKO step is implicit Euler, x+ = x - eta g + eta^2 H g - eta^3 (H^2 g + T[g,g]/2)
 *    + O(eta^4), with T[g, g] = 12 t2 - 4 H^2 g read off bw__pt_mf2_term: the remainder
 *    shrinks by 16 per halving;
 *  - T[g, g] also against the fourth-order central second difference of grad F along g;
 *  - the banded Jacobian of t2 against central differences of t2 (every entry of the dense
 *    N x N matrix, so also the zeros outside the band), 1e-7 relative.
 * The solver: its banded Jacobian against differences of its right-hand side, one JKO step
 * against the order-2 flow (O(eta^4)) with the analytic and the difference-quotient Jacobian,
 * no ill-posedness where JKO-Flow turns ill-posed. Gaussians: tests/test_modflow2.c.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "particles/particles_internal.h"
#include "testutil.h"

typedef struct {
  bw_particles *p;
  int n;
  double *x;
} pcase;

/* V: even degree K in {2, 4, 6}, random coefficients, c_K > 0 (V confines); x: quantiles of
 * N(0.3, 0.5^2) moved by up to 10% of the local gap, so the configuration is ordered but not
 * symmetric. */
static void pcase_make(pcase *c, int n, uint64_t seed) {
  tu_rng r;
  tu_seed(&r, seed);
  const int K = 2 + 2 * (int)(3 * tu_uniform(&r));
  double coef[7];
  for (int k = 0; k <= K; k++) coef[k] = 0.5 * tu_normal(&r);
  coef[K] = 0.1 + tu_uniform(&r);
  ck_assert_int_eq(bw_particles_create(n, K, coef, 0.3 + tu_uniform(&r), &c->p), BW_OK);
  c->n = n;
  c->x = malloc(sizeof(double) * n);
  ck_assert_int_eq(bw_particles_quantiles(n, 0.3, 0.5, c->x), BW_OK);
  double prev = c->x[0];
  for (int i = 0; i < n; i++) {
    const double gap = i < n - 1 ? c->x[i + 1] - c->x[i] : c->x[i] - prev;
    prev = c->x[i];
    c->x[i] += 0.1 * gap * (2.0 * tu_uniform(&r) - 1.0);
  }
  ck_assert_int_eq(bw_particles_check(c->p, c->x), BW_OK);
}

/* The smallest gap between neighbours (a scale for difference steps). */
static double pcase_min_gap(const pcase *c) {
  double dmin = INFINITY;
  for (int i = 0; i < c->n - 1; i++) dmin = fmin(dmin, c->x[i + 1] - c->x[i]);
  return dmin;
}

static void pcase_free(pcase *c) {
  bw_particles_free(c->p);
  free(c->x);
}

/* g, H, Hg, t2 and H^2 g at x (arrays of n; rinv n). */
typedef struct {
  double *rinv, *g, *hd, *ho, *hg, *h2g, *t2;
} pderiv;

static void pderiv_alloc(pderiv *q, int n) {
  double *b = calloc(7 * (size_t)n, sizeof(double));
  ck_assert(b);
  q->rinv = b, q->g = b + n, q->hd = b + 2 * n, q->ho = b + 3 * n, q->hg = b + 4 * n, q->h2g = b + 5 * n,
  q->t2 = b + 6 * n;
}

static void hmul(int n, const double *hd, const double *ho, const double *v, double *y) {
  for (int i = 0; i < n; i++) {
    y[i] = hd[i] * v[i];
    if (i) y[i] += ho[i - 1] * v[i - 1];
    if (i < n - 1) y[i] += ho[i] * v[i + 1];
  }
}

static void pderiv_eval(const bw_particles *p, const double *x, pderiv *q) {
  const int n = p->n;
  ck_assert(bw__pt_grad(p, x, q->rinv, q->g));
  bw__pt_hess(p, x, q->rinv, q->hd, q->ho);
  hmul(n, q->hd, q->ho, q->g, q->hg);
  hmul(n, q->hd, q->ho, q->hg, q->h2g);
  bw__pt_mf2_term(p, x, q->rinv, q->g, q->hd, q->ho, q->hg, q->t2);
}

static const int pns[] = {2, 3, 5, 8, 20, 50};
#define NPNS ((int)(sizeof pns / sizeof pns[0]))

START_TEST(particles_term_vs_jko_step) {
  for (int a = 0; a < NPNS; a++)
    for (uint64_t seed = 1; seed <= 4; seed++) {
      pcase c;
      pcase_make(&c, pns[a], 1000 * seed + pns[a]);
      const int n = c.n;
      pderiv q;
      pderiv_alloc(&q, n);
      pderiv_eval(c.p, c.x, &q);
      double lmin = 0.0, lmax = 0.0;
      ck_assert_int_eq(bw_particles_hessian_extremes(c.p, NULL, c.x, &lmin, &lmax), BW_OK);
      const double rate = fmax(fmax(lmax, -lmin), -bw_particles_vpp_min(c.p));
      double *a3 = malloc(sizeof(double) * n), *xp = malloc(sizeof(double) * n);
      for (int i = 0; i < n; i++) a3[i] = -(q.h2g[i] + 0.5 * (12.0 * q.t2[i] - 4.0 * q.h2g[i]));
      double rem[3];
      const double base = 0.02 / rate; /* eta |lambda| <= 0.02, 0.01, 0.005 */
      for (int k = 0; k < 3; k++) {
        const double e = base * pow(0.5, k);
        bw_particles_jko_plan *plan = NULL;
        ck_assert_int_eq(bw_particles_jko_plan_create(c.p, e, &plan), BW_OK);
        ck_assert_int_eq(bw_particles_jko_step(plan, NULL, c.x, NULL, xp, NULL), BW_OK);
        bw_particles_jko_plan_free(plan);
        double r = 0.0;
        for (int i = 0; i < n; i++)
          r = fmax(r, fabs(xp[i] - (c.x[i] - e * q.g[i] + e * e * q.hg[i] + e * e * e * a3[i])));
        rem[k] = r;
      }
      tu_check_o4(rem, "N, seed", n, (int)seed);
      free(a3);
      free(xp);
      free(q.rinv);
      pcase_free(&c);
    }
}
END_TEST

START_TEST(particles_tgg_vs_differences) {
  for (int a = 0; a < NPNS; a++) {
    pcase c;
    pcase_make(&c, pns[a], 7 + pns[a]);
    const int n = c.n;
    pderiv q;
    pderiv_alloc(&q, n);
    pderiv_eval(c.p, c.x, &q);
    /* T[g, g] = d^2/ds^2 grad F(x + s g) at 0 (fourth-order central difference) */
    const double s = 0.01 * pcase_min_gap(&c) / tu_vmaxabs(n, q.g); /* gaps move by <= 2% */
    double *xs = malloc(sizeof(double) * n), *gs[5], *rinv = malloc(sizeof(double) * n);
    for (int m = 0; m < 5; m++) {
      gs[m] = malloc(sizeof(double) * n);
      for (int i = 0; i < n; i++) xs[i] = c.x[i] + (m - 2) * s * q.g[i];
      ck_assert(bw__pt_grad(c.p, xs, rinv, gs[m]));
    }
    double err = 0.0, scale = 0.0;
    for (int i = 0; i < n; i++) {
      const double fd = (-gs[4][i] + 16.0 * gs[3][i] - 30.0 * gs[2][i] + 16.0 * gs[1][i] - gs[0][i]) / (12.0 * s * s);
      const double tgg = 12.0 * q.t2[i] - 4.0 * q.h2g[i];
      err = fmax(err, fabs(fd - tgg));
      scale = fmax(scale, fabs(tgg));
    }
    ck_assert_msg(err <= 1e-6 * scale, "N = %d: T[g,g] vs differences %g of %g", n, err, scale);
    for (int m = 0; m < 5; m++) free(gs[m]);
    free(xs);
    free(rinv);
    free(q.rinv);
    pcase_free(&c);
  }
}
END_TEST

START_TEST(particles_jacobian_vs_differences) {
  for (int a = 0; a < NPNS; a++)
    for (uint64_t seed = 1; seed <= 3; seed++) {
      pcase c;
      pcase_make(&c, pns[a], 31 * seed + pns[a]);
      const int n = c.n;
      pderiv q, qp;
      pderiv_alloc(&q, n);
      pderiv_alloc(&qp, n);
      pderiv_eval(c.p, c.x, &q);
      double *band = malloc(sizeof(double) * 7 * n), *scr = malloc(sizeof(double) * 32 * n);
      bw__pt_mf2_term_jac(c.p, c.x, q.rinv, q.g, q.hd, q.ho, q.hg, band, scr);
      const double h = 1e-3 * pcase_min_gap(&c);
      double *xs = malloc(sizeof(double) * n), *col = malloc(sizeof(double) * 4 * n);
      double err = 0.0, scale = 0.0;
      for (int j = 0; j < n; j++) {
        const double steps[4] = {h, -h, 2 * h, -2 * h};
        for (int m = 0; m < 4; m++) {
          memcpy(xs, c.x, sizeof(double) * n);
          xs[j] += steps[m];
          pderiv_eval(c.p, xs, &qp);
          memcpy(col + m * n, qp.t2, sizeof(double) * n);
        }
        for (int i = 0; i < n; i++) {
          const double fd = (8.0 * (col[i] - col[n + i]) - (col[2 * n + i] - col[3 * n + i])) / (12.0 * h);
          const int k = j - i;
          const double an = (k >= -3 && k <= 3) ? band[(k + 3) * n + i] : 0.0;
          err = fmax(err, fabs(fd - an));
          scale = fmax(scale, fabs(an));
        }
      }
      ck_assert_msg(err <= 1e-7 * scale, "N = %d seed %d: Jacobian vs differences %g of %g", n, (int)seed, err,
                    scale);
      free(band);
      free(scr);
      free(xs);
      free(col);
      free(q.rinv);
      free(qp.rinv);
      pcase_free(&c);
    }
}
END_TEST

START_TEST(particles_flow_jacobian_vs_differences) {
  for (int a = 0; a < NPNS; a++) {
    pcase c;
    pcase_make(&c, pns[a], 500 + pns[a]);
    const int n = c.n;
    bw_particles_flow *pf = NULL;
    ck_assert_int_eq(bw_particles_flow_create(c.p, BW_FLOW_JKO2, 0.02, NULL, &pf), BW_OK);
    double *J = malloc(sizeof(double) * n * n), *xs = malloc(sizeof(double) * n), *col = malloc(sizeof(double) * 4 * n);
    ck_assert_int_eq(bw_particles_flow_jacobian(pf, c.x, J, n), BW_OK);
    const double h = 1e-3 * pcase_min_gap(&c);
    double err = 0.0, scale = 0.0;
    for (int j = 0; j < n; j++) {
      const double steps[4] = {h, -h, 2 * h, -2 * h};
      for (int m = 0; m < 4; m++) {
        memcpy(xs, c.x, sizeof(double) * n);
        xs[j] += steps[m];
        ck_assert_int_eq(bw_particles_flow_rhs(pf, xs, col + m * n), BW_OK);
      }
      for (int i = 0; i < n; i++) {
        const double fd = (8.0 * (col[i] - col[n + i]) - (col[2 * n + i] - col[3 * n + i])) / (12.0 * h);
        err = fmax(err, fabs(fd - J[i + j * n]));
        scale = fmax(scale, fabs(J[i + j * n]));
      }
    }
    ck_assert_msg(err <= 1e-7 * scale, "N = %d: %g of %g", n, err, scale);
    bw_particles_flow_free(pf);
    free(J);
    free(xs);
    free(col);
    pcase_free(&c);
  }
}
END_TEST

/* One JKO step against the order-2 flow over eta (ratio 16 per halving), with the analytic
 * and with CVODE's difference-quotient band Jacobian. */
START_TEST(particles_flow_local_error) {
  for (int a = 0; a < NPNS; a++)
    for (int jac = 0; jac < 2; jac++) {
      pcase c;
      pcase_make(&c, pns[a], 900 + pns[a]);
      const int n = c.n;
      double lmin, lmax;
      ck_assert_int_eq(bw_particles_hessian_extremes(c.p, NULL, c.x, &lmin, &lmax), BW_OK);
      const double rate = fmax(fmax(lmax, -lmin), -bw_particles_vpp_min(c.p));
      bw_jkoflow_opts o;
      bw_jkoflow_opts_default(&o);
      o.rtol = 1e-13, o.atol = 1e-15;
      double *xj = malloc(sizeof(double) * n), *xf = malloc(sizeof(double) * n), rem[3];
      for (int k = 0; k < 3; k++) {
        const double e = 0.04 / rate * pow(0.5, k);
        bw_particles_jko_plan *plan = NULL;
        bw_particles_flow *pf = NULL;
        ck_assert_int_eq(bw_particles_jko_plan_create(c.p, e, &plan), BW_OK);
        ck_assert_int_eq(bw_particles_jko_step(plan, NULL, c.x, NULL, xj, NULL), BW_OK);
        ck_assert_int_eq(bw_particles_flow_create(c.p, BW_FLOW_JKO2, e, &o, &pf), BW_OK);
        ck_assert_int_eq(bw_particles_flow_set_jacobian(pf, jac ? BW_PJAC_DQ : BW_PJAC_ANALYTIC), BW_OK);
        ck_assert_int_eq(bw_particles_flow_solve(pf, c.x, 1, &e, xf), BW_OK);
        rem[k] = tu_vmaxdiff(n, xf, xj) / tu_vmaxabs(n, xj);
        bw_particles_jko_plan_free(plan);
        bw_particles_flow_free(pf);
      }
      tu_check_o4(rem, "N, jacobian", n, jac);
      free(xj);
      free(xf);
      pcase_free(&c);
    }
}
END_TEST

/* V = x^4/4, tau = 1, N = 20, the quantiles of N(0, 9) (contracting), eta = 1.5/lambda_max(H(x0)):
 * JKO-Flow turns ill-posed (eta lambda_max = 2) before t = 1; the order-2 flow damps every mode
 * and reaches t = 1 with the particles in order. */
START_TEST(particles_no_illposed) {
  bw_particles *pp = NULL;
  double x[20], x1[20];
  ck_assert_int_eq(bw_particles_preset("quartic", 20, &pp, NULL, NULL), BW_OK);
  ck_assert_int_eq(bw_particles_quantiles(20, 0.0, 3.0, x), BW_OK);
  double lmax;
  ck_assert_int_eq(bw_particles_hessian_extremes(pp, NULL, x, NULL, &lmax), BW_OK);
  const double eta = 1.5 / lmax, T = 1.0;
  bw_particles_flow *f1 = NULL, *f2 = NULL;
  ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO, eta, NULL, &f1), BW_OK);
  ck_assert_int_eq(bw_particles_flow_create(pp, BW_FLOW_JKO2, eta, NULL, &f2), BW_OK);
  ck_assert_int_eq(bw_particles_flow_solve(f1, x, 1, &T, x1), BW_ERR_ILL_POSED);
  ck_assert_int_eq(bw_particles_flow_solve(f2, x, 1, &T, x1), BW_OK);
  ck_assert_int_eq(bw_particles_check(pp, x1), BW_OK);
  bw_particles_flow_free(f1);
  bw_particles_flow_free(f2);
  bw_particles_free(pp);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("modflow2_particles");
  TCase *p = tcase_create("particles");
  tcase_add_test(p, particles_term_vs_jko_step);
  tcase_add_test(p, particles_tgg_vs_differences);
  tcase_add_test(p, particles_jacobian_vs_differences);
  suite_add_tcase(s, p);
  TCase *f = tcase_create("flows");
  tcase_add_test(f, particles_flow_jacobian_vs_differences);
  tcase_add_test(f, particles_flow_local_error);
  tcase_add_test(f, particles_no_illposed);
  tcase_set_timeout(f, 300);
  suite_add_tcase(s, f);
  return s;
}

int main(void) { return tu_run(suite()); }
