/* bwflow: non-Gaussian Langevin dynamics in 1-D, N particles on the quantile line
 * (docs/particles.md, docs/math.md section 7). SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/particles.h
 * @brief The particle system: a 1-D measure as N ordered particles x_1 < ... < x_N of mass
 * 1/N (quantile levels (i - 1/2)/N), the energy of Langevin dynamics with a polynomial
 * potential, its JKO steps (damped Newton on a tridiagonal system), forward Euler steps,
 * and the gradient flow and its modified flows (CVODE BDF with a banded Jacobian), with
 * the ill-posedness of JKO-Flow detected (docs/particles.md).
 *
 * Discretisation (the standard Lagrangian one, exact in W2 for ordered particles):
 *
 *     V(x) = c_0 + c_1 x + ... + c_K x^K    (K even, 2 <= K <= BW_PARTICLES_MAX_DEGREE, c_K > 0)
 *     F(x) = sum_i V(x_i) - tau sum_{i<N} log(N D_i),   D_i = x_{i+1} - x_i,   J_N = F / N
 *     grad F_i = V'(x_i) + tau/D_i - tau/D_{i-1}      (terms absent at the ends)
 *     H = grad^2 F tridiagonal: H_ii = V''(x_i) + tau/D_{i-1}^2 + tau/D_i^2, H_i,i+1 = -tau/D_i^2
 *     W2(x, y) = |x - y| / sqrt(N),   density rho_{i+1/2} = 1 / (N D_i)
 *
 * Time is the gradient flow's: WGF x' = -grad F (the continuum Fokker-Planck flow's time).
 * JKO step x_{k+1} = argmin F(x) + |x - x_k|^2/(2 eta); forward Euler
 * x_{k+1} = x_k - eta grad F(x_k); JKO-Flow x' = -grad F + (eta/2) H grad F (the gradient
 * flow of F - eta/4 |grad F|^2); the forward modified flow has -eta in place of eta.
 *
 * Conventions as in the rest of the library: statuses from bwflow/common.h, outputs
 * untouched on error, no global state. Position arrays have N entries; an input
 * configuration must be finite (::BW_ERR_NONFINITE) and strictly increasing
 * (::BW_ERR_NOT_ORDERED). Problems and plans are immutable and may be shared by threads;
 * workspaces and flow solvers belong to one thread at a time. */
#ifndef BWFLOW_PARTICLES_H
#define BWFLOW_PARTICLES_H
#include "common.h"
#include "jkoflow.h"
#include "system.h"
#ifdef __cplusplus
extern "C" {
#endif

/** Largest number of particles (2^26: the flows' band storage stays below 4 GB). */
#define BW_PARTICLES_MAX_N (1 << 26)
/** Largest degree K of the potential. */
#define BW_PARTICLES_MAX_DEGREE 32

/* ---- the problem ---- */

/** A particle problem: N, the potential's coefficients and tau (opaque, immutable). */
typedef struct bw_particles bw_particles;
/** Scratch memory for N particles (bw_particles_ws_alloc()); one thread at a time. */
typedef struct bw_particles_ws bw_particles_ws;

/** Create a problem. V(x) = sum_k coef[k] x^k, k = 0..degree.
 * @param n the number of particles, 2 <= n <= BW_PARTICLES_MAX_N
 * @param degree K: even, 2 <= K <= BW_PARTICLES_MAX_DEGREE
 * @param coef K + 1 finite coefficients c_0..c_K with c_K > 0 (V confines)
 * @param tau the entropy weight (temperature), 0 < tau < inf
 * @param[out] pp receives the problem (free with bw_particles_free())
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM (n out of range); ::BW_ERR_BAD_ARG (degree
 *         out of range or odd, c_K <= 0); ::BW_ERR_NONFINITE (a coefficient);
 *         ::BW_ERR_BAD_TAU; ::BW_ERR_OVERFLOW (the derivatives' coefficients overflow);
 *         ::BW_ERR_LAPACK (the critical points of V'' could not be computed); ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * Allocates the problem (O(K)). Reentrant. */
BW_API bw_status bw_particles_create(int n, int degree, const double *coef, double tau,
                                     bw_particles **pp);
/** Free a problem (NULL is fine).
 * @param pp the problem, or NULL */
BW_API void bw_particles_free(bw_particles *pp);
/** The number of particles N (0 for NULL). @param pp the problem @return N */
BW_API int bw_particles_n(const bw_particles *pp);
/** The degree K of V (0 for NULL). @param pp the problem @return K */
BW_API int bw_particles_degree(const bw_particles *pp);
/** V's coefficients c_0..c_K, owned by pp (NULL for NULL). @param pp the problem
 * @return the coefficients */
BW_API const double *bw_particles_coef(const bw_particles *pp);
/** The entropy weight tau (NaN for NULL). @param pp the problem @return tau */
BW_API double bw_particles_tau(const bw_particles *pp);
/** The minimum of V'' over the real line (NaN for NULL): the JKO step exists (its
 * objective is strictly convex) for eta max(0, -min V'') < 1. Computed when the problem is
 * created: in closed form for K <= 4; for K >= 6 at the critical points of V'' (the
 * eigenvalues of the companion matrix of V''' by LAPACK dhseqr, refined by Newton's method),
 * lowered by a bound on the rounding error of the evaluation.
 * @param pp the problem
 * @return min V'' */
BW_API double bw_particles_vpp_min(const bw_particles *pp);

/** Named presets: "quartic" (V = x^4/4), "doublewell" (V = x^4/4 - x^2/2), "gauss1d"
 * (V = x^2/2), all with tau = 1, N = 20 by default and the initial configuration of
 * bw_particles_quantiles() with mean 1 and std 0.5 (docs/math.md section 7).
 * @param name "quartic", "doublewell" or "gauss1d"
 * @param n the number of particles, or 0 for the default 20
 * @param[out] pp receives the problem
 * @param[out] mean receives the initial mean (1), or NULL
 * @param[out] std receives the initial standard deviation (0.5), or NULL
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (unknown name); ::BW_ERR_DIM (n < 0,
 *         n = 1 or n > BW_PARTICLES_MAX_N); ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * Allocates the problem. Reentrant. */
BW_API bw_status bw_particles_preset(const char *name, int n, bw_particles **pp, double *mean,
                                     double *std);

/* ---- configurations and energies ---- */

/** The quantiles of N(mean, std^2) at the levels (i - 1/2)/N, i = 1..N: x_i = mean + std
 * Phi^-1((i - 1/2)/N) (Phi^-1 to a few units in the last place).
 * @param n N >= 2
 * @param mean finite
 * @param std 0 < std < inf
 * @param[out] x N strictly increasing positions
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM (n < 2); ::BW_ERR_NONFINITE (mean);
 *         ::BW_ERR_BAD_ARG (std); ::BW_ERR_NOT_ORDERED (std so small against mean that
 *         neighbours round to the same double); ::BW_ERR_OVERFLOW
 * @par Allocation and thread safety
 * None. Reentrant. */
BW_API bw_status bw_particles_quantiles(int n, double mean, double std, double *x);

/** Check a configuration: N finite, strictly increasing entries.
 * @param pp the problem (gives N)
 * @param x N positions
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_NONFINITE; ::BW_ERR_NOT_ORDERED */
BW_API bw_status bw_particles_check(const bw_particles *pp, const double *x);

/** The energy J_N(x) = F(x)/N.
 * @param pp the problem
 * @param x N positions (checked)
 * @param[out] J the energy
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_NONFINITE; ::BW_ERR_NOT_ORDERED; ::BW_ERR_OVERFLOW
 * @par Allocation and thread safety
 * None. Reentrant. */
BW_API bw_status bw_particles_energy(const bw_particles *pp, const double *x, double *J);
/** The gradient grad F(x) (N entries; the Wasserstein gradient of J_N is N times smaller
 * per unit mass: the flow is x' = -grad F). Statuses as bw_particles_energy().
 * @param pp the problem
 * @param x N positions (checked)
 * @param[out] g N entries (may not alias x) */
BW_API bw_status bw_particles_gradient(const bw_particles *pp, const double *x, double *g);
/** The Hessian H = grad^2 F(x): diagonal (N entries) and off-diagonal (N - 1 entries,
 * H_i,i+1 = -tau/D_i^2 < 0). Statuses as bw_particles_energy().
 * @param pp the problem
 * @param x N positions (checked)
 * @param[out] diag N entries
 * @param[out] off N - 1 entries */
BW_API bw_status bw_particles_hessian(const bw_particles *pp, const double *x, double *diag,
                                      double *off);
/** The squared slope |grad F(x)|^2 / N (the discrete E|grad dJ/drho|^2). Statuses as
 * bw_particles_energy().
 * @param pp the problem
 * @param x N positions (checked)
 * @param[out] s the squared slope */
BW_API bw_status bw_particles_slope_sq(const bw_particles *pp, const double *x, double *s);
/** The modified energy J_N^eta = J_N - eta/4 |grad F|^2/N (eta < 0 gives the forward Euler
 * modified energy). Statuses as bw_particles_energy(), and ::BW_ERR_BAD_ETA for eta not
 * finite.
 * @param pp the problem
 * @param x N positions (checked)
 * @param eta finite
 * @param[out] Jeta the modified energy */
BW_API bw_status bw_particles_modified_energy(const bw_particles *pp, const double *x,
                                              double eta, double *Jeta);
/** The smallest and the largest eigenvalue of H(x) (LAPACK dstebz, bisection to full
 * accuracy). H is irreducible (tau > 0): both are simple eigenvalues.
 * @param pp the problem
 * @param ws a workspace for >= N particles, or NULL (then a temporary one is allocated)
 * @param x N positions (checked)
 * @param[out] lmin lambda_min(H), or NULL
 * @param[out] lmax lambda_max(H), or NULL
 * @return statuses as bw_particles_energy(); ::BW_ERR_DIM_MISMATCH (ws too small);
 *         ::BW_ERR_LAPACK; ::BW_ERR_NOMEM */
BW_API bw_status bw_particles_hessian_extremes(const bw_particles *pp, bw_particles_ws *ws,
                                               const double *x, double *lmin, double *lmax);
/** Mean and variance of the particle measure: (1/N) sum x_i and (1/N) sum (x_i - mean)^2
 * (two passes).
 * @param n N >= 1
 * @param x N finite positions
 * @param[out] mean the mean, or NULL
 * @param[out] var the variance, or NULL
 * @return ::BW_OK; ::BW_ERR_NULL (x); ::BW_ERR_DIM; ::BW_ERR_NONFINITE; ::BW_ERR_OVERFLOW */
BW_API bw_status bw_particles_moments(int n, const double *x, double *mean, double *var);
/** The W2 distance |x - y| / sqrt(N) between two ordered configurations (the quantile
 * formula: exact for the particle measures). Computed with scaling (no overflow).
 * @param n N >= 1
 * @param x N finite positions
 * @param y N finite positions
 * @param[out] w2 the distance
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_NONFINITE */
BW_API bw_status bw_particles_w2(int n, const double *x, const double *y, double *w2);
/** The piecewise constant density between neighbours: rho_{i+1/2} = 1/(N D_i), i < N.
 * @param n N >= 2
 * @param x N strictly increasing finite positions
 * @param[out] rho N - 1 values
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_NONFINITE; ::BW_ERR_NOT_ORDERED;
 *         ::BW_ERR_OVERFLOW */
BW_API bw_status bw_particles_density(int n, const double *x, double *rho);

/* ---- workspaces, JKO and forward Euler steps ---- */

/** Allocate a workspace for up to nmax particles (12 nmax doubles and 3 nmax ints).
 * @param nmax 2 <= nmax <= BW_PARTICLES_MAX_N
 * @return the workspace, or NULL (nmax out of range, no memory) */
BW_API bw_particles_ws *bw_particles_ws_alloc(int nmax);
/** Free a workspace (NULL is fine). @param ws the workspace */
BW_API void bw_particles_ws_free(bw_particles_ws *ws);
/** The largest N a workspace serves (0 for NULL). @param ws the workspace @return nmax */
BW_API int bw_particles_ws_size(const bw_particles_ws *ws);

/** A JKO plan: (problem, eta) fixed once (immutable; share it between threads). */
typedef struct bw_particles_jko_plan bw_particles_jko_plan;

/** Plan JKO steps of size eta. The objective F(x) + |x - x_k|^2/(2 eta) is strictly convex
 * on the ordered configurations when eta max(0, -min V'') < 1 (the entropy part is convex):
 * otherwise ::BW_ERR_ETA_TOO_LARGE.
 * @param pp the problem (copied)
 * @param eta 0 < eta < inf
 * @param[out] plan receives the plan (free with bw_particles_jko_plan_free())
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ETA; ::BW_ERR_ETA_TOO_LARGE; ::BW_ERR_NOMEM */
BW_API bw_status bw_particles_jko_plan_create(const bw_particles *pp, double eta,
                                              bw_particles_jko_plan **plan);
/** Free a plan (NULL is fine). @param plan the plan */
BW_API void bw_particles_jko_plan_free(bw_particles_jko_plan *plan);
/** The plan's step size (NaN for NULL). @param plan the plan @return eta */
BW_API double bw_particles_jko_plan_eta(const bw_particles_jko_plan *plan);

/** Most Newton iterations of a JKO step. */
#define BW_PARTICLES_NEWTON_MAX 100

/** One JKO step: x_new = argmin F(y) + |y - x|^2/(2 eta), by damped Newton on
 * r(y) = y - x + eta grad F(y) = 0. Each iteration solves the tridiagonal, symmetric
 * positive definite (I + eta H(y)) dy = -r(y) (LAPACK dptsv, O(N)) and backtracks (step
 * halved) until the positions stay strictly increasing and the weighted residual
 * sum (r_i/w_i)^2 decreases (Armijo; Newton's direction always descends it). With
 *     s_i = |y_i| + |x_i| + eta (|V'|(|y_i|) + tau/D_{i-1} + tau/D_i)
 * (the terms whose rounded sum is r_i; |V'| the derivative with absolute coefficients) and
 *     w_i = s_i + (|I + eta H| |y|)_i
 * (r_i also moves that much when the positions are rounded to doubles: at N = 10^5 this
 * floor is ~1e-8, far above eps s_i), the iteration stops at the first iteration where
 *     min(|dy|_inf, theta/(1 - theta) |dy|_inf) <= 8 (K + 4) eps max_i s_i / min_i (1 + eta V''(y_i))
 *     or  max_i |r_i| / w_i <= 8 (K + 4) eps,
 * i.e. the Newton correction, or the error left once it is applied (estimated from the
 * contraction theta = |dy|/|dy_previous| < 1/2 after a full step, as in Hairer and Wanner's
 * implicit Runge-Kutta codes), is at the level of the correction's own rounding error
 * (1/min(1 + eta V'') bounds |(I + eta H)^-1|_inf, H being V'' plus a weighted Laplacian),
 * or the residual is at the level that rounding the positions causes; that last
 * correction is applied, and the result is x_new to rounding.
 * ::BW_ERR_NO_CONVERGENCE after BW_PARTICLES_NEWTON_MAX iterations or 60 halvings;
 * never an unconverged or unordered result.
 * @param plan the plan
 * @param ws a workspace for >= N particles, or NULL (a temporary one is allocated)
 * @param x N positions x_k (checked)
 * @param guess N positions to start Newton from (a warm start, e.g. the extrapolation
 *        2 x_k - x_{k-1}), or NULL for x itself; a guess that is not finite and strictly
 *        increasing is replaced by x
 * @param[out] xnew N positions x_{k+1} (may be x)
 * @param[out] iters the number of Newton iterations (linear solves), or NULL
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_NONFINITE; ::BW_ERR_NOT_ORDERED (input);
 *         ::BW_ERR_DIM_MISMATCH (ws too small); ::BW_ERR_NOMEM; ::BW_ERR_OVERFLOW (also
 *         a Newton matrix whose entries overflow in the solve: eta tau/D^2 beyond 1e150);
 *         ::BW_ERR_ETA_TOO_LARGE (a Newton matrix not positive definite: rounding at the
 *         edge of the plan's bound, V not convex); ::BW_ERR_PRECISION (a Newton matrix
 *         singular to working precision for a convex objective: particles closer together
 *         than rounding resolves against tau eta, e.g. one ulp apart);
 *         ::BW_ERR_NO_CONVERGENCE
 * @par Allocation and thread safety
 * None with a workspace. Reentrant: the plan is only read; one workspace per thread. */
BW_API bw_status bw_particles_jko_step(const bw_particles_jko_plan *plan, bw_particles_ws *ws,
                                       const double *x, const double *guess, double *xnew,
                                       int *iters);

/** One forward Euler step x_new = x - eta grad F(x). ::BW_ERR_NOT_ORDERED when the result
 * is not strictly increasing (the explicit step is too large: eta lambda_max(H) well above
 * 2), ::BW_ERR_OVERFLOW when it is not finite.
 * @param pp the problem
 * @param eta 0 < eta < inf
 * @param ws a workspace for >= N particles, or NULL
 * @param x N positions (checked)
 * @param[out] xnew N positions (may be x)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ETA; ::BW_ERR_NONFINITE;
 *         ::BW_ERR_NOT_ORDERED; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_OVERFLOW; ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * None with a workspace. Reentrant. */
BW_API bw_status bw_particles_forward_step(const bw_particles *pp, double eta,
                                           bw_particles_ws *ws, const double *x, double *xnew);

/* ---- flows ---- */

/** A flow solver (CVODE BDF, band linear solver) for one (problem, kind, eta, options):
 * started at a configuration, then advanced; mutable, one thread at a time. */
typedef struct bw_particles_flow bw_particles_flow;

/** The Jacobian CVODE's Newton iterations use. Both are banded (upper and lower bandwidth
 * 1 for the gradient flow, 2 for the modified flows of order 1: H^2 is pentadiagonal; 3 for
 * JKO-Flow of order 2: H^3). */
typedef enum bw_particles_jac {
  BW_PJAC_ANALYTIC, /**< J = -H + (e/2)(H^2 + T[grad F]), T the third derivative, and for order
                         2 also -e^2 ((H^3 + T[H g] + H T[g])/3 + (Q[g, g] + 2 T[g] H)/12)
                         (docs/math.md section 8; not symmetric) (default) */
  BW_PJAC_DQ        /**< CVODE's banded difference quotients (2 bw + 1 right-hand sides) */
} bw_particles_jac;

/** Create a flow solver. kind BW_FLOW_PLAIN is the gradient flow x' = -grad F (eta ignored,
 * >= 0), BW_FLOW_JKO JKO-Flow x' = -grad F + (eta/2) H grad F, BW_FLOW_FORWARD the forward
 * Euler modified flow x' = -grad F - (eta/2) H grad F, BW_FLOW_JKO2 JKO-Flow of order 2
 * x' = -g + (eta/2) H g - eta^2 (H^2 g/3 + T[g, g]/12), g = grad F (the flow the JKO iterates
 * follow to O(eta^3), docs/math.md section 8; it damps every mode at every eta, so it is
 * never ill-posed and has no ill-posedness root). Options: rtol, atol and max_steps as
 * for the Gaussian flows; method must be BW_METHOD_AUTO or BW_METHOD_BDF (the particle
 * flows are stiff: lambda_max(H) ~ 4 tau N^2 max(rho)^2; BDF is used) and linsol
 * BW_LINSOL_AUTO (the band solver); other values give ::BW_ERR_BAD_ARG.
 * JKO-Flow is meaningful only while eta lambda_max(H(x(t))) < 2 (docs/math.md section 7): the
 * solver locates the first time eta lambda_max = 2 by CVODE's root finding on the smooth
 * function 2 - eta lambda_max(H(x)) (H is irreducible, so lambda_max is a simple eigenvalue,
 * an analytic function of x; it is computed to rounding by Laguerre's iteration from above)
 * and stops there with ::BW_ERR_ILL_POSED. Two particles meeting is located the same way,
 * with the smallest gap min_i D_i as a second root function (Lipschitz, and smooth near a
 * zero where one gap vanishes; ::BW_ERR_NOT_ORDERED): a guard against integration error,
 * since the exact flows cannot reach it (docs/math.md section 7).
 * @param pp the problem (copied)
 * @param kind BW_FLOW_JKO, BW_FLOW_FORWARD, BW_FLOW_PLAIN or BW_FLOW_JKO2
 * @param eta 0 < eta < inf (JKO, FORWARD, JKO2); ignored, finite and >= 0, for PLAIN
 * @param opts options, or NULL for bw_jkoflow_opts_default()
 * @param[out] pf receives the solver (free with bw_particles_flow_free())
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG; ::BW_ERR_BAD_ETA; ::BW_ERR_NOMEM;
 *         ::BW_ERR_CVODE
 * @par Allocation and thread safety
 * Allocates the solver, CVODE's memory and the band matrix (O(N)). Reentrant. */
BW_API bw_status bw_particles_flow_create(const bw_particles *pp, bw_flow_kind kind, double eta,
                                          const bw_jkoflow_opts *opts, bw_particles_flow **pf);
/** Free a solver (NULL is fine). @param pf the solver */
BW_API void bw_particles_flow_free(bw_particles_flow *pf);
/** Choose the Jacobian (before start; BW_PJAC_ANALYTIC by default).
 * @param pf the solver
 * @param jac the Jacobian
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG; ::BW_ERR_CVODE */
BW_API bw_status bw_particles_flow_set_jacobian(bw_particles_flow *pf, bw_particles_jac jac);

/** Start at x0, time 0. t_stop > 0: CVODE never integrates past it (advance accepts
 * t <= t_stop); 0: no stop time.
 * @param pf the solver
 * @param x0 N positions (checked)
 * @param t_stop 0 or the last time, finite
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_NONFINITE; ::BW_ERR_NOT_ORDERED;
 *         ::BW_ERR_BAD_ARG; ::BW_ERR_CVODE */
BW_API bw_status bw_particles_flow_start(bw_particles_flow *pf, const double *x0, double t_stop);
/** Advance to t (>= the current time, <= t_stop) and write the positions there. On
 * ::BW_ERR_ILL_POSED or ::BW_ERR_NOT_ORDERED, bw_particles_flow_failure() gives the time of
 * the event and eta lambda_max there; after any failure the solver must be started again
 * and x is untouched. Every output is checked to be finite and strictly increasing.
 * @param pf the solver, started
 * @param t the time
 * @param[out] x N positions
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (not started, t out of range);
 *         ::BW_ERR_ILL_POSED; ::BW_ERR_NOT_ORDERED; ::BW_ERR_OVERFLOW; ::BW_ERR_LAPACK;
 *         the ::BW_ERR_CVODE_TOO_MUCH_WORK ... ::BW_ERR_CVODE statuses
 * @par Allocation and thread safety
 * None. One thread at a time per solver. */
BW_API bw_status bw_particles_flow_advance(bw_particles_flow *pf, double t, double *x);
/** Integrate from x0 at time 0 to the times[0..nt-1] (finite, non-decreasing, >= 0) and
 * write the positions to out (nt rows of N, row k at out + k N), all checked before any is
 * written (dense output at the requested times; CVODE stops at the last).
 * @param pf the solver
 * @param x0 N positions (checked)
 * @param nt >= 1
 * @param times nt times
 * @param[out] out nt N entries
 * @return as bw_particles_flow_start() and bw_particles_flow_advance()
 * @par Allocation and thread safety
 * Grows an internal buffer to nt N doubles the first time it is asked for more times. */
BW_API bw_status bw_particles_flow_solve(bw_particles_flow *pf, const double *x0, int nt,
                                         const double *times, double *out);
/** The current time (NaN when not started or after a failure). @param pf the solver
 * @return the time */
BW_API double bw_particles_flow_time(const bw_particles_flow *pf);
/** After a failed advance or solve: the status, the time of the event (the root of
 * eta lambda_max = 2, of a gap reaching 0, or CVODE's last time) and for ::BW_ERR_ILL_POSED
 * the value eta lambda_max(H) at that time (NaN otherwise). BW_OK and outputs untouched
 * when there was no failure since the last start.
 * @param pf the solver
 * @param[out] t the time, or NULL
 * @param[out] value eta lambda_max, or NULL
 * @return the failure, ::BW_OK, or ::BW_ERR_NULL */
BW_API bw_status bw_particles_flow_failure(const bw_particles_flow *pf, double *t, double *value);
/** After ::BW_ERR_ILL_POSED: the configuration at the event and the unit eigenvector of
 * lambda_max(H) there, the eigenmode JKO-Flow stops damping (LAPACK dstebz + dstein; sign:
 * its largest-magnitude entry positive).
 * @param pf the solver
 * @param[out] x N positions at the event, or NULL
 * @param[out] v N entries, or NULL
 * @return ::BW_OK; ::BW_ERR_NULL (pf); ::BW_ERR_BAD_ARG (the last failure was not
 *         ::BW_ERR_ILL_POSED); ::BW_ERR_LAPACK; ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * Allocates O(N) scratch; only reads pf. */
BW_API bw_status bw_particles_flow_failure_mode(const bw_particles_flow *pf, double *x, double *v);
/** CVODE's counters since the last start (root_evals: root-function evaluations).
 * @param pf the solver (NULL: zeros)
 * @param[out] stats the counters */
BW_API void bw_particles_flow_stats(const bw_particles_flow *pf, bw_jkoflow_stats *stats);
/** CVODE's message after a CVODE failure ("" otherwise). @param pf the solver
 * @return a string owned by pf */
BW_API const char *bw_particles_flow_cvode_message(const bw_particles_flow *pf);

/** The flow's right-hand side f(x) (the same function CVODE integrates).
 * @param pf the solver
 * @param x N positions (checked)
 * @param[out] f N entries
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_NONFINITE; ::BW_ERR_NOT_ORDERED; ::BW_ERR_OVERFLOW
 * @par Allocation and thread safety
 * None. Uses pf's scratch. */
BW_API bw_status bw_particles_flow_rhs(bw_particles_flow *pf, const double *x, double *f);
/** The analytic Jacobian df/dx at x as a dense N x N matrix (column-major, leading
 * dimension ld >= N), from the same routine that fills CVODE's band matrix.
 * @param pf the solver
 * @param x N positions (checked)
 * @param[out] J N x N
 * @param ld leading dimension, >= N
 * @return as bw_particles_flow_rhs(); ::BW_ERR_DIM (ld < N)
 * @par Allocation and thread safety
 * None. Uses pf's scratch. */
BW_API bw_status bw_particles_flow_jacobian(bw_particles_flow *pf, const double *x, double *J,
                                            int ld);

/* ---- the system (bwflow/system.h) ---- */

/** The particle system: problem pp and initial positions x0 (both copied). Its
 * trajectories: BW_TRAJ_JKO (damped Newton, warm-started by extrapolation), BW_TRAJ_FORWARD,
 * BW_TRAJ_WGF, BW_TRAJ_JKOFLOW, BW_TRAJ_FORWARDFLOW, BW_TRAJ_JKOFLOW2 (CVODE BDF, band
 * solver). Fields:
 * "mean", "variance", "J", "Jeta", "slope_sq".
 * @param pp the problem
 * @param x0 N positions (checked)
 * @param[out] sys receives the system (free with bw_system_free())
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_NONFINITE; ::BW_ERR_NOT_ORDERED; ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * Allocates the system (O(N)). Reentrant. */
BW_API bw_status bw_system_particles_create(const bw_particles *pp, const double *x0,
                                            bw_system **sys);
/** The particle system's problem and initial positions (NULL for other systems).
 * @param sys the system
 * @param[out] x0 receives the N initial positions (owned by sys), or NULL
 * @return the problem owned by sys, or NULL */
BW_API const bw_particles *bw_system_particles(const bw_system *sys, const double **x0);

#ifdef __cplusplus
}
#endif
#endif
