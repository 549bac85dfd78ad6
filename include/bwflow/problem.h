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

/** Allocate a problem of dimension d (A = K = 0, h = 0, tau = 1: the heat flow). */
BW_API bw_problem *bw_problem_alloc(int d);
BW_API void bw_problem_free(bw_problem *pb);

/** Set A (d x d, lda), h (d), K (d x d, ldk; NULL means 0) and tau. A and K must be finite
 * and symmetric within BW_SYM_RTOL (they are symmetrised), h finite, tau >= 0 finite.
 * A and P need not be positive definite. On error pb is untouched. */
BW_API bw_status bw_problem_set(bw_problem *pb, const double *A, int lda, const double *h,
                                const double *K, int ldk, double tau);

BW_API int bw_problem_dim(const bw_problem *pb);
BW_API double bw_problem_tau(const bw_problem *pb);
/** Read-only views of A, h, K, P = A + K (d x d with leading dimension d). */
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

/** The minimiser of J (requires A and P positive definite, and tau > 0 or ... see docs):
 * m* = A^-1 h, S* = tau P^-1. BW_ERR_NOT_SPD when A or P is not PD or tau = 0. */
BW_API bw_status bw_problem_minimiser(const bw_problem *pb, bw_gaussian *g);

/** J(g). */
BW_API bw_status bw_energy(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g, double *J);

/** Gradient: grad_m J = A m - h (d) and dJ/dS = 1/2 (P - tau S^-1) (d x d, ldg). Either
 * output may be NULL. */
BW_API bw_status bw_energy_gradient(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                                    double *grad_m, double *dJdS, int ldg);

/** The Wasserstein gradient-flow velocity field at g, affine: v(x) = c + L (x - m) with
 * c = -(A m - h) and L = -(P - tau S^-1) (symmetric). */
BW_API bw_status bw_velocity(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                             double *c, double *L, int ldl);

/** Squared metric slope |grad J|^2 = E|grad dJ/drho|^2 = tr(M S M) + |A m - h|^2 with
 * M = P - tau S^-1: the Fisher information times tau^2 for entropy, the relative Fisher
 * information times tau^2 for KL, the kinetic energy E|grad V|^2 for a potential. */
BW_API bw_status bw_slope_sq(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g, double *s);

/** Modified energy J^eta = J - eta/4 |grad J|^2 (any finite eta; eta < 0 gives the forward
 * Euler modified energy). */
BW_API bw_status bw_modified_energy(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                                    double eta, double *Jeta);

/* ---- presets (each is a test case and a CLI preset) ---- */

/** Named presets: "ou2d" (2-D Ornstein-Uhlenbeck / KL to a Gaussian target, A and S0 do not
 * commute; d must be 2 or 0), "heat" (entropy only, d >= 1), "potential" (tau = 0, d >= 1),
 * "random" (bw_problem_random with tau = 0.7). Allocates *pb and *g0 (initial Gaussian);
 * BW_ERR_BAD_ARG for an unknown name. d = 0 picks the preset's default dimension. */
BW_API bw_status bw_preset(const char *name, int d, uint64_t seed, bw_problem **pb, bw_gaussian **g0);

/** Seeded random problem and initial Gaussian (the distribution is documented in
 * docs/api.md and lib/presets.c): deterministic for a given (d, seed, tau) on every
 * platform. pb and g0 must have dimension d. */
BW_API bw_status bw_problem_random(int d, uint64_t seed, double tau, bw_problem *pb, bw_gaussian *g0);

#ifdef __cplusplus
}
#endif
#endif
