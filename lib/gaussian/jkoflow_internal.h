/* bwflow internals: test hooks of the Gaussian flow solver (lib/gaussian/jkoflow.c) -- the functions
 * CVODE calls, on plain arrays, so that tests/test_modflow2.c can check the analytic Jacobian,
 * the Jacobian-vector product and the preconditioner's diagonal against differences of the
 * right-hand side. Not installed. SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_JKOFLOW_INTERNAL_H
#define BW_JKOFLOW_INTERNAL_H
#include "core/internal.h"

/* n = d + d(d+1)/2, the state's size. */
int bw__jkoflow_state_size(const bw_jkoflow *jf);
/* y = (Q'm, packed R'SR) of g (BW_ERR_NOT_SPD, BW_ERR_OVERFLOW). */
bw_status bw__jkoflow_state(bw_jkoflow *jf, const bw_gaussian *g, double *y);
/* f = f(y) as CVODE sees it; non-zero when X is not positive definite or f not finite. */
int bw__jkoflow_rhs_state(bw_jkoflow *jf, const double *y, double *f);
/* At y: the dense Jacobian J (n x n, column-major), J v, and the diagonal the Krylov
 * preconditioner uses. BW_ERR_NOT_SPD when X is not positive definite. Allocates. */
bw_status bw__jkoflow_jacobians(bw_jkoflow *jf, const double *y, const double *v, double *J, double *Jv,
                                double *diag);

/* ---- the solver (lib/gaussian/jkoflow.c) and its CVODE callbacks (lib/gaussian/jkoflow_rhs.c) ---- */
#include <cvode/cvode.h>
#include <sundials/sundials_context.h>
#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_matrix.h>
#include <sundials/sundials_nonlinearsolver.h>
#include <nvector/nvector_serial.h>

struct bw_jkoflow {
  int d, n;                /* dimension, state size d + d(d+1)/2 */
  bw_flow_kind kind;
  double eta, e, tau;      /* e = signed eta of the flow */
  double etau2;            /* e tau^2 */
  int order;               /* 1, or 2 for BW_FLOW_JKO2 (its term e^2 tau^3 X^-2) */
  double e2tau3;           /* e^2 tau^3 (order 2), else 0 */
  bool need_inv;           /* e tau != 0: the RHS uses X^-1 */
  bool roots;              /* JKO-Flow (order 1) with tau > 0: collapse is possible */
  bw_jkoflow_opts opts;
  bw_linsol linsol;        /* resolved */

  double *a, *Q, *p, *R;   /* copies of the problem's eigendecompositions */
  double *lin, *b;         /* n: f(y) = lin .* y + b - e tau^2 pack(X^-1) */
  double *jdiag;           /* n: Jacobian diagonal for the preconditioner */
  double *X, *W, *Wjt, *T; /* d x d scratch; Wjt is X^-1 at the J v point */
  bw_workspace *ws;        /* eigensolver scratch (root function, collapse, checks) */
  double *traj;            /* nt * n states of the current solve */
  size_t traj_cap;

  SUNContext ctx;
  void *cv;                /* BDF */
  void *cva;               /* Adams + fixed point (NULL for BW_METHOD_BDF) */
  void *cur;               /* the one in use in the current solve */
  N_Vector y, ytmp;
  N_Vector yinit; /* the state CVODE was last (re)started from (what failed before a step) */
  SUNMatrix J;
  SUNLinearSolver LS;
  SUNNonlinearSolver NLS;  /* Adams' fixed-point solver */
  bw_jkoflow_stats adams;  /* Adams' counters of the current solve after a fallback */
  long adams_steps;        /* steps of Adams in the current solve */

  double theta;            /* root threshold of the current solve */
  double *xref;            /* packed X where lambda_min(X) >= lref was certified */
  double lref;             /* that bound (-inf: none) */
  double lguess;           /* an estimate of lambda_min (sets the next certification shift) */
  bool want_ref;           /* rootfn asks the next right-hand side for a new reference */
  bool started;            /* bw_jkoflow_start succeeded and no failure since */
  double tcur;             /* time of the state in y (after start / advance) */
  double t_stop;           /* stop time given to start (0: none) */
  long njac_krylov;        /* Jacobian-diagonal evaluations (Krylov) */

  bw_jkoflow_stats last;
  bool collapsed;
  double t_collapse;
  double *dir;             /* d */
  char errmsg[400];        /* last message of CVODE's error handler */
  char msg[512];           /* what bw_jkoflow_cvode_message returns */
};

/* Index of X_ij (i <= j) in the packed upper triangle. */
static inline size_t bw__jf_pidx(int i, int j) { return (size_t)j * (j + 1) / 2 + i; }
/* M = the symmetric matrix of the packed triangle xs (both triangles written). */
void bw__jf_unpack(int d, const double *xs, double *M);
/* W = X^-1 (both triangles) of the packed xs; non-zero when X is not positive definite. */
int bw__jf_inverse(const bw_jkoflow *jf, const double *xs, double *W);
/* Offer (xs, W = X^-1) as the root function's new reference when it asked for one. */
void bw__jf_offer_ref(bw_jkoflow *jf, const double *xs, const double *W);
/* f = f(y); non-zero when X is not positive definite or f is not finite. */
int bw__jf_rhs_raw(bw_jkoflow *jf, const double *y, double *f);
/* lambda_min of the packed xs. */
bw_status bw__jf_lambda_min(bw_jkoflow *jf, const double *xs, double *lmin);
/* CVODE's callbacks (user data: the bw_jkoflow). */
int bw__jf_rhs(sunrealtype t, N_Vector yv, N_Vector fv, void *ud);
int bw__jf_jac_dense(sunrealtype t, N_Vector yv, N_Vector fy, SUNMatrix Jm, void *ud, N_Vector t1,
                     N_Vector t2, N_Vector t3);
int bw__jf_jtsetup(sunrealtype t, N_Vector yv, N_Vector fy, void *ud);
int bw__jf_jtimes(N_Vector vv, N_Vector Jvv, sunrealtype t, N_Vector yv, N_Vector fy, void *ud,
                  N_Vector tmp);
int bw__jf_psetup(sunrealtype t, N_Vector yv, N_Vector fy, sunbooleantype jok, sunbooleantype *jcur,
                  sunrealtype gamma, void *ud);
int bw__jf_psolve(sunrealtype t, N_Vector yv, N_Vector fy, N_Vector rv, N_Vector zv, sunrealtype gamma,
                  sunrealtype delta, int lr, void *ud);
int bw__jf_rootfn(sunrealtype t, N_Vector yv, sunrealtype *g, void *ud);
void bw__jf_errhandler(int code, const char *module, const char *function, char *msg, void *ud);

#endif
