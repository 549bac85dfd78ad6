/* bwflow: convergence-order studies of the JKO scheme (docs/order-study.md).
 * SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/order.h
 * @brief Convergence-order studies over any system (bwflow/system.h): the global errors of
 * the JKO and forward Euler iterates against the exact flow and against their modified
 * flows, per step size with a status, the fitted slopes, asymptotic orders and leading
 * constants, and default step sizes chosen from the system itself (docs/order-study.md). */
#ifndef BWFLOW_ORDER_H
#define BWFLOW_ORDER_H
#include "common.h"
#include "jkoflow.h"
#include "system.h"
#ifdef __cplusplus
extern "C" {
#endif

/** The errors of a study. Each is max_{k=1..n} W2(iterate_k, reference(k eta)), n = T/eta:
 *   BW_ORDER_WGF           JKO iterates vs the Wasserstein gradient flow        O(eta)
 *   BW_ORDER_JKOFLOW       JKO iterates vs JKO-Flow (order 1)                   O(eta^2)
 *   BW_ORDER_FORWARD_WGF   forward Euler iterates vs the gradient flow           O(eta)
 *   BW_ORDER_FORWARD_FLOW  forward Euler iterates vs their modified flow         O(eta^2)
 *   BW_ORDER_JKOFLOW2      JKO iterates vs JKO-Flow of order 2                   O(eta^3)
 *   BW_ORDER_FB_WGF        forward-backward iterates vs the gradient flow        O(eta)
 * An error whose trajectories the system does not provide (bw_system_provides()) is not
 * available: status ::BW_ERR_NOT_PROVIDED, "n/a", neither a result nor a failure. */
typedef enum bw_order_err {
  BW_ORDER_WGF,          /**< JKO vs the gradient flow */
  BW_ORDER_JKOFLOW,      /**< JKO vs JKO-Flow */
  BW_ORDER_FORWARD_WGF,  /**< forward Euler vs the gradient flow */
  BW_ORDER_FORWARD_FLOW, /**< forward Euler vs its modified flow */
  BW_ORDER_JKOFLOW2,     /**< JKO vs JKO-Flow of order 2 */
  BW_ORDER_FB_WGF,       /**< forward-backward vs the gradient flow */
  BW_ORDER_NERR          /**< number of errors (not an error) */
} bw_order_err;

/** Bit mask of the four errors of the first-order study (the default of `bwflow order`). */
#define BW_ORDER_MASK_FIRST 0xFu
/** Bit mask of all errors. */
#define BW_ORDER_MASK_ALL ((1u << BW_ORDER_NERR) - 1u)
/** A flag for the mask of bw_order_point_compute(), not an error: also estimate each error's
 * resolution (see ::bw_order_point) by integrating the references once more at 10 x the
 * tolerances (about doubles the cost of the integrated references). */
#define BW_ORDER_RESOLUTION (1u << 16)

/** The error's name as in the JSON keys: "wgf", "jkoflow", "forward_wgf",
 * "forward_flow", "jkoflow2", "fb_wgf" (NULL out of range).
 * @param e the error
 * @return a static string, or NULL */
BW_API const char *bw_order_err_name(bw_order_err e);
/** The order the theory predicts: 1, 2, 1, 2, 3, 1 (0 out of range).
 * @param e the error
 * @return the nominal order */
BW_API int bw_order_err_nominal(bw_order_err e);
/** The two trajectories an error compares (iterates, reference).
 * @param e the error
 * @param[out] iterates the discrete kind, or NULL
 * @param[out] reference the flow, or NULL
 * @return ::BW_OK or ::BW_ERR_BAD_ARG (e out of range) */
BW_API bw_status bw_order_err_pair(bw_order_err e, bw_traj_kind *iterates,
                                   bw_traj_kind *reference);

/** The errors of one step size eta over [0, T]. An error whose iterates or reference failed
 * (a JKO-Flow collapse, an ill-posed modified flow, forward Euler iterates that diverge, a
 * step size beyond the JKO step's existence, an integrator failure) is NaN, with the
 * failure's status, time and value; the other errors are still computed. An error the
 * system does not provide is NaN with status ::BW_ERR_NOT_PROVIDED (and NaN time). */
typedef struct bw_order_point {
  double eta;                         /**< the step size */
  long steps;                         /**< n = T/eta */
  unsigned mask;                      /**< the errors that were asked for */
  double err[BW_ORDER_NERR];          /**< the errors (units of x); NaN unless status is BW_OK
                                           and the error was asked for */
  bw_status status[BW_ORDER_NERR];    /**< BW_OK, or why err is missing (::BW_ERR_NOT_PROVIDED:
                                           not available for this system, not a failure) */
  double fail_time[BW_ORDER_NERR];    /**< when the failing trajectory failed (NaN: unknown
                                           or no failure) */
  double fail_value[BW_ORDER_NERR];   /**< a value describing it (eta lambda_max for
                                           ::BW_ERR_ILL_POSED), NaN otherwise */
  double resolution[BW_ORDER_NERR];   /**< an estimate of the error made in computing err,
                                           the reference's integration error: max_k
                                           W2(reference, reference at 10 x the tolerances)/9
                                           (CVODE's global error grows about in proportion
                                           to its tolerances; 0 for a closed form). An err
                                           below BW_ORDER_RESOLVED x resolution is not
                                           resolved, and the fits leave it out. NaN when not
                                           estimated (no ::BW_ORDER_RESOLUTION in the mask,
                                           or the copy failed): then it counts as resolved. */
} bw_order_point;

/** An error is resolved, and enters the fits, when err >= BW_ORDER_RESOLVED x its
 * resolution: it is then known to about 5%. */
#define BW_ORDER_RESOLVED 20.0

/** The first failure of a point in the order of bw_order_err (BW_OK when every requested
 * error is there or not available: ::BW_ERR_NOT_PROVIDED is not a failure), with its index.
 * @param pt the point
 * @param[out] which the error that failed first, or NULL
 * @return its status, or ::BW_OK (also for NULL pt) */
BW_API bw_status bw_order_point_status(const bw_order_point *pt, bw_order_err *which);

/** The word for a per-eta status in tables, CSV and JSON: "ok", "collapse" (a modified flow
 * collapses), "ill-posed" (a modified flow turns ill-posed), "order-lost" (two particles
 * meet), "diverged" (iterates or a flow lose positive definiteness or overflow),
 * "eta-too-large" (no JKO step of this size), "newton-failure", "lapack-failure",
 * "cvode-failure", "n/a" (::BW_ERR_NOT_PROVIDED: the system does not provide the error's
 * trajectories), and "failure" for anything else.
 * @param st a status
 * @return a static string, never NULL */
BW_API const char *bw_order_status_word(bw_status st);

/** Compute the errors of one eta from the system's initial state over [0, T]. T must be a
 * multiple of eta (|n eta - T| <= 1e-9 T, else BW_ERR_BAD_ARG). mask selects the errors
 * (bits 1 << bw_order_err; 0 means BW_ORDER_MASK_FIRST), plus ::BW_ORDER_RESOLUTION to
 * estimate their resolutions: only the trajectories they need are run. Numerical failures of a trajectory are recorded in pt (see ::bw_order_point) and are
 * not errors of this function.
 * @param sys the system
 * @param T the horizon, finite, > 0, a multiple of eta, T/eta < 1e9
 * @param eta the step size, 0 < eta < inf
 * @param mask the errors to compute, or 0 for the first-order study
 * @param opts CVODE options of the integrated flows, or NULL (defaults)
 * @param progress called after each step k = 1..n as progress(ctx, k, n) (for a progress
 *        display), or NULL
 * @param ctx passed to progress
 * @param[out] pt the errors
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ETA; ::BW_ERR_BAD_ARG (T, mask or opts);
 *         ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * Allocates its trajectories per call (one call is one study point; stepping allocates
 * nothing). Reentrant: sys is only read, so several etas may run in parallel threads. */
BW_API bw_status bw_order_point_compute(const bw_system *sys, double T, double eta,
                                        unsigned mask, const bw_jkoflow_opts *opts,
                                        void (*progress)(void *ctx, long k, long n), void *ctx,
                                        bw_order_point *pt);

/** What a study's points say about each error. */
typedef struct bw_order_fit {
  int usable[BW_ORDER_NERR];     /**< number of step sizes with a usable error: finite, > 0 and
                                      resolved (see ::bw_order_point) */
  double slope[BW_ORDER_NERR];   /**< least-squares slope of log err against log eta over the
                                      usable points (NaN when fewer than two) */
  double order[BW_ORDER_NERR];   /**< estimate of the asymptotic order: the local slope
                                      between the two smallest usable step sizes (NaN when
                                      fewer than two) */
  double constant[BW_ORDER_NERR]; /**< estimate of the leading constant lim err/eta^p, p the
                                      nominal order, by Richardson extrapolation to eta = 0 of
                                      err/eta^p, linear in eta, from the two smallest usable
                                      step sizes (NaN when fewer than two) */
} bw_order_fit;

/** Fit a study's points (any order of the etas; duplicates are allowed).
 * @param n number of points, >= 0
 * @param pts the points
 * @param[out] fit the slopes, orders and constants
 * @return ::BW_OK; ::BW_ERR_NULL
 * @par Allocation and thread safety
 * No allocation; reentrant. */
BW_API bw_status bw_order_fit_compute(int n, const bw_order_point *pts, bw_order_fit *fit);

/** Least-squares slope of log(y) against log(x) over the n points with finite positive x
 * and y (at least 2, else BW_ERR_BAD_ARG).
 * Points with a non-finite or non-positive coordinate are skipped (e.g. a NaN error);
 * at least two of the remaining x must differ.
 * @param n number of points, >= 0
 * @param x n abscissae (e.g. step sizes)
 * @param y n ordinates (e.g. errors)
 * @param[out] slope the fitted slope (dimensionless)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (fewer than two usable points, or all
 *         usable x equal); ::BW_ERR_OVERFLOW
 * @par Allocation and thread safety
 * No allocation; reentrant. */
BW_API bw_status bw_loglog_slope(int n, const double *x, const double *y, double *slope);

/** Which bound limited the default step sizes (bw_order_defaults_compute()). */
typedef enum bw_eta_bound {
  BW_BOUND_HORIZON,   /**< at least 10 steps over the horizon */
  BW_BOUND_RATE,      /**< eta times the fastest relaxation rate at most 1/2 (asymptotic range) */
  BW_BOUND_PLAN,      /**< the JKO step exists: I + eta P and I + eta A positive definite with margin */
  BW_BOUND_MEAN,      /**< the mean's modified flow damps: a eta well below 2 */
  BW_BOUND_COLLAPSE,  /**< every variance along the way well above tau eta/(2 - p eta) */
  BW_BOUND_ILL_POSED, /**< particles: eta lambda_max(H) well below 2 along the way */
  BW_BOUND_STABILITY, /**< forward Euler is stable: particles, eta lambda_max(H) well below 2 along the way */
  BW_BOUND_COUNT      /**< number of bounds (not a bound) */
} bw_eta_bound;

/** A short name of the bound: "horizon", "rate", "plan", "mean", "collapse", "ill-posed",
 * "stability" (NULL out of range).
 * @param b the bound
 * @return a static string, or NULL */
BW_API const char *bw_eta_bound_name(bw_eta_bound b);

/** Most step sizes a default ladder has. */
#define BW_ORDER_MAX_ETAS 16

/** An error is only asked of step sizes at which it is predicted to stay above
 * BW_ORDER_MARGIN x BW_ORDER_RESOLVED x the floor of its reference (a factor 2 for the
 * uncertainty of the prediction). */
#define BW_ORDER_MARGIN 2.0

/** Most steps a default ladder asks of one step size (for systems with per-comparison
 * scales: about a minute for 1000 particles). */
#define BW_ORDER_MAX_STEPS 1000000L

/** Why a default ladder is empty (bw_order_ladder::skipped). */
typedef enum bw_order_skip {
  BW_ORDER_SKIP_NONE,       /**< not skipped */
  BW_ORDER_SKIP_RESOLUTION, /**< the error cannot be resolved at three step sizes: even at the
                                 third step of its ladder C_p eta^p is below BW_ORDER_MARGIN x
                                 BW_ORDER_RESOLVED x the floor */
  BW_ORDER_SKIP_STEPS,      /**< three step sizes below its bound would need more than
                                 BW_ORDER_MAX_STEPS steps each */
  BW_ORDER_SKIP_NOT_PROVIDED /**< the system does not provide the error's trajectories
                                 (bw_system_provides()): not available, "n/a" */
} bw_order_skip;

/** One comparison's ladder in the defaults (bw_order_defaults::ladder, docs/order-study.md). */
typedef struct bw_order_ladder {
  double top;           /**< the largest step size this error's two trajectories allow safely
                             (its ladder starts at the largest 1-2-5 value <= top) */
  bw_eta_bound bound;   /**< the bound that set top */
  double constant;      /**< the leading constant C_p of err ~ C_p eta^p (p the nominal order)
                             known before the study: predicted by the system, or measured at
                             the top step size; NaN when unknown */
  double floor;         /**< the achievable resolution: the integration error (W2) of the
                             error's reference flow at the tolerances rtol, atol; 0 for a closed
                             form; NaN when the system does not know it */
  int n;                /**< number of step sizes that compute this error (bits of masks) */
  bw_order_skip skipped; /**< why no step size computes this error (n = 0), or
                             ::BW_ORDER_SKIP_NONE */
  double size_max;      /**< the largest system size (particles: N) at which the error would be
                             resolved at three step sizes, assuming the same constant and floor
                             (top shrinks with the size, e.g. like 1/N^2 for particles); NaN when
                             the system has no such scaling */
} bw_order_ladder;

/** Default horizon and step sizes of a study, chosen from the system. */
typedef struct bw_order_defaults {
  double t;            /**< the horizon */
  double rate_slow;    /**< the slowest relaxation rate (1/time; <= 0 when none) */
  double rate_fast;    /**< the fastest relaxation rate (1/time) */
  int t_capped;        /**< 1 when the horizon is the cap BW_ORDER_T_CAP (also when nothing
                            relaxes) */
  double eta_safe;     /**< the largest step size safely inside every bound (a ladder shared by
                            all errors starts at the largest 1-2-5 value <= eta_safe) */
  bw_eta_bound bound;  /**< the bound that set eta_safe */
  double eta_max;      /**< the system's hard limit: the step size beyond which a trajectory
                            of the study is known to fail or be meaningless (for particles
                            2/lambda_max(H(x0)); for Gaussians the smallest of the collapse
                            threshold, 2/a_max and the JKO step's existence); INFINITY when
                            there is none */
  int n;               /**< number of step sizes */
  double etas[BW_ORDER_MAX_ETAS]; /**< decreasing: the union of the errors' ladders (see
                                       masks and ladder) */
  /* appended */
  unsigned masks[BW_ORDER_MAX_ETAS]; /**< the errors each step size computes (bits 1 <<
                                          bw_order_err; the mask of bw_order_point_compute()) */
  bw_order_ladder ladder[BW_ORDER_NERR]; /**< each error's ladder */
  double rtol;         /**< the CVODE relative tolerance of the reference flows that the ladders
                            assume: the library's default (bw_jkoflow_opts_default()),
                            tightened where a ladder needs a finer resolution, down to what the
                            integrator reaches (particles: 1e-14) */
  double atol;         /**< the absolute tolerance that goes with it (the default's ratio) */
} bw_order_defaults;

/** Largest default horizon (time units). */
#define BW_ORDER_T_CAP 5.0
/** Number of step sizes of the default ladder. */
#define BW_ORDER_DEFAULT_NETAS 7

/** Choose a study's horizon and step sizes from the system (docs/order-study.md): the
 * horizon from the slowest relaxation rate (1.5/rate_slow rounded to a 1-2-5 value, at most
 * BW_ORDER_T_CAP), unless t > 0 is given; then a ladder of step sizes per error, all dividing
 * the horizon, and their union in etas with a mask per step size.
 *
 * A system that knows its per-comparison scales (particles) gives each error its own
 * ladder: the 1-2-5 series from the largest step its two trajectories allow (the modified
 * flow's ill-posedness bound, forward Euler's stability bound, none for JKO vs the gradient
 * flow; with at least 10 steps and eta times the fastest rate at most 1/2), down to two
 * decades below that rate bound, at least four values and at most BW_ORDER_DEFAULT_NETAS,
 * and only as long as the error's predicted size C_p eta^p stays above BW_ORDER_MARGIN x
 * BW_ORDER_RESOLVED x the floor of its reference and a step size needs at most
 * BW_ORDER_MAX_STEPS steps. The references' tolerances (rtol, atol) are tightened for the
 * smallest error the ladders ask for; an error left with fewer than three step sizes is
 * skipped (ladder[e].skipped says why). Otherwise (Gaussians) every
 * error shares one ladder: BW_ORDER_DEFAULT_NETAS values of the 1-2-5 series down from the
 * largest step safely inside every bound (two decades: e.g. 0.1 ... 0.001). With a given t
 * that the 1-2-5 values do not divide, a ladder is t/(N0 {1, 2, 5, 10, ...}).
 * @param sys the system
 * @param t the horizon, or 0 to choose it
 * @param[out] def the defaults
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (t negative or not finite, or no
 *         admissible step size: more than 1e7 steps would be needed for the shared ladder,
 *         or every error is skipped); the system's statuses
 * @par Allocation and thread safety
 * May allocate scratch, and run one short study point to measure a constant the system does
 * not predict; reentrant, sys is only read. */
BW_API bw_status bw_order_defaults_compute(const bw_system *sys, double t, bw_order_defaults *def);

#ifdef __cplusplus
}
#endif
#endif
