/* bwflow: systems and trajectories, the one interface over the Gaussian system, the
 * particle system and the ridge system. SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/system.h
 * @brief Systems (an energy and an initial state) and trajectories (the JKO iterates, the
 * forward Euler and forward-backward iterates, the Wasserstein gradient flow and the
 * modified flows started from that state), with one interface whatever the system.
 *
 * A ::bw_system is the Gaussian system (bw_system_gaussian_create(): a ::bw_problem and an
 * initial ::bw_gaussian), the particle system on the quantile line
 * (bw_system_particles_create() in bwflow/particles.h) or the ridge system of Gaussian
 * variational inference (bw_system_ridge_create() in bwflow/ridge.h). Everything written once over
 * systems — the convergence-order study (bwflow/order.h), the commands of the `bwflow`
 * tool, the sweeps — goes through this header: a trajectory is created for a kind and a
 * step size, advanced in time, compared with another trajectory by W2, and summarised by a
 * few named scalar fields. Internally each system supplies a table of functions (the way
 * GSL's ODE step types do); this header is its public face.
 *
 * A system is immutable after creation and may be shared by threads. A trajectory is
 * mutable: one thread at a time. */
#ifndef BWFLOW_SYSTEM_H
#define BWFLOW_SYSTEM_H
#include "common.h"
#include "gaussian.h"
#include "jkoflow.h"
#include "problem.h"
#ifdef __cplusplus
extern "C" {
#endif

/** A system: energy and initial state (opaque, immutable). */
typedef struct bw_system bw_system;
/** A trajectory of a system (opaque, mutable). */
typedef struct bw_traj bw_traj;

/** The trajectories of a system. The discrete kinds advance by whole steps of size eta;
 * the flows are integrated (closed form where one exists, CVODE otherwise). */
typedef enum bw_traj_kind {
  BW_TRAJ_JKO,         /**< JKO iterates (implicit), step eta */
  BW_TRAJ_FORWARD,     /**< forward Euler iterates (explicit), step eta */
  BW_TRAJ_WGF,         /**< the Wasserstein gradient flow of J (eta ignored) */
  BW_TRAJ_JKOFLOW,     /**< JKO-Flow: the flow the JKO iterates follow to O(eta^2) */
  BW_TRAJ_FORWARDFLOW, /**< the forward Euler modified flow (O(eta^2)) */
  BW_TRAJ_JKOFLOW2,    /**< JKO-Flow of order 2: the flow the JKO iterates follow to O(eta^3) */
  BW_TRAJ_FB,          /**< forward-backward iterates (a forward step on the potential, then the
                            entropy's exact JKO step; Diao et al. 2023), step eta */
  BW_TRAJ_KIND_COUNT   /**< number of kinds (not a kind) */
} bw_traj_kind;

/** The kind's name as the command line spells it: "jko", "forward", "wgf", "jkoflow",
 * "forwardflow", "jkoflow2", "fb"; NULL for a value out of range.
 * @param kind any value
 * @return a static string, or NULL
 * @par Allocation and thread safety
 * No allocation; safe from any thread. */
BW_API const char *bw_traj_kind_name(bw_traj_kind kind);
/** True (1) for the discrete kinds (BW_TRAJ_JKO, BW_TRAJ_FORWARD, BW_TRAJ_FB), 0 otherwise.
 * @param kind any value
 * @return 1 or 0
 * @par Allocation and thread safety
 * No allocation; safe from any thread. */
BW_API int bw_traj_kind_is_discrete(bw_traj_kind kind);

/** Does the system provide the trajectory kind? The Gaussian system provides every kind, the
 * particle system every kind but BW_TRAJ_FB, the ridge system (bwflow/ridge.h) every kind but
 * BW_TRAJ_JKOFLOW2. bw_traj_create() refuses the others with ::BW_ERR_NOT_PROVIDED, and the
 * order study reports the errors that need them as not available.
 * @param sys the system, or NULL (0)
 * @param kind any value (0 out of range)
 * @return 1 or 0
 * @par Allocation and thread safety
 * No allocation; only reads sys. */
BW_API int bw_system_provides(const bw_system *sys, bw_traj_kind kind);

/** The Gaussian system: problem pb and initial Gaussian g0 (both copied: they may be freed
 * afterwards). g0 is validated (finite, symmetric, positive definite).
 * @param pb the problem
 * @param g0 the initial Gaussian, dimension bw_problem_dim(pb)
 * @param[out] sys receives the new system (free with bw_system_free())
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_NONFINITE;
 *         ::BW_ERR_NOT_SYMMETRIC; ::BW_ERR_NOT_SPD; ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * Allocates the system (O(d^2)). Reentrant; pb and g0 are only read. */
BW_API bw_status bw_system_gaussian_create(const bw_problem *pb, const bw_gaussian *g0,
                                           bw_system **sys);
/** Free a system (NULL is fine). Trajectories created from it stay valid (they copy what
 * they need).
 * @param sys the system, or NULL
 * @par Thread safety
 * No other thread may be using sys. */
BW_API void bw_system_free(bw_system *sys);
/** The system's name: "gaussian", "particles" or "ridge" (NULL for NULL).
 * @param sys the system, or NULL
 * @return a static string, or NULL
 * @par Allocation and thread safety
 * No allocation; only reads sys. */
BW_API const char *bw_system_name(const bw_system *sys);
/** The system's size: the dimension d of the Gaussians, or the number N of particles
 * (0 for NULL).
 * @param sys the system, or NULL
 * @return d or N
 * @par Allocation and thread safety
 * No allocation; only reads sys. */
BW_API int bw_system_dim(const bw_system *sys);
/** The Gaussian system's problem and initial Gaussian (NULL for other systems).
 * @param sys the system
 * @param[out] g0 receives the initial Gaussian (owned by sys), or NULL
 * @return the problem owned by sys, or NULL
 * @par Allocation and thread safety
 * No allocation; only reads sys. */
BW_API const bw_problem *bw_system_gaussian(const bw_system *sys, const bw_gaussian **g0);

/** Number of the named scalar fields that summarise a state (bw_traj_fields()): for
 * Gaussians and ridges the mean (m1..md), the covariance's upper triangle row by row (S11,
 * S12, ..., written Si_j when d >= 10), then J, Jeta and slope_sq; for particles mean, variance, J,
 * Jeta and slope_sq (J = J_N = F/N). Jeta = J - eta/4 slope_sq, slope_sq the squared
 * Wasserstein slope |grad J|^2.
 * @param sys the system, or NULL (0)
 * @return the number of fields
 * @par Allocation and thread safety
 * No allocation; only reads sys. */
BW_API int bw_system_nfields(const bw_system *sys);
/** The name of field i (0 <= i < bw_system_nfields(sys)) into buf (NUL-terminated,
 * truncated to n bytes).
 * @param sys the system
 * @param i the field
 * @param[out] buf n bytes
 * @param n size of buf, >= 1
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (i out of range or n < 1)
 * @par Allocation and thread safety
 * No allocation; only reads sys. */
BW_API bw_status bw_system_field_name(const bw_system *sys, int i, char *buf, size_t n);

/** Create a trajectory of sys of the given kind and step size, at time 0 in the system's
 * initial state. eta must be a positive finite number for every kind but BW_TRAJ_WGF
 * (which ignores it: pass 0). t_stop > 0 is the last time the trajectory will be advanced
 * to (a flow integrator then never steps past it); 0 means none. opts are the CVODE
 * options of the integrated flows (NULL: defaults); ignored by closed forms.
 * Errors of the kind's set-up are returned here, e.g. ::BW_ERR_ETA_TOO_LARGE when the JKO
 * step does not exist for eta (a non-convex energy).
 * @param sys the system
 * @param kind the trajectory
 * @param eta the step size (> 0; ignored by BW_TRAJ_WGF)
 * @param opts integration options, or NULL
 * @param t_stop 0, or the largest time the trajectory will reach (finite, > 0)
 * @param[out] tr receives the trajectory (free with bw_traj_free())
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (unknown kind, bad opts or t_stop);
 *         ::BW_ERR_NOT_PROVIDED (a kind the system does not provide); ::BW_ERR_BAD_ETA; ::BW_ERR_ETA_TOO_LARGE;
 *         ::BW_ERR_OVERFLOW; ::BW_ERR_NOMEM; ::BW_ERR_CVODE
 * @par Allocation and thread safety
 * Allocates the trajectory (its state, workspace, plan or CVODE solver). Reentrant; sys
 * is only read. */
BW_API bw_status bw_traj_create(const bw_system *sys, bw_traj_kind kind, double eta,
                                const bw_jkoflow_opts *opts, double t_stop, bw_traj **tr);
/** Free a trajectory (NULL is fine).
 * @param tr the trajectory, or NULL */
BW_API void bw_traj_free(bw_traj *tr);
/** The trajectory's kind (BW_TRAJ_KIND_COUNT for NULL).
 * @param tr the trajectory, or NULL
 * @return the kind */
BW_API bw_traj_kind bw_traj_kind_of(const bw_traj *tr);

/** Advance to time t >= the current time. Discrete kinds take n = round((t - now)/eta)
 * steps and require |now + n eta - t| <= 1e-9 max(t, eta) (else BW_ERR_BAD_ARG); flows
 * integrate to t (t <= t_stop when one was given). On success the state is the one at t.
 * On a numerical failure (e.g. ::BW_ERR_COLLAPSE, ::BW_ERR_ILL_POSED, ::BW_ERR_LOST_SPD
 * for forward Euler iterates that diverge, a CVODE failure) the trajectory is dead: the
 * state stays the last good one, bw_traj_failure() tells when and why, and every later
 * advance returns the same status. Argument errors leave the trajectory as it was.
 * @param tr the trajectory
 * @param t the time to reach, finite
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG; or the kind's numerical failures
 *         (::BW_ERR_COLLAPSE, ::BW_ERR_ILL_POSED, ::BW_ERR_NOT_ORDERED, ::BW_ERR_LOST_SPD,
 *         ::BW_ERR_OVERFLOW, ::BW_ERR_NO_CONVERGENCE, ::BW_ERR_LAPACK, the CVODE statuses)
 * @par Allocation and thread safety
 * None. Modifies tr: one thread at a time per trajectory. */
BW_API bw_status bw_traj_advance(bw_traj *tr, double t);
/** The current time (NaN for NULL).
 * @param tr the trajectory, or NULL
 * @return the time of the current state */
BW_API double bw_traj_time(const bw_traj *tr);
/** The number of discrete steps taken so far, also when a later one failed (0 for flows
 * and NULL).
 * @param tr the trajectory, or NULL
 * @return the step count */
BW_API long bw_traj_steps(const bw_traj *tr);

/** After a numerical failure of bw_traj_advance(): its status, the time of the event
 * (collapse time, first time with eta lambda_max = 2, time of the step that failed; NaN
 * when unknown) and a value describing it (eta lambda_max for ::BW_ERR_ILL_POSED; NaN
 * otherwise). BW_OK (outputs untouched) while the trajectory is alive.
 * @param tr the trajectory
 * @param[out] t the time of the event, or NULL
 * @param[out] value the value, or NULL
 * @return the failure status, ::BW_OK while alive, ::BW_ERR_NULL for NULL tr */
BW_API bw_status bw_traj_failure(const bw_traj *tr, double *t, double *value);

/** After a numerical failure: a vector of bw_system_dim() entries describing it where the
 * system has one — for a Gaussian JKO-Flow collapse, the unit eigenvector of the collapsing
 * variance (largest-magnitude entry positive); for a particle flow that turns ill-posed,
 * the unit eigenvector of the Hessian's largest eigenvalue (same sign convention).
 * @param tr the trajectory
 * @param[out] v bw_system_dim() entries (untouched on error)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (alive, or no vector for this failure) */
BW_API bw_status bw_traj_failure_vector(const bw_traj *tr, double *v);
/** After a numerical failure: the integrator's own message (e.g. CVODE's "CV_TOO_MUCH_WORK:
 * At t = ..."), "" when there is none.
 * @param tr the trajectory, or NULL ("")
 * @return a string owned by tr, never NULL */
BW_API const char *bw_traj_failure_message(const bw_traj *tr);

/** The W2 distance between the current states of two trajectories of the same system (of
 * any kinds and step sizes). Uses a's scratch.
 * @param a a trajectory (its scratch is used)
 * @param b a trajectory of the same system type and size
 * @param[out] w2 the distance
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM_MISMATCH (different systems); the statuses
 *         of the system's distance (e.g. ::BW_ERR_NOT_SPD)
 * @par Allocation and thread safety
 * None. Modifies a's scratch; b is only read. */
BW_API bw_status bw_traj_distance(bw_traj *a, const bw_traj *b, double *w2);

/** The W2 distances from a's current state to the states of n trajectories b[0..n-1] of the
 * same system: the same values as n calls of bw_traj_distance(a, b[k]), with the work that
 * depends on a alone done once where the system can (Gaussians: a's eigendecomposition).
 * @param a a trajectory (its scratch is used)
 * @param n number of other trajectories, 0 <= n <= 8
 * @param b n trajectories of the same system type and size
 * @param[out] w2 n distances (written only on success)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (n out of range); ::BW_ERR_DIM_MISMATCH;
 *         the statuses of the system's distance
 * @par Allocation and thread safety
 * None. Modifies a's scratch; the b are only read. */
BW_API bw_status bw_traj_distances(bw_traj *a, int n, const bw_traj *const *b, double *w2);

/** The named fields of the current state (bw_system_nfields() values), with Jeta formed
 * with the given eta (the trajectory's own step size is not assumed: a table that
 * compares trajectories uses one eta for all of them).
 * @param tr the trajectory
 * @param eta the step size of J - eta/4 |grad J|^2, finite
 * @param[out] values bw_system_nfields() entries
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ETA; the system's energy statuses
 * @par Allocation and thread safety
 * None. Modifies tr's scratch. */
BW_API bw_status bw_traj_fields(bw_traj *tr, double eta, double *values);

/** The current Gaussian of a trajectory of a Gaussian or ridge system (NULL otherwise). Owned by
 * tr and valid until its next advance.
 * @param tr the trajectory, or NULL
 * @return the state, or NULL */
BW_API const bw_gaussian *bw_traj_gaussian(const bw_traj *tr);
/** The current positions of a trajectory of a particle system (NULL otherwise), N
 * strictly increasing entries owned by tr, valid until its next advance.
 * @param tr the trajectory, or NULL
 * @param[out] n receives N, or NULL
 * @return the positions, or NULL */
BW_API const double *bw_traj_positions(const bw_traj *tr, int *n);

/** What integrated a flow so far: "closed form" (exact Gaussian WGF), "adams",
 * "bdf-dense", "bdf-krylov", "bdf-band" or "adams, then bdf-..." after a fallback;
 * "" for the discrete kinds. counters receives CVODE's counters of the integration so far
 * (zeros for closed forms and discrete kinds).
 * @param tr the trajectory
 * @param[out] counters CVODE's counters, or NULL
 * @return a string owned by tr (valid until its next advance or free), never NULL */
BW_API const char *bw_traj_solver(const bw_traj *tr, bw_jkoflow_stats *counters);

#ifdef __cplusplus
}
#endif
#endif
