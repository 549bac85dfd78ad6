/* The ridge system's flows and system table (bwflow/ridge.h, docs/math.md section 9):
 * quadratic ridges against the Gaussian system for every method, the modified field against
 * differences of the modified energy, local errors O(eta^3) of the steps against their
 * modified flows, collapse, the system's kinds and order-study defaults, and argument errors
 * that leave outputs untouched. SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "test_ridge.h"

/* The Gaussian problem of quadratic ridges: A + sum w a a', h + sum w b a, K = 0; its energy is
 * the ridges' less the constant *c = sum w b^2/2 (c may be NULL). */
static bw_problem *gaussian_of(const bw_ridge_problem *rp, double *c) {
  const int d = bw_ridge_problem_dim(rp);
  double A[TR_DMAX * TR_DMAX], h[TR_DMAX];
  memcpy(A, bw_ridge_problem_A(rp), sizeof(double) * d * d);
  memcpy(h, bw_ridge_problem_h(rp), sizeof(double) * d);
  for (int j = 0; j < bw_ridge_problem_nridges(rp); j++) {
    bw_ridge r;
    ck_assert_int_eq(bw_ridge_problem_ridge(rp, j, &r), BW_OK);
    ck_assert_int_eq(r.family, BW_RIDGE_QUADRATIC);
    if (c) *c += 0.5 * r.w * r.b * r.b;
    for (int k = 0; k < d; k++) {
      h[k] += r.w * r.b * r.a[k];
      for (int i = 0; i < d; i++) A[i + k * d] += r.w * r.a[i] * r.a[k];
    }
  }
  bw_problem *pb = bw_problem_alloc(d);
  ck_assert_int_eq(bw_problem_set(pb, A, d, h, NULL, d, bw_ridge_problem_tau(rp)), BW_OK);
  return pb;
}

/* Every kind both systems provide, from the same state: the same Gaussian to 1e-12 (the
 * integrated flows at rtol 1e-14), and the same fields. */
START_TEST(quadratic_ridges_are_gaussian) {
  tu_rng rng;
  tu_seed(&rng, 21);
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  o.rtol = 1e-14, o.atol = 1e-16;
  double worst[BW_TRAJ_KIND_COUNT] = {0};
  for (int d = 1; d <= 5; d++)
    for (int it = 0; it < 2; it++) {
      const double tau = it ? 0.8 : 0.0, eta = 0.05, T = 0.5;
      bw_ridge_problem *rp = tr_random_problem(&rng, d, 4, tau, TR_QUADRATIC);
      double c = 0.0;
      bw_problem *gp = gaussian_of(rp, &c);
      bw_gaussian *g0 = tu_gaussian(&rng, d, 0.3, 1.5);
      bw_system *rs = NULL, *gs = NULL;
      ck_assert_int_eq(bw_system_ridge_create(rp, g0, &rs), BW_OK);
      ck_assert_int_eq(bw_system_gaussian_create(gp, g0, &gs), BW_OK);
      const int nf = bw_system_nfields(rs);
      ck_assert_int_eq(nf, bw_system_nfields(gs));
      for (int k = 0; k < BW_TRAJ_KIND_COUNT; k++) {
        if (!bw_system_provides(rs, (bw_traj_kind)k)) {
          ck_assert_int_eq(k, BW_TRAJ_JKOFLOW2);
          continue;
        }
        bw_traj *tr = NULL, *tg = NULL;
        ck_assert_int_eq(bw_traj_create(rs, (bw_traj_kind)k, k == BW_TRAJ_WGF ? 0 : eta, &o, T, &tr), BW_OK);
        ck_assert_int_eq(bw_traj_create(gs, (bw_traj_kind)k, k == BW_TRAJ_WGF ? 0 : eta, &o, T, &tg), BW_OK);
        ck_assert_int_eq(bw_traj_advance(tr, T), BW_OK);
        ck_assert_int_eq(bw_traj_advance(tg, T), BW_OK);
        const double e = tr_state_diff(bw_traj_gaussian(tr), bw_traj_gaussian(tg));
        worst[k] = fmax(worst[k], e);
        ck_assert_msg(e <= 1e-12, "d %d tau %g %s: %g", d, tau,
                      bw_traj_kind_name((bw_traj_kind)k), e);
        double vr[64], vg[64];
        ck_assert_int_eq(bw_traj_fields(tr, eta, vr), BW_OK);
        ck_assert_int_eq(bw_traj_fields(tg, eta, vg), BW_OK);
        for (int f = nf - 3; f < nf; f++) {
          const double ex = vg[f] + (f < nf - 1 ? c : 0.0); /* J and Jeta: the constant */
          ck_assert_msg(fabs(vr[f] - ex) <= 1e-11 * fmax(1, fabs(ex)), "field %d: %.17g vs %.17g", f, vr[f], ex);
        }
        char nr[32], ng[32];
        for (int f = 0; f < nf; f++) {
          ck_assert_int_eq(bw_system_field_name(rs, f, nr, sizeof nr), BW_OK);
          ck_assert_int_eq(bw_system_field_name(gs, f, ng, sizeof ng), BW_OK);
          ck_assert_str_eq(nr, ng);
        }
        bw_traj_free(tr), bw_traj_free(tg);
      }
      bw_system_free(rs), bw_system_free(gs);
      bw_gaussian_free(g0);
      bw_problem_free(gp);
      bw_ridge_problem_free(rp);
    }
  for (int k = 0; k < BW_TRAJ_KIND_COUNT; k++)
    if (k != BW_TRAJ_JKOFLOW2) printf("quadratic ridges vs Gaussians, %s: %.1e\n", bw_traj_kind_name((bw_traj_kind)k), worst[k]);
}
END_TEST

/* The flows' right-hand sides: the gradient flow's is (-g, -(G S + S G)); JKO-Flow's and the
 * forward flow's are the same with the gradient of Phi = J -+ eta/4 |grad J|^2, here from
 * Richardson differences of bw_ridge_modified_energy (an independent route to the field). */
START_TEST(modified_field_vs_energy) {
  tu_rng rng;
  tu_seed(&rng, 23);
  for (int d = 1; d <= 3; d++)
    for (int kind = 0; kind < 3; kind++) {
      const bw_flow_kind fk = kind == 0 ? BW_FLOW_PLAIN : kind == 1 ? BW_FLOW_JKO : BW_FLOW_FORWARD;
      const double eta = 0.15, e = kind == 0 ? 0.0 : kind == 1 ? eta : -eta;
      bw_ridge_problem *pb = tr_random_problem(&rng, d, 5, 0.7, TR_ALL_FAMILIES);
      bw_gaussian *g = tu_gaussian(&rng, d, 0.3, 0.9), *p = bw_gaussian_alloc(d);
      bw_ridge_flow *rf = NULL;
      ck_assert_int_eq(bw_ridge_flow_create(pb, fk, eta, NULL, &rf), BW_OK);
      double dm[TR_DMAX], dS[TR_DMAX * TR_DMAX], gm[TR_DMAX], Gt[TR_DMAX * TR_DMAX];
      ck_assert_int_eq(bw_ridge_flow_rhs(rf, g, dm, dS, d), BW_OK);
      /* grad_m Phi and Gt = 2 grad_S Phi by differences */
      for (int c = 0; c < d + d * d; c++) {
        int k = 0, l = 0;
        if (c >= d) k = (c - d) % d, l = (c - d) / d;
        if (c >= d && k > l) continue;
        const double h = 1e-4;
        double P[4];
        for (int q = 0; q < 4; q++) {
          const double st = (q == 0 ? 2 : q == 1 ? 1 : q == 2 ? -1 : -2) * h;
          bw_gaussian_copy(p, g);
          if (c < d) p->mean[c] += st;
          else p->cov[k + l * d] += st, p->cov[l + k * d] += k == l ? 0 : st;
          ck_assert_int_eq(bw_ridge_modified_energy(pb, NULL, p, e, &P[q]), BW_OK);
        }
        const double dP = (8 * (P[1] - P[2]) - (P[0] - P[3])) / (12 * h);
        if (c < d) gm[c] = dP;
        else if (k == l) Gt[k + k * d] = 2 * dP;
        else Gt[k + l * d] = Gt[l + k * d] = dP;
      }
      double GS[TR_DMAX * TR_DMAX];
      tu_matmul(d, Gt, g->cov, GS);
      for (int i = 0; i < d; i++) ck_assert_msg(fabs(dm[i] + gm[i]) <= 1e-7 * fmax(1, fabs(gm[i])), "kind %d m%d", kind, i);
      for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) {
          const double ex = -(GS[i + j * d] + GS[j + i * d]);
          ck_assert_msg(fabs(dS[i + j * d] - ex) <= 1e-7 * fmax(1, fabs(ex)), "d %d kind %d S%d%d: %.10g vs %.10g", d, kind, i,
                        j, dS[i + j * d], ex);
        }
      bw_ridge_flow_free(rf);
      bw_gaussian_free(g), bw_gaussian_free(p);
      bw_ridge_problem_free(pb);
    }
}
END_TEST

/* One step against the flow over time eta: JKO vs JKO-Flow and forward vs the forward flow
 * O(eta^3) (the modified flows' defining property), JKO vs the gradient flow O(eta^2). */
START_TEST(local_errors) {
  tu_rng rng;
  tu_seed(&rng, 29);
  bw_ridge_problem *pb = tr_random_problem(&rng, 3, 6, 0.7, TR_ALL_FAMILIES);
  bw_gaussian *g = tu_gaussian(&rng, 3, 0.4, 1.0), *a = bw_gaussian_alloc(3), *b = bw_gaussian_alloc(3);
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  o.rtol = 1e-13, o.atol = 1e-15;
  const int pairs[4][3] = {{BW_TRAJ_JKO, BW_FLOW_JKO, 3}, {BW_TRAJ_FORWARD, BW_FLOW_FORWARD, 3}, {BW_TRAJ_JKO, BW_FLOW_PLAIN, 2},
                           {BW_TRAJ_FB, BW_FLOW_PLAIN, 2}};
  for (int q = 0; q < 4; q++) {
    double err[2];
    for (int i = 0; i < 2; i++) {
      const double eta = i ? 0.001 : 0.002; /* the asymptotic range of this problem (H ~ 5) */
      bw_status st = pairs[q][0] == BW_TRAJ_JKO       ? bw_ridge_jko_step(pb, eta, NULL, g, a, NULL)
                     : pairs[q][0] == BW_TRAJ_FORWARD ? bw_ridge_forward_step(pb, eta, NULL, g, a)
                                                      : bw_ridge_fb_step(pb, eta, NULL, g, a);
      ck_assert_int_eq(st, BW_OK);
      bw_ridge_flow *rf = NULL;
      ck_assert_int_eq(bw_ridge_flow_create(pb, (bw_flow_kind)pairs[q][1], eta, &o, &rf), BW_OK);
      ck_assert_int_eq(bw_ridge_flow_start(rf, g, eta), BW_OK);
      ck_assert_int_eq(bw_ridge_flow_advance(rf, eta, b), BW_OK);
      bw_ridge_flow_free(rf);
      err[i] = tr_state_diff(a, b);
    }
    const double order = log(err[0] / err[1]) / log(2.0);
    ck_assert_msg(fabs(order - pairs[q][2]) < 0.1, "pair %d: local order %g (%g, %g)", q, order, err[0], err[1]);
  }
  bw_gaussian_free(g), bw_gaussian_free(a), bw_gaussian_free(b);
  bw_ridge_problem_free(pb);
}
END_TEST

/* JKO-Flow collapses from a variance below tau eta/2: quadratic ridges collapse when the
 * Gaussian system does (time to 1e-6, same direction); the state stays the last good one. */
START_TEST(collapse) {
  tu_rng rng;
  tu_seed(&rng, 31);
  bw_ridge_problem *rp = tr_random_problem(&rng, 2, 3, 1.0, TR_QUADRATIC);
  bw_problem *gp = gaussian_of(rp, NULL);
  bw_gaussian *g0 = bw_gaussian_alloc(2), *out = bw_gaussian_alloc(2);
  g0->mean[0] = 0.3, g0->mean[1] = -0.2;
  g0->cov[0] = 0.02, g0->cov[1] = g0->cov[2] = 0.001, g0->cov[3] = 0.8;
  const double eta = 0.1;
  bw_ridge_flow *rf = NULL;
  bw_jkoflow *jf = NULL;
  ck_assert_int_eq(bw_ridge_flow_create(rp, BW_FLOW_JKO, eta, NULL, &rf), BW_OK);
  ck_assert_int_eq(bw_jkoflow_create(gp, BW_FLOW_JKO, eta, NULL, &jf), BW_OK);
  ck_assert_int_eq(bw_ridge_flow_start(rf, g0, 0.0), BW_OK);
  out->mean[0] = 42.0;
  ck_assert_int_eq(bw_ridge_flow_advance(rf, 1.0, out), BW_ERR_COLLAPSE);
  ck_assert(out->mean[0] == 42.0);
  double tr, tg, vr[2], vg[2];
  ck_assert_int_eq(bw_ridge_flow_collapse(rf, &tr, vr), BW_OK);
  const double times[1] = {1.0};
  bw_gaussian *outs[1] = {out};
  ck_assert_int_eq(bw_jkoflow_solve(jf, g0, 1, times, outs, NULL), BW_ERR_COLLAPSE);
  ck_assert_int_eq(bw_jkoflow_collapse(jf, &tg, vg), BW_OK);
  ck_assert_msg(fabs(tr - tg) <= 1e-6 * tg, "collapse at %.12g, Gaussians %.12g", tr, tg);
  ck_assert(fabs(vr[0] - vg[0]) < 1e-6 && fabs(vr[1] - vg[1]) < 1e-6 && vr[0] > 0.9);
  ck_assert_int_eq(bw_ridge_flow_advance(rf, 1.0, out), BW_ERR_BAD_ARG); /* must be started again */
  /* through the system: exit status material of the CLI (time and direction) */
  bw_system *sys = NULL;
  bw_traj *t = NULL;
  ck_assert_int_eq(bw_system_ridge_create(rp, g0, &sys), BW_OK);
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_JKOFLOW, eta, NULL, 1.0, &t), BW_OK);
  ck_assert_int_eq(bw_traj_advance(t, 1.0), BW_ERR_COLLAPSE);
  double ft;
  ck_assert_int_eq(bw_traj_failure(t, &ft, NULL), BW_ERR_COLLAPSE);
  ck_assert(fabs(ft - tg) <= 1e-6 * tg);
  ck_assert_int_eq(bw_traj_failure_vector(t, vr), BW_OK);
  bw_traj_free(t);
  bw_system_free(sys);
  bw_ridge_flow_free(rf);
  bw_jkoflow_free(jf);
  bw_gaussian_free(g0), bw_gaussian_free(out);
  bw_problem_free(gp);
  bw_ridge_problem_free(rp);
}
END_TEST

/* A JKO-Flow that collapses within its first step (a variance of 1e-14, rotated or not, far
 * below tau eta): every trial step fails before the root function sees the crossing, and
 * the failure is the collapse, at t ~ 0 along the small variance's eigenvector, as for
 * Gaussians; never a CVODE error. Outputs untouched. */
START_TEST(collapse_at_start) {
  tu_rng rng;
  tu_seed(&rng, 37);
  const int fam[2] = {TR_QUADRATIC, TR_ALL_FAMILIES};
  for (int f = 0; f < 2; f++) {
    bw_ridge_problem *rp = tr_random_problem(&rng, 2, 3, 1.0, fam[f]);
    bw_gaussian *g0 = bw_gaussian_alloc(2), *out = bw_gaussian_alloc(2);
    for (int rot = 0; rot < 2; rot++) {
      const double c = rot ? cos(0.3) : 1.0, s = rot ? sin(0.3) : 0.0, l0 = 1e-14, l1 = 1.0;
      g0->mean[0] = 0.1, g0->mean[1] = -0.4;
      g0->cov[0] = c * c * l0 + s * s * l1, g0->cov[3] = s * s * l0 + c * c * l1;
      g0->cov[1] = g0->cov[2] = c * s * (l0 - l1);
      bw_ridge_flow *rf = NULL;
      ck_assert_int_eq(bw_ridge_flow_create(rp, BW_FLOW_JKO, 0.01, NULL, &rf), BW_OK);
      ck_assert_int_eq(bw_ridge_flow_start(rf, g0, 0.0), BW_OK);
      out->mean[0] = 42.0;
      ck_assert_int_eq(bw_ridge_flow_advance(rf, 1.0, out), BW_ERR_COLLAPSE);
      ck_assert(out->mean[0] == 42.0);
      double tc, v[2];
      ck_assert_int_eq(bw_ridge_flow_collapse(rf, &tc, v), BW_OK);
      ck_assert_msg(tc >= 0.0 && tc < 1e-9, "family set %d, rotation %d: collapse at %g", f, rot, tc);
      ck_assert_msg(fabs(fabs(v[0]) - c) < 1e-6 && fabs(fabs(v[1]) - s) < 1e-6, "direction [%g, %g]", v[0], v[1]);
      bw_ridge_flow_free(rf);
    }
    bw_gaussian_free(g0), bw_gaussian_free(out);
    bw_ridge_problem_free(rp);
  }
}
END_TEST

/* The system: its kinds, the order study's defaults and an n/a error. */
START_TEST(system_and_order) {
  bw_ridge_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  ck_assert_int_eq(bw_ridge_preset("vi-quartic", &pb, &g0), BW_OK);
  bw_system *sys = NULL;
  ck_assert_int_eq(bw_system_ridge_create(pb, g0, &sys), BW_OK);
  ck_assert_str_eq(bw_system_name(sys), "ridge");
  ck_assert_int_eq(bw_system_dim(sys), 1);
  const bw_gaussian *s0 = NULL;
  ck_assert_ptr_nonnull(bw_system_ridge(sys, &s0));
  ck_assert(s0->mean[0] == 1.0 && s0->cov[0] == 0.25);
  ck_assert_ptr_null(bw_system_gaussian(sys, NULL));
  for (int k = 0; k < BW_TRAJ_KIND_COUNT; k++) ck_assert_int_eq(bw_system_provides(sys, (bw_traj_kind)k), k != BW_TRAJ_JKOFLOW2);
  bw_traj *t = NULL;
  ck_assert_int_eq(bw_traj_create(sys, BW_TRAJ_JKOFLOW2, 0.1, NULL, 1.0, &t), BW_ERR_NOT_PROVIDED);
  bw_order_defaults def;
  ck_assert_int_eq(bw_order_defaults_compute(sys, 0, &def), BW_OK);
  /* rates from E hess V: 3.75 at N(1, 1/4), sqrt(3) at the optimum N(0, 1/sqrt 3) */
  ck_assert(fabs(def.rate_slow - sqrt(3.0)) < 1e-12 && fabs(def.rate_fast - 7.5) < 1e-12);
  ck_assert(isfinite(def.eta_max) && def.eta_safe <= def.eta_max && def.n == BW_ORDER_DEFAULT_NETAS);
  for (int e = 0; e < BW_ORDER_NERR; e++) /* JKO-Flow of order 2: n/a, in no mask; the others share the ladder */
    ck_assert_int_eq(def.ladder[e].skipped, e == BW_ORDER_JKOFLOW2 ? BW_ORDER_SKIP_NOT_PROVIDED : BW_ORDER_SKIP_NONE);
  for (int i = 0; i < def.n; i++) ck_assert_uint_eq(def.masks[i], BW_ORDER_MASK_ALL & ~(1u << BW_ORDER_JKOFLOW2));
  bw_order_point pt;
  ck_assert_int_eq(bw_order_point_compute(sys, def.t, def.etas[0], BW_ORDER_MASK_ALL, NULL, NULL, NULL, &pt), BW_OK);
  for (int e = 0; e < BW_ORDER_NERR; e++) {
    const bool na = e == BW_ORDER_JKOFLOW2;
    ck_assert_int_eq(pt.status[e], na ? BW_ERR_NOT_PROVIDED : BW_OK);
    ck_assert(na ? isnan(pt.err[e]) && isnan(pt.fail_time[e]) : pt.err[e] > 0);
  }
  ck_assert_int_eq(bw_order_point_status(&pt, NULL), BW_OK);
  ck_assert_str_eq(bw_order_status_word(BW_ERR_NOT_PROVIDED), "n/a");
  bw_system_free(sys);
  bw_gaussian_free(g0);
  bw_ridge_problem_free(pb);
}
END_TEST

/* Argument errors: the right status, outputs untouched (sentinels). */
START_TEST(argument_errors) {
  bw_ridge_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  ck_assert_int_eq(bw_ridge_preset("logreg", &pb, &g0), BW_OK);
  const int d = 5;
  bw_gaussian *out = bw_gaussian_alloc(d), *bad = bw_gaussian_alloc(d), *small = bw_gaussian_alloc(2);
  for (int i = 0; i < d; i++) out->mean[i] = 42.0;
  bw_gaussian_copy(bad, g0);
  bad->cov[0] = -1.0; /* not positive definite */
  bw_ridge_ws *ws = bw_ridge_ws_alloc(pb);
  double J = 42.0, gm[5] = {42}, G[25] = {42};
  ck_assert_int_eq(bw_ridge_energy(NULL, ws, g0, &J), BW_ERR_NULL);
  ck_assert_int_eq(bw_ridge_energy(pb, ws, NULL, &J), BW_ERR_NULL);
  ck_assert_int_eq(bw_ridge_energy(pb, ws, bad, &J), BW_ERR_NOT_SPD);
  ck_assert_int_eq(bw_ridge_energy(pb, ws, small, &J), BW_ERR_DIM_MISMATCH);
  ck_assert_int_eq(bw_ridge_gradient(pb, ws, g0, gm, G, 3), BW_ERR_DIM);
  ck_assert(J == 42.0 && gm[0] == 42.0 && G[0] == 42.0);
  bad->cov[0] = NAN;
  ck_assert_int_eq(bw_ridge_energy(pb, ws, bad, &J), BW_ERR_NONFINITE);
  bad->cov[0] = g0->cov[0], bad->cov[1] = 0.5; /* not symmetric */
  ck_assert_int_eq(bw_ridge_slope_sq(pb, ws, bad, &J), BW_ERR_NOT_SYMMETRIC);
  ck_assert_int_eq(bw_ridge_modified_energy(pb, ws, g0, INFINITY, &J), BW_ERR_BAD_ETA);
  ck_assert(J == 42.0);
  const double etas[3] = {0.0, -1.0, NAN};
  for (int k = 0; k < 3; k++) {
    ck_assert_int_eq(bw_ridge_jko_step(pb, etas[k], ws, g0, out, NULL), BW_ERR_BAD_ETA);
    ck_assert_int_eq(bw_ridge_forward_step(pb, etas[k], ws, g0, out), BW_ERR_BAD_ETA);
    ck_assert_int_eq(bw_ridge_fb_step(pb, etas[k], ws, g0, out), BW_ERR_BAD_ETA);
  }
  ck_assert_int_eq(bw_ridge_jko_step(pb, 0.1, ws, bad, out, NULL), BW_ERR_NOT_SYMMETRIC);
  ck_assert_int_eq(bw_ridge_forward_step(pb, 0.1, ws, g0, small), BW_ERR_DIM_MISMATCH);
  ck_assert_int_eq(bw_ridge_vi_optimum(pb, ws, small, out, NULL), BW_ERR_DIM_MISMATCH);
  ck_assert(out->mean[0] == 42.0);
  /* a workspace of another problem */
  const double one[1] = {1.0};
  const bw_ridge r = {.family = BW_RIDGE_LOGISTIC, .a = one, .w = 1.0};
  bw_ridge_problem *p1 = NULL;
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, 1, &r, 0, &p1), BW_OK);
  bw_gaussian *g1 = bw_gaussian_alloc(1);
  ck_assert_int_eq(bw_ridge_energy(p1, ws, g1, &J), BW_ERR_DIM_MISMATCH);
  /* creation */
  bw_ridge_problem *px = (bw_ridge_problem *)&J;
  bw_ridge rb = r;
  rb.w = 0.0;
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, 1, &rb, 0, &px), BW_ERR_BAD_ARG);
  rb.w = 1.0, rb.family = BW_RIDGE_CUSTOM;
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, 1, &rb, 0, &px), BW_ERR_BAD_ARG);
  rb.family = BW_RIDGE_FAMILY_COUNT;
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, 1, &rb, 0, &px), BW_ERR_BAD_ARG);
  rb.family = BW_RIDGE_LOGISTIC, rb.b = NAN;
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, 1, &rb, 0, &px), BW_ERR_NONFINITE);
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, -1.0, 1, &r, 0, &px), BW_ERR_BAD_TAU);
  ck_assert_int_eq(bw_ridge_problem_create(1, NULL, 1, NULL, 1.0, 1, &r, BW_RIDGE_NODES_MAX + 1, &px), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_ridge_problem_create(0, NULL, 1, NULL, 1.0, 1, &r, 0, &px), BW_ERR_DIM);
  const double As[4] = {1, 2, 0, 1};
  ck_assert_int_eq(bw_ridge_problem_create(2, As, 2, NULL, 1.0, 0, NULL, 0, &px), BW_ERR_NOT_SYMMETRIC);
  ck_assert(px == (bw_ridge_problem *)&J);
  /* flows */
  bw_ridge_flow *rf = NULL;
  ck_assert_int_eq(bw_ridge_flow_create(pb, BW_FLOW_JKO2, 0.1, NULL, &rf), BW_ERR_BAD_ARG);
  ck_assert_int_eq(bw_ridge_flow_create(pb, BW_FLOW_JKO, 0.0, NULL, &rf), BW_ERR_BAD_ETA);
  ck_assert_ptr_null(rf);
  ck_assert_int_eq(bw_ridge_flow_create(pb, BW_FLOW_PLAIN, 0.0, NULL, &rf), BW_OK);
  ck_assert_int_eq(bw_ridge_flow_advance(rf, 0.1, out), BW_ERR_BAD_ARG); /* not started */
  ck_assert_int_eq(bw_ridge_flow_start(rf, bad, 0.0), BW_ERR_NOT_SYMMETRIC);
  ck_assert_int_eq(bw_ridge_flow_start(rf, g0, 0.5), BW_OK);
  ck_assert_int_eq(bw_ridge_flow_advance(rf, 0.6, out), BW_ERR_BAD_ARG); /* beyond t_stop */
  ck_assert_int_eq(bw_ridge_flow_advance(rf, 0.2, small), BW_ERR_DIM_MISMATCH);
  ck_assert(out->mean[0] == 42.0);
  ck_assert_int_eq(bw_ridge_flow_advance(rf, 0.2, out), BW_OK);
  ck_assert_int_eq(bw_ridge_flow_advance(rf, 0.1, out), BW_ERR_BAD_ARG); /* backwards */
  double t;
  ck_assert_int_eq(bw_ridge_flow_collapse(rf, &t, NULL), BW_ERR_BAD_ARG);
  bw_ridge_flow_free(rf);
  bw_ridge_ws_free(ws);
  bw_gaussian_free(out), bw_gaussian_free(bad), bw_gaussian_free(small), bw_gaussian_free(g0), bw_gaussian_free(g1);
  bw_ridge_problem_free(pb), bw_ridge_problem_free(p1);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ridge_flow");
  TCase *c = tcase_create("flows");
  tcase_set_timeout(c, 300);
  tcase_add_test(c, quadratic_ridges_are_gaussian);
  tcase_add_test(c, modified_field_vs_energy);
  tcase_add_test(c, local_errors);
  tcase_add_test(c, collapse);
  tcase_add_test(c, collapse_at_start);
  tcase_add_test(c, system_and_order);
  tcase_add_test(c, argument_errors);
  suite_add_tcase(s, c);
  return tu_run(s);
}
