/* bwflow internals of the particle system (lib/particles*.c; not installed).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_PARTICLES_INTERNAL_H
#define BW_PARTICLES_INTERNAL_H
#include "core/internal.h"
#include "bwflow/particles.h"

#define BW_PT_MAXDEG BW_PARTICLES_MAX_DEGREE

/* The problem: plain data, copied by value into plans and solvers. */
struct bw_particles {
  int n, deg;
  double tau;
  double vpp_min;              /* min over R of V'' (see bw_particles_vpp_min) */
  double c[BW_PT_MAXDEG + 1];  /* V:    c[k] x^k, k = 0..deg */
  double c1[BW_PT_MAXDEG];     /* V':   k = 0..deg-1 */
  double c2[BW_PT_MAXDEG];     /* V'':  k = 0..deg-2 */
  double c3[BW_PT_MAXDEG];     /* V''': k = 0..deg-3 (deg = 2: one zero) */
  double a1[BW_PT_MAXDEG];     /* |c1|: rounding bounds of V' */
};

#define BW_PT_NVEC 12 /* nmax doubles each */
#define BW_PT_NINT 5  /* nmax ints each */
struct bw_particles_ws {
  int nmax;
  double *v[BW_PT_NVEC];
  int *iv; /* BW_PT_NINT nmax */
};

/* Horner: sum_{k=0}^{deg} c[k] x^k (deg >= 0). */
static inline double bw__poly(const double *c, int deg, double x) {
  double s = c[deg];
  for (int k = deg - 1; k >= 0; k--) s = s * x + c[k];
  return s;
}

/* x finite and strictly increasing? */
bw_status bw__pt_check(int n, const double *x);
/* rinv_i = 1/D_i (i < n-1) and g = grad F (n entries); false unless every D_i > 0 and g is
 * finite (so also for a non-finite x). */
bool bw__pt_grad(const bw_particles *p, const double *x, double *rinv, double *g);
/* The Hessian from rinv: diag (n), off (n-1). */
void bw__pt_hess(const bw_particles *p, const double *x, const double *rinv, double *diag,
                 double *off);
/* Largest eigenvalue of the symmetric tridiagonal (diag, off) with n >= 2 and every off
 * entry non-zero, to rounding (Laguerre's iteration from an upper bound; hint: a previous
 * value or NaN). BW_ERR_LAPACK when it fails to converge (then bisection was not enough
 * either: non-finite input). */
bw_status bw__tridiag_lmax(int n, const double *diag, const double *off, double hint,
                           double *lmax);
/* Get a workspace for n particles: *ws itself (BW_ERR_DIM_MISMATCH if too small) or a new
 * one stored in *own too. */
bw_status bw__pt_ws_get(bw_particles_ws **ws, int n, bw_particles_ws **own);

/* ---- the order study's scales (lib/particles/particles_scales.c; system_type.h's hooks) ---- */

struct bw__order_scales;
bw_status bw__pt_timescales(const bw_particles *p, const double *x0, double *rate_slow, double *rate_fast);
bw_status bw__pt_eta_bound(const bw_particles *p, const double *x0, double T, double *eta_safe,
                           bw_eta_bound *which, double *eta_limit);
bw_status bw__pt_order_scales(const bw_particles *p, const double *x0, double T, struct bw__order_scales *sc);

/* ---- JKO-Flow of order 2 (lib/particles/particles_modflow2.c) ---- */

/* The eta^2 term of the order-2 field f = -g + (eta/2) H g - eta^2 t2:
 *   t2 = H^2 g / 3 + T[g, g] / 12,
 *   T[v, w]_i = V'''(x_i) v_i w_i + phi'''(D_{i-1}) dv_{i-1} dw_{i-1} - phi'''(D_i) dv_i dw_i,
 * dv_j = v_{j+1} - v_j, phi'''(D) = -2 tau/D^3 (terms absent at the ends). Inputs: x (N
 * positions), rinv (1/D_i, N - 1) and g = grad F from bw__pt_grad, hd/ho = H from
 * bw__pt_hess, hg = H g. O(N). */
void bw__pt_mf2_term(const struct bw_particles *p, const double *x, const double *rinv,
                     const double *g, const double *hd, const double *ho, const double *hg,
                     double *t2);
/* Half-bandwidth of the order-2 particle field's Jacobian (H^3). */
#define BW_PT_MF2_BW 3
/* The Jacobian of t2 (not symmetric), as 7 diagonals: band[(k + 3) N + i] = dt2_i/dx_{i+k},
 * k = -3..3 (entries with i + k outside 0..N-1 are 0):
 *   dt2 = (H^3 + T[H g] + H T[g]) / 3 + (Q[g, g] + 2 T[g] H) / 12,
 * T[v] the tridiagonal matrix of F''' contracted with v (T[v] w = T[v, w]) and Q[g, g] that
 * of F'''' with g twice (V''''(x_i) g_i^2 on the diagonal, phi''''(D_j) dg_j^2 u_j u_j',
 * phi'''' = 6 tau/D^4). Inputs as bw__pt_mf2_term; scratch: 32 N doubles. O(N). */
void bw__pt_mf2_term_jac(const struct bw_particles *p, const double *x, const double *rinv,
                         const double *g, const double *hd, const double *ho, const double *hg,
                         double *band, double *scratch);

#endif
