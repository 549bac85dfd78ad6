/* JKO-Flow of order 2 on Gaussians (docs/math.md section 8): the Taylor series of the JKO
 * step's covariance, the fields of its modified equation by backward error analysis, their
 * closed forms and derivatives, and the truncated logarithm that gives the damping of a
 * linear mode at every order. Pure functions of full d x d matrices (leading dimension d);
 * conjugation-equivariant, so the solver evaluates them in P's eigenbasis.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "gaussian/modflow2.h"

double bw__mf_logfactor(int q, double z) {
  double s = 0.0; /* Horner: sum_{k=0}^{q} (-z)^k/(k+1) */
  for (int k = q; k >= 0; k--) s = s * -z + 1.0 / (k + 1);
  return s;
}

/* C = alpha A B + beta C */
static void mm(int d, double alpha, const double *A, const double *B, double beta, double *C) {
  bw__gemm('N', 'N', d, alpha, A, d, B, d, beta, C, d);
}

/* C = alpha (T + T') + beta C for T = A B (scratch T). */
static void sym2(int d, double alpha, const double *A, const double *B, double beta, double *C,
                 double *T) {
  mm(d, 1.0, A, B, 0.0, T);
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++)
      C[i + (size_t)j * d] = alpha * (T[i + (size_t)j * d] + T[j + (size_t)i * d]) +
                             (beta == 0.0 ? 0.0 : beta * C[i + (size_t)j * d]);
}

/* C = alpha A + beta B (elementwise, d x d) */
static void axpby(int d, double alpha, const double *A, double beta, const double *B, double *C) {
  for (size_t k = 0; k < (size_t)d * d; k++) C[k] = alpha * A[k] + beta * B[k];
}

void bw__mf2_series(int d, const double *P, double tau, const double *S, const double *Si,
                    double *a1, double *a2, double *a3, double *scratch) {
  const size_t dd = (size_t)d * d;
  double *M0 = scratch, *M1 = M0 + dd, *M2 = M1 + dd, *r2 = M2 + dd, *r3 = r2 + dd;
  double *T = r3 + dd, *U = T + dd, *V = U + dd;
  axpby(d, 1.0, P, -tau, Si, M0);
  sym2(d, -1.0, M0, S, 0.0, a1, T); /* a1 = -(M0 S + S M0) */
  mm(d, 1.0, Si, a1, 0.0, T);       /* M1 = tau Si a1 Si */
  mm(d, tau, T, Si, 0.0, M1);
  mm(d, 1.0, M0, M0, 0.0, r2); /* r2 = M0^2 - M1 */
  axpby(d, 1.0, r2, -1.0, M1, r2);
  sym2(d, 1.0, r2, S, 0.0, a2, T); /* a2 = r2 S + S r2 + M0 S M0 */
  mm(d, 1.0, S, M0, 0.0, T);
  mm(d, 1.0, M0, T, 1.0, a2);
  /* M2 = tau (Si a2 Si - Si a1 Si a1 Si) = tau Si (a2 - a1 Si a1) Si */
  mm(d, 1.0, Si, a1, 0.0, T);
  memcpy(U, a2, dd * sizeof(double));
  mm(d, -1.0, a1, T, 1.0, U);
  mm(d, 1.0, Si, U, 0.0, T);
  mm(d, tau, T, Si, 0.0, M2);
  /* r3 = -M2 + M0 M1 + M1 M0 - M0^3 */
  mm(d, 1.0, M0, M1, 0.0, r3);
  mm(d, 1.0, M1, M0, 1.0, r3);
  mm(d, 1.0, M0, M0, 0.0, T);
  mm(d, -1.0, M0, T, 1.0, r3);
  axpby(d, 1.0, r3, -1.0, M2, r3);
  /* a3 = r3 S + S r3 + r1 S r2 + r2 S r1,  r1 = -M0 */
  sym2(d, 1.0, r3, S, 0.0, a3, T);
  mm(d, 1.0, S, r2, 0.0, U); /* V = M0 S r2; a3 -= V + V' */
  mm(d, 1.0, M0, U, 0.0, V);
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) a3[i + (size_t)j * d] -= V[i + (size_t)j * d] + V[j + (size_t)i * d];
}

/* f1'[Y] = -(P Y + Y P) into out (scratch T). */
static void df1(int d, const double *P, const double *Y, double *out, double *T) {
  sym2(d, -1.0, P, Y, 0.0, out, T);
}

/* f2'[Y] = (P^2 Y + Y P^2)/2 + tau^2 Si Y Si (P2 = P^2; scratch T). */
static void df2(int d, const double *P2, double tau, const double *Si, const double *Y, double *out,
                double *T) {
  sym2(d, 0.5, P2, Y, 0.0, out, T);
  mm(d, 1.0, Si, Y, 0.0, T);
  mm(d, tau * tau, T, Si, 1.0, out);
}

void bw__mf2_recursion(int d, const double *P, double tau, const double *Si, const double *a1,
                       const double *a2, const double *a3, double *f1, double *f2, double *f3,
                       double *scratch) {
  const size_t dd = (size_t)d * d;
  double *P2 = scratch, *T = P2 + dd, *U = T + dd, *V = U + dd;
  mm(d, 1.0, P, P, 0.0, P2);
  memcpy(f1, a1, dd * sizeof(double));
  df1(d, P, f1, U, T); /* U = f1'[f1] */
  axpby(d, 1.0, a2, -0.5, U, f2);
  df1(d, P, U, V, T); /* V = f1'[f1'[f1]] */
  axpby(d, 1.0, a3, -1.0 / 6.0, V, f3);
  df1(d, P, f2, U, T); /* f3 -= (f1'[f2] + f2'[f1])/2 */
  df2(d, P2, tau, Si, f1, V, T);
  for (size_t k = 0; k < dd; k++) f3[k] -= 0.5 * (U[k] + V[k]);
}

void bw__mf2_fields(int d, const double *P, double tau, const double *S, const double *Si,
                    double *f1, double *f2, double *f3, double *scratch) {
  const size_t dd = (size_t)d * d;
  double *P2 = scratch, *T = P2 + dd, *U = T + dd;
  mm(d, 1.0, P, P, 0.0, P2);
  if (f1) {
    sym2(d, -1.0, P, S, 0.0, f1, T);
    for (int i = 0; i < d; i++) f1[i + (size_t)i * d] += 2.0 * tau;
  }
  if (f2) {
    sym2(d, 0.5, P2, S, 0.0, f2, T);
    axpby(d, 1.0, f2, -tau * tau, Si, f2);
  }
  if (f3) {
    mm(d, 1.0, P2, P, 0.0, U); /* P^3 */
    sym2(d, -1.0 / 3.0, U, S, 0.0, f3, T);
    mm(d, tau * tau * tau, Si, Si, 1.0, f3);
    axpby(d, 1.0, f3, -tau / 3.0, P2, f3);
  }
}

void bw__mf2_dfields(int d, const double *P, double tau, const double *Si, const double *Y,
                     double *o1, double *o2, double *o3, double *scratch) {
  const size_t dd = (size_t)d * d;
  double *P2 = scratch, *T = P2 + dd, *U = T + dd, *V = U + dd;
  mm(d, 1.0, P, P, 0.0, P2);
  if (o1) df1(d, P, Y, o1, T);
  if (o2) df2(d, P2, tau, Si, Y, o2, T);
  if (o3) {
    mm(d, 1.0, P2, P, 0.0, U); /* P^3 */
    sym2(d, -1.0 / 3.0, U, Y, 0.0, o3, T);
    /* -tau^3 (Si Y Si^2 + Si^2 Y Si) = -tau^3 (Z Si + Si Z), Z = Si Y Si */
    mm(d, 1.0, Si, Y, 0.0, T);
    mm(d, 1.0, T, Si, 0.0, V);
    sym2(d, -tau * tau * tau, V, Si, 1.0, o3, T);
  }
}
