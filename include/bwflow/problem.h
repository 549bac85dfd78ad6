/* bwflow: the energy J and its derived quantities on Gaussians (docs/math.md sections 2, 3, 5).
 * SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/problem.h
 * @brief The energy J (potential, entropy, interaction): the problem object, its
 * evaluation on Gaussians (energy, gradient, velocity field, metric slope, modified
 * energy), its minimiser, the presets and the seeded random problem.
 *
 * Units: J and tau are energies; A, K and P energies per squared unit of x; h an energy
 * per unit of x. Times and step sizes use the scaling of the gradient flow
 * d/dt rho = div(rho grad dJ/drho) (unit mobility, no hidden factor), in which
 * |grad J|^2 = -dJ/dt along the flow. */
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
 * failure or d < 1.
 * @param d dimension, 1 <= d <= 46340 (d^2 must fit a LAPACK integer)
 * @return the problem (one block of O(d^2) doubles), or NULL
 * @par Allocation and thread safety
 * Allocates; free with bw_problem_free(). Safe to call concurrently. */
BW_API bw_problem *bw_problem_alloc(int d);
/** Free a problem (NULL is fine). Plans and solvers created from it stay valid (they copy
 * what they need).
 * @param pb the problem, or NULL
 * @par Thread safety
 * No other thread may be using pb. */
BW_API void bw_problem_free(bw_problem *pb);

/** Set A (d x d, lda), h (d), K (d x d, ldk; NULL means 0) and tau. A and K must be finite
 * and symmetric within BW_SYM_RTOL (they are symmetrised), h finite, tau >= 0 finite.
 * A and P need not be positive definite. Computes and caches the eigendecompositions of A
 * and P (allocates a temporary workspace). Errors: BW_ERR_NULL, BW_ERR_DIM (lda or ldk < d),
 * BW_ERR_NONFINITE, BW_ERR_NOT_SYMMETRIC, BW_ERR_BAD_TAU, BW_ERR_OVERFLOW (A + K not
 * finite), BW_ERR_LAPACK, BW_ERR_NOMEM. On error pb is untouched.
 * @param pb the problem (its dimension d is fixed at bw_problem_alloc())
 * @param A the potential's matrix, column-major, leading dimension lda
 * @param lda leading dimension of A, >= d
 * @param h the potential's linear term, d entries
 * @param K the interaction's matrix, column-major, leading dimension ldk, or NULL for 0
 * @param ldk leading dimension of K, >= d when K is given (ignored otherwise)
 * @param tau temperature, finite and >= 0 (0: no entropy)
 * @return ::BW_OK or a status listed above
 * @par Allocation
 * One temporary workspace (O(d^2)), freed before returning.
 * @par Thread safety
 * Writes pb: no other thread may use pb during the call. Afterwards pb is only read. */
BW_API bw_status bw_problem_set(bw_problem *pb, const double *A, int lda, const double *h,
                                const double *K, int ldk, double tau);

/** The problem's dimension d.
 * @param pb the problem, or NULL
 * @return d, or 0 for NULL
 * @par Allocation and thread safety
 * No allocation; only reads pb. */
BW_API int bw_problem_dim(const bw_problem *pb);
/** The problem's temperature tau.
 * @param pb the problem, or NULL
 * @return tau, or NaN for NULL
 * @par Allocation and thread safety
 * No allocation; only reads pb. */
BW_API double bw_problem_tau(const bw_problem *pb);
/* Accessors return 0 / NaN / NULL for pb == NULL. The views stay valid until the next
 * bw_problem_set or bw_problem_free. */
/** Read-only view of A (d x d with leading dimension d; symmetrised).
 * @param pb the problem, or NULL
 * @return a pointer into pb (valid until the next bw_problem_set() or bw_problem_free() of
 *         pb), or NULL for NULL
 * @par Allocation and thread safety
 * No allocation; only reads pb. The same holds for every accessor below. */
BW_API const double *bw_problem_A(const bw_problem *pb);
/** Read-only view of h (d entries).
 * @param pb the problem, or NULL
 * @return a pointer into pb, or NULL for NULL (see bw_problem_A()) */
BW_API const double *bw_problem_h(const bw_problem *pb);
/** Read-only view of K (d x d with leading dimension d; symmetrised; zeros when set NULL).
 * @param pb the problem, or NULL
 * @return a pointer into pb, or NULL for NULL (see bw_problem_A()) */
BW_API const double *bw_problem_K(const bw_problem *pb);
/** Read-only view of P = A + K (d x d with leading dimension d), the matrix acting on
 * covariances.
 * @param pb the problem, or NULL
 * @return a pointer into pb, or NULL for NULL (see bw_problem_A()) */
BW_API const double *bw_problem_P(const bw_problem *pb);
/** Eigendecomposition P = R diag(p) R': the eigenvalues p (d entries, ascending).
 * @param pb the problem, or NULL
 * @return a pointer into pb, or NULL for NULL (see bw_problem_A()) */
BW_API const double *bw_problem_P_eigvals(const bw_problem *pb);
/** Eigendecomposition P = R diag(p) R': the orthonormal eigenvectors R (d x d, leading
 * dimension d, column k belongs to p[k]).
 * @param pb the problem, or NULL
 * @return a pointer into pb, or NULL for NULL (see bw_problem_A()) */
BW_API const double *bw_problem_P_eigvecs(const bw_problem *pb);
/** Eigendecomposition A = Q diag(a) Q': the eigenvalues a (d entries, ascending).
 * @param pb the problem, or NULL
 * @return a pointer into pb, or NULL for NULL (see bw_problem_A()) */
BW_API const double *bw_problem_A_eigvals(const bw_problem *pb);
/** Eigendecomposition A = Q diag(a) Q': the orthonormal eigenvectors Q (d x d, leading
 * dimension d, column k belongs to a[k]).
 * @param pb the problem, or NULL
 * @return a pointer into pb, or NULL for NULL (see bw_problem_A()) */
BW_API const double *bw_problem_A_eigvecs(const bw_problem *pb);

/** The minimiser of J: m* = A^-1 h, S* = tau P^-1. It exists among Gaussians only when A
 * and P are positive definite and tau > 0 (for tau = 0 the infimum is approached by a Dirac
 * mass at A^-1 h); BW_ERR_NOT_SPD otherwise (also when tau = 0). g must have dimension d
 * (BW_ERR_DIM_MISMATCH); it is untouched on error.
 * @param pb the problem
 * @param[out] g the minimiser (any leading dimension >= d)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM (g->d < 1 or g->ld < g->d);
 *         ::BW_ERR_DIM_MISMATCH; ::BW_ERR_NOT_SPD; ::BW_ERR_OVERFLOW (an eigenvalue so
 *         small that its inverse overflows, or a result entry not finite); ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * One temporary workspace (O(d^2)); uses the cached eigendecompositions. Reentrant; only
 * reads pb. */
BW_API bw_status bw_problem_minimiser(const bw_problem *pb, bw_gaussian *g);

/* Common to the functions below: g must be a Gaussian of the problem's dimension
 * (BW_ERR_DIM_MISMATCH) with finite entries and a symmetric (BW_ERR_NOT_SYMMETRIC), positive
 * definite (BW_ERR_NOT_SPD) covariance -- also when tau = 0, where the formulas would not
 * need it. ws may be NULL; a workspace of dimension >= d avoids any allocation. */

/** J(g).
 * @param pb the problem
 * @param ws workspace of dimension >= d, or NULL
 * @param g the Gaussian: dimension d, finite, covariance symmetric and positive definite
 *        (checked by Cholesky, also when tau = 0)
 * @param[out] J the energy (units of tau)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH (g or ws);
 *         ::BW_ERR_NONFINITE; ::BW_ERR_NOT_SYMMETRIC; ::BW_ERR_NOT_SPD;
 *         ::BW_ERR_OVERFLOW; ::BW_ERR_NOMEM (ws == NULL)
 * @par Allocation and thread safety
 * None with a workspace of dimension >= d (ws == NULL: one temporary workspace). Reentrant:
 * pb and g are only read; concurrent calls need distinct workspaces. The same holds for
 * bw_energy_gradient(), bw_velocity(), bw_slope_sq() and bw_modified_energy(). */
BW_API bw_status bw_energy(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g, double *J);

/** Gradient: grad_m J = A m - h (d) and dJ/dS = 1/2 (P - tau S^-1) (d x d, ldg >= d when
 * dJdS is given). Either output may be NULL.
 * @param pb the problem
 * @param ws workspace of dimension >= d, or NULL
 * @param g the Gaussian (as for bw_energy())
 * @param[out] grad_m d entries, or NULL
 * @param[out] dJdS d x d symmetric, leading dimension ldg, or NULL
 * @param ldg leading dimension of dJdS, >= d when dJdS is given
 * @return the statuses of bw_energy(); ::BW_ERR_DIM also for ldg < d
 * @par Allocation and thread safety
 * As bw_energy(). */
BW_API bw_status bw_energy_gradient(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                                    double *grad_m, double *dJdS, int ldg);

/** The Wasserstein gradient-flow velocity field at g, affine: v(x) = c + L (x - m) with
 * c = -(A m - h) and L = -(P - tau S^-1) (symmetric; d x d, ldl). Either output may be NULL.
 * Exactly c = -grad_m J and L = -2 dJ/dS.
 * @param pb the problem
 * @param ws workspace of dimension >= d, or NULL
 * @param g the Gaussian (as for bw_energy())
 * @param[out] c d entries (units of x per unit time), or NULL
 * @param[out] L d x d symmetric, leading dimension ldl (per unit time), or NULL
 * @param ldl leading dimension of L, >= d when L is given
 * @return the statuses of bw_energy(); ::BW_ERR_DIM also for ldl < d
 * @par Allocation and thread safety
 * As bw_energy(). */
BW_API bw_status bw_velocity(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                             double *c, double *L, int ldl);

/** Squared metric slope |grad J|^2 = E|grad dJ/drho|^2 = tr(M S M) + |A m - h|^2 with
 * M = P - tau S^-1: the Fisher information times tau^2 for entropy, the relative Fisher
 * information times tau^2 for KL, the kinetic energy E|grad V|^2 for a potential.
 * Along the gradient flow dJ/dt = -|grad J|^2.
 * @param pb the problem
 * @param ws workspace of dimension >= d, or NULL
 * @param g the Gaussian (as for bw_energy())
 * @param[out] s the squared slope, >= 0 (energy per unit time)
 * @return the statuses of bw_energy()
 * @par Allocation and thread safety
 * As bw_energy(). */
BW_API bw_status bw_slope_sq(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g, double *s);

/** Modified energy J^eta = J - eta/4 |grad J|^2 (any finite eta, else BW_ERR_BAD_ETA;
 * eta < 0 gives the forward Euler modified energy).
 * @param pb the problem
 * @param ws workspace of dimension >= d, or NULL
 * @param g the Gaussian (as for bw_energy())
 * @param eta the step size (time units), any finite value
 * @param[out] Jeta the modified energy (units of tau)
 * @return the statuses of bw_energy(), or ::BW_ERR_BAD_ETA when eta is not finite
 * @par Allocation and thread safety
 * As bw_energy(). */
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
 * dimension the preset does not have. On error *pb and *g0 are untouched.
 * @param name "ou2d", "heat", "potential" or "random"
 * @param d dimension, or 0 for the preset's default
 * @param seed seed of "random" (ignored by the others)
 * @param[out] pb receives the new problem
 * @param[out] g0 receives the new initial Gaussian (ld = d)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_BAD_ARG; ::BW_ERR_NOMEM; the
 *         statuses of bw_problem_set() and bw_problem_random()
 * @par Allocation and thread safety
 * Allocates the two results (and temporaries). Reentrant: no shared state. */
BW_API bw_status bw_preset(const char *name, int d, uint64_t seed, bw_problem **pb, bw_gaussian **g0);

/** Seeded random problem and initial Gaussian. A private splitmix64 generator seeded with
 * seed (no global state) draws, in this order: Q Haar orthogonal (Gram-Schmidt QR of an
 * N(0,1) d x d matrix), a_i uniform in [0.5, 2], A = Q diag(a) Q'; G N(0,1) d x d,
 * K = 0.2 G G'/d (PSD, non-zero); h ~ N(0, I); m0 ~ N(0, I); Q0 Haar orthogonal (independent),
 * s_i log-uniform in [0.3, 3], S0 = Q0 diag(s) Q0'. So A and P = A + K are SPD and S0
 * commutes with neither (almost surely). Details in lib/gaussian/presets.c. The same (d, seed, tau)
 * gives bitwise the same result on a given platform; across platforms results agree up to
 * the last-bit rounding of libm's log, cos and pow. pb and g0 must have dimension d
 * (BW_ERR_DIM_MISMATCH); BW_ERR_BAD_TAU for tau < 0 or not finite. On error both are
 * untouched.
 * @param d dimension, >= 1
 * @param seed any 64-bit seed
 * @param tau temperature, finite and >= 0
 * @param pb a problem of dimension d (from bw_problem_alloc()); it is set
 * @param[out] g0 a Gaussian of dimension d (any leading dimension >= d)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_BAD_TAU;
 *         ::BW_ERR_NOMEM; ::BW_ERR_OVERFLOW; the statuses of bw_problem_set()
 * @par Allocation and thread safety
 * Allocates temporaries (O(d^2)). Writes pb and g0: no other thread may use them during
 * the call. */
BW_API bw_status bw_problem_random(int d, uint64_t seed, double tau, bw_problem *pb, bw_gaussian *g0);

#ifdef __cplusplus
}
#endif
#endif
