/* JKO-Flow: the Wasserstein gradient flow of J^e = J - e/4 |grad J|^2 on Gaussians
 * (docs/math.md section 5), integrated by CVODE: BDF + Newton, or Adams + fixed-point iterations
 * (BW_METHOD_AUTO: Adams when rho0 T is small, BDF otherwise and as fallback from Adams'
 * last accepted state; see bw_ode_method in the header).
 *
 * With e = eta (JKO), -eta (forward Euler) or 0 (plain WGF):
 *   m' = -(I - e/2 A)(A m - h),
 *   S' = 2 tau I - P S - S P + e/2 (P^2 S + S P^2) - e tau^2 S^-1.
 * JKO-Flow of order 2 (BW_FLOW_JKO2, e = eta; docs/math.md section 8) has the truncated
 * logarithm L_2(z) = 1 - z/2 + z^2/3 (lib/gaussian/modflow2.c) where these have 1 - z/2, the constant
 * 2 tau - e^2 tau p_i^2/3 on X's diagonal, and the further term + e^2 tau^3 X^-2 (below:
 * W^2 in cov_terms, -e^2 tau^3 (W E W^2 + W^2 E W) in the Jacobians); it has no collapse.
 *
 * State (n = d + d(d+1)/2 unknowns, no redundancy). With A = Q diag(a) Q' and
 * P = R diag(p) R':
 *   u = Q'm (d entries):        u_k' = -(1 - e a_k/2)(a_k u_k - c_k),  c = Q'h;
 *   X = R'SR (upper triangle, column by column, X_ij at d + j(j+1)/2 + i for i <= j):
 *                               X_ij' = 2 tau delta_ij - g_ij X_ij - e tau^2 (X^-1)_ij,
 *                               g_ij = p_i + p_j - e/2 (p_i^2 + p_j^2).
 * (R'(P^2 S + S P^2)R = diag(p^2) X + X diag(p^2).) So f(y) = L y + b - e tau^2 pack(X^-1)
 * with L diagonal: the mean is exactly linear and decoupled, and the only coupling is the
 * inverse, whose derivative in the direction E is -X^-1 E X^-1:
 *   Jacobian:  J = L + e tau^2 D,  D[(ij),(kl)] = W_ik W_lj + W_il W_kj  (k < l),
 *                                               W_ik W_kj              (k = l),  W = X^-1;
 *   J v     = L v + e tau^2 pack(W V W)  (V the symmetric matrix of v), O(d^3).
 * Dense path: that Jacobian (O(n^2) entries) and SUNDIALS' dense LU. Krylov path: GMRES with
 * the analytic J v and the preconditioner diag(J)^-1 scaled for Newton, i.e. z = r / (1 -
 * gamma diag(J)), diag(J) = L + e tau^2 (W_ii^2, or W_ii W_jj + W_ij^2 off the diagonal): exact
 * for the linear part (the whole mean block, and everything when e tau = 0).
 *
 * Positive definiteness: every function that needs X^-1 takes a Cholesky factorisation
 * first and returns 1 (CVODE: recoverable failure, the step shrinks) when X is not PD.
 * Collapse (e > 0, tau > 0): CVODE root finding on lambda_min(X) - theta (decreasing
 * crossings only), then the remaining time to 0 by quadrature of the frozen scalar law, see
 * the header and collapse_time below.
 * The right-hand side, its Jacobians, the preconditioner and the root function are in
 * lib/gaussian/jkoflow_rhs.c; the solver's struct in lib/gaussian/jkoflow_internal.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_spgmr.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "core/cvode_util.h"
#include "core/internal.h"
#include "core/lapack.h"
#include "gaussian/modflow2.h"
#include "core/nvector.h"

#include "gaussian/jkoflow_internal.h"

#define GMRES_MAXL 20

/* ---- creation ---- */

void bw_jkoflow_opts_default(bw_jkoflow_opts *opts) {
  if (!opts) return;
  opts->rtol = 1e-12;
  opts->atol = 1e-14;
  opts->linsol = BW_LINSOL_AUTO;
  opts->method = BW_METHOD_AUTO;
  opts->max_steps = 100000;
}

void bw_jkoflow_free(bw_jkoflow *jf) {
  if (!jf) return;
  if (jf->cv) CVodeFree(&jf->cv);
  if (jf->cva) CVodeFree(&jf->cva);
  if (jf->NLS) SUNNonlinSolFree(jf->NLS);
  if (jf->LS) SUNLinSolFree(jf->LS);
  if (jf->J) SUNMatDestroy(jf->J);
  if (jf->y) N_VDestroy(jf->y);
  if (jf->ytmp) N_VDestroy(jf->ytmp);
  if (jf->yinit) N_VDestroy(jf->yinit);
  if (jf->ctx) SUNContext_Free(&jf->ctx);
  bw_workspace_free(jf->ws);
  free(jf->traj);
  free(jf->a); /* one block holds every array */
  free(jf);
}

static int setup_roots(bw_jkoflow *jf, void *cv) {
  if (!jf->roots) return 0;
  int dir = -1; /* lambda_min decreasing through theta */
  int f = CVodeRootInit(cv, 1, bw__jf_rootfn);
  if (!f) f = CVodeSetRootDirection(cv, &dir);
  if (!f) f = CVodeSetNoInactiveRootWarn(cv);
  return f;
}

/* CVODE objects and settings. */
static bw_status setup_cvode(bw_jkoflow *jf) {
  if (SUNContext_Create(NULL, &jf->ctx)) return BW_ERR_CVODE;
  if (!(jf->y = N_VNew_Serial(jf->n, jf->ctx))) return BW_ERR_NOMEM;
  bw__nvector_install(jf->y); /* before anything clones y */
  N_VConst(0.0, jf->y);
  for (int i = 0; i < jf->d; i++) N_VGetArrayPointer(jf->y)[jf->d + bw__jf_pidx(i, i)] = 1.0;
  if (!(jf->yinit = N_VClone(jf->y))) return BW_ERR_NOMEM;
  if (!(jf->cv = CVodeCreate(CV_BDF, jf->ctx))) return BW_ERR_NOMEM;
  int f = CVodeSetErrHandlerFn(jf->cv, bw__jf_errhandler, jf);
  if (!f) f = CVodeInit(jf->cv, bw__jf_rhs, 0.0, jf->y);
  if (!f) f = CVodeSetUserData(jf->cv, jf);
  if (!f) f = CVodeSStolerances(jf->cv, jf->opts.rtol, jf->opts.atol);
  if (!f) f = CVodeSetMaxNumSteps(jf->cv, jf->opts.max_steps);
  if (f) return BW_ERR_CVODE;
  if (jf->linsol == BW_LINSOL_DENSE) {
    if (!(jf->J = SUNDenseMatrix(jf->n, jf->n, jf->ctx))) return BW_ERR_NOMEM;
    if (!(jf->LS = SUNLinSol_Dense(jf->y, jf->J, jf->ctx))) return BW_ERR_NOMEM;
    f = CVodeSetLinearSolver(jf->cv, jf->LS, jf->J);
    if (!f) f = CVodeSetJacFn(jf->cv, bw__jf_jac_dense);
  } else {
    if (!(jf->LS = SUNLinSol_SPGMR(jf->y, SUN_PREC_LEFT, GMRES_MAXL, jf->ctx))) return BW_ERR_NOMEM;
    f = CVodeSetLinearSolver(jf->cv, jf->LS, NULL);
    if (!f) f = CVodeSetJacTimes(jf->cv, bw__jf_jtsetup, bw__jf_jtimes);
    if (!f) f = CVodeSetPreconditioner(jf->cv, bw__jf_psetup, bw__jf_psolve);
  }
  if (!f) f = setup_roots(jf, jf->cv);
  if (f) return BW_ERR_CVODE;
  if (jf->opts.method == BW_METHOD_BDF) return BW_OK;
  /* Adams-Moulton with fixed-point iterations (no Anderson acceleration). */
  if (!(jf->ytmp = N_VClone(jf->y))) return BW_ERR_NOMEM;
  if (!(jf->cva = CVodeCreate(CV_ADAMS, jf->ctx))) return BW_ERR_NOMEM;
  if (!(jf->NLS = SUNNonlinSol_FixedPoint(jf->y, 0, jf->ctx))) return BW_ERR_NOMEM;
  long mx = jf->opts.max_steps;
  if (mx > BW_JKOFLOW_ADAMS_MAX_STEPS) mx = BW_JKOFLOW_ADAMS_MAX_STEPS;
  f = CVodeSetErrHandlerFn(jf->cva, bw__jf_errhandler, jf);
  if (!f) f = CVodeInit(jf->cva, bw__jf_rhs, 0.0, jf->y);
  if (!f) f = CVodeSetUserData(jf->cva, jf);
  if (!f) f = CVodeSStolerances(jf->cva, jf->opts.rtol, jf->opts.atol);
  if (!f) f = CVodeSetMaxNumSteps(jf->cva, mx);
  if (!f) f = CVodeSetNonlinearSolver(jf->cva, jf->NLS);
  if (!f) f = setup_roots(jf, jf->cva);
  return f ? BW_ERR_CVODE : BW_OK;
}

bw_status bw_jkoflow_create(const bw_problem *pb, bw_flow_kind kind, double eta,
                            const bw_jkoflow_opts *opts, bw_jkoflow **out) {
  if (!pb || !out) return BW_ERR_NULL;
  bw_jkoflow_opts o;
  if (opts) o = *opts;
  else bw_jkoflow_opts_default(&o);
  if (o.linsol != BW_LINSOL_AUTO && o.linsol != BW_LINSOL_DENSE && o.linsol != BW_LINSOL_KRYLOV)
    return BW_ERR_BAD_ARG;
  if (o.method != BW_METHOD_AUTO && o.method != BW_METHOD_BDF && o.method != BW_METHOD_ADAMS)
    return BW_ERR_BAD_ARG;
  bw_status st = bw__flow_args_check(kind, eta, &o);
  if (st) return st;
  const int d = bw_problem_dim(pb);
  if (d < 1) return BW_ERR_DIM;
  const size_t ns = bw__jf_pidx(0, d), n = (size_t)d + ns, dd = (size_t)d * d;
  if (n > (size_t)1 << 30) return BW_ERR_DIM;

  bw_jkoflow *jf = calloc(1, sizeof *jf);
  if (!jf) return BW_ERR_NOMEM;
  jf->d = d;
  jf->n = (int)n;
  jf->kind = kind;
  jf->eta = kind == BW_FLOW_PLAIN ? 0.0 : eta;
  jf->e = kind == BW_FLOW_JKO || kind == BW_FLOW_JKO2 ? eta : kind == BW_FLOW_FORWARD ? -eta : 0.0;
  jf->tau = bw_problem_tau(pb);
  jf->etau2 = jf->e * jf->tau * jf->tau;
  jf->order = kind == BW_FLOW_JKO2 ? 2 : 1;
  jf->e2tau3 = jf->order == 2 ? jf->e * jf->e * jf->tau * jf->tau * jf->tau : 0.0;
  jf->need_inv = jf->e != 0.0 && jf->tau > 0.0;
  if (!isfinite(jf->etau2) || !isfinite(jf->e2tau3)) { /* e tau^2 X^-1 cannot be evaluated */
    free(jf);
    return BW_ERR_OVERFLOW;
  }
  /* JKO-Flow's variances can collapse; the order-2 flow's cannot (docs/math.md section 8) */
  jf->roots = kind == BW_FLOW_JKO && jf->tau > 0.0;
  jf->opts = o;
  jf->linsol = o.linsol != BW_LINSOL_AUTO ? o.linsol
               : n <= BW_JKOFLOW_DENSE_MAX ? BW_LINSOL_DENSE : BW_LINSOL_KRYLOV;

  double *blk = malloc((4 * dd + 2 * (size_t)d + 4 * n + 4 * dd + (size_t)d) * sizeof(double));
  jf->ws = bw_workspace_alloc(d);
  if (!blk || !jf->ws) {
    free(blk);
    bw_jkoflow_free(jf);
    return BW_ERR_NOMEM;
  }
  jf->a = blk;
  jf->p = jf->a + d;
  jf->Q = jf->p + d;
  jf->R = jf->Q + dd;
  jf->lin = jf->R + dd;
  jf->b = jf->lin + n;
  jf->jdiag = jf->b + n;
  jf->X = jf->jdiag + n;
  jf->W = jf->X + dd;
  jf->Wjt = jf->W + dd;
  jf->T = jf->Wjt + dd;
  jf->dir = jf->T + dd;
  jf->xref = jf->dir + d;
  memcpy(jf->a, bw_problem_A_eigvals(pb), (size_t)d * sizeof(double));
  memcpy(jf->p, bw_problem_P_eigvals(pb), (size_t)d * sizeof(double));
  memcpy(jf->Q, bw_problem_A_eigvecs(pb), dd * sizeof(double));
  memcpy(jf->R, bw_problem_P_eigvecs(pb), dd * sizeof(double));

  /* The affine part f = lin .* y + b. */
  const double e = jf->e, *h = bw_problem_h(pb);
  for (int k = 0; k < d; k++) {
    const double *q = jf->Q + (size_t)k * d;
    double c = 0.0;
    for (int i = 0; i < d; i++) c += q[i] * h[i];
    double s = bw__mf_logfactor(jf->order, e * jf->a[k]);
    jf->lin[k] = -s * jf->a[k];
    jf->b[k] = s * c;
  }
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++) {
      double pi = jf->p[i], pj = jf->p[j];
      size_t k = d + bw__jf_pidx(i, j);
      jf->lin[k] = jf->order == 2 ? -(pi * bw__mf_logfactor(2, e * pi) + pj * bw__mf_logfactor(2, e * pj))
                                  : -(pi + pj) + 0.5 * e * (pi * pi + pj * pj);
      jf->b[k] = i == j ? 2.0 * jf->tau - (jf->order == 2 ? e * e * jf->tau * pi * pi / 3.0 : 0.0) : 0.0;
    }
  for (size_t k = 0; k < n; k++)
    if (!isfinite(jf->lin[k]) || !isfinite(jf->b[k])) {
      bw_jkoflow_free(jf);
      return BW_ERR_OVERFLOW;
    }

  st = setup_cvode(jf);
  if (st) {
    bw_jkoflow_free(jf);
    return st;
  }
  *out = jf;
  return BW_OK;
}

int bw_jkoflow_dim(const bw_jkoflow *jf) { return jf ? jf->d : 0; }
bw_linsol bw_jkoflow_linsol(const bw_jkoflow *jf) { return jf ? jf->linsol : BW_LINSOL_AUTO; }

/* ---- state <-> Gaussian ---- */

/* y = (Q'm, pack(R'SR)); returns BW_ERR_NOT_SPD if S is not positive definite.
 * Definiteness is decided on S itself (Cholesky of a copy of its lower triangle, as
 * bw_gaussian_set does), not on R'SR: the products may round a singular S to a positive
 * definite X (CVODE then fails near the zero variance). X is checked as well (an S barely
 * PD may lose it in the rotation). */
static bw_status to_state(bw_jkoflow *jf, const bw_gaussian *g, double *y) {
  const int d = jf->d;
  if (!bw__chol(d, g->cov, g->ld, jf->W)) return BW_ERR_NOT_SPD;
  for (int k = 0; k < d; k++) {
    const double *q = jf->Q + (size_t)k * d;
    double c = 0.0;
    for (int i = 0; i < d; i++) c += q[i] * g->mean[i];
    y[k] = c;
  }
  /* X = R'((S + S')/2)R: one triangular product and a rank-2d update, symmetric */
  double *Sym = jf->Wjt;
  for (int j = 0; j < d; j++)
    for (int i = j; i < d; i++)
      Sym[i + (size_t)j * d] = Sym[j + (size_t)i * d] =
          bw__avg(g->cov[i + (size_t)j * g->ld], g->cov[j + (size_t)i * g->ld]);
  bw__sym_congruence('T', d, Sym, jf->R, jf->X, jf->T);
  for (int j = 0; j < d; j++) memcpy(y + d + bw__jf_pidx(0, j), jf->X + (size_t)j * d, (size_t)(j + 1) * sizeof(double));
  if (bw__check_finite(jf->n, y)) return BW_ERR_OVERFLOW;
  return bw__jf_inverse(jf, y + d, jf->W) ? BW_ERR_NOT_SPD : BW_OK;
}

/* jf->Wjt = R X R' (symmetric, ld d) for the state y: one triangular product and a rank-2d
 * update (3 d^3 flops). */
static void cov_of_state(bw_jkoflow *jf, const double *y) {
  const int d = jf->d;
  bw__jf_unpack(d, y + d, jf->X);
  bw__sym_congruence('N', d, jf->X, jf->R, jf->Wjt, jf->T);
}

/* out = (Q u, R X R'); cov_ready: jf->Wjt already holds R X R' (check_state leaves it). */
static void from_state(bw_jkoflow *jf, const double *y, bw_gaussian *g, bool cov_ready) {
  const int d = jf->d;
  for (int i = 0; i < d; i++) {
    double c = 0.0;
    for (int k = 0; k < d; k++) c += jf->Q[i + (size_t)k * d] * y[k];
    g->mean[i] = c;
  }
  if (!cov_ready) cov_of_state(jf, y);
  bw__copy(d, jf->Wjt, d, g->cov, g->ld);
}

/* ---- solve ---- */

static void record_failure(bw_jkoflow *jf, int flag) {
  bw__cvode_failure_text(flag, jf->errmsg, jf->msg, sizeof jf->msg);
}

/* Counters of the memory in use; after a fallback, Adams' counters are added. */
static void read_stats(bw_jkoflow *jf, bw_jkoflow_stats *s) {
  long v = 0;
  memset(s, 0, sizeof *s);
  void *cv = jf->cur;
  if (!cv) return;
  if (!CVodeGetNumSteps(cv, &v)) s->steps = v;
  if (!CVodeGetNumRhsEvals(cv, &v)) s->rhs_evals = v;
  if (cv == jf->cva) {
    jf->adams_steps = s->steps;
    if (!CVodeGetNumErrTestFails(cv, &v)) s->err_test_fails = v;
    if (!CVodeGetNumNonlinSolvConvFails(cv, &v)) s->nonlin_conv_fails = v;
    if (jf->roots && !CVodeGetNumGEvals(cv, &v)) s->root_evals = v;
    return;
  }
  if (!CVodeGetNumLinRhsEvals(cv, &v)) s->rhs_evals += v; /* 0: analytic J and J v */
  if (jf->linsol == BW_LINSOL_DENSE) {
    if (!CVodeGetNumJacEvals(cv, &v)) s->jac_evals = v;
  } else {
    s->jac_evals = jf->njac_krylov;
    if (!CVodeGetNumLinIters(cv, &v)) s->lin_iters = v;
    if (!CVodeGetNumJtimesEvals(cv, &v)) s->jtv_evals = v;
    if (!CVodeGetNumPrecSolves(cv, &v)) s->prec_solves = v;
  }
  if (!CVodeGetNumErrTestFails(cv, &v)) s->err_test_fails = v;
  if (!CVodeGetNumNonlinSolvConvFails(cv, &v)) s->nonlin_conv_fails = v;
  if (jf->roots && !CVodeGetNumGEvals(cv, &v)) s->root_evals = v;
  const bw_jkoflow_stats *a = &jf->adams; /* zeros unless Adams ran first */
  s->steps += a->steps;
  s->rhs_evals += a->rhs_evals;
  s->err_test_fails += a->err_test_fails;
  s->nonlin_conv_fails += a->nonlin_conv_fails;
  s->root_evals += a->root_evals;
}

/* Collapse at the root state y (time tr): eigenvector v of bw__jf_lambda_min, direction R v, and
 * the remaining time to lambda = 0 under lambda' = 2 tau - 2 c lambda - e tau^2 / lambda,
 * c = v'(diag(p) - e/2 diag(p)^2)v (the exact law of a simple eigenvalue with v frozen; the
 * remaining time is bw__collapse_time_left's quadrature, exact to rounding). *regime: lr is
 * below the smallest positive root of q = e tau^2 - 2 tau lambda + 2 c lambda^2,
 * lambda* = e tau/(1 + sqrt(1 - 2 c e)) (none when 2 c e > 1): under the frozen law the
 * variance goes to 0 from here, it cannot turn back. */
static bw_status collapse_info(bw_jkoflow *jf, double tr, const double *y, bool *regime) {
  const int d = jf->d;
  double *V = jf->ws->mat[0], *w = jf->ws->vec[0];
  bw__jf_unpack(d, y + d, jf->X);
  bw_status st = bw__eigh(jf->ws, d, jf->X, d, w, V, d);
  if (st) return st;
  double lr = fmax(w[0], 0.0), c = 0.0;
  for (int i = 0; i < d; i++) {
    double vi = V[i], pi = jf->p[i];
    c += vi * vi * (pi - 0.5 * jf->e * pi * pi);
  }
  const double disc = 1.0 - 2.0 * c * jf->e;
  *regime = jf->e > 0.0 && jf->tau > 0.0 && (disc < 0.0 || lr < jf->e * jf->tau / (1.0 + sqrt(disc)));
  const double rem = bw__collapse_time_left(lr, jf->tau, jf->e, c); /* 0: not collapsing after all */
  /* direction = R v, sign: largest-magnitude entry positive */
  double big = 0.0;
  for (int i = 0; i < d; i++) {
    double acc = 0.0;
    for (int k = 0; k < d; k++) acc += jf->R[i + (size_t)k * d] * V[k];
    jf->dir[i] = acc;
    if (fabs(acc) > fabs(big)) big = acc;
  }
  if (big < 0.0)
    for (int i = 0; i < d; i++) jf->dir[i] = -jf->dir[i];
  jf->t_collapse = tr + rem;
  jf->collapsed = true;
  return BW_OK;
}

static bw_status check_solve_args(const bw_jkoflow *jf, const bw_gaussian *g0, int nt,
                                  const double *times, bw_gaussian *const *out) {
  if (!jf || !g0 || !times || !out) return BW_ERR_NULL;
  bw_status st = bw__check_gaussian(g0);
  if (st) return st;
  if (g0->d != jf->d) return BW_ERR_DIM_MISMATCH;
  if (nt < 1) return BW_ERR_BAD_ARG;
  for (int k = 0; k < nt; k++) {
    const bw_gaussian *g = out[k];
    if (!g || !g->mean || !g->cov) return BW_ERR_NULL;
    if (g->d < 1 || g->ld < g->d) return BW_ERR_DIM;
    if (g->d != jf->d) return BW_ERR_DIM_MISMATCH;
    if (!isfinite(times[k]) || !(times[k] >= (k ? times[k - 1] : 0.0))) return BW_ERR_BAD_ARG;
  }
  return BW_OK;
}

/* Initialise CVODE at g0, time 0 (stop time t_stop when > 0). */
static bw_status start(bw_jkoflow *jf, const bw_gaussian *g0, double t_stop) {
  const int d = jf->d;
  memset(&jf->last, 0, sizeof jf->last);
  memset(&jf->adams, 0, sizeof jf->adams);
  jf->adams_steps = 0;
  jf->cur = NULL;
  jf->started = jf->collapsed = false;
  jf->msg[0] = jf->errmsg[0] = '\0';
  jf->njac_krylov = 0;
  double *y = N_VGetArrayPointer(jf->y);
  bw_status st = to_state(jf, g0, y);
  if (st) return st;
  double lmin = INFINITY;
  if (jf->roots || (jf->need_inv && jf->opts.method == BW_METHOD_AUTO)) {
    if ((st = bw__jf_lambda_min(jf, y + d, &lmin))) return st;
    if (jf->roots) {
      jf->theta = fmin(1e-3 * jf->tau * jf->e, 0.5 * lmin);
      jf->lref = -INFINITY;
      jf->lguess = lmin;
      jf->want_ref = true;
      bw__jf_offer_ref(jf, y + d, jf->W); /* to_state left X^-1 in W */
    }
  }
  void *cv = jf->cv;
  if (jf->opts.method == BW_METHOD_ADAMS) {
    cv = jf->cva;
  } else if (jf->opts.method == BW_METHOD_AUTO && t_stop > 0.0) {
    /* rho0 >= the Jacobian's spectral radius at y: |L| + |e| tau^2 |W (.) W| <= ... / lmin^2 */
    double rho = 0.0;
    for (int k = 0; k < jf->n; k++) rho = fmax(rho, fabs(jf->lin[k]));
    if (jf->need_inv) rho += fabs(jf->etau2) / (lmin * lmin) + 2.0 * jf->e2tau3 / (lmin * lmin * lmin);
    if (rho * t_stop <= BW_JKOFLOW_ADAMS_RHO_T) cv = jf->cva;
  }
  N_VScale(1.0, jf->y, jf->yinit);
  int flag = CVodeReInit(cv, 0.0, jf->y);
  /* SUNDIALS 6.4 has no CVodeClearStopTime and CVodeReInit keeps a previous stop time:
   * "no stop time" is a stop time beyond any reachable horizon. */
  if (!flag) flag = CVodeSetStopTime(cv, t_stop > 0.0 ? t_stop : 1e300);
  if (flag) {
    record_failure(jf, flag);
    return BW_ERR_CVODE;
  }
  jf->cur = cv;
  jf->tcur = 0.0;
  jf->t_stop = t_stop > 0.0 ? t_stop : 0.0;
  jf->started = true;
  return BW_OK;
}

/* Why CVODE failed. A collapse can hide behind a failure: when the variance is driven to 0
 * faster than CVODE's first steps (a covariance of 1e-14, tau = 1e12, a thin rotated
 * ellipse), every trial step makes X indefinite, the right-hand side fails, and CVODE gives
 * up (CV_REPTD_RHSFUNC_ERR, or an error or convergence test failure) before the root
 * function ever sees a crossing, often at t = 0. So for JKO-Flow the last accepted state
 * (at t = 0 the initial state) is tested: below the collapse
 * threshold, the failure is the collapse, reported with its time and direction. Otherwise
 * a right-hand side that fails at the first call, on an initial state checked positive
 * definite, is not finite: an overflow. */
static bw_status failure_cause(bw_jkoflow *jf, int flag) {
  sunrealtype tn = jf->tcur;
  bool regime = false;
  /* jf->y was CVODE's scratch */
  if (jf->roots && bw__cvode_last_state(jf->cur, N_VGetArrayPointer(jf->yinit), (size_t)jf->n, jf->y, &tn)) {
    double *y = N_VGetArrayPointer(jf->y);
    if (!bw__check_finite(jf->n, y) && !bw__jf_inverse(jf, y + jf->d, jf->W) &&
        collapse_info(jf, tn, y, &regime) == BW_OK && regime)
      return BW_ERR_COLLAPSE;
    jf->collapsed = false;
  }
  return flag == CV_FIRST_RHSFUNC_ERR ? BW_ERR_OVERFLOW : bw__cvode_status(flag);
}

/* Integrate from jf->tcur to t >= tcur; the state stays in jf->y. On failure the solver
 * must be started again. */
static bw_status step_to(bw_jkoflow *jf, double t) {
  bw_status st = BW_OK;
  if (t > jf->tcur) {
    double *y = N_VGetArrayPointer(jf->y);
    sunrealtype tret = jf->tcur;
    int flag = CVode(jf->cur, t, jf->y, &tret, CV_NORMAL);
    if (flag < 0 && jf->cur == jf->cva &&
        (flag == CV_TOO_MUCH_WORK || flag == CV_TOO_MUCH_ACC || flag == CV_ERR_FAILURE ||
         flag == CV_CONV_FAILURE || flag == CV_RHSFUNC_FAIL || flag == CV_REPTD_RHSFUNC_ERR ||
         flag == CV_UNREC_RHSFUNC_ERR || flag == CV_NLS_FAIL)) {
      /* Stiff for Adams: continue with BDF from Adams' last accepted state. */
      sunrealtype tn = 0.0;
      int f2 = CVodeGetCurrentTime(jf->cva, &tn);
      if (!f2) f2 = CVodeGetDky(jf->cva, tn, 0, jf->ytmp);
      if (!f2 && bw__check_finite(jf->n, N_VGetArrayPointer(jf->ytmp))) f2 = -1;
      if (!f2) {
        read_stats(jf, &jf->adams);
        jf->errmsg[0] = '\0';
        N_VScale(1.0, jf->ytmp, jf->yinit);
        f2 = CVodeReInit(jf->cv, tn, jf->ytmp);
        if (!f2) f2 = CVodeSetStopTime(jf->cv, jf->t_stop > 0.0 ? jf->t_stop : 1e300);
        if (!f2) {
          jf->cur = jf->cv;
          flag = CVode(jf->cur, t, jf->y, &tret, CV_NORMAL);
        }
      }
    }
    bool regime = false;
    if (flag == CV_ROOT_RETURN) {
      st = collapse_info(jf, tret, y, &regime);
      if (!st) st = BW_ERR_COLLAPSE;
    } else if (flag < 0) {
      st = failure_cause(jf, flag);
      if (st != BW_ERR_COLLAPSE) record_failure(jf, flag);
    } else {
      jf->tcur = t;
    }
  }
  read_stats(jf, &jf->last);
  if (st) jf->started = false;
  return st;
}

/* Is the state yk a finite, positive definite Gaussian, in the eigenbasis (X) and as the
 * output covariance R X R' (the verdict of bw_gaussian_set: rounding in the rotation can
 * make an ill-conditioned X's image indefinite)? */
static bw_status check_state(bw_jkoflow *jf, const double *yk) {
  if (bw__check_finite(jf->n, yk)) return BW_ERR_OVERFLOW;
  if (bw__jf_inverse(jf, yk + jf->d, jf->W)) return BW_ERR_LOST_SPD;
  cov_of_state(jf, yk);
  if (bw__check_finite(jf->d * jf->d, jf->Wjt)) return BW_ERR_OVERFLOW;
  return bw__chol(jf->d, jf->Wjt, jf->d, jf->W) ? BW_OK : BW_ERR_LOST_SPD;
}

bw_status bw_jkoflow_solve(bw_jkoflow *jf, const bw_gaussian *g0, int nt, const double *times,
                           bw_gaussian *const *out, bw_jkoflow_stats *stats) {
  bw_status st = check_solve_args(jf, g0, nt, times, out);
  if (st) return st;
  const size_t n = (size_t)jf->n;
  if ((size_t)nt > ((size_t)-1 / sizeof(double)) / (n + 1)) return BW_ERR_NOMEM;
  if ((size_t)nt * n > jf->traj_cap) {
    double *t = realloc(jf->traj, (size_t)nt * n * sizeof(double));
    if (!t) return BW_ERR_NOMEM;
    jf->traj = t;
    jf->traj_cap = (size_t)nt * n;
  }
  if ((st = start(jf, g0, times[nt - 1]))) return st;
  const double *y = N_VGetArrayPointer(jf->y);
  for (int k = 0; k < nt && !st; k++) {
    st = step_to(jf, times[k]);
    if (!st) memcpy(jf->traj + (size_t)k * n, y, n * sizeof(double));
  }
  if (st) return st;
  /* Check every output before writing any (the last check leaves the last covariance). */
  for (int k = 0; k < nt && !st; k++) st = check_state(jf, jf->traj + (size_t)k * n);
  if (st) return st;
  for (int k = 0; k < nt; k++) from_state(jf, jf->traj + (size_t)k * n, out[k], nt == 1);
  if (stats) *stats = jf->last;
  return BW_OK;
}

bw_status bw_jkoflow_start(bw_jkoflow *jf, const bw_gaussian *g0, double t_stop) {
  if (!jf || !g0) return BW_ERR_NULL;
  bw_status st = bw__check_gaussian(g0);
  if (st) return st;
  if (g0->d != jf->d) return BW_ERR_DIM_MISMATCH;
  if (!(t_stop >= 0.0) || !isfinite(t_stop)) return BW_ERR_BAD_ARG;
  return start(jf, g0, t_stop);
}

bw_status bw_jkoflow_advance(bw_jkoflow *jf, double t, bw_gaussian *out) {
  if (!jf || !out || !out->mean || !out->cov) return BW_ERR_NULL;
  if (out->d < 1 || out->ld < out->d) return BW_ERR_DIM;
  if (out->d != jf->d) return BW_ERR_DIM_MISMATCH;
  if (!jf->started) return BW_ERR_BAD_ARG;
  if (!isfinite(t) || t < jf->tcur || (jf->t_stop > 0.0 && t > jf->t_stop)) return BW_ERR_BAD_ARG;
  bw_status st = step_to(jf, t);
  const double *y = N_VGetArrayPointer(jf->y);
  if (!st) st = check_state(jf, y);
  if (st) {
    jf->started = false;
    return st;
  }
  from_state(jf, y, out, true);
  return BW_OK;
}

double bw_jkoflow_time(const bw_jkoflow *jf) { return jf && jf->started ? jf->tcur : NAN; }

bw_status bw_jkoflow_rhs(bw_jkoflow *jf, const bw_gaussian *g, double *dm, double *dS, int ldds) {
  if (!jf || !g || !dm || !dS) return BW_ERR_NULL;
  bw_status st = bw__check_gaussian(g);
  if (st) return st;
  if (g->d != jf->d) return BW_ERR_DIM_MISMATCH;
  const int d = jf->d;
  if (ldds < d) return BW_ERR_DIM;
  /* Scratch: the trajectory buffer is free between solves; make room for 2 states. */
  const size_t n = (size_t)jf->n;
  if (2 * n > jf->traj_cap) {
    double *t = realloc(jf->traj, 2 * n * sizeof(double));
    if (!t) return BW_ERR_NOMEM;
    jf->traj = t;
    jf->traj_cap = 2 * n;
  }
  double *y = jf->traj, *f = jf->traj + n;
  if ((st = to_state(jf, g, y))) return st;
  int r = bw__jf_rhs_raw(jf, y, f);
  if (r) return r == 1 ? BW_ERR_NOT_SPD : BW_ERR_OVERFLOW;
  /* dm = Q du, dS = R dX R' (written after all checks). */
  bw_gaussian gd = {d, dm, dS, ldds};
  from_state(jf, f, &gd, false);
  return BW_OK;
}

bw_status bw_jkoflow_collapse(const bw_jkoflow *jf, double *t, double *direction) {
  if (!jf || !t) return BW_ERR_NULL;
  if (!jf->collapsed) return BW_ERR_BAD_ARG;
  *t = jf->t_collapse;
  if (direction) memcpy(direction, jf->dir, (size_t)jf->d * sizeof(double));
  return BW_OK;
}

void bw_jkoflow_last_stats(const bw_jkoflow *jf, bw_jkoflow_stats *stats) {
  if (!stats) return;
  if (!jf) {
    memset(stats, 0, sizeof *stats);
    return;
  }
  *stats = jf->last;
}

const char *bw_jkoflow_cvode_message(const bw_jkoflow *jf) { return jf ? jf->msg : ""; }

bw_ode_method bw_jkoflow_last_method(const bw_jkoflow *jf, long *adams_steps) {
  if (!jf) {
    if (adams_steps) *adams_steps = 0;
    return BW_METHOD_AUTO;
  }
  if (adams_steps) *adams_steps = jf->adams_steps;
  return !jf->cur ? BW_METHOD_AUTO : jf->cur == jf->cva ? BW_METHOD_ADAMS : BW_METHOD_BDF;
}

const char *bw_jkoflow_solver_name(const bw_jkoflow *jf) {
  if (!jf) return "";
  long adams_steps = 0;
  if (bw_jkoflow_last_method(jf, &adams_steps) == BW_METHOD_ADAMS) return "adams";
  const bool dense = jf->linsol == BW_LINSOL_DENSE;
  if (adams_steps > 0) return dense ? "adams, then bdf-dense" : "adams, then bdf-krylov";
  return dense ? "bdf-dense" : "bdf-krylov";
}

/* ---- test hooks (lib/gaussian/jkoflow_internal.h): the functions CVODE calls, on plain arrays ---- */

int bw__jkoflow_state_size(const bw_jkoflow *jf) { return jf->n; }

bw_status bw__jkoflow_state(bw_jkoflow *jf, const bw_gaussian *g, double *y) { return to_state(jf, g, y); }

int bw__jkoflow_rhs_state(bw_jkoflow *jf, const double *y, double *f) { return bw__jf_rhs_raw(jf, y, f); }

bw_status bw__jkoflow_jacobians(bw_jkoflow *jf, const double *y, const double *v, double *J, double *Jv,
                                double *diag) {
  const sunindextype n = jf->n;
  N_Vector yv = N_VMake_Serial(n, (double *)y, jf->ctx), vv = N_VMake_Serial(n, (double *)v, jf->ctx);
  N_Vector jv = N_VMake_Serial(n, Jv, jf->ctx);
  SUNMatrix M = SUNDenseMatrix(n, n, jf->ctx);
  int r = yv && vv && jv && M ? 0 : -1;
  if (!r) r = bw__jf_jac_dense(0.0, yv, NULL, M, jf, NULL, NULL, NULL);
  for (sunindextype j = 0; !r && j < n; j++) memcpy(J + (size_t)j * n, SUNDenseMatrix_Column(M, j), (size_t)n * sizeof(double));
  if (!r) r = bw__jf_jtsetup(0.0, yv, NULL, jf);
  if (!r) r = bw__jf_jtimes(vv, jv, 0.0, yv, NULL, jf, NULL);
  sunbooleantype jcur = SUNFALSE;
  if (!r) r = bw__jf_psetup(0.0, yv, NULL, SUNFALSE, &jcur, 1.0, jf);
  if (!r) memcpy(diag, jf->jdiag, (size_t)n * sizeof(double));
  if (M) SUNMatDestroy(M);
  if (yv) N_VDestroy(yv);
  if (vv) N_VDestroy(vv);
  if (jv) N_VDestroy(jv);
  return r ? BW_ERR_NOT_SPD : BW_OK;
}
