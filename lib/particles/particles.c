/* The particle system on the quantile line (docs/math.md section 7): the problem, presets,
 * initial configurations, the energy and its derivatives, the extreme eigenvalues of the
 * Hessian, moments, distances and workspaces.
 *
 *   F(x) = sum_i V(x_i) - tau sum_{i<N} log(N D_i),  D_i = x_{i+1} - x_i,  J_N = F / N
 *   grad F_i = V'(x_i) + tau/D_i - tau/D_{i-1}
 *   H_ii = V''(x_i) + tau/D_{i-1}^2 + tau/D_i^2,  H_i,i+1 = -tau/D_i^2
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "particles/particles_internal.h"

/* LAPACK (only this file uses them). */
void dstebz_(const char *range, const char *order, const int *n, const double *vl,
             const double *vu, const int *il, const int *iu, const double *abstol,
             const double *d, const double *e, int *m, int *nsplit, double *w, int *iblock,
             int *isplit, double *work, int *iwork, int *info, size_t lrange, size_t lorder);
void dhseqr_(const char *job, const char *compz, const int *n, const int *ilo, const int *ihi,
             double *h, const int *ldh, double *wr, double *wi, double *z, const int *ldz,
             double *work, const int *lwork, int *info, size_t ljob, size_t lcompz);

/* ---- the problem ---- */

/* Sum |c_k| |x|^k: bounds Horner's rounding error of sum c_k x^k (times ~2 deg eps). */
static double poly_abs(const double *c, int deg, double x) {
  double s = fabs(c[deg]), ax = fabs(x);
  for (int k = deg - 1; k >= 0; k--) s = s * ax + fabs(c[k]);
  return s;
}

/* min over R of V'' (deg >= 2, c_deg > 0), lowered by a rounding bound. */
static bw_status vpp_min(const bw_particles *p, double *out) {
  const int deg = p->deg;
  const double eps = DBL_EPSILON;
  if (deg == 2) {
    *out = p->c2[0];
    return BW_OK;
  }
  if (deg == 4) { /* V'' = 12 c4 x^2 + 6 c3 x + 2 c2 = c2[2] x^2 + c2[1] x + c2[0] */
    const double q = 0.25 * p->c2[1] * p->c2[1] / p->c2[2];
    *out = p->c2[0] - q - 8.0 * eps * (fabs(p->c2[0]) + q);
    return isfinite(*out) ? BW_OK : BW_ERR_OVERFLOW;
  }
  /* Critical points of V'': roots of V''' (odd degree m = deg - 3 >= 3), as the eigenvalues of
   * the companion matrix of the monic V'''/lead (upper Hessenberg), by dhseqr. Every real
   * root has an approximation among them (its real part); Newton on V''' refines each.
   * V'' is evaluated at all of them: its minimum over R is attained at a real critical
   * point, and evaluating it at extra points only gives values above the minimum. */
  const int m = deg - 3;
  double Hm[BW_PT_MAXDEG * BW_PT_MAXDEG], wr[BW_PT_MAXDEG], wi[BW_PT_MAXDEG],
      work[BW_PT_MAXDEG * 4], z = 0.0, c4[BW_PT_MAXDEG];
  memset(Hm, 0, sizeof Hm);
  const double lead = p->c3[m];
  for (int j = 0; j < m; j++) Hm[0 + (size_t)j * m] = -p->c3[m - 1 - j] / lead;
  for (int i = 1; i < m; i++) Hm[i + (size_t)(i - 1) * m] = 1.0;
  if (bw__check_finite(m * m, Hm)) return BW_ERR_OVERFLOW;
  int one = 1, info = 0, lwork = 4 * BW_PT_MAXDEG;
  dhseqr_("E", "N", &m, &one, &m, Hm, &m, wr, wi, &z, &one, work, &lwork, &info, 1, 1);
  if (info != 0) return BW_ERR_LAPACK;
  for (int k = 0; k < m; k++) c4[k] = (k + 1) * p->c3[k + 1]; /* V'''' */
  double best = INFINITY;
  for (int r = 0; r < m; r++) {
    double x = wr[r];
    for (int it = 0; it < 12; it++) { /* every point visited is a candidate */
      const double v = bw__poly(p->c2, deg - 2, x) - 4.0 * deg * eps * poly_abs(p->c2, deg - 2, x);
      if (v < best) best = v;
      const double f = bw__poly(p->c3, m, x), fp = bw__poly(c4, m - 1, x);
      const double xn = x - f / fp;
      if (!isfinite(xn) || fabs(xn - x) <= 2.0 * eps * fabs(x)) break;
      x = xn;
    }
  }
  if (!isfinite(best)) return BW_ERR_OVERFLOW;
  *out = best;
  return BW_OK;
}

bw_status bw_particles_create(int n, int degree, const double *coef, double tau,
                              bw_particles **pp) {
  if (!coef || !pp) return BW_ERR_NULL;
  if (n < 2 || n > BW_PARTICLES_MAX_N) return BW_ERR_DIM;
  if (degree < 2 || degree > BW_PARTICLES_MAX_DEGREE || degree % 2) return BW_ERR_BAD_ARG;
  if (bw__check_finite(degree + 1, coef)) return BW_ERR_NONFINITE;
  if (!(coef[degree] > 0.0)) return BW_ERR_BAD_ARG;
  if (!(tau > 0.0) || !isfinite(tau)) return BW_ERR_BAD_TAU;
  bw_particles *p = calloc(1, sizeof *p);
  if (!p) return BW_ERR_NOMEM;
  p->n = n;
  p->deg = degree;
  p->tau = tau;
  for (int k = 0; k <= degree; k++) p->c[k] = coef[k];
  for (int k = 0; k < degree; k++) {
    p->c1[k] = (k + 1) * coef[k + 1];
    p->a1[k] = fabs(p->c1[k]);
  }
  for (int k = 0; k < degree - 1; k++) p->c2[k] = (k + 1) * p->c1[k + 1];
  for (int k = 0; k < degree - 2; k++) p->c3[k] = (k + 1) * p->c2[k + 1];
  if (bw__check_finite(degree, p->c1) || bw__check_finite(degree - 1, p->c2) ||
      bw__check_finite(degree > 2 ? degree - 2 : 1, p->c3)) {
    free(p);
    return BW_ERR_OVERFLOW;
  }
  bw_status st = vpp_min(p, &p->vpp_min);
  if (st) {
    free(p);
    return st;
  }
  *pp = p;
  return BW_OK;
}

void bw_particles_free(bw_particles *pp) { free(pp); }
int bw_particles_n(const bw_particles *pp) { return pp ? pp->n : 0; }
int bw_particles_degree(const bw_particles *pp) { return pp ? pp->deg : 0; }
const double *bw_particles_coef(const bw_particles *pp) { return pp ? pp->c : NULL; }
double bw_particles_tau(const bw_particles *pp) { return pp ? pp->tau : NAN; }
double bw_particles_vpp_min(const bw_particles *pp) { return pp ? pp->vpp_min : NAN; }

bw_status bw_particles_preset(const char *name, int n, bw_particles **pp, double *mean,
                              double *std) {
  if (!name || !pp) return BW_ERR_NULL;
  static const struct {
    const char *name;
    double c[5];
  } presets[] = {
      {"quartic", {0.0, 0.0, 0.0, 0.0, 0.25}},
      {"doublewell", {0.0, 0.0, -0.5, 0.0, 0.25}},
      {"gauss1d", {0.0, 0.0, 0.5, 0.0, 0.0}},
  };
  int which = -1;
  for (int k = 0; k < 3; k++)
    if (!strcmp(name, presets[k].name)) which = k;
  if (which < 0) return BW_ERR_BAD_ARG;
  if (n < 0 || n == 1 || n > BW_PARTICLES_MAX_N) return BW_ERR_DIM;
  if (n == 0) n = 20;
  const int degree = which == 2 ? 2 : 4;
  bw_status st = bw_particles_create(n, degree, presets[which].c, 1.0, pp);
  if (st) return st;
  if (mean) *mean = 1.0;
  if (std) *std = 0.5;
  return BW_OK;
}

/* ---- configurations ---- */

/* Phi^-1(p) for 0 < p <= 1/2: Acklam's rational approximation (relative error < 1.2e-9),
 * then two Halley steps on Phi(x) - p with Phi(x) = erfc(-x/sqrt 2)/2 (accurate for x <= 0). */
static double norm_quantile_lower(double p) {
  static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                              -2.759285104469687e+02, 1.383577518672690e+02,
                              -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                              -1.556989798598866e+02, 6.680131188771972e+01,
                              -1.328068155288572e+01};
  static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                              -2.400758277161838e+00, -2.549732539343734e+00,
                              4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
                              2.445134137142996e+00, 3.754408661907416e+00};
  if (p == 0.5) return 0.0;
  double x;
  if (p < 0.02425) {
    const double q = sqrt(-2.0 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  for (int it = 0; it < 2; it++) {
    const double e = 0.5 * erfc(-x * 0.70710678118654752440) - p;
    const double u = e * 2.50662827463100050242 * exp(0.5 * x * x);
    x -= u / (1.0 + 0.5 * x * u);
  }
  return x;
}

bw_status bw_particles_quantiles(int n, double mean, double std, double *x) {
  if (!x) return BW_ERR_NULL;
  if (n < 2) return BW_ERR_DIM;
  if (!isfinite(mean)) return BW_ERR_NONFINITE;
  if (!(std > 0.0) || !isfinite(std)) return BW_ERR_BAD_ARG;
  /* Check before writing: compute twice (cheap) rather than keep scratch. */
  for (int pass = 0; pass < 2; pass++) {
    double prev = -INFINITY;
    for (int i = 1; i <= n; i++) {
      /* z_i = -z_{N+1-i}: the upper half from the lower tail (no 1 - p rounding). */
      const int j = 2 * i <= n ? i : n + 1 - i;
      double z = norm_quantile_lower((j - 0.5) / n);
      if (j != i) z = -z;
      const double xi = mean + std * z;
      if (!isfinite(xi)) return BW_ERR_OVERFLOW;
      if (!(xi > prev)) return BW_ERR_NOT_ORDERED;
      prev = xi;
      if (pass) x[i - 1] = xi;
    }
  }
  return BW_OK;
}

bw_status bw__pt_check(int n, const double *x) {
  if (!isfinite(x[0])) return BW_ERR_NONFINITE;
  for (int i = 1; i < n; i++) {
    if (!isfinite(x[i])) return BW_ERR_NONFINITE;
    if (!(x[i] > x[i - 1])) return BW_ERR_NOT_ORDERED;
  }
  return BW_OK;
}

bw_status bw_particles_check(const bw_particles *pp, const double *x) {
  if (!pp || !x) return BW_ERR_NULL;
  return bw__pt_check(pp->n, x);
}

/* ---- energy and derivatives ---- */

bool bw__pt_grad(const bw_particles *p, const double *x, double *rinv, double *g) {
  const int n = p->n, deg1 = p->deg - 1;
  const double tau = p->tau;
  bool ordered = true;
  for (int i = 0; i < n - 1; i++) {
    const double d = x[i + 1] - x[i];
    ordered &= d > 0.0;
    rinv[i] = 1.0 / d;
  }
  double sum = fabs(g[0] = bw__poly(p->c1, deg1, x[0]) + tau * rinv[0]);
  for (int i = 1; i < n - 1; i++) {
    g[i] = bw__poly(p->c1, deg1, x[i]) + tau * (rinv[i] - rinv[i - 1]);
    sum += fabs(g[i]);
  }
  g[n - 1] = bw__poly(p->c1, deg1, x[n - 1]) - tau * rinv[n - 2];
  sum += fabs(g[n - 1]);
  return ordered && isfinite(sum);
}

void bw__pt_hess(const bw_particles *p, const double *x, const double *rinv, double *diag,
                 double *off) {
  const int n = p->n, deg2 = p->deg - 2;
  const double tau = p->tau;
  double left = 0.0; /* tau / D_{i-1}^2 */
  for (int i = 0; i < n; i++) {
    const double right = i < n - 1 ? tau * rinv[i] * rinv[i] : 0.0;
    diag[i] = bw__poly(p->c2, deg2, x[i]) + left + right;
    if (i < n - 1) off[i] = -right;
    left = right;
  }
}

bw_status bw_particles_energy(const bw_particles *pp, const double *x, double *J) {
  if (!pp || !x || !J) return BW_ERR_NULL;
  bw_status st = bw__pt_check(pp->n, x);
  if (st) return st;
  const int n = pp->n;
  double sv = 0.0, sl = 0.0;
  for (int i = 0; i < n; i++) sv += bw__poly(pp->c, pp->deg, x[i]);
  for (int i = 0; i < n - 1; i++) sl += log(n * (x[i + 1] - x[i]));
  const double F = sv - pp->tau * sl;
  if (!isfinite(F)) return BW_ERR_OVERFLOW;
  *J = F / n;
  return BW_OK;
}

/* Gradient into g without scratch (rinv recomputed per entry). */
static void grad_noscratch(const bw_particles *p, const double *x, double *g) {
  const int n = p->n, deg1 = p->deg - 1;
  double left = 0.0;
  for (int i = 0; i < n; i++) {
    const double right = i < n - 1 ? p->tau / (x[i + 1] - x[i]) : 0.0;
    g[i] = bw__poly(p->c1, deg1, x[i]) + right - left;
    left = right;
  }
}

bw_status bw_particles_gradient(const bw_particles *pp, const double *x, double *g) {
  if (!pp || !x || !g) return BW_ERR_NULL;
  bw_status st = bw__pt_check(pp->n, x);
  if (st) return st;
  /* Check finiteness entry by entry before writing: compute, test, then write. */
  const int n = pp->n, deg1 = pp->deg - 1;
  double left = 0.0;
  for (int i = 0; i < n; i++) {
    const double right = i < n - 1 ? pp->tau / (x[i + 1] - x[i]) : 0.0;
    if (!isfinite(bw__poly(pp->c1, deg1, x[i]) + right - left)) return BW_ERR_OVERFLOW;
    left = right;
  }
  grad_noscratch(pp, x, g);
  return BW_OK;
}

bw_status bw_particles_hessian(const bw_particles *pp, const double *x, double *diag,
                               double *off) {
  if (!pp || !x || !diag || !off) return BW_ERR_NULL;
  bw_status st = bw__pt_check(pp->n, x);
  if (st) return st;
  const int n = pp->n, deg2 = pp->deg - 2;
  for (int i = 0; i < n; i++) {
    const double l = i ? 1.0 / (x[i] - x[i - 1]) : 0.0, r = i < n - 1 ? 1.0 / (x[i + 1] - x[i]) : 0.0;
    if (!isfinite(bw__poly(pp->c2, deg2, x[i]) + pp->tau * (l * l + r * r))) return BW_ERR_OVERFLOW;
  }
  for (int i = 0; i < n; i++) {
    const double l = i ? 1.0 / (x[i] - x[i - 1]) : 0.0, r = i < n - 1 ? 1.0 / (x[i + 1] - x[i]) : 0.0;
    diag[i] = bw__poly(pp->c2, deg2, x[i]) + pp->tau * (l * l + r * r);
    if (i < n - 1) off[i] = -pp->tau * r * r;
  }
  return BW_OK;
}

/* |grad F|^2 / N with scaling (no overflow of the squares before the division). */
static bw_status slope_sq(const bw_particles *p, const double *x, double *s) {
  const int n = p->n, deg1 = p->deg - 1;
  double left = 0.0, big = 0.0, acc = 0.0;
  for (int i = 0; i < n; i++) {
    const double right = i < n - 1 ? p->tau / (x[i + 1] - x[i]) : 0.0;
    const double g = fabs(bw__poly(p->c1, deg1, x[i]) + right - left);
    if (!isfinite(g)) return BW_ERR_OVERFLOW;
    if (g > big) {
      acc = acc * (big / g) * (big / g) + 1.0;
      big = g;
    } else if (g > 0.0) {
      acc += (g / big) * (g / big);
    }
    left = right;
  }
  const double r = big * big * (acc / n);
  if (!isfinite(r)) return BW_ERR_OVERFLOW;
  *s = r;
  return BW_OK;
}

bw_status bw_particles_slope_sq(const bw_particles *pp, const double *x, double *s) {
  if (!pp || !x || !s) return BW_ERR_NULL;
  bw_status st = bw__pt_check(pp->n, x);
  if (st) return st;
  return slope_sq(pp, x, s);
}

bw_status bw_particles_modified_energy(const bw_particles *pp, const double *x, double eta,
                                       double *Jeta) {
  if (!pp || !x || !Jeta) return BW_ERR_NULL;
  if (!isfinite(eta)) return BW_ERR_BAD_ETA;
  double J, s;
  bw_status st = bw_particles_energy(pp, x, &J);
  if (!st) st = slope_sq(pp, x, &s);
  if (st) return st;
  const double r = J - 0.25 * eta * s;
  if (!isfinite(r)) return BW_ERR_OVERFLOW;
  *Jeta = r;
  return BW_OK;
}

/* ---- eigenvalues of H ---- */

bw_status bw_particles_hessian_extremes(const bw_particles *pp, bw_particles_ws *ws,
                                        const double *x, double *lmin, double *lmax) {
  if (!pp || !x) return BW_ERR_NULL;
  bw_status st = bw__pt_check(pp->n, x);
  if (st) return st;
  const int n = pp->n;
  bw_particles_ws *own = NULL;
  if ((st = bw__pt_ws_get(&ws, n, &own))) return st;
  double *d = ws->v[0], *e = ws->v[1], *w = ws->v[2], *work = ws->v[3]; /* work: 4n */
  int *iblock = ws->iv, *isplit = iblock + n, *iwork = isplit + n;   /* iwork: 3n */
  bw__pt_grad(pp, x, ws->v[7], ws->v[8]);
  bw__pt_hess(pp, x, ws->v[7], d, e);
  if (bw__check_finite(n, d) || bw__check_finite(n - 1, e)) st = BW_ERR_OVERFLOW;
  double lo = NAN, hi = NAN;
  const double abstol = 2.0 * DBL_MIN, dummy = 0.0;
  for (int k = 0; k < 2 && !st; k++) {
    const int il = k ? n : 1;
    int m = 0, nsplit = 0, info = 0;
    dstebz_("I", "E", &n, &dummy, &dummy, &il, &il, &abstol, d, e, &m, &nsplit, w, iblock, isplit,
            work, iwork, &info, 1, 1);
    if (info != 0 || m != 1) st = BW_ERR_LAPACK;
    else if (k) hi = w[0];
    else lo = w[0];
  }
  bw_particles_ws_free(own);
  if (st) return st;
  if (lmin) *lmin = lo;
  if (lmax) *lmax = hi;
  return BW_OK;
}

/* Pivots of lambda I - T: all positive iff lambda > lambda_max(T) (Sturm). */
static bool above_all(int n, const double *a, const double *b, double lam) {
  double d = lam - a[0];
  if (!(d > 0.0)) return false;
  for (int i = 1; i < n; i++) {
    d = lam - a[i] - b[i - 1] * b[i - 1] / d;
    if (!(d > 0.0)) return false;
  }
  return true;
}

/* Laguerre's sums at lam > lambda_max: with p(l) = det(l I - T) = prod d_i (the pivots),
 * s1 = p'/p = sum_j 1/(l - l_j) and s2 = (p'/p)^2 - p''/p = sum_j 1/(l - l_j)^2, from the
 * pivots' recurrences d_i = l - a_i - b_{i-1}^2/d_{i-1} and their first two derivatives.
 * false when a pivot is not positive (lam <= lambda_max) or a sum is not finite. */
static bool laguerre_sums(int n, const double *a, const double *b, double lam, double *s1,
                          double *s2) {
  double d = lam - a[0], dp = 1.0, dpp = 0.0;
  if (!(d > 0.0)) return false;
  double inv = 1.0 / d, t1 = inv, t2 = inv * inv;
  for (int i = 1; i < n; i++) {
    const double bb = b[i - 1] * b[i - 1], inv2 = inv * inv;
    const double dn = lam - a[i] - bb * inv;
    if (!(dn > 0.0)) return false;
    dpp = bb * (dpp * inv2 - 2.0 * dp * dp * inv2 * inv);
    dp = 1.0 + bb * dp * inv2;
    inv = 1.0 / dn;
    const double q = dp * inv;
    t1 += q;
    t2 += q * q - dpp * inv;
  }
  if (!isfinite(t1) || !isfinite(t2)) return false;
  *s1 = t1, *s2 = t2;
  return true;
}

bw_status bw__tridiag_lmax(int n, const double *a, const double *b, double hint, double *lmax) {
  /* Gershgorin: lambda_max <= U; lambda_max >= max_i a_i (Rayleigh quotient of e_i). */
  double U = -INFINITY, lo = -INFINITY, nrm = 0.0;
  for (int i = 0; i < n; i++) {
    const double r = (i ? fabs(b[i - 1]) : 0.0) + (i < n - 1 ? fabs(b[i]) : 0.0);
    if (a[i] + r > U) U = a[i] + r;
    if (a[i] > lo) lo = a[i];
    if (fabs(a[i]) + r > nrm) nrm = fabs(a[i]) + r;
  }
  if (!isfinite(U) || !isfinite(nrm)) return BW_ERR_LAPACK;
  const double tiny = 4.0 * DBL_EPSILON * nrm;
  /* Laguerre's iteration from above: monotone for a polynomial with real roots, cubically
   * convergent at a simple root (lambda_max of an irreducible T). Start just above the hint
   * (a previous lambda_max nearby), moving up until the start is above lambda_max; else at
   * Gershgorin's bound. */
  double rel = 1e-6, lam = isfinite(hint) && hint + rel * nrm < U ? hint + rel * nrm : U + tiny;
  double prev = NAN, s1 = 0.0, s2 = 0.0;
  for (int it = 0; it < 80; it++) {
    if (!laguerre_sums(n, a, b, lam, &s1, &s2)) {
      if (isnan(prev)) { /* the start is not above lambda_max: a higher one */
        rel *= 64.0;
        const bool gersh = !(isfinite(hint) && hint + rel * nrm < U);
        if (lam >= U) break;
        if (lam > lo) lo = lam;
        lam = gersh ? U + tiny : hint + rel * nrm;
        continue;
      }
      /* At or below lambda_max: exact Laguerre stays above, so the step landed on
       * lambda_max to rounding (cubic convergence typically gets there in one step from a
       * start 1e-6 nrm above). Certified when lam + 16 tiny is above lambda_max (one Sturm
       * sweep); otherwise bisection in [lam, prev]. */
      if (above_all(n, a, b, lam + 16.0 * tiny)) {
        *lmax = lam > lo ? lam : lo;
        return BW_OK;
      }
      if (lam > lo) lo = lam;
      lam = prev;
      break;
    }
    const double step = n / (s1 + sqrt(fmax((n - 1) * (n * s2 - s1 * s1), 0.0)));
    if (lam - n / s1 > lo) lo = lam - n / s1; /* sum 1/(l - l_j) <= n/(l - lambda_max) */
    if (!(step >= 0.0) || !isfinite(step)) break;
    if (step <= tiny || lam - step <= lo) {
      *lmax = fmax(lam - step, lo);
      return BW_OK;
    }
    prev = lam;
    lam -= step;
  }
  /* Fallback: bisection on the Sturm test in [lo, hi]. */
  double hi = above_all(n, a, b, lam) ? lam : U + tiny;
  if (!above_all(n, a, b, hi)) return BW_ERR_LAPACK;
  for (int it = 0; it < 200 && hi - lo > tiny; it++) {
    const double mid = 0.5 * (lo + hi);
    if (above_all(n, a, b, mid)) hi = mid;
    else lo = mid;
  }
  *lmax = hi;
  return BW_OK;
}

/* ---- moments, distances, densities ---- */

bw_status bw_particles_moments(int n, const double *x, double *mean, double *var) {
  if (!x) return BW_ERR_NULL;
  if (n < 1) return BW_ERR_DIM;
  if (bw__check_finite(n, x)) return BW_ERR_NONFINITE;
  double s = 0.0;
  for (int i = 0; i < n; i++) s += x[i] / n;
  double v = 0.0;
  for (int i = 0; i < n; i++) {
    const double dx = x[i] - s;
    v += dx * dx / n;
  }
  if (!isfinite(s) || !isfinite(v)) return BW_ERR_OVERFLOW;
  if (mean) *mean = s;
  if (var) *var = v;
  return BW_OK;
}

bw_status bw_particles_w2(int n, const double *x, const double *y, double *w2) {
  if (!x || !y || !w2) return BW_ERR_NULL;
  if (n < 1) return BW_ERR_DIM;
  /* The plain sum of squares, unless it overflows, underflows or is not finite (then the
   * inputs are checked and the sum is redone scaled by the largest difference, halved). */
  double acc = 0.0;
  for (int i = 0; i < n; i++) {
    const double d = x[i] - y[i];
    acc += d * d;
  }
  if (acc > 1e-280 && acc < 1e280) {
    *w2 = sqrt(acc / n);
    return BW_OK;
  }
  if (bw__check_finite(n, x) || bw__check_finite(n, y)) return BW_ERR_NONFINITE;
  double big = 0.0;
  for (int i = 0; i < n; i++) {
    const double d = fabs(0.5 * x[i] - 0.5 * y[i]);
    if (d > big) big = d;
  }
  if (big == 0.0) {
    *w2 = 0.0;
    return BW_OK;
  }
  const double ib = 1.0 / big;
  acc = 0.0;
  for (int i = 0; i < n; i++) {
    const double r = (0.5 * x[i] - 0.5 * y[i]) * ib;
    acc += r * r;
  }
  const double r = 2.0 * big * sqrt(acc / n);
  if (!isfinite(r)) return BW_ERR_OVERFLOW;
  *w2 = r;
  return BW_OK;
}

bw_status bw_particles_density(int n, const double *x, double *rho) {
  if (!x || !rho) return BW_ERR_NULL;
  if (n < 2) return BW_ERR_DIM;
  bw_status st = bw__pt_check(n, x);
  if (st) return st;
  for (int i = 0; i < n - 1; i++)
    if (!isfinite(1.0 / ((double)n * (x[i + 1] - x[i])))) return BW_ERR_OVERFLOW;
  for (int i = 0; i < n - 1; i++) rho[i] = 1.0 / ((double)n * (x[i + 1] - x[i]));
  return BW_OK;
}

/* ---- workspaces ---- */

bw_particles_ws *bw_particles_ws_alloc(int nmax) {
  if (nmax < 2 || nmax > BW_PARTICLES_MAX_N) return NULL;
  bw_particles_ws *ws = calloc(1, sizeof *ws);
  if (!ws) return NULL;
  double *blk = malloc((size_t)BW_PT_NVEC * nmax * sizeof(double));
  ws->iv = malloc((size_t)BW_PT_NINT * nmax * sizeof(int));
  if (!blk || !ws->iv) {
    free(blk);
    free(ws->iv);
    free(ws);
    return NULL;
  }
  ws->nmax = nmax;
  for (int k = 0; k < BW_PT_NVEC; k++) ws->v[k] = blk + (size_t)k * nmax;
  return ws;
}

void bw_particles_ws_free(bw_particles_ws *ws) {
  if (!ws) return;
  free(ws->v[0]);
  free(ws->iv);
  free(ws);
}

int bw_particles_ws_size(const bw_particles_ws *ws) { return ws ? ws->nmax : 0; }

bw_status bw__pt_ws_get(bw_particles_ws **ws, int n, bw_particles_ws **own) {
  *own = NULL;
  if (*ws) return (*ws)->nmax >= n ? BW_OK : BW_ERR_DIM_MISMATCH;
  if (!(*own = bw_particles_ws_alloc(n))) return BW_ERR_NOMEM;
  *ws = *own;
  return BW_OK;
}
