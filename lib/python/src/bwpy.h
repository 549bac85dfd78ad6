/* bwflow._core: the compiled layer of the Python binding (lib/python/bwflow/ is the
 * Python layer). Shared by the extension's source files.
 *
 * The layer is thin and memory-safe by itself, whatever Python hands it:
 *  - library objects live in handles (bwpy_handle) that carry their kind; every entry point
 *    checks a handle's kind before using it (TypeError otherwise), and a mutable object
 *    (a solver, a trajectory, a workspace) is refused while another thread uses it;
 *  - arrays arrive through the buffer protocol as C-contiguous float64 buffers whose
 *    lengths are checked against what the call reads or writes (ValueError otherwise);
 *    matrices are column-major (the Python layer transposes);
 *  - integers and reals are converted by CPython's argument parser (TypeError for other
 *    types, OverflowError beyond the C type);
 *  - the library's status is returned to Python, which raises the exception; the GIL is
 *    released while the library computes.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BWPY_H
#define BWPY_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <bwflow.h>

/* ---- handles ---- */

/* A kind of library object: its name in messages, how to free it, and whether calls
 * modify it (then one thread at a time). Each source file defines its kinds. */
typedef struct {
  const char *name;
  void (*free)(void *);
  bool mutable_;
} bwpy_kind;

typedef struct {
  PyObject_HEAD
  void *ptr;
  const bwpy_kind *kind;
  int busy;
  int size; /* for kinds whose library object does not tell its size (particle flows and
               plans): the number of particles it was created for */
  PyObject *owner; /* a handle this one was made from and refers to (a trajectory's
                      system), or NULL */
} bwpy_handle;

/* A new handle owning ptr (freed by kind->free when the handle goes; on failure ptr is
 * freed at once and NULL returned with an exception set). */
PyObject *bwpy_handle_new(const bwpy_kind *kind, void *ptr);
/* The size recorded in handle o (o already checked by bwpy_get or bwpy_acquire). */
static inline int bwpy_size(PyObject *o) { return ((bwpy_handle *)o)->size; }
/* The object in handle o of the given kind, or NULL with TypeError naming arg. */
void *bwpy_get(PyObject *o, const bwpy_kind *kind, const char *arg);
/* The same for a mutable object, marked busy (RuntimeError when it already is);
 * bwpy_release(o) ends the use. */
void *bwpy_acquire(PyObject *o, const bwpy_kind *kind, const char *arg);
void bwpy_release(PyObject *o);

/* ---- buffers ---- */

typedef struct {
  Py_buffer view;
  bool held;
  double *p;
  Py_ssize_t n; /* number of doubles */
} bwpy_buf;

/* A C-contiguous float64 buffer (writable when `out`), or None when `optional` (then
 * p == NULL, n == 0). 0 on success, -1 with TypeError naming arg. */
int bwpy_buf_get(PyObject *o, const char *arg, bool out, bool optional, bwpy_buf *b);
/* Exactly n doubles (0, or -1 with ValueError naming arg). */
int bwpy_buf_len(const bwpy_buf *b, Py_ssize_t n, const char *arg);
/* n_one doubles (one item, broadcast: *stride = 0) or count * n_one (a stack: *stride =
 * n_one). */
int bwpy_buf_stack(const bwpy_buf *b, Py_ssize_t count, Py_ssize_t n_one, const char *arg,
                   ptrdiff_t *stride);
void bwpy_buf_release(bwpy_buf *b);
/* Release bufs[0..n-1]. */
void bwpy_bufs_release(bwpy_buf *bufs, int n);

/* d * d for a dimension already known to be >= 1, as Py_ssize_t (no overflow: d < 2^31). */
static inline Py_ssize_t bwpy_sq(int d) { return (Py_ssize_t)d * d; }

/* ---- conversions ---- */

/* Integration options from a tuple (rtol, atol, linsol, method, max_steps) or None (the
 * library's defaults). 0, or -1 with an exception. */
int bwpy_opts(PyObject *o, bw_jkoflow_opts *opts);
/* A dict of CVODE's counters. */
PyObject *bwpy_stats(const bw_jkoflow_stats *s);
/* A bytes object holding n doubles. */
PyObject *bwpy_bytes(const double *x, Py_ssize_t n);
/* g's covariance packed column-major with leading dimension d (its ld may be larger), as
 * bytes (NULL with an exception). */
PyObject *bwpy_cov_bytes(const bw_gaussian *g);
/* A Gaussian of dimension d from two buffers, a mean (d doubles) and a column-major
 * covariance (d^2), read, or written when out. 0, or -1 with the exception naming them. */
int bwpy_gauss(PyObject *mo, PyObject *So, int d, bool out, const char *mname, const char *sname, bwpy_buf *m,
               bwpy_buf *S, bw_gaussian *g);
/* (status, handle-or-None) for a create call: the handle (with the given size) when
 * st == BW_OK; ptr is freed otherwise. */
PyObject *bwpy_created(bw_status st, const bwpy_kind *kind, void *ptr, int size);

/* ---- the method tables of the source files ---- */

extern PyMethodDef bwpy_geometry_methods[];
extern PyMethodDef bwpy_gaussian_methods[];
extern PyMethodDef bwpy_particles_methods[];
extern PyMethodDef bwpy_system_methods[];
extern PyMethodDef bwpy_ridge_methods[];

/* Kinds shared between files (systems are built from problems and particle sets). */
extern const bwpy_kind bwpy_problem_kind, bwpy_particles_kind, bwpy_system_kind, bwpy_ridge_kind;

/* ---- the ridge system's Python functions (src/ridge.c) ---- */

/* The ridge problem in handle o (NULL with TypeError naming arg). */
const bw_ridge_problem *bwpy_ridge_problem(PyObject *o, const char *arg);
/* After a library call that may have called a Python ridge function (anything that
 * evaluates a ridge system): when that function raised in this thread, drop ret and return
 * NULL with its exception set; else ret. */
PyObject *bwpy_phi_result(PyObject *ret);
/* The same test: true, with the exception set, when a Python ridge function raised. */
bool bwpy_phi_raised(void);

#endif
