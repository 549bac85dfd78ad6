/* JKO-Flow integrated by CVODE (docs/math.md section 5): closed forms, scalar laws, stationary
 * point, collapse, the JKO scheme's convergence orders, dense vs Krylov, errors.
 * Every reference below is computed in this file independently of lib/gaussian/jkoflow.c (matrix
 * exponentials from the spd module, RK4 written here, analytic integrals, bw_wgf, JKO steps).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

/* ---------- helpers ---------- */

/* A random problem: A SPD (eigenvalues in [alo, ahi]), K SPD in [0.05, 0.3] with other
 * eigenvectors (so P = A + K does not commute with A), h ~ N(0, 1). */
static bw_problem *rand_problem(tu_rng *r, int d, double alo, double ahi, double tau) {
  double *A = malloc(sizeof(double) * d * d), *K = malloc(sizeof(double) * d * d);
  double *h = malloc(sizeof(double) * d);
  tu_spd(r, d, alo, ahi, A);
  tu_spd(r, d, 0.05, 0.3, K);
  for (int i = 0; i < d; i++) h[i] = tu_normal(r);
  bw_problem *pb = bw_problem_alloc(d);
  ck_assert_int_eq(bw_problem_set(pb, A, d, h, K, d, tau), BW_OK);
  free(A);
  free(K);
  free(h);
  return pb;
}

/* rtol = 0 keeps the default tolerances (rtol 1e-12, atol 1e-14). */
static bw_jkoflow *make_flow_m(const bw_problem *pb, bw_flow_kind kind, double eta, bw_linsol ls,
                               bw_ode_method m, double rtol, double atol) {
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  o.linsol = ls;
  o.method = m;
  if (rtol > 0) o.rtol = rtol, o.atol = atol;
  bw_jkoflow *jf = NULL;
  ck_assert_int_eq(bw_jkoflow_create(pb, kind, eta, &o, &jf), BW_OK);
  ck_assert_ptr_nonnull(jf);
  return jf;
}

/* An explicit linear solver tests BDF's Newton path (AUTO may pick Adams, which has none). */
static bw_jkoflow *make_flow_tol(const bw_problem *pb, bw_flow_kind kind, double eta, bw_linsol ls,
                                 double rtol, double atol) {
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  o.linsol = ls;
  if (ls != BW_LINSOL_AUTO) o.method = BW_METHOD_BDF;
  if (rtol > 0) o.rtol = rtol, o.atol = atol;
  bw_jkoflow *jf = NULL;
  ck_assert_int_eq(bw_jkoflow_create(pb, kind, eta, &o, &jf), BW_OK);
  ck_assert_ptr_nonnull(jf);
  return jf;
}

static bw_jkoflow *make_flow(const bw_problem *pb, bw_flow_kind kind, double eta, bw_linsol ls) {
  return make_flow_tol(pb, kind, eta, ls, 0, 0);
}

/* max|x - y| / max(max|y|, floor) over means and covariances. */
static double rel_diff(const bw_gaussian *x, const bw_gaussian *y) {
  int d = x->d;
  double dm = 0, sm = 0, dc = 0, sc = 0;
  for (int i = 0; i < d; i++) {
    dm = fmax(dm, fabs(x->mean[i] - y->mean[i]));
    sm = fmax(sm, fabs(y->mean[i]));
  }
  dc = tu_maxabs_diff(d, x->cov, x->ld, y->cov, y->ld);
  sc = tu_maxabs(d, y->cov, y->ld);
  return fmax(dm / fmax(sm, 1.0), dc / fmax(sc, 1e-300));
}

/* B = A^-1 by Gauss-Jordan with partial pivoting (small d; A not modified). */
static void inv(int d, const double *A, double *B) {
  double *M = malloc(sizeof(double) * d * d);
  memcpy(M, A, sizeof(double) * d * d);
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) B[i + j * d] = (i == j);
  for (int c = 0; c < d; c++) {
    int piv = c;
    for (int i = c + 1; i < d; i++)
      if (fabs(M[i + c * d]) > fabs(M[piv + c * d])) piv = i;
    for (int j = 0; j < d; j++) {
      double t = M[c + j * d];
      M[c + j * d] = M[piv + j * d];
      M[piv + j * d] = t;
      t = B[c + j * d];
      B[c + j * d] = B[piv + j * d];
      B[piv + j * d] = t;
    }
    double p = M[c + c * d];
    for (int j = 0; j < d; j++) {
      M[c + j * d] /= p;
      B[c + j * d] /= p;
    }
    for (int i = 0; i < d; i++)
      if (i != c) {
        double f = M[i + c * d];
        for (int j = 0; j < d; j++) {
          M[i + j * d] -= f * M[c + j * d];
          B[i + j * d] -= f * B[c + j * d];
        }
      }
  }
  free(M);
}

/* S = R diag(s) R'. */
static void rdr(int d, const double *R, const double *s, double *S) {
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double acc = 0.0;
      for (int k = 0; k < d; k++) acc += R[i + k * d] * s[k] * R[j + k * d];
      S[i + j * d] = acc;
    }
}

static double lambda_min(const bw_gaussian *g) {
  int d = g->d;
  double *w = malloc(sizeof(double) * d), *V = malloc(sizeof(double) * d * d);
  ck_assert_int_eq(bw_sym_eig(NULL, d, g->cov, g->ld, w, V, d), BW_OK);
  double l = w[0];
  free(w);
  free(V);
  return l;
}

/* The scalar law of one eigenpair (p, s) when S commutes with P, e the signed eta:
 * s' = 2 tau - 2 p (1 - p e/2) s - e tau^2 / s. */
static double scalar_f(double s, double p, double e, double tau) {
  return 2.0 * tau - 2.0 * p * (1.0 - 0.5 * p * e) * s - e * tau * tau / s;
}

/* Classical RK4 for the scalar law with n steps to time T. */
static double scalar_rk4(double s, double p, double e, double tau, double T, int n) {
  double h = T / n;
  for (int k = 0; k < n; k++) {
    double k1 = scalar_f(s, p, e, tau), k2 = scalar_f(s + 0.5 * h * k1, p, e, tau);
    double k3 = scalar_f(s + 0.5 * h * k2, p, e, tau), k4 = scalar_f(s + h * k3, p, e, tau);
    s += h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return s;
}

/* ---------- the mean: a linear ODE with a closed form ---------- */

/* m' = -M m + (I - e/2 A) h with M = (I - e/2 A) A = A - e/2 A^2 (symmetric):
 * m(t) = m* + exp(-M t)(m0 - m*), m* = A^-1 h. exp by bw_sym_exp (spd module), A^-1 by
 * Gauss-Jordan here. Tolerance 1e-8 relative: CVODE's global error at rtol 1e-10 over
 * t <= 2.5 is a few 1e-10 (measured max 4e-10 below); a wrong sign or factor in the mean
 * equation is an O(eta) = 1e-1 error. */
START_TEST(mean_closed_form) {
  tu_rng r;
  tu_seed(&r, 11);
  const int d = 4;
  const double eta = 0.1;
  bw_problem *pb = rand_problem(&r, d, 0.3, 3.0, 0.7);
  bw_gaussian *g0 = tu_gaussian(&r, d, 0.5, 2.0);
  const double *A = bw_problem_A(pb), *h = bw_problem_h(pb);
  double *Ai = malloc(sizeof(double) * d * d), *M = malloc(sizeof(double) * d * d);
  double *E = malloc(sizeof(double) * d * d), mstar[4], ref[4];
  inv(d, A, Ai);
  for (int i = 0; i < d; i++) {
    mstar[i] = 0;
    for (int k = 0; k < d; k++) mstar[i] += Ai[i + k * d] * h[k];
  }
  double times[4] = {0.0, 0.3, 1.0, 2.5};
  bw_gaussian *out[4];
  for (int k = 0; k < 4; k++) out[k] = bw_gaussian_alloc(d);
  bw_flow_kind kinds[3] = {BW_FLOW_JKO, BW_FLOW_FORWARD, BW_FLOW_PLAIN};
  double worst = 0;
  for (int q = 0; q < 3; q++) {
    double e = kinds[q] == BW_FLOW_JKO ? eta : kinds[q] == BW_FLOW_FORWARD ? -eta : 0.0;
    bw_jkoflow *jf = make_flow(pb, kinds[q], kinds[q] == BW_FLOW_PLAIN ? 0.0 : eta, BW_LINSOL_AUTO);
    ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 4, times, out, NULL), BW_OK);
    tu_matmul(d, A, A, M);
    for (int k = 0; k < d * d; k++) M[k] = A[k] - 0.5 * e * M[k];
    for (int k = 0; k < 4; k++) {
      double *Mt = malloc(sizeof(double) * d * d);
      for (int i = 0; i < d * d; i++) Mt[i] = -times[k] * M[i];
      ck_assert_int_eq(bw_sym_exp(NULL, d, Mt, d, E, d), BW_OK);
      for (int i = 0; i < d; i++) {
        ref[i] = mstar[i];
        for (int j = 0; j < d; j++) ref[i] += E[i + j * d] * (g0->mean[j] - mstar[j]);
      }
      for (int i = 0; i < d; i++) {
        double err = fabs(out[k]->mean[i] - ref[i]) / fmax(1.0, fabs(ref[i]));
        worst = fmax(worst, err);
        ck_assert_msg(err < 1e-8, "kind %d t %g: mean[%d] %.15g vs %.15g", q, times[k], i,
                      out[k]->mean[i], ref[i]);
      }
      free(Mt);
    }
    /* t = 0 returns g0 (up to the rounding of the change of basis and back) */
    for (int i = 0; i < d; i++) ck_assert(fabs(out[0]->mean[i] - g0->mean[i]) < 1e-14 * (1 + fabs(g0->mean[i])));
    ck_assert(tu_maxabs_diff(d, out[0]->cov, d, g0->cov, d) < 1e-14 * tu_maxabs(d, g0->cov, d));
    bw_jkoflow_free(jf);
  }
  fprintf(stderr, "mean_closed_form: worst relative error %.2e\n", worst);
  for (int k = 0; k < 4; k++) bw_gaussian_free(out[k]);
  free(Ai);
  free(M);
  free(E);
  bw_gaussian_free(g0);
  bw_problem_free(pb);
}
END_TEST

/* ---------- the covariance when S0 commutes with P: the scalar law per eigenpair ---------- */

/* S0 = R diag(s0) R' with P = R diag(p) R' (A and K individually do not commute with P):
 * S(t) = R diag(s(t)) R', each s(t) from the scalar law, integrated here by RK4 with 20000
 * and 40000 steps (their difference, < 1e-13 relative, bounds the reference's error).
 * p in [0.5, 4], eta = 0.1: p eta < 1 and s0 >= 0.1 > s_- ~ 0.04, no collapse. Tolerance
 * 1e-8 relative to max|S| (CVODE error a few 1e-10, measured below); a wrong coefficient
 * (e.g. eta/2 p^2 dropped) changes S by O(eta) = 1e-2 over t = 2. */
START_TEST(commuting_scalar_law) {
  tu_rng r;
  tu_seed(&r, 12);
  const int d = 4;
  const double eta = 0.1, tau = 0.7, T[3] = {0.25, 1.0, 2.0};
  double *Pm = malloc(sizeof(double) * d * d), *K = malloc(sizeof(double) * d * d);
  double *A = malloc(sizeof(double) * d * d), *R = malloc(sizeof(double) * d * d);
  double p[4] = {0.5, 1.0, 2.0, 4.0}, s0[4] = {0.1, 3.0, 0.5, 1.2}, h[4] = {1, -1, 0.5, 2};
  tu_orthogonal(&r, d, R);
  rdr(d, R, p, Pm);
  tu_spd(&r, d, 0.05, 0.3, K);
  for (int k = 0; k < d * d; k++) A[k] = Pm[k] - K[k];
  bw_problem *pb = bw_problem_alloc(d);
  ck_assert_int_eq(bw_problem_set(pb, A, d, h, K, d, tau), BW_OK);
  bw_gaussian *g0 = bw_gaussian_alloc(d), *ref = bw_gaussian_alloc(d), *out[3];
  rdr(d, R, s0, g0->cov);
  for (int k = 0; k < 3; k++) out[k] = bw_gaussian_alloc(d);
  double worst = 0;
  for (int q = 0; q < 2; q++) {
    double e = q == 0 ? eta : -eta;
    bw_jkoflow *jf = make_flow(pb, q == 0 ? BW_FLOW_JKO : BW_FLOW_FORWARD, eta, BW_LINSOL_AUTO);
    ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 3, T, out, NULL), BW_OK);
    for (int k = 0; k < 3; k++) {
      double s[4];
      for (int i = 0; i < d; i++) {
        s[i] = scalar_rk4(s0[i], p[i], e, tau, T[k], 20000);
        double s2 = scalar_rk4(s0[i], p[i], e, tau, T[k], 40000);
        ck_assert(fabs(s[i] - s2) < 1e-13 * s2);
      }
      rdr(d, R, s, ref->cov);
      double err = tu_maxabs_diff(d, out[k]->cov, d, ref->cov, d) / tu_maxabs(d, ref->cov, d);
      worst = fmax(worst, err);
      ck_assert_msg(err < 1e-8, "kind %d t %g: relative error %g", q, T[k], err);
    }
    bw_jkoflow_free(jf);
  }
  fprintf(stderr, "commuting_scalar_law: worst relative error %.2e\n", worst);
  for (int k = 0; k < 3; k++) bw_gaussian_free(out[k]);
  bw_gaussian_free(g0);
  bw_gaussian_free(ref);
  bw_problem_free(pb);
  free(Pm);
  free(K);
  free(A);
  free(R);
}
END_TEST

/* ---------- the right-hand side in the original basis, and the stationary point ---------- */

/* bw_jkoflow_rhs (computed in the eigenbases of A and P) against the formula written in the
 * original basis here: m' = -(I - e/2 A)(A m - h), S' = 2 tau I - P S - S P
 * + e/2 (P^2 S + S P^2) - e tau^2 S^-1. Tolerance 1e-12 relative to the size of the terms
 * (both sides are a few matrix products of O(1) matrices; the inverse's rounding error is
 * ~d cond(S) eps |S^-1| <= 40 * 20 * 1.1e-16 ~ 1e-13 relative). d = 20 and 40 take the
 * LAPACK path of the inverse (d > 16), d <= 5 the inline one. */
START_TEST(rhs_original_basis) {
  static const int dims[] = {1, 2, 3, 4, 5, 20, 40};
  tu_rng r;
  tu_seed(&r, 13);
  for (int di = 0; di < 7; di++)
    for (int q = 0, d = dims[di]; q < 3; q++) {
      const double eta = 0.3, tau = 0.7;
      bw_flow_kind kind = q == 0 ? BW_FLOW_JKO : q == 1 ? BW_FLOW_FORWARD : BW_FLOW_PLAIN;
      double e = q == 0 ? eta : q == 1 ? -eta : 0.0;
      bw_problem *pb = rand_problem(&r, d, 0.2, 3.0, tau);
      bw_gaussian *g = tu_gaussian(&r, d, 0.1, 2.0);
      bw_jkoflow *jf = make_flow(pb, kind, eta, BW_LINSOL_AUTO);
      size_t dd = (size_t)d * d;
      double *dm = malloc(sizeof(double) * d), *dS = malloc(sizeof(double) * (d + 1) * d);
      ck_assert_int_eq(bw_jkoflow_rhs(jf, g, dm, dS, d + 1), BW_OK);
      const double *A = bw_problem_A(pb), *P = bw_problem_P(pb), *h = bw_problem_h(pb);
      double *P2 = malloc(sizeof(double) * dd), *T1 = malloc(sizeof(double) * dd);
      double *T2 = malloc(sizeof(double) * dd), *Si = malloc(sizeof(double) * dd);
      double *ref = malloc(sizeof(double) * dd), *grad = malloc(sizeof(double) * d);
      for (int i = 0; i < d; i++) {
        grad[i] = -h[i];
        for (int k = 0; k < d; k++) grad[i] += A[i + k * d] * g->mean[k];
      }
      for (int i = 0; i < d; i++) {
        double v = grad[i];
        for (int k = 0; k < d; k++) v -= 0.5 * e * A[i + k * d] * grad[k];
        ck_assert(fabs(dm[i] + v) < 1e-12 * (1 + fabs(v)));
      }
      tu_matmul(d, P, P, P2);
      inv(d, g->cov, Si);
      tu_matmul(d, P, g->cov, T1);
      tu_matmul(d, P2, g->cov, T2);
      double scale = 0;
      for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) {
          double ps = T1[i + j * d] + T1[j + i * d], p2s = T2[i + j * d] + T2[j + i * d];
          ref[i + j * d] = 2 * tau * (i == j) - ps + 0.5 * e * p2s - e * tau * tau * Si[i + j * d];
          scale = fmax(scale, fmax(fabs(ps), fmax(fabs(e * p2s), fabs(e * tau * tau * Si[i + j * d]))));
        }
      double err = tu_maxabs_diff(d, dS, d + 1, ref, d);
      ck_assert_msg(err < 1e-12 * scale, "d %d kind %d: %g", d, q, err / scale);
      free(dm), free(dS), free(P2), free(T1), free(T2), free(Si), free(ref), free(grad);
      bw_jkoflow_free(jf);
      bw_gaussian_free(g);
      bw_problem_free(pb);
    }
}
END_TEST

/* The minimiser of J (m* = A^-1 h, S* = tau P^-1) is stationary for JKO-Flow and the
 * forward flow: the RHS vanishes there (to 1e-12 relative, rounding of O(1) terms), the
 * flow started there stays (W2 < 1e-10 after t = 10), and the flow from elsewhere converges
 * to it. Convergence rates: eigenvalues of A and P are in [0.5, 3] and eta = 0.1, so the
 * mean relaxes at rate >= a(1 - eta a/2) >= 0.35 and the covariance at 2p(1 - eta p) >= 0.7
 * (linearisation at S*); at T = 80 the initial distance (O(1)) has decayed below e^-28 ~
 * 7e-13, so W2 < 1e-8 leaves room for the integrator's error only. */
START_TEST(stationary_point) {
  tu_rng r;
  tu_seed(&r, 14);
  const int d = 3;
  const double eta = 0.1, tau = 0.7;
  double *A = malloc(sizeof(double) * d * d), *K = malloc(sizeof(double) * d * d), h[3];
  tu_spd(&r, d, 0.5, 2.5, A);
  tu_spd(&r, d, 0.0001, 0.5, K); /* P eigenvalues within [0.5, 3] */
  for (int i = 0; i < d; i++) h[i] = tu_normal(&r);
  bw_problem *pb = bw_problem_alloc(d);
  ck_assert_int_eq(bw_problem_set(pb, A, d, h, K, d, tau), BW_OK);
  ck_assert(bw_problem_P_eigvals(pb)[d - 1] <= 3.0);
  bw_gaussian *gs = bw_gaussian_alloc(d), *out = bw_gaussian_alloc(d);
  ck_assert_int_eq(bw_problem_minimiser(pb, gs), BW_OK);
  for (int q = 0; q < 2; q++) {
    bw_jkoflow *jf = make_flow(pb, q ? BW_FLOW_FORWARD : BW_FLOW_JKO, eta, BW_LINSOL_AUTO);
    double dm[3], dS[9], w2;
    ck_assert_int_eq(bw_jkoflow_rhs(jf, gs, dm, dS, d), BW_OK);
    for (int i = 0; i < d; i++) ck_assert(fabs(dm[i]) < 1e-12 * (1 + fabs(gs->mean[i])));
    ck_assert(tu_maxabs(d, dS, d) < 1e-12 * 10 * tau);
    double T = 10.0;
    ck_assert_int_eq(bw_jkoflow_solve(jf, gs, 1, &T, &out, NULL), BW_OK);
    ck_assert_int_eq(bw_w2(NULL, out, gs, &w2), BW_OK);
    ck_assert_msg(w2 < 1e-10, "stays: %g", w2);
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.2, 3.0);
    double T2[2] = {1.0, 80.0}, w2_1;
    bw_gaussian *o2[2] = {bw_gaussian_alloc(d), out};
    ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 2, T2, o2, NULL), BW_OK);
    ck_assert_int_eq(bw_w2(NULL, o2[0], gs, &w2_1), BW_OK);
    ck_assert_int_eq(bw_w2(NULL, out, gs, &w2), BW_OK);
    fprintf(stderr, "stationary_point kind %d: W2 to minimiser %.2e at t=1, %.2e at t=80\n", q, w2_1, w2);
    ck_assert(w2_1 > 1e-3); /* it did start away from it */
    ck_assert_msg(w2 < 1e-8, "converges: %g", w2);
    bw_gaussian_free(o2[0]);
    bw_gaussian_free(g0);
    bw_jkoflow_free(jf);
  }
  bw_gaussian_free(gs);
  bw_gaussian_free(out);
  bw_problem_free(pb);
  free(A);
  free(K);
}
END_TEST

/* ---------- eta = 0 through the same code against the closed form ---------- */

/* BW_FLOW_PLAIN against bw_wgf (docs/math.md section 3, closed form with expm1) on random
 * problems, d = 1..6, including one with an indefinite A (growing modes) and tau = 0.
 * CVODE controls the local error per step, the global error is a modest multiple of rtol
 * (printed: ~5-20x). At rtol 1e-12, atol 1e-14 (the defaults) the agreement must be 1e-9
 * relative; at rtol 1e-10, atol 1e-12 it must be 1e-8. A wrong term would be an O(1)
 * relative error. */
START_TEST(plain_vs_closed_form) {
  const double rtol[2] = {1e-10, 0.0}, atol[2] = {1e-12, 0.0}, bound[2] = {1e-8, 1e-9};
  for (int tl = 0; tl < 2; tl++) {
    tu_rng r;
    tu_seed(&r, 15);
    double worst = 0;
    for (int d = 1; d <= 6; d++)
      for (int c = 0; c < 3; c++) {
        double tau = c == 2 ? 0.0 : 0.7;
        bw_problem *pb;
        if (c == 1) { /* indefinite A: shift a random SPD matrix down */
          pb = bw_problem_alloc(d);
          double *A = malloc(sizeof(double) * d * d), *h = malloc(sizeof(double) * d);
          tu_spd(&r, d, 0.1, 2.0, A);
          for (int i = 0; i < d; i++) A[i + i * d] -= 0.6, h[i] = tu_normal(&r);
          ck_assert_int_eq(bw_problem_set(pb, A, d, h, NULL, d, tau), BW_OK);
          free(A);
          free(h);
        } else {
          pb = rand_problem(&r, d, 0.3, 3.0, tau);
        }
        bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0), *ref = bw_gaussian_alloc(d), *out[3];
        double times[3] = {0.1, 1.0, 3.0};
        for (int k = 0; k < 3; k++) out[k] = bw_gaussian_alloc(d);
        bw_jkoflow *jf = make_flow_tol(pb, BW_FLOW_PLAIN, 0.0, BW_LINSOL_AUTO, rtol[tl], atol[tl]);
        ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 3, times, out, NULL), BW_OK);
        for (int k = 0; k < 3; k++) {
          ck_assert_int_eq(bw_wgf(pb, NULL, g0, times[k], ref), BW_OK);
          double err = rel_diff(out[k], ref);
          worst = fmax(worst, err);
          ck_assert_msg(err < bound[tl], "d %d case %d t %g: %g", d, c, times[k], err);
        }
        for (int k = 0; k < 3; k++) bw_gaussian_free(out[k]);
        bw_gaussian_free(g0);
        bw_gaussian_free(ref);
        bw_jkoflow_free(jf);
        bw_problem_free(pb);
      }
    fprintf(stderr, "plain_vs_closed_form (%s tolerances): worst relative error %.2e\n",
            tl ? "tight" : "default", worst);
  }
}
END_TEST

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
  rdr(d, R, p, Pm);
  bw_problem *pb = bw_problem_alloc(d);
  ck_assert_int_eq(bw_problem_set(pb, Pm, d, h, NULL, d, tau), BW_OK);
  const double *Rp = bw_problem_P_eigvecs(pb); /* p ascending: column 1 is p = 1.5 */
  for (int kcol = 0; kcol < 3; kcol++) {
    double sm = tau * eta / (2 - p[kcol] * eta);
    for (int frac = 0; frac < 2; frac++) {
      double s0[3] = {1.0, 0.8, 0.4};
      s0[kcol] = (frac ? 0.9 : 0.3) * sm;
      bw_gaussian *g0 = bw_gaussian_alloc(d), *out[2] = {bw_gaussian_alloc(d), bw_gaussian_alloc(d)};
      rdr(d, Rp, s0, g0->cov);
      double tc = collapse_exact(s0[kcol], p[kcol], eta, tau);
      ck_assert(fabs(collapse_simpson(s0[kcol], p[kcol], eta, tau, 20000) - tc) < 1e-11 * tc);
      /* runs 0-3: BDF (dense, krylov) x (rtol 1e-10, 1e-12); 4-7: (AUTO, ADAMS) x (1e-10, 1e-12) */
      for (int run = 0; run < 8; run++) {
        int ls = run % 2 ? BW_LINSOL_KRYLOV : BW_LINSOL_DENSE, tight = run < 4 ? run / 2 : run % 2;
        bw_ode_method m = run < 4 ? BW_METHOD_BDF : run < 6 ? BW_METHOD_AUTO : BW_METHOD_ADAMS;
        double bound = tight ? 1e-8 : 1e-6;
        bw_jkoflow *jf = make_flow_m(pb, BW_FLOW_JKO, eta, run < 4 ? (bw_linsol)ls : BW_LINSOL_AUTO, m,
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
        rdr(d, Rp, s0, g1->cov);
        double T = 5.0;
        ck_assert_int_eq(bw_jkoflow_solve(jf, g1, 1, &T, out, NULL), BW_OK);
        ck_assert(lambda_min(out[0]) > sm);
        bw_gaussian_free(g1);
        bw_jkoflow_free(jf);
      }
      /* the forward flow pushes small variances up: never collapses */
      bw_jkoflow *jf = make_flow(pb, BW_FLOW_FORWARD, eta, BW_LINSOL_AUTO);
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
    bw_problem *pb = rand_problem(&r, d, 0.3, 2.0, tau);
    bw_gaussian *g0 = bw_gaussian_alloc(d), *out = bw_gaussian_alloc(d);
    double *s = malloc(sizeof(double) * d), *Q = malloc(sizeof(double) * d * d);
    tu_orthogonal(&r, d, Q);
    for (int i = 0; i < d; i++) s[i] = 0.5 + i;
    s[0] = 0.25 * tau * eta / 2; /* well below s_- ~ tau eta / 2 */
    rdr(d, Q, s, g0->cov);
    double tcs[2], dirs[2][6];
    for (int ls = 0; ls < 2; ls++) {
      bw_jkoflow *jf = make_flow_tol(pb, BW_FLOW_JKO, eta, ls ? BW_LINSOL_KRYLOV : BW_LINSOL_DENSE, 1e-12, 1e-16);
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
      bw_jkoflow *jf = make_flow_m(pb, BW_FLOW_JKO, eta, run < 3 ? BW_LINSOL_DENSE : BW_LINSOL_KRYLOV, meth, 1e-12, 1e-14);
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

/* ---------- the JKO scheme and the explicit step against their modified flows ---------- */

/* Error of a discrete scheme against a flow: max over k = 1..T/eta of W2(rho_k, flow(k eta)).
 * step: 0 = JKO step, 1 = explicit step. The flow's trajectory comes from one solve. */
static double scheme_error(const bw_problem *pb, const bw_gaussian *g0, int step, bw_flow_kind kind,
                           double eta, int nsteps) {
  int d = g0->d;
  double *times = malloc(sizeof(double) * nsteps);
  bw_gaussian **flow = malloc(sizeof(bw_gaussian *) * nsteps);
  for (int k = 0; k < nsteps; k++) {
    times[k] = (k + 1) * eta;
    flow[k] = bw_gaussian_alloc(d);
  }
  bw_jkoflow *jf = make_flow(pb, kind, kind == BW_FLOW_PLAIN ? 0.0 : eta, BW_LINSOL_AUTO);
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, nsteps, times, flow, NULL), BW_OK);
  bw_jko_plan *plan = NULL;
  if (step == 0) ck_assert_int_eq(bw_jko_plan_create(pb, eta, &plan), BW_OK);
  bw_workspace *ws = bw_workspace_alloc(d);
  bw_gaussian *g = bw_gaussian_alloc(d);
  ck_assert_int_eq(bw_gaussian_copy(g, g0), BW_OK);
  double err = 0;
  for (int k = 0; k < nsteps; k++) {
    if (step == 0) ck_assert_int_eq(bw_jko_step(plan, ws, g, g), BW_OK);
    else ck_assert_int_eq(bw_forward_step(pb, eta, ws, g, g), BW_OK);
    double w;
    ck_assert_int_eq(bw_w2(ws, g, flow[k], &w), BW_OK);
    err = fmax(err, w);
  }
  for (int k = 0; k < nsteps; k++) bw_gaussian_free(flow[k]);
  free(flow);
  free(times);
  bw_gaussian_free(g);
  bw_workspace_free(ws);
  bw_jko_plan_free(plan);
  bw_jkoflow_free(jf);
  return err;
}

/* docs/math.md section 5 (d = 3, non-commuting, K != 0, tau = 0.7, T = 2): JKO is O(eta) from the
 * WGF (error ratios ~2 when eta halves) and O(eta^2) from JKO-Flow (ratios ~4); the explicit
 * step is O(eta^2) from its own modified flow; one JKO step is O(eta^3) from JKO-Flow
 * (ratios ~8; measured at eta = 0.05, 0.025, 0.0125, closer to the asymptotic regime: at
 * eta = 0.1 the first ratio is 6.8). Bounds: [1.7, 2.3], [3.3, 4.7], [6, 10], i.e. the fitted slope within about
 * +-0.25 of the theory (observed slopes printed). At these sizes (>= 1e-6) the integration
 * (~1e-10) and W2 (relative accuracy kept for nearby Gaussians) errors do not matter. */
START_TEST(jko_orders) {
  const int d = 3;
  bw_problem *pb = bw_problem_alloc(d);
  bw_gaussian *g0 = bw_gaussian_alloc(d);
  ck_assert_int_eq(bw_problem_random(d, 1, 0.7, pb, g0), BW_OK);
  const double T = 2.0, etas[3] = {0.1, 0.05, 0.025};
  double gw[3], gj[3], gf[3], loc[3];
  for (int i = 0; i < 3; i++) {
    int n = (int)lround(T / etas[i]);
    gw[i] = scheme_error(pb, g0, 0, BW_FLOW_PLAIN, etas[i], n);
    gj[i] = scheme_error(pb, g0, 0, BW_FLOW_JKO, etas[i], n);
    gf[i] = scheme_error(pb, g0, 1, BW_FLOW_FORWARD, etas[i], n);
    loc[i] = scheme_error(pb, g0, 0, BW_FLOW_JKO, 0.5 * etas[i], 1);
    fprintf(stderr, "eta %.4f: JKO vs WGF %.2e, JKO vs JKO-Flow %.2e, explicit vs its flow %.2e; eta %.4f: one JKO step vs JKO-Flow %.2e\n",
            etas[i], gw[i], gj[i], gf[i], 0.5 * etas[i], loc[i]);
  }
  for (int i = 0; i < 2; i++) {
    double rw = gw[i] / gw[i + 1], rj = gj[i] / gj[i + 1], rf = gf[i] / gf[i + 1], rl = loc[i] / loc[i + 1];
    fprintf(stderr, "ratios: WGF %.3f, JKO-Flow %.3f, explicit %.3f, local %.3f\n", rw, rj, rf, rl);
    ck_assert_msg(rw > 1.7 && rw < 2.3, "JKO vs WGF ratio %g", rw);
    ck_assert_msg(rj > 3.3 && rj < 4.7, "JKO vs JKO-Flow ratio %g", rj);
    ck_assert_msg(rf > 3.3 && rf < 4.7, "explicit vs its flow ratio %g", rf);
    ck_assert_msg(rl > 6.0 && rl < 10.0, "local ratio %g", rl);
  }
  /* and JKO-Flow is the better model by a wide margin at these step sizes */
  ck_assert(gj[2] < 0.1 * gw[2]);
  bw_gaussian_free(g0);
  bw_problem_free(pb);
}
END_TEST

/* ---------- dense vs Krylov ---------- */

/* Random non-commuting problems with K != 0, d = 1..12, JKO-Flow with eta = 0.1 and the forward
 * flow: the two linear solvers give the same trajectory to 1e-8 relative (each is within a
 * few 1e-10 of the solution at rtol 1e-10; measured max below). Also checks the statistics
 * are those of the solver in use and AUTO's choice at the crossover. */
START_TEST(dense_vs_krylov) {
  tu_rng r;
  tu_seed(&r, 18);
  double worst = 0;
  for (int d = 1; d <= 12; d++) {
    bw_problem *pb = rand_problem(&r, d, 0.2, 3.0, 0.7);
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.1, 3.0);
    double times[2] = {0.5, 2.0};
    bw_gaussian *od[2] = {bw_gaussian_alloc(d), bw_gaussian_alloc(d)};
    bw_gaussian *ok[2] = {bw_gaussian_alloc(d), bw_gaussian_alloc(d)};
    for (int q = 0; q < 2; q++) {
      bw_flow_kind kind = q ? BW_FLOW_FORWARD : BW_FLOW_JKO;
      bw_jkoflow *jd = make_flow(pb, kind, 0.1, BW_LINSOL_DENSE);
      bw_jkoflow *jk = make_flow(pb, kind, 0.1, BW_LINSOL_KRYLOV);
      bw_jkoflow *ja = make_flow(pb, kind, 0.1, BW_LINSOL_AUTO);
      ck_assert_int_eq(bw_jkoflow_linsol(jd), BW_LINSOL_DENSE);
      ck_assert_int_eq(bw_jkoflow_linsol(jk), BW_LINSOL_KRYLOV);
      ck_assert_int_eq(bw_jkoflow_linsol(ja), d <= 7 ? BW_LINSOL_DENSE : BW_LINSOL_KRYLOV);
      bw_jkoflow_stats sd, sk;
      ck_assert_int_eq(bw_jkoflow_solve(jd, g0, 2, times, od, &sd), BW_OK);
      ck_assert_int_eq(bw_jkoflow_solve(jk, g0, 2, times, ok, &sk), BW_OK);
      for (int k = 0; k < 2; k++) {
        double err = rel_diff(ok[k], od[k]);
        worst = fmax(worst, err);
        ck_assert_msg(err < 1e-8, "d %d kind %d t %g: %g", d, q, times[k], err);
      }
      ck_assert(sd.steps > 10 && sd.rhs_evals > sd.steps && sd.jac_evals > 0);
      ck_assert(sd.lin_iters == 0 && sd.jtv_evals == 0 && sd.prec_solves == 0);
      ck_assert(sk.steps > 10 && sk.rhs_evals > sk.steps && sk.jac_evals > 0);
      ck_assert(sk.lin_iters > 0 && sk.jtv_evals >= sk.lin_iters && sk.prec_solves > 0);
      if (q == 0) ck_assert(sd.root_evals > 0 && sk.root_evals > 0); /* collapse watch on */
      else ck_assert(sd.root_evals == 0 && sk.root_evals == 0);
      bw_jkoflow_free(jd);
      bw_jkoflow_free(jk);
      bw_jkoflow_free(ja);
    }
    for (int k = 0; k < 2; k++) bw_gaussian_free(od[k]), bw_gaussian_free(ok[k]);
    bw_gaussian_free(g0);
    bw_problem_free(pb);
  }
  fprintf(stderr, "dense_vs_krylov: worst relative difference %.2e\n", worst);
}
END_TEST

/* ---------- set up once, solve many times ---------- */

/* One solver reused for several initial Gaussians gives the same results as a fresh solver
 * per solve (CVodeReInit restores the whole state; bitwise equality is expected and
 * required), with outputs that alias the input and repeated output times. */
START_TEST(reuse) {
  tu_rng r;
  tu_seed(&r, 19);
  const int d = 4;
  bw_problem *pb = rand_problem(&r, d, 0.2, 3.0, 0.7);
  for (int ls = BW_LINSOL_DENSE; ls <= BW_LINSOL_KRYLOV; ls++) {
    bw_jkoflow *jf = make_flow(pb, BW_FLOW_JKO, 0.1, (bw_linsol)ls);
    for (int rep = 0; rep < 3; rep++) {
      bw_gaussian *g0 = tu_gaussian(&r, d, 0.2, 2.0), *a[3], *b[3];
      double times[3] = {0.7, 0.7, 1.5};
      for (int k = 0; k < 3; k++) a[k] = bw_gaussian_alloc(d), b[k] = bw_gaussian_alloc(d);
      bw_jkoflow *fresh = make_flow(pb, BW_FLOW_JKO, 0.1, (bw_linsol)ls);
      bw_jkoflow_stats s1, s2;
      ck_assert_int_eq(bw_jkoflow_solve(fresh, g0, 3, times, b, &s1), BW_OK);
      ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 3, times, a, &s2), BW_OK);
      for (int k = 0; k < 3; k++) {
        ck_assert(memcmp(a[k]->mean, b[k]->mean, sizeof(double) * d) == 0);
        ck_assert(memcmp(a[k]->cov, b[k]->cov, sizeof(double) * d * d) == 0);
      }
      ck_assert(memcmp(a[0]->cov, a[1]->cov, sizeof(double) * d * d) == 0); /* repeated time */
      ck_assert_int_eq(s1.steps, s2.steps);
      ck_assert_int_eq(s1.rhs_evals, s2.rhs_evals);
      bw_jkoflow_stats last;
      bw_jkoflow_last_stats(jf, &last);
      ck_assert(memcmp(&last, &s2, sizeof last) == 0);
      /* an output aliasing the input (all outputs are written at the end) */
      bw_gaussian *alias[3] = {a[0], a[1], g0};
      ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 3, times, alias, NULL), BW_OK);
      ck_assert(memcmp(g0->cov, b[2]->cov, sizeof(double) * d * d) == 0);
      ck_assert(memcmp(g0->mean, b[2]->mean, sizeof(double) * d) == 0);
      for (int k = 0; k < 3; k++) bw_gaussian_free(a[k]), bw_gaussian_free(b[k]);
      bw_gaussian_free(g0);
      bw_jkoflow_free(fresh);
    }
    bw_jkoflow_free(jf);
  }
  bw_problem_free(pb);
}
END_TEST

/* ---------- errors ---------- */

/* A singular initial covariance is BW_ERR_NOT_SPD for solve, start and rhs, decided on S
 * itself: S = diag(s) with exact zeros, rotated into other problems' eigenbases R'SR is often
 * positive definite by rounding (that slipped through and CVODE failed instead). 40 random
 * problems (d = 2..5, also the zero at each position); outputs untouched. */
START_TEST(singular_g0) {
  tu_rng r;
  tu_seed(&r, 31);
  int missed = 0;
  for (int trial = 0; trial < 40; trial++) {
    const int d = 2 + trial % 4;
    bw_problem *pb = rand_problem(&r, d, 0.2, 3.0, 0.7);
    bw_jkoflow *jf = make_flow(pb, BW_FLOW_JKO, 0.05, BW_LINSOL_AUTO);
    bw_gaussian *g = bw_gaussian_alloc(d), *o1 = bw_gaussian_alloc(d), *o2 = bw_gaussian_alloc(d);
    memset(g->cov, 0, sizeof(double) * d * g->ld);
    for (int i = 0; i < d; i++) {
      g->mean[i] = 0.1 * i;
      g->cov[i + i * g->ld] = i == trial % d ? 0.0 : 1.0 + i;
    }
    for (int i = 0; i < d; i++) o1->mean[i] = o2->mean[i] = 7.0;
    bw_gaussian *outs[2] = {o1, o2};
    const double times[2] = {0.1, 0.2};
    double *dm = calloc(d, sizeof(double)), *dS = calloc((size_t)d * d, sizeof(double));
    bw_status s1 = bw_jkoflow_solve(jf, g, 2, times, outs, NULL);
    bw_status s2 = bw_jkoflow_start(jf, g, 1.0);
    bw_status s3 = bw_jkoflow_rhs(jf, g, dm, dS, d);
    if (s1 != BW_ERR_NOT_SPD || s2 != BW_ERR_NOT_SPD || s3 != BW_ERR_NOT_SPD) {
      fprintf(stderr, "singular_g0 trial %d (d = %d): solve %d start %d rhs %d\n", trial, d, s1, s2, s3);
      missed++;
    }
    for (int i = 0; i < d; i++) ck_assert(o1->mean[i] == 7.0 && o2->mean[i] == 7.0 && dm[i] == 0.0);
    ck_assert(isnan(bw_jkoflow_time(jf)));
    free(dm);
    free(dS);
    bw_gaussian_free(g);
    bw_gaussian_free(o1);
    bw_gaussian_free(o2);
    bw_jkoflow_free(jf);
    bw_problem_free(pb);
  }
  ck_assert_int_eq(missed, 0);
}
END_TEST

/* ---------- Adams vs BDF, automatic choice and fallback ---------- */

/* Random problems d = 1..12, the three flows, two output times, default tolerances: forced
 * Adams, forced BDF and AUTO agree to 1e-8 (each is within a few hundred rtol = 1e-12 of the
 * exact flow, see plain_vs_closed_form; 1e-8 leaves room for the growth of errors over T = 2
 * on the JKO flow's unstable directions). AUTO picks Adams on these non-stiff starts
 * (rho0 T <= 200 with A's eigenvalues <= 3: rho0 ~ 2 max p + e tau^2 / lambda_min^2 ~ 10). */
START_TEST(adams_vs_bdf) {
  tu_rng r;
  tu_seed(&r, 32);
  double worst = 0;
  for (int d = 1; d <= 12; d++) {
    bw_problem *pb = rand_problem(&r, d, 0.2, 3.0, 0.7);
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0);
    double times[2] = {0.5, 2.0};
    bw_gaussian *o[3][2];
    for (int m = 0; m < 3; m++) o[m][0] = bw_gaussian_alloc(d), o[m][1] = bw_gaussian_alloc(d);
    for (int q = 0; q < 3; q++) {
      bw_flow_kind kind = q == 0 ? BW_FLOW_JKO : q == 1 ? BW_FLOW_FORWARD : BW_FLOW_PLAIN;
      double eta = q == 2 ? 0.0 : 0.1;
      const bw_ode_method ms[3] = {BW_METHOD_BDF, BW_METHOD_ADAMS, BW_METHOD_AUTO};
      bw_jkoflow_stats st[3];
      for (int m = 0; m < 3; m++) {
        bw_jkoflow *jf = make_flow_m(pb, kind, eta, BW_LINSOL_AUTO, ms[m], 0, 0);
        ck_assert_int_eq(bw_jkoflow_last_method(jf, NULL), BW_METHOD_AUTO); /* no solve yet */
        ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 2, times, o[m], &st[m]), BW_OK);
        long nad = -1;
        bw_ode_method used = bw_jkoflow_last_method(jf, &nad);
        ck_assert_int_eq(used, m == 0 ? BW_METHOD_BDF : BW_METHOD_ADAMS);
        ck_assert(m == 0 ? nad == 0 : nad == st[m].steps);
        const int dense = bw_jkoflow_linsol(jf) == BW_LINSOL_DENSE;
        ck_assert_str_eq(bw_jkoflow_solver_name(jf), m ? "adams" : dense ? "bdf-dense" : "bdf-krylov");
        ck_assert(st[m].steps > 10 && st[m].rhs_evals >= st[m].steps);
        if (m) ck_assert(st[m].jac_evals == 0 && st[m].lin_iters == 0 && st[m].jtv_evals == 0);
        ck_assert(q == 0 ? st[m].root_evals > 0 : st[m].root_evals == 0);
        bw_jkoflow_free(jf);
      }
      for (int k = 0; k < 2; k++) {
        double e1 = rel_diff(o[1][k], o[0][k]), e2 = rel_diff(o[2][k], o[0][k]);
        ck_assert_msg(e1 < 1e-8, "d %d kind %d t %g: Adams vs BDF %g", d, q, times[k], e1);
        ck_assert(rel_diff(o[2][k], o[1][k]) == 0.0); /* AUTO = Adams here, bitwise */
        worst = fmax(worst, fmax(e1, e2));
      }
    }
    for (int m = 0; m < 3; m++) bw_gaussian_free(o[m][0]), bw_gaussian_free(o[m][1]);
    bw_gaussian_free(g0);
    bw_problem_free(pb);
  }
  fprintf(stderr, "adams_vs_bdf: worst relative difference %.2e\n", worst);
}
END_TEST

/* A stiff problem (A's eigenvalues up to 400, eta = 1e-3 so that eta a < 2 keeps the flow
 * stable: rho0 T ~ 1600 > 50): AUTO chooses BDF from the start (bitwise the forced BDF result,
 * no Adams step). ADAMS starts with Adams anyway, runs out of its BW_JKOFLOW_ADAMS_MAX_STEPS
 * budget (Adams alone needs ~17x BDF's steps here: stability, not accuracy, limits its step)
 * and continues with BDF from Adams' last state: it agrees with BDF, and the counters add
 * both parts. The stiff flow is checked against the closed form of the mean (u_k' =
 * -(1 - e a_k/2)(a_k u_k - c_k): exponential relaxation), covariance by the BDF agreement. */
START_TEST(stiff_auto) {
  tu_rng r;
  tu_seed(&r, 33);
  const int d = 4;
  const double eta = 1e-3;
  bw_problem *pb = rand_problem(&r, d, 0.5, 400.0, 0.7);
  bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0);
  double T = 2.0;
  bw_gaussian *o[3];
  for (int m = 0; m < 3; m++) o[m] = bw_gaussian_alloc(d);
  const bw_ode_method ms[3] = {BW_METHOD_BDF, BW_METHOD_ADAMS, BW_METHOD_AUTO};
  bw_jkoflow_stats st[3];
  long nad[3];
  bw_ode_method used[3];
  for (int m = 0; m < 3; m++) {
    bw_jkoflow *jf = make_flow_m(pb, BW_FLOW_JKO, eta, BW_LINSOL_AUTO, ms[m], 0, 0);
    ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 1, &T, &o[m], &st[m]), BW_OK);
    used[m] = bw_jkoflow_last_method(jf, &nad[m]);
    bw_jkoflow_free(jf);
  }
  fprintf(stderr, "stiff_auto: steps BDF %ld, ADAMS %ld (%ld Adams), AUTO %ld (%ld Adams)\n",
          st[0].steps, st[1].steps, nad[1], st[2].steps, nad[2]);
  ck_assert(used[0] == BW_METHOD_BDF && nad[0] == 0);
  ck_assert(used[2] == BW_METHOD_BDF && nad[2] == 0);
  ck_assert(rel_diff(o[2], o[0]) == 0.0);
  ck_assert(used[1] == BW_METHOD_BDF && nad[1] == BW_JKOFLOW_ADAMS_MAX_STEPS && st[1].steps > nad[1]);
  ck_assert_msg(rel_diff(o[1], o[0]) < 1e-8, "%g", rel_diff(o[1], o[0]));
  /* the mean against its closed form, in A's eigenbasis */
  const double *a = bw_problem_A_eigvals(pb), *Q = bw_problem_A_eigvecs(pb), *h = bw_problem_h(pb);
  double err = 0;
  for (int k = 0; k < d; k++) {
    double u0 = 0, c = 0, u = 0;
    for (int i = 0; i < d; i++) u0 += Q[i + k * d] * g0->mean[i], c += Q[i + k * d] * h[i];
    double ustar = c / a[k], rate = (1 - eta * a[k] / 2) * a[k];
    double want = ustar + (u0 - ustar) * exp(-rate * T);
    for (int m = 0; m < 2; m++) {
      u = 0;
      for (int i = 0; i < d; i++) u += Q[i + k * d] * o[m]->mean[i];
      err = fmax(err, fabs(u - want) / fmax(fabs(want), 1.0));
    }
  }
  ck_assert_msg(err < 1e-9, "mean vs closed form %g", err);
  for (int m = 0; m < 3; m++) bw_gaussian_free(o[m]);
  bw_gaussian_free(g0);
  bw_problem_free(pb);
}
END_TEST

START_TEST(errors) {
  tu_rng r;
  tu_seed(&r, 20);
  const int d = 3;
  bw_problem *pb = rand_problem(&r, d, 0.2, 3.0, 0.7);
  bw_jkoflow *jf = NULL;
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  ck_assert(o.rtol == 1e-12 && o.atol == 1e-14 && o.linsol == BW_LINSOL_AUTO && o.max_steps > 0);

  /* create */
  ck_assert_int_eq(bw_jkoflow_create(NULL, BW_FLOW_JKO, 0.1, NULL, &jf), BW_ERR_NULL);
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_JKO, 0.1, NULL, NULL), BW_ERR_NULL);
  ck_assert_int_eq(bw_jkoflow_create(pb, (bw_flow_kind)7, 0.1, NULL, &jf), BW_ERR_BAD_ARG);
  double bad_eta[4] = {0.0, -0.1, NAN, INFINITY};
  for (int i = 0; i < 4; i++) {
    ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_JKO, bad_eta[i], NULL, &jf), BW_ERR_BAD_ETA);
    ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_FORWARD, bad_eta[i], NULL, &jf), BW_ERR_BAD_ETA);
    if (i) ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_PLAIN, bad_eta[i], NULL, &jf), BW_ERR_BAD_ETA);
  }
  ck_assert_ptr_null(jf);
  bw_jkoflow_opts b = o;
  b.rtol = 0;
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_JKO, 0.1, &b, &jf), BW_ERR_BAD_ARG);
  b = o, b.atol = NAN;
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_JKO, 0.1, &b, &jf), BW_ERR_BAD_ARG);
  b = o, b.max_steps = 0;
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_JKO, 0.1, &b, &jf), BW_ERR_BAD_ARG);
  b = o, b.linsol = (bw_linsol)9;
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_JKO, 0.1, &b, &jf), BW_ERR_BAD_ARG);
  ck_assert_ptr_null(jf);
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_PLAIN, 0.0, NULL, &jf), BW_OK);
  bw_jkoflow_free(jf);
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_PLAIN, 0.5, NULL, &jf), BW_OK); /* ignored */
  bw_jkoflow_free(jf);
  bw_jkoflow_free(NULL);

  /* solve */
  jf = make_flow(pb, BW_FLOW_JKO, 0.1, BW_LINSOL_AUTO);
  ck_assert_int_eq(bw_jkoflow_dim(jf), d);
  bw_gaussian *g0 = tu_gaussian(&r, d, 0.2, 2.0), *g2 = bw_gaussian_alloc(2);
  bw_gaussian *out[2] = {bw_gaussian_alloc(d), bw_gaussian_alloc(d)};
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < d * d; i++) out[k]->cov[i] = 7.0;
  double t[2] = {0.5, 1.0};
  bw_jkoflow_stats st;
  memset(&st, 0xab, sizeof st);
  bw_jkoflow_stats st0 = st;
  ck_assert_int_eq(bw_jkoflow_solve(NULL, g0, 2, t, out, &st), BW_ERR_NULL);
  ck_assert_int_eq(bw_jkoflow_solve(jf, NULL, 2, t, out, &st), BW_ERR_NULL);
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 2, NULL, out, &st), BW_ERR_NULL);
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 2, t, NULL, &st), BW_ERR_NULL);
  bw_gaussian *withnull[2] = {out[0], NULL};
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 2, t, withnull, &st), BW_ERR_NULL);
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 0, t, out, &st), BW_ERR_BAD_ARG);
  double dec[2] = {1.0, 0.5}, neg[2] = {-0.1, 0.5}, nan2[2] = {0.1, NAN};
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 2, dec, out, &st), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 2, neg, out, &st), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 2, nan2, out, &st), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_jkoflow_solve(jf, g2, 2, t, out, &st), BW_ERR_DIM_MISMATCH);
  bw_gaussian *mixed[2] = {out[0], g2};
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 2, t, mixed, &st), BW_ERR_DIM_MISMATCH);
  /* non-SPD and non-symmetric initial covariance */
  bw_gaussian *gb = bw_gaussian_alloc(d);
  gb->cov[0] = -1.0;
  ck_assert_int_eq(bw_jkoflow_solve(jf, gb, 2, t, out, &st), BW_ERR_NOT_SPD);
  gb->cov[0] = 1.0, gb->cov[1] = 0.5;
  ck_assert_int_eq(bw_jkoflow_solve(jf, gb, 2, t, out, &st), BW_ERR_NOT_SYMMETRIC);
  ck_assert(memcmp(&st, &st0, sizeof st) == 0);
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < d * d; i++) ck_assert(out[k]->cov[i] == 7.0);
  ck_assert_str_eq(bw_jkoflow_cvode_message(jf), "");
  double tc;
  ck_assert_int_eq(bw_jkoflow_collapse(jf, NULL, NULL), BW_ERR_NULL);
  ck_assert_int_eq(bw_jkoflow_collapse(jf, &tc, NULL), BW_ERR_BAD_ARG);

  /* rhs */
  double dm[3], dS[9];
  ck_assert_int_eq(bw_jkoflow_rhs(jf, g0, NULL, dS, d), BW_ERR_NULL);
  ck_assert_int_eq(bw_jkoflow_rhs(jf, g0, dm, dS, d - 1), BW_ERR_DIM);
  ck_assert_int_eq(bw_jkoflow_rhs(jf, g2, dm, dS, d), BW_ERR_DIM_MISMATCH);
  gb->cov[1] = 0.0, gb->cov[0] = -1.0;
  ck_assert_int_eq(bw_jkoflow_rhs(jf, gb, dm, dS, d), BW_ERR_NOT_SPD);
  bw_jkoflow_free(jf);

  /* too much work: outputs and stats untouched, CVODE's flag name in the message */
  b = o, b.max_steps = 5, b.method = BW_METHOD_BDF; /* (AUTO: 5 Adams, then 5 BDF steps) */
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_JKO, 0.1, &b, &jf), BW_OK);
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 2, t, out, &st), BW_ERR_CVODE_TOO_MUCH_WORK);
  ck_assert(memcmp(&st, &st0, sizeof st) == 0);
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < d * d; i++) ck_assert(out[k]->cov[i] == 7.0);
  ck_assert_msg(strncmp(bw_jkoflow_cvode_message(jf), "CV_TOO_MUCH_WORK: ", 18) == 0, "%s",
                bw_jkoflow_cvode_message(jf));
  fprintf(stderr, "errors: message \"%s\"\n", bw_jkoflow_cvode_message(jf));
  bw_jkoflow_last_stats(jf, &st);
  ck_assert_int_eq(st.steps, 5);
  /* the solver stays usable after a failure (a horizon reachable in 5 steps) */
  double tiny = 1e-12;
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 1, &tiny, out, NULL), BW_OK);
  ck_assert_str_eq(bw_jkoflow_cvode_message(jf), "");
  ck_assert(tu_maxabs_diff(d, out[0]->cov, d, g0->cov, d) < 1e-10);
  bw_jkoflow_free(jf);

  bw_gaussian_free(gb);
  bw_gaussian_free(g0);
  bw_gaussian_free(g2);
  bw_gaussian_free(out[0]);
  bw_gaussian_free(out[1]);
  bw_problem_free(pb);
}
END_TEST

int main(void) {
  Suite *s = suite_create("jkoflow");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, mean_closed_form);
  tcase_add_test(tc, commuting_scalar_law);
  tcase_add_test(tc, rhs_original_basis);
  tcase_add_test(tc, stationary_point);
  tcase_add_test(tc, plain_vs_closed_form);
  tcase_add_test(tc, collapse_commuting);
  tcase_add_test(tc, collapse_noncommuting);
  tcase_add_test(tc, collapse_immediate);
  tcase_add_test(tc, jko_orders);
  tcase_add_test(tc, dense_vs_krylov);
  tcase_add_test(tc, reuse);
  tcase_add_test(tc, errors);
  tcase_add_test(tc, singular_g0);
  tcase_add_test(tc, adams_vs_bdf);
  tcase_add_test(tc, stiff_auto);
  suite_add_tcase(s, tc);
  return tu_run(s);
}
