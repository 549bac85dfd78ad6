/* The expectations psi_k = E phi^(k)(mu + sigma Z), Z ~ N(0, 1), sigma = sqrt(s), of the ridge
 * families (docs/math.md section 9):
 *
 *   quadratic, quartic  closed forms (Gaussian moments), exact;
 *   poisson             psi_k = e^(mu + s/2) for every k, exact (BW_ERR_OVERFLOW beyond DBL_MAX);
 *   logistic, logcosh   sigma < sigma_switch: Gauss-Hermite with the problem's q nodes, in z;
 *                       sigma >= sigma_switch: the trapezoidal rule in t on a fixed grid,
 *                       sum_j h N(t_j; mu, s) r_k(t_j), with r_k = phi^(k) - A_k, A_k a smooth
 *                       asymptote of phi^(k) whose expectation is known in closed form
 *                       (k = 0, 1; A_k = 0 for k >= 2), plus E A_k;
 *   custom              Gauss-Hermite with q nodes, all the ridges of one (phi, ctx) in one
 *                       call of phi.
 *
 * Why two rules: Gauss-Hermite integrates in z, where phi^(k)(mu + sigma z) has features of
 * width 1/sigma at z = -mu/sigma (phi's poles at t = +-i pi for logistic and +-i pi/2 for
 * logcosh are i pi/sigma away in z): it converges fast for sigma small and slowly for sigma
 * of order 1 and more (q = 128 nodes: error 5e-8 for logistic at sigma = 3, 5e-3 for logcosh).
 * In t the integrand is r_k (analytic in the strip of phi's poles, decaying like e^-|t|)
 * times a Gaussian broader than the grid step: the trapezoidal rule converges
 * geometrically in the strip's width over h. The asymptotes are Gaussian-smoothed ramps and
 * steps (analytic, so r_k stays analytic):
 *   R(t)  = t Phi(t) + phi_N(t)   (= E max(t + W, 0), W ~ N(0, 1)),   E R(mu + sigma Z) = R_c(mu),
 *   R_c(mu) = mu Phi(mu/c) + c phi_N(mu/c),  c = sqrt(1 + s);
 *   logistic: A_0 = R, A_1 = Phi;  logcosh: A_0 = 2 R - t - log 2, A_1 = erf(t/sqrt 2).
 * Grids (measured against 30-digit quadrature for mu in [-60, 40], sigma in [0.3, 100], k <= 4:
 * error <= 4e-16): logistic h = 1/4 on [-40, 40], logcosh h = 1/8 on [-20, 20] (321 points);
 * switches sigma = 0.45 (logistic) and 0.3 (logcosh), where Gauss-Hermite with the default
 * q = 32 nodes is exact to 2e-16 (docs/math.md section 9 has the table).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "ridge/ridge_internal.h"

#define LN2 0.69314718055994530942
#define SQRT1_2 0.70710678118654752440

void dstev_(const char *jobz, const int *n, double *d, double *e, double *z, const int *ldz, double *work,
            int *info, size_t ljobz);

static const double grid_L[BW__NGRIDS] = {40.0, 20.0}, grid_h[BW__NGRIDS] = {0.25, 0.125};
static const double sigma_switch[BW__NGRIDS] = {0.45, 0.3};

/* ---- the families' derivatives ---- */

/* phi^(k)(t), k = 0..4 (k = 0 only when zero is set: the log costs), of log(1 + e^t): with
 * e = e^-|t| no exponential overflows, and sigma(t), sigma(1 - sigma) = e/(1 + e)^2 keep their
 * relative accuracy for every t; 1 - 2 sigma = -sign(t) (1 - e)/(1 + e) has an absolute error
 * of a few eps (what an expectation needs). */
static inline void logistic5(double t, double *f, bool zero) {
  const double at = fabs(t), e = exp(-at), ip = 1.0 / (1.0 + e), p2 = e * ip * ip;
  const double om = (1.0 - e) * ip; /* tanh(|t|/2) */
  if (zero) f[0] = fmax(t, 0.0) + log1p(e);
  f[1] = t >= 0.0 ? ip : e * ip;
  f[2] = p2;
  f[3] = t >= 0.0 ? -p2 * om : p2 * om;
  f[4] = p2 * (1.0 - 6.0 * p2);
}

/* phi^(k)(t), k = 0..4 (k = 0 only when zero is set), of log cosh t = |t| + log(1 + e^-2|t|)
 * - log 2: tanh (absolute error a few eps), sech^2 = 4 e/(1 + e)^2 (e = e^-2|t|), -2 tanh sech^2,
 * sech^2 (6 tanh^2 - 2). */
static inline void logcosh5(double t, double *f, bool zero) {
  const double at = fabs(t), e = exp(-2.0 * at), ip = 1.0 / (1.0 + e);
  const double th = copysign((1.0 - e) * ip, t), s2 = 4.0 * e * ip * ip;
  if (zero) f[0] = at + log1p(e) - LN2;
  f[1] = th;
  f[2] = s2;
  f[3] = -2.0 * th * s2;
  f[4] = s2 * (6.0 * th * th - 2.0);
}

static inline double std_pdf(double x) { return 0.39894228040143267794 * exp(-0.5 * x * x); }
static inline double std_cdf(double x) { return 0.5 * erfc(-x * SQRT1_2); }
/* R_c(mu) = E max(mu + c W, 0) */
static inline double ramp(double mu, double c) { return mu * std_cdf(mu / c) + c * std_pdf(mu / c); }

/* ---- Gauss-Hermite ---- */

bw_status bw_ridge_gauss_hermite(int q, double *z, double *w) {
  if (!z || !w) return BW_ERR_NULL;
  if (q < 1 || q > BW_RIDGE_NODES_MAX) return BW_ERR_BAD_ARG;
  double *buf = malloc((size_t)(2 * q + 2 * q) * sizeof(double));
  if (!buf) return BW_ERR_NOMEM;
  double *x = buf, *e = x + q, *wk = e + q;
  for (int i = 0; i < q; i++) x[i] = 0.0, e[i] = sqrt((double)(i + 1));
  int info = 0, one = 1;
  dstev_("N", &q, x, e, NULL, &one, wk, &info, 1); /* eigenvalues only: the nodes */
  bw_status st = info ? BW_ERR_LAPACK : BW_OK;
  for (int i = 0; !st && i < q; i++) {
    /* symmetric about 0: average the pair */
    const double zi = i == q - 1 - i ? 0.0 : 0.5 * (x[i] - x[q - 1 - i]);
    /* Christoffel: 1/w = sum_k p_k(z)^2, p_k = He_k/sqrt(k!) orthonormal:
     * p_{k+1} = (z p_k - sqrt(k) p_{k-1})/sqrt(k+1); rescaled to avoid overflow (p_k grows
     * like e^(z^2/4)), the scale kept as a power of 2. */
    double p0 = 0.0, p1 = 1.0, sum = 1.0;
    int ex = 0;
    for (int k = 1; k < q; k++) {
      const double p2 = (zi * p1 - sqrt((double)(k - 1)) * p0) / sqrt((double)k);
      p0 = p1, p1 = p2;
      sum += p1 * p1;
      if (sum > 0x1p500) p0 *= 0x1p-250, p1 *= 0x1p-250, sum *= 0x1p-500, ex += 500;
    }
    z[i] = zi;
    w[i] = ldexp(1.0 / sum, -ex);
  }
  if (!st) { /* weights sum to 1 (they do to rounding; make it exact to rounding in order) */
    double tot = 0.0;
    for (int i = 0; i < q; i++) tot += w[i];
    for (int i = 0; i < q; i++) w[i] /= tot;
  }
  free(buf);
  return st;
}

/* ---- trapezoidal grids ---- */

double *bw__ridge_grid_create(int which) {
  double *g = malloc(5 * (size_t)BW__RIDGE_GRID_M * sizeof(double));
  if (!g) return NULL;
  const double L = grid_L[which], h = grid_h[which];
  for (int j = 0; j < BW__RIDGE_GRID_M; j++) {
    const double t = -L + j * h;
    double f[5];
    if (which == BW__GRID_LOGISTIC) {
      logistic5(t, f, true);
      f[0] -= t * std_cdf(t) + std_pdf(t);
      f[1] -= std_cdf(t);
    } else {
      logcosh5(t, f, true);
      f[0] -= 2.0 * (t * std_cdf(t) + std_pdf(t)) - t - LN2;
      f[1] -= erf(t * SQRT1_2);
    }
    for (int k = 0; k < 5; k++) g[k * BW__RIDGE_GRID_M + j] = f[k];
  }
  return g;
}

/* sum_j h N(t_j; mu, sigma^2) r_k(t_j), k = K0..K1, over the grid points lo..hi, into acc. The
 * weights by the recurrence w_(j+1) = w_j rho_j, rho_(j+1) = rho_j e^(-delta^2)
 * (delta = h/sigma), restarted from exp every 16 points, run as four interleaved chains
 * w_(j+4) = w_j r_j, r_(j+4) = r_j e^(-16 delta^2) (r_j = rho_j^4 e^(-6 delta^2)), so that the
 * multiplications do not wait on each other (each weight is a few products from an exp:
 * relative error ~16 eps). Inlined with constant K0, K1 (the accumulators stay in registers). */
static inline __attribute__((always_inline)) void grid_sum(const double *g, double L, double h, double mu,
                                                           double sigma, int lo, int hi, int K0, int K1,
                                                           double *out) {
  double acc[5][4] = {{0.0}};
  const double c = h * 0.39894228040143267794 / sigma, is = 1.0 / sigma, dl = h * is, q = exp(-dl * dl);
  const double q2 = q * q, q4 = q2 * q2, q6 = q4 * q2, q16 = q4 * q4 * q4 * q4;
  for (int j0 = lo; j0 <= hi; j0 += 16) {
    const double x = (-L + j0 * h - mu) * is;
    const double rho = exp(-(x * dl + 0.5 * dl * dl)), rho2 = rho * rho;
    double w[4], r[4];
    w[0] = c * exp(-0.5 * x * x), w[1] = w[0] * rho, w[2] = w[1] * rho * q, w[3] = w[2] * rho * q2;
    r[0] = rho2 * rho2 * q6, r[1] = r[0] * q4, r[2] = r[1] * q4, r[3] = r[2] * q4;
    const int j1 = j0 + 16 <= hi + 1 ? j0 + 16 : hi + 1;
    int j = j0;
    for (; j + 4 <= j1; j += 4) {
      for (int k = K0; k <= K1; k++)
        for (int i = 0; i < 4; i++) acc[k][i] += w[i] * g[k * BW__RIDGE_GRID_M + j + i];
      for (int i = 0; i < 4; i++) w[i] *= r[i], r[i] *= q16;
    }
    for (int i = 0; j < j1; j++, i++)
      for (int k = K0; k <= K1; k++) acc[k][i] += w[i] * g[k * BW__RIDGE_GRID_M + j];
  }
  for (int k = K0; k <= K1; k++) out[k] = (acc[k][0] + acc[k][1]) + (acc[k][2] + acc[k][3]);
}

/* sum_j h N(t_j; mu, sigma^2) r_k(t_j) + E A_k, k = kmin..kmax. The grid points within 9.5 sigma
 * of mu (beyond, e^(-x^2/2) < 3e-20 of the largest: |r_k| <= 1, so they change nothing). */
static void grid_psi(const double *g, int which, double mu, double sigma, int kmin, int kmax, double *psi) {
  const double L = grid_L[which], h = grid_h[which];
  double lo_t = (mu - 9.5 * sigma + L) / h, hi_t = (mu + 9.5 * sigma + L) / h;
  const int lo = lo_t > 0.0 ? (lo_t < BW__RIDGE_GRID_M ? (int)ceil(lo_t) : BW__RIDGE_GRID_M) : 0;
  const int hi = hi_t < BW__RIDGE_GRID_M - 1 ? (hi_t >= 0.0 ? (int)floor(hi_t) : -1) : BW__RIDGE_GRID_M - 1;
  double acc[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
  if (kmin == 1 && kmax == 2) grid_sum(g, L, h, mu, sigma, lo, hi, 1, 2, acc);
  else if (kmin == 0 && kmax == 0) grid_sum(g, L, h, mu, sigma, lo, hi, 0, 0, acc);
  else if (kmin == 0 && kmax == 2) grid_sum(g, L, h, mu, sigma, lo, hi, 0, 2, acc);
  else if (kmin == 1) grid_sum(g, L, h, mu, sigma, lo, hi, 1, 4, acc);
  else grid_sum(g, L, h, mu, sigma, lo, hi, 0, 4, acc);
  const double cs = sqrt(1.0 + sigma * sigma);
  if (which == BW__GRID_LOGISTIC) {
    if (kmin == 0) psi[0] = acc[0] + ramp(mu, cs);
    if (kmax >= 1) psi[1] = acc[1] + std_cdf(mu / cs);
  } else {
    if (kmin == 0) psi[0] = acc[0] + 2.0 * ramp(mu, cs) - mu - LN2;
    if (kmax >= 1) psi[1] = acc[1] + erf(mu / cs * SQRT1_2);
  }
  for (int k = 2; k <= kmax; k++) psi[k] = acc[k];
}

/* ---- one ridge ---- */

/* psi_k, k = kmin..kmax (kmin 0 or 1; the closed forms write from 0), of a built-in family at
 * (mu, s). */
static void builtin_psi(const bw_ridge_problem *pb, int fam, double mu, double s, int kmin, int kmax, double *psi) {
  switch (fam) {
  case BW_RIDGE_QUADRATIC:
    psi[0] = 0.5 * (mu * mu + s);
    if (kmax >= 1) psi[1] = mu;
    if (kmax >= 2) psi[2] = 1.0;
    for (int k = 3; k <= kmax; k++) psi[k] = 0.0;
    return;
  case BW_RIDGE_QUARTIC: { /* E(mu + sigma Z)^4 = mu^4 + 6 mu^2 s + 3 s^2, ... */
    const double m2 = mu * mu;
    psi[0] = 0.25 * (m2 * m2 + 6.0 * m2 * s + 3.0 * s * s);
    if (kmax >= 1) psi[1] = mu * (m2 + 3.0 * s);
    if (kmax >= 2) psi[2] = 3.0 * (m2 + s);
    if (kmax >= 3) psi[3] = 6.0 * mu;
    if (kmax >= 4) psi[4] = 6.0;
    return;
  }
  case BW_RIDGE_POISSON: {
    const double v = exp(mu + 0.5 * s);
    for (int k = 0; k <= kmax; k++) psi[k] = v;
    return;
  }
  default: break;
  }
  const int which = fam == BW_RIDGE_LOGISTIC ? BW__GRID_LOGISTIC : BW__GRID_LOGCOSH;
  const double sigma = sqrt(s);
  if (sigma >= sigma_switch[which]) {
    grid_psi(pb->grid[which], which, mu, sigma, kmin, kmax, psi);
    return;
  }
  double acc[5] = {0.0, 0.0, 0.0, 0.0, 0.0}, f[5];
  for (int i = 0; i < pb->q; i++) {
    const double t = mu + sigma * pb->z[i], wi = pb->zw[i];
    if (which == BW__GRID_LOGISTIC) logistic5(t, f, kmin == 0);
    else logcosh5(t, f, kmin == 0);
    for (int k = kmin; k <= kmax; k++) acc[k] += wi * f[k];
  }
  for (int k = kmin; k <= kmax; k++) psi[k] = acc[k];
}

static bool all_finite(int n, const double *x) {
  for (int i = 0; i < n; i++)
    if (!isfinite(x[i])) return false;
  return true;
}

bw_status bw__ridge_psi_one(const bw_ridge_problem *pb, int j, double mu, double s, double *psi, double *scratch) {
  const int fam = pb->family[j];
  if (fam != BW_RIDGE_CUSTOM) {
    builtin_psi(pb, fam, mu, s, 0, 4, psi);
    return all_finite(5, psi) ? BW_OK : BW_ERR_OVERFLOW;
  }
  int grp = 0; /* the ridge's group: its phi and ctx */
  for (int k = 0; k < pb->ngroups; k++)
    for (int i = pb->cstart[k]; i < pb->cstart[k + 1]; i++)
      if (pb->cidx[i] == j) grp = k;
  const int q = pb->q;
  double *t = scratch, *out = scratch + q;
  const double sigma = sqrt(s);
  for (int i = 0; i < q; i++) t[i] = mu + sigma * pb->z[i];
  if (pb->gphi[grp](pb->gctx[grp], 4, q, t, out)) return BW_ERR_OVERFLOW;
  for (int k = 0; k < 5; k++) {
    double acc = 0.0;
    for (int i = 0; i < q; i++) acc += pb->zw[i] * out[k * q + i];
    psi[k] = acc;
  }
  return all_finite(5, psi) ? BW_OK : BW_ERR_OVERFLOW;
}

bw_status bw_ridge_expect(const bw_ridge_problem *pb, int j, double mu, double s, double psi[5]) {
  if (!pb || !psi) return BW_ERR_NULL;
  if (j < 0 || j >= pb->n) return BW_ERR_BAD_ARG;
  if (!isfinite(mu) || !isfinite(s)) return BW_ERR_NONFINITE;
  if (!(s >= 0.0)) return BW_ERR_BAD_ARG;
  double scratch[6 * BW_RIDGE_NODES_MAX], out[5];
  bw_status st = bw__ridge_psi_one(pb, j, mu, s, out, scratch);
  if (!st) memcpy(psi, out, sizeof out);
  return st;
}

/* ---- all ridges ---- */

bw_status bw__ridge_psi_all(const bw_ridge_problem *pb, bw_ridge_ws *ws, int kmin, int kmax) {
  const int n = pb->n, q = pb->q;
  double *psi = ws->psi;
  for (int j = 0; j < n; j++) {
    const int fam = pb->family[j];
    if (fam == BW_RIDGE_CUSTOM) continue;
    double v[5];
    builtin_psi(pb, fam, ws->mu[j], ws->s[j], kmin, kmax, v);
    for (int k = kmin; k <= kmax; k++) psi[(size_t)k * n + j] = v[k];
  }
  for (int g = 0; g < pb->ngroups; g++) { /* one call per (phi, ctx) */
    const int i0 = pb->cstart[g], m = pb->cstart[g + 1] - i0, np = m * q;
    for (int i = 0; i < m; i++) {
      const int j = pb->cidx[i0 + i];
      const double sigma = sqrt(ws->s[j]), mu = ws->mu[j];
      for (int l = 0; l < q; l++) ws->ct[i * q + l] = mu + sigma * pb->z[l];
    }
    if (pb->gphi[g](pb->gctx[g], kmax, np, ws->ct, ws->cout)) return BW_ERR_OVERFLOW;
    for (int i = 0; i < m; i++) {
      const int j = pb->cidx[i0 + i];
      for (int k = 0; k <= kmax; k++) {
        const double *o = ws->cout + (size_t)k * np + (size_t)i * q;
        double acc = 0.0;
        for (int l = 0; l < q; l++) acc += pb->zw[l] * o[l];
        psi[(size_t)k * n + j] = acc;
      }
    }
  }
  return all_finite((kmax - kmin + 1) * n, psi + (size_t)kmin * n) ? BW_OK : BW_ERR_OVERFLOW;
}
