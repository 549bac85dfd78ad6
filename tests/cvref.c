/* CVODE reference integrator for the Wasserstein gradient-flow ODE (tests only).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "cvref.h"
#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>

typedef struct {
  int d;
  const double *A, *h, *P;
  double tau;
} rhs_ctx;

/* y = [m (d), S (d x d, column-major)]. */
static int rhs(sunrealtype t, N_Vector y, N_Vector ydot, void *user) {
  (void)t;
  const rhs_ctx *c = user;
  const int d = c->d;
  const double *m = N_VGetArrayPointer(y), *S = m + d;
  double *dm = N_VGetArrayPointer(ydot), *dS = dm + d;
  for (int i = 0; i < d; i++) {
    double r = -c->h[i];
    for (int k = 0; k < d; k++) r += c->A[i + k * d] * m[k];
    dm[i] = -r;
  }
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double v = (i == j) ? 2.0 * c->tau : 0.0;
      for (int k = 0; k < d; k++) v -= c->P[i + k * d] * S[k + j * d] + S[i + k * d] * c->P[k + j * d];
      dS[i + j * d] = v;
    }
  return 0;
}

int cvref_wgf(const bw_problem *pb, const bw_gaussian *g0, double t, double rtol, double atol,
              bw_gaussian *gt) {
  const int d = g0->d, n = d + d * d;
  rhs_ctx c = {d, bw_problem_A(pb), bw_problem_h(pb), bw_problem_P(pb), bw_problem_tau(pb)};
  SUNContext ctx;
  if (SUNContext_Create(NULL, &ctx)) return -100;
  N_Vector y = N_VNew_Serial(n, ctx);
  double *yv = N_VGetArrayPointer(y);
  for (int i = 0; i < d; i++) yv[i] = g0->mean[i];
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) yv[d + i + j * d] = g0->cov[i + j * g0->ld];
  void *mem = CVodeCreate(CV_ADAMS, ctx);
  SUNNonlinearSolver nls = SUNNonlinSol_FixedPoint(y, 0, ctx);
  int flag = CVodeInit(mem, rhs, 0.0, y);
  if (!flag) flag = CVodeSStolerances(mem, rtol, atol);
  if (!flag) flag = CVodeSetUserData(mem, &c);
  if (!flag) flag = CVodeSetNonlinearSolver(mem, nls);
  if (!flag) flag = CVodeSetMaxNumSteps(mem, 1000000);
  if (!flag) flag = CVodeSetStopTime(mem, t);
  sunrealtype tret = 0.0;
  if (!flag) flag = CVode(mem, t, y, &tret, CV_NORMAL);
  if (flag >= 0) {
    flag = 0;
    for (int i = 0; i < d; i++) gt->mean[i] = yv[i];
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++) gt->cov[i + j * gt->ld] = yv[d + i + j * d];
  }
  CVodeFree(&mem);
  SUNNonlinSolFree(nls);
  N_VDestroy(y);
  SUNContext_Free(&ctx);
  return flag;
}
