/* The order study over systems (lib/core/order.c) and the trajectory layer under it
 * (lib/core/system.c, lib/gaussian/system_gaussian.c): errors against an independent loop over the
 * closed forms, per-error statuses of a collapse, fits against closed forms, the default
 * horizon and step sizes, and the trajectory API's contract.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

/* The ou2d preset as a system. */
static bw_system *preset_system(const char *name, int d, uint64_t seed) {
  bw_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  ck_assert_int_eq(bw_preset(name, d, seed, &pb, &g0), BW_OK);
  bw_system *sys = NULL;
  ck_assert_int_eq(bw_system_gaussian_create(pb, g0, &sys), BW_OK);
  bw_problem_free(pb); /* the system keeps copies */
  bw_gaussian_free(g0);
  return sys;
}

/* Heat flow (A = 0, tau = 1) from N(0, diag(v0, 1)): JKO-Flow collapses when v0 is below
 * tau eta / 2. */
static bw_system *heat_system(double v0, bw_problem **pbo, bw_gaussian **g0o) {
  const double A[4] = {0, 0, 0, 0}, h[2] = {0, 0}, m[2] = {0, 0}, S[4] = {v0, 0, 0, 1};
  bw_problem *pb = bw_problem_alloc(2);
  bw_gaussian *g0 = bw_gaussian_alloc(2);
  ck_assert_int_eq(bw_problem_set(pb, A, 2, h, NULL, 2, 1.0), BW_OK);
  ck_assert_int_eq(bw_gaussian_set(g0, m, S, 2, BW_SYM_RTOL, NULL), BW_OK);
  bw_system *sys = NULL;
  ck_assert_int_eq(bw_system_gaussian_create(pb, g0, &sys), BW_OK);
  *pbo = pb;
  *g0o = g0;
  return sys;
}

/* The four errors of one eta, by an independent loop over the public closed forms and
 * JKO-Flow solvers (no trajectory layer). */
static void direct_errors(const bw_problem *pb, const bw_gaussian *g0, double T, double eta, double err[4]) {
  const int d = g0->d;
  const long n = lround(T / eta);
  bw_workspace *ws = bw_workspace_alloc(d);
  bw_gaussian *jko = bw_gaussian_alloc(d), *fe = bw_gaussian_alloc(d), *wgf = bw_gaussian_alloc(d);
  bw_gaussian *rj = bw_gaussian_alloc(d), *rf = bw_gaussian_alloc(d);
  bw_jko_plan *plan = NULL;
  bw_jkoflow *jf = NULL, *ff = NULL;
  ck_assert_int_eq(bw_jko_plan_create(pb, eta, &plan), BW_OK);
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_JKO, eta, NULL, &jf), BW_OK);
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_FORWARD, eta, NULL, &ff), BW_OK);
  ck_assert_int_eq(bw_jkoflow_start(jf, g0, T), BW_OK);
  ck_assert_int_eq(bw_jkoflow_start(ff, g0, T), BW_OK);
  bw_gaussian_copy(jko, g0);
  bw_gaussian_copy(fe, g0);
  for (int k = 0; k < 4; k++) err[k] = 0;
  for (long k = 1; k <= n; k++) {
    const double t = k == n ? T : k * eta;
    double w;
    ck_assert_int_eq(bw_jko_step(plan, ws, jko, jko), BW_OK);
    ck_assert_int_eq(bw_forward_step(pb, eta, ws, fe, fe), BW_OK);
    ck_assert_int_eq(bw_wgf(pb, ws, g0, t, wgf), BW_OK);
    ck_assert_int_eq(bw_jkoflow_advance(jf, t, rj), BW_OK);
    ck_assert_int_eq(bw_jkoflow_advance(ff, t, rf), BW_OK);
    const bw_gaussian *pairs[4][2] = {{jko, wgf}, {jko, rj}, {fe, wgf}, {fe, rf}};
    for (int q = 0; q < 4; q++) {
      ck_assert_int_eq(bw_w2(ws, pairs[q][0], pairs[q][1], &w), BW_OK);
      err[q] = fmax(err[q], w);
    }
  }
  bw_jko_plan_free(plan);
  bw_jkoflow_free(jf);
  bw_jkoflow_free(ff);
  bw_workspace_free(ws);
  bw_gaussian_free(jko), bw_gaussian_free(fe), bw_gaussian_free(wgf), bw_gaussian_free(rj), bw_gaussian_free(rf);
}

START_TEST(point_equals_direct_loop) {
  bw_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  ck_assert_int_eq(bw_preset("random", 3, 4, &pb, &g0), BW_OK);
  bw_system *sys = NULL;
  ck_assert_int_eq(bw_system_gaussian_create(pb, g0, &sys), BW_OK);
  const double etas[2] = {0.1, 0.025};
  for (int i = 0; i < 2; i++) {
    bw_order_point pt;
    double ref[4];
    ck_assert_int_eq(bw_order_point_compute(sys, 1.0, etas[i], 0, NULL, NULL, NULL, &pt), BW_OK);
    direct_errors(pb, g0, 1.0, etas[i], ref);
    ck_assert_int_eq(pt.steps, lround(1.0 / etas[i]));
    ck_assert_uint_eq(pt.mask, BW_ORDER_MASK_FIRST);
    /* the same computations in the same order: equal to the last bit */
    for (int k = 0; k < 4; k++) {
      ck_assert_int_eq(pt.status[k], BW_OK);
      ck_assert_msg(pt.err[k] == ref[k], "eta %g error %d: %.17g vs %.17g", etas[i], k, pt.err[k], ref[k]);
    }
    ck_assert(isnan(pt.err[BW_ORDER_JKOFLOW2]));
    /* an error does not depend on which others are computed */
    for (int k = 0; k < 4; k++) {
      bw_order_point one;
      ck_assert_int_eq(bw_order_point_compute(sys, 1.0, etas[i], 1u << k, NULL, NULL, NULL, &one), BW_OK);
      ck_assert(one.err[k] == pt.err[k]);
      for (int q = 0; q < BW_ORDER_NERR; q++)
        if (q != k) ck_assert(isnan(one.err[q]));
    }
  }
  bw_system_free(sys);
  bw_problem_free(pb);
  bw_gaussian_free(g0);
}
END_TEST

static void count_progress(void *ctx, long k, long n) {
  long *c = ctx;
  ck_assert_int_eq(k, c[0] + 1);
  c[0] = k;
  c[1] = n;
}

START_TEST(collapse_is_a_status) {
  bw_problem *pb;
  bw_gaussian *g0;
  bw_system *sys = heat_system(0.01, &pb, &g0); /* 0.01 < tau eta / 2 = 0.05 */
  bw_order_point pt;
  long calls[2] = {0, 0};
  ck_assert_int_eq(bw_order_point_compute(sys, 1.0, 0.1, 0, NULL, count_progress, calls, &pt), BW_OK);
  ck_assert_int_eq(calls[0], 10);
  ck_assert_int_eq(calls[1], 10);
  ck_assert_int_eq(pt.status[BW_ORDER_JKOFLOW], BW_ERR_COLLAPSE);
  ck_assert(isnan(pt.err[BW_ORDER_JKOFLOW]));
  bw_order_err which;
  ck_assert_int_eq(bw_order_point_status(&pt, &which), BW_ERR_COLLAPSE);
  ck_assert_int_eq(which, BW_ORDER_JKOFLOW);
  /* the collapse time is JKO-Flow's own, as bw_jkoflow_solve reports it */
  bw_jkoflow *jf = NULL;
  bw_gaussian *out = bw_gaussian_alloc(2);
  const double T = 1.0;
  double tc = NAN;
  ck_assert_int_eq(bw_jkoflow_create(pb, BW_FLOW_JKO, 0.1, NULL, &jf), BW_OK);
  ck_assert_int_eq(bw_jkoflow_start(jf, g0, T), BW_OK);
  ck_assert_int_eq(bw_jkoflow_advance(jf, T, out), BW_ERR_COLLAPSE);
  ck_assert_int_eq(bw_jkoflow_collapse(jf, &tc, NULL), BW_OK);
  ck_assert_msg(fabs(pt.fail_time[BW_ORDER_JKOFLOW] - tc) <= 1e-9 * tc, "%g vs %g", pt.fail_time[BW_ORDER_JKOFLOW], tc);
  ck_assert(tc > 0 && tc < 0.1);
  /* the other errors are unaffected: JKO vs WGF, forward Euler */
  double ref[4];
  bw_order_point w;
  ck_assert_int_eq(bw_order_point_compute(sys, 1.0, 0.1, 1u << BW_ORDER_WGF, NULL, NULL, NULL, &w), BW_OK);
  ck_assert(pt.status[BW_ORDER_WGF] == BW_OK && pt.err[BW_ORDER_WGF] == w.err[BW_ORDER_WGF]);
  (void)ref;
  bw_jkoflow_free(jf);
  bw_gaussian_free(out);
  bw_system_free(sys);
  bw_problem_free(pb);
  bw_gaussian_free(g0);
}
END_TEST

/* Synthetic points err = C h^p (1 + a h): Richardson's constant is exact, the slope of a
 * pure power law is exact, and unusable points are skipped wherever they sit. */
START_TEST(fit_closed_forms) {
  const double hs[6] = {0.05, 0.2, 0.1, 0.02, 0.01, 0.01};
  bw_order_point pts[6];
  memset(pts, 0, sizeof pts);
  for (int i = 0; i < 6; i++) {
    const double h = hs[i];
    pts[i].eta = h;
    pts[i].mask = BW_ORDER_MASK_ALL;
    pts[i].err[BW_ORDER_WGF] = 0.8 * h * (1 + 3 * h);            /* C1 = 0.8 */
    pts[i].err[BW_ORDER_JKOFLOW] = 1.25 * h * h;                 /* pure power */
    pts[i].err[BW_ORDER_FORWARD_WGF] = 2.0 * h * (1 - h);
    pts[i].err[BW_ORDER_FORWARD_FLOW] = i == 3 ? NAN : 3.0 * h * h * (1 + h); /* one failed */
    pts[i].status[BW_ORDER_FORWARD_FLOW] = i == 3 ? BW_ERR_LOST_SPD : BW_OK;
    pts[i].err[BW_ORDER_JKOFLOW2] = 0.5 * h * h * h * (1 - 2 * h);
    pts[i].err[BW_ORDER_FB_WGF] = 0.7 * h * (1 + h);
  }
  bw_order_fit f;
  ck_assert_int_eq(bw_order_fit_compute(6, pts, &f), BW_OK);
  ck_assert_int_eq(f.usable[BW_ORDER_WGF], 6);
  ck_assert_int_eq(f.usable[BW_ORDER_FORWARD_FLOW], 5);
  const double C[BW_ORDER_NERR] = {0.8, 1.25, 2.0, 3.0, 0.5, 0.7};
  for (int e = 0; e < BW_ORDER_NERR; e++)
    ck_assert_msg(fabs(f.constant[e] - C[e]) <= 1e-13 * C[e], "constant %d: %.17g", e, f.constant[e]);
  ck_assert(fabs(f.slope[BW_ORDER_JKOFLOW] - 2.0) < 1e-13);
  ck_assert(fabs(f.order[BW_ORDER_JKOFLOW] - 2.0) < 1e-13);
  /* orders from the two smallest distinct etas: 0.02 and 0.01 (0.01 twice), except for the
   * failed 0.02 of FORWARD_FLOW (then 0.05 and 0.01) */
  const double o_wgf = log((0.02 * 1.06) / (0.01 * 1.03)) / log(2.0);
  ck_assert(fabs(f.order[BW_ORDER_WGF] - o_wgf) < 1e-13);
  const double o_ff = log((0.05 * 0.05 * 1.05) / (0.01 * 0.01 * 1.01)) / log(5.0);
  ck_assert(fabs(f.order[BW_ORDER_FORWARD_FLOW] - o_ff) < 1e-13);
  double s;
  const double x[3] = {0.1, 0.2, 0.4}, y[3] = {1, 8, 64};
  ck_assert_int_eq(bw_loglog_slope(3, x, y, &s), BW_OK);
  ck_assert(fabs(s - 3.0) < 1e-14);
  /* one usable point: counts, no slope, order or constant */
  ck_assert_int_eq(bw_order_fit_compute(1, pts, &f), BW_OK);
  ck_assert_int_eq(f.usable[0], 1);
  ck_assert(isnan(f.slope[0]) && isnan(f.order[0]) && isnan(f.constant[0]));
}
END_TEST

static bool divides(double eta, double T) {
  const long n = lround(T / eta);
  return n >= 1 && fabs(n * eta - T) <= 1e-9 * T;
}

START_TEST(defaults_ou2d_and_bounds) {
  bw_system *sys = preset_system("ou2d", 0, 1);
  bw_order_defaults def;
  ck_assert_int_eq(bw_order_defaults_compute(sys, 0, &def), BW_OK);
  /* A's eigenvalues (3 -+ sqrt(2.44))/2: slowest rate 0.719, fastest 2 x 2.281 */
  const double amin = (3 - sqrt(2.44)) / 2, amax = (3 + sqrt(2.44)) / 2;
  ck_assert(fabs(def.rate_slow - amin) < 1e-12 && fabs(def.rate_fast - 2 * amax) < 1e-12);
  ck_assert(def.t == 2.0 && !def.t_capped);
  ck_assert_int_eq(def.bound, BW_BOUND_RATE);
  ck_assert(fabs(def.eta_safe - 0.25 / amax) < 1e-12);
  /* hard limit: collapse, the initial variance lambda_min(S0) = (2 - sqrt(1.36))/2 at t = 0:
   * tau eta/(2 - p eta) = s  <=>  eta = 2 s/(tau + p s) */
  const double s = (2 - sqrt(1.36)) / 2;
  ck_assert_msg(fabs(def.eta_max - 2 * s / (1 + amax * s)) < 1e-12, "%.17g", def.eta_max);
  const double want[7] = {0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001};
  ck_assert_int_eq(def.n, 7);
  for (int i = 0; i < 7; i++) ck_assert(def.etas[i] == want[i]);
  /* a given horizon the 1-2-5 values do not divide: T / (N0 {1, 2, 5, ...}) */
  ck_assert_int_eq(bw_order_defaults_compute(sys, 0.35, &def), BW_OK);
  ck_assert(def.t == 0.35 && def.etas[0] <= def.eta_safe);
  for (int i = 0; i < def.n; i++) {
    ck_assert(divides(def.etas[i], 0.35));
    if (i) ck_assert(def.etas[i] < def.etas[i - 1]);
  }
  ck_assert(def.etas[0] / def.etas[def.n - 1] >= 99.999);
  bw_system_free(sys);

  /* pure heat flow: nothing relaxes, the horizon is the cap; the collapse bound rules */
  bw_problem *pb;
  bw_gaussian *g0;
  sys = heat_system(0.01, &pb, &g0);
  ck_assert_int_eq(bw_order_defaults_compute(sys, 0, &def), BW_OK);
  ck_assert(def.t == BW_ORDER_T_CAP && def.t_capped && def.rate_slow == 0);
  ck_assert_int_eq(def.bound, BW_BOUND_COLLAPSE);
  ck_assert(fabs(def.eta_max - 0.02) < 1e-15); /* 2 s / tau, s = 0.01 at t = 0 */
  ck_assert(fabs(def.eta_safe - 0.005) < 1e-15);
  ck_assert(def.etas[0] == 0.005 && divides(def.etas[def.n - 1], def.t));
  /* and the default study is clean: no collapse at any default eta */
  for (int i = 0; i < def.n; i += def.n - 1) {
    bw_order_point pt;
    ck_assert_int_eq(bw_order_point_compute(sys, def.t, def.etas[i], 0, NULL, NULL, NULL, &pt), BW_OK);
    ck_assert_int_eq(bw_order_point_status(&pt, NULL), BW_OK);
  }
  bw_system_free(sys);
  bw_problem_free(pb);
  bw_gaussian_free(g0);

  /* non-convex: A = diag(-1, 1), tau = 0: the JKO step exists for eta < 1 */
  {
    const double A[4] = {-1, 0, 0, 1}, h[2] = {0, 0}, m[2] = {1, 1}, S[4] = {1, 0, 0, 1};
    bw_problem *pn = bw_problem_alloc(2);
    bw_gaussian *gn = bw_gaussian_alloc(2);
    ck_assert_int_eq(bw_problem_set(pn, A, 2, h, NULL, 2, 0.0), BW_OK);
    ck_assert_int_eq(bw_gaussian_set(gn, m, S, 2, BW_SYM_RTOL, NULL), BW_OK);
    ck_assert_int_eq(bw_system_gaussian_create(pn, gn, &sys), BW_OK);
    ck_assert_int_eq(bw_order_defaults_compute(sys, 1.0, &def), BW_OK);
    ck_assert(def.eta_max == 1.0);
    ck_assert(def.eta_safe <= 0.5);
    bw_system_free(sys);
    bw_problem_free(pn);
    bw_gaussian_free(gn);
  }
}
END_TEST

/* The defaults of random problems whose smallest initial variance is 1e-2 tau: clean. */
START_TEST(defaults_low_variance_clean) {
  tu_rng r;
  tu_seed(&r, 11);
  for (int trial = 0; trial < 3; trial++) {
    const int d = 2 + trial;
    bw_problem *pb = NULL;
    bw_gaussian *g0 = NULL;
    ck_assert_int_eq(bw_preset("random", d, 100 + trial, &pb, &g0), BW_OK);
    /* replace the initial covariance by one with spectrum [1e-2 tau, 2] */
    const double tau = bw_problem_tau(pb);
    double Q[16], S[16];
    tu_orthogonal(&r, d, Q);
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++) {
        double x = 0;
        for (int k = 0; k < d; k++) x += Q[i + k * d] * (k == 0 ? 1e-2 * tau : 2.0 / (k + 1)) * Q[j + k * d];
        S[i + j * d] = x;
      }
    double m[4];
    memcpy(m, g0->mean, sizeof(double) * (size_t)d);
    ck_assert_int_eq(bw_gaussian_set(g0, m, S, d, 1e-12, NULL), BW_OK);
    bw_system *sys = NULL;
    ck_assert_int_eq(bw_system_gaussian_create(pb, g0, &sys), BW_OK);
    bw_order_defaults def;
    ck_assert_int_eq(bw_order_defaults_compute(sys, 0, &def), BW_OK);
    ck_assert_int_eq(def.bound, BW_BOUND_COLLAPSE);
    bw_order_point pt;
    ck_assert_int_eq(bw_order_point_compute(sys, def.t, def.etas[0], 0, NULL, NULL, NULL, &pt), BW_OK);
    ck_assert_int_eq(bw_order_point_status(&pt, NULL), BW_OK);
    bw_system_free(sys);
    bw_problem_free(pb);
    bw_gaussian_free(g0);
  }
}
END_TEST

/* ---------------------------------------------------------------- trajectories */

START_TEST(traj_contract) {
  bw_system *sys = preset_system("ou2d", 0, 1);
  const bw_gaussian *g0 = NULL;
  const bw_problem *pb = bw_system_gaussian(sys, &g0);
  ck_assert_ptr_nonnull(pb);
  ck_assert_str_eq(bw_system_name(sys), "gaussian");
  ck_assert_int_eq(bw_system_dim(sys), 2);
  /* fields: m1 m2 S11 S12 S22 J Jeta slope_sq */
  static const char *const names[8] = {"m1", "m2", "S11", "S12", "S22", "J", "Jeta", "slope_sq"};
  ck_assert_int_eq(bw_system_nfields(sys), 8);
  char buf[32];
  for (int i = 0; i < 8; i++) {
    ck_assert_int_eq(bw_system_field_name(sys, i, buf, sizeof buf), BW_OK);
    ck_assert_str_eq(buf, names[i]);
  }
  ck_assert_int_eq(bw_system_field_name(sys, 8, buf, sizeof buf), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_system_field_name(sys, -1, buf, sizeof buf), BW_ERR_BAD_ARG);

  bw_traj *jko = NULL, *wgf = NULL, *jf = NULL;
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_JKO, 0.1, NULL, 1.0, &jko), BW_OK);
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_WGF, 0.0, NULL, 1.0, &wgf), BW_OK);
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_JKOFLOW, 0.1, NULL, 1.0, &jf), BW_OK);
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_JKO, 0.0, NULL, 1.0, &jko), BW_ERR_BAD_ETA);
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_KIND_COUNT, 0.1, NULL, 1.0, &jko), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_JKO, 0.1, NULL, -1.0, &jko), BW_ERR_BAD_ARG);
  /* discrete: whole steps only; argument errors leave the trajectory alive */
  ck_assert_int_eq(bw_traj_advance(jko, 0.15), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_traj_advance(jko, -1.0), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_traj_failure(jko, NULL, NULL), BW_OK);
  ck_assert_int_eq(bw_traj_advance(jko, 0.3), BW_OK);
  ck_assert_int_eq(bw_traj_steps(jko), 3);
  ck_assert(bw_traj_time(jko) == 0.3);
  /* three steps by the plan agree with the trajectory */
  bw_jko_plan *plan = NULL;
  bw_gaussian *g = bw_gaussian_alloc(2);
  bw_gaussian_copy(g, g0);
  ck_assert_int_eq(bw_jko_plan_create(pb, 0.1, &plan), BW_OK);
  for (int k = 0; k < 3; k++) ck_assert_int_eq(bw_jko_step(plan, NULL, g, g), BW_OK);
  ck_assert(tu_maxabs_diff(2, g->cov, 2, bw_traj_gaussian(jko)->cov, 2) == 0);
  /* flows: beyond t_stop refused; the closed form at 0.3 */
  ck_assert_int_eq(bw_traj_advance(wgf, 1.5), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_traj_advance(wgf, 0.3), BW_OK);
  ck_assert_int_eq(bw_wgf(pb, NULL, g0, 0.3, g), BW_OK);
  ck_assert(tu_maxabs_diff(2, g->cov, 2, bw_traj_gaussian(wgf)->cov, 2) == 0);
  ck_assert_str_eq(bw_traj_solver(wgf, NULL), "closed form");
  ck_assert_str_eq(bw_traj_solver(jko, NULL), "");
  ck_assert_int_eq(bw_traj_advance(jf, 0.3), BW_OK);
  bw_jkoflow_stats cs;
  ck_assert(strlen(bw_traj_solver(jf, &cs)) > 0 && cs.steps > 0);
  /* distance and fields */
  double w, w2, v[8], J, sl;
  ck_assert_int_eq(bw_traj_distance(jko, wgf, &w), BW_OK);
  ck_assert_int_eq(bw_w2(NULL, bw_traj_gaussian(jko), bw_traj_gaussian(wgf), &w2), BW_OK);
  ck_assert(w == w2 && w > 0);
  ck_assert_int_eq(bw_traj_fields(jko, 0.1, v), BW_OK);
  ck_assert_int_eq(bw_energy(pb, NULL, bw_traj_gaussian(jko), &J), BW_OK);
  ck_assert_int_eq(bw_slope_sq(pb, NULL, bw_traj_gaussian(jko), &sl), BW_OK);
  ck_assert(v[5] == J && v[7] == sl && v[6] == J - 0.025 * sl);
  ck_assert(v[0] == bw_traj_gaussian(jko)->mean[0] && v[3] == bw_traj_gaussian(jko)->cov[2]);
  /* distances from one trajectory to several: the same numbers as one at a time */
  {
    const bw_traj *refs[2] = {wgf, jf};
    double d2[2] = {-1, -1}, w1;
    ck_assert_int_eq(bw_traj_distances(jko, 2, refs, d2), BW_OK);
    ck_assert_int_eq(bw_traj_distance(jko, jf, &w1), BW_OK);
    ck_assert(d2[0] == w && d2[1] == w1);
    ck_assert_int_eq(bw_traj_distances(jko, 9, refs, d2), BW_ERR_BAD_ARG);
    ck_assert_int_eq(bw_traj_distances(jko, -1, refs, d2), BW_ERR_BAD_ARG);
    ck_assert_int_eq(bw_traj_distances(jko, 2, NULL, d2), BW_ERR_NULL);
    ck_assert_int_eq(bw_traj_distances(jko, 0, NULL, d2), BW_OK);
  }
  ck_assert_ptr_null(bw_traj_positions(jko, NULL));
  ck_assert_int_eq(bw_traj_failure_vector(jko, v), BW_ERR_BAD_ARG); /* alive */
  /* another system: a distance is refused */
  bw_system *other = preset_system("random", 3, 2);
  bw_traj *o = NULL;
  ck_assert_int_eq(bw_traj_create(other, BW_TRAJ_WGF, 0, NULL, 0, &o), BW_OK);
  ck_assert_int_eq(bw_traj_distance(jko, o, &w), BW_ERR_DIM_MISMATCH);
  {
    const bw_traj *mixed[2] = {wgf, o};
    double d2[2] = {-1, -1};
    ck_assert_int_eq(bw_traj_distances(jko, 2, mixed, d2), BW_ERR_DIM_MISMATCH);
    ck_assert(d2[0] == -1 && d2[1] == -1);
  }
  /* field names of d >= 10 carry an underscore */
  bw_system *big = preset_system("random", 10, 1);
  ck_assert_int_eq(bw_system_field_name(big, 10 + 1, buf, sizeof buf), BW_OK);
  ck_assert_str_eq(buf, "S1_2");
  bw_system_free(big);
  bw_traj_free(o);
  bw_system_free(other);
  bw_jko_plan_free(plan);
  bw_gaussian_free(g);
  bw_traj_free(jko);
  bw_traj_free(wgf);
  bw_traj_free(jf);
  /* trajectories outlive their system */
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_FORWARD, 0.1, NULL, 0, &jko), BW_OK);
  bw_system_free(sys);
  ck_assert_int_eq(bw_traj_advance(jko, 0.2), BW_OK);
  bw_traj_free(jko);
}
END_TEST

START_TEST(traj_failure_is_sticky) {
  bw_problem *pb;
  bw_gaussian *g0;
  bw_system *sys = heat_system(0.01, &pb, &g0);
  bw_traj *jf = NULL;
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_JKOFLOW, 0.1, NULL, 1.0, &jf), BW_OK);
  ck_assert_int_eq(bw_traj_advance(jf, 0.5), BW_ERR_COLLAPSE);
  double t = NAN, dir[2];
  ck_assert_int_eq(bw_traj_failure(jf, &t, NULL), BW_ERR_COLLAPSE);
  ck_assert(t > 0 && t < 0.5);
  ck_assert_int_eq(bw_traj_failure_vector(jf, dir), BW_OK);
  ck_assert(fabs(dir[0] - 1) < 1e-9 && fabs(dir[1]) < 1e-9); /* the first variance collapses */
  ck_assert_int_eq(bw_traj_advance(jf, 0.6), BW_ERR_COLLAPSE);
  ck_assert(bw_traj_time(jf) == 0.0); /* the last good state */
  bw_traj_free(jf);
  bw_system_free(sys);
  bw_problem_free(pb);
  bw_gaussian_free(g0);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("order");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, point_equals_direct_loop);
  tcase_add_test(tc, collapse_is_a_status);
  tcase_add_test(tc, fit_closed_forms);
  tcase_add_test(tc, defaults_ou2d_and_bounds);
  tcase_add_test(tc, defaults_low_variance_clean);
  tcase_add_test(tc, traj_contract);
  tcase_add_test(tc, traj_failure_is_sticky);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run(suite()); }
