/* Argument validation of the public functions of common.h, workspace.h, gaussian.h, spd.h and
 * problem.h (the energy and the presets included): each class of bad argument a function can
 * receive (NULL pointers, d < 1, leading dimensions < d, other dimensions, a workspace too
 * small, NaN and infinite entries, non-symmetric and non-positive-definite covariances, tau < 0
 * or not finite, bad options) gets its specific status, and the function leaves its outputs
 * untouched: every output lives in an arena filled with a sentinel byte before the call and
 * compared bytewise after it. Inputs are compared bytewise too (they must never be modified,
 * also on success). The same for geometry.h: tests/test_args_geometry.c; for dynamics.h,
 * jko.h, jkoflow.h and order.h: tests/test_args_flows.c. Helpers: tests/test_args.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <stdint.h>
#include "test_args.h"

/* ================= common.h, workspace.h ================= */

START_TEST(status_strings) {
  for (int s = 0; s < BW_STATUS_COUNT; s++) {
    ck_assert_ptr_nonnull(bw_strerror((bw_status)s));
    ck_assert_ptr_nonnull(bw_status_name((bw_status)s));
    ck_assert_str_ne(bw_strerror((bw_status)s), "unknown status");
    ck_assert_str_ne(bw_status_name((bw_status)s), "BW_UNKNOWN_STATUS");
  }
  const int bad[] = {-1, BW_STATUS_COUNT, BW_STATUS_COUNT + 1, 1000, INT_MAX, INT_MIN};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    ck_assert_str_eq(bw_strerror((bw_status)bad[k]), "unknown status");
    ck_assert_str_eq(bw_status_name((bw_status)bad[k]), "BW_UNKNOWN_STATUS");
  }
  ck_assert_ptr_nonnull(bw_version());
  ck_assert_uint_gt(strlen(bw_version()), 0);
}
END_TEST

START_TEST(workspace_args) {
  const int bad[] = {0, -1, INT_MIN, 46341, INT_MAX};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) ck_assert_ptr_null(bw_workspace_alloc(bad[k]));
  ck_assert_int_eq(bw_workspace_dim(NULL), 0);
  ck_assert_uint_eq(bw_workspace_bytes(NULL), 0);
  bw_workspace_free(NULL);
  bw_workspace *ws = bw_workspace_alloc(1);
  ck_assert_ptr_nonnull(ws);
  ck_assert_int_eq(bw_workspace_dim(ws), 1);
  ck_assert_uint_gt(bw_workspace_bytes(ws), 0);
  bw_workspace_free(ws);
}
END_TEST

/* ================= gaussian.h ================= */

START_TEST(gaussian_alloc_args) {
  const int bad[] = {0, -1, INT_MIN, 46341, INT_MAX};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) ck_assert_ptr_null(bw_gaussian_alloc(bad[k]));
  bw_gaussian_free(NULL);
}
END_TEST

START_TEST(gaussian_copy_args) {
  fixture f;
  fx_init(&f);
  bw_gaussian out = arena_gaussian(&f.ar, D, LD), tmp;
  /* copy checks structure only (it does not read the entries' values) */
  for (int k = 0; k < NGCASES; k++) {
    if (gcases[k].content) continue;
    gbuf b;
    const bw_gaussian *g = bad_input(k, &b);
    TU_EXPECT(&f.ar, gcases[k].want, gcases[k].what, bw_gaussian_copy(&out, g));
  }
  for (int k = 0; k < NOCASES; k++)
    TU_EXPECT(&f.ar, ocases[k].want, ocases[k].what, bw_gaussian_copy(bad_output(k, &out, &tmp), &f.good.g));
  TU_EXPECT(&f.ar, BW_OK, "good", bw_gaussian_copy(&out, &f.good.g));
  for (int j = 0; j < D; j++) {
    ck_assert(out.mean[j] == good_mean[j]);
    for (int i = 0; i < D; i++) ck_assert(out.cov[i + j * LD] == good_cov[i][j]);
  }
  fx_check_inputs(&f, __LINE__);
  fx_free(&f);
}
END_TEST

START_TEST(gaussian_set_args) {
  fixture f;
  fx_init(&f);
  bw_gaussian out = arena_gaussian(&f.ar, D, LD), tmp;
  const double *m = f.good.m, *c = f.good.c;
  /* the target's structure */
  for (int k = 0; k < NOCASES; k++) {
    bw_gaussian *o = bad_output(k, &out, &tmp);
    bw_status want = k == 6 ? BW_OK : ocases[k].want; /* d = 2 is a valid target for 2 x 2 data */
    if (want) TU_EXPECT(&f.ar, want, ocases[k].what, bw_gaussian_set(o, m, c, LD, BW_SYM_RTOL, NULL));
  }
  TU_EXPECT(&f.ar, BW_ERR_NULL, "mean NULL", bw_gaussian_set(&out, NULL, c, LD, BW_SYM_RTOL, NULL));
  TU_EXPECT(&f.ar, BW_ERR_NULL, "cov NULL", bw_gaussian_set(&out, m, NULL, LD, BW_SYM_RTOL, NULL));
  TU_EXPECT(&f.ar, BW_ERR_DIM, "ldc = d - 1", bw_gaussian_set(&out, m, c, D - 1, BW_SYM_RTOL, NULL));
  TU_EXPECT(&f.ar, BW_ERR_DIM, "ldc = 0", bw_gaussian_set(&out, m, c, 0, BW_SYM_RTOL, NULL));
  TU_EXPECT(&f.ar, BW_ERR_DIM, "ldc = -5", bw_gaussian_set(&out, m, c, -5, BW_SYM_RTOL, NULL));
  const double rt[] = {-1e-10, NAN, INFINITY, -INFINITY};
  for (int k = 0; k < 4; k++)
    TU_EXPECT(&f.ar, BW_ERR_BAD_ARG, "sym_rtol", bw_gaussian_set(&out, m, c, LD, rt[k], NULL));
  TU_EXPECT(&f.ar, BW_ERR_DIM_MISMATCH, "workspace too small", bw_gaussian_set(&out, m, c, LD, BW_SYM_RTOL, f.ws2));
  /* content defects of (mean, cov) */
  for (int k = 0; k < NGCASES; k++) {
    if (!gcases[k].content) continue;
    gbuf b;
    bad_input(k, &b);
    SNAP_INPUT(b);
    TU_EXPECT(&f.ar, gcases[k].want, gcases[k].what, bw_gaussian_set(&out, b.m, b.c, LD, BW_SYM_RTOL, f.ws));
    CHECK_INPUT(b, k);
  }
  /* a looser tolerance accepts the asymmetric one (and symmetrises it) */
  {
    gbuf b;
    bad_input(17, &b);
    TU_EXPECT(&f.ar, BW_OK, "sym_rtol 0.1", bw_gaussian_set(&out, b.m, b.c, LD, 0.1, f.ws));
    ck_assert(out.cov[2] == out.cov[2 * LD]);
  }
  TU_EXPECT(&f.ar, BW_OK, "good", bw_gaussian_set(&out, m, c, LD, BW_SYM_RTOL, NULL));
  fx_check_inputs(&f, __LINE__);
  fx_free(&f);
}
END_TEST

START_TEST(gaussian_validate_args) {
  fixture f;
  fx_init(&f);
  TU_EXPECT(&f.ar, BW_ERR_NULL, "NULL", bw_gaussian_validate(NULL, BW_SYM_RTOL, NULL));
  for (int k = 1; k < NGCASES; k++) {
    if (k == 8) continue; /* d = 2 is a valid Gaussian on its own */
    gbuf b;
    bw_gaussian *g = (bw_gaussian *)bad_input(k, &b);
    SNAP_INPUT(b);
    bw_gaussian gs = *g;
    TU_EXPECT(&f.ar, gcases[k].want, gcases[k].what, bw_gaussian_validate(g, BW_SYM_RTOL, f.ws));
    CHECK_INPUT(b, k); /* untouched on error */
    ck_assert(gs.d == g->d && gs.ld == g->ld && gs.mean == g->mean && gs.cov == g->cov);
  }
  gbuf b;
  bw_gaussian *g = (bw_gaussian *)bad_input(8, &b);
  TU_EXPECT(&f.ar, BW_ERR_DIM_MISMATCH, "workspace too small", bw_gaussian_validate(&f.good.g, BW_SYM_RTOL, f.ws2));
  TU_EXPECT(&f.ar, BW_ERR_BAD_ARG, "sym_rtol NaN", bw_gaussian_validate(g, NAN, NULL));
  TU_EXPECT(&f.ar, BW_OK, "d = 2", bw_gaussian_validate(g, BW_SYM_RTOL, f.ws2));
  fx_free(&f);
}
END_TEST

/* ================= spd.h ================= */

static double f_nan(double x, void *c) { (void)c, (void)x; return NAN; }
static double f_inf(double x, void *c) { (void)c; return x > 1.2 ? INFINITY : x; }
static double f_id(double x, void *c) { (void)c; return x; }

typedef bw_status (*spd_fn)(bw_workspace *, int, const double *, int, double *, int);

START_TEST(spd_args) {
  fixture f;
  fx_init(&f);
  double *F = tu_arena_take(&f.ar, sizeof(double) * LD * LD);
  double *w = tu_arena_take(&f.ar, sizeof(double) * LD);
  const double *S = f.good.c;
  const spd_fn fns[4] = {bw_spd_sqrt, bw_spd_invsqrt, bw_spd_log, bw_sym_exp};
  const char *names[4] = {"spd_sqrt", "spd_invsqrt", "spd_log", "sym_exp"};
  for (int q = 0; q < 6; q++) {
/* q: 0..3 the fixed functions, 4 sym_func (identity), 5 sym_eig */
#define CALL(ws, d, S, lds, F, ldf)                                                                \
  (q < 4 ? fns[q](ws, d, S, lds, F, ldf)                                                           \
   : q == 4 ? bw_sym_func(ws, d, S, lds, f_id, NULL, F, ldf)                                        \
            : bw_sym_eig(ws, d, S, lds, w, F, ldf))
    const char *nm = q < 4 ? names[q] : q == 4 ? "sym_func" : "sym_eig";
    TU_EXPECT(&f.ar, BW_ERR_NULL, nm, CALL(f.ws, D, NULL, LD, F, LD));
    TU_EXPECT(&f.ar, BW_ERR_NULL, nm, CALL(f.ws, D, S, LD, NULL, LD));
    const int dbad[] = {0, -1, INT_MIN};
    for (int k = 0; k < 3; k++) TU_EXPECT(&f.ar, BW_ERR_DIM, nm, CALL(f.ws, dbad[k], S, LD, F, LD));
    TU_EXPECT(&f.ar, BW_ERR_DIM, nm, CALL(f.ws, D, S, D - 1, F, LD));
    TU_EXPECT(&f.ar, BW_ERR_DIM, nm, CALL(f.ws, D, S, LD, F, D - 1));
    TU_EXPECT(&f.ar, BW_ERR_DIM, nm, CALL(f.ws, D, S, LD, F, 0));
    TU_EXPECT(&f.ar, BW_ERR_DIM_MISMATCH, nm, CALL(f.ws2, D, S, LD, F, LD));
    for (int k = 0; k < NGCASES; k++) {
      if (!gcases[k].content || k <= 11) continue; /* the covariance's defects */
      gbuf b;
      bad_input(k, &b);
      SNAP_INPUT(b);
      bw_status want = gcases[k].want;
      if (want == BW_ERR_NOT_SPD && (q >= 3)) want = BW_OK; /* exp, identity, eig: any symmetric S */
      TU_EXPECT(&f.ar, want, gcases[k].what, CALL(f.ws, D, b.c, LD, F, LD));
      CHECK_INPUT(b, k);
    }
    TU_EXPECT(&f.ar, BW_OK, nm, CALL(NULL, D, S, LD, F, LD));
#undef CALL
  }
  TU_EXPECT(&f.ar, BW_ERR_NULL, "sym_func f NULL", bw_sym_func(f.ws, D, S, LD, NULL, NULL, F, LD));
  TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "sym_func f NaN", bw_sym_func(f.ws, D, S, LD, f_nan, NULL, F, LD));
  TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "sym_func f Inf", bw_sym_func(f.ws, D, S, LD, f_inf, NULL, F, LD));
  TU_EXPECT(&f.ar, BW_ERR_NULL, "sym_eig w NULL", bw_sym_eig(f.ws, D, S, LD, NULL, F, LD));
  /* sym_exp overflow: eigenvalue 800 */
  double big[4] = {800, 0, 0, 1};
  TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "sym_exp overflow", bw_sym_exp(f.ws, 2, big, 2, F, 2));
  /* spd_invsqrt / log of a subnormal eigenvalue: 1/sqrt finite, log finite: OK; 1/x overflow
   * through sym_func is covered by f_inf. */
  fx_check_inputs(&f, __LINE__);
  fx_free(&f);
}
END_TEST

/* ================= problem.h ================= */

START_TEST(problem_alloc_set_args) {
  const int bad[] = {0, -1, INT_MIN, 46341, INT_MAX};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) ck_assert_ptr_null(bw_problem_alloc(bad[k]));
  bw_problem_free(NULL);
  /* accessors on NULL */
  ck_assert_int_eq(bw_problem_dim(NULL), 0);
  ck_assert(isnan(bw_problem_tau(NULL)));
  ck_assert_ptr_null(bw_problem_A(NULL));
  ck_assert_ptr_null(bw_problem_h(NULL));
  ck_assert_ptr_null(bw_problem_K(NULL));
  ck_assert_ptr_null(bw_problem_P(NULL));
  ck_assert_ptr_null(bw_problem_P_eigvals(NULL));
  ck_assert_ptr_null(bw_problem_P_eigvecs(NULL));
  ck_assert_ptr_null(bw_problem_A_eigvals(NULL));
  ck_assert_ptr_null(bw_problem_A_eigvecs(NULL));

  /* bw_problem_set: the problem object is the output (its whole state must be untouched) */
  bw_problem *pb = good_problem();
  double A[LD * LD], K[LD * LD], h[LD];
  const int n = D * D;
  double snapA[D * D], snapK[D * D], snapP[D * D], snaph[D], snapp[D], snapa[D], snapR[D * D], snapQ[D * D];
#define SNAP_PB()                                                                                  \
  memcpy(snapA, bw_problem_A(pb), sizeof snapA), memcpy(snapK, bw_problem_K(pb), sizeof snapK),    \
      memcpy(snapP, bw_problem_P(pb), sizeof snapP), memcpy(snaph, bw_problem_h(pb), sizeof snaph), \
      memcpy(snapp, bw_problem_P_eigvals(pb), sizeof snapp),                                       \
      memcpy(snapa, bw_problem_A_eigvals(pb), sizeof snapa),                                       \
      memcpy(snapR, bw_problem_P_eigvecs(pb), sizeof snapR),                                       \
      memcpy(snapQ, bw_problem_A_eigvecs(pb), sizeof snapQ)
#define CHECK_PB(what)                                                                             \
  ck_assert_msg(!memcmp(snapA, bw_problem_A(pb), sizeof snapA) &&                                  \
                    !memcmp(snapK, bw_problem_K(pb), sizeof snapK) &&                              \
                    !memcmp(snapP, bw_problem_P(pb), sizeof snapP) &&                              \
                    !memcmp(snaph, bw_problem_h(pb), sizeof snaph) &&                              \
                    !memcmp(snapp, bw_problem_P_eigvals(pb), sizeof snapp) &&                      \
                    !memcmp(snapa, bw_problem_A_eigvals(pb), sizeof snapa) &&                      \
                    !memcmp(snapR, bw_problem_P_eigvecs(pb), sizeof snapR) &&                      \
                    !memcmp(snapQ, bw_problem_A_eigvecs(pb), sizeof snapQ) && bw_problem_tau(pb) == 0.5, \
                "[%s] the problem changed on error", what)
  SNAP_PB();
  (void)n;
  /* A and K with ld 4 and NaN padding */
  for (int k = 0; k < LD * LD; k++) A[k] = K[k] = NAN;
  for (int j = 0; j < D; j++)
    for (int i = 0; i < D; i++) A[i + j * LD] = prob_A[i + j * D], K[i + j * LD] = prob_K[i + j * D];
  memcpy(h, prob_h, sizeof prob_h);
  h[D] = NAN;
  struct {
    const char *what;
    bw_status want;
    int which; /* 0 A, 1 K, 2 h: entry to spoil */
    int idx;   /* entry index */
    double val;
  } cases[] = {
      {"A NaN", BW_ERR_NONFINITE, 0, 1, NAN},         {"A Inf", BW_ERR_NONFINITE, 0, 0, INFINITY},
      {"A -Inf lower", BW_ERR_NONFINITE, 0, 2, -INFINITY}, {"A not symmetric", BW_ERR_NOT_SYMMETRIC, 0, 1, 0.7},
      {"K NaN", BW_ERR_NONFINITE, 1, 1 + LD, NAN},    {"K not symmetric", BW_ERR_NOT_SYMMETRIC, 1, 2 * LD, 1.0},
      {"h NaN", BW_ERR_NONFINITE, 2, 1, NAN},         {"h Inf", BW_ERR_NONFINITE, 2, 2, INFINITY},
      {"h -Inf", BW_ERR_NONFINITE, 2, 0, -INFINITY},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double *arr = cases[c].which == 0 ? A : cases[c].which == 1 ? K : h;
    double save = arr[cases[c].idx];
    arr[cases[c].idx] = cases[c].val;
    ck_assert_msg(bw_problem_set(pb, A, LD, h, K, LD, 0.25) == cases[c].want, "%s", cases[c].what);
    CHECK_PB(cases[c].what);
    arr[cases[c].idx] = save;
  }
  ck_assert_int_eq(bw_problem_set(NULL, A, LD, h, K, LD, 1), BW_ERR_NULL);
  ck_assert_int_eq(bw_problem_set(pb, NULL, LD, h, K, LD, 1), BW_ERR_NULL);
  ck_assert_int_eq(bw_problem_set(pb, A, LD, NULL, K, LD, 1), BW_ERR_NULL);
  CHECK_PB("NULL");
  const int ldbad[] = {D - 1, 0, -1, INT_MIN};
  for (int k = 0; k < 4; k++) {
    ck_assert_int_eq(bw_problem_set(pb, A, ldbad[k], h, K, LD, 1), BW_ERR_DIM);
    ck_assert_int_eq(bw_problem_set(pb, A, LD, h, K, ldbad[k], 1), BW_ERR_DIM);
  }
  CHECK_PB("ld");
  const double taubad[] = {-1.0, -DBL_MIN, -DBL_TRUE_MIN, NAN, INFINITY, -INFINITY};
  for (int k = 0; k < 6; k++) ck_assert_int_eq(bw_problem_set(pb, A, LD, h, K, LD, taubad[k]), BW_ERR_BAD_TAU);
  CHECK_PB("tau");
  /* A + K overflows */
  {
    double Ab[4] = {DBL_MAX, 0, 0, 1}, Kb[4] = {DBL_MAX, 0, 0, 0}, hb[2] = {0, 0};
    bw_problem *p2 = bw_problem_alloc(2);
    ck_assert_int_eq(bw_problem_set(p2, Ab, 2, hb, Kb, 2, 1), BW_ERR_OVERFLOW);
    ck_assert(bw_problem_P(p2)[0] == 0.0); /* untouched: still the heat flow */
    bw_problem_free(p2);
  }
  /* ldk is ignored when K is NULL; a non-convex A is allowed */
  ck_assert_int_eq(bw_problem_set(pb, A, LD, h, NULL, 0, 0.0), BW_OK);
  ck_assert(bw_problem_tau(pb) == 0.0);
  ck_assert(bw_problem_K(pb)[0] == 0.0);
  bw_problem_free(pb);
#undef SNAP_PB
#undef CHECK_PB
}
END_TEST

START_TEST(problem_minimiser_args) {
  fixture f;
  fx_init(&f);
  bw_gaussian out = arena_gaussian(&f.ar, D, LD), tmp;
  TU_EXPECT(&f.ar, BW_ERR_NULL, "pb NULL", bw_problem_minimiser(NULL, &out));
  for (int k = 0; k < NOCASES; k++)
    TU_EXPECT(&f.ar, ocases[k].want, ocases[k].what, bw_problem_minimiser(f.pb, bad_output(k, &out, &tmp)));
  /* no minimiser: tau = 0, A or P not positive definite */
  bw_problem *pb = bw_problem_alloc(2);
  double A[4] = {1, 0, 0, 1}, An[4] = {1, 0, 0, -1}, Az[4] = {1, 0, 0, 0}, h[2] = {1, 2};
  double Kneg[4] = {-2, 0, 0, 0};
  bw_gaussian o2 = arena_gaussian(&f.ar, 2, 2);
  ck_assert_int_eq(bw_problem_set(pb, A, 2, h, NULL, 2, 0.0), BW_OK);
  TU_EXPECT(&f.ar, BW_ERR_NOT_SPD, "tau = 0", bw_problem_minimiser(pb, &o2));
  ck_assert_int_eq(bw_problem_set(pb, An, 2, h, NULL, 2, 1.0), BW_OK);
  TU_EXPECT(&f.ar, BW_ERR_NOT_SPD, "A indefinite", bw_problem_minimiser(pb, &o2));
  ck_assert_int_eq(bw_problem_set(pb, Az, 2, h, NULL, 2, 1.0), BW_OK);
  TU_EXPECT(&f.ar, BW_ERR_NOT_SPD, "A singular", bw_problem_minimiser(pb, &o2));
  ck_assert_int_eq(bw_problem_set(pb, A, 2, h, Kneg, 2, 1.0), BW_OK);
  TU_EXPECT(&f.ar, BW_ERR_NOT_SPD, "P indefinite", bw_problem_minimiser(pb, &o2));
  /* overflow: m* = h / a = 1e300 / 1e-10, S* = tau / p = 1e300 / 1e-10 */
  double At[4] = {1e-10, 0, 0, 1}, hb[2] = {1e300, 0}, hs[2] = {1, 0};
  ck_assert_int_eq(bw_problem_set(pb, At, 2, hb, NULL, 2, 1.0), BW_OK);
  TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "mean overflows", bw_problem_minimiser(pb, &o2));
  ck_assert_int_eq(bw_problem_set(pb, At, 2, hs, NULL, 2, 1e300), BW_OK);
  TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "cov overflows", bw_problem_minimiser(pb, &o2));
  double Ad[4] = {DBL_TRUE_MIN, 0, 0, 1};
  ck_assert_int_eq(bw_problem_set(pb, Ad, 2, hs, NULL, 2, 1.0), BW_OK);
  TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "1/a overflows", bw_problem_minimiser(pb, &o2));
  bw_problem_free(pb);
  TU_EXPECT(&f.ar, BW_OK, "good", bw_problem_minimiser(f.pb, &out));
  fx_free(&f);
}
END_TEST

/* bw_energy, bw_energy_gradient, bw_velocity, bw_slope_sq, bw_modified_energy. */
START_TEST(energy_args) {
  fixture f;
  fx_init(&f);
  double *J = tu_arena_take(&f.ar, sizeof(double));
  double *v = tu_arena_take(&f.ar, sizeof(double) * D);
  double *M = tu_arena_take(&f.ar, sizeof(double) * LD * D);
  const bw_gaussian *g = &f.good.g;
  for (int q = 0; q < 5; q++) {
#define CALL(pb, ws, g)                                                                            \
  (q == 0   ? bw_energy(pb, ws, g, J)                                                              \
   : q == 1 ? bw_energy_gradient(pb, ws, g, v, M, LD)                                              \
   : q == 2 ? bw_velocity(pb, ws, g, v, M, LD)                                                     \
   : q == 3 ? bw_slope_sq(pb, ws, g, J)                                                            \
            : bw_modified_energy(pb, ws, g, 0.1, J))
    static const char *nm[5] = {"energy", "energy_gradient", "velocity", "slope_sq", "modified_energy"};
    TU_EXPECT(&f.ar, BW_ERR_NULL, nm[q], CALL(NULL, f.ws, g));
    TU_EXPECT(&f.ar, BW_ERR_DIM_MISMATCH, nm[q], CALL(f.pb2, f.ws, g));
    TU_EXPECT(&f.ar, BW_ERR_DIM_MISMATCH, nm[q], CALL(f.pb, f.ws2, g));
    for (int k = 0; k < NGCASES; k++) {
      gbuf b;
      const bw_gaussian *gb = bad_input(k, &b);
      SNAP_INPUT(b);
      TU_EXPECT(&f.ar, gcases[k].want, gcases[k].what, CALL(f.pb, f.ws, gb));
      CHECK_INPUT(b, k);
    }
    TU_EXPECT(&f.ar, BW_OK, nm[q], CALL(f.pb, NULL, g));
#undef CALL
  }
  TU_EXPECT(&f.ar, BW_ERR_NULL, "energy J NULL", bw_energy(f.pb, f.ws, g, NULL));
  TU_EXPECT(&f.ar, BW_ERR_NULL, "slope NULL", bw_slope_sq(f.pb, f.ws, g, NULL));
  TU_EXPECT(&f.ar, BW_ERR_NULL, "modified NULL", bw_modified_energy(f.pb, f.ws, g, 0.1, NULL));
  TU_EXPECT(&f.ar, BW_ERR_DIM, "gradient ldg", bw_energy_gradient(f.pb, f.ws, g, v, M, D - 1));
  TU_EXPECT(&f.ar, BW_ERR_DIM, "velocity ldl", bw_velocity(f.pb, f.ws, g, v, M, 0));
  TU_EXPECT(&f.ar, BW_OK, "gradient ldg unused", bw_energy_gradient(f.pb, f.ws, g, v, NULL, 0));
  TU_EXPECT(&f.ar, BW_OK, "velocity both NULL", bw_velocity(f.pb, f.ws, g, NULL, NULL, 0));
  const double etabad[] = {NAN, INFINITY, -INFINITY};
  for (int k = 0; k < 3; k++)
    TU_EXPECT(&f.ar, BW_ERR_BAD_ETA, "modified eta", bw_modified_energy(f.pb, f.ws, g, etabad[k], J));
  TU_EXPECT(&f.ar, BW_OK, "modified eta < 0", bw_modified_energy(f.pb, f.ws, g, -0.1, J));
  /* overflowing values: a covariance near DBL_MAX times P */
  {
    double m[1] = {0}, S[1] = {1e308}, A[1] = {1e10}, h[1] = {0};
    bw_gaussian gg = {1, m, S, 1};
    bw_problem *pb = bw_problem_alloc(1);
    ck_assert_int_eq(bw_problem_set(pb, A, 1, h, NULL, 1, 1.0), BW_OK);
    TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "energy overflow", bw_energy(pb, NULL, &gg, J));
    TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "slope overflow", bw_slope_sq(pb, NULL, &gg, J));
    S[0] = DBL_TRUE_MIN; /* tau / S overflows */
    TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "gradient overflow", bw_energy_gradient(pb, NULL, &gg, v, M, 1));
    TU_EXPECT(&f.ar, BW_ERR_OVERFLOW, "modified overflow", bw_modified_energy(pb, NULL, &gg, 0.1, J));
    bw_problem_free(pb);
  }
  fx_check_inputs(&f, __LINE__);
  fx_free(&f);
}
END_TEST

START_TEST(preset_args) {
  bw_problem *pb = (bw_problem *)(uintptr_t)0x1234, *pb0 = pb;
  bw_gaussian *g0 = (bw_gaussian *)(uintptr_t)0x5678, *g00 = g0;
#define UNTOUCHED() ck_assert(pb == pb0 && g0 == g00)
  ck_assert_int_eq(bw_preset(NULL, 0, 1, &pb, &g0), BW_ERR_NULL);
  ck_assert_int_eq(bw_preset("ou2d", 0, 1, NULL, &g0), BW_ERR_NULL);
  ck_assert_int_eq(bw_preset("ou2d", 0, 1, &pb, NULL), BW_ERR_NULL);
  UNTOUCHED();
  const char *names[] = {"", "OU2D", "ou2d ", "nope", "random\n", "heat-"};
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
    ck_assert_int_eq(bw_preset(names[k], 0, 1, &pb, &g0), BW_ERR_BAD_ARG);
  UNTOUCHED();
  const char *valid[] = {"ou2d", "heat", "potential", "random"};
  for (int k = 0; k < 4; k++) {
    ck_assert_int_eq(bw_preset(valid[k], -1, 1, &pb, &g0), BW_ERR_DIM);
    ck_assert_int_eq(bw_preset(valid[k], INT_MIN, 1, &pb, &g0), BW_ERR_DIM);
    ck_assert_int_eq(bw_preset(valid[k], 46341, 1, &pb, &g0), BW_ERR_DIM);
    ck_assert_int_eq(bw_preset(valid[k], INT_MAX, 1, &pb, &g0), BW_ERR_DIM);
  }
  ck_assert_int_eq(bw_preset("ou2d", 3, 1, &pb, &g0), BW_ERR_DIM);
  ck_assert_int_eq(bw_preset("ou2d", 1, 1, &pb, &g0), BW_ERR_DIM);
  UNTOUCHED();
#undef UNTOUCHED

  /* bw_problem_random */
  fixture f;
  fx_init(&f);
  bw_gaussian out = arena_gaussian(&f.ar, D, LD), tmp;
  bw_problem *p3 = bw_problem_alloc(D);
  TU_EXPECT(&f.ar, BW_ERR_NULL, "pb NULL", bw_problem_random(D, 1, 1.0, NULL, &out));
  for (int k = 0; k < NOCASES; k++)
    TU_EXPECT(&f.ar, ocases[k].want, ocases[k].what, bw_problem_random(D, 1, 1.0, p3, bad_output(k, &out, &tmp)));
  TU_EXPECT(&f.ar, BW_ERR_DIM, "d = 0", bw_problem_random(0, 1, 1.0, p3, &out));
  TU_EXPECT(&f.ar, BW_ERR_DIM, "d = -1", bw_problem_random(-1, 1, 1.0, p3, &out));
  TU_EXPECT(&f.ar, BW_ERR_DIM_MISMATCH, "pb of dim 2", bw_problem_random(D, 1, 1.0, f.pb2, &out));
  const double taubad[] = {-1.0, NAN, INFINITY, -INFINITY};
  for (int k = 0; k < 4; k++) TU_EXPECT(&f.ar, BW_ERR_BAD_TAU, "tau", bw_problem_random(D, 1, taubad[k], p3, &out));
  ck_assert(bw_problem_A(p3)[0] == 0.0 && bw_problem_tau(p3) == 1.0); /* p3 untouched */
  TU_EXPECT(&f.ar, BW_OK, "good", bw_problem_random(D, 1, 0.0, p3, &out));
  bw_problem_free(p3);
  fx_free(&f);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("args");
  TCase *tc = tcase_create("args");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, status_strings);
  tcase_add_test(tc, workspace_args);
  tcase_add_test(tc, gaussian_alloc_args);
  tcase_add_test(tc, gaussian_copy_args);
  tcase_add_test(tc, gaussian_set_args);
  tcase_add_test(tc, gaussian_validate_args);
  tcase_add_test(tc, spd_args);
  tcase_add_test(tc, problem_alloc_set_args);
  tcase_add_test(tc, problem_minimiser_args);
  tcase_add_test(tc, energy_args);
  tcase_add_test(tc, preset_args);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return ta_main(argc, argv, make_suite, NULL, 0); }
