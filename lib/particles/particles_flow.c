/* Particle flows by CVODE BDF with SUNDIALS' band matrix and band linear solver:
 *
 *   f(x) = -g + (e/2) H g,   g = grad F(x), H = grad^2 F(x),   e = eta (JKO-Flow), -eta
 *   (forward Euler modified flow), 0 (the Wasserstein gradient flow).
 *
 * f = -grad F^e with F^e = F - (e/4)|g|^2, so the Jacobian is symmetric:
 *   J = -H + (e/2)(H^2 + T[g]),   T[g] = sum_k g_k d/dx_k H = diag(V'''(x_i) g_i)
 *        + sum_i phi'''(D_i) (g_{i+1} - g_i) u_i u_i',   phi''' = -2 tau/D^3, u_i = e_{i+1} - e_i,
 * tridiagonal but for H^2 (pentadiagonal): bandwidth 2 (1 for the gradient flow).
 * JKO-Flow of order 2 (BW_FLOW_JKO2, e = eta; docs/math.md section 8) adds
 * -e^2 (H^2 g/3 + T[g,g]/12) to f (lib/particles/particles_modflow2.c); its Jacobian has bandwidth 3
 * (H^3) and is not symmetric (jb: 7 diagonals). It damps every mode, so it has no
 * ill-posedness root, only the gap guard.
 *
 * Root functions (CVODE locates sign changes, direction -1):
 *   JKO-Flow: 2 - eta lambda_max(H(x)). H is an irreducible tridiagonal matrix (off-diagonal
 *     -tau/D_i^2 != 0), so its eigenvalues are simple and lambda_max is an analytic function
 *     of x: the root function is smooth, and its zero is the first time the flow stops
 *     damping the top eigenmode of H (docs/math.md section 7). lambda_max is computed to rounding
 *     by Laguerre's iteration from just above the previous value (bw__tridiag_lmax; 2-3
 *     O(N) sweeps per evaluation).
 *   every flow: the smallest gap min_i D_i (two particles meeting). A minimum of smooth
 *     functions: Lipschitz, and smooth near a zero where one gap vanishes, which is all that
 *     CVODE's bracketing (Illinois) root search needs; one function rather than N - 1 (CVODE's
 *     per-function bookkeeping at every step and output cost more than the RHS at N = 20).
 *     The exact flows cannot reach it (WGF and the forward modified flow decrease an energy
 *     that is infinite at D = 0; JKO-Flow turns ill-posed first, since lambda_max >=
 *     H_ii >= tau/D_i^2): it guards against integration error.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_band.h>
#include <sunmatrix/sunmatrix_band.h>

#include "core/cvode_util.h"
#include "core/nvector.h"
#include "particles/particles_internal.h"

struct bw_particles_flow {
  bw_particles p;
  int n, bw;            /* N, the Jacobian's bandwidth */
  bw_flow_kind kind;
  double eta, e;        /* e: the signed eta of the flow */
  int order;            /* 1, or 2 for BW_FLOW_JKO2 (its term -e^2 t2, lib/particles/particles_modflow2.c) */
  bw_jkoflow_opts opts;
  bw_particles_jac jac;
  int nroots, off;      /* root functions; off = 1 when the first is the ill-posedness one */
  int rootsfound[2];
  double *rinv, *g, *hd, *ho, *hg, *j0, *j1, *j2, *xfail, *xinit, *traj;
  double *t2, *jb, *jscr; /* order 2: its eta^2 term, the 7-diagonal Jacobian, scratch */
  size_t traj_cap;
  double lam_hint;      /* last lambda_max (Laguerre's start) */
  double lam_delta;     /* its last change */

  SUNContext ctx;
  void *cv;
  N_Vector y;
  SUNMatrix A;
  SUNLinearSolver LS;

  bool started, ill_at_start;
  double tcur, t_stop;
  bw_status fail;
  double fail_t, fail_v;
  char errmsg[400], msg[512];
};

/* ---- the right-hand side, its Jacobian and the root functions ---- */

/* rinv, g, and (when the Hessian is needed) hd, ho at x; false when x is not strictly
 * increasing or not finite. */
static bool derivs(bw_particles_flow *pf, const double *x, bool hess) {
  if (!bw__pt_grad(&pf->p, x, pf->rinv, pf->g)) return false;
  if (hess) bw__pt_hess(&pf->p, x, pf->rinv, pf->hd, pf->ho);
  return true;
}

/* y = H v (tridiagonal). */
static void hmul(int n, const double *hd, const double *ho, const double *v, double *y) {
  y[0] = hd[0] * v[0] + ho[0] * v[1];
  for (int i = 1; i < n - 1; i++) y[i] = ho[i - 1] * v[i - 1] + hd[i] * v[i] + ho[i] * v[i + 1];
  y[n - 1] = ho[n - 2] * v[n - 2] + hd[n - 1] * v[n - 1];
}

/* f(x); 1 (CVODE: recoverable, the step shrinks) when x is not ordered or f not finite. */
static int rhs_raw(bw_particles_flow *pf, const double *x, double *f) {
  const int n = pf->n;
  const bool mod = pf->e != 0.0;
  if (!derivs(pf, x, mod)) return 1;
  if (mod) {
    hmul(n, pf->hd, pf->ho, pf->g, pf->hg);
    const double h = 0.5 * pf->e;
    for (int i = 0; i < n; i++) f[i] = -pf->g[i] + h * pf->hg[i];
    if (pf->order == 2) { /* f -= e^2 (H^2 g/3 + T[g, g]/12) */
      bw__pt_mf2_term(&pf->p, x, pf->rinv, pf->g, pf->hd, pf->ho, pf->hg, pf->t2);
      const double e2 = pf->e * pf->e;
      for (int i = 0; i < n; i++) f[i] -= e2 * pf->t2[i];
    }
  } else {
    for (int i = 0; i < n; i++) f[i] = -pf->g[i];
  }
  for (int i = 0; i < n; i++)
    if (!isfinite(f[i])) return 1;
  return 0;
}

static int rhs(sunrealtype t, N_Vector yv, N_Vector fv, void *ud) {
  (void)t;
  return rhs_raw(ud, N_VGetArrayPointer(yv), N_VGetArrayPointer(fv));
}

/* The Jacobian's diagonals j0 (N), j1 (N - 1, (i, i+1)), j2 (N - 2, (i, i+2)); symmetric. */
static int jac_diagonals(bw_particles_flow *pf, const double *x) {
  const int n = pf->n;
  if (!derivs(pf, x, true)) return 1;
  const double *hd = pf->hd, *ho = pf->ho, *g = pf->g, *rinv = pf->rinv;
  double *j0 = pf->j0, *j1 = pf->j1, *j2 = pf->j2;
  if (pf->e == 0.0) {
    for (int i = 0; i < n; i++) j0[i] = -hd[i];
    for (int i = 0; i < n - 1; i++) j1[i] = -ho[i];
    return 0;
  }
  const double h = 0.5 * pf->e, m2tau = -2.0 * pf->p.tau;
  const int deg3 = pf->p.deg - 3;
  /* T[g]: c_i = phi'''(D_i) (g_{i+1} - g_i) on the 2 x 2 block of gap i (kept in j2's place
   * temporarily would alias: use hg as scratch). */
  double *c = pf->hg;
  for (int i = 0; i < n - 1; i++) c[i] = m2tau * rinv[i] * rinv[i] * rinv[i] * (g[i + 1] - g[i]);
  for (int i = 0; i < n; i++) {
    const double hl = i ? ho[i - 1] : 0.0, hr = i < n - 1 ? ho[i] : 0.0;
    double t = deg3 >= 0 ? bw__poly(pf->p.c3, deg3, x[i]) * g[i] : 0.0;
    if (i) t += c[i - 1];
    if (i < n - 1) t += c[i];
    j0[i] = -hd[i] + h * (hl * hl + hd[i] * hd[i] + hr * hr + t);
  }
  for (int i = 0; i < n - 1; i++) j1[i] = -ho[i] + h * (ho[i] * (hd[i] + hd[i + 1]) - c[i]);
  for (int i = 0; i < n - 2; i++) j2[i] = h * ho[i] * ho[i + 1];
  if (pf->order == 2) { /* jb = the symmetric part above - e^2 d(t2)/dx (7 diagonals) */
    double *Hg = pf->t2; /* H g (pf->hg holds c) */
    for (int i = 0; i < n; i++)
      Hg[i] = hd[i] * g[i] + (i ? ho[i - 1] * g[i - 1] : 0.0) + (i < n - 1 ? ho[i] * g[i + 1] : 0.0);
    bw__pt_mf2_term_jac(&pf->p, x, rinv, g, hd, ho, Hg, pf->jb, pf->jscr);
    const double e2 = pf->e * pf->e;
    const size_t N = (size_t)n;
    double *jb = pf->jb;
    for (size_t k = 0; k < 7 * N; k++) jb[k] *= -e2;
    for (int i = 0; i < n; i++) jb[3 * N + i] += j0[i];
    for (int i = 0; i < n - 1; i++) jb[4 * N + i] += j1[i], jb[2 * N + i + 1] += j1[i];
    for (int i = 0; i < n - 2; i++) jb[5 * N + i] += j2[i], jb[N + i + 2] += j2[i];
  }
  return 0;
}

static int jac_band(sunrealtype t, N_Vector yv, N_Vector fy, SUNMatrix Jm, void *ud, N_Vector t1,
                    N_Vector t2, N_Vector t3) {
  (void)t, (void)fy, (void)t1, (void)t2, (void)t3;
  bw_particles_flow *pf = ud;
  if (jac_diagonals(pf, N_VGetArrayPointer(yv))) return 1;
  const int n = pf->n;
  if (pf->order == 2) {
    const size_t N = (size_t)n;
    for (int j = 0; j < n; j++) {
      double *col = SUNBandMatrix_Column(Jm, j); /* col[i - j] = J_ij = jb[(j - i + 3) N + i] */
      for (int i = j < 3 ? 0 : j - 3; i <= j + 3 && i < n; i++) col[i - j] = pf->jb[(size_t)(j - i + 3) * N + i];
    }
    return 0;
  }
  for (int j = 0; j < n; j++) {
    double *col = SUNBandMatrix_Column(Jm, j); /* col[i - j] = J_ij */
    col[0] = pf->j0[j];
    if (j >= 1) col[-1] = pf->j1[j - 1];
    if (j + 1 < n) col[1] = pf->j1[j];
    if (pf->bw >= 2) {
      if (j >= 2) col[-2] = pf->j2[j - 2];
      if (j + 2 < n) col[2] = pf->j2[j];
    }
  }
  return 0;
}

/* eta lambda_max(H) at the last derivs() point (hd, ho filled). When lambda_max cannot be
 * computed (H's entries overflow the iteration: tau = 1e300, particles a few ulps apart),
 * its lower bound max_i H_ii decides whenever it is past 2/eta: the flow is ill-posed there,
 * whatever the exact value (*v is then that bound). */
static bw_status eta_lmax(bw_particles_flow *pf, double *v) {
  double l;
  /* start just above the last value plus twice the last change (one Laguerre step then
   * usually lands within rounding, and a second sweep confirms) */
  const double h = pf->lam_hint + 2.0 * fabs(pf->lam_delta);
  bw_status st = bw__tridiag_lmax(pf->n, pf->hd, pf->ho, h, &l);
  if (st) {
    double lo = -INFINITY;
    for (int i = 0; i < pf->n; i++) lo = fmax(lo, pf->hd[i]);
    if (!(pf->eta * lo >= 2.0)) return st;
    *v = pf->eta * lo;
    return BW_OK;
  }
  pf->lam_delta = isfinite(pf->lam_hint) ? l - pf->lam_hint : 0.0;
  pf->lam_hint = l;
  *v = pf->eta * l;
  return BW_OK;
}

static int rootfn(sunrealtype t, N_Vector yv, sunrealtype *gout, void *ud) {
  (void)t;
  bw_particles_flow *pf = ud;
  const double *x = N_VGetArrayPointer(yv);
  const int n = pf->n;
  double dmin = x[1] - x[0];
  for (int i = 1; i < n - 1; i++)
    if (x[i + 1] - x[i] < dmin) dmin = x[i + 1] - x[i];
  gout[pf->off] = dmin;
  if (isnan(dmin)) return -1;
  if (pf->off) {
    double v = 1.0; /* not ordered: the gap function reports it */
    if (derivs(pf, x, true) && eta_lmax(pf, &v)) return -1;
    gout[0] = 2.0 - v;
  }
  return 0;
}

static void errhandler(int code, const char *module, const char *function, char *msg, void *ud) {
  bw_particles_flow *pf = ud;
  bw__cvode_error_text(code, module, function, msg, pf->errmsg, sizeof pf->errmsg);
}

/* ---- creation ---- */

void bw_particles_flow_free(bw_particles_flow *pf) {
  if (!pf) return;
  if (pf->cv) CVodeFree(&pf->cv);
  if (pf->LS) SUNLinSolFree(pf->LS);
  if (pf->A) SUNMatDestroy(pf->A);
  if (pf->y) N_VDestroy(pf->y);
  if (pf->ctx) SUNContext_Free(&pf->ctx);
  free(pf->rinv); /* one block */
  free(pf->traj);
  free(pf);
}

static bw_status setup_cvode(bw_particles_flow *pf) {
  if (SUNContext_Create(NULL, &pf->ctx)) return BW_ERR_CVODE;
  if (!(pf->y = N_VNew_Serial(pf->n, pf->ctx))) return BW_ERR_NOMEM;
  bw__nvector_install(pf->y); /* the library's vector loops, before anything clones y */
  double *y = N_VGetArrayPointer(pf->y);
  for (int i = 0; i < pf->n; i++) y[i] = i;
  if (!(pf->cv = CVodeCreate(CV_BDF, pf->ctx))) return BW_ERR_NOMEM;
  int f = CVodeSetErrHandlerFn(pf->cv, errhandler, pf);
  if (!f) f = CVodeInit(pf->cv, rhs, 0.0, pf->y);
  if (!f) f = CVodeSetUserData(pf->cv, pf);
  if (!f) f = CVodeSStolerances(pf->cv, pf->opts.rtol, pf->opts.atol);
  if (!f) f = CVodeSetMaxNumSteps(pf->cv, pf->opts.max_steps);
  if (f) return BW_ERR_CVODE;
  if (!(pf->A = SUNBandMatrix(pf->n, pf->bw, pf->bw, pf->ctx))) return BW_ERR_NOMEM;
  if (!(pf->LS = SUNLinSol_Band(pf->y, pf->A, pf->ctx))) return BW_ERR_NOMEM;
  f = CVodeSetLinearSolver(pf->cv, pf->LS, pf->A);
  if (!f) f = CVodeSetJacFn(pf->cv, jac_band);
  if (!f) f = CVodeRootInit(pf->cv, pf->nroots, rootfn);
  if (f) return BW_ERR_CVODE;
  int *dir = pf->rootsfound; /* scratch here: every root function decreasing through 0 */
  for (int k = 0; k < pf->nroots; k++) dir[k] = -1;
  f = CVodeSetRootDirection(pf->cv, dir);
  if (!f) f = CVodeSetNoInactiveRootWarn(pf->cv);
  return f ? BW_ERR_CVODE : BW_OK;
}

bw_status bw_particles_flow_create(const bw_particles *pp, bw_flow_kind kind, double eta,
                                   const bw_jkoflow_opts *opts, bw_particles_flow **out) {
  if (!pp || !out) return BW_ERR_NULL;
  bw_jkoflow_opts o;
  if (opts) o = *opts;
  else bw_jkoflow_opts_default(&o);
  if (o.linsol != BW_LINSOL_AUTO) return BW_ERR_BAD_ARG;
  if (o.method != BW_METHOD_AUTO && o.method != BW_METHOD_BDF) return BW_ERR_BAD_ARG;
  bw_status st = bw__flow_args_check(kind, eta, &o);
  if (st) return st;
  bw_particles_flow *pf = calloc(1, sizeof *pf);
  if (!pf) return BW_ERR_NOMEM;
  const int n = pp->n;
  pf->p = *pp;
  pf->n = n;
  pf->kind = kind;
  pf->eta = kind == BW_FLOW_PLAIN ? 0.0 : eta;
  pf->e = kind == BW_FLOW_JKO || kind == BW_FLOW_JKO2 ? eta : kind == BW_FLOW_FORWARD ? -eta : 0.0;
  pf->order = kind == BW_FLOW_JKO2 ? 2 : 1;
  pf->bw = pf->order == 2 ? BW_PT_MF2_BW : pf->e != 0.0 ? 2 : 1;
  pf->opts = o;
  pf->jac = BW_PJAC_ANALYTIC;
  pf->off = kind == BW_FLOW_JKO ? 1 : 0;
  pf->nroots = pf->off + 1;
  pf->lam_hint = NAN;
  pf->fail = BW_OK;
  /* 10 N; order 2: also t2 (N), jb (7 N) and the Jacobian's scratch (32 N) */
  double *blk = malloc((size_t)(pf->order == 2 ? 50 : 10) * n * sizeof(double));
  if (!blk) {
    free(blk);
    bw_particles_flow_free(pf);
    return BW_ERR_NOMEM;
  }
  pf->rinv = blk;
  pf->g = blk + (size_t)n;
  pf->hd = blk + 2 * (size_t)n;
  pf->ho = blk + 3 * (size_t)n;
  pf->hg = blk + 4 * (size_t)n;
  pf->j0 = blk + 5 * (size_t)n;
  pf->j1 = blk + 6 * (size_t)n;
  pf->j2 = blk + 7 * (size_t)n;
  pf->xfail = blk + 8 * (size_t)n;
  pf->xinit = blk + 9 * (size_t)n;
  if (pf->order == 2) {
    pf->t2 = blk + 10 * (size_t)n;
    pf->jb = blk + 11 * (size_t)n;
    pf->jscr = blk + 18 * (size_t)n;
  }
  st = setup_cvode(pf);
  if (st) {
    bw_particles_flow_free(pf);
    return st;
  }
  *out = pf;
  return BW_OK;
}

bw_status bw_particles_flow_set_jacobian(bw_particles_flow *pf, bw_particles_jac jac) {
  if (!pf) return BW_ERR_NULL;
  if (jac != BW_PJAC_ANALYTIC && jac != BW_PJAC_DQ) return BW_ERR_BAD_ARG;
  /* NULL: CVODE's banded difference-quotient Jacobian */
  if (CVodeSetJacFn(pf->cv, jac == BW_PJAC_ANALYTIC ? jac_band : NULL)) return BW_ERR_CVODE;
  pf->jac = jac;
  return BW_OK;
}

/* ---- integration ---- */

static bw_status fail(bw_particles_flow *pf, bw_status st, double t, double v) {
  pf->started = false;
  pf->fail = st;
  pf->fail_t = t;
  pf->fail_v = v;
  return st;
}

static bw_status start(bw_particles_flow *pf, const double *x0, double t_stop) {
  bw_status st = bw__pt_check(pf->n, x0);
  if (st) return st;
  pf->started = pf->ill_at_start = false;
  pf->fail = BW_OK;
  pf->fail_t = pf->fail_v = NAN;
  pf->msg[0] = pf->errmsg[0] = '\0';
  pf->lam_hint = NAN;
  pf->lam_delta = 0.0;
  memcpy(N_VGetArrayPointer(pf->y), x0, (size_t)pf->n * sizeof(double));
  memcpy(pf->xinit, x0, (size_t)pf->n * sizeof(double));
  if (pf->off) { /* already ill-posed at time 0: CVODE would see no sign change */
    if (!derivs(pf, x0, true)) return BW_ERR_OVERFLOW;
    double v;
    if ((st = eta_lmax(pf, &v))) return st;
    if (!(v < 2.0)) {
      pf->ill_at_start = true;
      pf->fail_v = v;
    }
  }
  int flag = CVodeReInit(pf->cv, 0.0, pf->y);
  /* SUNDIALS 6.4 has no CVodeClearStopTime: "no stop time" is one beyond any horizon. */
  if (!flag) flag = CVodeSetStopTime(pf->cv, t_stop > 0.0 ? t_stop : 1e300);
  if (flag) {
    bw__cvode_failure_text(flag, pf->errmsg, pf->msg, sizeof pf->msg);
    return BW_ERR_CVODE;
  }
  pf->tcur = 0.0;
  pf->t_stop = t_stop > 0.0 ? t_stop : 0.0;
  pf->started = true;
  return BW_OK;
}

bw_status bw_particles_flow_start(bw_particles_flow *pf, const double *x0, double t_stop) {
  if (!pf || !x0) return BW_ERR_NULL;
  if (!(t_stop >= 0.0) || !isfinite(t_stop)) return BW_ERR_BAD_ARG;
  return start(pf, x0, t_stop);
}

/* Why CVODE failed, from the last accepted state (its interpolant at tn; before any step the
 * initial state: pf->y is CVODE's scratch). A JKO-Flow past eta lambda_max = 2 there is
 * ill-posed (the failure hid it: the modes that grow make every step fail before the root
 * function sees the crossing). Gaps at the rounding level of the positions cannot be
 * resolved by doubles. A right-hand side that fails at the first call on ordered positions
 * is not finite, and rates beyond 1e150 at the start overflow: an overflow. Otherwise
 * CVODE's own failure. */
static bw_status failure_cause(bw_particles_flow *pf, int flag) {
  const int n = pf->n;
  sunrealtype tn = pf->tcur;
  long nst = 0;
  double *y = N_VGetArrayPointer(pf->y), v = NAN;
  const bool have = bw__cvode_last_state(pf->cv, pf->xinit, (size_t)n, pf->y, &tn) &&
                    CVodeGetNumSteps(pf->cv, &nst) == CV_SUCCESS;
  if (have && derivs(pf, y, true)) {
    memcpy(pf->xfail, y, (size_t)n * sizeof(double));
    if (pf->off && !eta_lmax(pf, &v) && v >= 2.0) return fail(pf, BW_ERR_ILL_POSED, tn, v);
    double gap = INFINITY, big = 0.0, hmax = 0.0;
    for (int i = 0; i < n; i++) {
      big = fmax(big, fabs(y[i]));
      hmax = fmax(hmax, fabs(pf->hd[i]));
      if (i) gap = fmin(gap, y[i] - y[i - 1]);
    }
    if (gap <= 64.0 * DBL_EPSILON * big) return fail(pf, BW_ERR_PRECISION, tn, NAN);
    /* no step from the start with rates beyond 1e150 (their squares, in the Jacobians and
     * the modified flows, overflow): the problem's scales are beyond doubles */
    if (!nst && !(hmax <= 1e150)) return fail(pf, BW_ERR_OVERFLOW, tn, NAN);
  }
  bw__cvode_failure_text(flag, pf->errmsg, pf->msg, sizeof pf->msg);
  return fail(pf, flag == CV_FIRST_RHSFUNC_ERR ? BW_ERR_OVERFLOW : bw__cvode_status(flag), tn, NAN);
}

/* Integrate to t; the state stays in pf->y. */
static bw_status step_to(bw_particles_flow *pf, double t) {
  if (!(t > pf->tcur)) return BW_OK;
  double *y = N_VGetArrayPointer(pf->y);
  if (pf->ill_at_start) {
    memcpy(pf->xfail, y, (size_t)pf->n * sizeof(double));
    return fail(pf, BW_ERR_ILL_POSED, 0.0, pf->fail_v);
  }
  sunrealtype tret = pf->tcur;
  const int flag = CVode(pf->cv, t, pf->y, &tret, CV_NORMAL);
  if (flag == CV_ROOT_RETURN) {
    if (CVodeGetRootInfo(pf->cv, pf->rootsfound)) return fail(pf, BW_ERR_CVODE, tret, NAN);
    double v = NAN;
    if (pf->off && pf->rootsfound[0]) {
      memcpy(pf->xfail, y, (size_t)pf->n * sizeof(double));
      if (derivs(pf, y, true) && !eta_lmax(pf, &v)) return fail(pf, BW_ERR_ILL_POSED, tret, v);
      return fail(pf, BW_ERR_ILL_POSED, tret, NAN);
    }
    return fail(pf, BW_ERR_NOT_ORDERED, tret, NAN);
  }
  if (flag < 0) return failure_cause(pf, flag);
  /* Never hand out a configuration that is not strictly increasing. */
  bw_status st = bw__pt_check(pf->n, y);
  if (st) return fail(pf, st == BW_ERR_NONFINITE ? BW_ERR_OVERFLOW : st, t, NAN);
  pf->tcur = t;
  return BW_OK;
}

bw_status bw_particles_flow_advance(bw_particles_flow *pf, double t, double *x) {
  if (!pf || !x) return BW_ERR_NULL;
  if (!pf->started) return BW_ERR_BAD_ARG;
  if (!isfinite(t) || t < pf->tcur || (pf->t_stop > 0.0 && t > pf->t_stop)) return BW_ERR_BAD_ARG;
  bw_status st = step_to(pf, t);
  if (st) return st;
  memcpy(x, N_VGetArrayPointer(pf->y), (size_t)pf->n * sizeof(double));
  return BW_OK;
}

bw_status bw_particles_flow_solve(bw_particles_flow *pf, const double *x0, int nt,
                                  const double *times, double *out) {
  if (!pf || !x0 || !times || !out) return BW_ERR_NULL;
  if (nt < 1) return BW_ERR_BAD_ARG;
  for (int k = 0; k < nt; k++)
    if (!isfinite(times[k]) || !(times[k] >= (k ? times[k - 1] : 0.0))) return BW_ERR_BAD_ARG;
  const size_t n = (size_t)pf->n;
  if ((size_t)nt > ((size_t)-1 / sizeof(double)) / n) return BW_ERR_NOMEM;
  if ((size_t)nt * n > pf->traj_cap) {
    double *t = realloc(pf->traj, (size_t)nt * n * sizeof(double));
    if (!t) return BW_ERR_NOMEM;
    pf->traj = t;
    pf->traj_cap = (size_t)nt * n;
  }
  bw_status st = start(pf, x0, times[nt - 1]);
  for (int k = 0; k < nt && !st; k++) {
    st = step_to(pf, times[k]);
    if (!st) memcpy(pf->traj + (size_t)k * n, N_VGetArrayPointer(pf->y), n * sizeof(double));
  }
  if (st) return st;
  memcpy(out, pf->traj, (size_t)nt * n * sizeof(double));
  return BW_OK;
}

double bw_particles_flow_time(const bw_particles_flow *pf) {
  return pf && pf->started ? pf->tcur : NAN;
}

bw_status bw_particles_flow_failure(const bw_particles_flow *pf, double *t, double *value) {
  if (!pf) return BW_ERR_NULL;
  if (pf->fail == BW_OK) return BW_OK;
  if (t) *t = pf->fail_t;
  if (value) *value = pf->fail_v;
  return pf->fail;
}

void bw_particles_flow_stats(const bw_particles_flow *pf, bw_jkoflow_stats *s) {
  if (!s) return;
  memset(s, 0, sizeof *s);
  if (!pf || !pf->cv) return;
  long v = 0;
  void *cv = pf->cv;
  if (!CVodeGetNumSteps(cv, &v)) s->steps = v;
  if (!CVodeGetNumRhsEvals(cv, &v)) s->rhs_evals = v;
  if (!CVodeGetNumLinRhsEvals(cv, &v)) s->rhs_evals += v; /* the DQ Jacobian's */
  if (!CVodeGetNumJacEvals(cv, &v)) s->jac_evals = v;
  if (!CVodeGetNumErrTestFails(cv, &v)) s->err_test_fails = v;
  if (!CVodeGetNumNonlinSolvConvFails(cv, &v)) s->nonlin_conv_fails = v;
  if (!CVodeGetNumGEvals(cv, &v)) s->root_evals = v;
}

void dstebz_(const char *range, const char *order, const int *n, const double *vl,
             const double *vu, const int *il, const int *iu, const double *abstol,
             const double *d, const double *e, int *m, int *nsplit, double *w, int *iblock,
             int *isplit, double *work, int *iwork, int *info, size_t lrange, size_t lorder);
void dstein_(const int *n, const double *d, const double *e, const int *m, const double *w,
             const int *iblock, const int *isplit, double *z, const int *ldz, double *work,
             int *iwork, int *ifail, int *info);

bw_status bw_particles_flow_failure_mode(const bw_particles_flow *pf, double *x, double *v) {
  if (!pf) return BW_ERR_NULL;
  if (pf->fail != BW_ERR_ILL_POSED) return BW_ERR_BAD_ARG;
  const int n = pf->n;
  if (!v) {
    if (x) memcpy(x, pf->xfail, (size_t)n * sizeof(double));
    return BW_OK;
  }
  double *blk = malloc((size_t)10 * n * sizeof(double));
  int *iblk = malloc((size_t)6 * n * sizeof(int));
  bw_status st = blk && iblk ? BW_OK : BW_ERR_NOMEM;
  if (!st) {
    double *rinv = blk, *g = blk + n, *d = blk + 2 * (size_t)n, *e = blk + 3 * (size_t)n,
           *z = blk + 4 * (size_t)n, *work = blk + 5 * (size_t)n; /* 5n: dstein's work; dstebz's w and work */
    int *iblock = iblk, *isplit = iblk + n, *iwork = iblk + 2 * (size_t)n; /* iwork: 3n */
    bw__pt_grad(&pf->p, pf->xfail, rinv, g);
    bw__pt_hess(&pf->p, pf->xfail, rinv, d, e);
    double w[1] = {0.0}, dummy = 0.0;
    const double abstol = 2.0 * DBL_MIN;
    int m = 0, nsplit = 0, info = 0, one = 1;
    dstebz_("I", "B", &n, &dummy, &dummy, &n, &n, &abstol, d, e, &m, &nsplit, work, iblock, isplit,
            work + n, iwork, &info, 1, 1);
    if (info || m != 1) st = BW_ERR_LAPACK;
    if (!st) {
      w[0] = work[0];
      int ifail = 0;
      dstein_(&n, d, e, &one, w, iblock, isplit, z, &n, work, iwork, &ifail, &info);
      if (info) st = BW_ERR_LAPACK;
    }
    if (!st && bw__check_finite(n, z)) st = BW_ERR_LAPACK;
    if (!st) {
      double big = 0.0;
      for (int i = 0; i < n; i++)
        if (fabs(z[i]) > fabs(big)) big = z[i];
      for (int i = 0; i < n; i++) v[i] = big < 0.0 ? -z[i] : z[i];
      if (x) memcpy(x, pf->xfail, (size_t)n * sizeof(double));
    }
  }
  free(blk);
  free(iblk);
  return st;
}

const char *bw_particles_flow_cvode_message(const bw_particles_flow *pf) { return pf ? pf->msg : ""; }

bw_status bw_particles_flow_rhs(bw_particles_flow *pf, const double *x, double *f) {
  if (!pf || !x || !f) return BW_ERR_NULL;
  bw_status st = bw__pt_check(pf->n, x);
  if (st) return st;
  double *tmp = pf->j0; /* f written only on success */
  if (rhs_raw(pf, x, tmp)) return BW_ERR_OVERFLOW;
  memcpy(f, tmp, (size_t)pf->n * sizeof(double));
  return BW_OK;
}

bw_status bw_particles_flow_jacobian(bw_particles_flow *pf, const double *x, double *J, int ld) {
  if (!pf || !x || !J) return BW_ERR_NULL;
  const int n = pf->n;
  if (ld < n) return BW_ERR_DIM;
  bw_status st = bw__pt_check(n, x);
  if (st) return st;
  if (jac_diagonals(pf, x)) return BW_ERR_OVERFLOW;
  if (pf->order == 2) {
    const size_t N = (size_t)n;
    if (bw__check_finite(7 * n, pf->jb)) return BW_ERR_OVERFLOW;
    for (int j = 0; j < n; j++)
      for (int i = 0; i < n; i++) J[i + (size_t)j * ld] = abs(j - i) <= 3 ? pf->jb[(size_t)(j - i + 3) * N + i] : 0.0;
    return BW_OK;
  }
  if (bw__check_finite(n, pf->j0) || bw__check_finite(n - 1, pf->j1) ||
      (pf->bw >= 2 && n > 2 && bw__check_finite(n - 2, pf->j2)))
    return BW_ERR_OVERFLOW;
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) {
      const int k = i > j ? i - j : j - i, m = i < j ? i : j;
      double v = 0.0;
      if (k == 0) v = pf->j0[i];
      else if (k == 1) v = pf->j1[m];
      else if (k == 2 && pf->bw >= 2) v = pf->j2[m];
      J[i + (size_t)j * ld] = v;
    }
  return BW_OK;
}
