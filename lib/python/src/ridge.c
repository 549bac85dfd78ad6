/* bwflow._core: the ridge system, Gaussian variational inference (bwflow/ridge.h): problems
 * (with Python ridge functions), presets, regression data, expectations, energies, the JKO,
 * explicit and forward-backward steps, the VI optimum and the CVODE flows. Gaussians arrive
 * as a mean (d doubles) and a column-major covariance (d^2 doubles).
 *
 * A Python ridge function is a callable f(t, kmax) -> float64 array of (kmax + 1) * len(t)
 * values, t a bytes object of doubles (the Python layer wraps the user's function so that it
 * sees numpy arrays). The library calls it through bwpy_phi_call, possibly with the GIL
 * released and from the thread of an order study's step size: the call takes the GIL. An
 * exception it raises (or a result of the wrong type or length) is kept for the calling
 * thread and the callback reports failure, so that the library stops with a status; the
 * entry point then raises that exception (bwpy_phi_result) instead of the status. While an
 * exception is pending, further calls in that thread fail at once without calling Python.
 * The problem handle keeps the callables alive; systems and flows made from it keep the
 * problem handle (their copies of the problem refer to the same callables).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "bwpy.h"

/* ---- Python ridge functions ---- */

#if PY_VERSION_HEX >= 0x030C0000
static _Thread_local PyObject *pending;
static bool phi_pending(void) { return pending != NULL; }
static void phi_keep(void) { pending = PyErr_GetRaisedException(); }
static bool phi_take(void) {
  if (!pending) return false;
  PyErr_SetRaisedException(pending);
  pending = NULL;
  return true;
}
#else
static _Thread_local PyObject *pending[3];
static bool phi_pending(void) { return pending[0] != NULL; }
static void phi_keep(void) { PyErr_Fetch(&pending[0], &pending[1], &pending[2]); }
static bool phi_take(void) {
  if (!pending[0]) return false;
  PyErr_Restore(pending[0], pending[1], pending[2]);
  pending[0] = pending[1] = pending[2] = NULL;
  return true;
}
#endif

static int bwpy_phi_call(void *ctx, int kmax, int n, const double *t, double *out) {
  PyGILState_STATE gil = PyGILState_Ensure();
  int rc = 1;
  if (!phi_pending()) {
    PyObject *tb = bwpy_bytes(t, n);
    PyObject *r = tb ? PyObject_CallFunction((PyObject *)ctx, "Ni", tb, kmax) : NULL;
    bwpy_buf b;
    if (r && bwpy_buf_get(r, "the ridge function's result", false, false, &b) == 0) {
      if (bwpy_buf_len(&b, (Py_ssize_t)(kmax + 1) * n, "the ridge function's result") == 0) {
        memcpy(out, b.p, sizeof(double) * (size_t)(kmax + 1) * (size_t)n);
        rc = 0;
      }
      bwpy_buf_release(&b);
    }
    Py_XDECREF(r);
    if (rc) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "the ridge function failed");
      phi_keep();
    }
  }
  PyGILState_Release(gil);
  return rc;
}

bool bwpy_phi_raised(void) { return phi_take(); }

PyObject *bwpy_phi_result(PyObject *ret) {
  if (!phi_take()) return ret;
  Py_XDECREF(ret);
  return NULL;
}

/* ---- kinds ---- */

/* A problem and the tuple of its Python ridge functions (kept alive while the problem is). */
typedef struct {
  bw_ridge_problem *pb;
  PyObject *fns;
} rproblem;

static void free_rproblem(void *p) {
  rproblem *r = p;
  bw_ridge_problem_free(r->pb);
  Py_XDECREF(r->fns);
  PyMem_Free(r);
}
static void free_ws(void *p) { bw_ridge_ws_free(p); }
static void free_flow(void *p) { bw_ridge_flow_free(p); }
const bwpy_kind bwpy_ridge_kind = {"RidgeProblem", free_rproblem, false};
static const bwpy_kind ws_kind = {"RidgeWorkspace", free_ws, true};
static const bwpy_kind flow_kind = {"RidgeFlow", free_flow, true};

const bw_ridge_problem *bwpy_ridge_problem(PyObject *o, const char *arg) {
  const rproblem *r = bwpy_get(o, &bwpy_ridge_kind, arg);
  return r ? r->pb : NULL;
}

/* A new handle for a problem made by the library (no Python functions). */
static PyObject *new_problem(bw_ridge_problem *pb, PyObject *fns) {
  rproblem *r = PyMem_Malloc(sizeof *r);
  if (!r) {
    bw_ridge_problem_free(pb);
    return PyErr_NoMemory();
  }
  r->pb = pb;
  r->fns = Py_XNewRef(fns);
  return bwpy_handle_new(&bwpy_ridge_kind, r);
}

/* The workspace argument: None (the library allocates one per call) or a workspace handle,
 * marked in use (released by ws_release). 0, or -1 with an exception. */
static int ws_of(PyObject *o, bw_ridge_ws **ws) {
  *ws = NULL;
  if (o == Py_None) return 0;
  return (*ws = bwpy_acquire(o, &ws_kind, "ws")) ? 0 : -1;
}
static void ws_release(PyObject *o, const bw_ridge_ws *ws) {
  if (ws) bwpy_release(o);
}

/* ---- problems ---- */

/* ridge_problem(d, A or None, h or None, tau, families, at, b, w, fns, nodes) -> (status,
 * handle): n = len(families) ridges, family codes as bytes, at n x d (ridge j's a at j d),
 * b and w n values; fns one callable per custom ridge, in order. */
static PyObject *py_ridge_problem(PyObject *self, PyObject *args) {
  (void)self;
  int d, nodes;
  double tau;
  const char *fam;
  Py_ssize_t n;
  PyObject *Ao, *ho, *ato, *bo, *wo, *fo;
  bwpy_buf b[5] = {{.held = false}};
  bw_ridge *r = NULL;
  PyObject *ret = NULL, *fns = NULL;
  if (!PyArg_ParseTuple(args, "iOOdy#OOOOi", &d, &Ao, &ho, &tau, &fam, &n, &ato, &bo, &wo, &fo, &nodes)) return NULL;
  if (d < 1 || d > 4096 || n > (1 << 24)) return Py_BuildValue("(iO)", BW_ERR_DIM, Py_None);
  if (!(fns = PySequence_Tuple(fo))) return NULL;
  if (bwpy_buf_get(Ao, "A", false, true, &b[0]) < 0 || bwpy_buf_get(ho, "h", false, true, &b[1]) < 0 ||
      bwpy_buf_get(ato, "at", false, false, &b[2]) < 0 || bwpy_buf_get(bo, "b", false, false, &b[3]) < 0 ||
      bwpy_buf_get(wo, "w", false, false, &b[4]) < 0 || (b[0].p && bwpy_buf_len(&b[0], bwpy_sq(d), "A") < 0) ||
      (b[1].p && bwpy_buf_len(&b[1], d, "h") < 0) || bwpy_buf_len(&b[2], n * d, "at") < 0 ||
      bwpy_buf_len(&b[3], n, "b") < 0 || bwpy_buf_len(&b[4], n, "w") < 0)
    goto done;
  Py_ssize_t ncustom = 0;
  for (Py_ssize_t j = 0; j < n; j++) ncustom += fam[j] == BW_RIDGE_CUSTOM;
  if (ncustom != PyTuple_GET_SIZE(fns)) {
    PyErr_Format(PyExc_ValueError, "fns: %zd functions expected (one per custom ridge), got %zd", ncustom,
                 PyTuple_GET_SIZE(fns));
    goto done;
  }
  for (Py_ssize_t k = 0; k < ncustom; k++)
    if (!PyCallable_Check(PyTuple_GET_ITEM(fns, k))) {
      PyErr_Format(PyExc_TypeError, "fns[%zd] must be callable, not %.100s", k,
                   Py_TYPE(PyTuple_GET_ITEM(fns, k))->tp_name);
      goto done;
    }
  if (!(r = PyMem_Malloc(sizeof *r * (size_t)(n ? n : 1)))) {
    PyErr_NoMemory();
    goto done;
  }
  for (Py_ssize_t j = 0, k = 0; j < n; j++) {
    r[j] = (bw_ridge){.family = (bw_ridge_family)(unsigned char)fam[j], .a = b[2].p + j * d, .b = b[3].p[j],
                      .w = b[4].p[j]};
    if (fam[j] == BW_RIDGE_CUSTOM) r[j].phi = bwpy_phi_call, r[j].ctx = PyTuple_GET_ITEM(fns, k++);
  }
  bw_ridge_problem *pb = NULL;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_ridge_problem_create(d, b[0].p, d, b[1].p, tau, (int)n, r, nodes, &pb);
  Py_END_ALLOW_THREADS
  if (st) {
    ret = Py_BuildValue("(iO)", (int)st, Py_None);
  } else {
    PyObject *h = new_problem(pb, fns);
    ret = h ? Py_BuildValue("(iN)", 0, h) : NULL;
  }
done:
  PyMem_Free(r);
  Py_XDECREF(fns);
  bwpy_bufs_release(b, 5);
  return ret;
}

/* ridge_preset(name) -> (status, handle, (d, mean bytes, cov bytes) or None) */
static PyObject *py_ridge_preset(PyObject *self, PyObject *args) {
  (void)self;
  const char *name;
  if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
  bw_ridge_problem *pb = NULL;
  bw_gaussian *g = NULL;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_ridge_preset(name, &pb, &g);
  Py_END_ALLOW_THREADS
  if (st) return Py_BuildValue("(iOO)", (int)st, Py_None, Py_None);
  PyObject *gb = Py_BuildValue("(iNN)", g->d, bwpy_bytes(g->mean, g->d), bwpy_cov_bytes(g));
  bw_gaussian_free(g);
  if (!gb) {
    bw_ridge_problem_free(pb);
    return NULL;
  }
  PyObject *h = new_problem(pb, NULL);
  if (!h) {
    Py_DECREF(gb);
    return NULL;
  }
  return Py_BuildValue("(iNN)", 0, h, gb);
}

/* ridge_info(problem) -> (d, n, nodes, tau, fns) */
static PyObject *py_ridge_info(PyObject *self, PyObject *o) {
  (void)self;
  const rproblem *r = bwpy_get(o, &bwpy_ridge_kind, "problem");
  if (!r) return NULL;
  return Py_BuildValue("(iiidO)", bw_ridge_problem_dim(r->pb), bw_ridge_problem_nridges(r->pb),
                       bw_ridge_problem_nodes(r->pb), bw_ridge_problem_tau(r->pb), r->fns ? r->fns : Py_None);
}

/* ridge_data(problem, A, h, at, b, w) -> family codes (bytes): the problem's arrays as stored
 * (A column-major d x d, h d, at n x d, b and w n). */
static PyObject *py_ridge_data(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *o[5];
  bwpy_buf b[5] = {{.held = false}};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOOOOO", &po, &o[0], &o[1], &o[2], &o[3], &o[4])) return NULL;
  const bw_ridge_problem *pb = bwpy_ridge_problem(po, "problem");
  if (!pb) return NULL;
  const int d = bw_ridge_problem_dim(pb), n = bw_ridge_problem_nridges(pb);
  const char *names[5] = {"A", "h", "at", "b", "w"};
  const Py_ssize_t len[5] = {bwpy_sq(d), d, (Py_ssize_t)n * d, n, n};
  for (int k = 0; k < 5; k++)
    if (bwpy_buf_get(o[k], names[k], true, false, &b[k]) < 0 || bwpy_buf_len(&b[k], len[k], names[k]) < 0) goto done;
  char *fam = PyMem_Malloc((size_t)n + 1);
  if (!fam) {
    PyErr_NoMemory();
    goto done;
  }
  memcpy(b[0].p, bw_ridge_problem_A(pb), sizeof(double) * (size_t)bwpy_sq(d));
  memcpy(b[1].p, bw_ridge_problem_h(pb), sizeof(double) * (size_t)d);
  for (int j = 0; j < n; j++) {
    bw_ridge r;
    bw_ridge_problem_ridge(pb, j, &r);
    memcpy(b[2].p + (size_t)j * d, r.a, sizeof(double) * (size_t)d);
    b[3].p[j] = r.b, b[4].p[j] = r.w, fam[j] = (char)r.family;
  }
  ret = PyBytes_FromStringAndSize(fam, n);
  PyMem_Free(fam);
done:
  bwpy_bufs_release(b, 5);
  return ret;
}

/* ridge_families() -> (name, ...) indexed by bw_ridge_family */
static PyObject *py_ridge_families(PyObject *self, PyObject *args) {
  (void)self, (void)args;
  PyObject *t = PyTuple_New(BW_RIDGE_FAMILY_COUNT);
  for (int k = 0; t && k < BW_RIDGE_FAMILY_COUNT; k++) {
    PyObject *s = PyUnicode_FromString(bw_ridge_family_name((bw_ridge_family)k));
    if (!s) Py_CLEAR(t);
    else PyTuple_SET_ITEM(t, k, s);
  }
  return t;
}

/* ridge_glm(family, X, n, p, y, prior_var, intercept, standardize, a, A, h) -> (status,
 * bad row, bad column): bw_ridge_glm_expand, X n x p row-major, a n x (p + intercept)
 * written, A (column-major) and h added to. */
static PyObject *py_ridge_glm(PyObject *self, PyObject *args) {
  (void)self;
  int fam, n, p, icpt, stdz;
  double s2;
  PyObject *o[5];
  bwpy_buf b[5] = {{.held = false}};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "iOiiOdppOOO", &fam, &o[0], &n, &p, &o[1], &s2, &icpt, &stdz, &o[2], &o[3], &o[4]))
    return NULL;
  if (n < 1 || n > (1 << 24) || p < 1 || p > 4096 - icpt) return Py_BuildValue("(iii)", BW_ERR_DIM, -1, -1);
  const int d = p + icpt;
  const char *names[5] = {"X", "y", "a", "A", "h"};
  const Py_ssize_t len[5] = {(Py_ssize_t)n * p, n, (Py_ssize_t)n * d, bwpy_sq(d), d};
  for (int k = 0; k < 5; k++)
    if (bwpy_buf_get(o[k], names[k], k >= 2, false, &b[k]) < 0 || bwpy_buf_len(&b[k], len[k], names[k]) < 0) goto done;
  const bw_ridge_glm glm = {.family = (bw_ridge_family)fam, .n = n, .p = p, .X = b[0].p, .ldx = p, .y = b[1].p,
                            .prior_var = s2, .intercept = icpt, .standardize = stdz};
  int row = -1, col = -1;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_ridge_glm_expand(&glm, b[2].p, b[3].p, d, b[4].p, &row, &col);
  Py_END_ALLOW_THREADS
  ret = Py_BuildValue("(iii)", (int)st, row, col);
done:
  bwpy_bufs_release(b, 5);
  return ret;
}

/* ridge_expect(problem, j, mu, s, out) -> status (out: psi_0..psi_4) */
static PyObject *py_ridge_expect(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *oo;
  int j;
  double mu, s;
  bwpy_buf out = {0};
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OiddO", &po, &j, &mu, &s, &oo)) return NULL;
  const bw_ridge_problem *pb = bwpy_ridge_problem(po, "problem");
  if (!pb || bwpy_buf_get(oo, "out", true, false, &out) < 0) return NULL;
  if (bwpy_buf_len(&out, 5, "out") == 0) {
    bw_status st;
    Py_BEGIN_ALLOW_THREADS
    st = bw_ridge_expect(pb, j, mu, s, out.p);
    Py_END_ALLOW_THREADS
    ret = PyLong_FromLong(st);
  }
  bwpy_buf_release(&out);
  return bwpy_phi_result(ret);
}

/* ridge_ws(problem) -> (status, handle) */
static PyObject *py_ridge_ws(PyObject *self, PyObject *o) {
  (void)self;
  const bw_ridge_problem *pb = bwpy_ridge_problem(o, "problem");
  if (!pb) return NULL;
  bw_ridge_ws *ws = bw_ridge_ws_alloc(pb);
  return bwpy_created(ws ? BW_OK : BW_ERR_NOMEM, &ws_kind, ws, bw_ridge_problem_dim(pb));
}

/* ridge_eval(problem, ws or None, what, m, S, eta, v_out or None, M_out or None) -> (status,
 * value): "energy", "slope_sq", "modified_energy" (value), "gradient" (v = g, M = G),
 * "hessian" (M = E hess V). */
static PyObject *py_ridge_eval(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *wo, *mo, *So, *vo, *Mo;
  const char *what;
  double eta, x = NAN;
  bwpy_buf b[4] = {{.held = false}};
  bw_gaussian g;
  bw_ridge_ws *ws = NULL;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOsOOdOO", &po, &wo, &what, &mo, &So, &eta, &vo, &Mo)) return NULL;
  const bw_ridge_problem *pb = bwpy_ridge_problem(po, "problem");
  if (!pb) return NULL;
  const int d = bw_ridge_problem_dim(pb);
  const bool grad = !strcmp(what, "gradient"), hess = !strcmp(what, "hessian");
  if (!grad && !hess && strcmp(what, "energy") && strcmp(what, "slope_sq") && strcmp(what, "modified_energy"))
    return PyErr_Format(PyExc_ValueError, "no ridge function named %s", what);
  if (bwpy_gauss(mo, So, d, false, "m", "S", &b[0], &b[1], &g) < 0 ||
      (grad && (bwpy_buf_get(vo, "v_out", true, false, &b[2]) < 0 || bwpy_buf_len(&b[2], d, "v_out") < 0)) ||
      ((grad || hess) && (bwpy_buf_get(Mo, "M_out", true, false, &b[3]) < 0 || bwpy_buf_len(&b[3], bwpy_sq(d), "M_out") < 0)) ||
      ws_of(wo, &ws) < 0)
    goto done;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  if (grad) st = bw_ridge_gradient(pb, ws, &g, b[2].p, b[3].p, d);
  else if (hess) st = bw_ridge_expected_hessian(pb, ws, &g, b[3].p, d);
  else if (!strcmp(what, "energy")) st = bw_ridge_energy(pb, ws, &g, &x);
  else if (!strcmp(what, "slope_sq")) st = bw_ridge_slope_sq(pb, ws, &g, &x);
  else st = bw_ridge_modified_energy(pb, ws, &g, eta, &x);
  Py_END_ALLOW_THREADS
  ws_release(wo, ws);
  ret = Py_BuildValue("(id)", (int)st, x);
done:
  bwpy_bufs_release(b, 4);
  return bwpy_phi_result(ret);
}

/* ridge_steps(problem, ws or None, method, eta, n, m, S, ms, Ss, every) -> (status, failed
 * step or -1, Newton iterations): method 0 jko, 1 forward, 2 fb; n steps from (m, S); every:
 * each iterate k = 0..n into ms, Ss (n + 1 items), else only the last (one item). */
static PyObject *py_ridge_steps(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *wo, *mo, *So, *mso, *Sso;
  int method, n, every;
  double eta;
  bwpy_buf b[4] = {{.held = false}};
  bw_gaussian g;
  bw_ridge_ws *ws = NULL;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOidiOOOOp", &po, &wo, &method, &eta, &n, &mo, &So, &mso, &Sso, &every)) return NULL;
  const bw_ridge_problem *pb = bwpy_ridge_problem(po, "problem");
  if (!pb) return NULL;
  if (n < 1 || method < 0 || method > 2) return Py_BuildValue("(ili)", BW_ERR_BAD_ARG, -1L, 0);
  const int d = bw_ridge_problem_dim(pb);
  const Py_ssize_t items = every ? (Py_ssize_t)n + 1 : 1;
  if (bwpy_gauss(mo, So, d, false, "m", "S", &b[0], &b[1], &g) < 0 || bwpy_buf_get(mso, "ms", true, false, &b[2]) < 0 ||
      bwpy_buf_get(Sso, "Ss", true, false, &b[3]) < 0 || bwpy_buf_len(&b[2], items * d, "ms") < 0 ||
      bwpy_buf_len(&b[3], items * bwpy_sq(d), "Ss") < 0 || ws_of(wo, &ws) < 0)
    goto done;
  bw_status st = BW_OK;
  long failed = -1, iters = 0;
  Py_BEGIN_ALLOW_THREADS
  bw_ridge_ws *own = NULL;
  if (!ws && !(ws = own = bw_ridge_ws_alloc(pb))) st = BW_ERR_NOMEM;
  const Py_ssize_t dd = bwpy_sq(d);
  bw_gaussian cur = {d, b[2].p, b[3].p, d};
  memcpy(cur.mean, g.mean, sizeof(double) * (size_t)d);
  memcpy(cur.cov, g.cov, sizeof(double) * (size_t)dd);
  for (long k = 1; k <= n && !st; k++) {
    bw_gaussian next = every ? (bw_gaussian){d, b[2].p + k * d, b[3].p + k * dd, d} : cur;
    int it = 0;
    st = method == 0 ? bw_ridge_jko_step(pb, eta, ws, &cur, &next, &it)
         : method == 1 ? bw_ridge_forward_step(pb, eta, ws, &cur, &next)
                       : bw_ridge_fb_step(pb, eta, ws, &cur, &next);
    iters += it;
    if (st) failed = k;
    else cur = next;
  }
  bw_ridge_ws_free(own);
  if (own) ws = NULL;
  Py_END_ALLOW_THREADS
  ws_release(wo, ws);
  ret = Py_BuildValue("(ill)", (int)st, failed, iters);
done:
  bwpy_bufs_release(b, 4);
  return bwpy_phi_result(ret);
}

/* ridge_vi_optimum(problem, ws or None, m, S, m_out, S_out) -> (status, iterations) */
static PyObject *py_ridge_vi_optimum(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *wo, *mo, *So, *moo, *Soo;
  bwpy_buf b[4] = {{.held = false}};
  bw_gaussian g, out;
  bw_ridge_ws *ws = NULL;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOOOOO", &po, &wo, &mo, &So, &moo, &Soo)) return NULL;
  const bw_ridge_problem *pb = bwpy_ridge_problem(po, "problem");
  if (!pb) return NULL;
  const int d = bw_ridge_problem_dim(pb);
  if (bwpy_gauss(mo, So, d, false, "m", "S", &b[0], &b[1], &g) < 0 ||
      bwpy_gauss(moo, Soo, d, true, "m_out", "S_out", &b[2], &b[3], &out) < 0 || ws_of(wo, &ws) < 0)
    goto done;
  int iters = 0;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_ridge_vi_optimum(pb, ws, &g, &out, &iters);
  Py_END_ALLOW_THREADS
  ws_release(wo, ws);
  ret = Py_BuildValue("(ii)", (int)st, iters);
done:
  bwpy_bufs_release(b, 4);
  return bwpy_phi_result(ret);
}

/* ---- flows ---- */

/* ridge_flow(problem, kind, eta, opts) -> (status, handle): the handle keeps the problem's. */
static PyObject *py_ridge_flow(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *po, *oo;
  int kind;
  double eta;
  bw_jkoflow_opts opts;
  if (!PyArg_ParseTuple(args, "OidO", &po, &kind, &eta, &oo) || bwpy_opts(oo, &opts) < 0) return NULL;
  const bw_ridge_problem *pb = bwpy_ridge_problem(po, "problem");
  if (!pb) return NULL;
  bw_ridge_flow *rf = NULL;
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_ridge_flow_create(pb, (bw_flow_kind)kind, eta, &opts, &rf);
  Py_END_ALLOW_THREADS
  PyObject *ret = bwpy_created(st, &flow_kind, rf, bw_ridge_problem_dim(pb));
  if (ret && !st) ((bwpy_handle *)PyTuple_GET_ITEM(ret, 1))->owner = Py_NewRef(po);
  return ret;
}

/* ridge_flow_info(flow) -> (d, solver name) */
static PyObject *py_ridge_flow_info(PyObject *self, PyObject *o) {
  (void)self;
  const bw_ridge_flow *rf = bwpy_get(o, &flow_kind, "flow");
  return rf ? Py_BuildValue("(is)", bwpy_size(o), bw_ridge_flow_solver_name(rf)) : NULL;
}

/* ridge_flow_solve(flow, m, S, times, ms, Ss) -> (status, stats, detail): from (m, S) at
 * time 0 to each time (non-decreasing); detail (collapse time, direction bytes) for a
 * collapse, CVODE's message otherwise. */
static PyObject *py_ridge_flow_solve(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *fo, *mo, *So, *to, *mso, *Sso;
  bwpy_buf b[5] = {{.held = false}};
  bw_gaussian g;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOOOOO", &fo, &mo, &So, &to, &mso, &Sso)) return NULL;
  bw_ridge_flow *rf = bwpy_acquire(fo, &flow_kind, "flow");
  if (!rf) return NULL;
  const int d = bwpy_size(fo);
  if (bwpy_gauss(mo, So, d, false, "m", "S", &b[0], &b[1], &g) < 0 || bwpy_buf_get(to, "times", false, false, &b[2]) < 0 ||
      bwpy_buf_get(mso, "ms", true, false, &b[3]) < 0 || bwpy_buf_get(Sso, "Ss", true, false, &b[4]) < 0 ||
      bwpy_buf_len(&b[3], b[2].n * d, "ms") < 0 || bwpy_buf_len(&b[4], b[2].n * bwpy_sq(d), "Ss") < 0)
    goto done;
  const Py_ssize_t nt = b[2].n;
  if (nt < 1) {
    PyErr_SetString(PyExc_ValueError, "times: at least one value expected");
    goto done;
  }
  bw_status st;
  Py_BEGIN_ALLOW_THREADS
  st = bw_ridge_flow_start(rf, &g, b[2].p[nt - 1] > 0.0 ? b[2].p[nt - 1] : 0.0);
  for (Py_ssize_t k = 0; k < nt && !st; k++) {
    bw_gaussian out = {d, b[3].p + k * d, b[4].p + k * bwpy_sq(d), d};
    st = bw_ridge_flow_advance(rf, b[2].p[k], &out);
  }
  Py_END_ALLOW_THREADS
  bw_jkoflow_stats stats;
  bw_ridge_flow_stats(rf, &stats);
  PyObject *detail;
  if (st == BW_ERR_COLLAPSE) {
    double tc = NAN, *dir = PyMem_Malloc(sizeof(double) * (size_t)d);
    if (!dir) {
      PyErr_NoMemory();
      goto done;
    }
    detail = bw_ridge_flow_collapse(rf, &tc, dir) ? Py_BuildValue("(dO)", NAN, Py_None)
                                                  : Py_BuildValue("(dN)", tc, bwpy_bytes(dir, d));
    PyMem_Free(dir);
  } else {
    const char *msg = bw_ridge_flow_cvode_message(rf);
    detail = PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "replace");
  }
  if (detail) ret = Py_BuildValue("(iNN)", (int)st, bwpy_stats(&stats), detail);
done:
  bwpy_bufs_release(b, 5);
  bwpy_release(fo);
  return bwpy_phi_result(ret);
}

/* ridge_flow_rhs(flow, m, S, dm, dS) -> status */
static PyObject *py_ridge_flow_rhs(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *fo, *mo, *So, *dmo, *dSo;
  bwpy_buf b[4] = {{.held = false}};
  bw_gaussian g, out;
  PyObject *ret = NULL;
  if (!PyArg_ParseTuple(args, "OOOOO", &fo, &mo, &So, &dmo, &dSo)) return NULL;
  bw_ridge_flow *rf = bwpy_acquire(fo, &flow_kind, "flow");
  if (!rf) return NULL;
  const int d = bwpy_size(fo);
  if (bwpy_gauss(mo, So, d, false, "m", "S", &b[0], &b[1], &g) == 0 &&
      bwpy_gauss(dmo, dSo, d, true, "dm", "dS", &b[2], &b[3], &out) == 0) {
    bw_status st;
    Py_BEGIN_ALLOW_THREADS
    st = bw_ridge_flow_rhs(rf, &g, out.mean, out.cov, d);
    Py_END_ALLOW_THREADS
    ret = PyLong_FromLong(st);
  }
  bwpy_bufs_release(b, 4);
  bwpy_release(fo);
  return bwpy_phi_result(ret);
}

PyMethodDef bwpy_ridge_methods[] = {
    {"ridge_problem", py_ridge_problem, METH_VARARGS,
     "ridge_problem(d, A, h, tau, families, at, b, w, fns, nodes) -> (status, handle)"},
    {"ridge_preset", py_ridge_preset, METH_VARARGS, "ridge_preset(name) -> (status, handle, (d, mean, cov))"},
    {"ridge_info", py_ridge_info, METH_O, "ridge_info(problem) -> (d, n, nodes, tau, fns)"},
    {"ridge_data", py_ridge_data, METH_VARARGS, "ridge_data(problem, A, h, at, b, w) -> families"},
    {"ridge_families", py_ridge_families, METH_NOARGS, "ridge_families() -> (name, ...)"},
    {"ridge_glm", py_ridge_glm, METH_VARARGS,
     "ridge_glm(family, X, n, p, y, prior_var, intercept, standardize, a, A, h) -> (status, row, col)"},
    {"ridge_expect", py_ridge_expect, METH_VARARGS, "ridge_expect(problem, j, mu, s, out) -> status"},
    {"ridge_ws", py_ridge_ws, METH_O, "ridge_ws(problem) -> (status, handle)"},
    {"ridge_eval", py_ridge_eval, METH_VARARGS,
     "ridge_eval(problem, ws, what, m, S, eta, v_out, M_out) -> (status, value)"},
    {"ridge_steps", py_ridge_steps, METH_VARARGS,
     "ridge_steps(problem, ws, method, eta, n, m, S, ms, Ss, every) -> (status, failed, iters)"},
    {"ridge_vi_optimum", py_ridge_vi_optimum, METH_VARARGS,
     "ridge_vi_optimum(problem, ws, m, S, m_out, S_out) -> (status, iters)"},
    {"ridge_flow", py_ridge_flow, METH_VARARGS, "ridge_flow(problem, kind, eta, opts) -> (status, handle)"},
    {"ridge_flow_info", py_ridge_flow_info, METH_O, "ridge_flow_info(flow) -> (d, solver)"},
    {"ridge_flow_solve", py_ridge_flow_solve, METH_VARARGS,
     "ridge_flow_solve(flow, m, S, times, ms, Ss) -> (status, stats, detail)"},
    {"ridge_flow_rhs", py_ridge_flow_rhs, METH_VARARGS, "ridge_flow_rhs(flow, m, S, dm, dS) -> status"},
    {NULL, NULL, 0, NULL},
};
