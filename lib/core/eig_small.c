/* The symmetric eigensolver bw__eigh: dispatch by d to solvers for small matrices, where
 * LAPACK's dsyevd spends most of its time in overhead (workspace logic, ilaenv, blocked code
 * paths written for large n), and to dsyevd above BW_EIGH_SMALL_MAX.
 *
 * d = 2: one Jacobi rotation in closed form (bw__eigh2).
 * 3 <= d <= BW_EIGH_SMALL_MAX: Householder tridiagonalisation (as LAPACK's dsytd2) followed by
 * QL iterations with Wilkinson shifts (EISPACK's tql2: Bowdler, Martin, Reinsch, Wilkinson,
 * Numer. Math. 11, 1968, after the public-domain JAMA translation), both rewritten so that
 * the inner loops are fixed-length column operations and the QL sweep has no square root
 * or division on its critical path (see tql2) (bw__eigh_tql). Both are backward stable: the computed
 * eigenpairs are exact for A + E with ||E|| = O(n eps ||A||), the same guarantee as dsyevd
 * (which itself uses the tridiagonal QL/QR algorithm dsteqr for n <= 25). Cyclic Jacobi
 * would give the same guarantee, but needs about 6 sweeps of n^2/2 rotations (~50 n^3 flops
 * against ~9 n^3 here), which measured 3x slower at d = 10 (14 us against 4.5 us).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <float.h>
#include <string.h>
#include "core/internal.h"
#include "core/lapack.h"

/* hypot without libm's cost in the common range, exact-range fallback otherwise. */
static inline double fast_hypot(double x, double y) {
  double s = x * x + y * y;
  if (s > 1e-290 && s < 1e290) return sqrt(s);
  return hypot(x, y);
}

/* Householder tridiagonalisation T = Q'AQ of the symmetric A (n x n, ld n, both
 * triangles), from the bottom as EISPACK's tred2 (QL then deflates from the top: this
 * pairing measured 1.5x more accurate on the smallest eigenvalues of graded matrices than
 * reducing from the top), in full storage so that every inner loop is a fixed-length column
 * operation (vectorised, no reductions). For i = n-1, ..., 2, with x = A(0:i-1, i):
 *   alpha = -sign(x_{i-1}) |x|, v = x - alpha e_{i-1}, h = v'v/2 = |x| (|x| + |x_{i-1}|),
 *   H_i = I - v v'/h, p = A11 v/h, q = p - (v'p / 2h) v, A11 <- H_i A11 H_i = A11 - v q' - q v'.
 * On return d holds the diagonal, e[1..n-1] the subdiagonal (e[i] couples i-1 and i), v_i
 * sits in A(0:i-1, i) and h_i in hv[i] (0: no reflector), Q = H_{n-1} ... H_2. A is scaled
 * to max |a_ij| ~ 1 by the caller, so squares neither overflow nor (beyond 2^-500
 * relative) underflow. p: n doubles. */
static void tridiag(int n, double *A, double *d, double *e, double *hv, double *p) {
  for (int i = n - 1; i >= 2; i--) {
    const int m = i;
    double *x = A + (size_t)i * n;
    double s2 = 0.0;
    for (int k = 0; k < m - 1; k++) s2 += x[k] * x[k];
    if (s2 == 0.0) { /* column already reduced */
      e[i] = x[m - 1];
      hv[i] = 0.0;
      continue;
    }
    const double xp = x[m - 1], nx = sqrt(xp * xp + s2), alpha = xp > 0.0 ? -nx : nx;
    const double h = nx * (nx + fabs(xp)), rh = 1.0 / h;
    x[m - 1] = xp - alpha;
    e[i] = alpha;
    hv[i] = h;
    bw__colcomb(m, A, n, x, 0, m, p);
    double K = 0.0;
    for (int k = 0; k < m; k++) {
      p[k] *= rh;
      K += x[k] * p[k];
    }
    K *= 0.5 * rh;
    for (int k = 0; k < m; k++) p[k] -= K * x[k];
    for (int j = 0; j < m; j++) {
      double *aj = A + (size_t)j * n;
      const double vj = x[j], qj = p[j];
      for (int k = 0; k < m; k++) aj[k] -= x[k] * qj + p[k] * vj;
    }
  }
  for (int i = 0; i < n; i++) d[i] = A[i + (size_t)i * n];
  if (n >= 2) {
    e[1] = A[(size_t)n]; /* A(0, 1) */
    hv[1] = 0.0;
  }
  hv[0] = 0.0;
  e[0] = 0.0;
}

/* Y <- Y Q = Y H_{n-1} ... H_2 (Y m x n, ldy) for the reflectors left by tridiag. */
static void apply_q(int m, int n, const double *A, const double *hv, double *Y, int ldy, double *t) {
  for (int i = n - 1; i >= 2; i--) {
    if (hv[i] == 0.0) continue;
    const double *v = A + (size_t)i * n, rh = 1.0 / hv[i];
    bw__colcomb(m, Y, ldy, v, 0, i, t); /* t = Y(:, 0:i-1) v */
    for (int k = 0; k < i; k++) {
      double *yk = Y + (size_t)k * ldy;
      const double f = v[k] * rh;
      for (int r = 0; r < m; r++) yk[r] -= t[r] * f;
    }
  }
}

/* QL iterations with Wilkinson shifts on the tridiagonal (d, e), transformations
 * accumulated into V (tql2); eigenvalues end sorted ascending with their vectors. Returns
 * false when an eigenvalue needs more than 30 iterations (never observed on finite input).
 * w: 3n doubles of scratch.
 *
 * The sweep of tql2 is a chain of rotations i = m-1, ..., l with
 *   r = hypot(p, e_i), c = p/r, s = e_i/r, p <- c d_i - s c_prev e_i = (p d_i - c_prev e_i^2)/r,
 * whose square root and division sit on the critical path (~50 cycles per rotation, the
 * whole cost at small n). With p = P/K, c_prev = Q/K (K > 0 a running scale) the
 * recurrence becomes division- and root-free:
 *   R2 = P^2 + K^2 e_i^2,  (Q, P, K^2) <- (P, P d_i - Q e_i^2, R2),
 * (the same subtraction as p d_i - c_prev e_i^2, scaled by K). So the sweep runs in three
 * passes: this recurrence (a few multiply-adds per step, rescaled by powers of two when it
 * leaves [2^-600, 2^600]); then c = P/R, s = e_i K/R, r = R/K for every rotation (one
 * root and one division each, independent of each other, pipelined; K is the previous R)
 * with the updates of d, e and V.
 * (EISPACK's imtql2 -- implicit shifts, local convergence test -- measured 15% slower than
 * the plain tql2 at n = 10 and no more accurate here: mean relative error of the smallest
 * eigenvalue of random SPD matrices with spectra over 6 decades 2.8e-12 for tql2, 4.3e-12
 * for imtql2, 3.6e-12 for dsyevd.) */
static bool tql2(int n, double *V, int ld, double *d, double *e, double *w) {
  double *Pa = w, *K2a = w + n, *R2a = w + 2 * n;
  for (int i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0.0;
  double f = 0.0, tst1 = 0.0;
  const double eps = DBL_EPSILON;
  for (int l = 0; l < n; l++) {
    double tl = fabs(d[l]) + fabs(e[l]);
    if (tl > tst1) tst1 = tl;
    int m = l;
    while (m < n - 1 && !(fabs(e[m]) <= eps * tst1)) m++;
    if (m > l) {
      int iter = 0;
      do {
        if (++iter > 30) return false;
        /* Shift from the leading 2 x 2 block. */
        double g = d[l];
        double p = (d[l + 1] - g) / (2.0 * e[l]);
        double r = fast_hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        double dl1 = d[l + 1];
        double h = g - d[l];
        for (int i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        /* Pass 1: the scaled recurrence. */
        double P = d[m], Q = 1.0, K2 = 1.0;
        for (int i = m - 1; i >= l; i--) {
          const double ei2 = e[i] * e[i];
          const double R2 = P * P + K2 * ei2, U = P * d[i] - Q * ei2;
          Pa[i] = P;
          K2a[i] = K2;
          R2a[i] = R2;
          Q = P;
          P = U;
          K2 = R2;
          if (!(R2 > 0x1p-600 && R2 < 0x1p600)) { /* rescale by 2^k (exact) */
            if (!(R2 > 0.0) || !isfinite(R2)) return false;
            int k;
            frexp(R2, &k);
            k /= 2;
            Q = ldexp(Q, -k);
            P = ldexp(P, -k);
            K2 = ldexp(K2, -2 * k);
          }
        }
        /* Passes 2 and 3: rotations, then d, e and V. */
        double c = 1.0, c2 = 1.0, c3 = 1.0, el1 = e[l + 1], s = 0.0, s2 = 0.0;
        double k = 1.0, ik = 1.0; /* K of the rotation: the previous R unless rescaled */
        for (int i = m - 1; i >= l; i--) {
          if (i < m - 1 && K2a[i] != R2a[i + 1]) { /* K2a[i + 1] already holds s: not read */
            k = sqrt(K2a[i]);
            ik = 1.0 / k;
          }
          const double R = sqrt(R2a[i]), iR = 1.0 / R;
          double cn = Pa[i] * iR, sn = e[i] * k * iR;
          /* One Newton step towards cn^2 + sn^2 = 1: the rotations then keep V orthonormal
           * to a rounding error per rotation instead of a few (measured: without it the
           * eigenvector norms drifted by 1e-15, which shows as a backward error of
           * 1e-15 max(s) in the W2 kernel). */
          const double nrm = 1.5 - 0.5 * (cn * cn + sn * sn);
          cn *= nrm;
          sn *= nrm;
          const double rr = R * ik, pi = Pa[i] * ik;
          c3 = c2;
          c2 = c;
          s2 = s;
          const double gi = c * e[i], hi = c * pi, di = d[i];
          e[i + 1] = s * rr;
          s = sn;
          c = cn;
          d[i + 1] = hi + s * (c * gi + s * di);
          Pa[i] = c; /* keep the rotation for V */
          K2a[i] = s;
          k = R;
          ik = iR;
        }
        /* Rotations i = m-1, ..., l on columns (i, i+1) of V, two at a time: columns
         * i-1, i, i+1 are read and written once for rotations i and i-1. */
        int i = m - 1;
        for (; i - 1 >= l; i -= 2) {
          const double c1 = Pa[i], s1 = K2a[i], c0 = Pa[i - 1], s0 = K2a[i - 1];
          double *va = V + (size_t)(i - 1) * ld, *vb = va + ld, *vc = vb + ld;
          for (int q = 0; q < n; q++) {
            const double a = va[q], b = vb[q], cc = vc[q];
            const double b1 = c1 * b - s1 * cc;
            vc[q] = s1 * b + c1 * cc;
            vb[q] = s0 * a + c0 * b1;
            va[q] = c0 * a - s0 * b1;
          }
        }
        if (i == l) {
          const double c1 = Pa[i], s1 = K2a[i];
          double *vb = V + (size_t)i * ld, *vc = vb + ld;
          for (int q = 0; q < n; q++) {
            const double b = vb[q], cc = vc[q];
            vc[q] = s1 * b + c1 * cc;
            vb[q] = c1 * b - s1 * cc;
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (!(fabs(e[l]) <= eps * tst1));
    }
    d[l] += f;
    e[l] = 0.0;
  }
  /* Selection sort (n is small), ascending. */
  for (int i = 0; i < n - 1; i++) {
    int k = i;
    double p = d[i];
    for (int j = i + 1; j < n; j++)
      if (d[j] < p) k = j, p = d[j];
    if (k != i) {
      d[k] = d[i];
      d[i] = p;
      double *vi = V + (size_t)i * ld, *vk = V + (size_t)k * ld;
      for (int j = 0; j < n; j++) {
        double t = vi[j];
        vi[j] = vk[j];
        vk[j] = t;
      }
    }
  }
  return true;
}

/* B = the full symmetric matrix of A's lower triangle (ld n), scaled by the power of two
 * 2^-ex that brings max |a_ij| into [1/2, 1) (exact up to underflow far below eps max |a|).
 * Returns false when A is zero. */
static bool load(int n, const double *A, int lda, double *B, int *ex) {
  double amax = 0.0;
  for (int j = 0; j < n; j++)
    for (int i = j; i < n; i++) {
      double a = fabs(A[i + (size_t)j * lda]);
      if (a > amax) amax = a;
    }
  *ex = 0;
  if (amax == 0.0) return false;
  frexp(amax, ex);
  const double sc = ldexp(1.0, -*ex);
  for (int j = 0; j < n; j++)
    for (int i = j; i < n; i++) B[i + (size_t)j * n] = B[j + (size_t)i * n] = A[i + (size_t)j * lda] * sc;
  return true;
}

static void unscale(int n, double *w, int ex) {
  const double sc = ldexp(1.0, ex);
  for (int i = 0; i < n; i++) w[i] *= sc;
}

bw_status bw__eigh_tql(int n, const double *A, int lda, double *w, double *V, int ldv, double *work) {
  double *B = work, *e = B + (size_t)n * n, *hv = e + n, *t = hv + n, *ql = t + n;
  int ex;
  if (!load(n, A, lda, B, &ex)) {
    for (int i = 0; i < n; i++) w[i] = 0.0;
    bw__eye(n, V, ldv);
    return BW_OK;
  }
  tridiag(n, B, w, e, hv, t);
  bw__eye(n, V, ldv);
  apply_q(n, n, B, hv, V, ldv, t);
  if (!tql2(n, V, ldv, w, e, ql)) return BW_ERR_LAPACK;
  unscale(n, w, ex);
  /* Unit columns to the last bit: a vector norm 1 + delta is a backward error
   * delta w_j in U'AU - diag(w), which the W2 kernel sees relative to the other covariance
   * (measured: 4 ulps of drift in the eigenvector of a covariance's largest eigenvalue cost
   * a factor 10 in W2^2 accuracy when the other covariance is 1e3 times smaller). */
  for (int j = 0; j < n; j++) {
    double *vj = V + (size_t)j * ldv, s2 = 0.0;
    for (int i = 0; i < n; i++) s2 += vj[i] * vj[i];
    const double f = 1.0 / sqrt(s2);
    for (int i = 0; i < n; i++) vj[i] *= f;
  }
  return BW_OK;
}

bw_status bw__eigh_tql_apply(int n, const double *A, int lda, double *w, double *Y, int ldy,
                             double *work) {
  double *B = work, *e = B + (size_t)n * n, *hv = e + n, *t = hv + n, *ql = t + n;
  int ex;
  if (!load(n, A, lda, B, &ex)) { /* A = 0: V = I, Y unchanged */
    for (int i = 0; i < n; i++) w[i] = 0.0;
    return BW_OK;
  }
  tridiag(n, B, w, e, hv, t);
  apply_q(n, n, B, hv, Y, ldy, t);
  if (!tql2(n, Y, ldy, w, e, ql)) return BW_ERR_LAPACK;
  unscale(n, w, ex);
  return BW_OK;
}

/* ---- dispatch ---- */

bw_status bw__eigh_lapack(bw_workspace *ws, int d, const double *A, int lda, double *w, double *V,
                         int ldv) {
  if (d == 1) {
    w[0] = A[0];
    V[0] = 1.0;
    return BW_OK;
  }
  for (int j = 0; j < d; j++) /* lower triangle suffices */
    memmove(V + j + (size_t)j * ldv, A + j + (size_t)j * lda, (size_t)(d - j) * sizeof(double));
  int info = 0;
  dsyevd_("V", "L", &d, V, &ldv, w, ws->work, &ws->lwork, ws->iwork, &ws->liwork, &info, 1, 1);
  return info == 0 ? BW_OK : BW_ERR_LAPACK;
}

bw_status bw__eigh_path(bw__path path, bw_workspace *ws, int d, const double *A, int lda, double *w,
                        double *V, int ldv) {
  if (path == BW__AUTO && d == 2) {
    bw__eigh2(A[0], A[1], A[1 + lda], w, V, ldv);
    return BW_OK;
  }
  if (path == BW__AUTO && d >= 3 && d <= BW_EIGH_SMALL_MAX)
    return bw__eigh_tql(d, A, lda, w, V, ldv, ws->work);
  return bw__eigh_lapack(ws, d, A, lda, w, V, ldv); /* also d = 1 */
}

bw_status bw__eigh(bw_workspace *ws, int d, const double *A, int lda, double *w, double *V, int ldv) {
  return bw__eigh_path(BW__AUTO, ws, d, A, lda, w, V, ldv);
}
