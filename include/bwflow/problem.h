/* bwflow: the energy J and its derived quantities on Gaussians (MATH.md sections 1, 3, 5).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BWFLOW_PROBLEM_H
#define BWFLOW_PROBLEM_H
#include <stdint.h>
#include "common.h"
#include "gaussian.h"
#ifdef __cplusplus
extern "C" {
#endif

/** The energy J(rho) = E[V] + tau E[log rho] + 1/2 E[W(X - Y)] with V(x) = 1/2 x'Ax - h'x,
 * W(z) = 1/2 z'Kz, tau >= 0. On N(m, S), with P = A + K:
 *   J(m, S) = 1/2 tr(P S) + 1/2 m'Am - h'm - tau/2 logdet S - tau d/2 (1 + log 2 pi).
 * Opaque; immutable after bw_problem_set, so one problem may be shared by threads.
 * It caches the eigendecompositions of A and P. */
typedef struct bw_problem bw_problem;

/** Allocate a problem of dimension d (A = K = 0, h = 0, tau = 1: the heat flow). NULL on
 * failure or d < 1. */
BW_API bw_problem *bw_problem_alloc(int d);
BW_API void bw_problem_free(bw_problem *pb);

/** Set A (d x d, lda), h (d), K (d x d, ldk; NULL means 0) and tau. A and K must be finite
 * and symmetric within BW_SYM_RTOL (they are symmetrised), h finite, tau >= 0 finite.
 * A and P need not be positive definite. Computes and caches the eigendecompositions of A
 * and P (allocates a temporary workspace). Errors: BW_ERR_NULL, BW_ERR_DIM (lda or ldk < d),
 * BW_ERR_NONFINITE, BW_ERR_NOT_SYMMETRIC, BW_ERR_BAD_TAU, BW_ERR_OVERFLOW (A + K not
 * finite), BW_ERR_LAPACK, BW_ERR_NOMEM. On error pb is untouched. */
BW_API bw_status bw_problem_set(bw_problem *pb, const double *A, int lda, const double *h,
                                const double *K, int ldk, double tau);

BW_API int bw_problem_dim(const bw_problem *pb);
BW_API double bw_problem_tau(const bw_problem *pb);
/* Accessors return 0 / NaN / NULL for pb == NULL. The views stay valid until the next
 * bw_problem_set or bw_problem_free. */
/** Read-only views of A, h, K, P = A + K (d x d with leading dimension d; symmetrised). */
BW_API const double *bw_problem_A(const bw_problem *pb);
BW_API const double *bw_problem_h(const bw_problem *pb);
BW_API const double *bw_problem_K(const bw_problem *pb);
BW_API const double *bw_problem_P(const bw_problem *pb);
/** Eigendecomposition P = R diag(p) R' (p ascending; R d x d with ld d). */
BW_API const double *bw_problem_P_eigvals(const bw_problem *pb);
BW_API const double *bw_problem_P_eigvecs(const bw_problem *pb);
/** Eigendecomposition A = Q diag(a) Q'. */
BW_API const double *bw_problem_A_eigvals(const bw_problem *pb);
BW_API const double *bw_problem_A_eigvecs(const bw_problem *pb);

/** The minimiser of J: m* = A^-1 h, S* = tau P^-1. It exists among Gaussians only when A
 * and P are positive definite and tau > 0 (for tau = 0 the infimum is approached by a Dirac
 * mass at A^-1 h); BW_ERR_NOT_SPD otherwise (also when tau = 0). g must have dimension d
 * (BW_ERR_DIM_MISMATCH); it is untouched on error. */
BW_API bw_status bw_problem_minimiser(const bw_problem *pb, bw_gaussian *g);

/* Common to the functions below: g must be a Gaussian of the problem's dimension
 * (BW_ERR_DIM_MISMATCH) with finite entries and a symmetric (BW_ERR_NOT_SYMMETRIC), positive
 * definite (BW_ERR_NOT_SPD) covariance -- also when tau = 0, where the formulas would not
 * need it. ws may be NULL; a workspace of dimension >= d avoids any allocation. */

/** J(g). */
BW_API bw_status bw_energy(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g, double *J);

/** Gradient: grad_m J = A m - h (d) and dJ/dS = 1/2 (P - tau S^-1) (d x d, ldg >= d when
 * dJdS is given). Either output may be NULL. */
BW_API bw_status bw_energy_gradient(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                                    double *grad_m, double *dJdS, int ldg);

/** The Wasserstein gradient-flow velocity field at g, affine: v(x) = c + L (x - m) with
 * c = -(A m - h) and L = -(P - tau S^-1) (symmetric; d x d, ldl). Either output may be NULL.
 * Exactly c = -grad_m J and L = -2 dJ/dS. */
BW_API bw_status bw_velocity(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                             double *c, double *L, int ldl);

/** Squared metric slope |grad J|^2 = E|grad dJ/drho|^2 = tr(M S M) + |A m - h|^2 with
 * M = P - tau S^-1: the Fisher information times tau^2 for entropy, the relative Fisher
 * information times tau^2 for KL, the kinetic energy E|grad V|^2 for a potential. */
BW_API bw_status bw_slope_sq(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g, double *s);

/** Modified energy J^eta = J - eta/4 |grad J|^2 (any finite eta, else BW_ERR_BAD_ETA;
 * eta < 0 gives the forward Euler modified energy). */
BW_API bw_status bw_modified_energy(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                                    double eta, double *Jeta);

/* ---- presets (each is a test case and a CLI preset) ---- */

/** Named presets (d = 0 picks the default dimension in brackets):
 *  - "ou2d" [2, d must be 0 or 2]: Ornstein-Uhlenbeck, KL to N(A^-1 h, A^-1): tau = 1, K = 0,
 *    A = [2 0.6; 0.6 1], h = (1, -0.5), m0 = (2, 1), S0 = [0.5 -0.3; -0.3 1.5] (A S0 != S0 A);
 *  - "heat" [2]: entropy only, A = K = 0, h = 0, tau = 1; m0_i = 1/(1+i),
 *    S0_ij = 0.5^|i-j| sqrt(w_i w_j), w_i = (1 + i/2)/2 (i, j from 0);
 *  - "potential" [2]: tau = 0, K = 0, A = tridiag(-0.5, 2, -0.5) (SPD), h = (1, ..., 1),
 *    m0_i = (-1)^i (1 + i/2), S0 as for "heat";
 *  - "random" [3]: bw_problem_random(d, seed, 0.7). seed is used by "random" only.
 * Allocates *pb and *g0 (the initial Gaussian; free them with bw_problem_free and
 * bw_gaussian_free). BW_ERR_BAD_ARG for an unknown name, BW_ERR_DIM for d < 0 or a
 * dimension the preset does not have. On error *pb and *g0 are untouched. */
BW_API bw_status bw_preset(const char *name, int d, uint64_t seed, bw_problem **pb, bw_gaussian **g0);

/** Seeded random problem and initial Gaussian. A private splitmix64 generator seeded with
 * seed (no global state) draws, in this order: Q Haar orthogonal (Gram-Schmidt QR of an
 * N(0,1) d x d matrix), a_i uniform in [0.5, 2], A = Q diag(a) Q'; G N(0,1) d x d,
 * K = 0.2 G G'/d (PSD, non-zero); h ~ N(0, I); m0 ~ N(0, I); Q0 Haar orthogonal (independent),
 * s_i log-uniform in [0.3, 3], S0 = Q0 diag(s) Q0'. So A and P = A + K are SPD and S0
 * commutes with neither (almost surely). Details in lib/presets.c. The same (d, seed, tau)
 * gives bitwise the same result on a given platform; across platforms results agree up to
 * the last-bit rounding of libm's log, cos and pow. pb and g0 must have dimension d
 * (BW_ERR_DIM_MISMATCH); BW_ERR_BAD_TAU for tau < 0 or not finite. On error both are
 * untouched. */
BW_API bw_status bw_problem_random(int d, uint64_t seed, double tau, bw_problem *pb, bw_gaussian *g0);

#ifdef __cplusplus
}
#endif
#endif
