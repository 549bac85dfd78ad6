/* bwflow: JKO-Flow, the Wasserstein gradient flow of the modified energy
 * J^eta = J - eta/4 |grad J|^2 (docs/math.md section 5), integrated by SUNDIALS CVODE.
 * SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/jkoflow.h
 * @brief JKO-Flow (the gradient flow of J - eta/4 |grad J|^2), the forward Euler modified
 * flow and the plain flow, integrated by SUNDIALS CVODE (BDF or Adams), with collapse detection.
 *
 * A ::bw_jkoflow solver is created once per (problem, kind, eta, options) and solved many
 * times. Times and eta are in the time unit of the gradient flow. Solvers are mutable: one
 * thread at a time per solver. Creating a solver allocates (CVODE's memory, O(d^2) state and
 * scratch; the dense linear solver O(d^4)); solves allocate nothing, except that
 * bw_jkoflow_solve() grows an internal buffer to nt states the first time it is asked for
 * more output times than before. */
#ifndef BWFLOW_JKOFLOW_H
#define BWFLOW_JKOFLOW_H
#include "common.h"
#include "gaussian.h"
#include "problem.h"
#ifdef __cplusplus
extern "C" {
#endif

/** Which flow to integrate. With e = eta (JKO), -eta (FORWARD) or 0 (PLAIN):
 *   m' = -(I - e/2 A)(A m - h)
 *   S' = 2 tau I - P S - S P + e/2 (P^2 S + S P^2) - e tau^2 S^-1
 * BW_FLOW_JKO is the modified flow of the JKO scheme (gradient flow of J^eta),
 * BW_FLOW_FORWARD that of the explicit (forward Euler) step (J^-eta), BW_FLOW_PLAIN the
 * Wasserstein gradient flow of J itself (the closed form bw_wgf is the better tool for it;
 * it is here as a check of the integrator). BW_FLOW_JKO2, JKO-Flow of order 2 (docs/math.md
 * section 8), is the flow the JKO iterates follow to O(eta^3); with e = eta and
 * L = P - e P^2/2 + e^2 P^3/3:
 *   m' = -(I - e/2 A + e^2/3 A^2)(A m - h)
 *   S' = 2 tau I - e^2 tau P^2/3 - (L S + S L) - e tau^2 S^-1 + e^2 tau^3 S^-2
 * It cannot collapse (the last term keeps S positive definite), so it has no collapse
 * detection; it is not a gradient flow in general (docs/order2.md). */
typedef enum bw_flow_kind {
  BW_FLOW_JKO,     /**< JKO-Flow: gradient flow of J - eta/4 |grad J|^2 */
  BW_FLOW_FORWARD, /**< the forward Euler modified flow: gradient flow of J + eta/4 |grad J|^2 */
  BW_FLOW_PLAIN,   /**< the Wasserstein gradient flow of J (eta ignored) */
  BW_FLOW_JKO2     /**< JKO-Flow of order 2: the flow the JKO iterates follow to O(eta^3) */
} bw_flow_kind;

/** Linear solver of CVODE's Newton iterations. DENSE: analytic Jacobian and SUNDIALS' dense
 * LU, O(d^6) per factorisation. KRYLOV: GMRES with an analytic Jacobian-vector product
 * (O(d^3)) and a diagonal preconditioner exact for the linear part. AUTO picks DENSE when
 * the state has at most BW_JKOFLOW_DENSE_MAX unknowns (d <= 7), KRYLOV above: measured on
 * random problems (d = 2..40, to T = 2 at rtol 1e-10, also near a collapse) the two take the
 * same steps, GMRES needs ~1.1 iterations per Newton iteration, and the dense LU dominates
 * from d = 8 on (d = 8: 1.4x slower, d = 16: 6x, d = 28: 40x). */
typedef enum bw_linsol {
  BW_LINSOL_AUTO,   /**< DENSE up to BW_JKOFLOW_DENSE_MAX unknowns, KRYLOV above */
  BW_LINSOL_DENSE,  /**< analytic Jacobian, SUNDIALS dense LU */
  BW_LINSOL_KRYLOV  /**< GMRES, analytic Jacobian-vector products, diagonal preconditioner */
} bw_linsol;

/** Largest state size d + d(d+1)/2 for which BW_LINSOL_AUTO uses the dense solver. */
#define BW_JKOFLOW_DENSE_MAX 35

/** CVODE's integration method. BDF: variable-order BDF with Newton iterations (the linear
 * solver of ::bw_linsol), robust on stiff flows. ADAMS: variable-order Adams-Moulton with
 * fixed-point (functional) iterations, no linear algebra: on non-stiff flows about as many
 * right-hand sides as BDF's steps and none of the Newton work (measured at rtol 1e-8 on
 * bw_problem_random, T = 2: 79 steps / 163 RHS vs BDF's 139 / 166 at d = 2, 106 / 171 vs
 * 190 / 219 + 193 J v at d = 200; 1.5-2x faster at d = 2, 2.3x at d = 10, 3.6x at d = 200), but its
 * step is bounded by ~1/rho (rho the Jacobian's spectral radius), so it fails or crawls on
 * stiff flows (near a collapse, an A with large eigenvalues, long horizons).
 * AUTO (default) uses ADAMS when the horizon T (the last output time, or t_stop for
 * bw_jkoflow_start; no stop time: BDF) satisfies rho0 T <= BW_JKOFLOW_ADAMS_RHO_T, with
 * rho0 = max_k |L_kk| + |e| tau^2 / lambda_min(R'S0R)^2 >= the spectral radius of the
 * Jacobian at the start (L the linear part, e tau^2 W.W the inverse's derivative, W = X^-1),
 * and BDF otherwise; and if Adams fails (too much work: more than
 * BW_JKOFLOW_ADAMS_MAX_STEPS steps per output time, convergence or error-test failures) it
 * continues with BDF from Adams' last accepted state (not from time 0). ADAMS starts with
 * Adams whatever the estimate (with the same fallback), BDF uses BDF throughout.
 * max_steps applies to each method (Adams: at most BW_JKOFLOW_ADAMS_MAX_STEPS), and the
 * counters of a solve that fell back add both methods' work. */
typedef enum bw_ode_method {
  BW_METHOD_AUTO,  /**< Adams when the start is not stiff, BDF otherwise and as fallback */
  BW_METHOD_BDF,   /**< BDF + Newton (linear solver per ::bw_linsol) */
  BW_METHOD_ADAMS  /**< Adams-Moulton + fixed-point iterations first, BDF as fallback */
} bw_ode_method;

/** BW_METHOD_AUTO's stiffness bound on rho0 T (see ::bw_ode_method). Where stability
 * limits Adams' step it needs ~17 rho T steps at rtol 1e-12 (measured: rho0 T ~ 1600, 27778
 * Adams steps vs 1658 BDF steps), so at rho0 T = 50 at most ~850, no more than BDF's
 * typical counts at rtol 1e-12; on the problems measured (rho0 T 7..45: random problems,
 * collapses, A's eigenvalues up to 400 on short horizons) Adams took fewer steps than BDF. */
#define BW_JKOFLOW_ADAMS_RHO_T 50.0
/** BW_METHOD_AUTO's step budget of Adams per output time before it falls back to BDF. */
#define BW_JKOFLOW_ADAMS_MAX_STEPS 2000

/** Integration options. */
typedef struct bw_jkoflow_opts {
  double rtol;     /**< relative tolerance, > 0 (default 1e-12: the global error, a few
                        hundred times rtol, then stays far below the O(eta^2) effects studied
                        down to eta ~ 1e-5; see docs/order-study.md) */
  double atol;     /**< absolute tolerance on the entries of Q'm and R'SR, > 0 (default 1e-14;
                        scale it with the problem when means or covariances are far from 1) */
  bw_linsol linsol; /**< default BW_LINSOL_AUTO (used by BDF) */
  bw_ode_method method; /**< default BW_METHOD_AUTO (placed here, in what was padding, so
                             that the struct's size and offsets are unchanged on LP64) */
  long max_steps;  /**< CVODE's maximum number of steps per output time, >= 1 (default 100000) */
} bw_jkoflow_opts;

/** Fill opts with the defaults above (rtol 1e-12, atol 1e-14, BW_LINSOL_AUTO,
 * BW_METHOD_AUTO, max_steps 100000).
 * @param[out] opts the options to fill (NULL: nothing happens)
 * @par Allocation and thread safety
 * No allocation; writes only opts. */
BW_API void bw_jkoflow_opts_default(bw_jkoflow_opts *opts);

/** CVODE's counters for one solve (they restart at every bw_jkoflow_solve). */
typedef struct bw_jkoflow_stats {
  long steps;             /**< internal steps */
  long rhs_evals;         /**< right-hand side evaluations */
  long jac_evals;         /**< dense Jacobian evaluations (DENSE) or preconditioner setups
                               that recomputed the Jacobian diagonal (KRYLOV) */
  long lin_iters;         /**< GMRES iterations (KRYLOV; 0 for DENSE) */
  long jtv_evals;         /**< Jacobian-vector products (KRYLOV) */
  long prec_solves;       /**< preconditioner solves (KRYLOV) */
  long err_test_fails;    /**< local error test failures */
  long nonlin_conv_fails; /**< nonlinear (Newton) convergence failures */
  long root_evals;        /**< collapse root-function evaluations (BW_FLOW_JKO with tau > 0) */
} bw_jkoflow_stats;

/** A JKO-Flow solver: created once for (problem, kind, eta, options), then solved many times
 * from different initial Gaussians without reallocating (CVODE is re-initialised).
 * The solver copies what it needs from the problem (which may be freed afterwards). It holds
 * CVODE's memory and mutable scratch: one solver must not be used by two threads at once;
 * give each thread its own solver. */
typedef struct bw_jkoflow bw_jkoflow;

/** Create a solver. BW_ERR_NULL when pb or jf is NULL; BW_ERR_BAD_ARG for an unknown kind,
 * linsol or method, or invalid options (rtol, atol not positive finite, max_steps < 1);
 * BW_ERR_BAD_ETA when kind is JKO or FORWARD and eta is not a positive finite number. For
 * BW_FLOW_PLAIN eta must be finite and >= 0 and is ignored. opts NULL means defaults.
 * BW_ERR_CVODE if CVODE cannot be set up.
 * @param pb the problem (copied: it may be freed afterwards)
 * @param kind which flow (::bw_flow_kind)
 * @param eta the step size whose modified flow is integrated: 0 < eta < inf for
 *        BW_FLOW_JKO and BW_FLOW_FORWARD, 0 <= eta < inf (ignored) for BW_FLOW_PLAIN
 * @param opts integration options, or NULL for the defaults (bw_jkoflow_opts_default())
 * @param[out] jf receives the new solver (free with bw_jkoflow_free())
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG; ::BW_ERR_BAD_ETA; ::BW_ERR_DIM (state
 *         too large: more than 2^30 unknowns); ::BW_ERR_NOMEM; ::BW_ERR_OVERFLOW (problem
 *         data times eta not finite); ::BW_ERR_CVODE
 * @par Allocation and thread safety
 * Allocates the solver and CVODE's memory. Reentrant; pb is only read. */
BW_API bw_status bw_jkoflow_create(const bw_problem *pb, bw_flow_kind kind, double eta,
                                   const bw_jkoflow_opts *opts, bw_jkoflow **jf);
/** Free a solver (NULL is fine).
 * @param jf the solver, or NULL
 * @par Thread safety
 * No other thread may be using jf. */
BW_API void bw_jkoflow_free(bw_jkoflow *jf);

/** The solver's dimension d.
 * @param jf the solver, or NULL
 * @return d, or 0 for NULL
 * @par Allocation and thread safety
 * No allocation; only reads jf. */
BW_API int bw_jkoflow_dim(const bw_jkoflow *jf);
/** The linear solver in use (BW_LINSOL_DENSE or BW_LINSOL_KRYLOV, AUTO resolved).
 * @param jf the solver, or NULL
 * @return the linear solver, or BW_LINSOL_AUTO for NULL
 * @par Allocation and thread safety
 * No allocation; only reads jf. */
BW_API bw_linsol bw_jkoflow_linsol(const bw_jkoflow *jf);

/** The method of the last solve (or start/advance sequence): BW_METHOD_ADAMS when Adams
 * integrated it throughout, BW_METHOD_BDF when BDF did (from the start, or after a fallback
 * from Adams); BW_METHOD_AUTO before the first solve or for NULL.
 * @param jf the solver, or NULL
 * @param[out] adams_steps receives the number of steps Adams took (NULL: not written)
 * @return the method
 * @par Allocation and thread safety
 * No allocation; only reads jf. */
BW_API bw_ode_method bw_jkoflow_last_method(const bw_jkoflow *jf, long *adams_steps);
/** The method and linear solver of the last solve, as a name for reports: "adams",
 * "bdf-dense", "bdf-krylov", "adams, then bdf-dense" or "adams, then bdf-krylov" (a fallback
 * from Adams); before the first solve, the name of its BDF configuration; "" for NULL.
 * @param jf the solver, or NULL
 * @return a static string
 * @par Allocation and thread safety
 * No allocation; only reads jf. */
BW_API const char *bw_jkoflow_solver_name(const bw_jkoflow *jf);

/** Integrate from g0 at time 0 and write the solution at times[0..nt-1] to out[0..nt-1].
 * nt >= 1; times finite, times[0] >= 0, non-decreasing (else BW_ERR_BAD_ARG). g0 is
 * validated like every input Gaussian (finite, symmetric, positive definite); every out[k]
 * must have the solver's dimension; out[k] may be g0 (all outputs are written at the end).
 * A time 0 returns g0 (through the eigenbases and back: equal to rounding). The flow is
 * autonomous: the solution at t depends on t only, not on the other requested times
 * (beyond the integration error, which is controlled by rtol and atol). stats (may be
 * NULL) receives CVODE's counters.
 *
 * Errors: BW_ERR_COLLAPSE when a variance collapses before times[nt-1], i.e. falls below
 * theta (below) on the way to 0 (only BW_FLOW_JKO with tau > 0; see bw_jkoflow_collapse); BW_ERR_CVODE_* when CVODE fails (the message is
 * in bw_jkoflow_cvode_message); BW_ERR_LOST_SPD / BW_ERR_OVERFLOW when an output would not
 * be positive definite / finite (e.g. a non-convex energy diverging).
 * On any error, out[] and stats are untouched (bw_jkoflow_last_stats still has the
 * counters of the failed solve).
 *
 * Collapse detection: the smallest eigenvalue of S is tracked by CVODE's root finding
 * against the threshold theta = min(1e-3 tau eta, lambda_min(S0)/2). Below theta the
 * variance is doomed (it is far below the unstable equilibrium ~ tau eta/2) and the
 * remaining time to 0 is the integral of lambda d lambda / (eta tau^2 - 2 tau lambda
 * + 2 c lambda^2), c = v'(P - eta/2 P^2)v for the eigenvector v (exact when v is fixed,
 * as when S commutes with P); the reported collapse time is the root time plus it. The
 * collapsing branch is unstable, so errors grow along it: the collapse time's relative
 * error is a few hundred times rtol (measured ~1e-7 at rtol 1e-10, ~1e-9 at the default rtol 1e-12).
 * @param jf the solver
 * @param g0 the initial Gaussian at time 0 (dimension d, validated)
 * @param nt number of output times, >= 1
 * @param times nt finite, non-decreasing times, times[0] >= 0
 * @param[out] out nt pointers to Gaussians of dimension d (any leading dimensions >= d),
 *        written only on success
 * @param[out] stats CVODE's counters of this solve (written only on success), or NULL
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_BAD_ARG;
 *         ::BW_ERR_NONFINITE; ::BW_ERR_NOT_SYMMETRIC; ::BW_ERR_NOT_SPD; ::BW_ERR_NOMEM;
 *         ::BW_ERR_COLLAPSE; ::BW_ERR_LOST_SPD; ::BW_ERR_OVERFLOW; ::BW_ERR_CVODE_TOO_MUCH_WORK
 *         (more than max_steps steps between output times), ::BW_ERR_CVODE_TOO_MUCH_ACC,
 *         ::BW_ERR_CVODE_ERR_FAILURE, ::BW_ERR_CVODE_CONV_FAILURE, ::BW_ERR_CVODE
 * @par Allocation and thread safety
 * None, except growing an internal buffer when nt exceeds every earlier nt of this solver.
 * Modifies jf (CVODE's state, counters, collapse information): one thread at a time per
 * solver; different solvers may run concurrently. */
BW_API bw_status bw_jkoflow_solve(bw_jkoflow *jf, const bw_gaussian *g0, int nt,
                                  const double *times, bw_gaussian *const *out,
                                  bw_jkoflow_stats *stats);

/** Streaming use (a trajectory of any length with O(d^2) memory): start at g0 at time 0,
 * then advance to increasing times. t_stop > 0 tells CVODE not to integrate past t_stop
 * (advance then accepts t <= t_stop only); t_stop = 0 means no stop time (CVODE may step
 * past an output time and interpolate, to the same tolerance). Statuses as for
 * bw_jkoflow_solve; after any failure of advance (collapse, CVODE) the solver must be
 * started again (BW_ERR_BAD_ARG otherwise). bw_jkoflow_last_stats counts since start.
 * advance writes out only on success; out may be any Gaussian of the solver's dimension.
 * @param jf the solver
 * @param g0 the initial Gaussian at time 0 (dimension d, validated)
 * @param t_stop 0 (no stop time) or the last time advance will be asked for, finite
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_BAD_ARG
 *         (t_stop negative or not finite); ::BW_ERR_NONFINITE; ::BW_ERR_NOT_SYMMETRIC;
 *         ::BW_ERR_NOT_SPD; ::BW_ERR_CVODE
 * @par Allocation and thread safety
 * No allocation. Modifies jf: one thread at a time per solver. */
BW_API bw_status bw_jkoflow_start(bw_jkoflow *jf, const bw_gaussian *g0, double t_stop);
/** Advance a started solver to time t (>= the current time, <= t_stop when one was given)
 * and write the state there.
 * @param jf the solver, started by bw_jkoflow_start()
 * @param t the next time, finite, >= bw_jkoflow_time(jf)
 * @param[out] out the Gaussian at t (dimension d; any leading dimension >= d)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_BAD_ARG (not
 *         started, or t out of range); ::BW_ERR_COLLAPSE; ::BW_ERR_LOST_SPD;
 *         ::BW_ERR_OVERFLOW; the ::BW_ERR_CVODE_TOO_MUCH_WORK ... ::BW_ERR_CVODE statuses.
 *         After a failure other than argument errors the solver must be started again.
 * @par Allocation and thread safety
 * No allocation. Modifies jf: one thread at a time per solver. */
BW_API bw_status bw_jkoflow_advance(bw_jkoflow *jf, double t, bw_gaussian *out);
/** Time of the current state after start/advance (NaN when not started).
 * @param jf the solver, or NULL
 * @return the time, or NaN when jf is NULL or not started (or stopped by a failure)
 * @par Allocation and thread safety
 * No allocation; only reads jf. */
BW_API double bw_jkoflow_time(const bw_jkoflow *jf);

/** The flow's time derivative at g: dm = m' (d entries) and dS = S' (d x d, leading dimension
 * ldds), from the same right-hand side the solver integrates. BW_ERR_NOT_SPD when g's
 * covariance is not positive definite. Uses the solver's scratch (not thread-safe either).
 * @param jf the solver (fixes the problem, the kind and eta)
 * @param g the Gaussian at which the right-hand side is evaluated (dimension d, validated)
 * @param[out] dm d entries: dm/dt (units of x per unit time)
 * @param[out] dS d x d symmetric, leading dimension ldds: dS/dt
 * @param ldds leading dimension of dS, >= d
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_NONFINITE;
 *         ::BW_ERR_NOT_SYMMETRIC; ::BW_ERR_NOT_SPD; ::BW_ERR_OVERFLOW; ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * Grows the solver's internal buffer to two states the first time if needed; otherwise
 * none. Modifies jf's scratch: one thread at a time per solver. */
BW_API bw_status bw_jkoflow_rhs(bw_jkoflow *jf, const bw_gaussian *g, double *dm, double *dS,
                                int ldds);

/** After a solve that returned BW_ERR_COLLAPSE: the collapse time and the unit eigenvector
 * of the collapsing variance (d entries, sign normalised so that its largest-magnitude
 * entry is positive; direction may be NULL). BW_ERR_NULL when jf or t is NULL,
 * BW_ERR_BAD_ARG when the last solve did not collapse (outputs untouched).
 * @param jf the solver
 * @param[out] t the collapse time (time units of the flow)
 * @param[out] direction d entries, the unit eigenvector of the collapsing variance, or NULL
 * @return ::BW_OK, ::BW_ERR_NULL or ::BW_ERR_BAD_ARG
 * @par Allocation and thread safety
 * No allocation; only reads jf (not concurrently with a solve of the same solver). */
BW_API bw_status bw_jkoflow_collapse(const bw_jkoflow *jf, double *t, double *direction);

/** The counters of the last solve, also when it failed (zeros before the first solve).
 * @param jf the solver (NULL: stats is zeroed)
 * @param[out] stats receives the counters (NULL: nothing happens)
 * @par Allocation and thread safety
 * No allocation; only reads jf (not concurrently with a solve of the same solver). */
BW_API void bw_jkoflow_last_stats(const bw_jkoflow *jf, bw_jkoflow_stats *stats);

/** After a solve that returned BW_ERR_CVODE*: CVODE's return flag name and message, e.g.
 * "CV_TOO_MUCH_WORK: At t = ..., mxstep steps taken before reaching tout." ("" otherwise).
 * The string belongs to the solver and lives until the next solve or free.
 * @param jf the solver, or NULL ("")
 * @return a string owned by jf, never NULL
 * @par Allocation and thread safety
 * No allocation; only reads jf (not concurrently with a solve of the same solver). */
BW_API const char *bw_jkoflow_cvode_message(const bw_jkoflow *jf);

#ifdef __cplusplus
}
#endif
#endif
