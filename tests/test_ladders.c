/* The order study's default ladders (bw_order_defaults_compute, docs/order-study.md): each
 * error's step sizes below its own bound, the tolerances tightened for the smallest error
 * asked for, the predicted constants against the measured ones, the skip decision with the
 * largest resolvable size, the per-eta masks, and the Gaussian system's shared ladder.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include "testutil.h"

static bw_system *quartic(int n, double *lmax0) {
  bw_particles *pp;
  double m, s;
  ck_assert_int_eq(bw_particles_preset("quartic", n, &pp, &m, &s), BW_OK);
  double *x0 = malloc(sizeof(double) * (size_t)n);
  ck_assert_ptr_nonnull(x0);
  ck_assert_int_eq(bw_particles_quantiles(n, m, s, x0), BW_OK);
  ck_assert_int_eq(bw_particles_hessian_extremes(pp, NULL, x0, NULL, lmax0), BW_OK);
  bw_system *sys;
  ck_assert_int_eq(bw_system_particles_create(pp, x0, &sys), BW_OK);
  free(x0);
  bw_particles_free(pp);
  return sys;
}

static bool divides(double eta, double T) {
  const long n = lround(T / eta);
  return n >= 1 && fabs(n * eta - T) <= 1e-9 * T;
}

/* The structure every default ladder has: decreasing step sizes dividing T, each with a
 * non-empty mask; ladder[e].n counts the masks' bits; a skipped error has none; at most
 * BW_ORDER_DEFAULT_NETAS per error and BW_ORDER_MAX_STEPS steps per step size (scaled
 * systems). */
static void check_structure(const bw_order_defaults *d, bool scaled) {
  ck_assert(d->n >= 3 && d->n <= BW_ORDER_MAX_ETAS);
  int count[BW_ORDER_NERR] = {0};
  for (int i = 0; i < d->n; i++) {
    ck_assert(divides(d->etas[i], d->t));
    if (i) ck_assert(d->etas[i] < d->etas[i - 1]);
    ck_assert(d->masks[i] && !(d->masks[i] & ~BW_ORDER_MASK_ALL));
    if (scaled) ck_assert(d->t / d->etas[i] <= BW_ORDER_MAX_STEPS * (1 + 1e-9));
    for (int e = 0; e < BW_ORDER_NERR; e++) count[e] += (int)(d->masks[i] >> e & 1u);
  }
  for (int e = 0; e < BW_ORDER_NERR; e++) {
    const bw_order_ladder *L = &d->ladder[e];
    ck_assert_int_eq(count[e], L->n);
    ck_assert(L->n <= BW_ORDER_DEFAULT_NETAS);
    ck_assert(L->skipped ? L->n == 0 : L->n >= 3);
    for (int i = 0; i < d->n; i++) /* every step size of a ladder is within its bound */
      if (d->masks[i] >> e & 1u) ck_assert(d->etas[i] <= L->top * (1 + 1e-12));
  }
}

/* The comparisons whose ladders the particle system sets, and their bounds. */
static const int named[] = {BW_ORDER_WGF, BW_ORDER_JKOFLOW, BW_ORDER_FORWARD_WGF, BW_ORDER_FORWARD_FLOW,
                            BW_ORDER_JKOFLOW2};
static const bw_eta_bound bound[] = {BW_BOUND_HORIZON, BW_BOUND_ILL_POSED, BW_BOUND_STABILITY, BW_BOUND_STABILITY,
                                     BW_BOUND_RATE};
#define NAMED ((int)(sizeof named / sizeof named[0]))

/* Quartic, N = 20: the default study end to end through the library. */
START_TEST(quartic_ladders) {
  double lmax0;
  bw_system *sys = quartic(20, &lmax0);
  bw_order_defaults d;
  ck_assert_int_eq(bw_order_defaults_compute(sys, 0, &d), BW_OK);
  check_structure(&d, true);
  ck_assert(d.t == 0.5 && fabs(d.eta_max - 2 / lmax0) < 1e-12 * d.eta_max);
  /* JKO-Flow's and forward Euler's ladders keep eta lambda_max(H) <= 3/2 (lambda_max along
   * the way is at least its value at x0), inside the well-posed range; JKO vs the gradient
   * flow has no such bound and starts far beyond eta_max; JKO vs JKO-Flow of order 2 at
   * eta x the fastest rate 1/100. */
  for (int q = 0; q < NAMED; q++) {
    const int e = named[q];
    const bw_order_ladder *L = &d.ladder[e];
    ck_assert_int_eq(L->bound, bound[q]);
    ck_assert_int_eq(L->skipped, BW_ORDER_SKIP_NONE);
    if (e == BW_ORDER_JKOFLOW || e == BW_ORDER_FORWARD_WGF || e == BW_ORDER_FORWARD_FLOW)
      ck_assert(L->top * lmax0 <= 1.5 && L->top * lmax0 > 1.0);
    else if (e == BW_ORDER_WGF) ck_assert(L->top > 10 * d.eta_max);
  }
  ck_assert(d.ladder[BW_ORDER_WGF].top == d.t / 10 && d.ladder[BW_ORDER_WGF].n == BW_ORDER_DEFAULT_NETAS);
  /* particles have no forward-backward step: fb vs WGF is n/a, in no mask */
  ck_assert_int_eq(d.ladder[BW_ORDER_FB_WGF].skipped, BW_ORDER_SKIP_NOT_PROVIDED);
  ck_assert_int_eq(d.ladder[BW_ORDER_FB_WGF].n, 0);
  ck_assert(fabs(d.ladder[BW_ORDER_JKOFLOW2].top * d.rate_fast - 0.01) < 1e-12);
  /* resolution-driven tolerance: tightened from the default 1e-12 (not below 1e-14), and every
   * error asked for is predicted at least BW_ORDER_MARGIN x BW_ORDER_RESOLVED x the floor */
  ck_assert(d.rtol < 1e-12 && d.rtol >= 1e-14 && d.atol == d.rtol / 100);
  for (int i = 0; i < d.n; i++)
    for (int q = 0; q < NAMED; q++) {
      const int e = named[q];
      const bw_order_ladder *L = &d.ladder[e];
      if (d.masks[i] >> e & 1u)
        ck_assert(L->constant * pow(d.etas[i], bw_order_err_nominal(e)) >= BW_ORDER_MARGIN * BW_ORDER_RESOLVED * L->floor);
    }
  /* the study with the masks and tolerances: every point resolved, slopes, and the predicted
   * constants (the linearised error equation along the gradient flow) against the measured */
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  o.rtol = d.rtol, o.atol = d.atol;
  bw_order_point pts[BW_ORDER_MAX_ETAS];
  for (int i = 0; i < d.n; i++) {
    ck_assert_int_eq(bw_order_point_compute(sys, d.t, d.etas[i], d.masks[i] | BW_ORDER_RESOLUTION, &o, NULL, NULL, &pts[i]),
                     BW_OK);
    for (int q = 0; q < NAMED; q++) {
      const int e = named[q];
      ck_assert_int_eq(pts[i].status[e], BW_OK);
      ck_assert(isnan(pts[i].err[e]) == !(d.masks[i] >> e & 1u));
    }
  }
  bw_order_fit fit;
  ck_assert_int_eq(bw_order_fit_compute(d.n, pts, &fit), BW_OK);
  for (int q = 0; q < NAMED; q++) {
    const int e = named[q], p = bw_order_err_nominal(e);
    ck_assert_int_eq(fit.usable[e], d.ladder[e].n);
    ck_assert_msg(fabs(fit.slope[e] - p) <= (p == 3 ? 0.03 : 0.02), "slope %d: %.4f", e, fit.slope[e]);
    ck_assert_msg(fabs(fit.order[e] - p) <= 0.01, "order %d: %.4f", e, fit.order[e]);
    const double tol = e == BW_ORDER_JKOFLOW2 ? 0.1 : 0.01; /* jkoflow2: measured at its top step */
    ck_assert_msg(fabs(d.ladder[e].constant / fit.constant[e] - 1) <= tol, "constant %d: %.5g predicted, %.5g", e,
                  d.ladder[e].constant, fit.constant[e]);
  }
  bw_system_free(sys);
}
END_TEST

/* N = 200: JKO vs JKO-Flow resolved at three step sizes from its bound down to where the
 * predicted error meets the resolution (the next step size would not be resolved). N = 500:
 * the gap is not resolvable: skipped, with the largest resolvable N (where the third step
 * size stays resolved) consistent with the N = 200 ladder; forward Euler vs the gradient flow
 * keeps three step sizes; N = 1000: it would need more than BW_ORDER_MAX_STEPS steps. */
START_TEST(skip_decisions) {
  double lmax0;
  bw_system *sys = quartic(200, &lmax0);
  bw_order_defaults d;
  ck_assert_int_eq(bw_order_defaults_compute(sys, 0, &d), BW_OK);
  check_structure(&d, true);
  const bw_order_ladder *J = &d.ladder[BW_ORDER_JKOFLOW];
  ck_assert(J->n == 3 && !J->skipped && d.rtol == 1e-14);
  double low = INFINITY;
  for (int i = 0; i < d.n; i++)
    if (d.masks[i] >> BW_ORDER_JKOFLOW & 1u) low = fmin(low, d.etas[i]);
  const double least = BW_ORDER_MARGIN * BW_ORDER_RESOLVED * J->floor;
  ck_assert(J->constant * low * low >= least && J->constant * (low / 2) * (low / 2) < least);
  ck_assert(J->constant > 2.5 && J->constant < 2.9); /* measured 2.687 */
  ck_assert(J->size_max >= 200 && J->size_max < 500);
  const double nmax = J->size_max;
  bw_system_free(sys);

  sys = quartic(500, &lmax0);
  ck_assert_int_eq(bw_order_defaults_compute(sys, 0, &d), BW_OK);
  check_structure(&d, true);
  for (int e = BW_ORDER_JKOFLOW; e <= BW_ORDER_FORWARD_FLOW; e += 2) {
    const bw_order_ladder *L = &d.ladder[e];
    ck_assert_int_eq(L->skipped, BW_ORDER_SKIP_RESOLUTION);
    ck_assert(L->constant * L->top * L->top < 4 * BW_ORDER_MARGIN * BW_ORDER_RESOLVED * L->floor);
    ck_assert(fabs(L->size_max - nmax) <= 2); /* the same estimate from either side */
  }
  ck_assert(d.ladder[BW_ORDER_FORWARD_WGF].n == 3 && d.ladder[BW_ORDER_WGF].n == BW_ORDER_DEFAULT_NETAS);
  bw_system_free(sys);

  sys = quartic(1000, &lmax0);
  ck_assert_int_eq(bw_order_defaults_compute(sys, 0, &d), BW_OK);
  check_structure(&d, true);
  ck_assert_int_eq(d.ladder[BW_ORDER_FORWARD_WGF].skipped, BW_ORDER_SKIP_STEPS);
  ck_assert_int_eq(d.ladder[BW_ORDER_JKOFLOW].skipped, BW_ORDER_SKIP_RESOLUTION);
  ck_assert(d.ladder[BW_ORDER_WGF].n >= 3 && d.ladder[BW_ORDER_JKOFLOW2].n >= 3);
  bw_system_free(sys);
}
END_TEST

/* A given horizon that the 1-2-5 values do not divide: each ladder is T/(N0 {1, 2, 5, ...})
 * below its own bound, and the union still divides T. */
START_TEST(given_horizon) {
  double lmax0;
  bw_system *sys = quartic(30, &lmax0);
  bw_order_defaults d;
  ck_assert_int_eq(bw_order_defaults_compute(sys, 0.37, &d), BW_OK);
  ck_assert(d.t == 0.37);
  check_structure(&d, true);
  ck_assert_int_eq(bw_order_defaults_compute(sys, -1, &d), BW_ERR_BAD_ARG);
  bw_system_free(sys);
}
END_TEST

/* Gaussians have no per-comparison scales: one ladder shared by every error, at the library's
 * default tolerances, exactly as before. */
START_TEST(gaussian_shared) {
  bw_problem *pb;
  bw_gaussian *g0;
  ck_assert_int_eq(bw_preset("ou2d", 0, 1, &pb, &g0), BW_OK);
  bw_system *sys;
  ck_assert_int_eq(bw_system_gaussian_create(pb, g0, &sys), BW_OK);
  bw_order_defaults d;
  ck_assert_int_eq(bw_order_defaults_compute(sys, 0, &d), BW_OK);
  check_structure(&d, false);
  ck_assert(d.n == BW_ORDER_DEFAULT_NETAS && d.rtol == 1e-12 && d.atol == 1e-14);
  for (int i = 0; i < d.n; i++) ck_assert_uint_eq(d.masks[i], BW_ORDER_MASK_ALL);
  for (int e = 0; e < BW_ORDER_NERR; e++) {
    const bw_order_ladder *L = &d.ladder[e];
    ck_assert(L->top == d.eta_safe && L->bound == d.bound && L->n == d.n && !L->skipped);
    ck_assert(isnan(L->constant) && isnan(L->floor) && isnan(L->size_max));
  }
  bw_system_free(sys);
  bw_gaussian_free(g0);
  bw_problem_free(pb);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ladders");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, quartic_ladders);
  tcase_add_test(tc, skip_decisions);
  tcase_add_test(tc, given_horizon);
  tcase_add_test(tc, gaussian_shared);
  suite_add_tcase(s, tc);
  return tu_run(s);
}
