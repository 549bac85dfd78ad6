/* The energy J on Gaussians (docs/math.md sections 2, 3, 5): the problem object, its cached
 * eigendecompositions, J, its gradient, the WGF velocity, the squared slope |grad J|^2
 * and the modified energy J^eta = J - eta/4 |grad J|^2.
 *
 *   J(m, S) = 1/2 tr(P S) + 1/2 m'Am - h'm - tau/2 logdet S - tau d/2 (1 + log 2 pi)
 *   grad_m J = A m - h,  dJ/dS = 1/2 (P - tau S^-1) = 1/2 M
 *   |grad J|^2 = tr(M S M) + |A m - h|^2
 *
 * Every function taking a Gaussian rejects a covariance that is not positive definite
 * (BW_ERR_NOT_SPD), also when tau = 0 where the formulas would not need it: the argument
 * is a Gaussian, and the same input gets the same verdict everywhere.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "core/lapack.h"

struct bw_problem {
  int d;
  double tau;
  double *A, *h, *K, *P; /* d x d (ld d), d, d x d, d x d */
  double *a, *Q;         /* A = Q diag(a) Q', a ascending */
  double *p, *R;         /* P = R diag(p) R', p ascending */
};

bw_problem *bw_problem_alloc(int d) {
  if (d < 1 || d > 46340) return NULL;
  size_t n = (size_t)d, nn = n * n;
  bw_problem *pb = malloc(sizeof *pb + (5 * nn + 3 * n) * sizeof(double));
  if (!pb) return NULL;
  double *x = (double *)(pb + 1);
  pb->d = d;
  pb->tau = 1.0;
  pb->A = x;
  pb->K = x + nn;
  pb->P = x + 2 * nn;
  pb->Q = x + 3 * nn;
  pb->R = x + 4 * nn;
  pb->h = x + 5 * nn;
  pb->a = pb->h + n;
  pb->p = pb->a + n;
  memset(x, 0, (5 * nn + 3 * n) * sizeof(double));
  bw__eye(d, pb->Q, d);
  bw__eye(d, pb->R, d);
  return pb;
}

void bw_problem_free(bw_problem *pb) { free(pb); }

bw_status bw_problem_set(bw_problem *pb, const double *A, int lda, const double *h,
                         const double *K, int ldk, double tau) {
  if (!pb || !A || !h) return BW_ERR_NULL;
  const int d = pb->d;
  if (lda < d || (K && ldk < d)) return BW_ERR_DIM;
  bw_status st = bw__check_sym(d, A, lda, BW_SYM_RTOL);
  if (!st && K) st = bw__check_sym(d, K, ldk, BW_SYM_RTOL);
  if (!st) st = bw__check_finite(d, h);
  if (st) return st;
  if (!(tau >= 0.0) || !isfinite(tau)) return BW_ERR_BAD_TAU;

  bw_workspace *ws = NULL, *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;
  double *As = ws->mat[0], *Ks = ws->mat[1], *Ps = ws->mat[2], *Q = ws->mat[3], *R = ws->mat[4];
  double *a = ws->vec[0], *p = ws->vec[1];
  bw__copy(d, A, lda, As, d);
  bw__symmetrize(d, As, d);
  if (K) {
    bw__copy(d, K, ldk, Ks, d);
    bw__symmetrize(d, Ks, d);
  } else {
    memset(Ks, 0, (size_t)d * d * sizeof(double));
  }
  for (int k = 0; k < d * d; k++) Ps[k] = As[k] + Ks[k];
  if (bw__check_finite(d * d, Ps)) st = BW_ERR_OVERFLOW;
  if (!st) st = bw__eigh(ws, d, As, d, a, Q, d);
  if (!st) st = bw__eigh(ws, d, Ps, d, p, R, d);
  if (!st) {
    size_t nn = (size_t)d * d * sizeof(double), n = (size_t)d * sizeof(double);
    memcpy(pb->A, As, nn);
    memcpy(pb->K, Ks, nn);
    memcpy(pb->P, Ps, nn);
    memcpy(pb->Q, Q, nn);
    memcpy(pb->R, R, nn);
    memcpy(pb->h, h, n);
    memcpy(pb->a, a, n);
    memcpy(pb->p, p, n);
    pb->tau = tau;
  }
  bw_workspace_free(own);
  return st;
}

int bw_problem_dim(const bw_problem *pb) { return pb ? pb->d : 0; }
double bw_problem_tau(const bw_problem *pb) { return pb ? pb->tau : NAN; }
const double *bw_problem_A(const bw_problem *pb) { return pb ? pb->A : NULL; }
const double *bw_problem_h(const bw_problem *pb) { return pb ? pb->h : NULL; }
const double *bw_problem_K(const bw_problem *pb) { return pb ? pb->K : NULL; }
const double *bw_problem_P(const bw_problem *pb) { return pb ? pb->P : NULL; }
const double *bw_problem_P_eigvals(const bw_problem *pb) { return pb ? pb->p : NULL; }
const double *bw_problem_P_eigvecs(const bw_problem *pb) { return pb ? pb->R : NULL; }
const double *bw_problem_A_eigvals(const bw_problem *pb) { return pb ? pb->a : NULL; }
const double *bw_problem_A_eigvecs(const bw_problem *pb) { return pb ? pb->Q : NULL; }

/* Gaussian output argument: non-NULL, ld >= d, dimension of the problem. */
static bw_status check_out(const bw_problem *pb, const bw_gaussian *g) {
  if (!g || !g->mean || !g->cov) return BW_ERR_NULL;
  if (g->d < 1 || g->ld < g->d) return BW_ERR_DIM;
  return g->d == pb->d ? BW_OK : BW_ERR_DIM_MISMATCH;
}

bw_status bw_problem_minimiser(const bw_problem *pb, bw_gaussian *g) {
  if (!pb) return BW_ERR_NULL;
  bw_status st = check_out(pb, g);
  if (st) return st;
  const int d = pb->d;
  if (!(pb->a[0] > 0.0) || !(pb->p[0] > 0.0) || !(pb->tau > 0.0)) return BW_ERR_NOT_SPD;
  /* 1/a and tau/p may overflow for tiny a, p (subnormal, or a huge tau). */
  for (int k = 0; k < d; k++)
    if (!isfinite(1.0 / pb->a[k]) || !isfinite(pb->tau / pb->p[k])) return BW_ERR_OVERFLOW;
  /* m* = Q diag(1/a) Q' h, S* = tau R diag(1/p) R', into scratch; g is written only once
   * every entry is known to be finite (h / a can still overflow). */
  bw_workspace *ws = NULL, *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;
  double *m = ws->vec[0], *S = ws->mat[0];
  for (int i = 0; i < d; i++) m[i] = 0.0;
  for (int k = 0; k < d; k++) {
    const double *q = pb->Q + (size_t)k * d;
    double c = 0.0;
    for (int i = 0; i < d; i++) c += q[i] * pb->h[i];
    c /= pb->a[k];
    for (int i = 0; i < d; i++) m[i] += c * q[i];
  }
  for (int j = 0; j < d; j++)
    for (int i = 0; i <= j; i++) {
      double acc = 0.0;
      for (int k = 0; k < d; k++) acc += pb->R[i + (size_t)k * d] * pb->R[j + (size_t)k * d] / pb->p[k];
      S[i + (size_t)j * d] = S[j + (size_t)i * d] = pb->tau * acc;
    }
  if (bw__check_finite(d, m) || bw__check_finite(d * d, S)) {
    st = BW_ERR_OVERFLOW;
  } else {
    memcpy(g->mean, m, (size_t)d * sizeof(double));
    bw__copy(d, S, d, g->cov, g->ld);
  }
  bw_workspace_free(own);
  return st;
}

/* ---- internal kernels (explicit scratch from ws; callers hold no other slots) ---- */

/* Common checks for (pb, g) inputs. */
static bw_status check_in(const bw_problem *pb, const bw_gaussian *g) {
  if (!pb) return BW_ERR_NULL;
  bw_status st = bw__check_gaussian(g);
  if (st) return st;
  return g->d == pb->d ? BW_OK : BW_ERR_DIM_MISMATCH;
}

/* r = A m - h. */
static void mean_residual(const bw_problem *pb, const double *m, double *r) {
  const int d = pb->d;
  for (int i = 0; i < d; i++) r[i] = -pb->h[i];
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) r[i] += pb->A[i + (size_t)j * d] * m[j];
}

/* J(g). Uses mat[0]. */
static bw_status energy_kernel(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                               double *J) {
  const int d = pb->d;
  const double *S = g->cov, *m = g->mean;
  double *L = ws->mat[0];
  if (!bw__chol(d, S, g->ld, L)) return BW_ERR_NOT_SPD; /* the library's one verdict */
  double logdet = 0.0;
  for (int i = 0; i < d; i++) logdet += log(L[i + (size_t)i * d]);
  logdet *= 2.0;
  double trPS = 0.0, mAm = 0.0, hm = 0.0;
  for (int j = 0; j < d; j++) {
    double col = 0.0, am = 0.0;
    for (int i = 0; i < d; i++) {
      col += pb->P[i + (size_t)j * d] * S[i + (size_t)j * g->ld];
      am += pb->A[i + (size_t)j * d] * m[i];
    }
    trPS += col;
    mAm += am * m[j];
    hm += pb->h[j] * m[j];
  }
  const double log2pi = 1.8378770664093454836;
  double e = 0.5 * trPS + 0.5 * mAm - hm;
  if (pb->tau > 0.0) e -= 0.5 * pb->tau * (logdet + d * (1.0 + log2pi));
  if (!isfinite(e)) return BW_ERR_OVERFLOW;
  *J = e;
  return BW_OK;
}

/* Eigendecomposition S = U diag(s) U' (U in mat[U], s in vec[s]); NOT_SPD unless s > 0. */
static bw_status cov_eig(bw_workspace *ws, const bw_gaussian *g, double *U, double *s) {
  bw_status st = bw__eigh(ws, g->d, g->cov, g->ld, s, U, g->d);
  if (st) return st;
  return s[0] > 0.0 ? BW_OK : BW_ERR_NOT_SPD;
}

/* M = P - tau S^-1 into mat[2] (uses mat[0], mat[1], vec[0], vec[1]). */
static bw_status form_M(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g) {
  const int d = pb->d;
  double *U = ws->mat[0], *M = ws->mat[2], *s = ws->vec[0], *f = ws->vec[1];
  bw_status st = cov_eig(ws, g, U, s);
  if (st) return st;
  if (pb->tau > 0.0) {
    for (int i = 0; i < d; i++) f[i] = -pb->tau / s[i];
    bw__vdvt(d, U, d, f, M, d, ws->mat[1]);
    for (int k = 0; k < d * d; k++) M[k] += pb->P[k];
    bw__symmetrize(d, M, d);
  } else {
    memcpy(M, pb->P, (size_t)d * d * sizeof(double));
  }
  return bw__check_finite(d * d, M) ? BW_ERR_OVERFLOW : BW_OK;
}

/* |grad J|^2. Uses mat[0..2], vec[0..1]. In the eigenbasis U of S = U diag(s) U',
 * M~ = U'PU - tau diag(1/s) and tr(M S M) = sum_ij M~_ij^2 s_j: a sum of non-negative terms. */
static bw_status slope_kernel(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                              double *out) {
  const int d = pb->d;
  double *U = ws->mat[0], *T = ws->mat[1], *Mt = ws->mat[2], *s = ws->vec[0], *r = ws->vec[1];
  bw_status st = cov_eig(ws, g, U, s);
  if (st) return st;
  bw__gemm('N', 'N', d, 1.0, pb->P, d, U, d, 0.0, T, d);
  bw__gemm('T', 'N', d, 1.0, U, d, T, d, 0.0, Mt, d);
  bw__symmetrize(d, Mt, d);
  for (int i = 0; i < d; i++) Mt[i + (size_t)i * d] -= pb->tau / s[i];
  double acc = 0.0;
  for (int j = 0; j < d; j++) {
    double col = 0.0;
    for (int i = 0; i < d; i++) col += Mt[i + (size_t)j * d] * Mt[i + (size_t)j * d];
    acc += col * s[j];
  }
  mean_residual(pb, g->mean, r);
  for (int i = 0; i < d; i++) acc += r[i] * r[i];
  if (!isfinite(acc)) return BW_ERR_OVERFLOW;
  *out = acc;
  return BW_OK;
}

/* ---- public ---- */

bw_status bw_energy(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g, double *J) {
  bw_status st = check_in(pb, g);
  if (st) return st;
  if (!J) return BW_ERR_NULL;
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, pb->d, &own))) return st;
  st = energy_kernel(pb, ws, g, J);
  bw_workspace_free(own);
  return st;
}

/* Shared by gradient and velocity: out_v = sv * (A m - h), out_M = sM * M. */
static bw_status grad_common(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                             double *v, double sv, double *Mo, int ldm, double sM) {
  bw_status st = check_in(pb, g);
  if (st) return st;
  const int d = pb->d;
  if (Mo && ldm < d) return BW_ERR_DIM;
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;
  double *r = ws->vec[2];
  if (!(st = form_M(pb, ws, g))) { /* always: validates S positive definite */
    mean_residual(pb, g->mean, r);
    if (bw__check_finite(d, r)) st = BW_ERR_OVERFLOW;
  }
  if (!st) {
    if (v)
      for (int i = 0; i < d; i++) v[i] = sv * r[i];
    if (Mo) {
      const double *M = ws->mat[2];
      for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) Mo[i + (size_t)j * ldm] = sM * M[i + (size_t)j * d];
    }
  }
  bw_workspace_free(own);
  return st;
}

bw_status bw_energy_gradient(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                             double *grad_m, double *dJdS, int ldg) {
  return grad_common(pb, ws, g, grad_m, 1.0, dJdS, ldg, 0.5);
}

bw_status bw_velocity(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g, double *c,
                      double *L, int ldl) {
  return grad_common(pb, ws, g, c, -1.0, L, ldl, -1.0);
}

bw_status bw_slope_sq(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g, double *s) {
  bw_status st = check_in(pb, g);
  if (st) return st;
  if (!s) return BW_ERR_NULL;
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, pb->d, &own))) return st;
  st = slope_kernel(pb, ws, g, s);
  bw_workspace_free(own);
  return st;
}

bw_status bw_modified_energy(const bw_problem *pb, bw_workspace *ws, const bw_gaussian *g,
                             double eta, double *Jeta) {
  bw_status st = check_in(pb, g);
  if (st) return st;
  if (!Jeta) return BW_ERR_NULL;
  if (!isfinite(eta)) return BW_ERR_BAD_ETA;
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, pb->d, &own))) return st;
  double J = 0.0, s = 0.0;
  if (!(st = energy_kernel(pb, ws, g, &J)) && !(st = slope_kernel(pb, ws, g, &s))) {
    double r = J - 0.25 * eta * s;
    if (isfinite(r)) *Jeta = r;
    else st = BW_ERR_OVERFLOW;
  }
  bw_workspace_free(own);
  return st;
}

bw_problem *bw__problem_clone(const bw_problem *pb) {
  bw_problem *c = bw_problem_alloc(pb->d);
  if (!c) return NULL;
  const size_t n = (size_t)pb->d;
  c->tau = pb->tau;
  memcpy(c + 1, pb + 1, (5 * n * n + 3 * n) * sizeof(double)); /* the block after the header */
  return c;
}
