/* Helpers of the JKO-Flow suites (tests/test_jkoflow.c, test_jkoflow_collapse.c,
 * test_jkoflow_solvers.c). SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_TEST_JKOFLOW_H
#define BW_TEST_JKOFLOW_H
#include <math.h>
#include <stdlib.h>
#include "testutil.h"

/* A random problem: A SPD (eigenvalues in [alo, ahi]), K SPD in [0.05, 0.3] with other
 * eigenvectors (so P = A + K does not commute with A), h ~ N(0, 1). */
static inline bw_problem *tj_rand_problem(tu_rng *r, int d, double alo, double ahi, double tau) {
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
static inline bw_jkoflow *tj_make_flow_m(const bw_problem *pb, bw_flow_kind kind, double eta, bw_linsol ls,
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
static inline bw_jkoflow *tj_make_flow_tol(const bw_problem *pb, bw_flow_kind kind, double eta, bw_linsol ls,
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

static inline bw_jkoflow *tj_make_flow(const bw_problem *pb, bw_flow_kind kind, double eta, bw_linsol ls) {
  return tj_make_flow_tol(pb, kind, eta, ls, 0, 0);
}

/* max|x - y| / max(max|y|, floor) over means and covariances. */
static inline double tj_rel_diff(const bw_gaussian *x, const bw_gaussian *y) {
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

/* S = R diag(s) R'. */
static inline void tj_rdr(int d, const double *R, const double *s, double *S) {
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double acc = 0.0;
      for (int k = 0; k < d; k++) acc += R[i + k * d] * s[k] * R[j + k * d];
      S[i + j * d] = acc;
    }
}

#endif
