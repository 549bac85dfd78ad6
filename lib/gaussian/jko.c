/* The JKO step in closed form (docs/math.md section 4).
 *
 *   m_{k+1} = (I + eta A)^-1 (m_k + eta h) = G m_k + g,   G = Q diag(1/(1 + eta a)) Q', g = eta G h
 *   B = I + eta P = R diag(b) R',  b = 1 + eta p > 0,  W = R diag(b^-1/2)  (so B^-1/2 = W R')
 *   C = W' S_k W = V diag(c) V'    (= R' B^-1/2 S_k B^-1/2 R: B^-1/2 S_k B^-1/2 in the basis R)
 *   x = e + c/2 + sqrt(c (c/4 + e)),  e = eta tau    (sum of non-negative terms: no cancellation)
 *   S_{k+1} = W V diag(x) V' W'     (= B^-1/2 X B^-1/2)
 *
 * The plan stores G, g, W and 1/(1 + eta p) (for bw_jko_steps, see run_steps). A step costs
 * one symmetric eigendecomposition plus
 *   C:      through the Cholesky factor S = L L': Z = W'L, C = Z Z' (7/3 d^3 flops, against
 *           4 d^3 for the two products W'(SW));
 *   S_new:  Y = W V (one product), S_new = (Y diag(sqrt x)) (Y diag(sqrt x))' (dsyrk, x > 0),
 *   and one gemv for the mean: 16/3 d^3 flops beyond the eigensolver, the minimum this
 *   formulation allows (at d = 1000 the step measures 1.6x dsyevd with OpenBLAS's AVX-512
 *   kernels, ~2x with its SSE3 fallback kernels, whose products are 3x slower). For
 *   3 <= d <= BW_EIGH_SMALL_MAX the eigensolver applies its reflectors and rotations to a
 *   copy of W directly, so Y comes without V and without the product. d = 2 has its own
 *   straight-line kernel (step2), d = 1 a scalar one (step1).
 * Both I + eta A and I + eta P must be positive definite
 * (BW_ERR_ETA_TOO_LARGE otherwise): the second is the condition for the JKO objective to be
 * strictly convex along generalised geodesics, the first makes the mean map the minimiser
 * (not merely a critical point) of the mean part.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "core/lapack.h"

struct bw_jko_plan {
  int d;
  double eta, e; /* e = eta tau */
  double *G;     /* (I + eta A)^-1, d x d */
  double *g;     /* eta (I + eta A)^-1 h */
  double *W;     /* R diag((1 + eta p)^-1/2), d x d */
  double *Wt;    /* W' */
  double *binv;  /* 1 / (1 + eta p): D^2 for the steps kept in P's eigenbasis */
  double condB;  /* (1 + eta p_max) / (1 + eta p_min) = cond(W)^2 */
};

bw_status bw_jko_plan_create(const bw_problem *pb, double eta, bw_jko_plan **plan) {
  if (!pb || !plan) return BW_ERR_NULL;
  if (!(eta > 0.0) || !isfinite(eta)) return BW_ERR_BAD_ETA;
  const int d = bw_problem_dim(pb);
  const double tau = bw_problem_tau(pb), *h = bw_problem_h(pb);
  const double *a = bw_problem_A_eigvals(pb), *Q = bw_problem_A_eigvecs(pb);
  const double *p = bw_problem_P_eigvals(pb), *R = bw_problem_P_eigvecs(pb);
  /* Eigenvalues are ascending: the smallest decides definiteness. */
  if (!(1.0 + eta * a[0] > 0.0) || !(1.0 + eta * p[0] > 0.0)) return BW_ERR_ETA_TOO_LARGE;
  if (!isfinite(eta * tau) || !isfinite(eta * a[d - 1]) || !isfinite(eta * p[d - 1]))
    return BW_ERR_OVERFLOW;

  size_t nn = (size_t)d * d, n = (size_t)d;
  bw_jko_plan *pl = malloc(sizeof *pl + (3 * nn + 3 * n) * sizeof(double));
  if (!pl) return BW_ERR_NOMEM;
  pl->d = d;
  pl->eta = eta;
  pl->e = eta * tau;
  pl->condB = (1.0 + eta * p[d - 1]) / (1.0 + eta * p[0]);
  pl->G = (double *)(pl + 1);
  pl->W = pl->G + nn;
  pl->Wt = pl->W + nn;
  pl->g = pl->Wt + nn;
  pl->binv = pl->g + n;
  double *f = pl->binv + n; /* 1 / (1 + eta a), scratch only */

  for (int i = 0; i < d; i++) f[i] = 1.0 / (1.0 + eta * a[i]);
  for (int j = 0; j < d; j++) /* G = Q diag(f) Q', entrywise: exactly symmetric */
    for (int i = 0; i <= j; i++) {
      double acc = 0.0;
      for (int k = 0; k < d; k++) acc += Q[i + (size_t)k * d] * f[k] * Q[j + (size_t)k * d];
      pl->G[i + (size_t)j * d] = pl->G[j + (size_t)i * d] = acc;
    }
  const int one = 1;
  const double d0 = 0.0;
  dgemv_("N", &d, &d, &eta, pl->G, &d, h, &one, &d0, pl->g, &one, 1);
  for (int j = 0; j < d; j++) {
    double s = 1.0 / sqrt(1.0 + eta * p[j]);
    pl->binv[j] = 1.0 / (1.0 + eta * p[j]);
    for (int i = 0; i < d; i++) pl->W[i + (size_t)j * d] = pl->Wt[j + (size_t)i * d] = R[i + (size_t)j * d] * s;
  }
  if (bw__check_finite((int)(3 * nn + n), pl->G)) {
    free(pl);
    return BW_ERR_OVERFLOW;
  }
  *plan = pl;
  return BW_OK;
}

void bw_jko_plan_free(bw_jko_plan *plan) { free(plan); }
double bw_jko_plan_eta(const bw_jko_plan *plan) { return plan ? plan->eta : NAN; }
int bw_jko_plan_dim(const bw_jko_plan *plan) { return plan ? plan->d : 0; }

/* The 2 x 2 step in straight-line arithmetic: the same algorithm (C = W'SW, one Jacobi
 * rotation, S_new = Y diag(x) Y'), no call into BLAS/LAPACK. */
static bw_status step2(const bw_jko_plan *plan, const bw_gaussian *in, bw_gaussian *out) {
  const double *W = plan->W, *S = in->cov, *G = plan->G, *g = plan->g, e = plan->e;
  const int ld = in->ld;
  /* S symmetric to within BW_SYM_RTOL: the general path's products W'SW followed by
   * symmetrisation equal W' ((S + S')/2) W. */
  const double sa = S[0], sb = 0.5 * (S[1] + S[ld]), sc = S[1 + ld];
  /* Definiteness: the pivots of the Cholesky factorisation, as in the general path. */
  if (!bw__spd2(sa, sb, sc)) return BW_ERR_NOT_SPD;
  const double w00 = W[0], w10 = W[1], w01 = W[2], w11 = W[3];
  /* T = S W, C = W'T. */
  const double t00 = sa * w00 + sb * w10, t10 = sb * w00 + sc * w10;
  const double t01 = sa * w01 + sb * w11, t11 = sb * w01 + sc * w11;
  const double c00 = w00 * t00 + w10 * t10, c11 = w01 * t01 + w11 * t11;
  const double c10 = 0.5 * ((w01 * t00 + w11 * t10) + (w00 * t01 + w10 * t11));
  double c[2], V[4];
  bw__eigh2(c00, c10, c11, c, V, 2);
  if (!(c[0] > 0.0)) return BW_ERR_NOT_SPD;
  const double x0 = e + 0.5 * c[0] + sqrt(c[0] * (0.25 * c[0] + e));
  const double x1 = e + 0.5 * c[1] + sqrt(c[1] * (0.25 * c[1] + e));
  /* Y = W V, S_new = Y diag(x) Y'. */
  const double y00 = w00 * V[0] + w01 * V[1], y10 = w10 * V[0] + w11 * V[1];
  const double y01 = w00 * V[2] + w01 * V[3], y11 = w10 * V[2] + w11 * V[3];
  const double n00 = x0 * y00 * y00 + x1 * y01 * y01, n11 = x0 * y10 * y10 + x1 * y11 * y11;
  const double n10 = x0 * y00 * y10 + x1 * y01 * y11;
  const double m0 = G[0] * in->mean[0] + G[2] * in->mean[1] + g[0];
  const double m1 = G[1] * in->mean[0] + G[3] * in->mean[1] + g[1];
  if (!isfinite(n00 + n10 + n11 + m0 + m1)) return BW_ERR_OVERFLOW;
  /* The exact result is SPD; in floating point it is not once its condition number passes
   * ~1/eps (e.g. tau = 0 and a huge eta): same pivot test as the input. */
  if (!bw__spd2(n00, n10, n11)) return BW_ERR_LOST_SPD;
  out->mean[0] = m0;
  out->mean[1] = m1;
  out->cov[0] = n00;
  out->cov[1] = out->cov[out->ld] = n10;
  out->cov[1 + out->ld] = n11;
  return BW_OK;
}

/* d = 1: c = w^2 s, S_new = w^2 x(c), scalar arithmetic. */
static bw_status step1(const bw_jko_plan *plan, const bw_gaussian *in, bw_gaussian *out) {
  const double s = in->cov[0], w2 = plan->W[0] * plan->W[0], e = plan->e;
  if (!(s > 0.0)) return BW_ERR_NOT_SPD;
  const double c = w2 * s, x = e + 0.5 * c + sqrt(c * (0.25 * c + e));
  const double m = plan->G[0] * in->mean[0] + plan->g[0], S = w2 * x;
  if (!isfinite(m + S)) return BW_ERR_OVERFLOW;
  if (!(c > 0.0)) return BW_ERR_NOT_SPD;
  if (!(S > 0.0)) return BW_ERR_LOST_SPD;
  out->mean[0] = m;
  out->cov[0] = S;
  return BW_OK;
}

/* C = W' S W (symmetric, ld d) into C through the Cholesky factor S = L L' (in T):
 * Z = W'L, C = Z Z'. 7/3 d^3 flops against 4 d^3 for two products, C is positive
 * semidefinite by construction, and a failing factorisation is the definiteness check
 * (the one bw_gaussian_set uses). Wt = W'. */
static bw_status congruence(int d, const double *S, int lds, const double *Wt, double *C, double *T) {
  if (!bw__chol(d, S, lds, T)) return BW_ERR_NOT_SPD;
  bw__trmm_wl(d, Wt, T, C);
  bw__syrk(d, C, T);
  bw__lower_to_full(d, T, d, C, d);
  return BW_OK;
}

/* The argument checks of a step (n steps: n >= 1). */
static bw_status check_step_args(const bw_jko_plan *plan, const bw_gaussian *in, int n,
                                 const bw_gaussian *out) {
  if (!plan || !out || !out->mean || !out->cov) return BW_ERR_NULL;
  bw_status st = bw__check_gaussian(in);
  if (st) return st;
  if (out->d < 1 || out->ld < out->d) return BW_ERR_DIM;
  if (in->d != plan->d || out->d != plan->d) return BW_ERR_DIM_MISMATCH;
  return n >= 1 ? BW_OK : BW_ERR_BAD_ARG;
}

/* d <= 2: n closed-form steps through a local Gaussian (out is written at the end). */
static bw_status steps_tiny(const bw_jko_plan *plan, const bw_gaussian *in, int n, bw_gaussian *out) {
  const int d = plan->d;
  if (n == 1) return d == 1 ? step1(plan, in, out) : step2(plan, in, out);
  double mt[2], ct[4];
  bw_gaussian gt = {d, mt, ct, 2};
  bw_status st = BW_OK;
  for (int k = 0; k < n && !st; k++) {
    const bw_gaussian *src = k ? &gt : in;
    st = d == 1 ? step1(plan, src, &gt) : step2(plan, src, &gt);
  }
  if (!st) {
    memcpy(out->mean, mt, (size_t)d * sizeof(double));
    bw__copy(d, ct, 2, out->cov, out->ld);
  }
  return st;
}

/* n steps (n >= 1), arguments checked. With B = I + eta P = R diag(b) R', D = diag(b)^-1/2 and
 * W = R D, a step maps C = W'S W = D (R'SR) D (B^-1/2 S B^-1/2 in P's eigenbasis) to
 * S_new = W V diag(x) V' W', where C = V diag(c) V'. The next step needs only
 *   C_new = W'S_new W = D^2 V diag(x) V' D^2 = Z Z',  Z = D^2 V diag(sqrt x),
 * so the iterates stay in P's eigenbasis: a step there is one eigendecomposition, a diagonal
 * scaling and one rank-d update (dsyrk, d^3 flops), against 16/3 d^3 flops of congruences
 * per step through the original basis. The first step enters the basis (C = W'SW through S's
 * Cholesky factor, which is also the input's definiteness check) and the last one leaves it
 * (S_n = Y Y', Y = W V diag(sqrt x)): n = 1 is exactly the single step. The mean is stepped
 * as in the single step (m <- G m + g, O(d^2) per step). Each intermediate S_k is checked as a
 * single step checks its output: the condition bound cond(diag(x)) cond(B) certifies
 * definiteness, and beyond it S_k = W diag(b) Z Z' diag(b) W' is formed and factorised
 * (rare: ill-conditioned iterates only). */
static bw_status run_steps(bw__path path, const bw_jko_plan *plan, bw_workspace *ws,
                           const bw_gaussian *in, int n, bw_gaussian *out) {
  const int d = plan->d;
  bw_status st;
  if (d <= 2 && path == BW__AUTO) {
    if (ws && ws->dmax < d) return BW_ERR_DIM_MISMATCH;
    return steps_tiny(plan, in, n, out);
  }
  bw_workspace *own;
  if ((st = bw__ws_get(&ws, d, &own))) return st;
  double *T = ws->mat[0], *C = ws->mat[1], *V = ws->mat[2], *Y = ws->mat[3];
  double *c = ws->vec[0], *mbuf[2] = {ws->vec[1], ws->vec[2]};
  const double *W = plan->W, *binv = plan->binv, e = plan->e, *m = in->mean;
  const int ione = 1;
  const double one = 1.0;

  /* For small d the eigensolver applies its transformations to a copy of W (last step) or
   * of D^2 (other steps) directly: Y = W V or D^2 V without V and without a product. */
  const bool fused = path == BW__AUTO && d >= 3 && d <= BW_EIGH_SMALL_MAX;
  st = congruence(d, in->cov, in->ld, plan->Wt, C, T);
  for (int k = 1; !st && k <= n; k++) {
    const bool last = k == n;
    if (fused) {
      if (last) {
        bw__copy(d, W, d, Y, d);
      } else {
        memset(Y, 0, (size_t)d * d * sizeof(double));
        for (int i = 0; i < d; i++) Y[i + (size_t)i * d] = binv[i];
      }
      st = bw__eigh_tql_apply(d, C, d, c, Y, d, ws->work);
    } else if (!(st = bw__eigh_path(path, ws, d, C, d, c, V, d)) && last) {
      bw__gemm('N', 'N', d, 1.0, W, d, V, d, 0.0, Y, d);
    }
    /* c <= 0: the input (first step) or an iterate (rounding) is not positive definite */
    if (!st && !(c[0] > 0.0)) st = k == 1 ? BW_ERR_NOT_SPD : BW_ERR_LOST_SPD;
    if (st) break;
    /* x = e + c/2 + sqrt(c (c/4 + e)) > 0; Y <- Y diag(sqrt x) (Y = D^2 V diag(sqrt x) in one
     * pass when V is explicit), Y Y' = S_new or C_new. */
    for (int i = 0; i < d; i++) c[i] = sqrt(e + 0.5 * c[i] + sqrt(c[i] * (0.25 * c[i] + e)));
    if (!fused && !last) {
      for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) Y[i + (size_t)j * d] = binv[i] * V[i + (size_t)j * d] * c[j];
    } else {
      for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) Y[i + (size_t)j * d] *= c[j];
    }
    bw__syrk(d, Y, T); /* lower triangle of S_new (last step) or C_new */
    double *mk = mbuf[k & 1];
    memcpy(mk, plan->g, (size_t)d * sizeof(double));
    dgemv_("N", &d, &d, &one, plan->G, &d, m, &ione, &one, mk, &ione, 1);
    m = mk;
    if (bw__check_finite(d, m)) st = BW_ERR_OVERFLOW;
    for (int j = 0; !st && j < d; j++)
      if (bw__check_finite(d - j, T + j + (size_t)j * d)) st = BW_ERR_OVERFLOW;
    if (st) break;
    /* The exact result Y diag(x) Y' is SPD; in floating point it is not once its condition
     * number passes ~1/eps (e.g. tau = 0 and a huge eta). cond(S_new) <= cond(diag(x))
     * cond(W)^2 (V is orthogonal); when that bound is below 1/(64 d eps), the computed
     * matrix passes Cholesky for certain (its rounding error is ~d eps |S_new|), so the
     * factorisation (d^3/3 flops, ~5% of a step at d = 10) is only run beyond it. */
    double xmin = c[0], xmax = c[0];
    for (int i = 1; i < d; i++) xmin = fmin(xmin, c[i]), xmax = fmax(xmax, c[i]);
    if (last) {
      bw__lower_to_full(d, T, d, C, d); /* S_new */
    } else { /* C_new: the eigensolvers read the lower triangle only */
      double *t = C;
      C = T;
      T = t;
    }
    const double bound = (xmax / xmin) * (xmax / xmin) * plan->condB; /* c holds sqrt(x) */
    if (bound < 1.0 / (64.0 * d * DBL_EPSILON)) continue;
    if (!last) { /* S_k = W diag(b) Y Y' diag(b) W' (Y = D^2 V diag(sqrt x)) into V */
      for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) V[i + (size_t)j * d] = Y[i + (size_t)j * d] / binv[i];
      bw__gemm('N', 'N', d, 1.0, W, d, V, d, 0.0, T, d);
      bw__syrk(d, T, V);
      bw__lower_to_full(d, V, d, V, d);
      if (!bw__chol(d, V, d, T)) st = BW_ERR_LOST_SPD;
    } else if (!bw__chol(d, C, d, V)) {
      st = BW_ERR_LOST_SPD;
    }
  }
  if (!st) {
    memcpy(out->mean, m, (size_t)d * sizeof(double));
    bw__copy(d, C, d, out->cov, out->ld);
  }
  bw_workspace_free(own);
  return st;
}

bw_status bw__jko_step_path(bw__path path, const bw_jko_plan *plan, bw_workspace *ws,
                            const bw_gaussian *in, bw_gaussian *out) {
  bw_status st = check_step_args(plan, in, 1, out);
  return st ? st : run_steps(path, plan, ws, in, 1, out);
}

bw_status bw_jko_steps(const bw_jko_plan *plan, bw_workspace *ws, const bw_gaussian *in, int n,
                       bw_gaussian *out) {
  bw_status st = check_step_args(plan, in, n, out);
  return st ? st : run_steps(BW__AUTO, plan, ws, in, n, out);
}

bw_status bw_jko_step(const bw_jko_plan *plan, bw_workspace *ws, const bw_gaussian *in,
                      bw_gaussian *out) {
  return bw__jko_step_path(BW__AUTO, plan, ws, in, out);
}
