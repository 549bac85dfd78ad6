/* The ridge energy at a Gaussian and its derivatives (docs/math.md section 9):
 *
 *   mu_j = a_j'm - b_j,  s_j = a_j'S a_j,  psi_kj = E phi_j^(k)(mu_j + sqrt(s_j) Z)
 *   J  = 1/2 m'Am + 1/2 tr(A S) - h'm + sum w_j psi_0j - tau/2 logdet S - tau d/2 (1 + log 2 pi)
 *   g  = A m - h + sum w_j psi_1j a_j,   H = A + sum w_j psi_2j a_j a_j',   G = H - tau S^-1
 *
 * with the ridges as the columns of the d x n matrix At: mu = At'm - b, Ut = S At (s_j the
 * column dot products), g through one gemv, H through one gemm with the columns scaled by
 * w psi_2: O(n d^2) flops in BLAS 3, plus the quadrature, O(n q).
 *
 * The modified energy's gradient (JKO-Flow: e = eta; the forward flow: e = -eta). With
 * u_j = a_j'g and r_j = a_j'G S a_j,
 *   grad_m Phi   = g - e/2 (H g + sum w_j psi_3j r_j a_j)
 *   2 grad_S Phi = G - e/2 (G^2 + tau (G S^-1 + S^-1 G) + C),  C = sum w_j (psi_3j u_j + psi_4j r_j) a_j a_j'.
 *
 * The Jacobian of (g, G) in (m, S) (the Hessian of J), used by the Newton solves:
 *   dg = H dm + sum w_j psi_3j/2 (a_j'dS a_j) a_j
 *   dG = sum w_j (psi_3j a_j'dm + psi_4j/2 a_j'dS a_j) a_j a_j' + tau S^-1 dS S^-1,
 * assembled ridge chunk by ridge chunk with gemm: O(n d^4) flops.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "core/lapack.h"
#include "ridge/ridge_internal.h"

void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t luplo);

void bw__pack(int d, const double *X, int ldx, double *p) {
  for (int l = 0; l < d; l++)
    for (int k = 0; k <= l; k++) p[bw__pk(k, l)] = X[k + (size_t)l * ldx];
}

void bw__unpack(int d, const double *p, double *X, int ldx) {
  for (int l = 0; l < d; l++)
    for (int k = 0; k <= l; k++) X[k + (size_t)l * ldx] = X[l + (size_t)k * ldx] = p[bw__pk(k, l)];
}

static void gemm(char ta, char tb, int m, int n, int k, double alpha, const double *A, int lda, const double *B,
                 int ldb, double beta, double *C, int ldc) {
  if (m > 0 && n > 0 && k > 0) dgemm_(&ta, &tb, &m, &n, &k, &alpha, A, &lda, B, &ldb, &beta, C, &ldc, 1, 1);
}

static void gemv(char t, int m, int n, double alpha, const double *A, int lda, const double *x, double beta,
                 double *y) {
  const int one = 1;
  if (m > 0 && n > 0) dgemv_(&t, &m, &n, &alpha, A, &lda, x, &one, &beta, y, &one, 1);
}

/* Yt = At diag(c) (the first n columns). */
static void scale_columns(int d, int n, const double *At, const double *c, double *Yt) {
  for (int j = 0; j < n; j++)
    for (int i = 0; i < d; i++) Yt[i + (size_t)j * d] = At[i + (size_t)j * d] * c[j];
}

bw_status bw__ridge_eval(const bw_ridge_problem *pb, bw_ridge_ws *ws, const double *m, const double *S, int lds,
                         unsigned what, double *J) {
  const int d = pb->d, n = pb->n;
  double *Ss = ws->Ss;
  for (int j = 0; j < d; j++)
    for (int i = j; i < d; i++)
      Ss[i + (size_t)j * d] = Ss[j + (size_t)i * d] = bw__avg(S[i + (size_t)j * lds], S[j + (size_t)i * lds]);
  if (!bw__chol(d, Ss, d, ws->L)) return BW_ERR_NOT_SPD;
  double ld = 0.0;
  for (int i = 0; i < d; i++) ld += log(ws->L[i + (size_t)i * d]);
  ws->logdet = 2.0 * ld;
  /* mu = At'm - b; s_j = a_j'S a_j: with the modified fields, Ut = Ss At (they need S a_j) and
   * s_j = a_j'Ut_j; otherwise Ut = L'At (half the flops) and s_j = |Ut_j|^2 */
  for (int j = 0; j < n; j++) ws->mu[j] = -pb->b[j];
  gemv('T', d, n, 1.0, pb->at, d, m, 1.0, ws->mu);
  const bool sa = what & BW__EV_FLOW4;
  if (sa) {
    gemm('N', 'N', d, n, d, 1.0, Ss, d, pb->at, d, 0.0, ws->Ut, d);
  } else if (n > 0) {
    const double one = 1.0;
    memcpy(ws->Ut, pb->at, sizeof(double) * (size_t)d * n);
    dtrmm_("L", "L", "T", "N", &d, &n, &one, ws->L, &d, ws->Ut, &d, 1, 1, 1, 1);
  }
  for (int j = 0; j < n; j++) {
    const double *a = sa ? pb->at + (size_t)j * d : ws->Ut + (size_t)j * d, *u = ws->Ut + (size_t)j * d;
    double acc = 0.0;
    for (int i = 0; i < d; i++) acc += a[i] * u[i];
    ws->s[j] = acc > 0.0 ? acc : 0.0; /* a'Sa >= 0: rounding only */
  }
  const int kmax = what & BW__EV_FLOW4 ? 4 : what & BW__EV_G ? 2 : 0, kmin = what & BW__EV_J ? 0 : 1;
  bw_status st = bw__ridge_psi_all(pb, ws, kmin, kmax);
  if (st) return st;
  const double *A = pb->A, tau = pb->tau;
  if (what & BW__EV_J) {
    double e = 0.0;
    for (int j = 0; j < d; j++) {
      double am = 0.0;
      for (int i = 0; i < d; i++) am += A[i + (size_t)j * d] * m[i], e += 0.5 * A[i + (size_t)j * d] * Ss[i + (size_t)j * d];
      e += m[j] * (0.5 * am - pb->h[j]);
    }
    for (int j = 0; j < n; j++) e += pb->w[j] * ws->psi[j];
    if (tau > 0.0) e -= 0.5 * tau * ws->logdet + 0.5 * tau * d * 2.8378770664093454836 /* 1 + log 2 pi */;
    if (!isfinite(e)) return BW_ERR_OVERFLOW;
    *J = e;
  }
  if (!(what & BW__EV_G)) return BW_OK;
  /* g = A m - h + At (w psi_1) */
  double *c = ws->c;
  for (int j = 0; j < n; j++) c[j] = pb->w[j] * ws->psi[(size_t)n + j];
  for (int i = 0; i < d; i++) ws->g[i] = -pb->h[i];
  gemv('N', d, d, 1.0, A, d, m, 1.0, ws->g);
  gemv('N', d, n, 1.0, pb->at, d, c, 1.0, ws->g);
  /* H = A + At diag(w psi_2) At' */
  for (int j = 0; j < n; j++) c[j] = pb->w[j] * ws->psi[2 * (size_t)n + j];
  scale_columns(d, n, pb->at, c, ws->Yt);
  bw__copy(d, A, d, ws->H, d);
  gemm('N', 'T', d, d, n, 1.0, ws->Yt, d, pb->at, d, 1.0, ws->H, d);
  bw__symmetrize(d, ws->H, d);
  /* S^-1 from the Cholesky factor, G = H - tau S^-1 */
  if (tau > 0.0) {
    bw__copy(d, ws->L, d, ws->Sinv, d);
    int info = 0;
    dpotri_("L", &d, ws->Sinv, &d, &info, 1);
    if (info) return BW_ERR_NOT_SPD;
    bw__lower_to_full(d, ws->Sinv, d, ws->Sinv, d);
  } else {
    memset(ws->Sinv, 0, sizeof(double) * (size_t)d * d);
  }
  for (size_t k = 0; k < (size_t)d * d; k++) ws->G[k] = ws->H[k] - tau * ws->Sinv[k];
  if (bw__check_finite(d, ws->g) || bw__check_finite(d * d, ws->G)) return BW_ERR_OVERFLOW;
  return BW_OK;
}

double bw__ridge_slope_sq(bw_ridge_ws *ws) {
  const int d = ws->d;
  double s = 0.0;
  for (int i = 0; i < d; i++) s += ws->g[i] * ws->g[i];
  /* tr(G S G) = sum_ij (G S)_ij G_ji */
  bw__gemm('N', 'N', d, 1.0, ws->G, d, ws->Ss, d, 0.0, ws->M1, d);
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) s += ws->M1[i + (size_t)j * d] * ws->G[j + (size_t)i * d];
  return s;
}

void bw__ridge_modified_gradient(const bw_ridge_problem *pb, bw_ridge_ws *ws, double e, double *gm, double *Gt) {
  const int d = pb->d, n = pb->n;
  const size_t dd = (size_t)d * d;
  memcpy(gm, ws->g, (size_t)d * sizeof(double));
  memcpy(Gt, ws->G, dd * sizeof(double));
  if (e == 0.0) return;
  const double *psi3 = ws->psi + 3 * (size_t)n, *psi4 = ws->psi + 4 * (size_t)n, tau = pb->tau;
  /* u = At'g, Vt = G At, r_j = (G a_j)'(S a_j) */
  gemv('T', d, n, 1.0, pb->at, d, ws->g, 0.0, ws->u);
  gemm('N', 'N', d, n, d, 1.0, ws->G, d, pb->at, d, 0.0, ws->Vt, d);
  for (int j = 0; j < n; j++) {
    const double *v = ws->Vt + (size_t)j * d, *u = ws->Ut + (size_t)j * d;
    double acc = 0.0;
    for (int i = 0; i < d; i++) acc += v[i] * u[i];
    ws->r[j] = acc;
  }
  /* grad_m Phi = g - e/2 (H g + At (w psi_3 r)) */
  for (int j = 0; j < n; j++) ws->c[j] = pb->w[j] * psi3[j] * ws->r[j];
  gemv('N', d, d, -0.5 * e, ws->H, d, ws->g, 1.0, gm);
  gemv('N', d, n, -0.5 * e, pb->at, d, ws->c, 1.0, gm);
  /* C = At diag(w (psi_3 u + psi_4 r)) At' -> M2 */
  for (int j = 0; j < n; j++) ws->c[j] = pb->w[j] * (psi3[j] * ws->u[j] + psi4[j] * ws->r[j]);
  scale_columns(d, n, pb->at, ws->c, ws->Yt);
  memset(ws->M2, 0, dd * sizeof(double));
  gemm('N', 'T', d, d, n, 1.0, ws->Yt, d, pb->at, d, 0.0, ws->M2, d);
  /* M3 = G^2 + tau (G S^-1 + S^-1 G) + C; Gt = G - e/2 M3 */
  bw__gemm('N', 'N', d, 1.0, ws->G, d, ws->G, d, 0.0, ws->M3, d);
  if (tau > 0.0) bw__gemm('N', 'N', d, 1.0, ws->G, d, ws->Sinv, d, 0.0, ws->M1, d);
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      const size_t k = i + (size_t)j * d, kt = j + (size_t)i * d;
      const double t = tau > 0.0 ? tau * (ws->M1[k] + ws->M1[kt]) : 0.0;
      Gt[k] -= 0.5 * e * (0.5 * (ws->M3[k] + ws->M3[kt]) + t + 0.5 * (ws->M2[k] + ws->M2[kt]));
    }
}

void bw__ridge_field(bw_ridge_ws *ws, const double *gm, const double *Gt, double *dm, double *dS, int ldd) {
  const int d = ws->d;
  for (int i = 0; i < d; i++) dm[i] = -gm[i];
  bw__gemm('N', 'N', d, 1.0, Gt, d, ws->Ss, d, 0.0, ws->M1, d);
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++)
      dS[i + (size_t)j * ldd] = dS[j + (size_t)i * ldd] = -(ws->M1[i + (size_t)j * d] + ws->M1[j + (size_t)i * d]);
}

void bw__ridge_grad_jacobian(const bw_ridge_problem *pb, bw_ridge_ws *ws, double *Jg) {
  const int d = pb->d, n = pb->n, ns = ws->ns, nt = ws->nt;
  const double *psi3 = ws->psi + 3 * (size_t)n, *psi4 = ws->psi + 4 * (size_t)n, tau = pb->tau;
  for (int j = 0; j < nt; j++) memset(Jg + (size_t)j * nt, 0, sizeof(double) * (size_t)nt);
  /* dg/dm = H */
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) Jg[i + (size_t)j * nt] = ws->H[i + (size_t)j * d];
  /* dG/dS, tau part: (S^-1 E_pq S^-1)_kl, E_pq = e_p e_q' + e_q e_p' (p < q) or e_p e_p' */
  if (tau > 0.0) {
    const double *W = ws->Sinv;
    for (int q = 0; q < d; q++)
      for (int p = 0; p <= q; p++) {
        double *col = Jg + (size_t)(d + (int)bw__pk(p, q)) * nt + d;
        for (int l = 0; l < d; l++)
          for (int k = 0; k <= l; k++) {
            double v = W[k + (size_t)p * d] * W[q + (size_t)l * d];
            if (p != q) v += W[k + (size_t)q * d] * W[p + (size_t)l * d];
            col[bw__pk(k, l)] = tau * v;
          }
      }
  }
  /* the ridges, chunk by chunk: Rc[j, (kl)] = a_jk a_jl, Qc = a_j'E_kl a_j = (2 - delta_kl) Rc */
  const int ch = ws->chunk;
  for (int j0 = 0; j0 < n; j0 += ch) {
    const int c = n - j0 < ch ? n - j0 : ch;
    const double *at = pb->at + (size_t)j0 * d;
    for (int jj = 0; jj < c; jj++) {
      const double *a = at + (size_t)jj * d;
      for (int l = 0; l < d; l++)
        for (int k = 0; k <= l; k++) {
          const size_t p = bw__pk(k, l);
          ws->Rc[jj + p * c] = a[k] * a[l];
          ws->Qc[jj + p * c] = (k == l ? 1.0 : 2.0) * a[k] * a[l];
        }
      ws->c[jj] = pb->w[j0 + jj] * psi3[j0 + jj];
    }
    scale_columns(d, c, at, ws->c, ws->Yt); /* Yt = At_c diag(w psi_3) */
    /* dg/dS += At_c diag(w psi_3 / 2) Qc;  dG/dm += Rc' diag(w psi_3) At_c' */
    gemm('N', 'N', d, ns, c, 0.5, ws->Yt, d, ws->Qc, c, 1.0, Jg + (size_t)d * nt, nt);
    gemm('T', 'T', ns, d, c, 1.0, ws->Rc, c, ws->Yt, d, 1.0, Jg + d, nt);
    /* dG/dS += Rc' diag(w psi_4 / 2) Qc */
    for (int p = 0; p < ns; p++)
      for (int jj = 0; jj < c; jj++) ws->Qc[jj + (size_t)p * c] *= 0.5 * pb->w[j0 + jj] * psi4[j0 + jj];
    gemm('T', 'N', ns, ns, c, 1.0, ws->Rc, c, ws->Qc, c, 1.0, Jg + d + (size_t)d * nt, nt);
  }
}
