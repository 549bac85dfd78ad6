/* bwflow._core: Bures-Wasserstein geometry over stacks (bw_*_stack). Every function takes
 * the dimension d and the number of items n; each input array holds one item (broadcast)
 * or n items, each output n items; covariances and matrices are column-major d x d blocks.
 * Each returns (status, index of the failing item or -1). SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "bwpy.h"

/* The shared arguments: d, n and two Gaussians (means then covariances). */
typedef struct {
  int d;
  Py_ssize_t n;
  bwpy_buf m0, S0, m1, S1;
  bw_gaussian_stack g0, g1;
} pair_args;

static int stack_in(bwpy_buf *m, bwpy_buf *S, int d, Py_ssize_t n, const char *mname,
                    const char *sname, bw_gaussian_stack *g) {
  ptrdiff_t ms, ss;
  if (bwpy_buf_stack(m, n, d, mname, &ms) < 0 || bwpy_buf_stack(S, n, bwpy_sq(d), sname, &ss) < 0)
    return -1;
  *g = (bw_gaussian_stack){d, m->p, ms, S->p, d, ss};
  return 0;
}

static int stack_out(bwpy_buf *m, bwpy_buf *S, int d, Py_ssize_t n, const char *mname,
                     const char *sname, bw_gaussian_stack *g) {
  if (bwpy_buf_len(m, n * d, mname) < 0 || bwpy_buf_len(S, n * bwpy_sq(d), sname) < 0) return -1;
  *g = (bw_gaussian_stack){d, m->p, d, S->p, d, bwpy_sq(d)};
  return 0;
}

/* 1 <= d with d^2 an int (as the library's LAPACK calls need) and 0 <= n with 8 n d^2
 * representable (the buffers' sizes are checked after). */
static int dims_ok(int d, Py_ssize_t n) {
  if (d < 1 || (long long)d * d > INT_MAX || n < 0 || n > PY_SSIZE_T_MAX / bwpy_sq(d) / 8 || n > LONG_MAX) {
    PyErr_Format(PyExc_ValueError, "bad stack dimensions d = %d, n = %zd", d, n);
    return -1;
  }
  return 0;
}

/* Parses (d, n, m0, S0, m1, S1) from the first six arguments of the tuple; the others
 * into *rest (borrowed). */
static int pair_get(PyObject *args, pair_args *a, bool two, PyObject **rest, int nrest) {
  PyObject *o[4] = {NULL, NULL, NULL, NULL};
  memset(a, 0, sizeof *a);
  const int nin = two ? 4 : 2;
  if (PyTuple_GET_SIZE(args) != 2 + nin + nrest) {
    PyErr_SetString(PyExc_TypeError, "wrong number of arguments");
    return -1;
  }
  PyObject *head = PyTuple_GetSlice(args, 0, 2);
  if (!head) return -1;
  const int ok = PyArg_ParseTuple(head, "in", &a->d, &a->n);
  Py_DECREF(head);
  if (!ok || dims_ok(a->d, a->n) < 0) return -1;
  for (int i = 0; i < nin; i++) o[i] = PyTuple_GET_ITEM(args, 2 + i);
  for (int i = 0; i < nrest; i++) rest[i] = PyTuple_GET_ITEM(args, 2 + nin + i);
  if (bwpy_buf_get(o[0], "m0", false, false, &a->m0) < 0 ||
      bwpy_buf_get(o[1], "S0", false, false, &a->S0) < 0 ||
      stack_in(&a->m0, &a->S0, a->d, a->n, "m0", "S0", &a->g0) < 0)
    return -1;
  if (two && (bwpy_buf_get(o[2], "m1", false, false, &a->m1) < 0 ||
              bwpy_buf_get(o[3], "S1", false, false, &a->S1) < 0 ||
              stack_in(&a->m1, &a->S1, a->d, a->n, "m1", "S1", &a->g1) < 0))
    return -1;
  return 0;
}

static void pair_release(pair_args *a) {
  bwpy_buf_release(&a->m0);
  bwpy_buf_release(&a->S0);
  bwpy_buf_release(&a->m1);
  bwpy_buf_release(&a->S1);
}

static PyObject *result(bw_status st, long failed) { return Py_BuildValue("(il)", (int)st, st ? failed : -1L); }

/* w2sq(d, n, m0, S0, m1, S1, out, root) */
static PyObject *py_w2sq(PyObject *self, PyObject *args) {
  (void)self;
  pair_args a;
  PyObject *rest[2];
  bwpy_buf out = {0};
  PyObject *ret = NULL;
  if (pair_get(args, &a, true, rest, 2) < 0 || bwpy_buf_get(rest[0], "out", true, false, &out) < 0 ||
      bwpy_buf_len(&out, a.n, "out") < 0)
    goto done;
  const int root = PyObject_IsTrue(rest[1]);
  if (root < 0) goto done;
  long failed = -1;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = root ? bw_w2_stack(NULL, (long)a.n, &a.g0, &a.g1, out.p, &failed)
            : bw_w2sq_stack(NULL, (long)a.n, &a.g0, &a.g1, out.p, &failed);
  Py_END_ALLOW_THREADS
  ret = result(st, failed);
done:
  pair_release(&a);
  bwpy_buf_release(&out);
  return ret;
}

/* ot_map(d, n, m0, S0, m1, S1, T) */
static PyObject *py_ot_map(PyObject *self, PyObject *args) {
  (void)self;
  pair_args a;
  PyObject *rest[1];
  bwpy_buf T = {0};
  PyObject *ret = NULL;
  if (pair_get(args, &a, true, rest, 1) < 0 || bwpy_buf_get(rest[0], "T", true, false, &T) < 0 ||
      bwpy_buf_len(&T, a.n * bwpy_sq(a.d), "T") < 0)
    goto done;
  long failed = -1;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_ot_map_stack(NULL, (long)a.n, &a.g0, &a.g1, T.p, a.d, bwpy_sq(a.d), &failed);
  Py_END_ALLOW_THREADS
  ret = result(st, failed);
done:
  pair_release(&a);
  bwpy_buf_release(&T);
  return ret;
}

/* geodesic(d, n, m0, S0, m1, S1, t, m_out, S_out) */
static PyObject *py_geodesic(PyObject *self, PyObject *args) {
  (void)self;
  pair_args a;
  PyObject *rest[3];
  bwpy_buf t = {0}, mo = {0}, So = {0};
  bw_gaussian_stack go;
  ptrdiff_t ts;
  PyObject *ret = NULL;
  if (pair_get(args, &a, true, rest, 3) < 0 || bwpy_buf_get(rest[0], "t", false, false, &t) < 0 ||
      bwpy_buf_stack(&t, a.n, 1, "t", &ts) < 0 ||
      bwpy_buf_get(rest[1], "m_out", true, false, &mo) < 0 ||
      bwpy_buf_get(rest[2], "S_out", true, false, &So) < 0 ||
      stack_out(&mo, &So, a.d, a.n, "m_out", "S_out", &go) < 0)
    goto done;
  long failed = -1;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_geodesic_stack(NULL, (long)a.n, &a.g0, &a.g1, t.p, ts, &go, &failed);
  Py_END_ALLOW_THREADS
  ret = result(st, failed);
done:
  pair_release(&a);
  bwpy_buf_release(&t), bwpy_buf_release(&mo), bwpy_buf_release(&So);
  return ret;
}

/* log_map(d, n, m0, S0, m1, S1, v, X) */
static PyObject *py_log_map(PyObject *self, PyObject *args) {
  (void)self;
  pair_args a;
  PyObject *rest[2];
  bwpy_buf v = {0}, X = {0};
  PyObject *ret = NULL;
  if (pair_get(args, &a, true, rest, 2) < 0 || bwpy_buf_get(rest[0], "v", true, false, &v) < 0 ||
      bwpy_buf_get(rest[1], "X", true, false, &X) < 0 || bwpy_buf_len(&v, a.n * a.d, "v") < 0 ||
      bwpy_buf_len(&X, a.n * bwpy_sq(a.d), "X") < 0)
    goto done;
  long failed = -1;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_log_map_stack(NULL, (long)a.n, &a.g0, &a.g1, v.p, a.d, X.p, a.d, bwpy_sq(a.d), &failed);
  Py_END_ALLOW_THREADS
  ret = result(st, failed);
done:
  pair_release(&a);
  bwpy_buf_release(&v), bwpy_buf_release(&X);
  return ret;
}

/* exp_map(d, n, m0, S0, v, X, m_out, S_out) */
static PyObject *py_exp_map(PyObject *self, PyObject *args) {
  (void)self;
  pair_args a;
  PyObject *rest[4];
  bwpy_buf v = {0}, X = {0}, mo = {0}, So = {0};
  bw_gaussian_stack go;
  ptrdiff_t vs, xs;
  PyObject *ret = NULL;
  if (pair_get(args, &a, false, rest, 4) < 0 || bwpy_buf_get(rest[0], "v", false, false, &v) < 0 ||
      bwpy_buf_get(rest[1], "X", false, false, &X) < 0 ||
      bwpy_buf_stack(&v, a.n, a.d, "v", &vs) < 0 ||
      bwpy_buf_stack(&X, a.n, bwpy_sq(a.d), "X", &xs) < 0 ||
      bwpy_buf_get(rest[2], "m_out", true, false, &mo) < 0 ||
      bwpy_buf_get(rest[3], "S_out", true, false, &So) < 0 ||
      stack_out(&mo, &So, a.d, a.n, "m_out", "S_out", &go) < 0)
    goto done;
  long failed = -1;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_exp_map_stack(NULL, (long)a.n, &a.g0, v.p, vs, X.p, a.d, xs, &go, &failed);
  Py_END_ALLOW_THREADS
  ret = result(st, failed);
done:
  pair_release(&a);
  bwpy_buf_release(&v), bwpy_buf_release(&X), bwpy_buf_release(&mo), bwpy_buf_release(&So);
  return ret;
}

PyMethodDef bwpy_geometry_methods[] = {
    {"w2sq", py_w2sq, METH_VARARGS, "w2sq(d, n, m0, S0, m1, S1, out, root) -> (status, failed)"},
    {"ot_map", py_ot_map, METH_VARARGS, "ot_map(d, n, m0, S0, m1, S1, T) -> (status, failed)"},
    {"geodesic", py_geodesic, METH_VARARGS,
     "geodesic(d, n, m0, S0, m1, S1, t, m_out, S_out) -> (status, failed)"},
    {"log_map", py_log_map, METH_VARARGS, "log_map(d, n, m0, S0, m1, S1, v, X) -> (status, failed)"},
    {"exp_map", py_exp_map, METH_VARARGS,
     "exp_map(d, n, m0, S0, v, X, m_out, S_out) -> (status, failed)"},
    {NULL, NULL, 0, NULL},
};
