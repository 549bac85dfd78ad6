/* JKO-Flow's solvers: dense and Krylov linear solvers agree, Adams and BDF agree, the
 * automatic method choice and the Adams-to-BDF fallback on a stiff problem, a solver set up
 * once and reused, and errors (arguments, a singular initial covariance, too much work).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_jkoflow.h"

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
    bw_problem *pb = tj_rand_problem(&r, d, 0.2, 3.0, 0.7);
    bw_gaussian *g0 = tu_gaussian(&r, d, 0.1, 3.0);
    double times[2] = {0.5, 2.0};
    bw_gaussian *od[2] = {bw_gaussian_alloc(d), bw_gaussian_alloc(d)};
    bw_gaussian *ok[2] = {bw_gaussian_alloc(d), bw_gaussian_alloc(d)};
    for (int q = 0; q < 2; q++) {
      bw_flow_kind kind = q ? BW_FLOW_FORWARD : BW_FLOW_JKO;
      bw_jkoflow *jd = tj_make_flow(pb, kind, 0.1, BW_LINSOL_DENSE);
      bw_jkoflow *jk = tj_make_flow(pb, kind, 0.1, BW_LINSOL_KRYLOV);
      bw_jkoflow *ja = tj_make_flow(pb, kind, 0.1, BW_LINSOL_AUTO);
      ck_assert_int_eq(bw_jkoflow_linsol(jd), BW_LINSOL_DENSE);
      ck_assert_int_eq(bw_jkoflow_linsol(jk), BW_LINSOL_KRYLOV);
      ck_assert_int_eq(bw_jkoflow_linsol(ja), d <= 7 ? BW_LINSOL_DENSE : BW_LINSOL_KRYLOV);
      bw_jkoflow_stats sd, sk;
      ck_assert_int_eq(bw_jkoflow_solve(jd, g0, 2, times, od, &sd), BW_OK);
      ck_assert_int_eq(bw_jkoflow_solve(jk, g0, 2, times, ok, &sk), BW_OK);
      for (int k = 0; k < 2; k++) {
        double err = tj_rel_diff(ok[k], od[k]);
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
  bw_problem *pb = tj_rand_problem(&r, d, 0.2, 3.0, 0.7);
  for (int ls = BW_LINSOL_DENSE; ls <= BW_LINSOL_KRYLOV; ls++) {
    bw_jkoflow *jf = tj_make_flow(pb, BW_FLOW_JKO, 0.1, (bw_linsol)ls);
    for (int rep = 0; rep < 3; rep++) {
      bw_gaussian *g0 = tu_gaussian(&r, d, 0.2, 2.0), *a[3], *b[3];
      double times[3] = {0.7, 0.7, 1.5};
      for (int k = 0; k < 3; k++) a[k] = bw_gaussian_alloc(d), b[k] = bw_gaussian_alloc(d);
      bw_jkoflow *fresh = tj_make_flow(pb, BW_FLOW_JKO, 0.1, (bw_linsol)ls);
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
    bw_problem *pb = tj_rand_problem(&r, d, 0.2, 3.0, 0.7);
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
        bw_jkoflow *jf = tj_make_flow_m(pb, kind, eta, BW_LINSOL_AUTO, ms[m], 0, 0);
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
        double e1 = tj_rel_diff(o[1][k], o[0][k]), e2 = tj_rel_diff(o[2][k], o[0][k]);
        ck_assert_msg(e1 < 1e-8, "d %d kind %d t %g: Adams vs BDF %g", d, q, times[k], e1);
        ck_assert(tj_rel_diff(o[2][k], o[1][k]) == 0.0); /* AUTO = Adams here, bitwise */
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
  bw_problem *pb = tj_rand_problem(&r, d, 0.5, 400.0, 0.7);
  bw_gaussian *g0 = tu_gaussian(&r, d, 0.3, 3.0);
  double T = 2.0;
  bw_gaussian *o[3];
  for (int m = 0; m < 3; m++) o[m] = bw_gaussian_alloc(d);
  const bw_ode_method ms[3] = {BW_METHOD_BDF, BW_METHOD_ADAMS, BW_METHOD_AUTO};
  bw_jkoflow_stats st[3];
  long nad[3];
  bw_ode_method used[3];
  for (int m = 0; m < 3; m++) {
    bw_jkoflow *jf = tj_make_flow_m(pb, BW_FLOW_JKO, eta, BW_LINSOL_AUTO, ms[m], 0, 0);
    ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 1, &T, &o[m], &st[m]), BW_OK);
    used[m] = bw_jkoflow_last_method(jf, &nad[m]);
    bw_jkoflow_free(jf);
  }
  fprintf(stderr, "stiff_auto: steps BDF %ld, ADAMS %ld (%ld Adams), AUTO %ld (%ld Adams)\n",
          st[0].steps, st[1].steps, nad[1], st[2].steps, nad[2]);
  ck_assert(used[0] == BW_METHOD_BDF && nad[0] == 0);
  ck_assert(used[2] == BW_METHOD_BDF && nad[2] == 0);
  ck_assert(tj_rel_diff(o[2], o[0]) == 0.0);
  ck_assert(used[1] == BW_METHOD_BDF && nad[1] == BW_JKOFLOW_ADAMS_MAX_STEPS && st[1].steps > nad[1]);
  ck_assert_msg(tj_rel_diff(o[1], o[0]) < 1e-8, "%g", tj_rel_diff(o[1], o[0]));
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
  bw_problem *pb = tj_rand_problem(&r, d, 0.2, 3.0, 0.7);
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
  jf = tj_make_flow(pb, BW_FLOW_JKO, 0.1, BW_LINSOL_AUTO);
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
    bw_problem *pb = tj_rand_problem(&r, d, 0.2, 3.0, 0.7);
    bw_jkoflow *jf = tj_make_flow(pb, BW_FLOW_JKO, 0.05, BW_LINSOL_AUTO);
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

int main(void) {
  Suite *s = suite_create("jkoflow_solvers");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, dense_vs_krylov);
  tcase_add_test(tc, reuse);
  tcase_add_test(tc, errors);
  tcase_add_test(tc, singular_g0);
  tcase_add_test(tc, adams_vs_bdf);
  tcase_add_test(tc, stiff_auto);
  suite_add_tcase(s, tc);
  return tu_run(s);
}
