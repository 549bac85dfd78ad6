/* bwflow._core: systems, trajectories and the order study (bwflow/system.h, order.h):
 * the layer every system shares. A new system adds its constructor here (system_NAME)
 * and its own functions in a file of its own. SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "bwpy.h"

static void free_system(void *p) { bw_system_free(p); }
static void free_traj(void *p) { bw_traj_free(p); }
const bwpy_kind bwpy_system_kind = {"System", free_system, false};
static const bwpy_kind traj_kind = {"Trajectory", free_traj, true};

static PyObject *str_of(const char *s) {
  return s ? PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace") : Py_NewRef(Py_None);
}

/* ---- systems ---- */

/* system_gaussian(problem, m0, S0) -> (status, handle) */
static PyObject *py_system_gaussian(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *mo, *So;
  bwpy_buf m = {0}, S = {0};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOO", &po, &mo, &So)) return NULL;
  const bw_problem *pb = bwpy_get(po, &bwpy_problem_kind, "problem");
  if (!pb) return NULL;
  const int d = bw_problem_dim(pb);
  bw_gaussian g0;
  if (bwpy_gauss(mo, So, d, false, "m0", "S0", &m, &S, &g0) == 0) {
    bw_system *sys = NULL;
    const bw_status st = bw_system_gaussian_create(pb, &g0, &sys);
    ret = bwpy_created(st, &bwpy_system_kind, sys, 0);
  }
  bwpy_buf_release(&m), bwpy_buf_release(&S);
  return ret;
}

/* system_particles(particles, x0) -> (status, handle) */
static PyObject *py_system_particles(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *xo;
  bwpy_buf x = {0};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OO", &po, &xo)) return NULL;
  const bw_particles *pp = bwpy_get(po, &bwpy_particles_kind, "particles");
  if (!pp) return NULL;
  if (bwpy_buf_get(xo, "x0", false, false, &x) == 0 && bwpy_buf_len(&x, bw_particles_n(pp), "x0") == 0) {
    bw_system *sys = NULL;
    const bw_status st = bw_system_particles_create(pp, x.p, &sys);
    ret = bwpy_created(st, &bwpy_system_kind, sys, 0);
  }
  bwpy_buf_release(&x);
  return ret;
}

/* system_ridge(problem, m0, S0) -> (status, handle): the handle keeps the problem's (its
 * Python ridge functions, which the system's copy of the problem calls). */
static PyObject *py_system_ridge(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *mo, *So;
  bwpy_buf m = {0}, S = {0};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOO", &po, &mo, &So)) return NULL;
  const bw_ridge_problem *pb = bwpy_ridge_problem(po, "problem");
  if (!pb) return NULL;
  const int d = bw_ridge_problem_dim(pb);
  bw_gaussian g0;
  if (bwpy_gauss(mo, So, d, false, "m0", "S0", &m, &S, &g0) == 0) {
    bw_system *sys = NULL;
    const bw_status st = bw_system_ridge_create(pb, &g0, &sys);
    ret = bwpy_created(st, &bwpy_system_kind, sys, 0);
    if (ret && !st) ((bwpy_handle *)PyTuple_GET_ITEM(ret, 1))->owner = Py_NewRef(po);
  }
  bwpy_buf_release(&m), bwpy_buf_release(&S);
  return bwpy_phi_result(ret);
}

/* system_info(system) -> (name, size, field names) */
static PyObject *py_system_info(PyObject *self, PyObject *o) {
  (void)self;
  const bw_system *sys = bwpy_get(o, &bwpy_system_kind, "system");
  if (!sys) return NULL;
  const int nf = bw_system_nfields(sys);
  PyObject *names = PyTuple_New(nf);
  char buf[64];
  for (int i = 0; names && i < nf; i++) {
    PyObject *s = bw_system_field_name(sys, i, buf, sizeof buf) ? NULL : PyUnicode_FromString(buf);
    if (!s) {
      Py_CLEAR(names);
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "bw_system_field_name failed");
      break;
    }
    PyTuple_SET_ITEM(names, i, s);
  }
  return names ? Py_BuildValue("(NiN)", str_of(bw_system_name(sys)), bw_system_dim(sys), names) : NULL;
}

/* system_provides(system, kind) -> bool (bw_system_provides) */
static PyObject *py_system_provides(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *o;
  int kind;
  if (!PyArg_ParseTuple(args, "Oi", &o, &kind)) return NULL;
  const bw_system *sys = bwpy_get(o, &bwpy_system_kind, "system");
  return sys ? PyBool_FromLong(bw_system_provides(sys, (bw_traj_kind)kind)) : NULL;
}

/* traj_kinds() -> ((name, discrete), ...) indexed by bw_traj_kind */
static PyObject *py_traj_kinds(PyObject *self, PyObject *args) {
  (void)self, (void)args;
  PyObject *t = PyTuple_New(BW_TRAJ_KIND_COUNT);
  for (int k = 0; t && k < BW_TRAJ_KIND_COUNT; k++) {
    PyObject *e = Py_BuildValue("(NO)", str_of(bw_traj_kind_name((bw_traj_kind)k)),
                                bw_traj_kind_is_discrete((bw_traj_kind)k) ? Py_True : Py_False);
    if (!e) Py_CLEAR(t);
    else PyTuple_SET_ITEM(t, k, e);
  }
  return t;
}

/* ---- trajectories ---- */

/* traj(system, kind, eta, opts, t_stop) -> (status, handle) */
static PyObject *py_traj(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *so, *oo;
  int kind;
  double eta, t_stop;
  bw_jkoflow_opts opts;
  if (!PyArg_ParseTuple(args, "OidOd", &so, &kind, &eta, &oo, &t_stop) || bwpy_opts(oo, &opts) < 0) return NULL;
  const bw_system *sys = bwpy_get(so, &bwpy_system_kind, "system");
  if (!sys) return NULL;
  bw_traj *tr = NULL;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_traj_create(sys, (bw_traj_kind)kind, eta, &opts, t_stop, &tr);
  Py_END_ALLOW_THREADS
  PyObject *ret = bwpy_created(st, &traj_kind, tr, 0);
  if (ret && !st) /* the trajectory keeps its system: its size and fields are the system's */
    ((bwpy_handle *)PyTuple_GET_ITEM(ret, 1))->owner = Py_NewRef(so);
  return bwpy_phi_result(ret);
}

/* traj_advance(traj, t) -> status */
static PyObject *py_traj_advance(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *to;
  double t;
  if (!PyArg_ParseTuple(args, "Od", &to, &t)) return NULL;
  bw_traj *tr = bwpy_acquire(to, &traj_kind, "trajectory");
  if (!tr) return NULL;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_traj_advance(tr, t);
  Py_END_ALLOW_THREADS
  bwpy_release(to);
  return bwpy_phi_result(PyLong_FromLong(st));
}

/* traj_state(traj) -> (time, steps, solver, stats, state): state ("gaussian", mean bytes,
 * cov bytes (column-major, packed)), ("positions", bytes) or None. */
static PyObject *py_traj_state(PyObject *self, PyObject *o) {
  (void)self;
  bw_traj *tr = bwpy_acquire(o, &traj_kind, "trajectory");
  if (!tr) return NULL;
  PyObject *state = NULL;
  const bw_gaussian *g = bw_traj_gaussian(tr);
  int n = 0;
  const double *x = bw_traj_positions(tr, &n);
  if (g) {
    state = Py_BuildValue("(sNN)", "gaussian", bwpy_bytes(g->mean, g->d), bwpy_cov_bytes(g));
  } else if (x) {
    state = Py_BuildValue("(sN)", "positions", bwpy_bytes(x, n));
  } else {
    state = Py_NewRef(Py_None);
  }
  bw_jkoflow_stats stats;
  PyObject *ret = state ? Py_BuildValue("(dlNNN)", bw_traj_time(tr), bw_traj_steps(tr),
                                        str_of(bw_traj_solver(tr, &stats)), bwpy_stats(&stats), state)
                        : NULL;
  bwpy_release(o);
  return ret;
}

/* The system of a trajectory (checked by the caller). */
static const bw_system *system_of(PyObject *traj) {
  return ((bwpy_handle *)((bwpy_handle *)traj)->owner)->ptr;
}

/* traj_fields(traj, eta, out) -> status (out: the system's field count) */
static PyObject *py_traj_fields(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *to, *oo;
  double eta;
  bwpy_buf out = {0};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OdO", &to, &eta, &oo)) return NULL;
  bw_traj *tr = bwpy_acquire(to, &traj_kind, "trajectory");
  if (!tr) return NULL;
  if (bwpy_buf_get(oo, "out", true, false, &out) == 0 && bwpy_buf_len(&out, bw_system_nfields(system_of(to)), "out") == 0)
    ret = PyLong_FromLong(bw_traj_fields(tr, eta, out.p));
  bwpy_buf_release(&out);
  bwpy_release(to);
  return bwpy_phi_result(ret);
}

/* traj_failure(traj) -> (status, time, value, message, vector bytes or None) */
static PyObject *py_traj_failure(PyObject *self, PyObject *o) {
  (void)self;
  const bw_traj *tr = bwpy_acquire(o, &traj_kind, "trajectory");
  if (!tr) return NULL;
  double t = NAN, v = NAN;
  const bw_status st = bw_traj_failure(tr, &t, &v);
  const int n = bw_system_dim(system_of(o));
  double *vec = n > 0 ? PyMem_Malloc(sizeof(double) * (size_t)n) : NULL;
  PyObject *ret = NULL;
  if (n > 0 && !vec) {
    PyErr_NoMemory();
  } else {
    PyObject *vo = vec && !bw_traj_failure_vector(tr, vec) ? bwpy_bytes(vec, n) : Py_NewRef(Py_None);
    if (vo) ret = Py_BuildValue("(iddNN)", (int)st, t, v, str_of(bw_traj_failure_message(tr)), vo);
  }
  PyMem_Free(vec);
  bwpy_release(o);
  return ret;
}

/* traj_distance(a, b) -> (status, w2) */
static PyObject *py_traj_distance(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *ao, *bo;
  if (!PyArg_ParseTuple(args, "OO", &ao, &bo)) return NULL;
  if (ao == bo) { /* the distance to itself (bw_traj_distance wants two trajectories) */
    if (!bwpy_get(ao, &traj_kind, "trajectory")) return NULL;
    return Py_BuildValue("(id)", 0, 0.0);
  }
  /* both are marked in use: b is only read, but must not move meanwhile */
  bw_traj *a = bwpy_acquire(ao, &traj_kind, "trajectory");
  if (!a) return NULL;
  const bw_traj *b = bwpy_acquire(bo, &traj_kind, "other");
  if (!b) {
    bwpy_release(ao);
    return NULL;
  }
  double w2 = NAN;
  const bw_status st = bw_traj_distance(a, b, &w2);
  bwpy_release(ao);
  bwpy_release(bo);
  return Py_BuildValue("(id)", (int)st, w2);
}

/* ---- the order study ---- */

/* order_errors() -> ((name, nominal order, iterates kind, reference kind), ...) */
static PyObject *py_order_errors(PyObject *self, PyObject *args) {
  (void)self, (void)args;
  PyObject *t = PyTuple_New(BW_ORDER_NERR);
  for (int e = 0; t && e < BW_ORDER_NERR; e++) {
    bw_traj_kind it = BW_TRAJ_KIND_COUNT, ref = BW_TRAJ_KIND_COUNT;
    bw_order_err_pair((bw_order_err)e, &it, &ref);
    PyObject *x = Py_BuildValue("(NiNN)", str_of(bw_order_err_name((bw_order_err)e)),
                                bw_order_err_nominal((bw_order_err)e), str_of(bw_traj_kind_name(it)),
                                str_of(bw_traj_kind_name(ref)));
    if (!x) Py_CLEAR(t);
    else PyTuple_SET_ITEM(t, e, x);
  }
  return t;
}

/* status_word(status) -> the order study's word for it; eta_bound_name(bound) -> name */
static PyObject *py_status_word(PyObject *self, PyObject *args) {
  (void)self;
  int st;
  return PyArg_ParseTuple(args, "i", &st) ? str_of(bw_order_status_word((bw_status)st)) : NULL;
}
static PyObject *py_eta_bound_name(PyObject *self, PyObject *args) {
  (void)self;
  int b;
  return PyArg_ParseTuple(args, "i", &b) ? str_of(bw_eta_bound_name((bw_eta_bound)b)) : NULL;
}

static PyObject *doubles(const double *x, int n) {
  PyObject *l = PyList_New(n);
  for (int i = 0; l && i < n; i++) {
    PyObject *v = PyFloat_FromDouble(x[i]);
    if (!v) Py_CLEAR(l);
    else PyList_SET_ITEM(l, i, v);
  }
  return l;
}
static PyObject *ints(const int *x, int n) {
  PyObject *l = PyList_New(n);
  for (int i = 0; l && i < n; i++) {
    PyObject *v = PyLong_FromLong(x[i]);
    if (!v) Py_CLEAR(l);
    else PyList_SET_ITEM(l, i, v);
  }
  return l;
}

/* order_defaults(system, T) -> (status, dict or None) */
static PyObject *py_order_defaults(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *so;
  double T;
  if (!PyArg_ParseTuple(args, "Od", &so, &T)) return NULL;
  const bw_system *sys = bwpy_get(so, &bwpy_system_kind, "system");
  if (!sys) return NULL;
  bw_order_defaults def;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_order_defaults_compute(sys, T, &def);
  Py_END_ALLOW_THREADS
  if (bwpy_phi_raised()) return NULL;
  if (st) return Py_BuildValue("(iO)", (int)st, Py_None);
  const int n = def.n < 0 ? 0 : def.n > BW_ORDER_MAX_ETAS ? BW_ORDER_MAX_ETAS : def.n;
  int masks[BW_ORDER_MAX_ETAS];
  for (int i = 0; i < n; i++) masks[i] = (int)def.masks[i];
  PyObject *ladders = PyList_New(BW_ORDER_NERR); /* per error: how its ladder was chosen */
  for (int e = 0; ladders && e < BW_ORDER_NERR; e++) {
    const bw_order_ladder *L = &def.ladder[e];
    PyObject *d = Py_BuildValue("{sd,si,sd,sd,si,si,sd}", "top", L->top, "bound", (int)L->bound, "constant",
                                L->constant, "floor", L->floor, "n", L->n, "skipped", (int)L->skipped, "size_max",
                                L->size_max);
    if (!d) Py_CLEAR(ladders);
    else PyList_SET_ITEM(ladders, e, d);
  }
  if (!ladders) return NULL;
  return Py_BuildValue("(i{sd,sd,sd,sO,sd,si,sd,sN,sN,sN,sd,sd})", 0, "t", def.t, "rate_slow", def.rate_slow,
                       "rate_fast", def.rate_fast, "t_capped", def.t_capped ? Py_True : Py_False, "eta_safe",
                       def.eta_safe, "bound", (int)def.bound, "eta_max", def.eta_max, "etas", doubles(def.etas, n),
                       "masks", ints(masks, n), "ladders", ladders, "rtol", def.rtol, "atol", def.atol);
}

/* The progress of one point: the step reached, stored for the Python thread that polls. */
static void progress(void *ctx, long k, long n) {
  (void)n;
  double v = (double)k;
  __atomic_store((double *)ctx, &v, __ATOMIC_RELAXED);
}

static PyObject *point_dict(const bw_order_point *p) {
  int status[BW_ORDER_NERR];
  for (int e = 0; e < BW_ORDER_NERR; e++) status[e] = p->status[e];
  return Py_BuildValue("{sd,sl,sI,sN,sN,sN,sN,sN}", "eta", p->eta, "steps", p->steps, "mask", p->mask, "err",
                       doubles(p->err, BW_ORDER_NERR), "status", ints(status, BW_ORDER_NERR), "fail_time",
                       doubles(p->fail_time, BW_ORDER_NERR), "fail_value", doubles(p->fail_value, BW_ORDER_NERR),
                       "resolution", doubles(p->resolution, BW_ORDER_NERR));
}

/* order_point(system, T, eta, mask, opts, counter or None) -> (status, dict, bytes): the
 * point as a dict and as the bytes order_fit takes back. counter: one double, the step
 * reached, written while the point runs (the GIL is released). */
static PyObject *py_order_point(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *so, *oo, *co;
  double T, eta;
  unsigned mask;
  bw_jkoflow_opts opts;
  bwpy_buf c = {0};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OddIOO", &so, &T, &eta, &mask, &oo, &co) || bwpy_opts(oo, &opts) < 0) return NULL;
  const bw_system *sys = bwpy_get(so, &bwpy_system_kind, "system");
  if (!sys || bwpy_buf_get(co, "counter", true, true, &c) < 0) return NULL;
  if (c.p && bwpy_buf_len(&c, 1, "counter") < 0) goto done;
  bw_order_point pt;
  memset(&pt, 0, sizeof pt);
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_order_point_compute(sys, T, eta, mask, &opts, c.p ? progress : NULL, c.p, &pt);
  Py_END_ALLOW_THREADS
  if (st) ret = Py_BuildValue("(iOO)", (int)st, Py_None, Py_None);
  else ret = Py_BuildValue("(iNN)", 0, point_dict(&pt), PyBytes_FromStringAndSize((const char *)&pt, sizeof pt));
done:
  bwpy_buf_release(&c);
  return bwpy_phi_result(ret);
}

/* order_fit(points) -> (status, dict): points, a sequence of order_point's bytes. */
static PyObject *py_order_fit(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *lo;
  if (!PyArg_ParseTuple(args, "O", &lo)) return NULL;
  PyObject *seq = PySequence_Fast(lo, "points must be a sequence");
  if (!seq) return NULL;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  bw_order_point *pts = n > 0 && n <= INT_MAX ? PyMem_Malloc(sizeof *pts * (size_t)n) : NULL;
  PyObject *ret = NULL;
  if (n < 1 || n > INT_MAX) {
    PyErr_SetString(PyExc_ValueError, "points: at least one expected");
    goto done;
  }
  if (!pts) {
    PyErr_NoMemory();
    goto done;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *b = PySequence_Fast_GET_ITEM(seq, i);
    if (!PyBytes_Check(b) || PyBytes_GET_SIZE(b) != (Py_ssize_t)sizeof *pts) {
      PyErr_SetString(PyExc_TypeError, "points must be the bytes of order_point");
      goto done;
    }
    memcpy(&pts[i], PyBytes_AS_STRING(b), sizeof *pts);
  }
  bw_order_fit fit;
  const bw_status st = bw_order_fit_compute((int)n, pts, &fit);
  if (st) ret = Py_BuildValue("(iO)", (int)st, Py_None);
  else
    ret = Py_BuildValue("(i{sN,sN,sN,sN})", 0, "usable", ints(fit.usable, BW_ORDER_NERR), "slope",
                        doubles(fit.slope, BW_ORDER_NERR), "order", doubles(fit.order, BW_ORDER_NERR), "constant",
                        doubles(fit.constant, BW_ORDER_NERR));
done:
  PyMem_Free(pts);
  Py_DECREF(seq);
  return ret;
}

/* loglog_slope(x, y) -> (status, slope) */
static PyObject *py_loglog_slope(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *xo, *yo;
  bwpy_buf x = {0}, y = {0};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OO", &xo, &yo)) return NULL;
  if (bwpy_buf_get(xo, "x", false, false, &x) == 0 && bwpy_buf_get(yo, "y", false, false, &y) == 0 &&
      bwpy_buf_len(&y, x.n, "y") == 0) {
    double s = NAN;
    const bw_status st = x.n > INT_MAX ? BW_ERR_BAD_ARG : bw_loglog_slope((int)x.n, x.p, y.p, &s);
    ret = Py_BuildValue("(id)", (int)st, s);
  }
  bwpy_buf_release(&x), bwpy_buf_release(&y);
  return ret;
}

PyMethodDef bwpy_system_methods[] = {
    {"system_gaussian", py_system_gaussian, METH_VARARGS, "system_gaussian(problem, m0, S0) -> (status, handle)"},
    {"system_particles", py_system_particles, METH_VARARGS, "system_particles(particles, x0) -> (status, handle)"},
    {"system_ridge", py_system_ridge, METH_VARARGS, "system_ridge(problem, m0, S0) -> (status, handle)"},
    {"system_info", py_system_info, METH_O, "system_info(system) -> (name, size, field names)"},
    {"system_provides", py_system_provides, METH_VARARGS, "system_provides(system, kind) -> bool"},
    {"traj_kinds", py_traj_kinds, METH_NOARGS, "traj_kinds() -> ((name, discrete), ...)"},
    {"traj", py_traj, METH_VARARGS, "traj(system, kind, eta, opts, t_stop) -> (status, handle)"},
    {"traj_advance", py_traj_advance, METH_VARARGS, "traj_advance(traj, t) -> status"},
    {"traj_state", py_traj_state, METH_O, "traj_state(traj) -> (time, steps, solver, stats, state)"},
    {"traj_fields", py_traj_fields, METH_VARARGS, "traj_fields(traj, eta, out) -> status"},
    {"traj_failure", py_traj_failure, METH_O, "traj_failure(traj) -> (status, time, value, message, vector)"},
    {"traj_distance", py_traj_distance, METH_VARARGS, "traj_distance(a, b) -> (status, w2)"},
    {"order_errors", py_order_errors, METH_NOARGS, "order_errors() -> ((name, nominal, iterates, reference), ...)"},
    {"status_word", py_status_word, METH_VARARGS, "status_word(status) -> str"},
    {"eta_bound_name", py_eta_bound_name, METH_VARARGS, "eta_bound_name(bound) -> str"},
    {"order_defaults", py_order_defaults, METH_VARARGS, "order_defaults(system, T) -> (status, dict)"},
    {"order_point", py_order_point, METH_VARARGS,
     "order_point(system, T, eta, mask, opts, counter) -> (status, dict, bytes)"},
    {"order_fit", py_order_fit, METH_VARARGS, "order_fit(points) -> (status, dict)"},
    {"loglog_slope", py_loglog_slope, METH_VARARGS, "loglog_slope(x, y) -> (status, slope)"},
    {NULL, NULL, 0, NULL},
};
