/* bwflow internals: JKO-Flow of order 2 of the Gaussian system, the flow the JKO iterates
 * follow to O(eta^3) (docs/math.md section 8), as pure functions: the covariance series
 * and fields (lib/gaussian/modflow2.c). The solver (lib/gaussian/jkoflow.c) calls these;
 * tests/test_modflow2.c checks each against finite differences and the JKO steps. The
 * particle system's order-2 term is declared in lib/particles/particles_internal.h.
 * Not installed. SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_MODFLOW2_H
#define BW_MODFLOW2_H
#include "core/internal.h"

/* ---- both systems: a linear mode ---- */

/* The truncated logarithm L_q(z) = sum_{k=0}^{q} (-z)^k / (k+1) = log(1 + z)/z + O(z^(q+1)).
 * The JKO step damps a linear mode of rate lambda by 1/(1 + eta lambda), so its modified
 * flow of order q damps it at the rate lambda L_q(eta lambda): q = 0 the gradient flow, 1
 * JKO-Flow (1 - z/2), 2 JKO-Flow of order 2 (1 - z/2 + z^2/3, positive for every real z). */
double bw__mf_logfactor(int q, double z);

/* ---- Gaussians (full d x d matrices with leading dimension d, any orthonormal basis: the
 * formulas are conjugation-equivariant, so they hold in P's eigenbasis as well) ---- */

/* Taylor coefficients of the JKO step's covariance, S+ = S + e a1 + e^2 a2 + e^3 a3 + O(e^4)
 * (e = eta), from the optimality condition S+ = R S R, R = (I + e M(S+))^-1,
 * M(X) = P - tau X^-1:
 *   M0 = P - tau Si,  a1 = -(M0 S + S M0),  M1 = tau Si a1 Si,  r1 = -M0,  r2 = M0^2 - M1,
 *   a2 = r2 S + S r2 + M0 S M0,  M2 = tau (Si a2 Si - Si a1 Si a1 Si),
 *   r3 = -M2 + M0 M1 + M1 M0 - M0^3,  a3 = r3 S + S r3 + r1 S r2 + r2 S r1.
 * P symmetric, S SPD, Si = S^-1. scratch: 8 d^2 doubles. */
void bw__mf2_series(int d, const double *P, double tau, const double *S, const double *Si,
                    double *a1, double *a2, double *a3, double *scratch);
/* The fields of the modified equation x' = f1 + e f2 + e^2 f3 from the series, by backward
 * error analysis (f1 linear: f1'' = 0):
 *   f1 = a1,  f2 = a2 - f1'[f1]/2,  f3 = a3 - (f1'[f2] + f2'[f1])/2 - f1'[f1'[f1]]/6,
 * with f1'[Y] = -(P Y + Y P) and f2'[Y] = (P^2 Y + Y P^2)/2 + tau^2 Si Y Si (the derivatives
 * of the closed forms below). scratch: 4 d^2 doubles. */
void bw__mf2_recursion(int d, const double *P, double tau, const double *Si, const double *a1,
                       const double *a2, const double *a3, double *f1, double *f2, double *f3,
                       double *scratch);
/* The same fields in closed form:
 *   f1 = 2 tau I - (P S + S P),
 *   f2 = (P^2 S + S P^2)/2 - tau^2 Si,
 *   f3 = tau^3 Si^2 - tau P^2/3 - (P^3 S + S P^3)/3.
 * scratch: 3 d^2 doubles. Any of f1, f2, f3 may be NULL. */
void bw__mf2_fields(int d, const double *P, double tau, const double *S, const double *Si,
                    double *f1, double *f2, double *f3, double *scratch);
/* Their derivatives in the direction Y (symmetric):
 *   f1'[Y] = -(P Y + Y P),  f2'[Y] = (P^2 Y + Y P^2)/2 + tau^2 Si Y Si,
 *   f3'[Y] = -tau^3 (Si Y Si^2 + Si^2 Y Si) - (P^3 Y + Y P^3)/3.
 * scratch: 4 d^2 doubles. Any output may be NULL. */
void bw__mf2_dfields(int d, const double *P, double tau, const double *Si, const double *Y,
                     double *df1, double *df2, double *df3, double *scratch);

#endif
