/* example.c: a first program against the installed libbwflow.
 *
 *   cc example.c $(pkg-config --cflags --libs bwflow) -o example && ./example
 *
 * It takes the "ou2d" preset (Langevin / Ornstein-Uhlenbeck dynamics in 2-D) and a problem
 * of its own given as plain arrays, runs JKO steps of two sizes to time T = 1, and measures
 * with the 2-Wasserstein distance how far the last iterate is from the exact gradient flow
 * (error O(eta)) and from JKO-Flow (error O(eta^2)). Every library call returns a bw_status;
 * CHECK prints its name and message and jumps to the clean-up.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <bwflow.h>
#include <stdio.h>

#define CHECK(call)                                                                           \
  do {                                                                                        \
    bw_status st_ = (call);                                                                   \
    if (st_ != BW_OK) {                                                                       \
      fprintf(stderr, "example: %s: %s: %s\n", #call, bw_status_name(st_), bw_strerror(st_)); \
      goto done;                                                                              \
    }                                                                                         \
  } while (0)

/* The last of n = T/eta JKO steps from g0, and its W2 distances at time T to the exact flow
 * and to JKO-Flow. All the matrices live in Gaussians of dimension d; ws serves them all. */
static bw_status errors_at(const bw_problem *pb, const bw_gaussian *g0, double eta, int n,
                           bw_workspace *ws, double *to_wgf, double *to_jkoflow) {
  const int d = g0->d;
  const double T = n * eta;
  bw_jko_plan *plan = NULL;     /* set up once per (problem, eta): FFTW-like plan */
  bw_jkoflow *flow = NULL;      /* CVODE solver of JKO-Flow for the same eta */
  bw_gaussian *it = bw_gaussian_alloc(d), *ref = bw_gaussian_alloc(d);
  bw_status st = (it && ref) ? BW_OK : BW_ERR_NOMEM;
  if (!st) st = bw_jko_plan_create(pb, eta, &plan);
  if (!st) st = bw_gaussian_copy(it, g0);
  for (int k = 0; !st && k < n; k++) st = bw_jko_step(plan, ws, it, it); /* in place, no malloc */
  if (!st) st = bw_wgf(pb, ws, g0, T, ref);                              /* closed form */
  if (!st) st = bw_w2(ws, it, ref, to_wgf);
  if (!st) st = bw_jkoflow_create(pb, BW_FLOW_JKO, eta, NULL, &flow);    /* default tolerances */
  if (!st) st = bw_jkoflow_solve(flow, g0, 1, &T, &ref, NULL);
  if (!st) st = bw_w2(ws, it, ref, to_jkoflow);
  bw_jkoflow_free(flow);
  bw_jko_plan_free(plan);
  bw_gaussian_free(it);
  bw_gaussian_free(ref);
  return st;
}

int main(void) {
  int rc = 1;
  bw_problem *pb = NULL, *own = NULL;
  bw_gaussian *g0 = NULL;
  bw_workspace *ws = NULL;
  bw_jko_plan *plan = NULL;
  printf("libbwflow %s\n", bw_version());

  /* 1. A preset: the problem and its initial Gaussian, both allocated by the library. */
  CHECK(bw_preset("ou2d", 0, 0, &pb, &g0));
  ws = bw_workspace_alloc(3); /* one workspace for every dimension <= 3 used below */
  if (!ws) CHECK(BW_ERR_NOMEM);
  double J;
  CHECK(bw_energy(pb, ws, g0, &J));
  printf("ou2d: d = %d, tau = %g, J(rho_0) = %.6f\n", bw_problem_dim(pb), bw_problem_tau(pb), J);

  /* 2. JKO steps of size eta and eta/2 to T = 1: the error against the exact flow halves
   *    (first order), the error against JKO-Flow quarters (second order). */
  double e1, f1, e2, f2;
  CHECK(errors_at(pb, g0, 0.1, 10, ws, &e1, &f1));
  CHECK(errors_at(pb, g0, 0.05, 20, ws, &e2, &f2));
  printf("eta = 0.1 : W2(JKO, exact flow) = %.3e  W2(JKO, JKO-Flow) = %.3e\n", e1, f1);
  printf("eta = 0.05: W2(JKO, exact flow) = %.3e  W2(JKO, JKO-Flow) = %.3e\n", e2, f2);
  printf("ratios for eta halved: exact flow %.2f (order 1: ~2), JKO-Flow %.2f (order 2: ~4)\n",
         e1 / e2, f1 / f2);

  /* 3. A problem from plain arrays. Matrices are column-major with an explicit leading
   *    dimension, as in LAPACK: entry (i, j) of A is A[i + j * lda]. Here A is stored in a
   *    4 x 3 array (lda = 4, the last row is padding), K and S0 with ld = 3. */
  enum { d = 3 };
  const double A[4 * d] = {2.0, 0.5, 0.0, -99,  /* column 0 (and one padding entry) */
                           0.5, 1.5, 0.3, -99,  /* column 1 */
                           0.0, 0.3, 1.0, -99}; /* column 2 */
  const double h[d] = {1.0, 0.0, -1.0};
  const double K[d * d] = {0.2, 0, 0, 0, 0.2, 0, 0, 0, 0.2};
  double m0[d] = {1.0, -1.0, 0.5};
  double S0[d * d] = {1.0, 0.3, 0.1, 0.3, 0.8, 0.0, 0.1, 0.0, 0.6};
  own = bw_problem_alloc(d);
  if (!own) CHECK(BW_ERR_NOMEM);
  CHECK(bw_problem_set(own, A, 4, h, K, d, 0.5)); /* tau = 0.5 */
  bw_gaussian start = {d, m0, S0, d};            /* wraps the caller's arrays: no copy */
  CHECK(bw_gaussian_validate(&start, BW_SYM_RTOL, ws));
  CHECK(errors_at(own, &start, 0.02, 50, ws, &e1, &f1));
  printf("own problem (d = 3, tau = 0.5), eta = 0.02, T = 1: W2 to exact flow %.3e, to JKO-Flow %.3e\n",
         e1, f1);

  /* 4. Errors are statuses, never crashes or prints: a negative step is refused and the
   *    output pointer is left untouched (still NULL). */
  bw_status st = bw_jko_plan_create(own, -1.0, &plan);
  printf("bw_jko_plan_create(eta = -1): %s (%s); plan %s\n", bw_status_name(st), bw_strerror(st),
         plan ? "set" : "untouched");
  rc = (st == BW_ERR_BAD_ETA && !plan) ? 0 : 1;

done:
  bw_jko_plan_free(plan);
  bw_workspace_free(ws);
  bw_gaussian_free(g0);
  bw_problem_free(pb);
  bw_problem_free(own);
  return rc;
}
