/* Particle JKO steps (damped Newton on a tridiagonal system) and forward Euler steps.
 *
 * x_{k+1} = argmin_y Phi(y) = F(y) + |y - x_k|^2/(2 eta). On the ordered configurations
 * Phi is strictly convex when eta max(0, -min V'') < 1: the entropy part -tau sum log D_i is
 * convex and its Hessian tau sum u_i u_i'/D_i^2 (u_i = e_{i+1} - e_i) is positive
 * semi-definite, so grad^2 Phi = (I + eta H)/eta >= (1/eta + min V'') I. Its minimiser solves
 *     r(y) = y - x_k + eta grad F(y) = 0,
 * by Newton's method with M = I + eta H(y) (symmetric tridiagonal, positive definite: LAPACK
 * dptsv, O(N)). M = diag(1 + eta V'') + eta L with L a weighted graph Laplacian, so M is
 * strictly diagonally dominant with margin min_i (1 + eta V''(y_i)) and
 * |M^-1|_inf <= 1/min_i (1 + eta V''(y_i)) (Varah): this converts the rounding level of r
 * into the rounding level of the Newton correction (the stopping test, see the header).
 * Damping: the step is halved until the positions stay strictly increasing (the barrier
 * keeps the iterates inside) and |r|^2 decreases by the Armijo factor (Newton's direction
 * descends |r|^2: d/da |r(y + a dy)|^2 = -2 |r|^2 at a = 0).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "particles/particles_internal.h"

void dptsv_(const int *n, const int *nrhs, double *d, double *e, double *b, const int *ldb,
            int *info);

struct bw_particles_jko_plan {
  bw_particles p;
  double eta;
};

bw_status bw_particles_jko_plan_create(const bw_particles *pp, double eta,
                                       bw_particles_jko_plan **plan) {
  if (!pp || !plan) return BW_ERR_NULL;
  if (!(eta > 0.0) || !isfinite(eta)) return BW_ERR_BAD_ETA;
  /* strict convexity: eta max(0, -min V'') < 1 */
  if (!(eta * fmax(0.0, -pp->vpp_min) < 1.0)) return BW_ERR_ETA_TOO_LARGE;
  bw_particles_jko_plan *pl = malloc(sizeof *pl);
  if (!pl) return BW_ERR_NOMEM;
  pl->p = *pp;
  pl->eta = eta;
  *plan = pl;
  return BW_OK;
}

void bw_particles_jko_plan_free(bw_particles_jko_plan *plan) { free(plan); }
double bw_particles_jko_plan_eta(const bw_particles_jko_plan *plan) { return plan ? plan->eta : NAN; }

/* r = y - x + eta grad F(y) with rinv = 1/D(y); false when y is not ordered or r not finite. */
static bool residual(const bw_particles *p, double eta, const double *x, const double *y,
                     double *rinv, double *r) {
  if (!bw__pt_grad(p, y, rinv, r)) return false;
  for (int i = 0; i < p->n; i++) r[i] = y[i] - x[i] + eta * r[i];
  return true;
}

/* sum (r_i / w_i)^2 from winv = 1/w (inf when not finite). */
static double merit(int n, const double *r, const double *winv) {
  double s = 0.0;
  for (int i = 0; i < n; i++) {
    const double q = r[i] * winv[i];
    s += q * q;
  }
  return isfinite(s) ? s : INFINITY;
}

/* y + a dy, strictly increasing and finite? */
static bool trial(int n, const double *y, const double *dy, double a, double *yt) {
  yt[0] = y[0] + a * dy[0];
  if (!isfinite(yt[0])) return false;
  for (int i = 1; i < n; i++) {
    yt[i] = y[i] + a * dy[i];
    if (!(yt[i] > yt[i - 1]) || !isfinite(yt[i])) return false;
  }
  return true;
}

/* I + eta H failed to factor although the plan checked the objective's convexity, so its
 * smallest eigenvalue, at least margin = min_i (1 + eta V''(y_i)), is below the rounding of
 * the factorisation, ~eps (mmax + eta tau max 1/D^2). Either V is not convex and 1 + eta V''
 * cancels to rounding (the edge of the plan's bound: the step is too large), or the
 * entropy's eta tau/D^2 dwarfs the margin by 1/eps: positions too close for doubles. */
static bw_status pivot_failure(const bw_particles *p, double margin, double mmax) {
  if (p->vpp_min < 0.0 && margin <= 64.0 * DBL_EPSILON * mmax) return BW_ERR_ETA_TOO_LARGE;
  return BW_ERR_PRECISION;
}

bw_status bw_particles_jko_step(const bw_particles_jko_plan *plan, bw_particles_ws *ws,
                                const double *x, const double *guess, double *xnew, int *iters) {
  if (!plan || !x || !xnew) return BW_ERR_NULL;
  const bw_particles *p = &plan->p;
  const int n = p->n, deg = p->deg;
  bw_status st = bw__pt_check(n, x);
  if (st) return st;
  bw_particles_ws *own = NULL;
  if ((st = bw__pt_ws_get(&ws, n, &own))) return st;
  const double eta = plan->eta, etau = eta * p->tau, eps = DBL_EPSILON;
  double *y = ws->v[0], *r = ws->v[1], *rinv = ws->v[2], *dg = ws->v[3], *e = ws->v[4],
         *dy = ws->v[5], *yt = ws->v[6], *rt = ws->v[7], *rinvt = ws->v[8], *w = ws->v[9];
  const double *x0 = x;
  bool ok = guess && !bw__pt_check(n, guess);
  memcpy(y, ok ? guess : x, (size_t)n * sizeof(double));
  ok = residual(p, eta, x0, y, rinv, r);
  if (!ok && guess) { /* a bad guess: start from x */
    memcpy(y, x, (size_t)n * sizeof(double));
    ok = residual(p, eta, x0, y, rinv, r);
  }
  if (!ok) st = BW_ERR_OVERFLOW;
  const double c = 8.0 * (deg + 4) * eps;
  int it = 0;
  bool done = false, full = false; /* full: the last step was a full Newton step */
  double dprev = INFINITY;         /* |dy|_inf of the last iteration */
  while (!st && !done) {
    if (++it > BW_PARTICLES_NEWTON_MAX) {
      st = BW_ERR_NO_CONVERGENCE;
      break;
    }
    /* M = I + eta H(y) (dg, e); the diagonal-dominance margin min_i (1 + eta V''(y_i)); dy = -r;
     * the rounding scales of r_i: s_i (evaluating r) and w_i = s_i + (|M| |y|)_i (r moves that
     * much when y is rounded to doubles); the largest |r_i|/w_i. */
    double margin = INFINITY, mmax = 0.0, lap = 0.0, smax = 0.0, rq = 0.0, left = 0.0;
    for (int i = 0; i < n; i++) {
      const double rl = i ? rinv[i - 1] : 0.0, ri = i < n - 1 ? rinv[i] : 0.0, right = etau * ri * ri;
      const double m = 1.0 + eta * bw__poly(p->c2, deg - 2, y[i]), ay = fabs(y[i]);
      dg[i] = m + left + right;
      if (i < n - 1) e[i] = -right;
      if (m < margin) margin = m;
      mmax = fmax(mmax, fabs(m));
      lap = fmax(lap, left + right); /* the entropy's share of the diagonal, eta tau (1/D^2 + 1/D^2) */
      const double si = ay + fabs(x0[i]) + eta * bw__poly(p->a1, deg - 1, ay) + etau * (rl + ri);
      if (si > smax) smax = si;
      w[i] = 1.0 / (si + fabs(dg[i]) * ay + (i ? left * fabs(y[i - 1]) : 0.0) +
                    (i < n - 1 ? right * fabs(y[i + 1]) : 0.0)); /* 1/w_i */
      if (fabs(r[i]) * w[i] > rq) rq = fabs(r[i]) * w[i];
      dy[i] = -r[i];
      left = right;
    }
    const double rr = merit(n, r, w);
    int one = 1, info = 0;
    if (!isfinite(mmax) || !isfinite(lap) || lap > 1e150) { /* e_i^2 would overflow in the solve */
      st = BW_ERR_OVERFLOW;
      break;
    }
    dptsv_(&n, &one, dg, e, dy, &n, &info);
    if (info > 0) {
      st = pivot_failure(p, margin, mmax);
      break;
    }
    if (info < 0) {
      st = BW_ERR_LAPACK;
      break;
    }
    /* |dy|_inf, and the largest a <= 1 keeping the order in exact arithmetic with a 0.9
     * fraction to the boundary */
    double dmax = fabs(dy[0]), a = 1.0;
    for (int i = 0; i < n - 1; i++) {
      const double dd = dy[i + 1] - dy[i];
      if (fabs(dy[i + 1]) > dmax) dmax = fabs(dy[i + 1]);
      if (dd < 0.0 && 0.9 * (y[i + 1] - y[i]) < -dd * a) a = 0.9 * (y[i + 1] - y[i]) / -dd;
    }
    if (!isfinite(dmax)) {
      st = BW_ERR_OVERFLOW;
      break;
    }
    /* Converged (see the header): the correction is at the rounding level of its own
     * computation, or the residual at the level rounding the positions causes, or (after a
     * full Newton step) the error left once this correction is applied, bounded by
     * theta/(1 - theta) |dy| with the contraction theta = |dy|/|dy_prev| (the test of
     * Hairer and Wanner's implicit Runge-Kutta codes), is at the first level. The
     * correction is applied, and the iteration stops. */
    const double theta = full ? dmax / dprev : 1.0, left_err = theta < 0.5 ? theta / (1 - theta) * dmax : dmax;
    done = (margin > 0.0 && fmin(dmax, left_err) * margin <= c * smax) || rq <= c;
    dprev = dmax;
    /* Damping: Armijo on the weighted merit sum (r_i/w_i)^2 (weights fixed over the search;
     * Newton's direction descends it). Weighting makes the components left at their
     * rounding floor count as little as they matter (with |r|^2, a few thousand of them at
     * N = 10^5 outweighed a genuine error elsewhere). */
    bool accepted = false;
    for (int h = 0; h < 60 && !accepted; h++, a *= 0.5) {
      if (!trial(n, y, dy, a, yt) || !residual(p, eta, x0, yt, rinvt, rt)) continue;
      if (done || merit(n, rt, w) <= (1.0 - 1e-4 * a) * rr) accepted = true, full = a == 1.0;
    }
    if (!accepted) {
      st = BW_ERR_NO_CONVERGENCE;
      break;
    }
    double *t;
    t = y, y = yt, yt = t;
    t = r, r = rt, rt = t;
    t = rinv, rinv = rinvt, rinvt = t;
  }
  if (!st) {
    memcpy(xnew, y, (size_t)n * sizeof(double));
    if (iters) *iters = it;
  }
  bw_particles_ws_free(own);
  return st;
}

bw_status bw_particles_forward_step(const bw_particles *pp, double eta, bw_particles_ws *ws,
                                    const double *x, double *xnew) {
  if (!pp || !x || !xnew) return BW_ERR_NULL;
  if (!(eta > 0.0) || !isfinite(eta)) return BW_ERR_BAD_ETA;
  const int n = pp->n;
  bw_status st = bw__pt_check(n, x);
  if (st) return st;
  bw_particles_ws *own = NULL;
  if ((st = bw__pt_ws_get(&ws, n, &own))) return st;
  double *g = ws->v[0], *rinv = ws->v[1];
  bw__pt_grad(pp, x, rinv, g);
  for (int i = 0; i < n; i++) g[i] = x[i] - eta * g[i];
  st = bw__pt_check(n, g);
  if (st == BW_ERR_NONFINITE) st = BW_ERR_OVERFLOW;
  if (!st) memcpy(xnew, g, (size_t)n * sizeof(double));
  bw_particles_ws_free(own);
  return st;
}
