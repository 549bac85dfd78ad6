/* Collapse of JKO-Flow (docs/math.md section 6): the collapse time against the scalar law's
 * analytic integral (checked by Simpson's rule) in commuting cases, its direction, outputs
 * untouched, the asymptotics of the smallest variance in non-commuting cases, collapses
 * faster than CVODE's first step; every linear solver and method.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "test_jkoflow.h"

static double lambda_min(const bw_gaussian *g) {
  int d = g->d;
  double *w = malloc(sizeof(double) * d), *V = malloc(sizeof(double) * d * d);
  ck_assert_int_eq(bw_sym_eig(NULL, d, g->cov, g->ld, w, V, d), BW_OK);
  double l = w[0];
  free(w);
  free(V);
  return l;
}

/* ---------- collapse ---------- */

/* Exact collapse time of the scalar law from s0 < s_- (p eta < 1): with
 * q(s) = eta tau^2 - 2 tau s + 2 c s^2 = 2c (s - a)(s - b), c = p (1 - p eta/2),
 * a = s_- = tau eta/(2 - p eta), b = tau/p, dt = -s ds / q(s), so
 * t_c = int_0^s0 s/q ds = 1/(2c) [a/(a-b) log(1 - s0/a) + b/(b-a) log(1 - s0/b)]. */
static double collapse_exact(double s0, double p, double eta, double tau) {
  double c = p * (1 - 0.5 * p * eta), a = tau * eta / (2 - p * eta), b = tau / p;
  return (a / (a - b) * log1p(-s0 / a) + b / (b - a) * log1p(-s0 / b)) / (2 * c);
}

/* Composite Simpson of s/q on [0, s0] (smooth there): an independent check of the formula. */
static double collapse_simpson(double s0, double p, double eta, double tau, int n) {
  double c = p * (1 - 0.5 * p * eta), hh = s0 / n, acc = 0;
  for (int k = 0; k <= n; k++) {
    double s = k * hh, f = s / (eta * tau * tau - 2 * tau * s + 2 * c * s * s);
    acc += f * (k == 0 || k == n ? 1 : k % 2 ? 4 : 2);
  }
  return acc * hh / 3;
}

/* Commuting case: the collapse time matches the analytic formula, the direction is the
 * eigenvector of P of the collapsing variance, outputs are untouched, solving to just
 * before the collapse succeeds, and the same initial Gaussian with the variance slightly
 * above s_- does not collapse (it is repelled towards tau/p).
 * Tolerances: the collapse branch is unstable (nearby trajectories separate), so CVODE's
 * global error there is a few hundred times rtol: measured ~1e-7 relative in t_c at
 * rtol 1e-10, ~5e-10 at rtol 1e-12 (atol 1e-16 in both). Bounds 1e-6 and 1e-8.
 * The reported time includes the tail from the threshold 1e-3 tau eta to 0, which is ~3e-5
 * of t_c here, so both bounds also check the tail. */
START_TEST(collapse_commuting) {
  tu_rng r;
  tu_seed(&r, 16);
  const int d = 3;
  const double eta = 0.1, tau = 0.7;
  double *R = malloc(sizeof(double) * d * d), *Pm = malloc(sizeof(double) * d * d);
  double p[3] = {0.5, 1.5, 3.0}, h[3] = {0.3, -0.2, 1.0};
  tu_orthogonal(&r, d, R);
  tj_rdr(d, R, p, Pm);
  bw_problem *pb = bw_problem_alloc(d);
  ck_assert_int_eq(bw_problem_set(pb, Pm, d, h, NULL, d, tau), BW_OK);
  const double *Rp = bw_problem_P_eigvecs(pb); /* p ascending: column 1 is p = 1.5 */
  for (int kcol = 0; kcol < 3; kcol++) {
    double sm = tau * eta / (2 - p[kcol] * eta);
    for (int frac = 0; frac < 2; frac++) {
      double s0[3] = {1.0, 0.8, 0.4};
      s0[kcol] = (frac ? 0.9 : 0.3) * sm;
      bw_gaussian *g0 = bw_gaussian_alloc(d), *out[2] = {bw_gaussian_alloc(d), bw_gaussian_alloc(d)};
      tj_rdr(d, Rp, s0, g0->cov);
      double tc = collapse_exact(s0[kcol], p[kcol], eta, tau);
      ck_assert(fabs(collapse_simpson(s0[kcol], p[kcol], eta, tau, 20000) - tc) < 1e-11 * tc);
      /* runs 0-3: BDF (dense, krylov) x (rtol 1e-10, 1e-12); 4-7: (AUTO, ADAMS) x (1e-10, 1e-12) */
      for (int run = 0; run < 8; run++) {
        int ls = run % 2 ? BW_LINSOL_KRYLOV : BW_LINSOL_DENSE, tight = run < 4 ? run / 2 : run % 2;
        bw_ode_method m = run < 4 ? BW_METHOD_BDF : run < 6 ? BW_METHOD_AUTO : BW_METHOD_ADAMS;
        double bound = tight ? 1e-8 : 1e-6;
        bw_jkoflow *jf = tj_make_flow_m(pb, BW_FLOW_JKO, eta, run < 4 ? (bw_linsol)ls : BW_LINSOL_AUTO, m,
                                     tight ? 1e-12 : 1e-10, 1e-16);
        double times[2] = {0.5 * tc, 2.0 * tc}, t, dir[3];
        for (int i = 0; i < 9; i++) out[0]->cov[i] = out[1]->cov[i] = 42.0;
        ck_assert_int_eq(bw_jkoflow_collapse(jf, &t, dir), BW_ERR_BAD_ARG);
        ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 2, times, out, NULL), BW_ERR_COLLAPSE);
        for (int i = 0; i < 9; i++) ck_assert(out[0]->cov[i] == 42.0 && out[1]->cov[i] == 42.0);
        ck_assert_int_eq(bw_jkoflow_collapse(jf, &t, dir), BW_OK);
        long nad = 0;
        bw_ode_method used = bw_jkoflow_last_method(jf, &nad);
        if (m == BW_METHOD_ADAMS) ck_assert(used == BW_METHOD_ADAMS && nad > 0);
        if (m == BW_METHOD_BDF) ck_assert(used == BW_METHOD_BDF && nad == 0);
        fprintf(stderr, "collapse p=%g s0/s_-=%.1f %s %s: t_c %.15g exact %.15g rel %.1e (%s, %ld Adams steps)\n",
                p[kcol], frac ? 0.9 : 0.3, run < 4 ? (ls == BW_LINSOL_DENSE ? "dense" : "krylov") : run < 6 ? "auto" : "adams",
                tight ? "tight" : "default", t, tc, fabs(t - tc) / tc, used == BW_METHOD_ADAMS ? "adams" : "bdf", nad);
        ck_assert_msg(fabs(t - tc) < bound * tc, "t_c %.15g vs %.15g", t, tc);
        double dot = 0;
        for (int i = 0; i < d; i++) dot += dir[i] * Rp[i + kcol * d];
        ck_assert(fabs(fabs(dot) - 1) < 1e-10);
        /* just before: fine, and the variance is small and positive */
        double tb = tc * (1 - 1e-3);
        ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 1, &tb, out, NULL), BW_OK);
        double lmin = lambda_min(out[0]);
        ck_assert(lmin > 0 && lmin < 0.2 * sm);
        ck_assert_int_eq(bw_jkoflow_collapse(jf, &t, dir), BW_ERR_BAD_ARG); /* cleared */
        /* above s_-: no collapse, relaxes towards tau/p */
        s0[kcol] = 1.1 * sm;
        bw_gaussian *g1 = bw_gaussian_alloc(d);
        tj_rdr(d, Rp, s0, g1->cov);
        double T = 5.0;
        ck_assert_int_eq(bw_jkoflow_solve(jf, g1, 1, &T, out, NULL), BW_OK);
        ck_assert(lambda_min(out[0]) > sm);
        bw_gaussian_free(g1);
        bw_jkoflow_free(jf);
      }
      /* the forward flow pushes small variances up: never collapses */
      bw_jkoflow *jf = tj_make_flow(pb, BW_FLOW_FORWARD, eta, BW_LINSOL_AUTO);
      double T = 2.0;
      ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 1, &T, out, NULL), BW_OK);
      bw_jkoflow_free(jf);
      bw_gaussian_free(g0);
      bw_gaussian_free(out[0]);
      bw_gaussian_free(out[1]);
    }
  }
  bw_problem_free(pb);
  free(R);
  free(Pm);
}
END_TEST

/* Non-commuting case: no closed form, but near the end the smallest variance follows
 * lambda' ~ -eta tau^2 / lambda, so lambda(t_c - D) = sqrt(2 eta tau^2 D) (1 + O(lambda/s_-)).
 * With D = 1e-3 t_c that is ~1% of s_-: tolerance 5% on the ratio. Both solvers agree on t_c
 * to 1e-8 relative at rtol 1e-12 (each is within ~5e-10, see collapse_commuting). */
START_TEST(collapse_noncommuting) {
  tu_rng r;
  tu_seed(&r, 17);
  for (int d = 2; d <= 6; d += 2) {
    const double eta = 0.2, tau = 0.7;
    bw_problem *pb = tj_rand_problem(&r, d, 0.3, 2.0, tau);
    bw_gaussian *g0 = bw_gaussian_alloc(d), *out = bw_gaussian_alloc(d);
    double *s = malloc(sizeof(double) * d), *Q = malloc(sizeof(double) * d * d);
    tu_orthogonal(&r, d, Q);
    for (int i = 0; i < d; i++) s[i] = 0.5 + i;
    s[0] = 0.25 * tau * eta / 2; /* well below s_- ~ tau eta / 2 */
    tj_rdr(d, Q, s, g0->cov);
    double tcs[2], dirs[2][6];
    for (int ls = 0; ls < 2; ls++) {
      bw_jkoflow *jf = tj_make_flow_tol(pb, BW_FLOW_JKO, eta, ls ? BW_LINSOL_KRYLOV : BW_LINSOL_DENSE, 1e-12, 1e-16);
      double T = 1.0;
      ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 1, &T, &out, NULL), BW_ERR_COLLAPSE);
      ck_assert_int_eq(bw_jkoflow_collapse(jf, &tcs[ls], dirs[ls]), BW_OK);
      double D = 1e-3 * tcs[ls], tb = tcs[ls] - D;
      ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 1, &tb, &out, NULL), BW_OK);
      double ratio = lambda_min(out) / sqrt(2 * eta * tau * tau * D);
      fprintf(stderr, "collapse_noncommuting d=%d: t_c %.12g, lambda ratio %.4f\n", d, tcs[ls], ratio);
      ck_assert_msg(fabs(ratio - 1) < 0.05, "ratio %g", ratio);
      bw_jkoflow_free(jf);
    }
    ck_assert(fabs(tcs[0] - tcs[1]) < 1e-8 * tcs[0]);
    double dot = 0;
    for (int i = 0; i < d; i++) dot += dirs[0][i] * dirs[1][i];
    ck_assert(dot > 1 - 1e-8); /* same sign convention */
    free(s);
    free(Q);
    bw_gaussian_free(g0);
    bw_gaussian_free(out);
    bw_problem_free(pb);
  }
}
END_TEST

/* A collapse faster than CVODE's first steps: every trial step makes X indefinite, and
 * CVODE gives up at t = 0 (CV_REPTD_RHSFUNC_ERR) before the root function sees a crossing.
 * It must still be the collapse, at the time of the scalar law (these are commuting cases:
 * P = I, so the frozen law is exact and the 8-point quadrature is exact to rounding; where
 * CVODE does take steps and finds the root, its error is a few hundred times rtol, as in
 * collapse_commuting: 1e-8 against Simpson's rule),
 * in the right direction, with no CVODE message: a thin rotated ellipse (variance 1e-8 at
 * 45 degrees), a 1-D variance of 1e-14, tau = 1e12 (d = 1 and 2); every solver. A tau whose
 * e tau^2 overflows is BW_ERR_OVERFLOW at creation. */
START_TEST(collapse_immediate) {
  const double eta = 0.01, c45 = sqrt(0.5);
  struct {
    int d;
    double tau, s_small, s_big;
  } cases[] = {{2, 1.0, 1e-8, 1.0}, {1, 1.0, 1e-14, 0}, {1, 1e12, 1.0, 0}, {2, 1e12, 1.0, 2.0}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const int d = cases[c].d;
    const double tau = cases[c].tau, s0 = cases[c].s_small;
    double I[4] = {1, 0, 0, 1}, h[2] = {0, 0}, m[2] = {0, 0}, S[4];
    if (d == 1) S[0] = s0;
    else { /* R diag(s0, s_big) R', R the rotation by 45 degrees */
      const double a = 0.5 * (s0 + cases[c].s_big), b = 0.5 * (cases[c].s_big - s0);
      S[0] = S[3] = a, S[1] = S[2] = b;
    }
    bw_problem *pb = bw_problem_alloc(d);
    ck_assert_int_eq(bw_problem_set(pb, I, d, h, NULL, d, tau), BW_OK);
    bw_gaussian *g0 = bw_gaussian_alloc(d), *out = bw_gaussian_alloc(d);
    ck_assert_int_eq(bw_gaussian_set(g0, m, S, d, 0.0, NULL), BW_OK);
    /* the small eigenvalue of the stored matrix: a - b, exact in floating point (Sterbenz);
     * Simpson's rule, not collapse_exact, whose two logarithms cancel for s0 << s_- */
    const double tc = collapse_simpson(d == 1 ? S[0] : S[0] - S[1], 1.0, eta, tau, 2000);
    for (int run = 0; run < 6; run++) {
      const bw_ode_method meth = run % 3 == 0 ? BW_METHOD_BDF : run % 3 == 1 ? BW_METHOD_AUTO : BW_METHOD_ADAMS;
      bw_jkoflow *jf = tj_make_flow_m(pb, BW_FLOW_JKO, eta, run < 3 ? BW_LINSOL_DENSE : BW_LINSOL_KRYLOV, meth, 1e-12, 1e-14);
      double T = 1.0, t = NAN, dir[2];
      out->cov[0] = 42.0;
      ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 1, &T, &out, NULL), BW_ERR_COLLAPSE);
      ck_assert(out->cov[0] == 42.0);
      ck_assert_int_eq(bw_jkoflow_collapse(jf, &t, dir), BW_OK);
      ck_assert_msg(fabs(t - tc) <= 1e-8 * tc, "case %zu run %d: t_c %.17g, exact %.17g", c, run, t, tc);
      if (d == 2 && s0 < cases[c].s_big) ck_assert(fabs(fabs(dir[0]) - c45) < 1e-12 && fabs(dir[0] + dir[1]) < 1e-12);
      ck_assert_str_eq(bw_jkoflow_cvode_message(jf), "");
      bw_jkoflow_free(jf);
    }
    bw_gaussian_free(g0);
    bw_gaussian_free(out);
    bw_problem_free(pb);
  }
  double one = 1, zero = 0;
  bw_problem *pb = bw_problem_alloc(1);
  ck_assert_int_eq(bw_problem_set(pb, &one, 1, &zero, NULL, 1, 1e200), BW_OK);
  bw_jkoflow *jf = NULL;
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_JKO, eta, NULL, &jf), BW_ERR_OVERFLOW);
  ck_assert(jf == NULL);
  bw_problem_free(pb);
}
END_TEST

int main(void) {
  Suite *s = suite_create("jkoflow_collapse");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, collapse_commuting);
  tcase_add_test(tc, collapse_noncommuting);
  tcase_add_test(tc, collapse_immediate);
  suite_add_tcase(s, tc);
  return tu_run(s);
}
