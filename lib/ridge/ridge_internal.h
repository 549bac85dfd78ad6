/* bwflow internals of the ridge system (lib/ridge/): the problem's and the workspace's
 * layout and the functions the ridge files share. Not installed.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_RIDGE_INTERNAL_H
#define BW_RIDGE_INTERNAL_H
#include "core/internal.h"

/* The trapezoidal grids of the logistic and logcosh families (lib/ridge/ridge_quad.c):
 * t_j = -L + j h, j = 0..BW__RIDGE_GRID_M - 1. */
#define BW__RIDGE_GRID_M 321
enum { BW__GRID_LOGISTIC, BW__GRID_LOGCOSH, BW__NGRIDS };

struct bw_ridge_problem {
  int d, n, q;
  double tau;
  double *A, *h;          /* d x d (ld d), d */
  double *at;             /* d x n, column j = a_j (ld d) */
  double *b, *w;          /* n */
  unsigned char *family;  /* n */
  double *z, *zw;         /* q Gauss-Hermite nodes and weights */
  double *grid[BW__NGRIDS]; /* 5 x BW__RIDGE_GRID_M tabulated remainders, NULL when unused */
  /* custom ridges grouped by (phi, ctx): group k has the ridges cidx[cstart[k]..cstart[k+1]) */
  int ncustom, ngroups, maxgroup;
  int *cidx, *cstart;
  bw_ridge_phi_fn *gphi;
  void **gctx;
};

struct bw_ridge_ws {
  int d, n, q, maxgroup;  /* what it serves */
  int ns, nt;             /* d(d+1)/2, d + ns */
  /* per ridge */
  double *mu, *s, *psi;   /* n, n, 5 n (psi_k of ridge j at psi[k n + j]) */
  double *c, *u, *r;      /* n scratch coefficients */
  double *Ut, *Vt, *Yt;   /* d x n scratch (S a_j, G a_j, scaled a_j) */
  double *ct, *cout;      /* custom: q maxgroup points, 5 q maxgroup values */
  /* d x d (ld d) and d */
  double *L, *Ss, *Sinv, *H, *G, *Gt, *M1, *M2, *M3, *M4; /* Ss: the evaluated S, symmetrised */
  double *g, *v1, *v2, *v3;
  double logdet;          /* of the last evaluated S */
  bw_workspace *bws;      /* eigensolver scratch */
  /* Newton (grown on first use): the Jacobian and what its assembly needs */
  double *jac, *blk;       /* nt x nt: the Newton matrix (LU), the Jacobian of (g, G) */
  double *F, *Ft, *dx, *x0, *x1, *xt, *wt; /* nt each */
  double *Rc, *Qc;         /* chunk x ns: the ridges' packed outer products */
  int *ipiv;
  int chunk;
  bool newton_ready;
};

/* The workspace to use: ws itself (checked against pb) or a new one in *own. */
bw_status bw__ridge_ws_get(const bw_ridge_problem *pb, bw_ridge_ws **ws, bw_ridge_ws **own);
/* Grow the Newton part of ws (once). */
bw_status bw__ridge_ws_newton(bw_ridge_ws *ws);
/* A copy of pb (NULL when out of memory). */
bw_ridge_problem *bw__ridge_problem_clone(const bw_ridge_problem *pb);

/* psi_kj, k = kmin..kmax (kmin 0 or 1), of every ridge at (mu_j, s_j) into ws->psi
 * (lib/ridge/ridge_quad.c): BW_ERR_OVERFLOW when a value is not finite or a caller's phi fails. */
bw_status bw__ridge_psi_all(const bw_ridge_problem *pb, bw_ridge_ws *ws, int kmin, int kmax);
/* The tables of a family's grid (NULL for other families); allocates. */
double *bw__ridge_grid_create(int which);
/* psi_k, k = 0..4, of one built-in or custom ridge (custom: scratch of 6 q doubles). */
bw_status bw__ridge_psi_one(const bw_ridge_problem *pb, int j, double mu, double s, double *psi,
                            double *scratch);

/* What bw__ridge_eval computes (lib/ridge/ridge_eval.c). */
enum {
  BW__EV_J = 1,      /* the energy (returned in *J) */
  BW__EV_G = 2,      /* g, H, G (= H - tau S^-1), S^-1 */
  BW__EV_FLOW4 = 4,  /* psi up to order 4 (the modified fields) */
};
/* At (m, S): ws->Ss = (S + S')/2 (S with ld lds, may be ws->M4), its Cholesky factor ws->L
 * (BW_ERR_NOT_SPD), mu, s, psi; with BW__EV_G ws->g, ws->H, ws->G, ws->Sinv (when tau > 0;
 * else 0); with BW__EV_J the energy. ws->Ut holds Ss a_j. Uses no other slot. */
bw_status bw__ridge_eval(const bw_ridge_problem *pb, bw_ridge_ws *ws, const double *m, const double *S,
                         int lds, unsigned what, double *J);
/* |g|^2 + tr(G S G) after bw__ridge_eval with BW__EV_G (uses ws->M1). */
double bw__ridge_slope_sq(bw_ridge_ws *ws);
/* The gradient of Phi = J - e/4 (|g|^2 + tr(G S G)) after bw__ridge_eval with BW__EV_G |
 * BW__EV_FLOW4: gm = grad_m Phi (d) and Gt = 2 grad_S Phi (d x d, ld d); also C (the ridge
 * part of 2 grad_S |grad J|^2 beyond G^2 and tau (G S^-1 + S^-1 G)) in ws->M2. e = 0 gives
 * (g, G). Uses ws->Vt, u, r, c, M1..M3. */
void bw__ridge_modified_gradient(const bw_ridge_problem *pb, bw_ridge_ws *ws, double e, double *gm,
                                 double *Gt);
/* The flow's field at the evaluated state: dm = -gm, dS = -(Gt S + S Gt) (dS d x d, ld ldd;
 * uses ws->M1). */
void bw__ridge_field(bw_ridge_ws *ws, const double *gm, const double *Gt, double *dm, double *dS, int ldd);
/* The Jacobian of (g, pack G) with respect to (m, pack S) (nt x nt, ld nt) after
 * bw__ridge_eval with BW__EV_G | BW__EV_FLOW4 at (m, S): rows g (d), then G's upper
 * triangle packed column by column; columns likewise (packed unknown X_kl, k <= l, moves
 * X_kl and X_lk together). Needs the Newton part of ws. */
void bw__ridge_grad_jacobian(const bw_ridge_problem *pb, bw_ridge_ws *ws, double *Jg);

/* Packed upper triangle: X_kl (k <= l) at l(l+1)/2 + k. */
static inline size_t bw__pk(int k, int l) { return (size_t)l * (l + 1) / 2 + k; }
void bw__pack(int d, const double *X, int ldx, double *p);     /* p = upper triangle of X */
void bw__unpack(int d, const double *p, double *X, int ldx);   /* X symmetric from p */

/* Checks of a Gaussian argument against pb (dimension), as every public function does. */
bw_status bw__ridge_check_gauss(const bw_ridge_problem *pb, const bw_gaussian *g);
bw_status bw__ridge_check_out(const bw_ridge_problem *pb, const bw_gaussian *g);

#endif
