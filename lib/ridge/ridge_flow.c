/* The flows of the ridge system on the Bures-Wasserstein manifold (docs/math.md section 9):
 * the gradient flow of Phi = J - e/4 (|g|^2 + tr(G S G)),
 *   m' = -grad_m Phi,   S' = -(Gt S + S Gt),   Gt = 2 grad_S Phi,
 * e = 0 (the gradient flow of J), eta (JKO-Flow) or -eta (the forward step's modified flow),
 * integrated by CVODE BDF. State y = (m, the upper triangle of S column by column), n = d +
 * d(d+1)/2 unknowns. Linear solver: dense LU with a difference-quotient Jacobian of our own
 * (n right-hand sides; CVODE's own clones a vector per call) when n <= DENSE_MAX, GMRES with
 * CVODE's difference-quotient Jacobian-vector products above. A right-hand side costs
 * O(n_ridges q + n_ridges d^2 + d^3).
 *
 * Collapse (JKO-Flow, tau > 0): CVODE's root finding on lambda_min(S) - theta,
 * theta = min(1e-3 tau eta, lambda_min(S0)/2), then the remaining time under the frozen law
 * of the smallest variance s with eigenvector v, s' = 2 tau - 2 c s - e tau^2/s,
 * c = v'(H - e/2 (H^2 + C))v (bw__collapse_time_left), as for Gaussians.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_spgmr.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "core/cvode_util.h"
#include "core/nvector.h"
#include "ridge/ridge_internal.h"

#define DENSE_MAX 200 /* d <= 18 (d + d(d+1)/2 unknowns) */
#define GMRES_MAXL 30

struct bw_ridge_flow {
  bw_ridge_problem *pb;
  bw_ridge_ws *ws;
  int d, n;
  bw_flow_kind kind;
  double eta, e;
  bool roots;
  bw_jkoflow_opts opts;
  bw_linsol linsol;
  double *gm, *Gt, *Sf, *dS, *ftmp, *dir, *yinit; /* d, d x d (3), n, d, n */
  SUNContext ctx;
  void *cv;
  N_Vector y;
  SUNMatrix J;
  SUNLinearSolver LS;
  double theta, tcur, t_stop, t_collapse;
  bool started, collapsed;
  long njac;
  bw_jkoflow_stats last;
  char errmsg[400], msg[512];
};

/* f = f(y): 0, or 1 (recoverable: S not positive definite, a value not finite). */
static int field(bw_ridge_flow *rf, const double *y, double *f) {
  const int d = rf->d;
  bw__unpack(d, y + d, rf->Sf, d);
  if (bw__check_finite(rf->n, y)) return 1;
  if (bw__ridge_eval(rf->pb, rf->ws, y, rf->Sf, d, BW__EV_G | (rf->e != 0.0 ? BW__EV_FLOW4 : 0), NULL)) return 1;
  bw__ridge_modified_gradient(rf->pb, rf->ws, rf->e, rf->gm, rf->Gt);
  bw__ridge_field(rf->ws, rf->gm, rf->Gt, f, rf->dS, d);
  bw__pack(d, rf->dS, d, f + d);
  return bw__check_finite(rf->n, f) ? 1 : 0;
}

static int rhs(sunrealtype t, N_Vector yv, N_Vector fv, void *ud) {
  (void)t;
  return field(ud, N_VGetArrayPointer(yv), N_VGetArrayPointer(fv));
}

/* Forward differences, column by column, with steps sqrt(eps) max(|y_j|, scale_j) (scale:
 * sqrt(max S_ii) for the mean, sqrt(S_kk S_ll) for S_kl), taken backwards when the forward
 * point is not positive definite. */
static int jac_dq(sunrealtype t, N_Vector yv, N_Vector fy, SUNMatrix Jm, void *ud, N_Vector t1, N_Vector t2,
                  N_Vector t3) {
  (void)t, (void)t2, (void)t3;
  bw_ridge_flow *rf = ud;
  const int d = rf->d, n = rf->n;
  double *y = N_VGetArrayPointer(yv), *f0 = N_VGetArrayPointer(fy), *f1 = N_VGetArrayPointer(t1);
  double smax = 0.0;
  for (int i = 0; i < d; i++) smax = fmax(smax, y[d + bw__pk(i, i)]);
  int c = 0;
  for (int j = 0; j < n; j++) {
    double sc = sqrt(smax);
    if (j >= d) {
      while (bw__pk(0, c + 1) <= (size_t)(j - d)) c++;
      const int k = j - d - (int)bw__pk(0, c);
      sc = sqrt(fabs(y[d + bw__pk(k, k)] * y[d + bw__pk(c, c)]));
    }
    const double yj = y[j];
    double inc = 1.4901161193847656e-8 * fmax(fabs(yj), sc > 0.0 ? sc : 1.0);
    y[j] = yj + inc;
    int r = field(rf, y, f1);
    if (r) {
      inc = -inc;
      y[j] = yj + inc;
      r = field(rf, y, f1);
    }
    y[j] = yj;
    if (r) return 1;
    const double h = 1.0 / ((yj + inc) - yj);
    double *col = SUNDenseMatrix_Column(Jm, j);
    for (int i = 0; i < n; i++) col[i] = (f1[i] - f0[i]) * h;
  }
  rf->njac++;
  return 0;
}

static int rootfn(sunrealtype t, N_Vector yv, sunrealtype *g, void *ud) {
  (void)t;
  bw_ridge_flow *rf = ud;
  const int d = rf->d;
  bw__unpack(d, N_VGetArrayPointer(yv) + d, rf->Sf, d);
  if (bw__check_finite(d * d, rf->Sf)) return -1;
  double *w = rf->ws->bws->vec[1];
  if (bw__eigh(rf->ws->bws, d, rf->Sf, d, w, rf->ws->bws->mat[1], d)) return -1;
  g[0] = w[0] - rf->theta;
  return 0;
}

static void errhandler(int code, const char *module, const char *function, char *msg, void *ud) {
  bw_ridge_flow *rf = ud;
  bw__cvode_error_text(code, module, function, msg, rf->errmsg, sizeof rf->errmsg);
}

/* ---- creation ---- */

void bw_ridge_flow_free(bw_ridge_flow *rf) {
  if (!rf) return;
  if (rf->cv) CVodeFree(&rf->cv);
  if (rf->LS) SUNLinSolFree(rf->LS);
  if (rf->J) SUNMatDestroy(rf->J);
  if (rf->y) N_VDestroy(rf->y);
  if (rf->ctx) SUNContext_Free(&rf->ctx);
  bw_ridge_ws_free(rf->ws);
  bw_ridge_problem_free(rf->pb);
  free(rf->gm);
  free(rf);
}

static bw_status setup_cvode(bw_ridge_flow *rf) {
  if (SUNContext_Create(NULL, &rf->ctx)) return BW_ERR_CVODE;
  if (!(rf->y = N_VNew_Serial(rf->n, rf->ctx))) return BW_ERR_NOMEM;
  bw__nvector_install(rf->y);
  N_VConst(0.0, rf->y);
  for (int i = 0; i < rf->d; i++) N_VGetArrayPointer(rf->y)[rf->d + bw__pk(i, i)] = 1.0;
  if (!(rf->cv = CVodeCreate(CV_BDF, rf->ctx))) return BW_ERR_NOMEM;
  int f = CVodeSetErrHandlerFn(rf->cv, errhandler, rf);
  if (!f) f = CVodeInit(rf->cv, rhs, 0.0, rf->y);
  if (!f) f = CVodeSetUserData(rf->cv, rf);
  if (!f) f = CVodeSStolerances(rf->cv, rf->opts.rtol, rf->opts.atol);
  if (!f) f = CVodeSetMaxNumSteps(rf->cv, rf->opts.max_steps);
  if (f) return BW_ERR_CVODE;
  if (rf->linsol == BW_LINSOL_DENSE) {
    if (!(rf->J = SUNDenseMatrix(rf->n, rf->n, rf->ctx))) return BW_ERR_NOMEM;
    if (!(rf->LS = SUNLinSol_Dense(rf->y, rf->J, rf->ctx))) return BW_ERR_NOMEM;
    f = CVodeSetLinearSolver(rf->cv, rf->LS, rf->J);
    if (!f) f = CVodeSetJacFn(rf->cv, jac_dq);
  } else {
    if (!(rf->LS = SUNLinSol_SPGMR(rf->y, SUN_PREC_NONE, GMRES_MAXL, rf->ctx))) return BW_ERR_NOMEM;
    f = CVodeSetLinearSolver(rf->cv, rf->LS, NULL);
  }
  if (!f && rf->roots) {
    int dir = -1;
    f = CVodeRootInit(rf->cv, 1, rootfn);
    if (!f) f = CVodeSetRootDirection(rf->cv, &dir);
    if (!f) f = CVodeSetNoInactiveRootWarn(rf->cv);
  }
  return f ? BW_ERR_CVODE : BW_OK;
}

bw_status bw_ridge_flow_create(const bw_ridge_problem *pb, bw_flow_kind kind, double eta,
                               const bw_jkoflow_opts *opts, bw_ridge_flow **out) {
  if (!pb || !out) return BW_ERR_NULL;
  bw_jkoflow_opts o;
  if (opts) o = *opts;
  else bw_jkoflow_opts_default(&o);
  if (o.linsol != BW_LINSOL_AUTO && o.linsol != BW_LINSOL_DENSE && o.linsol != BW_LINSOL_KRYLOV)
    return BW_ERR_BAD_ARG;
  if (o.method != BW_METHOD_AUTO && o.method != BW_METHOD_BDF && o.method != BW_METHOD_ADAMS)
    return BW_ERR_BAD_ARG;
  if (kind == BW_FLOW_JKO2) return BW_ERR_BAD_ARG;
  bw_status st = bw__flow_args_check(kind, eta, &o);
  if (st) return st;
  bw_ridge_flow *rf = calloc(1, sizeof *rf);
  if (!rf) return BW_ERR_NOMEM;
  const int d = pb->d;
  rf->d = d;
  rf->n = d + d * (d + 1) / 2;
  rf->kind = kind;
  rf->eta = kind == BW_FLOW_PLAIN ? 0.0 : eta;
  rf->e = kind == BW_FLOW_JKO ? eta : kind == BW_FLOW_FORWARD ? -eta : 0.0;
  rf->roots = kind == BW_FLOW_JKO && pb->tau > 0.0;
  rf->opts = o;
  rf->linsol = o.linsol != BW_LINSOL_AUTO ? o.linsol : rf->n <= DENSE_MAX ? BW_LINSOL_DENSE : BW_LINSOL_KRYLOV;
  const size_t dd = (size_t)d * d;
  rf->pb = bw__ridge_problem_clone(pb);
  rf->ws = rf->pb ? bw_ridge_ws_alloc(rf->pb) : NULL;
  rf->gm = malloc((2 * (size_t)d + 3 * dd + 2 * (size_t)rf->n) * sizeof(double));
  st = rf->pb && rf->ws && rf->gm ? BW_OK : BW_ERR_NOMEM;
  if (!st) {
    rf->Gt = rf->gm + d, rf->Sf = rf->Gt + dd, rf->dS = rf->Sf + dd, rf->ftmp = rf->dS + dd;
    rf->dir = rf->ftmp + rf->n, rf->yinit = rf->dir + d;
    st = setup_cvode(rf);
  }
  if (st) {
    bw_ridge_flow_free(rf);
    return st;
  }
  *out = rf;
  return BW_OK;
}

/* ---- integration ---- */

static void read_stats(bw_ridge_flow *rf) {
  bw_jkoflow_stats *s = &rf->last;
  long v = 0;
  memset(s, 0, sizeof *s);
  if (!CVodeGetNumSteps(rf->cv, &v)) s->steps = v;
  if (!CVodeGetNumRhsEvals(rf->cv, &v)) s->rhs_evals = v;
  if (!CVodeGetNumLinRhsEvals(rf->cv, &v)) s->rhs_evals += v;
  s->rhs_evals += rf->njac * rf->n; /* our dense difference quotients */
  s->jac_evals = rf->njac;
  if (!CVodeGetNumLinIters(rf->cv, &v)) s->lin_iters = v;
  if (!CVodeGetNumJtimesEvals(rf->cv, &v)) s->jtv_evals = v;
  if (!CVodeGetNumErrTestFails(rf->cv, &v)) s->err_test_fails = v;
  if (!CVodeGetNumNonlinSolvConvFails(rf->cv, &v)) s->nonlin_conv_fails = v;
  if (rf->roots && !CVodeGetNumGEvals(rf->cv, &v)) s->root_evals = v;
}

bw_status bw_ridge_flow_start(bw_ridge_flow *rf, const bw_gaussian *g0, double t_stop) {
  if (!rf || !g0) return BW_ERR_NULL;
  bw_status st = bw__ridge_check_gauss(rf->pb, g0);
  if (st) return st;
  if (!(t_stop >= 0.0) || !isfinite(t_stop)) return BW_ERR_BAD_ARG;
  const int d = rf->d;
  if (!bw__chol(d, g0->cov, g0->ld, rf->Sf)) return BW_ERR_NOT_SPD;
  double *y = N_VGetArrayPointer(rf->y);
  memcpy(y, g0->mean, (size_t)d * sizeof(double));
  for (int l = 0; l < d; l++)
    for (int k = 0; k <= l; k++) y[d + bw__pk(k, l)] = bw__avg(g0->cov[k + (size_t)l * g0->ld], g0->cov[l + (size_t)k * g0->ld]);
  if (field(rf, y, rf->ftmp)) return BW_ERR_OVERFLOW; /* the field must exist at the start */
  rf->started = rf->collapsed = false;
  rf->msg[0] = rf->errmsg[0] = '\0';
  rf->njac = 0;
  if (rf->roots) {
    double *w = rf->ws->bws->vec[1];
    bw__unpack(d, y + d, rf->Sf, d);
    if ((st = bw__eigh(rf->ws->bws, d, rf->Sf, d, w, rf->ws->bws->mat[1], d))) return st;
    rf->theta = fmin(1e-3 * rf->pb->tau * rf->e, 0.5 * w[0]);
  }
  memcpy(rf->yinit, y, (size_t)rf->n * sizeof(double));
  int flag = CVodeReInit(rf->cv, 0.0, rf->y);
  if (!flag) flag = CVodeSetStopTime(rf->cv, t_stop > 0.0 ? t_stop : 1e300);
  if (flag) {
    bw__cvode_failure_text(flag, rf->errmsg, rf->msg, sizeof rf->msg);
    return BW_ERR_CVODE;
  }
  read_stats(rf);
  rf->tcur = 0.0;
  rf->t_stop = t_stop;
  rf->started = true;
  return BW_OK;
}

/* At the root state y (time tr): the smallest variance's eigenvector v and the remaining
 * time. *regime: the smallest variance lr is below the smallest positive root of
 * q = e tau^2 - 2 tau s + 2 c s^2, s* = e tau/(1 + sqrt(1 - 2 c e)) (none when 2 c e > 1):
 * under the frozen law it goes to 0 from here (as for Gaussians, lib/gaussian/jkoflow.c). */
static bw_status collapse_info(bw_ridge_flow *rf, double tr, const double *y, bool *regime) {
  const int d = rf->d;
  bw_ridge_ws *ws = rf->ws;
  double *w = ws->bws->vec[1], *V = ws->bws->mat[1];
  bw__unpack(d, y + d, rf->Sf, d);
  bw_status st = bw__eigh(ws->bws, d, rf->Sf, d, w, V, d);
  if (!st) st = bw__ridge_eval(rf->pb, ws, y, rf->Sf, d, BW__EV_G | BW__EV_FLOW4, NULL);
  if (st) return st;
  const double lr = fmax(w[0], 0.0);
  /* c = v'(H - e/2 (H^2 + C))v: H in ws->H, C in ws->M2 after the modified gradient */
  bw__ridge_modified_gradient(rf->pb, ws, rf->e, rf->gm, rf->Gt);
  double hv2 = 0.0, vhv = 0.0, vcv = 0.0;
  for (int i = 0; i < d; i++) {
    double hv = 0.0, cv = 0.0;
    for (int k = 0; k < d; k++) hv += ws->H[i + (size_t)k * d] * V[k], cv += ws->M2[i + (size_t)k * d] * V[k];
    hv2 += hv * hv, vhv += V[i] * hv, vcv += V[i] * cv;
  }
  const double c = vhv - 0.5 * rf->e * (hv2 + vcv), tau = rf->pb->tau, disc = 1.0 - 2.0 * c * rf->e;
  *regime = rf->e > 0.0 && tau > 0.0 && (disc < 0.0 || lr < rf->e * tau / (1.0 + sqrt(disc)));
  double big = 0.0;
  for (int i = 0; i < d; i++) {
    rf->dir[i] = V[i];
    if (fabs(V[i]) > fabs(big)) big = V[i];
  }
  if (big < 0.0)
    for (int i = 0; i < d; i++) rf->dir[i] = -rf->dir[i];
  rf->t_collapse = tr + bw__collapse_time_left(lr, tau, rf->e, c);
  rf->collapsed = true;
  return BW_OK;
}

/* The status of a CVODE failure (flag < 0). A collapse can show as one before the root is
 * found (the variance reaches 0 within a step that fails): when the solver's last state is
 * a finite positive definite Gaussian in the collapsing regime, it is reported as a
 * collapse at that time; a right-hand side that fails at the first call is an overflow. */
static bw_status failure_cause(bw_ridge_flow *rf, int flag) {
  sunrealtype tn = rf->tcur;
  bool regime = false;
  const int d = rf->d;
  double *y = N_VGetArrayPointer(rf->y);
  if (rf->roots && bw__cvode_last_state(rf->cv, rf->yinit, (size_t)rf->n, rf->y, &tn) && !bw__check_finite(rf->n, y)) {
    bw__unpack(d, y + d, rf->Sf, d);
    if (bw__chol(d, rf->Sf, d, rf->dS) && collapse_info(rf, tn, y, &regime) == BW_OK && regime) return BW_ERR_COLLAPSE;
    rf->collapsed = false;
  }
  return flag == CV_FIRST_RHSFUNC_ERR ? BW_ERR_OVERFLOW : bw__cvode_status(flag);
}

bw_status bw_ridge_flow_advance(bw_ridge_flow *rf, double t, bw_gaussian *out) {
  if (!rf || !out || !out->mean || !out->cov) return BW_ERR_NULL;
  bw_status st = bw__ridge_check_out(rf->pb, out);
  if (st) return st;
  if (!rf->started) return BW_ERR_BAD_ARG;
  if (!isfinite(t) || t < rf->tcur || (rf->t_stop > 0.0 && t > rf->t_stop)) return BW_ERR_BAD_ARG;
  const int d = rf->d;
  double *y = N_VGetArrayPointer(rf->y);
  if (t > rf->tcur) {
    sunrealtype tret = rf->tcur;
    const int flag = CVode(rf->cv, t, rf->y, &tret, CV_NORMAL);
    bool regime = false;
    if (flag == CV_ROOT_RETURN) {
      st = collapse_info(rf, tret, y, &regime);
      if (!st) st = BW_ERR_COLLAPSE;
    } else if (flag < 0) {
      bw__cvode_failure_text(flag, rf->errmsg, rf->msg, sizeof rf->msg);
      st = failure_cause(rf, flag);
    }
    read_stats(rf);
  }
  if (!st && bw__check_finite(rf->n, y)) st = BW_ERR_OVERFLOW;
  if (!st) {
    bw__unpack(d, y + d, rf->Sf, d);
    if (!bw__chol(d, rf->Sf, d, rf->dS)) st = BW_ERR_LOST_SPD;
  }
  if (st) {
    rf->started = false;
    return st;
  }
  rf->tcur = t;
  memcpy(out->mean, y, (size_t)d * sizeof(double));
  bw__unpack(d, y + d, out->cov, out->ld);
  return BW_OK;
}

bw_status bw_ridge_flow_rhs(bw_ridge_flow *rf, const bw_gaussian *g, double *dm, double *dS, int ldds) {
  if (!rf || !g || !dm || !dS) return BW_ERR_NULL;
  bw_status st = bw__ridge_check_gauss(rf->pb, g);
  if (st) return st;
  const int d = rf->d;
  if (ldds < d) return BW_ERR_DIM;
  st = bw__ridge_eval(rf->pb, rf->ws, g->mean, g->cov, g->ld, BW__EV_G | (rf->e != 0.0 ? BW__EV_FLOW4 : 0), NULL);
  if (st) return st;
  bw__ridge_modified_gradient(rf->pb, rf->ws, rf->e, rf->gm, rf->Gt);
  bw__ridge_field(rf->ws, rf->gm, rf->Gt, rf->ftmp, rf->dS, d);
  if (bw__check_finite(d, rf->ftmp) || bw__check_finite(d * d, rf->dS)) return BW_ERR_OVERFLOW;
  memcpy(dm, rf->ftmp, (size_t)d * sizeof(double));
  bw__copy(d, rf->dS, d, dS, ldds);
  return BW_OK;
}

bw_status bw_ridge_flow_collapse(const bw_ridge_flow *rf, double *t, double *direction) {
  if (!rf || !t) return BW_ERR_NULL;
  if (!rf->collapsed) return BW_ERR_BAD_ARG;
  *t = rf->t_collapse;
  if (direction) memcpy(direction, rf->dir, (size_t)rf->d * sizeof(double));
  return BW_OK;
}

void bw_ridge_flow_stats(const bw_ridge_flow *rf, bw_jkoflow_stats *stats) {
  if (!stats) return;
  if (!rf) memset(stats, 0, sizeof *stats);
  else *stats = rf->last;
}

const char *bw_ridge_flow_cvode_message(const bw_ridge_flow *rf) { return rf ? rf->msg : ""; }

const char *bw_ridge_flow_solver_name(const bw_ridge_flow *rf) {
  if (!rf) return "";
  return rf->linsol == BW_LINSOL_DENSE ? "bdf-dense" : "bdf-krylov";
}
