/* bwflow._core: the module, handles, buffers and conversions shared by its source files
 * (the design is in bwpy.h). SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "bwpy.h"

/* ---- handles ---- */

static void handle_dealloc(PyObject *self) {
  bwpy_handle *h = (bwpy_handle *)self;
  if (h->ptr) h->kind->free(h->ptr);
  h->ptr = NULL;
  Py_CLEAR(h->owner);
  Py_TYPE(self)->tp_free(self);
}

static PyObject *handle_repr(PyObject *self) {
  const bwpy_handle *h = (const bwpy_handle *)self;
  return PyUnicode_FromFormat("<bwflow._core handle of a %s>", h->kind->name);
}

static PyTypeObject handle_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "bwflow._core.Handle",
    .tp_basicsize = sizeof(bwpy_handle),
    .tp_dealloc = handle_dealloc,
    .tp_repr = handle_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A library object owned by the binding (created by bwflow._core only).",
};

PyObject *bwpy_handle_new(const bwpy_kind *kind, void *ptr) {
  bwpy_handle *h = PyObject_New(bwpy_handle, &handle_type);
  if (!h) {
    kind->free(ptr);
    return NULL;
  }
  h->ptr = ptr;
  h->kind = kind;
  h->busy = 0;
  h->size = 0;
  h->owner = NULL;
  return (PyObject *)h;
}

void *bwpy_get(PyObject *o, const bwpy_kind *kind, const char *arg) {
  if (!PyObject_TypeCheck(o, &handle_type) || ((bwpy_handle *)o)->kind != kind ||
      !((bwpy_handle *)o)->ptr) {
    PyErr_Format(PyExc_TypeError, "%s must be a handle of a %s, not %.100s", arg, kind->name,
                 PyObject_TypeCheck(o, &handle_type) ? ((bwpy_handle *)o)->kind->name
                                                     : Py_TYPE(o)->tp_name);
    return NULL;
  }
  return ((bwpy_handle *)o)->ptr;
}

void *bwpy_acquire(PyObject *o, const bwpy_kind *kind, const char *arg) {
  void *p = bwpy_get(o, kind, arg);
  if (!p) return NULL;
  bwpy_handle *h = (bwpy_handle *)o;
  if (h->busy) {
    PyErr_Format(PyExc_RuntimeError,
                 "%s: this %s is in use by another thread (give each thread its own)", arg,
                 kind->name);
    return NULL;
  }
  h->busy = 1;
  return p;
}

void bwpy_release(PyObject *o) { ((bwpy_handle *)o)->busy = 0; }

PyObject *bwpy_created(bw_status st, const bwpy_kind *kind, void *ptr, int size) {
  if (st) {
    if (ptr) kind->free(ptr);
    return Py_BuildValue("(iO)", (int)st, Py_None);
  }
  PyObject *h = bwpy_handle_new(kind, ptr);
  if (!h) return NULL;
  ((bwpy_handle *)h)->size = size;
  return Py_BuildValue("(iN)", 0, h);
}

/* ---- buffers ---- */

static bool is_float64(const Py_buffer *v) {
  const char *f = v->format ? v->format : "B";
  if (*f == '@' || *f == '=' || *f == '<') f++;
  return v->itemsize == 8 && strcmp(f, "d") == 0;
}

int bwpy_buf_get(PyObject *o, const char *arg, bool out, bool optional, bwpy_buf *b) {
  b->held = false;
  b->p = NULL;
  b->n = 0;
  if (optional && o == Py_None) return 0;
  if (!PyObject_CheckBuffer(o)) {
    PyErr_Format(PyExc_TypeError, "%s must be a float64 array, not %.100s", arg, Py_TYPE(o)->tp_name);
    return -1;
  }
  const int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (out ? PyBUF_WRITABLE : 0);
  if (PyObject_GetBuffer(o, &b->view, flags) < 0) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous%s float64 array", arg,
                 out ? ", writable" : "");
    return -1;
  }
  b->held = true;
  if (!is_float64(&b->view)) {
    PyErr_Format(PyExc_TypeError, "%s must be a float64 array, not format '%s'", arg,
                 b->view.format ? b->view.format : "B");
    bwpy_buf_release(b);
    return -1;
  }
  b->p = b->view.buf;
  b->n = b->view.len / 8;
  return 0;
}

int bwpy_buf_len(const bwpy_buf *b, Py_ssize_t n, const char *arg) {
  if (b->n == n) return 0;
  PyErr_Format(PyExc_ValueError, "%s: %zd values expected, got %zd", arg, n, b->n);
  return -1;
}

int bwpy_buf_stack(const bwpy_buf *b, Py_ssize_t count, Py_ssize_t n_one, const char *arg,
                   ptrdiff_t *stride) {
  if (b->n == n_one) {
    *stride = 0;
    return 0;
  }
  if (count >= 0 && n_one > 0 && count <= PY_SSIZE_T_MAX / n_one && b->n == count * n_one) {
    *stride = n_one;
    return 0;
  }
  PyErr_Format(PyExc_ValueError, "%s: %zd or %zd x %zd values expected, got %zd", arg, n_one,
               count, n_one, b->n);
  return -1;
}

void bwpy_buf_release(bwpy_buf *b) {
  if (b->held) PyBuffer_Release(&b->view);
  b->held = false;
}

void bwpy_bufs_release(bwpy_buf *bufs, int n) {
  for (int i = 0; i < n; i++) bwpy_buf_release(&bufs[i]);
}

/* ---- conversions ---- */

int bwpy_opts(PyObject *o, bw_jkoflow_opts *opts) {
  bw_jkoflow_opts_default(opts);
  if (o == Py_None) return 0;
  int linsol, method;
  if (!PyTuple_Check(o)) {
    PyErr_Format(PyExc_TypeError, "opts must be a tuple or None, not %.100s", Py_TYPE(o)->tp_name);
    return -1;
  }
  if (!PyArg_ParseTuple(o, "ddiil;opts must be (rtol, atol, linsol, method, max_steps)", &opts->rtol,
                        &opts->atol, &linsol, &method, &opts->max_steps))
    return -1;
  opts->linsol = (bw_linsol)linsol;
  opts->method = (bw_ode_method)method;
  return 0;
}

PyObject *bwpy_stats(const bw_jkoflow_stats *s) {
  return Py_BuildValue("{sl,sl,sl,sl,sl,sl,sl,sl,sl}", "steps", s->steps, "rhs_evals",
                       s->rhs_evals, "jac_evals", s->jac_evals, "lin_iters", s->lin_iters,
                       "jtv_evals", s->jtv_evals, "prec_solves", s->prec_solves,
                       "err_test_fails", s->err_test_fails, "nonlin_conv_fails",
                       s->nonlin_conv_fails, "root_evals", s->root_evals);
}

PyObject *bwpy_bytes(const double *x, Py_ssize_t n) {
  return PyBytes_FromStringAndSize((const char *)x, n * (Py_ssize_t)sizeof(double));
}

PyObject *bwpy_cov_bytes(const bw_gaussian *g) {
  double *cov = PyMem_Malloc(sizeof(double) * (size_t)bwpy_sq(g->d));
  if (!cov) return PyErr_NoMemory();
  for (int j = 0; j < g->d; j++) memcpy(cov + (size_t)j * g->d, g->cov + (size_t)j * g->ld, sizeof(double) * (size_t)g->d);
  PyObject *r = bwpy_bytes(cov, bwpy_sq(g->d));
  PyMem_Free(cov);
  return r;
}

int bwpy_gauss(PyObject *mo, PyObject *So, int d, bool out, const char *mname, const char *sname, bwpy_buf *m,
               bwpy_buf *S, bw_gaussian *g) {
  if (bwpy_buf_get(mo, mname, out, false, m) < 0 || bwpy_buf_get(So, sname, out, false, S) < 0 ||
      bwpy_buf_len(m, d, mname) < 0 || bwpy_buf_len(S, bwpy_sq(d), sname) < 0)
    return -1;
  *g = (bw_gaussian){d, m->p, S->p, d};
  return 0;
}

/* ---- module-level functions ---- */

static PyObject *py_version(PyObject *self, PyObject *args) {
  (void)self, (void)args;
  return PyUnicode_FromString(bw_version());
}

/* The statuses as a tuple of (name, message), indexed by code. */
static PyObject *py_statuses(PyObject *self, PyObject *args) {
  (void)self, (void)args;
  PyObject *t = PyTuple_New(BW_STATUS_COUNT);
  for (int s = 0; t && s < BW_STATUS_COUNT; s++) {
    PyObject *e = Py_BuildValue("(ss)", bw_status_name((bw_status)s), bw_strerror((bw_status)s));
    if (!e) {
      Py_CLEAR(t);
      break;
    }
    PyTuple_SET_ITEM(t, s, e);
  }
  return t;
}

/* The library's default integration options as (rtol, atol, linsol, method, max_steps). */
static PyObject *py_opts_default(PyObject *self, PyObject *args) {
  (void)self, (void)args;
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  return Py_BuildValue("(ddiil)", o.rtol, o.atol, (int)o.linsol, (int)o.method, o.max_steps);
}

static PyMethodDef module_methods[] = {
    {"opts_default", py_opts_default, METH_NOARGS, "(rtol, atol, linsol, method, max_steps)"},
    {"version", py_version, METH_NOARGS, "bw_version()"},
    {"statuses", py_statuses, METH_NOARGS, "((name, message), ...) indexed by status code"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, .m_name = "bwflow._core",
    .m_doc = "The compiled layer of the bwflow binding (private: use the bwflow package).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__core(void) {
  if (PyType_Ready(&handle_type) < 0) return NULL;
  PyObject *m = PyModule_Create(&moduledef);
  if (!m) return NULL;
  PyMethodDef *tables[] = {module_methods, bwpy_geometry_methods, bwpy_gaussian_methods,
                           bwpy_particles_methods, bwpy_system_methods, bwpy_ridge_methods};
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
    if (PyModule_AddFunctions(m, tables[i]) < 0) goto fail;
  Py_INCREF(&handle_type);
  if (PyModule_AddObject(m, "Handle", (PyObject *)&handle_type) < 0) {
    Py_DECREF(&handle_type);
    goto fail;
  }
  /* Constants the Python layer needs, from the headers (never copied by hand). */
  struct {
    const char *name;
    long value;
  } ints[] = {
      {"STATUS_COUNT", BW_STATUS_COUNT}, {"OK", BW_OK}, {"ERR_COLLAPSE", BW_ERR_COLLAPSE},
      {"ERR_ILL_POSED", BW_ERR_ILL_POSED}, {"ERR_NOMEM", BW_ERR_NOMEM},
      {"ERR_NOT_PROVIDED", BW_ERR_NOT_PROVIDED},
      {"FLOW_JKO", BW_FLOW_JKO}, {"FLOW_FORWARD", BW_FLOW_FORWARD}, {"FLOW_PLAIN", BW_FLOW_PLAIN},
      {"FLOW_JKO2", BW_FLOW_JKO2}, {"LINSOL_AUTO", BW_LINSOL_AUTO}, {"LINSOL_DENSE", BW_LINSOL_DENSE},
      {"LINSOL_KRYLOV", BW_LINSOL_KRYLOV}, {"METHOD_AUTO", BW_METHOD_AUTO},
      {"METHOD_BDF", BW_METHOD_BDF}, {"METHOD_ADAMS", BW_METHOD_ADAMS},
      {"PJAC_ANALYTIC", BW_PJAC_ANALYTIC}, {"PJAC_DQ", BW_PJAC_DQ},
      {"ORDER_NERR", BW_ORDER_NERR}, {"ORDER_MASK_ALL", BW_ORDER_MASK_ALL},
      {"ORDER_RESOLUTION", BW_ORDER_RESOLUTION}, {"ORDER_MAX_ETAS", BW_ORDER_MAX_ETAS},
      {"TRAJ_KIND_COUNT", BW_TRAJ_KIND_COUNT}, {"PARTICLES_MAX_N", BW_PARTICLES_MAX_N},
      {"PARTICLES_MAX_DEGREE", BW_PARTICLES_MAX_DEGREE},
      {"RIDGE_CUSTOM", BW_RIDGE_CUSTOM}, {"RIDGE_NODES_DEFAULT", BW_RIDGE_NODES_DEFAULT},
      {"RIDGE_NODES_MAX", BW_RIDGE_NODES_MAX}, {"RIDGE_LOGISTIC", BW_RIDGE_LOGISTIC},
      {"RIDGE_POISSON", BW_RIDGE_POISSON},
  };
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
    if (PyModule_AddIntConstant(m, ints[i].name, ints[i].value) < 0) goto fail;
  if (PyModule_AddObject(m, "SYM_RTOL", PyFloat_FromDouble(BW_SYM_RTOL)) < 0 ||
      PyModule_AddObject(m, "ORDER_RESOLVED", PyFloat_FromDouble(BW_ORDER_RESOLVED)) < 0 ||
      PyModule_AddStringConstant(m, "HEADER_VERSION", BWFLOW_VERSION) < 0)
    goto fail;
  return m;
fail:
  Py_DECREF(m);
  return NULL;
}
