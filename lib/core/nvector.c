/* SUNDIALS serial N_Vector operations compiled with the library.
 *
 * Debian 12's SUNDIALS 6.4.1 is built without optimisation (its loops keep their index and
 * pointers on the stack: ~20 instructions per element of an N_VLinearSum, measured with
 * callgrind), and CVODE spends its time outside the right-hand side in these operations:
 * they were ~70% of a JKO-Flow solve at d = 50 (perf; docs/performance.md). The serial
 * vector keeps its content (length, data, own_data) and its constructors; only the
 * arithmetic entries of its operation table are replaced by the loops below, which the
 * compiler vectorises. N_VClone copies the table, so every vector CVODE and its solvers
 * clone from the installed one uses them too.
 *
 * Results equal SUNDIALS' own up to the order of the terms in reductions (norms and dot
 * products are summed in four interleaved partial sums, then pairwise).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <nvector/nvector_serial.h>

#include "core/nvector.h"

#define LEN(v) ((long)NV_LENGTH_S(v))
#define DAT(v) NV_DATA_S(v)

/* Elementwise operations: z may be x or y (SUNDIALS updates in place, e.g. the predictor's
 * zn[j-1] += zn[j]), never a shifted view of them, so no iteration reads what another
 * writes: ivdep tells GCC so (its run-time overlap check would otherwise send every
 * in-place call to the scalar loop). */
#define ELEMENTWISE _Pragma("GCC ivdep") for

static void linearsum(double a, N_Vector x, double b, N_Vector y, N_Vector z) {
  const long n = LEN(x);
  const double *xd = DAT(x), *yd = DAT(y);
  double *zd = DAT(z);
  if (a == 1.0 && b == 1.0) { /* the predictor's form: z = x + y */
    ELEMENTWISE (long i = 0; i < n; i++) zd[i] = xd[i] + yd[i];
  } else if (b == 1.0) {
    ELEMENTWISE (long i = 0; i < n; i++) zd[i] = a * xd[i] + yd[i];
  } else if (a == 1.0) {
    ELEMENTWISE (long i = 0; i < n; i++) zd[i] = xd[i] + b * yd[i];
  } else {
    ELEMENTWISE (long i = 0; i < n; i++) zd[i] = a * xd[i] + b * yd[i];
  }
}

static void vconst(double c, N_Vector z) {
  const long n = LEN(z);
  double *zd = DAT(z);
  ELEMENTWISE (long i = 0; i < n; i++) zd[i] = c;
}

static void prod(N_Vector x, N_Vector y, N_Vector z) {
  const long n = LEN(x);
  const double *xd = DAT(x), *yd = DAT(y);
  double *zd = DAT(z);
  ELEMENTWISE (long i = 0; i < n; i++) zd[i] = xd[i] * yd[i];
}

static void vdiv(N_Vector x, N_Vector y, N_Vector z) {
  const long n = LEN(x);
  const double *xd = DAT(x), *yd = DAT(y);
  double *zd = DAT(z);
  ELEMENTWISE (long i = 0; i < n; i++) zd[i] = xd[i] / yd[i];
}

static void scale(double c, N_Vector x, N_Vector z) {
  const long n = LEN(x);
  const double *xd = DAT(x);
  double *zd = DAT(z);
  if (xd == zd && c == 1.0) return;
  ELEMENTWISE (long i = 0; i < n; i++) zd[i] = c * xd[i];
}

static void vabs(N_Vector x, N_Vector z) {
  const long n = LEN(x);
  const double *xd = DAT(x);
  double *zd = DAT(z);
  ELEMENTWISE (long i = 0; i < n; i++) zd[i] = fabs(xd[i]);
}

static void inv(N_Vector x, N_Vector z) {
  const long n = LEN(x);
  const double *xd = DAT(x);
  double *zd = DAT(z);
  ELEMENTWISE (long i = 0; i < n; i++) zd[i] = 1.0 / xd[i];
}

static void addconst(N_Vector x, double b, N_Vector z) {
  const long n = LEN(x);
  const double *xd = DAT(x);
  double *zd = DAT(z);
  ELEMENTWISE (long i = 0; i < n; i++) zd[i] = xd[i] + b;
}

/* Reductions: four interleaved partial sums (a dependency chain per sum, vectorisable). */

double bw__dot(long n, const double *x, const double *y) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  long i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += x[i] * y[i];
    s1 += x[i + 1] * y[i + 1];
    s2 += x[i + 2] * y[i + 2];
    s3 += x[i + 3] * y[i + 3];
  }
  for (; i < n; i++) s0 += x[i] * y[i];
  return (s0 + s1) + (s2 + s3);
}

/* sum (x_i w_i)^2 */
static double wsqrsum_raw(long n, const double *restrict x, const double *restrict w) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  long i = 0;
  for (; i + 3 < n; i += 4) {
    const double a0 = x[i] * w[i], a1 = x[i + 1] * w[i + 1];
    const double a2 = x[i + 2] * w[i + 2], a3 = x[i + 3] * w[i + 3];
    s0 += a0 * a0;
    s1 += a1 * a1;
    s2 += a2 * a2;
    s3 += a3 * a3;
  }
  for (; i < n; i++) {
    const double a = x[i] * w[i];
    s0 += a * a;
  }
  return (s0 + s1) + (s2 + s3);
}

static double dotprod(N_Vector x, N_Vector y) { return bw__dot(LEN(x), DAT(x), DAT(y)); }

static double wsqrsum(N_Vector x, N_Vector w) { return wsqrsum_raw(LEN(x), DAT(x), DAT(w)); }

static double wrmsnorm(N_Vector x, N_Vector w) {
  return sqrt(wsqrsum_raw(LEN(x), DAT(x), DAT(w)) / (double)LEN(x));
}

static double wl2norm(N_Vector x, N_Vector w) { return sqrt(wsqrsum_raw(LEN(x), DAT(x), DAT(w))); }

static double maxnorm(N_Vector x) {
  const long n = LEN(x);
  const double *xd = DAT(x);
  double m = 0.0;
  for (long i = 0; i < n; i++) m = fmax(m, fabs(xd[i])); /* NaN entries are skipped, as in SUNDIALS */
  return m;
}

static double vmin(N_Vector x) {
  const long n = LEN(x);
  const double *xd = DAT(x);
  double m = xd[0];
  for (long i = 1; i < n; i++)
    if (xd[i] < m) m = xd[i];
  return m;
}

/* Fused operations. */

/* z = sum_k c_k X_k, in blocks that stay in L1 (z may alias any X_k). */
static int linearcombination(int nvec, double *c, N_Vector *X, N_Vector z) {
  enum { BLK = 256 };
  if (nvec < 1) return -1;
  const long n = LEN(z);
  double *zd = DAT(z), acc[BLK];
  for (long i0 = 0; i0 < n; i0 += BLK) {
    const long m = n - i0 < BLK ? n - i0 : BLK;
    const double *x0 = DAT(X[0]) + i0, c0 = c[0];
    for (long i = 0; i < m; i++) acc[i] = c0 * x0[i];
    for (int k = 1; k < nvec; k++) {
      const double *xk = DAT(X[k]) + i0, ck = c[k];
      for (long i = 0; i < m; i++) acc[i] += ck * xk[i];
    }
    for (long i = 0; i < m; i++) zd[i0 + i] = acc[i];
  }
  return 0;
}

/* Z_k = a_k x + Y_k (Z_k may be Y_k). */
static int scaleaddmulti(int nvec, double *a, N_Vector x, N_Vector *Y, N_Vector *Z) {
  if (nvec < 1) return -1;
  const long n = LEN(x);
  const double *xd = DAT(x);
  for (int k = 0; k < nvec; k++) {
    const double *yd = DAT(Y[k]), ak = a[k];
    double *zd = DAT(Z[k]);
    ELEMENTWISE (long i = 0; i < n; i++) zd[i] = ak * xd[i] + yd[i];
  }
  return 0;
}

static int dotprodmulti(int nvec, N_Vector x, N_Vector *Y, double *d) {
  if (nvec < 1) return -1;
  for (int k = 0; k < nvec; k++) d[k] = bw__dot(LEN(x), DAT(x), DAT(Y[k]));
  return 0;
}

static int linearsumvectorarray(int nvec, double a, N_Vector *X, double b, N_Vector *Y, N_Vector *Z) {
  if (nvec < 1) return -1;
  for (int k = 0; k < nvec; k++) linearsum(a, X[k], b, Y[k], Z[k]);
  return 0;
}

static int scalevectorarray(int nvec, double *c, N_Vector *X, N_Vector *Z) {
  if (nvec < 1) return -1;
  for (int k = 0; k < nvec; k++) scale(c[k], X[k], Z[k]);
  return 0;
}

static int constvectorarray(int nvec, double c, N_Vector *Z) {
  if (nvec < 1) return -1;
  for (int k = 0; k < nvec; k++) vconst(c, Z[k]);
  return 0;
}

static int wrmsnormvectorarray(int nvec, N_Vector *X, N_Vector *W, double *nrm) {
  if (nvec < 1) return -1;
  for (int k = 0; k < nvec; k++) nrm[k] = wrmsnorm(X[k], W[k]);
  return 0;
}

void bw__nvector_install(N_Vector v) {
  N_Vector_Ops o = v->ops;
  o->nvlinearsum = linearsum;
  o->nvconst = vconst;
  o->nvprod = prod;
  o->nvdiv = vdiv;
  o->nvscale = scale;
  o->nvabs = vabs;
  o->nvinv = inv;
  o->nvaddconst = addconst;
  o->nvdotprod = dotprod;
  o->nvdotprodlocal = dotprod;
  o->nvmaxnorm = maxnorm;
  o->nvmaxnormlocal = maxnorm;
  o->nvwrmsnorm = wrmsnorm;
  o->nvwsqrsumlocal = wsqrsum;
  o->nvwl2norm = wl2norm;
  o->nvmin = vmin;
  o->nvminlocal = vmin;
  o->nvlinearcombination = linearcombination;
  o->nvscaleaddmulti = scaleaddmulti;
  o->nvdotprodmulti = dotprodmulti;
  o->nvlinearsumvectorarray = linearsumvectorarray;
  o->nvscalevectorarray = scalevectorarray;
  o->nvconstvectorarray = constvectorarray;
  o->nvwrmsnormvectorarray = wrmsnormvectorarray;
}
