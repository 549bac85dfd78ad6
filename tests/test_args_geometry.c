/* Argument validation of geometry.h (W2, the OT map, the logarithmic and exponential maps,
 * geodesics) in the way of tests/test_args.c: the specific status for each class of bad
 * argument, outputs untouched on error, inputs never modified. Bugs the audit found here (all
 * fixed) run alone by name: `test_args_geometry NAME` (tests/meson.build: args_NAME).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include "test_args.h"

/* ================= geometry.h ================= */

START_TEST(geometry_pair_args) {
  fixture f;
  fx_init(&f);
  double *w = tu_arena_take(&f.ar, sizeof(double));
  double *T = tu_arena_take(&f.ar, sizeof(double) * LD * D);
  double *v = tu_arena_take(&f.ar, sizeof(double) * D);
  bw_gaussian gt = arena_gaussian(&f.ar, D, LD);
  const bw_gaussian *g0 = &f.good.g, *g1 = &f.good2.g;
  static const char *nm[5] = {"w2sq", "w2", "ot_map", "log_map", "geodesic"};
  for (int q = 0; q < 5; q++) {
#define CALL(ws, a, b)                                                                             \
  (q == 0   ? bw_w2sq(ws, a, b, w)                                                                 \
   : q == 1 ? bw_w2(ws, a, b, w)                                                                   \
   : q == 2 ? bw_ot_map(ws, a, b, T, LD)                                                           \
   : q == 3 ? bw_log_map(ws, a, b, v, T, LD)                                                       \
            : bw_geodesic(ws, a, b, 0.3, &gt))
    TU_EXPECT(&f.ar, BW_ERR_DIM_MISMATCH, nm[q], CALL(f.ws2, g0, g1));
    for (int slot = 0; slot < 2; slot++)
      for (int k = 0; k < NGCASES; k++) {
        gbuf b;
        const bw_gaussian *gb = bad_input(k, &b);
        SNAP_INPUT(b);
        TU_EXPECT(&f.ar, gcases[k].want, gcases[k].what, slot ? CALL(f.ws, g0, gb) : CALL(f.ws, gb, g1));
        CHECK_INPUT(b, k);
      }
    TU_EXPECT(&f.ar, BW_OK, nm[q], CALL(NULL, g0, g1));
#undef CALL
  }
  TU_EXPECT(&f.ar, BW_ERR_NULL, "w2sq out", bw_w2sq(f.ws, g0, g1, NULL));
  TU_EXPECT(&f.ar, BW_ERR_NULL, "w2 out", bw_w2(f.ws, g0, g1, NULL));
  TU_EXPECT(&f.ar, BW_ERR_NULL, "ot_map T", bw_ot_map(f.ws, g0, g1, NULL, LD));
  TU_EXPECT(&f.ar, BW_ERR_DIM, "ot_map ldt", bw_ot_map(f.ws, g0, g1, T, D - 1));
  TU_EXPECT(&f.ar, BW_ERR_NULL, "log_map v", bw_log_map(f.ws, g0, g1, NULL, T, LD));
  TU_EXPECT(&f.ar, BW_ERR_NULL, "log_map X", bw_log_map(f.ws, g0, g1, v, NULL, LD));
  TU_EXPECT(&f.ar, BW_ERR_DIM, "log_map ldx", bw_log_map(f.ws, g0, g1, v, T, -1));
  const double tbad[] = {-1e-300, -0.1, 1.0000000000000002, 2.0, NAN, INFINITY, -INFINITY};
  for (int k = 0; k < 7; k++) TU_EXPECT(&f.ar, BW_ERR_BAD_ARG, "geodesic t", bw_geodesic(f.ws, g0, g1, tbad[k], &gt));
  bw_gaussian tmp;
  for (int k = 0; k < NOCASES; k++) {
    if (k == 3 || k == 4) continue; /* d < 1: known_bugs */
    TU_EXPECT(&f.ar, ocases[k].want, ocases[k].what, bw_geodesic(f.ws, g0, g1, 0.3, bad_output(k, &gt, &tmp)));
  }
  /* overflow: means of opposite signs near DBL_MAX */
  {
    double m0[1] = {-1e308}, m1[1] = {1e308}, S[1] = {1};
    bw_gaussian a = {1, m0, S, 1}, b = {1, m1, S, 1};
    TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "w2sq overflow", bw_w2sq(NULL, &a, &b, w));
    TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "w2 overflow", bw_w2(NULL, &a, &b, w));
  }
  fx_check_inputs(&f, __LINE__);
  fx_free(&f);
}
END_TEST

START_TEST(exp_map_args) {
  fixture f;
  fx_init(&f);
  bw_gaussian out = arena_gaussian(&f.ar, D, LD), tmp;
  const bw_gaussian *g0 = &f.good.g;
  double vv[LD] = {0.1, 0.2, -0.3, NAN}, X[LD * LD];
  for (int k = 0; k < LD * LD; k++) X[k] = NAN;
  static const double X0[D][D] = {{0.1, 0.05, 0}, {0.05, -0.2, 0.1}, {0, 0.1, 0.3}};
  for (int j = 0; j < D; j++)
    for (int i = 0; i < D; i++) X[i + j * LD] = X0[i][j];
  TU_EXPECT(&f.ar, BW_ERR_DIM_MISMATCH, "ws too small", bw_exp_map(f.ws2, g0, vv, X, LD, &out));
  for (int k = 0; k < NGCASES; k++) {
    if (gcases[k].want == BW_ERR_NOT_SPD) continue; /* known_bugs: g0 not positive definite */
    gbuf b;
    const bw_gaussian *gb = bad_input(k, &b);
    SNAP_INPUT(b);
    TU_EXPECT(&f.ar, gcases[k].want, gcases[k].what, bw_exp_map(f.ws, gb, vv, X, LD, &out));
    CHECK_INPUT(b, k);
  }
  for (int k = 0; k < NOCASES; k++) {
    if (k == 3 || k == 4) continue; /* output d < 1: known_bugs */
    TU_EXPECT(&f.ar, ocases[k].want, ocases[k].what, bw_exp_map(f.ws, g0, vv, X, LD, bad_output(k, &out, &tmp)));
  }
  TU_EXPECT(&f.ar, BW_ERR_NULL, "v NULL", bw_exp_map(f.ws, g0, NULL, X, LD, &out));
  TU_EXPECT(&f.ar, BW_ERR_NULL, "X NULL", bw_exp_map(f.ws, g0, vv, NULL, LD, &out));
  TU_EXPECT(&f.ar, BW_ERR_DIM, "ldx", bw_exp_map(f.ws, g0, vv, X, D - 1, &out));
  struct {
    const char *what;
    bw_status want;
    int idx;
    double val;
    bool vec;
  } cases[] = {
      {"v NaN", BW_ERR_NONFINITE, 1, NAN, true},
      {"v Inf", BW_ERR_NONFINITE, 0, INFINITY, true},
      {"X NaN", BW_ERR_NONFINITE, 1 + LD, NAN, false},
      {"X -Inf lower", BW_ERR_NONFINITE, 2, -INFINITY, false},
      {"X not symmetric", BW_ERR_NOT_SYMMETRIC, 1, 0.5, false},
      {"I + X singular", BW_ERR_NOT_SPD, 0, -1.0, false},
      {"I + X indefinite", BW_ERR_NOT_SPD, 2 + 2 * LD, -3.0, false},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double *arr = cases[c].vec ? vv : X;
    double save = arr[cases[c].idx];
    arr[cases[c].idx] = cases[c].val;
    TU_EXPECT(&f.ar, cases[c].want, cases[c].what, bw_exp_map(f.ws, g0, vv, X, LD, &out));
    arr[cases[c].idx] = save;
  }
  /* the covariance (I + X) S0 (I + X) overflows */
  {
    double m[1] = {0}, S[1] = {1e300}, v1[1] = {0}, X1[1] = {1e10};
    bw_gaussian a = {1, m, S, 1};
    bw_gaussian o1 = arena_gaussian(&f.ar, 1, 1);
    TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "cov overflow", bw_exp_map(NULL, &a, v1, X1, 1, &o1));
  }
  TU_EXPECT(&f.ar, BW_OK, "good", bw_exp_map(NULL, g0, vv, X, LD, &out));
  fx_check_inputs(&f, __LINE__);
  fx_free(&f);
}
END_TEST

START_TEST(geometry_singular_s1) {
  /* S1 exactly singular (Cholesky fails) next to a generic S0: every geometry function says
   * BW_ERR_NOT_SPD. (Until commit c20ca86 S1 was tested through the eigenvalues of a
   * congruence, and this case returned BW_OK, with a singular geodesic at t = 1.) */
  tu_arena ar;
  tu_arena_init(&ar);
  double m[2] = {0, 0}, S0[4] = {1.1, 0.34, 0.34, 1.2}, S1[4] = {1, 1, 1, 1};
  bw_gaussian g0 = {2, m, S0, 2}, g1 = {2, m, S1, 2}, gt = arena_gaussian(&ar, 2, 2);
  double *w = tu_arena_take(&ar, sizeof(double)), *T = tu_arena_take(&ar, 4 * sizeof(double));
  double *v = tu_arena_take(&ar, 2 * sizeof(double));
  TU_EXPECT(&ar, BW_ERR_NOT_SPD, "w2sq", bw_w2sq(NULL, &g0, &g1, w));
  TU_EXPECT(&ar, BW_ERR_NOT_SPD, "ot_map", bw_ot_map(NULL, &g0, &g1, T, 2));
  TU_EXPECT(&ar, BW_ERR_NOT_SPD, "log_map", bw_log_map(NULL, &g0, &g1, v, T, 2));
  TU_EXPECT(&ar, BW_ERR_NOT_SPD, "geodesic", bw_geodesic(NULL, &g0, &g1, 1.0, &gt));
  tu_arena_free(&ar);
}
END_TEST

/* ================= bugs found by the audit, run by name ================= */

START_TEST(known_bug_exp_map_not_spd) {
  /* lib/geometry/geometry.c bw_exp_map does not check that g0's covariance is positive definite:
   * S0 = diag(1, -1), X = 0 returns BW_OK with the indefinite covariance diag(1, -1). */
  fixture f;
  fx_init(&f);
  bw_gaussian out = arena_gaussian(&f.ar, D, LD);
  double v[D] = {0, 0, 0}, X[D * D] = {0};
  for (int k = 0; k < NGCASES; k++) {
    if (gcases[k].want != BW_ERR_NOT_SPD) continue;
    gbuf b;
    const bw_gaussian *gb = bad_input(k, &b);
    TU_EXPECT(&f.ar, BW_ERR_NOT_SPD, gcases[k].what, bw_exp_map(f.ws, gb, v, X, D, &out));
  }
  fx_free(&f);
}
END_TEST

START_TEST(known_bug_exp_map_mean_overflow) {
  /* lib/geometry/geometry.c bw_exp_map: m0 + v is not checked: m0 = v = 1e308 returns BW_OK with
   * mean +Inf. */
  tu_arena ar;
  tu_arena_init(&ar);
  double m[1] = {1e308}, S[1] = {1}, v[1] = {1e308}, X[1] = {0};
  bw_gaussian g0 = {1, m, S, 1}, out = arena_gaussian(&ar, 1, 1);
  TU_EXPECT(&ar, BW_ERR_OVERFLOW, "mean overflow", bw_exp_map(NULL, &g0, v, X, 1, &out));
  tu_arena_free(&ar);
}
END_TEST

START_TEST(known_bug_output_d0) {
  /* lib/geometry/geometry.c bw_geodesic and bw_exp_map return BW_ERR_DIM_MISMATCH, not BW_ERR_DIM,
   * for an output Gaussian with d < 1 (every other function returns BW_ERR_DIM). */
  fixture f;
  fx_init(&f);
  bw_gaussian out = arena_gaussian(&f.ar, D, LD), tmp;
  double v[D] = {0, 0, 0}, X[D * D] = {0};
  for (int k = 3; k <= 4; k++) {
    TU_EXPECT(&f.ar, ocases[k].want, ocases[k].what,
              bw_geodesic(f.ws, &f.good.g, &f.good2.g, 0.3, bad_output(k, &out, &tmp)));
    TU_EXPECT(&f.ar, ocases[k].want, ocases[k].what, bw_exp_map(f.ws, &f.good.g, v, X, D, bad_output(k, &out, &tmp)));
  }
  fx_free(&f);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("args_geometry");
  TCase *tc = tcase_create("args");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, geometry_pair_args);
  tcase_add_test(tc, geometry_singular_s1);
  tcase_add_test(tc, exp_map_args);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) {
  const ta_known_bug bugs[] = {{"exp_map_not_spd", known_bug_exp_map_not_spd},
                               {"exp_map_mean_overflow", known_bug_exp_map_mean_overflow},
                               {"output_d0", known_bug_output_d0}};
  return ta_main(argc, argv, make_suite, bugs, (int)(sizeof bugs / sizeof bugs[0]));
}
