/* bwflow._core: the Gaussian system: problems, presets, energies, JKO plans, forward
 * steps, the exact flow and the CVODE flows (bwflow/problem.h, dynamics.h, jkoflow.h).
 * Gaussians arrive as a mean (d doubles) and a column-major covariance (d^2 doubles), d
 * being the problem's, plan's or solver's. SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "bwpy.h"

static void free_problem(void *p) { bw_problem_free(p); }
static void free_plan(void *p) { bw_jko_plan_free(p); }
static void free_jkoflow(void *p) { bw_jkoflow_free(p); }
const bwpy_kind bwpy_problem_kind = {"Problem", free_problem, false};
static const bwpy_kind plan_kind = {"JKOPlan", free_plan, false};
static const bwpy_kind jkoflow_kind = {"JKOFlow", free_jkoflow, true};

/* A seed: any int in [0, 2^64) (OverflowError otherwise, never wrapped). */
static int seed_of(PyObject *o, uint64_t *seed) {
  if (!PyLong_Check(o)) {
    PyErr_Format(PyExc_TypeError, "seed must be an int, not %.100s", Py_TYPE(o)->tp_name);
    return -1;
  }
  const unsigned long long v = PyLong_AsUnsignedLongLong(o);
  if (v == (unsigned long long)-1 && PyErr_Occurred()) return -1;
  *seed = v;
  return 0;
}

/* ---- problems ---- */

/* problem(d, A, h, K or None, tau) -> (status, handle) */
static PyObject *py_problem(PyObject *self, PyObject *args) {
  (void)self;
  int d;
  double tau;
  PyObject *Ao, *ho, *Ko;
  bwpy_buf b[3] = {{.held = false}};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "iOOOd", &d, &Ao, &ho, &Ko, &tau)) return NULL;
  if (d < 1 || (long long)d * d > INT_MAX) return Py_BuildValue("(iO)", BW_ERR_DIM, Py_None);
  if (bwpy_buf_get(Ao, "A", false, false, &b[0]) < 0 || bwpy_buf_get(ho, "h", false, false, &b[1]) < 0 ||
      bwpy_buf_get(Ko, "K", false, true, &b[2]) < 0 || bwpy_buf_len(&b[0], bwpy_sq(d), "A") < 0 ||
      bwpy_buf_len(&b[1], d, "h") < 0 || (b[2].p && bwpy_buf_len(&b[2], bwpy_sq(d), "K") < 0))
    goto done;
  bw_problem *pb;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  pb = bw_problem_alloc(d);
  st = pb ? bw_problem_set(pb, b[0].p, d, b[1].p, b[2].p, d, tau) : BW_ERR_NOMEM;
  Py_END_ALLOW_THREADS
  ret = bwpy_created(st, &bwpy_problem_kind, pb, 0);
done:
  bwpy_bufs_release(b, 3);
  return ret;
}

/* preset(name, d, seed) -> (status, handle, d, mean bytes, cov bytes (column-major, ld d)) */
static PyObject *py_preset(PyObject *self, PyObject *args) {
  (void)self;
  const char *name;
  int d;
  PyObject *so;
  uint64_t seed;
  if (!PyArg_ParseTuple(args, "siO", &name, &d, &so) || seed_of(so, &seed) < 0) return NULL;
  bw_problem *pb = NULL;
  bw_gaussian *g = NULL;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_preset(name, d, seed, &pb, &g);
  Py_END_ALLOW_THREADS
  if (st) return Py_BuildValue("(iOiOO)", (int)st, Py_None, 0, Py_None, Py_None);
  PyObject *h = bwpy_handle_new(&bwpy_problem_kind, pb);
  PyObject *ret = h ? Py_BuildValue("(iNiNN)", 0, h, g->d, bwpy_bytes(g->mean, g->d), bwpy_cov_bytes(g)) : NULL;
  bw_gaussian_free(g);
  return ret;
}

/* problem_random(d, seed, tau, m_out, S_out) -> (status, handle) */
static PyObject *py_problem_random(PyObject *self, PyObject *args) {
  (void)self;
  int d;
  double tau;
  PyObject *so, *mo, *So;
  uint64_t seed;
  bwpy_buf m = {0}, S = {0};
  bw_gaussian g;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "iOdOO", &d, &so, &tau, &mo, &So) || seed_of(so, &seed) < 0) return NULL;
  if (d < 1 || (long long)d * d > INT_MAX) return Py_BuildValue("(iO)", BW_ERR_DIM, Py_None);
  if (bwpy_gauss(mo, So, d, true, "m_out", "S_out", &m, &S, &g) < 0) goto done;
  bw_problem *pb;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  pb = bw_problem_alloc(d);
  st = pb ? bw_problem_random(d, seed, tau, pb, &g) : BW_ERR_NOMEM;
  Py_END_ALLOW_THREADS
  ret = bwpy_created(st, &bwpy_problem_kind, pb, 0);
done:
  bwpy_buf_release(&m), bwpy_buf_release(&S);
  return ret;
}

/* problem_info(problem) -> (d, tau) */
static PyObject *py_problem_info(PyObject *self, PyObject *o) {
  (void)self;
  const bw_problem *pb = bwpy_get(o, &bwpy_problem_kind, "problem");
  return pb ? Py_BuildValue("(id)", bw_problem_dim(pb), bw_problem_tau(pb)) : NULL;
}

/* problem_array(problem, name, out): one of the problem's arrays into out (column-major). */
static PyObject *py_problem_array(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *oo;
  const char *name;
  if (!PyArg_ParseTuple(args, "OsO", &po, &name, &oo)) return NULL;
  const bw_problem *pb = bwpy_get(po, &bwpy_problem_kind, "problem");
  if (!pb) return NULL;
  static const struct {
    const char *name;
    const double *(*get)(const bw_problem *);
    bool matrix;
  } arrays[] = {{"A", bw_problem_A, true}, {"h", bw_problem_h, false}, {"K", bw_problem_K, true},
                {"P", bw_problem_P, true}, {"P_eigvals", bw_problem_P_eigvals, false},
                {"P_eigvecs", bw_problem_P_eigvecs, true}, {"A_eigvals", bw_problem_A_eigvals, false},
                {"A_eigvecs", bw_problem_A_eigvecs, true}};
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
    if (strcmp(name, arrays[i].name)) continue;
    const int d = bw_problem_dim(pb);
    const Py_ssize_t n = arrays[i].matrix ? bwpy_sq(d) : d;
    bwpy_buf out;
    if (bwpy_buf_get(oo, "out", true, false, &out) < 0) return NULL;
    if (bwpy_buf_len(&out, n, "out") < 0) {
      bwpy_buf_release(&out);
      return NULL;
    }
    memcpy(out.p, arrays[i].get(pb), sizeof(double) * (size_t)n);
    bwpy_buf_release(&out);
    Py_RETURN_NONE;
  }
  return PyErr_Format(PyExc_ValueError, "no problem array named %s", name);
}

/* problem_minimiser(problem, m_out, S_out) -> status */
static PyObject *py_problem_minimiser(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *mo, *So;
  bwpy_buf m = {0}, S = {0};
  bw_gaussian g;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOO", &po, &mo, &So)) return NULL;
  const bw_problem *pb = bwpy_get(po, &bwpy_problem_kind, "problem");
  if (pb && bwpy_gauss(mo, So, bw_problem_dim(pb), true, "m_out", "S_out", &m, &S, &g) == 0)
    ret = PyLong_FromLong(bw_problem_minimiser(pb, &g));
  bwpy_buf_release(&m), bwpy_buf_release(&S);
  return ret;
}

/* problem_eval(problem, what, m, S, eta, v_out or None, M_out or None) -> (status, value):
 * what "energy", "slope_sq", "modified_energy" (a value), "gradient", "velocity" (v, M). */
static PyObject *py_problem_eval(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *mo, *So, *vo, *Mo;
  const char *what;
  double eta, x = NAN;
  bwpy_buf m = {0}, S = {0}, v = {0}, M = {0};
  bw_gaussian g;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OsOOdOO", &po, &what, &mo, &So, &eta, &vo, &Mo)) return NULL;
  const bw_problem *pb = bwpy_get(po, &bwpy_problem_kind, "problem");
  if (!pb) return NULL;
  const int d = bw_problem_dim(pb);
  const bool pair = !strcmp(what, "gradient") || !strcmp(what, "velocity");
  if (bwpy_gauss(mo, So, d, false, "m", "S", &m, &S, &g) < 0) goto done;
  if (pair && (bwpy_buf_get(vo, "v_out", true, false, &v) < 0 || bwpy_buf_get(Mo, "M_out", true, false, &M) < 0 ||
               bwpy_buf_len(&v, d, "v_out") < 0 || bwpy_buf_len(&M, bwpy_sq(d), "M_out") < 0))
    goto done;
  bw_status st;
  if (!strcmp(what, "energy")) st = bw_energy(pb, NULL, &g, &x);
  else if (!strcmp(what, "slope_sq")) st = bw_slope_sq(pb, NULL, &g, &x);
  else if (!strcmp(what, "modified_energy")) st = bw_modified_energy(pb, NULL, &g, eta, &x);
  else if (!strcmp(what, "gradient")) st = bw_energy_gradient(pb, NULL, &g, v.p, M.p, d);
  else if (!strcmp(what, "velocity")) st = bw_velocity(pb, NULL, &g, v.p, M.p, d);
  else {
    PyErr_Format(PyExc_ValueError, "no problem function named %s", what);
    goto done;
  }
  ret = Py_BuildValue("(id)", (int)st, x);
done:
  bwpy_buf_release(&m), bwpy_buf_release(&S), bwpy_buf_release(&v), bwpy_buf_release(&M);
  return ret;
}

/* ---- JKO steps, forward steps, the exact flow ---- */

/* jko_plan(problem, eta) -> (status, handle) */
static PyObject *py_jko_plan(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po;
  double eta;
  if (!PyArg_ParseTuple(args, "Od", &po, &eta)) return NULL;
  const bw_problem *pb = bwpy_get(po, &bwpy_problem_kind, "problem");
  if (!pb) return NULL;
  bw_jko_plan *plan = NULL;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_jko_plan_create(pb, eta, &plan);
  Py_END_ALLOW_THREADS
  return bwpy_created(st, &plan_kind, plan, 0);
}

/* jko_plan_info(plan) -> (d, eta) */
static PyObject *py_jko_plan_info(PyObject *self, PyObject *o) {
  (void)self;
  const bw_jko_plan *plan = bwpy_get(o, &plan_kind, "plan");
  return plan ? Py_BuildValue("(id)", bw_jko_plan_dim(plan), bw_jko_plan_eta(plan)) : NULL;
}

/* jko_run(plan, n, m, S, ms, Ss, every) -> (status, failed step or -1): n steps from (m, S);
 * every: write each iterate k = 0..n into ms, Ss (n + 1 items), else only the last (one
 * item; bw_jko_steps, which stays in P's eigenbasis). */
static PyObject *py_jko_run(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *mo, *So, *mso, *Sso;
  int n, every;
  bwpy_buf m = {0}, S = {0}, ms = {0}, Ss = {0};
  bw_gaussian g;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OiOOOOp", &po, &n, &mo, &So, &mso, &Sso, &every)) return NULL;
  const bw_jko_plan *plan = bwpy_get(po, &plan_kind, "plan");
  if (!plan) return NULL;
  if (n < 1) return Py_BuildValue("(il)", BW_ERR_BAD_ARG, -1L);
  const int d = bw_jko_plan_dim(plan);
  const Py_ssize_t items = every ? (Py_ssize_t)n + 1 : 1;
  if (bwpy_gauss(mo, So, d, false, "m", "S", &m, &S, &g) < 0 || bwpy_buf_get(mso, "ms", true, false, &ms) < 0 ||
      bwpy_buf_get(Sso, "Ss", true, false, &Ss) < 0 || bwpy_buf_len(&ms, items * d, "ms") < 0 ||
      bwpy_buf_len(&Ss, items * bwpy_sq(d), "Ss") < 0)
    goto done;
  bw_status st = BW_OK;
  long failed = -1;
  Py_BEGIN_ALLOW_THREADS
  if (!every) {
    bw_gaussian out = {d, ms.p, Ss.p, d};
    st = n == 1 ? bw_jko_step(plan, NULL, &g, &out) : bw_jko_steps(plan, NULL, &g, n, &out);
  } else {
    bw_workspace *ws = bw_workspace_alloc(d);
    if (!ws) st = BW_ERR_NOMEM;
    memcpy(ms.p, g.mean, sizeof(double) * (size_t)d);
    memcpy(Ss.p, g.cov, sizeof(double) * (size_t)bwpy_sq(d));
    for (long k = 1; k <= n && !st; k++) {
      const bw_gaussian prev = {d, ms.p + (k - 1) * d, Ss.p + (k - 1) * bwpy_sq(d), d};
      bw_gaussian next = {d, ms.p + k * d, Ss.p + k * bwpy_sq(d), d};
      if ((st = bw_jko_step(plan, ws, &prev, &next))) failed = k;
    }
    bw_workspace_free(ws);
  }
  Py_END_ALLOW_THREADS
  ret = Py_BuildValue("(il)", (int)st, failed);
done:
  bwpy_buf_release(&m), bwpy_buf_release(&S), bwpy_buf_release(&ms), bwpy_buf_release(&Ss);
  return ret;
}

/* forward_step(problem, eta, m, S, m_out, S_out) -> status */
static PyObject *py_forward_step(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *mo, *So, *moo, *Soo;
  double eta;
  bwpy_buf b[4] = {{.held = false}};
  bw_gaussian g, out;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OdOOOO", &po, &eta, &mo, &So, &moo, &Soo)) return NULL;
  const bw_problem *pb = bwpy_get(po, &bwpy_problem_kind, "problem");
  if (!pb) return NULL;
  const int d = bw_problem_dim(pb);
  if (bwpy_gauss(mo, So, d, false, "m", "S", &b[0], &b[1], &g) == 0 &&
      bwpy_gauss(moo, Soo, d, true, "m_out", "S_out", &b[2], &b[3], &out) == 0)
    ret = PyLong_FromLong(bw_forward_step(pb, eta, NULL, &g, &out));
  bwpy_bufs_release(b, 4);
  return ret;
}

/* wgf(problem, m, S, times, ms, Ss) -> (status, failed time index or -1) */
static PyObject *py_wgf(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *mo, *So, *to, *mso, *Sso;
  bwpy_buf b[5] = {{.held = false}};
  bw_gaussian g;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOOOOO", &po, &mo, &So, &to, &mso, &Sso)) return NULL;
  const bw_problem *pb = bwpy_get(po, &bwpy_problem_kind, "problem");
  if (!pb) return NULL;
  const int d = bw_problem_dim(pb);
  if (bwpy_gauss(mo, So, d, false, "m", "S", &b[0], &b[1], &g) < 0 || bwpy_buf_get(to, "times", false, false, &b[2]) < 0 ||
      bwpy_buf_get(mso, "ms", true, false, &b[3]) < 0 || bwpy_buf_get(Sso, "Ss", true, false, &b[4]) < 0 ||
      bwpy_buf_len(&b[3], b[2].n * d, "ms") < 0 || bwpy_buf_len(&b[4], b[2].n * bwpy_sq(d), "Ss") < 0)
    goto done;
  bw_status st = BW_OK;
  long failed = -1;
  Py_BEGIN_ALLOW_THREADS
  bw_workspace *ws = bw_workspace_alloc(d);
  if (!ws) st = BW_ERR_NOMEM;
  for (Py_ssize_t k = 0; k < b[2].n && !st; k++) {
    bw_gaussian out = {d, b[3].p + k * d, b[4].p + k * bwpy_sq(d), d};
    if ((st = bw_wgf(pb, ws, &g, b[2].p[k], &out))) failed = (long)k;
  }
  bw_workspace_free(ws);
  Py_END_ALLOW_THREADS
  ret = Py_BuildValue("(il)", (int)st, failed);
done:
  bwpy_bufs_release(b, 5);
  return ret;
}

/* ---- CVODE flows ---- */

/* jkoflow(problem, kind, eta, opts) -> (status, handle) */
static PyObject *py_jkoflow(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *oo;
  int kind;
  double eta;
  bw_jkoflow_opts opts;
  if (!PyArg_ParseTuple(args, "OidO", &po, &kind, &eta, &oo) || bwpy_opts(oo, &opts) < 0) return NULL;
  const bw_problem *pb = bwpy_get(po, &bwpy_problem_kind, "problem");
  if (!pb) return NULL;
  bw_jkoflow *jf = NULL;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_jkoflow_create(pb, (bw_flow_kind)kind, eta, &opts, &jf);
  Py_END_ALLOW_THREADS
  return bwpy_created(st, &jkoflow_kind, jf, 0);
}

/* jkoflow_info(solver) -> (d, linsol) */
static PyObject *py_jkoflow_info(PyObject *self, PyObject *o) {
  (void)self;
  const bw_jkoflow *jf = bwpy_get(o, &jkoflow_kind, "solver");
  return jf ? Py_BuildValue("(ii)", bw_jkoflow_dim(jf), (int)bw_jkoflow_linsol(jf)) : NULL;
}

/* jkoflow_solve(solver, m, S, times, ms, Ss) -> (status, stats, detail): detail is
 * (collapse time, direction bytes) for a collapse, CVODE's message for other failures. */
static PyObject *py_jkoflow_solve(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *jo, *mo, *So, *to, *mso, *Sso;
  bwpy_buf b[5] = {{.held = false}};
  bw_gaussian g;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOOOOO", &jo, &mo, &So, &to, &mso, &Sso)) return NULL;
  bw_jkoflow *jf = bwpy_acquire(jo, &jkoflow_kind, "solver");
  if (!jf) return NULL;
  const int d = bw_jkoflow_dim(jf);
  bw_gaussian *outs = NULL, **ptrs = NULL;
  if (bwpy_gauss(mo, So, d, false, "m", "S", &b[0], &b[1], &g) < 0 || bwpy_buf_get(to, "times", false, false, &b[2]) < 0 ||
      bwpy_buf_get(mso, "ms", true, false, &b[3]) < 0 || bwpy_buf_get(Sso, "Ss", true, false, &b[4]) < 0 ||
      bwpy_buf_len(&b[3], b[2].n * d, "ms") < 0 || bwpy_buf_len(&b[4], b[2].n * bwpy_sq(d), "Ss") < 0)
    goto done;
  const Py_ssize_t nt = b[2].n;
  if (nt < 1 || nt > INT_MAX) {
    PyErr_SetString(PyExc_ValueError, "times: 1 to 2^31 - 1 values expected");
    goto done;
  }
  outs = PyMem_Malloc(sizeof *outs * (size_t)nt);
  ptrs = PyMem_Malloc(sizeof *ptrs * (size_t)nt);
  if (!outs || !ptrs) {
    PyErr_NoMemory();
    goto done;
  }
  for (Py_ssize_t k = 0; k < nt; k++) {
    outs[k] = (bw_gaussian){d, b[3].p + k * d, b[4].p + k * bwpy_sq(d), d};
    ptrs[k] = &outs[k];
  }
  bw_jkoflow_stats stats;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_jkoflow_solve(jf, &g, (int)nt, b[2].p, ptrs, &stats);
  if (st) bw_jkoflow_last_stats(jf, &stats);
  Py_END_ALLOW_THREADS
  PyObject *detail;
  if (st == BW_ERR_COLLAPSE) {
    double tc = NAN, *dir = PyMem_Malloc(sizeof(double) * (size_t)d);
    if (!dir) {
      PyErr_NoMemory();
      goto done;
    }
    detail = bw_jkoflow_collapse(jf, &tc, dir) ? Py_BuildValue("(dO)", NAN, Py_None)
                                               : Py_BuildValue("(dN)", tc, bwpy_bytes(dir, d));
    PyMem_Free(dir);
  } else {
    detail = PyUnicode_DecodeUTF8(bw_jkoflow_cvode_message(jf), (Py_ssize_t)strlen(bw_jkoflow_cvode_message(jf)), "replace");
  }
  if (detail) ret = Py_BuildValue("(iNN)", (int)st, bwpy_stats(&stats), detail);
done:
  PyMem_Free(outs), PyMem_Free(ptrs);
  bwpy_bufs_release(b, 5);
  bwpy_release(jo);
  return ret;
}

/* jkoflow_rhs(solver, m, S, dm, dS) -> status */
static PyObject *py_jkoflow_rhs(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *jo, *mo, *So, *dmo, *dSo;
  bwpy_buf b[4] = {{.held = false}};
  bw_gaussian g, out;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOOOO", &jo, &mo, &So, &dmo, &dSo)) return NULL;
  bw_jkoflow *jf = bwpy_acquire(jo, &jkoflow_kind, "solver");
  if (!jf) return NULL;
  const int d = bw_jkoflow_dim(jf);
  if (bwpy_gauss(mo, So, d, false, "m", "S", &b[0], &b[1], &g) == 0 &&
      bwpy_gauss(dmo, dSo, d, true, "dm", "dS", &b[2], &b[3], &out) == 0)
    ret = PyLong_FromLong(bw_jkoflow_rhs(jf, &g, out.mean, out.cov, d));
  bwpy_bufs_release(b, 4);
  bwpy_release(jo);
  return ret;
}

PyMethodDef bwpy_gaussian_methods[] = {
    {"problem", py_problem, METH_VARARGS, "problem(d, A, h, K, tau) -> (status, handle)"},
    {"preset", py_preset, METH_VARARGS, "preset(name, d, seed) -> (status, handle, d, mean, cov)"},
    {"problem_random", py_problem_random, METH_VARARGS,
     "problem_random(d, seed, tau, m_out, S_out) -> (status, handle)"},
    {"problem_info", py_problem_info, METH_O, "problem_info(problem) -> (d, tau)"},
    {"problem_array", py_problem_array, METH_VARARGS, "problem_array(problem, name, out)"},
    {"problem_minimiser", py_problem_minimiser, METH_VARARGS,
     "problem_minimiser(problem, m_out, S_out) -> status"},
    {"problem_eval", py_problem_eval, METH_VARARGS,
     "problem_eval(problem, what, m, S, eta, v_out, M_out) -> (status, value)"},
    {"jko_plan", py_jko_plan, METH_VARARGS, "jko_plan(problem, eta) -> (status, handle)"},
    {"jko_plan_info", py_jko_plan_info, METH_O, "jko_plan_info(plan) -> (d, eta)"},
    {"jko_run", py_jko_run, METH_VARARGS, "jko_run(plan, n, m, S, ms, Ss, every) -> (status, failed)"},
    {"forward_step", py_forward_step, METH_VARARGS,
     "forward_step(problem, eta, m, S, m_out, S_out) -> status"},
    {"wgf", py_wgf, METH_VARARGS, "wgf(problem, m, S, times, ms, Ss) -> (status, failed)"},
    {"jkoflow", py_jkoflow, METH_VARARGS, "jkoflow(problem, kind, eta, opts) -> (status, handle)"},
    {"jkoflow_info", py_jkoflow_info, METH_O, "jkoflow_info(solver) -> (d, linsol)"},
    {"jkoflow_solve", py_jkoflow_solve, METH_VARARGS,
     "jkoflow_solve(solver, m, S, times, ms, Ss) -> (status, stats, detail)"},
    {"jkoflow_rhs", py_jkoflow_rhs, METH_VARARGS, "jkoflow_rhs(solver, m, S, dm, dS) -> status"},
    {NULL, NULL, 0, NULL},
};
