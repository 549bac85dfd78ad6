/* JKO-Flow of order 2 for particles on the quantile line (docs/math.md section 8): the JKO
 * step is implicit Euler for x' = f = -grad F, whose modified field is
 *   f + (eta/2) f'f + eta^2 (f'f'f/3 + f''(f, f)/12) = -g + (eta/2) H g - eta^2 t2,
 *   t2 = H^2 g/3 + T[g, g]/12,   g = grad F, H = grad^2 F, T = F''' (contracted).
 * F = sum_i V(x_i) + sum_j phi(D_j), phi(D) = -tau log(N D), D_j = x_{j+1} - x_j, so every
 * derivative of F is V^(k)(x_i) on the diagonal plus phi^(k)(D_j) times the rank-one tensor
 * of u_j = e_{j+1} - e_j: contractions cost O(N), and the matrices are banded.
 * Band storage (half-bandwidth w): M[(k + w) N + i] = M_{i, i+k}, k = -w..w, zero where
 * i + k is outside 0..N-1. SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "particles/particles_internal.h"

void bw__pt_mf2_term(const bw_particles *p, const double *x, const double *rinv, const double *g,
                     const double *hd, const double *ho, const double *hg, double *t2) {
  const int n = p->n, deg3 = p->deg - 3;
  const double m2tau = -2.0 * p->tau;
  double left = 0.0; /* phi'''(D_{i-1}) dg_{i-1}^2 */
  for (int i = 0; i < n; i++) {
    double h2g = hd[i] * hg[i]; /* (H (H g))_i */
    if (i) h2g += ho[i - 1] * hg[i - 1];
    double right = 0.0;
    if (i < n - 1) {
      h2g += ho[i] * hg[i + 1];
      const double r = rinv[i], dg = g[i + 1] - g[i];
      right = m2tau * r * r * r * dg * dg;
    }
    const double v3 = deg3 >= 0 ? bw__poly(p->c3, deg3, x[i]) : 0.0;
    const double tgg = v3 * g[i] * g[i] + left - right;
    t2[i] = h2g / 3.0 + tgg / 12.0;
    left = right;
  }
}

/* V''''(x) from V''' 's coefficients (0 for deg < 4). */
static double v4(const bw_particles *p, double x) {
  double s = 0.0;
  for (int k = p->deg - 4; k >= 0; k--) s = s * x + (k + 1) * p->c3[k + 1];
  return s;
}

/* The symmetric tridiagonal matrix diag(dg_i) + sum_j c_j u_j u_j' in band storage (w = 1). */
static void tri_band(int n, const double *dg, const double *c, double *B) {
  double *lo = B, *di = B + n, *up = B + 2 * (size_t)n;
  for (int i = 0; i < n; i++) {
    di[i] = dg[i] + (i ? c[i - 1] : 0.0) + (i < n - 1 ? c[i] : 0.0);
    lo[i] = i ? -c[i - 1] : 0.0;
    up[i] = i < n - 1 ? -c[i] : 0.0;
  }
}

/* C = A B, A of half-bandwidth wa, B wb, C wa + wb. */
static void band_mul(int n, int wa, const double *A, int wb, const double *B, double *C) {
  const int wc = wa + wb;
  memset(C, 0, (size_t)(2 * wc + 1) * n * sizeof(double));
  for (int l = -wa; l <= wa; l++) {
    const double *a = A + (size_t)(l + wa) * n;
    for (int m = -wb; m <= wb; m++) {
      const double *b = B + (size_t)(m + wb) * n;
      double *c = C + (size_t)(l + m + wc) * n;
      int lo = 0, hi = n; /* i and j = i + l and i + l + m all in range */
      if (-l > lo) lo = -l;
      if (-(l + m) > lo) lo = -(l + m);
      if (n - l < hi) hi = n - l;
      if (n - l - m < hi) hi = n - l - m;
      for (int i = lo; i < hi; i++) c[i] += a[i] * b[i + l];
    }
  }
}

/* D += s S, S of half-bandwidth ws <= wd. */
static void band_add(int n, double s, int ws, const double *S, int wd, double *D) {
  for (int k = -ws; k <= ws; k++) {
    const double *src = S + (size_t)(k + ws) * n;
    double *dst = D + (size_t)(k + wd) * n;
    for (int i = 0; i < n; i++) dst[i] += s * src[i];
  }
}

/* T[v] (w = 1): diag V'''(x_i) v_i, c_j = phi'''(D_j) dv_j (scratch dg, c: n each). */
static void t_band(const bw_particles *p, const double *x, const double *rinv, const double *v,
                   double *dg, double *c, double *B) {
  const int n = p->n, deg3 = p->deg - 3;
  const double m2tau = -2.0 * p->tau;
  for (int i = 0; i < n; i++) dg[i] = deg3 >= 0 ? bw__poly(p->c3, deg3, x[i]) * v[i] : 0.0;
  for (int j = 0; j < n - 1; j++) c[j] = m2tau * rinv[j] * rinv[j] * rinv[j] * (v[j + 1] - v[j]);
  tri_band(n, dg, c, B);
}

void bw__pt_mf2_term_jac(const bw_particles *p, const double *x, const double *rinv, const double *g,
                         const double *hd, const double *ho, const double *hg, double *band,
                         double *scratch) {
  const int n = p->n;
  const size_t N = (size_t)n;
  double *Hb = scratch, *Tg = Hb + 3 * N, *H2 = Tg + 3 * N, *HT = H2 + 5 * N, *TH = HT + 5 * N;
  double *Tb = TH + 5 * N, *dg = Tb + 3 * N, *c = dg + N; /* 27 N so far */
  /* H in band storage */
  for (int i = 0; i < n; i++) {
    Hb[i] = i ? ho[i - 1] : 0.0;
    Hb[N + i] = hd[i];
    Hb[2 * N + i] = i < n - 1 ? ho[i] : 0.0;
  }
  t_band(p, x, rinv, g, dg, c, Tg);
  band_mul(n, 1, Hb, 1, Hb, H2);
  band_mul(n, 1, Hb, 2, H2, band); /* H^3 (w = 3) */
  for (size_t k = 0; k < 7 * N; k++) band[k] /= 3.0;
  band_mul(n, 1, Hb, 1, Tg, HT);
  band_mul(n, 1, Tg, 1, Hb, TH);
  band_add(n, 1.0 / 3.0, 2, HT, 3, band);
  band_add(n, 1.0 / 6.0, 2, TH, 3, band);
  t_band(p, x, rinv, hg, dg, c, Tb); /* T[H g] */
  band_add(n, 1.0 / 3.0, 1, Tb, 3, band);
  /* Q[g, g]: V''''(x_i) g_i^2, phi''''(D_j) dg_j^2 = 6 tau dg_j^2 / D_j^4 */
  const double tau6 = 6.0 * p->tau;
  for (int i = 0; i < n; i++) dg[i] = p->deg >= 4 ? v4(p, x[i]) * g[i] * g[i] : 0.0;
  for (int j = 0; j < n - 1; j++) {
    const double r2 = rinv[j] * rinv[j], dgj = g[j + 1] - g[j];
    c[j] = tau6 * r2 * r2 * dgj * dgj;
  }
  tri_band(n, dg, c, Tb);
  band_add(n, 1.0 / 12.0, 1, Tb, 3, band);
}
