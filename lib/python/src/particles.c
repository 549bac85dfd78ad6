/* bwflow._core: the particle system on the quantile line (bwflow/particles.h).
 * Configurations are N doubles, N the problem's. SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "bwpy.h"

static void free_particles(void *p) { bw_particles_free(p); }
static void free_plan(void *p) { bw_particles_jko_plan_free(p); }
static void free_ws(void *p) { bw_particles_ws_free(p); }
static void free_flow(void *p) { bw_particles_flow_free(p); }
const bwpy_kind bwpy_particles_kind = {"Particles", free_particles, false};
static const bwpy_kind plan_kind = {"ParticlesJKOPlan", free_plan, false};
static const bwpy_kind ws_kind = {"particle workspace", free_ws, true};
static const bwpy_kind flow_kind = {"ParticlesFlow", free_flow, true};

/* A buffer of exactly n doubles. */
static int conf(PyObject *o, Py_ssize_t n, bool out, const char *arg, bwpy_buf *b) {
  return bwpy_buf_get(o, arg, out, false, b) < 0 || bwpy_buf_len(b, n, arg) < 0 ? -1 : 0;
}

/* particles(n, coef, tau) -> (status, handle) */
static PyObject *py_particles(PyObject *self, PyObject *args) {
  (void)self;
  int n;
  double tau;
  PyObject *co;
  bwpy_buf c;
  if (!PyArg_ParseTuple(args, "iOd", &n, &co, &tau) || bwpy_buf_get(co, "V", false, false, &c) < 0) return NULL;
  bw_particles *pp = NULL;
  bw_status st = c.n < 1 || c.n > INT_MAX ? BW_ERR_BAD_ARG : bw_particles_create(n, (int)c.n - 1, c.p, tau, &pp);
  bwpy_buf_release(&c);
  return bwpy_created(st, &bwpy_particles_kind, pp, 0);
}

/* particles_preset(name, n) -> ((status, handle), mean, std) */
static PyObject *py_particles_preset(PyObject *self, PyObject *args) {
  (void)self;
  const char *name;
  int n;
  if (!PyArg_ParseTuple(args, "si", &name, &n)) return NULL;
  bw_particles *pp = NULL;
  double mean = NAN, sd = NAN;
  const bw_status st = bw_particles_preset(name, n, &pp, &mean, &sd);
  PyObject *r = bwpy_created(st, &bwpy_particles_kind, pp, 0);
  return r ? Py_BuildValue("(Ndd)", r, mean, sd) : NULL;
}

/* particles_info(particles) -> (n, coefficients bytes, tau, min V'') */
static PyObject *py_particles_info(PyObject *self, PyObject *o) {
  (void)self;
  const bw_particles *pp = bwpy_get(o, &bwpy_particles_kind, "particles");
  if (!pp) return NULL;
  return Py_BuildValue("(iNdd)", bw_particles_n(pp), bwpy_bytes(bw_particles_coef(pp), bw_particles_degree(pp) + 1),
                       bw_particles_tau(pp), bw_particles_vpp_min(pp));
}

/* particles_quantiles(n, mean, std, out) -> status */
static PyObject *py_particles_quantiles(PyObject *self, PyObject *args) {
  (void)self;
  int n;
  double mean, sd;
  PyObject *oo;
  bwpy_buf x;
  if (!PyArg_ParseTuple(args, "iddO", &n, &mean, &sd, &oo) || bwpy_buf_get(oo, "out", true, false, &x) < 0) return NULL;
  PyObject *ret = NULL;
  if (n < 0) ret = PyLong_FromLong(BW_ERR_DIM);
  else if (bwpy_buf_len(&x, n, "out") == 0) ret = PyLong_FromLong(bw_particles_quantiles(n, mean, sd, x.p));
  bwpy_buf_release(&x);
  return ret;
}

/* particles_eval(particles, what, x, eta, out1 or None, out2 or None) -> (status, a, b):
 * "energy", "slope_sq", "modified_energy" (a), "hessian_extremes" (a, b), "gradient" (out1,
 * N), "hessian" (out1 N, out2 N - 1), "density" (out1, N - 1). */
static PyObject *py_particles_eval(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *xo, *o1, *o2;
  const char *what;
  double eta, a = NAN, b2 = NAN;
  bwpy_buf b[3] = {{.held = false}};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OsOdOO", &po, &what, &xo, &eta, &o1, &o2)) return NULL;
  const bw_particles *pp = bwpy_get(po, &bwpy_particles_kind, "particles");
  if (!pp) return NULL;
  const int n = bw_particles_n(pp);
  if (conf(xo, n, false, "x", &b[0]) < 0) goto done;
  bw_status st;
  if (!strcmp(what, "energy")) st = bw_particles_energy(pp, b[0].p, &a);
  else if (!strcmp(what, "slope_sq")) st = bw_particles_slope_sq(pp, b[0].p, &a);
  else if (!strcmp(what, "modified_energy")) st = bw_particles_modified_energy(pp, b[0].p, eta, &a);
  else if (!strcmp(what, "hessian_extremes")) st = bw_particles_hessian_extremes(pp, NULL, b[0].p, &a, &b2);
  else if (!strcmp(what, "gradient")) {
    if (conf(o1, n, true, "out", &b[1]) < 0) goto done;
    st = bw_particles_gradient(pp, b[0].p, b[1].p);
  } else if (!strcmp(what, "hessian")) {
    if (conf(o1, n, true, "diag", &b[1]) < 0 || conf(o2, n - 1, true, "off", &b[2]) < 0) goto done;
    st = bw_particles_hessian(pp, b[0].p, b[1].p, b[2].p);
  } else if (!strcmp(what, "density")) {
    if (conf(o1, n - 1, true, "out", &b[1]) < 0) goto done;
    st = bw_particles_density(n, b[0].p, b[1].p);
  } else {
    PyErr_Format(PyExc_ValueError, "no particle function named %s", what);
    goto done;
  }
  ret = Py_BuildValue("(idd)", (int)st, a, b2);
done:
  bwpy_bufs_release(b, 3);
  return ret;
}

/* particles_pair(what, x, y or None) -> (status, a, b): "w2" (x, y) or "moments" (x). */
static PyObject *py_particles_pair(PyObject *self, PyObject *args) {
  (void)self;
  const char *what;
  PyObject *xo, *yo;
  bwpy_buf x = {0}, y = {0};
  PyObject *ret = NULL;
  double a = NAN, b = NAN;
  if (!PyArg_ParseTuple(args, "sOO", &what, &xo, &yo) || bwpy_buf_get(xo, "x", false, false, &x) < 0) return NULL;
  if (x.n > INT_MAX) {
    PyErr_SetString(PyExc_ValueError, "x: too many positions");
    goto done;
  }
  bw_status st;
  if (!strcmp(what, "w2")) {
    if (conf(yo, x.n, false, "y", &y) < 0) goto done;
    st = bw_particles_w2((int)x.n, x.p, y.p, &a);
  } else if (!strcmp(what, "moments")) {
    st = bw_particles_moments((int)x.n, x.p, &a, &b);
  } else {
    PyErr_Format(PyExc_ValueError, "no particle function named %s", what);
    goto done;
  }
  ret = Py_BuildValue("(idd)", (int)st, a, b);
done:
  bwpy_buf_release(&x), bwpy_buf_release(&y);
  return ret;
}

/* particles_jko_plan(particles, eta) -> (status, plan, workspace) */
static PyObject *py_particles_jko_plan(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po;
  double eta;
  if (!PyArg_ParseTuple(args, "Od", &po, &eta)) return NULL;
  const bw_particles *pp = bwpy_get(po, &bwpy_particles_kind, "particles");
  if (!pp) return NULL;
  bw_particles_jko_plan *plan = NULL;
  bw_status st = bw_particles_jko_plan_create(pp, eta, &plan);
  bw_particles_ws *ws = NULL;
  if (!st && !(ws = bw_particles_ws_alloc(bw_particles_n(pp)))) st = BW_ERR_NOMEM;
  if (st) {
    bw_particles_jko_plan_free(plan);
    return Py_BuildValue("(iOO)", (int)st, Py_None, Py_None);
  }
  PyObject *w = bwpy_handle_new(&ws_kind, ws), *p = w ? bwpy_handle_new(&plan_kind, plan) : NULL;
  if (!w) bw_particles_jko_plan_free(plan);
  if (!p) {
    Py_XDECREF(w);
    return NULL;
  }
  ((bwpy_handle *)p)->size = ((bwpy_handle *)w)->size = bw_particles_n(pp);
  return Py_BuildValue("(iNN)", 0, p, w);
}

/* particles_jko_run(plan, workspace, x0, n, xs, guess or None) -> (status, failed, iters):
 * n steps from x0 into xs (n + 1 configurations, xs[0] = x0), each Newton solve started
 * from the extrapolation 2 x_k - x_{k-1} (from guess, when given, for the first step). */
static PyObject *py_particles_jko_run(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *wo, *xo, *xso, *go;
  int n;
  bwpy_buf b[3] = {{.held = false}};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOOiOO", &po, &wo, &xo, &n, &xso, &go)) return NULL;
  const bw_particles_jko_plan *plan = bwpy_get(po, &plan_kind, "plan");
  if (!plan) return NULL;
  bw_particles_ws *ws = bwpy_acquire(wo, &ws_kind, "workspace");
  if (!ws) return NULL;
  const int np = bwpy_size(po);
  double *guess = NULL;
  if (n < 1 || bwpy_size(wo) != np) {
    ret = Py_BuildValue("(ili)", BW_ERR_BAD_ARG, -1L, 0);
    goto done;
  }
  if (conf(xo, np, false, "x", &b[0]) < 0 || conf(xso, ((Py_ssize_t)n + 1) * np, true, "xs", &b[1]) < 0 ||
      bwpy_buf_get(go, "guess", false, true, &b[2]) < 0 || (b[2].p && bwpy_buf_len(&b[2], np, "guess") < 0))
    goto done;
  if (!(guess = PyMem_Malloc(sizeof(double) * (size_t)np))) {
    PyErr_NoMemory();
    goto done;
  }
  bw_status st = BW_OK;
  long failed = -1, iters = 0;
  Py_BEGIN_ALLOW_THREADS
  double *xs = b[1].p;
  memcpy(xs, b[0].p, sizeof(double) * (size_t)np);
  for (long k = 1; k <= n && !st; k++) {
    const double *prev = xs + (k - 1) * np, *g = k == 1 ? b[2].p : guess;
    if (k > 1)
      for (int i = 0; i < np; i++) guess[i] = 2 * prev[i] - xs[(k - 2) * np + i];
    int it = 0;
    if ((st = bw_particles_jko_step(plan, ws, prev, g, xs + k * np, &it))) failed = k;
    iters += it;
  }
  Py_END_ALLOW_THREADS
  ret = Py_BuildValue("(ill)", (int)st, failed, iters);
done:
  PyMem_Free(guess);
  bwpy_bufs_release(b, 3);
  bwpy_release(wo);
  return ret;
}

/* particles_forward_step(particles, eta, x, out) -> status */
static PyObject *py_particles_forward_step(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *xo, *oo;
  double eta;
  bwpy_buf b[2] = {{.held = false}};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OdOO", &po, &eta, &xo, &oo)) return NULL;
  const bw_particles *pp = bwpy_get(po, &bwpy_particles_kind, "particles");
  if (!pp) return NULL;
  const int n = bw_particles_n(pp);
  if (conf(xo, n, false, "x", &b[0]) == 0 && conf(oo, n, true, "out", &b[1]) == 0)
    ret = PyLong_FromLong(bw_particles_forward_step(pp, eta, NULL, b[0].p, b[1].p));
  bwpy_bufs_release(b, 2);
  return ret;
}

/* particles_flow(particles, kind, eta, opts, jacobian) -> (status, handle) */
static PyObject *py_particles_flow(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *oo;
  int kind, jac;
  double eta;
  bw_jkoflow_opts opts;
  if (!PyArg_ParseTuple(args, "OidOi", &po, &kind, &eta, &oo, &jac) || bwpy_opts(oo, &opts) < 0) return NULL;
  const bw_particles *pp = bwpy_get(po, &bwpy_particles_kind, "particles");
  if (!pp) return NULL;
  bw_particles_flow *pf = NULL;
  bw_status st = bw_particles_flow_create(pp, (bw_flow_kind)kind, eta, &opts, &pf);
  if (!st) st = bw_particles_flow_set_jacobian(pf, (bw_particles_jac)jac);
  return bwpy_created(st, &flow_kind, pf, bw_particles_n(pp));
}

/* particles_flow_solve(flow, x0, times, out) -> (status, stats, detail): detail is
 * (time, value, positions bytes, mode bytes) when the flow turns ill-posed, CVODE's
 * message otherwise. */
static PyObject *py_particles_flow_solve(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *fo, *xo, *to, *oo;
  bwpy_buf b[3] = {{.held = false}};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOOO", &fo, &xo, &to, &oo)) return NULL;
  bw_particles_flow *pf = bwpy_acquire(fo, &flow_kind, "flow");
  if (!pf) return NULL;
  const int n = bwpy_size(fo);
  double *mode = NULL;
  if (conf(xo, n, false, "x0", &b[0]) < 0 || bwpy_buf_get(to, "times", false, false, &b[1]) < 0 ||
      conf(oo, b[1].n * n, true, "out", &b[2]) < 0)
    goto done;
  if (b[1].n < 1 || b[1].n > INT_MAX) {
    PyErr_SetString(PyExc_ValueError, "times: 1 to 2^31 - 1 values expected");
    goto done;
  }
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_particles_flow_solve(pf, b[0].p, (int)b[1].n, b[1].p, b[2].p);
  Py_END_ALLOW_THREADS
  bw_jkoflow_stats stats;
  bw_particles_flow_stats(pf, &stats);
  PyObject *detail;
  if (st == BW_ERR_ILL_POSED) {
    double t = NAN, v = NAN;
    if (!(mode = PyMem_Malloc(sizeof(double) * 2 * (size_t)n))) {
      PyErr_NoMemory();
      goto done;
    }
    bw_particles_flow_failure(pf, &t, &v);
    if (bw_particles_flow_failure_mode(pf, mode, mode + n))
      detail = Py_BuildValue("(ddOO)", t, v, Py_None, Py_None);
    else
      detail = Py_BuildValue("(ddNN)", t, v, bwpy_bytes(mode, n), bwpy_bytes(mode + n, n));
  } else {
    const char *msg = bw_particles_flow_cvode_message(pf);
    detail = PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "replace");
  }
  if (detail) ret = Py_BuildValue("(iNN)", (int)st, bwpy_stats(&stats), detail);
done:
  PyMem_Free(mode);
  bwpy_bufs_release(b, 3);
  bwpy_release(fo);
  return ret;
}

/* particles_flow_eval(flow, what, x, out) -> status: "rhs" (out N) or "jacobian" (out
 * N x N, column-major). */
static PyObject *py_particles_flow_eval(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *fo, *xo, *oo;
  const char *what;
  bwpy_buf b[2] = {{.held = false}};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OsOO", &fo, &what, &xo, &oo)) return NULL;
  bw_particles_flow *pf = bwpy_acquire(fo, &flow_kind, "flow");
  if (!pf) return NULL;
  const int n = bwpy_size(fo);
  const bool jac = !strcmp(what, "jacobian");
  if (!jac && strcmp(what, "rhs")) PyErr_Format(PyExc_ValueError, "no flow function named %s", what);
  else if (conf(xo, n, false, "x", &b[0]) == 0 && conf(oo, jac ? (Py_ssize_t)n * n : n, true, "out", &b[1]) == 0)
    ret = PyLong_FromLong(jac ? bw_particles_flow_jacobian(pf, b[0].p, b[1].p, n)
                              : bw_particles_flow_rhs(pf, b[0].p, b[1].p));
  bwpy_bufs_release(b, 2);
  bwpy_release(fo);
  return ret;
}

PyMethodDef bwpy_particles_methods[] = {
    {"particles", py_particles, METH_VARARGS, "particles(n, coef, tau) -> (status, handle)"},
    {"particles_preset", py_particles_preset, METH_VARARGS,
     "particles_preset(name, n) -> ((status, handle), mean, std)"},
    {"particles_info", py_particles_info, METH_O, "particles_info(particles) -> (n, coef, tau, vpp_min)"},
    {"particles_quantiles", py_particles_quantiles, METH_VARARGS, "particles_quantiles(n, mean, std, out) -> status"},
    {"particles_eval", py_particles_eval, METH_VARARGS,
     "particles_eval(particles, what, x, eta, out1, out2) -> (status, a, b)"},
    {"particles_pair", py_particles_pair, METH_VARARGS, "particles_pair(what, x, y) -> (status, a, b)"},
    {"particles_jko_plan", py_particles_jko_plan, METH_VARARGS,
     "particles_jko_plan(particles, eta) -> (status, plan, workspace)"},
    {"particles_jko_run", py_particles_jko_run, METH_VARARGS,
     "particles_jko_run(plan, workspace, x0, n, xs, guess) -> (status, failed, iters)"},
    {"particles_forward_step", py_particles_forward_step, METH_VARARGS,
     "particles_forward_step(particles, eta, x, out) -> status"},
    {"particles_flow", py_particles_flow, METH_VARARGS,
     "particles_flow(particles, kind, eta, opts, jacobian) -> (status, handle)"},
    {"particles_flow_solve", py_particles_flow_solve, METH_VARARGS,
     "particles_flow_solve(flow, x0, times, out) -> (status, stats, detail)"},
    {"particles_flow_eval", py_particles_flow_eval, METH_VARARGS,
     "particles_flow_eval(flow, what, x, out) -> status"},
    {NULL, NULL, 0, NULL},
};
