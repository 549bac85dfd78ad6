/* bwflow: Gaussian variational inference with ridge potentials on the Bures-Wasserstein
 * manifold (docs/vi.md, docs/math.md section 9). SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/ridge.h
 * @brief The ridge system: Gaussian variational inference for a potential made of a
 * quadratic part and ridge functions, V(x) = 1/2 x'Ax - h'x + sum_j w_j phi_j(a_j'x - b_j),
 * with the flows and steps restricted to Gaussians (the Bures-Wasserstein manifold): the
 * JKO step (Newton), the exponential-map step, the forward-backward step of Diao et al.,
 * the gradient flow, JKO-Flow and the forward modified flow (CVODE), and the VI optimum
 * (docs/vi.md; the mathematics in docs/math.md section 9).
 *
 * On a Gaussian N(m, S), with mu_j = a_j'm - b_j, s_j = a_j'S a_j and
 * psi_kj = E phi_j^(k)(mu_j + sqrt(s_j) Z), Z ~ N(0, 1):
 *
 *     J(m, S)   = E V - tau/2 logdet S - tau d/2 log(2 pi e)
 *     g         = grad_m J   = A m - h + sum_j w_j psi_1j a_j          (= E grad V)
 *     G         = 2 grad_S J = A + sum_j w_j psi_2j a_j a_j' - tau S^-1 (= E hess V - tau S^-1)
 *     |grad J|^2 = |g|^2 + tr(G S G)
 *
 * The gradient flow is m' = -g, S' = -(G S + S G). Ridges of the family
 * BW_RIDGE_QUADRATIC make the problem the Gaussian one of bwflow/problem.h with
 * A + sum w_j a_j a_j' and h + sum w_j b_j a_j (and K = 0), and every method then gives the
 * Gaussian system's numbers.
 *
 * Expectations: closed forms for the quadratic, quartic and poisson families; for logistic
 * and logcosh, Gauss-Hermite quadrature with q nodes (Golub-Welsch; default
 * ::BW_RIDGE_NODES_DEFAULT) when sqrt(s_j) is small and a trapezoidal rule on a fixed grid
 * in t with the closed-form expectation of a smooth asymptote subtracted when it is not
 * (measured error below 1e-15 for every mu and s: docs/math.md section 9); for a caller's
 * phi, Gauss-Hermite with q nodes (exact for polynomials of degree < 2q). An evaluation
 * costs O(n q + n d^2) for n ridges.
 *
 * Conventions as in the rest of the library: statuses from bwflow/common.h, outputs
 * untouched on error, no global state. A problem is immutable and may be shared by
 * threads (a caller's phi is then called from those threads: it must be reentrant); a
 * workspace (::bw_ridge_ws) and a flow solver belong to one thread at a time. Matrices are
 * column-major with a leading dimension; Gaussians are validated as everywhere (finite,
 * symmetric within BW_SYM_RTOL, positive definite). */
#ifndef BWFLOW_RIDGE_H
#define BWFLOW_RIDGE_H
#include <stdint.h>
#include "common.h"
#include "gaussian.h"
#include "jkoflow.h"
#include "system.h"
#ifdef __cplusplus
extern "C" {
#endif

/** The ridge functions phi. */
typedef enum bw_ridge_family {
  BW_RIDGE_QUADRATIC, /**< t^2/2 */
  BW_RIDGE_QUARTIC,   /**< t^4/4 */
  BW_RIDGE_LOGISTIC,  /**< log(1 + e^t) (logistic regression's negative log-likelihood) */
  BW_RIDGE_POISSON,   /**< e^t (Poisson regression's) */
  BW_RIDGE_LOGCOSH,   /**< log cosh t (a smooth absolute value: robust regression) */
  BW_RIDGE_CUSTOM,    /**< the caller's phi (::bw_ridge_phi_fn) */
  BW_RIDGE_FAMILY_COUNT /**< number of families (not a family) */
} bw_ridge_family;

/** The family's name as problem files spell it: "quadratic", "quartic", "logistic",
 * "poisson", "logcosh", "custom"; NULL out of range.
 * @param f any value
 * @return a static string, or NULL */
BW_API const char *bw_ridge_family_name(bw_ridge_family f);

/** A caller's ridge function: write out[k * n + i] = phi^(k)(t[i]) for i = 0..n-1 and
 * k = 0..kmax (kmax <= 4: the flows' modified fields need the fourth derivative, the
 * energy only k = 0). Called with many points at once (all the quadrature nodes of every
 * ridge that shares this function and ctx). Return 0 on success; any other value (e.g. a t
 * outside phi's domain) makes the evaluation fail with ::BW_ERR_OVERFLOW, as does a
 * non-finite value. Called from the thread that evaluates; it must not call back into a
 * function that uses the same workspace. */
typedef int (*bw_ridge_phi_fn)(void *ctx, int kmax, int n, const double *t, double *out);

/** One ridge w phi(a'x - b). */
typedef struct bw_ridge {
  bw_ridge_family family; /**< the function phi */
  const double *a;        /**< d entries (copied by bw_ridge_problem_create()) */
  double b;               /**< the offset (finite) */
  double w;               /**< the weight, > 0 and finite */
  bw_ridge_phi_fn phi;    /**< BW_RIDGE_CUSTOM: the function (NULL otherwise) */
  void *ctx;              /**< BW_RIDGE_CUSTOM: its context, passed to phi as is */
} bw_ridge;

/** Default number of Gauss-Hermite nodes. */
#define BW_RIDGE_NODES_DEFAULT 32
/** Largest number of Gauss-Hermite nodes. */
#define BW_RIDGE_NODES_MAX 256

/** A ridge problem: A, h, tau, the ridges and the quadrature (opaque, immutable). */
typedef struct bw_ridge_problem bw_ridge_problem;
/** Scratch memory of the ridge functions (bw_ridge_ws_alloc()); one thread at a time. */
typedef struct bw_ridge_ws bw_ridge_ws;

/** Create a problem. The quadrature (nodes and weights, the grids of the logistic and
 * logcosh families) is computed here, once.
 * @param d the dimension, 1 <= d <= 4096
 * @param A d x d symmetric (within BW_SYM_RTOL; symmetrised), leading dimension lda, or
 *        NULL for 0 (need not be positive definite)
 * @param lda leading dimension of A, >= d when A is given
 * @param h d entries, or NULL for 0
 * @param tau the temperature, finite and >= 0
 * @param n the number of ridges, 0 <= n <= 2^24
 * @param ridges n ridges (NULL when n = 0): a finite, b finite, w > 0 finite, a known
 *        family, phi given exactly for BW_RIDGE_CUSTOM
 * @param nodes Gauss-Hermite nodes q, 1 <= q <= BW_RIDGE_NODES_MAX, or 0 for
 *        BW_RIDGE_NODES_DEFAULT
 * @param[out] pb receives the problem (free with bw_ridge_problem_free())
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM (d, lda or n out of range);
 *         ::BW_ERR_NONFINITE; ::BW_ERR_NOT_SYMMETRIC; ::BW_ERR_BAD_TAU; ::BW_ERR_BAD_ARG (w
 *         not > 0, an unknown family, phi missing for a custom ridge or given for another,
 *         nodes out of range); ::BW_ERR_LAPACK; ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * Allocates the problem (O(n d + d^2 + q^2) doubles). Reentrant. */
BW_API bw_status bw_ridge_problem_create(int d, const double *A, int lda, const double *h,
                                         double tau, int n, const bw_ridge *ridges, int nodes,
                                         bw_ridge_problem **pb);
/** Free a problem (NULL is fine). Systems and flow solvers created from it stay valid.
 * @param pb the problem, or NULL */
BW_API void bw_ridge_problem_free(bw_ridge_problem *pb);
/** The dimension d (0 for NULL).
 * @param pb the problem, or NULL
 * @return d */
BW_API int bw_ridge_problem_dim(const bw_ridge_problem *pb);
/** The number of ridges n (0 for NULL).
 * @param pb the problem, or NULL
 * @return n */
BW_API int bw_ridge_problem_nridges(const bw_ridge_problem *pb);
/** The number of Gauss-Hermite nodes q (0 for NULL).
 * @param pb the problem, or NULL
 * @return q */
BW_API int bw_ridge_problem_nodes(const bw_ridge_problem *pb);
/** The temperature tau (NaN for NULL).
 * @param pb the problem, or NULL
 * @return tau */
BW_API double bw_ridge_problem_tau(const bw_ridge_problem *pb);
/** Read-only view of A (d x d, leading dimension d, symmetrised; zeros when created with
 * NULL), valid while pb lives (NULL for NULL).
 * @param pb the problem, or NULL
 * @return a pointer into pb */
BW_API const double *bw_ridge_problem_A(const bw_ridge_problem *pb);
/** Read-only view of h (d entries), valid while pb lives (NULL for NULL).
 * @param pb the problem, or NULL
 * @return a pointer into pb */
BW_API const double *bw_ridge_problem_h(const bw_ridge_problem *pb);
/** Ridge j as stored (r->a points into pb: d contiguous entries, valid while pb lives).
 * @param pb the problem
 * @param j the ridge, 0 <= j < n
 * @param[out] r the ridge
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (j out of range) */
BW_API bw_status bw_ridge_problem_ridge(const bw_ridge_problem *pb, int j, bw_ridge *r);

/** The q-node Gauss-Hermite rule of the standard normal: E f(Z) ~ sum_i w_i f(z_i), exact
 * for polynomials of degree < 2q. Nodes (ascending, symmetric about 0) by Golub-Welsch:
 * the eigenvalues of the Jacobi matrix of the probabilists' Hermite polynomials (zero
 * diagonal, off-diagonal sqrt(k)), by LAPACK's dstev; weights from the Christoffel
 * function 1 / sum_k He_k(z_i)^2 / k!, which keeps full relative accuracy for the tiny
 * weights of the outer nodes (the first components of the eigenvectors, Golub and Welsch's
 * own formula, agree with them to 1e-15 in absolute terms only).
 * @param q the number of nodes, 1 <= q <= BW_RIDGE_NODES_MAX
 * @param[out] z q nodes
 * @param[out] w q weights (sum 1)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (q); ::BW_ERR_LAPACK; ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * Allocates O(q) scratch. Reentrant. */
BW_API bw_status bw_ridge_gauss_hermite(int q, double *z, double *w);

/** The expectations psi_k = E phi^(k)(mu + sqrt(s) Z), k = 0..4, of ridge j's phi (without
 * its weight w), by the problem's quadrature.
 * @param pb the problem
 * @param j the ridge, 0 <= j < n
 * @param mu the mean of the ridge's argument, finite
 * @param s its variance, finite and >= 0
 * @param[out] psi 5 values
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (j, or s < 0); ::BW_ERR_NONFINITE;
 *         ::BW_ERR_OVERFLOW (a value not finite, e.g. poisson's e^(mu + s/2) beyond
 *         DBL_MAX, or a caller's phi that failed)
 * @par Allocation and thread safety
 * None (stack scratch of O(q)). Reentrant. */
BW_API bw_status bw_ridge_expect(const bw_ridge_problem *pb, int j, double mu, double s,
                                 double psi[5]);

/** Allocate scratch memory for the ridge functions of pb: it serves pb and every problem
 * with the same dimension and at most as many ridges, nodes and custom ridges. The
 * Newton solves of the JKO step and the VI optimum grow it once, on their first call
 * (a (d + d(d+1)/2)^2 Jacobian).
 * @param pb the problem
 * @return the workspace (free with bw_ridge_ws_free()), or NULL (NULL pb, no memory)
 * @par Allocation and thread safety
 * Allocates O(n d + d^2) doubles. Reentrant. */
BW_API bw_ridge_ws *bw_ridge_ws_alloc(const bw_ridge_problem *pb);
/** Free a workspace (NULL is fine).
 * @param ws the workspace, or NULL */
BW_API void bw_ridge_ws_free(bw_ridge_ws *ws);

/* Common to the functions below: ws may be NULL (a temporary workspace is allocated), and
 * must otherwise serve pb (BW_ERR_DIM_MISMATCH); g must have pb's dimension
 * (BW_ERR_DIM_MISMATCH), finite entries and a symmetric, positive definite covariance
 * (BW_ERR_NONFINITE, BW_ERR_NOT_SYMMETRIC, BW_ERR_NOT_SPD); a value that is not finite is
 * BW_ERR_OVERFLOW. With a workspace they allocate nothing. */

/** J(g) = E V - tau/2 logdet S - tau d/2 log(2 pi e).
 * @param pb the problem
 * @param ws a workspace serving pb, or NULL
 * @param g the Gaussian
 * @param[out] J the energy
 * @return ::BW_OK or a status listed above (::BW_ERR_NULL, ::BW_ERR_DIM, ::BW_ERR_NOMEM) */
BW_API bw_status bw_ridge_energy(const bw_ridge_problem *pb, bw_ridge_ws *ws,
                                 const bw_gaussian *g, double *J);
/** The gradient: grad_m J = E grad V (d entries) and G = 2 grad_S J = E hess V - tau S^-1
 * (d x d symmetric, leading dimension ldg). Either output may be NULL.
 * @param pb the problem
 * @param ws a workspace serving pb, or NULL
 * @param g the Gaussian
 * @param[out] grad_m d entries, or NULL
 * @param[out] G d x d, or NULL
 * @param ldg leading dimension of G, >= d when G is given
 * @return as bw_ridge_energy() */
BW_API bw_status bw_ridge_gradient(const bw_ridge_problem *pb, bw_ridge_ws *ws,
                                   const bw_gaussian *g, double *grad_m, double *G, int ldg);
/** E hess V = A + sum_j w_j psi_2j a_j a_j' (d x d symmetric, leading dimension ldh).
 * @param pb the problem
 * @param ws a workspace serving pb, or NULL
 * @param g the Gaussian
 * @param[out] H d x d
 * @param ldh leading dimension, >= d
 * @return as bw_ridge_energy() */
BW_API bw_status bw_ridge_expected_hessian(const bw_ridge_problem *pb, bw_ridge_ws *ws,
                                           const bw_gaussian *g, double *H, int ldh);
/** The squared Riemannian slope |grad J|^2 = |g|^2 + tr(G S G).
 * @param pb the problem
 * @param ws a workspace serving pb, or NULL
 * @param g the Gaussian
 * @param[out] s the squared slope
 * @return as bw_ridge_energy() */
BW_API bw_status bw_ridge_slope_sq(const bw_ridge_problem *pb, bw_ridge_ws *ws,
                                   const bw_gaussian *g, double *s);
/** The modified energy J - eta/4 |grad J|^2 (eta any finite value; negative: the forward
 * step's J + |eta|/4 |grad J|^2).
 * @param pb the problem
 * @param ws a workspace serving pb, or NULL
 * @param g the Gaussian
 * @param eta the step size, finite (else ::BW_ERR_BAD_ETA)
 * @param[out] Jeta the modified energy
 * @return as bw_ridge_energy(); ::BW_ERR_BAD_ETA */
BW_API bw_status bw_ridge_modified_energy(const bw_ridge_problem *pb, bw_ridge_ws *ws,
                                          const bw_gaussian *g, double eta, double *Jeta);

/* ---- steps ---- */

/** The JKO step restricted to Gaussians (the proximal point step on the Bures-Wasserstein
 * manifold): argmin over Gaussians of J + W2^2(., in)/(2 eta). Its optimality condition,
 * m+ = m - eta g(m+, S+) and S+ = R S R with R = B^-1, B = I + eta G(m+, S+) (R is the
 * optimal transport map from S to S+, so B is positive definite), is solved for (m+, T = R)
 * by Newton's method on the step's objective, strictly convex in (m+, T) for convex V, with
 * its exact Hessian (docs/math.md section 9), from the step of V's quadratic model at in (an
 * O(eta^2) start, exact for quadratic ridges), damped so that T stays positive definite and
 * the objective decreases, until the correction is at rounding level: typically 2 to 4
 * iterations. At most 50 iterations,
 * else ::BW_ERR_NO_CONVERGENCE (e.g. a step too large for a non-convex V; when every phi is
 * convex, I + eta A positive definite makes the step's objective strictly convex and the
 * step unique). out may be in.
 * @param pb the problem
 * @param eta the step size, 0 < eta < inf
 * @param ws a workspace serving pb, or NULL
 * @param in the current Gaussian
 * @param[out] out the step's result
 * @param[out] iters Newton iterations taken (also on failure), or NULL
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_BAD_ETA;
 *         ::BW_ERR_NONFINITE; ::BW_ERR_NOT_SYMMETRIC; ::BW_ERR_NOT_SPD; ::BW_ERR_OVERFLOW;
 *         ::BW_ERR_NO_CONVERGENCE; ::BW_ERR_LAPACK; ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * None with a workspace that has already served a JKO step or the VI optimum (the first
 * grows it). Reentrant with distinct workspaces. */
BW_API bw_status bw_ridge_jko_step(const bw_ridge_problem *pb, double eta, bw_ridge_ws *ws,
                                   const bw_gaussian *in, bw_gaussian *out, int *iters);
/** The explicit step, the exponential map of -eta grad J (Bures-Wasserstein gradient
 * descent): m+ = m - eta g, S+ = (I - eta G) S (I - eta G); ::BW_ERR_LOST_SPD when
 * I - eta G is singular to working precision. out may be in.
 * @param pb the problem
 * @param eta the step size, 0 < eta < inf
 * @param ws a workspace serving pb, or NULL
 * @param in the current Gaussian
 * @param[out] out the result
 * @return as bw_ridge_jko_step() (no ::BW_ERR_NO_CONVERGENCE); ::BW_ERR_LOST_SPD */
BW_API bw_status bw_ridge_forward_step(const bw_ridge_problem *pb, double eta, bw_ridge_ws *ws,
                                       const bw_gaussian *in, bw_gaussian *out);
/** The forward-backward step of Diao et al. (2023): a forward step on V, then the exact JKO
 * step of the entropy: m+ = m - eta g, S1 = (I - eta H) S (I - eta H) with H = E hess V,
 * S+ = (S1 + 2 eta tau I + (S1 (S1 + 4 eta tau I))^(1/2))/2. With tau > 0 the result is
 * always positive definite; with tau = 0 it is S1 (::BW_ERR_LOST_SPD when I - eta H is
 * singular). out may be in.
 * @param pb the problem
 * @param eta the step size, 0 < eta < inf
 * @param ws a workspace serving pb, or NULL
 * @param in the current Gaussian
 * @param[out] out the result
 * @return as bw_ridge_forward_step() */
BW_API bw_status bw_ridge_fb_step(const bw_ridge_problem *pb, double eta, bw_ridge_ws *ws,
                                  const bw_gaussian *in, bw_gaussian *out);

/** The Gaussian-VI optimum: the minimiser of J over Gaussians, where E grad V = 0 and
 * E hess V = tau S^-1 (g = 0, G = 0). From start, JKO steps with step sizes growing by 4
 * (the proximal point method: each decreases J) until the state settles, then Newton's
 * method on (g, G) = 0 with the Hessian of J, to rounding level. ::BW_ERR_NOT_SPD for
 * tau = 0 (the infimum is a point mass); ::BW_ERR_NO_CONVERGENCE when no minimiser was
 * found (e.g. a potential that does not confine). out may be start.
 * @param pb the problem
 * @param ws a workspace serving pb, or NULL
 * @param start the starting Gaussian (e.g. the system's initial state)
 * @param[out] out the optimum
 * @param[out] iters Newton iterations in all (JKO steps' and the final ones'), or NULL
 * @return as bw_ridge_jko_step()
 * @par Allocation and thread safety
 * As bw_ridge_jko_step(). */
BW_API bw_status bw_ridge_vi_optimum(const bw_ridge_problem *pb, bw_ridge_ws *ws,
                                     const bw_gaussian *start, bw_gaussian *out, int *iters);

/* ---- flows ---- */

/** A flow solver of a ridge problem (opaque, mutable: one thread at a time). */
typedef struct bw_ridge_flow bw_ridge_flow;

/** Create a flow solver. kind BW_FLOW_PLAIN: the gradient flow m' = -g, S' = -(G S + S G);
 * BW_FLOW_JKO: JKO-Flow, the gradient flow on the Bures-Wasserstein manifold of
 * Phi = J - eta/4 (|g|^2 + tr(G S G)); BW_FLOW_FORWARD: the same with -eta (the forward
 * step's modified flow). BW_FLOW_JKO2 is not derived for ridge potentials
 * (::BW_ERR_BAD_ARG). CVODE BDF with a dense linear solver (difference-quotient Jacobian)
 * when the state has at most 200 unknowns (d <= 18) and GMRES above (BW_LINSOL_AUTO; opts
 * may force either); opts->method is not used (always BDF). JKO-Flow with tau > 0 detects
 * a collapse as the Gaussian solver does (bwflow/jkoflow.h): ::BW_ERR_COLLAPSE.
 * @param pb the problem (copied: it may be freed afterwards)
 * @param kind BW_FLOW_PLAIN, BW_FLOW_JKO or BW_FLOW_FORWARD
 * @param eta the step size (> 0; ignored by BW_FLOW_PLAIN, which takes 0 <= eta < inf)
 * @param opts CVODE options, or NULL (defaults)
 * @param[out] rf receives the solver (free with bw_ridge_flow_free())
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG; ::BW_ERR_BAD_ETA; ::BW_ERR_NOMEM;
 *         ::BW_ERR_CVODE
 * @par Allocation and thread safety
 * Allocates the solver. Reentrant. */
BW_API bw_status bw_ridge_flow_create(const bw_ridge_problem *pb, bw_flow_kind kind, double eta,
                                      const bw_jkoflow_opts *opts, bw_ridge_flow **rf);
/** Free a flow solver (NULL is fine).
 * @param rf the solver, or NULL */
BW_API void bw_ridge_flow_free(bw_ridge_flow *rf);
/** Start at g0, time 0; t_stop > 0 is the last time advance will be asked for (CVODE does
 * not step past it), 0 none.
 * @param rf the solver
 * @param g0 the initial Gaussian
 * @param t_stop 0 or a finite positive time
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_BAD_ARG;
 *         ::BW_ERR_NONFINITE; ::BW_ERR_NOT_SYMMETRIC; ::BW_ERR_NOT_SPD; ::BW_ERR_OVERFLOW;
 *         ::BW_ERR_CVODE
 * @par Allocation and thread safety
 * None. One thread at a time per solver. */
BW_API bw_status bw_ridge_flow_start(bw_ridge_flow *rf, const bw_gaussian *g0, double t_stop);
/** Advance a started solver to time t and write the state there. After a failure the
 * solver must be started again.
 * @param rf the solver
 * @param t the time, >= the current one and <= t_stop when one was given
 * @param[out] out the Gaussian at t (written only on success)
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_BAD_ARG (not
 *         started, t out of range); ::BW_ERR_COLLAPSE; ::BW_ERR_LOST_SPD; ::BW_ERR_OVERFLOW;
 *         the CVODE statuses
 * @par Allocation and thread safety
 * None. One thread at a time per solver. */
BW_API bw_status bw_ridge_flow_advance(bw_ridge_flow *rf, double t, bw_gaussian *out);
/** The flow's time derivative at g: dm (d entries) and dS (d x d, leading dimension ldds).
 * @param rf the solver (fixes the problem, the kind and eta)
 * @param g the Gaussian
 * @param[out] dm d entries
 * @param[out] dS d x d symmetric
 * @param ldds leading dimension of dS, >= d
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_NONFINITE;
 *         ::BW_ERR_NOT_SYMMETRIC; ::BW_ERR_NOT_SPD; ::BW_ERR_OVERFLOW
 * @par Allocation and thread safety
 * None. Uses the solver's scratch: one thread at a time. */
BW_API bw_status bw_ridge_flow_rhs(bw_ridge_flow *rf, const bw_gaussian *g, double *dm, double *dS,
                                   int ldds);
/** After ::BW_ERR_COLLAPSE: the collapse time and the unit eigenvector of the collapsing
 * variance (largest-magnitude entry positive; direction may be NULL).
 * @param rf the solver
 * @param[out] t the collapse time
 * @param[out] direction d entries, or NULL
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (no collapse) */
BW_API bw_status bw_ridge_flow_collapse(const bw_ridge_flow *rf, double *t, double *direction);
/** CVODE's counters since the last start (zeros for NULL).
 * @param rf the solver, or NULL
 * @param[out] stats the counters (NULL: nothing happens) */
BW_API void bw_ridge_flow_stats(const bw_ridge_flow *rf, bw_jkoflow_stats *stats);
/** After a CVODE failure: its flag's name and message ("" otherwise or for NULL).
 * @param rf the solver, or NULL
 * @return a string owned by rf */
BW_API const char *bw_ridge_flow_cvode_message(const bw_ridge_flow *rf);
/** "bdf-dense" or "bdf-krylov" ("" for NULL).
 * @param rf the solver, or NULL
 * @return a static string */
BW_API const char *bw_ridge_flow_solver_name(const bw_ridge_flow *rf);

/* ---- the system and the presets ---- */

/** The ridge system (bwflow/system.h): problem pb and initial Gaussian g0 (both copied).
 * It provides the kinds jko, forward, wgf, jkoflow, forwardflow and fb (not jkoflow2).
 * Its fields are those of the Gaussian system: m1..md, the covariance's upper triangle,
 * J, Jeta, slope_sq.
 * @param pb the problem
 * @param g0 the initial Gaussian (validated: finite, symmetric, positive definite)
 * @param[out] sys receives the system (free with bw_system_free())
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM_MISMATCH; ::BW_ERR_NONFINITE;
 *         ::BW_ERR_NOT_SYMMETRIC; ::BW_ERR_NOT_SPD; ::BW_ERR_NOMEM
 * @par Allocation and thread safety
 * Allocates the system. Reentrant. */
BW_API bw_status bw_system_ridge_create(const bw_ridge_problem *pb, const bw_gaussian *g0,
                                        bw_system **sys);
/** The ridge system's problem and initial Gaussian (NULL for other systems).
 * @param sys the system
 * @param[out] g0 receives the initial Gaussian (owned by sys), or NULL
 * @return the problem owned by sys, or NULL */
BW_API const bw_ridge_problem *bw_system_ridge(const bw_system *sys, const bw_gaussian **g0);

/** Named ridge presets:
 *  - "vi-quartic": d = 1, V(x) = x^4/4 (A = 0, h = 0, one quartic ridge a = 1, b = 0, w = 1),
 *    tau = 1, from N(1, 1/4): Gaussian VI of the quartic example (its optimum: mean 0,
 *    variance 1/sqrt(3) = 0.57735, against the target's E x^2 = 0.675978);
 *  - "logreg": Bayesian logistic regression, d = 5 (an intercept and 4 features), n = 200,
 *    tau = 1, prior N(0, I) (A = I), from the prior N(0, I). Data from a splitmix64
 *    generator seeded with 20240 (the generator of bw_problem_random()): for each i,
 *    x_i = (1, z_1, ..., z_4) with z_k ~ N(0, 1), then y_i = 1 when a uniform u_i <
 *    1/(1 + e^(-x_i'beta)), beta = (0.5, -1, 0.75, 0.25, -0.5), else 0 (draws in that order
 *    per i); ridges a_i = x_i, b_i = 0, w_i = 1, logistic; h = sum_i y_i x_i (the expansion of
 *    bw_ridge_glm_expand() with the intercept);
 *  - "logreg-d30": the same construction with d = 30 (an intercept and 29 features), n = 569
 *    (the size of the breast-cancer data of docs/vi.md), seed 20241, beta_0 = 0.5 and
 *    beta_k = -0.3, 0.3, -0.3, ... (k = 1..29), prior N(0, I/30) (A = 30 I: the linear
 *    predictor x'beta has prior variance about 1), from the prior.
 * @param name "vi-quartic", "logreg" or "logreg-d30"
 * @param[out] pb receives the problem
 * @param[out] g0 receives the initial Gaussian
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_BAD_ARG (unknown name); ::BW_ERR_NOMEM; the
 *         statuses of bw_ridge_problem_create()
 * @par Allocation and thread safety
 * Allocates the results. Reentrant. */
BW_API bw_status bw_ridge_preset(const char *name, bw_ridge_problem **pb, bw_gaussian **g0);

/* ---- regression data ---- */

/** A generalised linear model's data, for bw_ridge_glm_expand() (the command line's "glm"
 * shortcut, docs/vi.md). */
typedef struct bw_ridge_glm {
  bw_ridge_family family; /**< BW_RIDGE_LOGISTIC (responses 0 <= y <= 1) or BW_RIDGE_POISSON (y >= 0) */
  int n;                  /**< observations, 1 <= n <= 2^24 */
  int p;                  /**< features (columns of X), >= 1, with the intercept <= 4096 coefficients */
  const double *X;        /**< n x p, row-major: observation i's features at X + i ldx */
  int ldx;                /**< >= p */
  const double *y;        /**< n responses */
  double prior_var;       /**< the prior variance s2 > 0 of every coefficient */
  int intercept;          /**< nonzero: a first coefficient with x_i0 = 1 (not standardized) */
  int standardize;        /**< nonzero: centre each feature column and divide it by its standard
                               deviation over the rows (divisor n) */
} bw_ridge_glm;

/** The negative log-posterior of a generalised linear model with the prior N(0, s2 I) on its
 * d = p + (intercept ? 1 : 0) coefficients,
 * V(beta) = sum_i phi(x_i'beta) - (X'y)'beta + |beta|^2/(2 s2), as a ridge problem's parts:
 * one ridge per observation (phi = the family, a_i = (1, x_i) or x_i, standardized when
 * asked, b = 0, w = 1: the caller makes the bw_ridge entries), h += sum_i y_i a_i (in the
 * order i = 0, 1, ...) and A += I/s2. The initial state conventionally used is the prior
 * N(0, s2 I). Nothing is written on error.
 * @param glm the data
 * @param[out] a n x d, row-major: ridge i's a at a + i d
 * @param[in,out] A d x d, leading dimension lda: I/s2 is added
 * @param lda leading dimension of A, >= d
 * @param[in,out] h d entries: X'y is added
 * @param[out] bad_row with ::BW_ERR_BAD_ARG, the first observation whose response is out of
 *        the family's range (else -1), or NULL
 * @param[out] bad_col with ::BW_ERR_BAD_ARG, the first constant feature column when
 *        standardizing (else -1), or NULL
 * @return ::BW_OK; ::BW_ERR_NULL; ::BW_ERR_DIM (n, p, ldx or lda); ::BW_ERR_NONFINITE (X or
 *         y); ::BW_ERR_BAD_ARG (a family other than logistic and poisson, s2 not > 0 or not
 *         finite, a response out of range, a constant column to standardize)
 * @par Allocation and thread safety
 * None. Reentrant. */
BW_API bw_status bw_ridge_glm_expand(const bw_ridge_glm *glm, double *a, double *A, int lda, double *h,
                                     int *bad_row, int *bad_col);

#ifdef __cplusplus
}
#endif
#endif
