/* bwflow internals: the table of functions a system supplies (not installed).
 *
 * Everything that is written once over systems (lib/core/system.c: trajectories;
 * lib/core/order.c: the order study and its defaults) calls a system through this table, the
 * way GSL's ODE drivers call a gsl_odeiv2_step_type. A system type is a static const
 * table plus a constructor that fills a bw_system with it (lib/gaussian/system_gaussian.c,
 * lib/particles/particles_system.c).
 *
 * Conventions for the implementations:
 * - `data` is the system's own immutable data (the problem and the initial state), owned by
 *   the bw_system and freed by data_free.
 * - A trajectory implementation `impl` is created by traj_create for one kind and eta, in
 *   the initial state at time 0, and owns everything it needs (it must stay valid after
 *   the system is freed). The generic layer (lib/core/system.c) keeps the time, the step count
 *   and the failure record, validates arguments, and calls:
 *     step   (discrete kinds) n >= 1 steps of size eta, counting the completed ones in
 *            *done (also on failure);
 *     flow   (flows) integrate to time t >= the current time (t_stop respected);
 *   on failure they return the status and, when known, the time (flows) and a value
 *   describing the event in *fail_t / *fail_v (left NaN otherwise); the state is then the
 *   last good one.
 * - Statuses other than numerical failures (BW_ERR_NOMEM, BW_ERR_BAD_ARG, BW_ERR_NULL)
 *   must not come out of step/flow.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_SYSTEM_TYPE_H
#define BW_SYSTEM_TYPE_H
#include "core/internal.h"

/* What a system knows about each comparison of the order study (the optional hook
 * order_scales; lib/core/order.c builds the ladders from it), for one horizon T. Entries
 * are per bw_order_err; a NaN top means "nothing to say": that error then shares the
 * ladder of eta_bound. */
typedef struct bw__order_scales {
  double top[BW_ORDER_NERR];          /* the largest safe step of the error's two trajectories
                                         (safety factors included; INFINITY: no bound of its
                                         own, the generic horizon and rate bounds apply) */
  bw_eta_bound why[BW_ORDER_NERR];    /* the bound that set it */
  double constant[BW_ORDER_NERR];     /* the predicted leading constant C_p (NaN: unknown; the
                                         study then measures it at the top step) */
  /* The references' integration error in W2 at relative tolerance rtol (atol = rtol/100):
   * floor_rel rtol + floor_abs; rtol_min, the tightest rtol worth asking (the floor there is
   * set by rounding, not by the tolerance). floor_rel NaN: unknown (no tightening). */
  double floor_rel, floor_abs, rtol_min;
  /* top shrinks like size^-size_exp with the system's size (particles: N, exponent 2);
   * size_exp 0: no such scaling. */
  double size, size_exp;
} bw__order_scales;

typedef struct bw_system_type {
  const char *name; /* "gaussian", "particles", "ridge" */
  unsigned kinds;   /* the kinds it provides: bit 1 << kind (bw_traj_create refuses the others
                       with BW_ERR_NOT_PROVIDED before calling traj_create) */

  void (*data_free)(void *data);

  /* Named scalar fields of a state (bw_system_nfields, bw_system_field_name). */
  int (*nfields)(const void *data);
  void (*field_name)(const void *data, int i, char *buf, size_t n);

  /* Trajectories. traj_create returns the kind's set-up statuses; it is called only for the
   * kinds in `kinds`. */
  bw_status (*traj_create)(const void *data, bw_traj_kind kind, double eta,
                           const bw_jkoflow_opts *opts, double t_stop, void **impl);
  void (*traj_free)(void *impl);
  bw_status (*step)(void *impl, long n, long *done, double *fail_v);
  bw_status (*flow)(void *impl, double t, double *fail_t, double *fail_v);
  /* W2 between the current states of two trajectories of this type (a's scratch), and
   * optionally (NULL: n calls of distance) from a to n <= 8 others, sharing a's work. */
  bw_status (*distance)(void *a, const void *b, double *w2);
  bw_status (*distances)(void *a, int n, const void *const *b, double *w2);
  /* The fields of the current state, Jeta with the given eta. */
  bw_status (*fields)(void *impl, double eta, double *values);
  /* Typed access to the current state (NULL when the type has no such state). */
  const bw_gaussian *(*gaussian)(const void *impl);
  const double *(*positions)(const void *impl, int *n);
  /* What integrated the flow so far ("" for discrete kinds) and CVODE's counters. */
  const char *(*solver)(const void *impl, bw_jkoflow_stats *counters);
  /* After a failure: a vector of dim entries describing it (NULL entry, or BW_ERR_BAD_ARG:
   * none), and the integrator's message ("" when none). */
  bw_status (*failure_vector)(const void *impl, double *v);
  const char *(*failure_message)(const void *impl);

  /* Scales for the order study's defaults (lib/core/order.c):
   * timescales: the slowest and the fastest relaxation rates of the WGF near the initial
   *   state (1/time; rate_slow <= 0 when nothing relaxes, e.g. pure heat flow);
   * eta_bound: the largest step size safely inside the region where every trajectory of
   *   the study exists and is meaningful over [0, T] (safety factors included) and which
   *   bound set it; and the system's hard limit eta_limit, the step size beyond which a
   *   trajectory is known to fail or be meaningless (INFINITY when none: e.g. 2/lambda_max(H(x0))
   *   for particles, the collapse threshold for Gaussians). */
  bw_status (*timescales)(const void *data, double *rate_slow, double *rate_fast);
  bw_status (*eta_bound)(const void *data, double T, double *eta_safe, bw_eta_bound *which,
                         double *eta_limit);
  /* order_scales (optional, NULL: every error shares the ladder of eta_bound): the scales of
   * each comparison over [0, T] (bw__order_scales above). */
  bw_status (*order_scales)(const void *data, double T, bw__order_scales *sc);
} bw_system_type;

struct bw_system {
  const bw_system_type *type;
  int dim;
  void *data;
};

/* A new system of the given type around data (which it then owns: on failure data is
 * freed with type->data_free). */
bw_status bw__system_new(const bw_system_type *type, int dim, void *data, bw_system **sys);

/* Does sys provide kind (0 or 1; 0 for NULL or out of range)? */
int bw__system_provides(const bw_system_type *type, bw_traj_kind kind);

/* The step-size bounds of the systems whose states are Gaussians (docs/order-study.md), each
 * with a factor 2 of margin below its hard limit: plan (neg > 0, the most negative curvature:
 * eta neg < 1 for the JKO step's convexity), mean (curv > 0, the largest curvature acting on
 * the mean: JKO-Flow's mean damps while eta curv < 2), collapse (tau > 0: every variance, at
 * least smin along the way, 4 times above the threshold tau eta/(2 - p eta), p = max(pcov, 0)
 * the largest curvature acting on the covariance: eta <= 2 smin/(4 tau + p smin), hard limit
 * 2 smin/(tau + p smin)). INFINITY when none applies. */
void bw__gaussian_eta_bounds(double neg, double curv, double tau, double smin, double pcov, double *eta_safe,
                             bw_eta_bound *which, double *eta_limit);

/* The flow solvers' kind of a continuous trajectory kind: WGF -> BW_FLOW_PLAIN, JKOFLOW ->
 * BW_FLOW_JKO, JKOFLOW2 -> BW_FLOW_JKO2, FORWARDFLOW -> BW_FLOW_FORWARD. */
bw_flow_kind bw__traj_flow_kind(bw_traj_kind kind);

#endif
