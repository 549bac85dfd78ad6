"""bwflow: Python binding of libbwflow (ctypes + numpy, no compiled extension).

Exact Wasserstein gradient flows, JKO steps and JKO-Flow on Gaussian measures N(m, S),
and on 1-D measures as N ordered particles on the quantile line (Particles: Langevin
dynamics with a polynomial potential; docs/particles.md):

    pp, x0 = bwflow.Particles.preset("quartic")          # V = x^4/4, N = 20
    xs = bwflow.ParticlesJKOPlan(pp, eta=1e-3).run(x0, 500)
    xf = bwflow.particles_flow(pp, x0, [0.5], eta=1e-3)   # JKO-Flow
    res = bwflow.particles_order(pp, x0, T=0.5, etas=[2e-3, 1e-3, 5e-4])

    import numpy as np, bwflow
    pb, m0, S0 = bwflow.Problem.preset("ou2d")
    plan = bwflow.JKOPlan(pb, eta=0.1)
    m, S = m0, S0
    for _ in range(10):
        m, S = plan.step(m, S)
    mw, Sw = bwflow.wgf(pb, m0, S0, 1.0)
    print(bwflow.w2(m, S, mw, Sw))                       # O(eta)
    res = bwflow.order(pb, m0, S0, T=2.0, etas=[0.1, 0.05, 0.02])
    print(res["slope_wgf"], res["slope_jkoflow"])       # ~1, ~2

Conventions. Means are 1-D arrays of length d, covariances and other matrices 2-D (d, d)
arrays, in any numpy layout: the binding hands them to the library column-major (copying
C-ordered arrays; a column-major view with a leading dimension, such as a block of a
Fortran-ordered array, is passed as it is). Results are new C-ordered float64 arrays;
results at several times stack along the first axis: means (n, d), covariances (n, d, d).
Inputs are never modified. A library status other than success raises BwflowError
(CollapseError for a JKO-Flow collapse); a wrong shape raises ValueError.

The shared library is found, in this order, at $BWFLOW_LIBRARY; next to the module in a
build tree (BUILD/lib/python/bwflow.py -> BUILD/lib/libbwflow.so.0) or in the source
tree's build/ (lib/python/bwflow.py -> build/lib/libbwflow.so.0); by
ctypes.util.find_library("bwflow"); as libbwflow.so.0 on the loader's path.
SPDX-License-Identifier: BSD-3-Clause
"""
import ctypes
import ctypes.util
import math
import os

import numpy as np

__all__ = [
    "BwflowError", "CollapseError", "library_path", "version", "status_name", "strerror",
    "w2", "w2sq", "ot_map", "geodesic", "Problem", "JKOPlan", "forward_step", "wgf",
    "JKOFlow", "jkoflow", "order", "loglog_slope",
    "IllPosedError", "Particles", "ParticlesJKOPlan", "ParticlesFlow", "particles_quantiles",
    "particles_forward_step", "particles_flow", "particles_w2", "particles_moments",
    "particles_order",
]

_c_double_p = ctypes.POINTER(ctypes.c_double)
_STATUS_COLLAPSE = 15  # BW_ERR_COLLAPSE in include/bwflow/common.h; checked at load time


# --------------------------------------------------------------------------- loading

def _candidates():
    env = os.environ.get("BWFLOW_LIBRARY")
    if env:
        return [env]  # explicit: no fallback that could load another copy
    here = os.path.dirname(os.path.abspath(__file__))
    out = [os.path.join(here, os.pardir, "libbwflow.so.0"),
           os.path.join(here, os.pardir, os.pardir, "build", "lib", "libbwflow.so.0")]
    out = [os.path.normpath(p) for p in out if os.path.exists(p)]
    found = ctypes.util.find_library("bwflow")
    if found:
        out.append(found)
    out.append("libbwflow.so.0")
    return out


def _load():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as exc:
            errors.append("%s: %s" % (path, exc))
    raise ImportError("bwflow: cannot load libbwflow (set BWFLOW_LIBRARY to its path): "
                      + "; ".join(errors))


_lib, library_path = _load()


class _Gaussian(ctypes.Structure):
    _fields_ = [("d", ctypes.c_int), ("mean", _c_double_p), ("cov", _c_double_p),
                ("ld", ctypes.c_int)]


class _FlowOpts(ctypes.Structure):
    _fields_ = [("rtol", ctypes.c_double), ("atol", ctypes.c_double),
                ("linsol", ctypes.c_int), ("max_steps", ctypes.c_long)]


class _FlowStats(ctypes.Structure):
    _fields_ = [(n, ctypes.c_long) for n in (
        "steps", "rhs_evals", "jac_evals", "lin_iters", "jtv_evals", "prec_solves",
        "err_test_fails", "nonlin_conv_fails", "root_evals")]


_NERR = 5  # BW_ORDER_NERR: wgf, jkoflow, forward_wgf, forward_flow, jkoflow2


class _OrderPoint(ctypes.Structure):
    _fields_ = [("eta", ctypes.c_double), ("steps", ctypes.c_long), ("mask", ctypes.c_uint),
                ("err", ctypes.c_double * _NERR), ("status", ctypes.c_int * _NERR),
                ("fail_time", ctypes.c_double * _NERR), ("fail_value", ctypes.c_double * _NERR),
                ("resolution", ctypes.c_double * _NERR)]


class _OrderFit(ctypes.Structure):
    _fields_ = [("usable", ctypes.c_int * _NERR), ("slope", ctypes.c_double * _NERR),
                ("order", ctypes.c_double * _NERR), ("constant", ctypes.c_double * _NERR)]


class _OrderDefaults(ctypes.Structure):
    _fields_ = [("t", ctypes.c_double), ("rate_slow", ctypes.c_double),
                ("rate_fast", ctypes.c_double), ("t_capped", ctypes.c_int),
                ("eta_safe", ctypes.c_double), ("bound", ctypes.c_int),
                ("eta_max", ctypes.c_double), ("n", ctypes.c_int),
                ("etas", ctypes.c_double * 16)]


_G = ctypes.POINTER(_Gaussian)
_vp = ctypes.c_void_p
_int, _dbl, _st = ctypes.c_int, ctypes.c_double, ctypes.c_int
_PROTOS = {
    "bw_version": (ctypes.c_char_p, []),
    "bw_strerror": (ctypes.c_char_p, [_st]),
    "bw_status_name": (ctypes.c_char_p, [_st]),
    "bw_workspace_alloc": (_vp, [_int]),
    "bw_workspace_free": (None, [_vp]),
    "bw_w2sq": (_st, [_vp, _G, _G, _c_double_p]),
    "bw_ot_map": (_st, [_vp, _G, _G, _c_double_p, _int]),
    "bw_geodesic": (_st, [_vp, _G, _G, _dbl, _G]),
    "bw_problem_alloc": (_vp, [_int]),
    "bw_problem_free": (None, [_vp]),
    "bw_problem_set": (_st, [_vp, _c_double_p, _int, _c_double_p, _c_double_p, _int, _dbl]),
    "bw_problem_dim": (_int, [_vp]),
    "bw_problem_tau": (_dbl, [_vp]),
    "bw_problem_A": (_c_double_p, [_vp]),
    "bw_problem_h": (_c_double_p, [_vp]),
    "bw_problem_K": (_c_double_p, [_vp]),
    "bw_problem_P": (_c_double_p, [_vp]),
    "bw_problem_P_eigvals": (_c_double_p, [_vp]),
    "bw_problem_P_eigvecs": (_c_double_p, [_vp]),
    "bw_problem_A_eigvals": (_c_double_p, [_vp]),
    "bw_problem_A_eigvecs": (_c_double_p, [_vp]),
    "bw_problem_minimiser": (_st, [_vp, _G]),
    "bw_energy": (_st, [_vp, _vp, _G, _c_double_p]),
    "bw_energy_gradient": (_st, [_vp, _vp, _G, _c_double_p, _c_double_p, _int]),
    "bw_velocity": (_st, [_vp, _vp, _G, _c_double_p, _c_double_p, _int]),
    "bw_slope_sq": (_st, [_vp, _vp, _G, _c_double_p]),
    "bw_modified_energy": (_st, [_vp, _vp, _G, _dbl, _c_double_p]),
    "bw_preset": (_st, [ctypes.c_char_p, _int, ctypes.c_uint64, ctypes.POINTER(_vp),
                        ctypes.POINTER(_G)]),
    "bw_problem_random": (_st, [_int, ctypes.c_uint64, _dbl, _vp, _G]),
    "bw_gaussian_free": (None, [_G]),
    "bw_wgf": (_st, [_vp, _vp, _G, _dbl, _G]),
    "bw_jko_plan_create": (_st, [_vp, _dbl, ctypes.POINTER(_vp)]),
    "bw_jko_plan_free": (None, [_vp]),
    "bw_jko_step": (_st, [_vp, _vp, _G, _G]),
    "bw_jko_steps": (_st, [_vp, _vp, _G, _int, _G]),
    "bw_forward_step": (_st, [_vp, _dbl, _vp, _G, _G]),
    "bw_jkoflow_opts_default": (None, [ctypes.POINTER(_FlowOpts)]),
    "bw_jkoflow_create": (_st, [_vp, _int, _dbl, ctypes.POINTER(_FlowOpts),
                                ctypes.POINTER(_vp)]),
    "bw_jkoflow_free": (None, [_vp]),
    "bw_jkoflow_linsol": (_int, [_vp]),
    "bw_jkoflow_solve": (_st, [_vp, _G, _int, _c_double_p, ctypes.POINTER(_G),
                               ctypes.POINTER(_FlowStats)]),
    "bw_jkoflow_collapse": (_st, [_vp, _c_double_p, _c_double_p]),
    "bw_jkoflow_last_stats": (None, [_vp, ctypes.POINTER(_FlowStats)]),
    "bw_jkoflow_cvode_message": (ctypes.c_char_p, [_vp]),
    "bw_jkoflow_rhs": (_st, [_vp, _G, _c_double_p, _c_double_p, _int]),
    "bw_system_gaussian_create": (_st, [_vp, _G, ctypes.POINTER(_vp)]),
    "bw_system_free": (None, [_vp]),
    "bw_order_point_compute": (_st, [_vp, _dbl, _dbl, ctypes.c_uint, ctypes.POINTER(_FlowOpts),
                                     _vp, _vp, ctypes.POINTER(_OrderPoint)]),
    "bw_order_fit_compute": (_st, [_int, ctypes.POINTER(_OrderPoint), ctypes.POINTER(_OrderFit)]),
    "bw_order_defaults_compute": (_st, [_vp, _dbl, ctypes.POINTER(_OrderDefaults)]),
    "bw_order_status_word": (ctypes.c_char_p, [_st]),
    "bw_order_err_nominal": (_int, [_int]),
    "bw_eta_bound_name": (ctypes.c_char_p, [_int]),
    "bw_loglog_slope": (_st, [_int, _c_double_p, _c_double_p, _c_double_p]),
}
for _name, (_res, _args) in _PROTOS.items():
    _fn = getattr(_lib, _name)
    _fn.restype, _fn.argtypes = _res, _args

if _lib.bw_status_name(_STATUS_COLLAPSE) != b"BW_ERR_COLLAPSE":
    raise ImportError("bwflow: %s does not number its statuses as this module expects"
                      % library_path)


def version():
    """The loaded library's version string, e.g. "0.1.0"."""
    return _lib.bw_version().decode()


def status_name(code):
    """The name of a status code, e.g. status_name(6) == "BW_ERR_NOT_SPD"."""
    return _lib.bw_status_name(int(code)).decode()


def strerror(code):
    """The one-sentence message of a status code."""
    return _lib.bw_strerror(int(code)).decode()


# --------------------------------------------------------------------------- errors

class BwflowError(Exception):
    """A library call returned a status other than BW_OK.

    Attributes: status (int code), name (e.g. "BW_ERR_NOT_SPD"), message (bw_strerror),
    where (the library function), detail (extra text, e.g. CVODE's message, or "")."""

    def __init__(self, status, where="", detail=""):
        self.status = int(status)
        self.name = status_name(status)
        self.message = strerror(status)
        self.where = where
        self.detail = detail
        text = "%s: %s" % (self.name, self.message)
        if where:
            text = "%s: %s" % (where, text)
        if detail:
            text += " (%s)" % detail
        super().__init__(text)


class CollapseError(BwflowError):
    """JKO-Flow collapses: a variance reaches 0 in finite time (BW_ERR_COLLAPSE).

    time: the collapse time; direction: the unit eigenvector (numpy array, largest-magnitude
    entry positive) of the collapsing variance; both None when unknown (order studies).
    eta: the step size of the modified flow."""

    def __init__(self, where, time=None, direction=None, eta=None):
        detail = []
        if eta is not None:
            detail.append("eta = %.17g" % eta)
        if time is not None:
            detail.append("t = %.17g" % time)
        if direction is not None:
            detail.append("direction %s" % np.array2string(direction, precision=6))
        super().__init__(_STATUS_COLLAPSE, where, ", ".join(detail))
        self.time, self.direction, self.eta = time, direction, eta


def _check(status, where, detail=""):
    if status != 0:
        raise BwflowError(status, where, detail)


# --------------------------------------------------------------------------- marshalling

def _ptr(a):
    return a.ctypes.data_as(_c_double_p)


def _vec_in(x, d, what):
    a = np.ascontiguousarray(x, dtype=np.float64)
    if a.ndim != 1 or (d is not None and a.shape[0] != d) or a.shape[0] < 1:
        raise ValueError("%s must be a vector of length %s, got shape %s"
                         % (what, d if d is not None else ">= 1", np.shape(x)))
    return a


def _mat_in(x, d, what):
    """(array, ld): a column-major view of x with leading dimension ld (no copy when x is
    already column-major with unit row stride), else a Fortran-ordered copy."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape != (d, d):
        raise ValueError("%s must be a %d x %d matrix, got shape %s" % (what, d, d, np.shape(x)))
    s0, s1 = a.strides
    item = a.itemsize
    if d > 1 and s0 == item and s1 > 0 and s1 % item == 0 and s1 // item >= d:
        return a, s1 // item
    a = np.asfortranarray(a)
    return a, d


def _gaussian_in(m, S, what="the Gaussian"):
    """A _Gaussian struct wrapping (m, S) and the arrays it points into (keep them alive)."""
    mv = np.asarray(m)
    if mv.ndim != 1:
        raise ValueError("%s: the mean must be a vector, got shape %s" % (what, mv.shape))
    d = mv.shape[0]
    mean = _vec_in(m, d, what + ": the mean")
    cov, ld = _mat_in(S, d, what + ": the covariance")
    return _Gaussian(d, _ptr(mean), _ptr(cov), ld), (mean, cov)


def _gaussian_out(d):
    mean = np.empty(d)
    cov = np.empty((d, d), order="F")
    return _Gaussian(d, _ptr(mean), _ptr(cov), d), (mean, cov)


def _result(keep):
    mean, cov = keep
    return mean.copy(), np.ascontiguousarray(cov)


def _view_matrix(p, d):
    return np.ctypeslib.as_array(p, shape=(d * d,)).reshape((d, d), order="F").copy(order="C")


def _view_vector(p, d):
    return np.ctypeslib.as_array(p, shape=(d,)).copy()


# --------------------------------------------------------------------------- geometry

def w2sq(m0, S0, m1, S1):
    """Squared 2-Wasserstein distance between N(m0, S0) and N(m1, S1), accurate also for
    nearby Gaussians (no cancellation; W2^2 of identical inputs is exactly 0)."""
    g0, k0 = _gaussian_in(m0, S0, "N(m0, S0)")
    g1, k1 = _gaussian_in(m1, S1, "N(m1, S1)")
    out = ctypes.c_double()
    _check(_lib.bw_w2sq(None, g0, g1, ctypes.byref(out)), "bw_w2sq")
    return out.value


def w2(m0, S0, m1, S1):
    """2-Wasserstein distance between N(m0, S0) and N(m1, S1)."""
    return math.sqrt(w2sq(m0, S0, m1, S1))


def ot_map(m0, S0, m1, S1):
    """The optimal transport map x -> m1 + T (x - m0) from N(m0, S0) to N(m1, S1): returns
    the symmetric positive definite (d, d) matrix T with T S0 T = S1."""
    g0, k0 = _gaussian_in(m0, S0, "N(m0, S0)")
    g1, k1 = _gaussian_in(m1, S1, "N(m1, S1)")
    d = g0.d
    if g1.d != d:
        raise ValueError("dimensions differ: %d and %d" % (d, g1.d))
    T = np.empty((d, d), order="F")
    _check(_lib.bw_ot_map(None, g0, g1, _ptr(T), d), "bw_ot_map")
    return np.ascontiguousarray(T)


def geodesic(m0, S0, m1, S1, t):
    """The McCann interpolant at t in [0, 1] between N(m0, S0) and N(m1, S1): (m_t, S_t)."""
    g0, k0 = _gaussian_in(m0, S0, "N(m0, S0)")
    g1, k1 = _gaussian_in(m1, S1, "N(m1, S1)")
    gt, kt = _gaussian_out(g0.d)
    _check(_lib.bw_geodesic(None, g0, g1, float(t), gt), "bw_geodesic")
    return _result(kt)


# --------------------------------------------------------------------------- problems

class Problem:
    """The energy J(rho) = E[1/2 x'Ax - h'x] + tau E[log rho] + 1/2 E[1/2 (X-Y)'K(X-Y)].

    Problem(A, h, K=None, tau=1.0): A, K symmetric (d, d) (K None means 0), h of length d,
    tau >= 0. Immutable. Problem.preset(name) and Problem.random(d, seed) also return an
    initial Gaussian."""

    def __init__(self, A, h, K=None, tau=1.0):
        h = np.asarray(h, dtype=np.float64)
        if h.ndim != 1 or h.shape[0] < 1:
            raise ValueError("h must be a vector, got shape %s" % (h.shape,))
        d = h.shape[0]
        Am, lda = _mat_in(A, d, "A")
        hv = _vec_in(h, d, "h")
        if K is None:
            Kp, ldk, Km = None, d, None
        else:
            Km, ldk = _mat_in(K, d, "K")
            Kp = _ptr(Km)
        self._p = _lib.bw_problem_alloc(d)
        if not self._p:
            raise MemoryError("bw_problem_alloc")
        _check(_lib.bw_problem_set(self._p, _ptr(Am), lda, _ptr(hv), Kp, ldk, float(tau)),
               "bw_problem_set")

    @classmethod
    def _wrap(cls, handle):
        self = cls.__new__(cls)
        self._p = handle
        return self

    @classmethod
    def preset(cls, name, dim=0, seed=1):
        """A named preset ("ou2d", "heat", "potential", "random"; dim 0 is the preset's
        default, seed is used by "random"): returns (problem, m0, S0)."""
        pb, g = _vp(), _G()
        _check(_lib.bw_preset(name.encode(), int(dim), int(seed), ctypes.byref(pb),
                              ctypes.byref(g)), "bw_preset", "name %r, dim %d" % (name, dim))
        try:
            d = g.contents.d
            m0 = _view_vector(g.contents.mean, d)
            ld = g.contents.ld
            S0 = np.ctypeslib.as_array(g.contents.cov, shape=(ld * d,)).reshape(
                (ld, d), order="F")[:d, :].copy(order="C")
        finally:
            _lib.bw_gaussian_free(g)
        return cls._wrap(pb.value), m0, S0

    @classmethod
    def random(cls, d, seed, tau=0.7):
        """The library's seeded random problem (A, P = A + K SPD; S0 commuting with neither;
        reproducible for the same (d, seed, tau)): returns (problem, m0, S0)."""
        handle = _lib.bw_problem_alloc(int(d))
        if not handle:
            raise ValueError("bw_problem_alloc(%d) failed (d must be >= 1)" % d)
        self = cls._wrap(handle)
        g, keep = _gaussian_out(int(d))
        _check(_lib.bw_problem_random(int(d), int(seed), float(tau), handle, g),
               "bw_problem_random")
        m0, S0 = _result(keep)
        return self, m0, S0

    def __del__(self):
        p, self._p = getattr(self, "_p", None), None
        if p:
            _lib.bw_problem_free(p)

    def __repr__(self):
        return "bwflow.Problem(d=%d, tau=%g)" % (self.dim, self.tau)

    @property
    def dim(self):
        return _lib.bw_problem_dim(self._p)

    @property
    def tau(self):
        return _lib.bw_problem_tau(self._p)

    @property
    def A(self):
        return _view_matrix(_lib.bw_problem_A(self._p), self.dim)

    @property
    def h(self):
        return _view_vector(_lib.bw_problem_h(self._p), self.dim)

    @property
    def K(self):
        return _view_matrix(_lib.bw_problem_K(self._p), self.dim)

    @property
    def P(self):
        """P = A + K, the matrix acting on the covariance."""
        return _view_matrix(_lib.bw_problem_P(self._p), self.dim)

    def eig_P(self):
        """(p, R) with P = R diag(p) R', p ascending, R's columns orthonormal eigenvectors."""
        d = self.dim
        return (_view_vector(_lib.bw_problem_P_eigvals(self._p), d),
                _view_matrix(_lib.bw_problem_P_eigvecs(self._p), d))

    def eig_A(self):
        """(a, Q) with A = Q diag(a) Q'."""
        d = self.dim
        return (_view_vector(_lib.bw_problem_A_eigvals(self._p), d),
                _view_matrix(_lib.bw_problem_A_eigvecs(self._p), d))

    def minimiser(self):
        """The minimiser (A^-1 h, tau P^-1) of J (A, P positive definite and tau > 0)."""
        g, keep = _gaussian_out(self.dim)
        _check(_lib.bw_problem_minimiser(self._p, g), "bw_problem_minimiser")
        return _result(keep)

    def energy(self, m, S):
        """J(N(m, S))."""
        g, keep = _gaussian_in(m, S)
        out = ctypes.c_double()
        _check(_lib.bw_energy(self._p, None, g, ctypes.byref(out)), "bw_energy")
        return out.value

    def gradient(self, m, S):
        """(grad_m J, dJ/dS) = (A m - h, 1/2 (P - tau S^-1))."""
        g, keep = _gaussian_in(m, S)
        d = g.d
        gm, gS = np.empty(d), np.empty((d, d), order="F")
        _check(_lib.bw_energy_gradient(self._p, None, g, _ptr(gm), _ptr(gS), d),
               "bw_energy_gradient")
        return gm, np.ascontiguousarray(gS)

    def velocity(self, m, S):
        """(c, L): the gradient-flow velocity field x -> c + L (x - m) at N(m, S)."""
        g, keep = _gaussian_in(m, S)
        d = g.d
        c, L = np.empty(d), np.empty((d, d), order="F")
        _check(_lib.bw_velocity(self._p, None, g, _ptr(c), _ptr(L), d), "bw_velocity")
        return c, np.ascontiguousarray(L)

    def slope_sq(self, m, S):
        """|grad J|^2 = tr(M S M) + |A m - h|^2, M = P - tau S^-1."""
        g, keep = _gaussian_in(m, S)
        out = ctypes.c_double()
        _check(_lib.bw_slope_sq(self._p, None, g, ctypes.byref(out)), "bw_slope_sq")
        return out.value

    def modified_energy(self, m, S, eta):
        """J^eta = J - eta/4 |grad J|^2."""
        g, keep = _gaussian_in(m, S)
        out = ctypes.c_double()
        _check(_lib.bw_modified_energy(self._p, None, g, float(eta), ctypes.byref(out)),
               "bw_modified_energy")
        return out.value


def _same_dim(pb, g):
    if g.d != pb.dim:
        raise ValueError("the Gaussian has dimension %d, the problem %d" % (g.d, pb.dim))


# --------------------------------------------------------------------------- dynamics

class JKOPlan:
    """JKO steps of size eta for a problem: step(m, S) is one closed-form step
    argmin_rho J(rho) + W2^2(rho, N(m, S)) / (2 eta)."""

    def __init__(self, problem, eta):
        self._p = None
        plan = _vp()
        _check(_lib.bw_jko_plan_create(problem._p, float(eta), ctypes.byref(plan)),
               "bw_jko_plan_create", "eta = %.17g" % eta)
        self._p, self.eta, self.dim = plan.value, float(eta), problem.dim

    def __del__(self):
        p, self._p = getattr(self, "_p", None), None
        if p:
            _lib.bw_jko_plan_free(p)

    def step(self, m, S, n=1):
        """n JKO steps from N(m, S) (default one): returns the last iterate (m_n, S_n).
        n > 1 keeps the iterates in P's eigenbasis (bw_jko_steps: about one
        eigendecomposition per step); run() returns every iterate."""
        g, keep = _gaussian_in(m, S)
        if g.d != self.dim:
            raise ValueError("the Gaussian has dimension %d, the plan %d" % (g.d, self.dim))
        n = int(n)
        if n < 1:
            raise ValueError("n must be >= 1, got %d" % n)
        out, kout = _gaussian_out(self.dim)
        if n == 1:
            _check(_lib.bw_jko_step(self._p, None, g, out), "bw_jko_step")
        else:
            _check(_lib.bw_jko_steps(self._p, None, g, n, out), "bw_jko_steps", "n = %d" % n)
        return _result(kout)

    def run(self, m, S, n):
        """n steps from N(m, S): the iterates 0..n as (means (n+1, d), covs (n+1, d, d))."""
        d, n = self.dim, int(n)
        g, kin = _gaussian_in(m, S)
        if g.d != d:
            raise ValueError("the Gaussian has dimension %d, the plan %d" % (g.d, d))
        if n < 1:
            raise ValueError("n must be >= 1, got %d" % n)
        ms, Ss = np.empty((n + 1, d)), np.empty((n + 1, d, d))
        ms[0], Ss[0] = kin[0], kin[1]
        cur, kcur = _gaussian_out(d)
        _check(_lib.bw_jko_step(self._p, None, g, cur), "bw_jko_step", "step 1")
        ws = _lib.bw_workspace_alloc(d)
        if not ws:
            raise MemoryError("bw_workspace_alloc")
        try:
            for k in range(1, n + 1):
                if k > 1:
                    _check(_lib.bw_jko_step(self._p, ws, cur, cur), "bw_jko_step",
                           "step %d" % k)
                ms[k], Ss[k] = kcur[0], kcur[1]
        finally:
            _lib.bw_workspace_free(ws)
        return ms, Ss


def forward_step(problem, eta, m, S):
    """One explicit (forward Euler) step: push N(m, S) forward by x -> x - eta v(x)."""
    g, keep = _gaussian_in(m, S)
    _same_dim(problem, g)
    out, kout = _gaussian_out(g.d)
    _check(_lib.bw_forward_step(problem._p, float(eta), None, g, out), "bw_forward_step")
    return _result(kout)


def wgf(problem, m0, S0, t):
    """The exact Wasserstein gradient flow of J from N(m0, S0) at time t >= 0 (closed form).
    A scalar t gives (m, S); a sequence of times gives (means (n, d), covs (n, d, d))."""
    g0, keep = _gaussian_in(m0, S0, "N(m0, S0)")
    _same_dim(problem, g0)
    scalar = np.ndim(t) == 0
    times = np.atleast_1d(np.asarray(t, dtype=np.float64))
    d = g0.d
    ms, Ss = np.empty((len(times), d)), np.empty((len(times), d, d))
    out, kout = _gaussian_out(d)
    for i, ti in enumerate(times):
        _check(_lib.bw_wgf(problem._p, None, g0, float(ti), out), "bw_wgf", "t = %.17g" % ti)
        ms[i], Ss[i] = kout[0], kout[1]
    return (ms[0], Ss[0]) if scalar else (ms, Ss)


_KINDS = {"jko": 0, "forward": 1, "plain": 2, "jko2": 3}  # bw_flow_kind
_LINSOLS = {"auto": 0, "dense": 1, "krylov": 2}


def _flow_opts(rtol, atol, linsol, max_steps):
    o = _FlowOpts()
    _lib.bw_jkoflow_opts_default(ctypes.byref(o))
    if rtol is not None:
        o.rtol = float(rtol)
    if atol is not None:
        o.atol = float(atol)
    if linsol not in _LINSOLS:
        raise ValueError("linsol must be one of %s, got %r" % (sorted(_LINSOLS), linsol))
    o.linsol = _LINSOLS[linsol]
    if max_steps is not None:
        o.max_steps = int(max_steps)
    return o


class JKOFlow:
    """A CVODE solver of JKO-Flow, the Wasserstein gradient flow of J - eta/4 |grad J|^2
    (kind "jko"), of the forward Euler modified flow J + eta/4 |grad J|^2 ("forward"), of
    J itself ("plain"), or of JKO-Flow of order 2 ("jko2", the flow the JKO iterates follow
    to O(eta^3), docs/math.md section 8; it does not collapse). Options: rtol, atol (None: the library's defaults 1e-12, 1e-14),
    linsol "auto" | "dense" | "krylov", max_steps. One solver serves many solves; it is not
    to be shared between threads."""

    def __init__(self, problem, eta, kind="jko", rtol=None, atol=None, linsol="auto",
                 max_steps=None):
        self._p = None
        if kind not in _KINDS:
            raise ValueError("kind must be one of %s, got %r" % (sorted(_KINDS), kind))
        opts = _flow_opts(rtol, atol, linsol, max_steps)
        jf = _vp()
        _check(_lib.bw_jkoflow_create(problem._p, _KINDS[kind], float(eta), ctypes.byref(opts),
                                      ctypes.byref(jf)), "bw_jkoflow_create")
        self._p, self.eta, self.kind, self.dim = jf.value, float(eta), kind, problem.dim
        self.linsol = {v: k for k, v in _LINSOLS.items()}[_lib.bw_jkoflow_linsol(self._p)]
        self.stats = {}

    def __del__(self):
        p, self._p = getattr(self, "_p", None), None
        if p:
            _lib.bw_jkoflow_free(p)

    def solve(self, m0, S0, times):
        """Integrate from N(m0, S0) at time 0. A scalar time gives (m, S); a non-decreasing
        sequence gives (means (n, d), covs (n, d, d)). Raises CollapseError (with .time and
        .direction) when a variance collapses before the last time. self.stats holds
        CVODE's counters of the last solve."""
        g0, keep = _gaussian_in(m0, S0, "N(m0, S0)")
        if g0.d != self.dim:
            raise ValueError("the Gaussian has dimension %d, the solver %d" % (g0.d, self.dim))
        scalar = np.ndim(times) == 0
        ts = np.ascontiguousarray(np.atleast_1d(np.asarray(times, dtype=np.float64)))
        nt, d = len(ts), self.dim
        if nt < 1:
            raise ValueError("times is empty")
        ms = np.empty((nt, d))
        covs = np.empty((d, d, nt), order="F")  # covs[:, :, k] is column-major
        outs = (_Gaussian * nt)()
        for k in range(nt):
            outs[k] = _Gaussian(d, _ptr(ms[k]), ctypes.cast(covs.ctypes.data + 8 * d * d * k,
                                                             _c_double_p), d)
        ptrs = (_G * nt)(*[ctypes.pointer(outs[k]) for k in range(nt)])
        stats = _FlowStats()
        st = _lib.bw_jkoflow_solve(self._p, g0, nt, _ptr(ts), ptrs, ctypes.byref(stats))
        if st != 0:
            _lib.bw_jkoflow_last_stats(self._p, ctypes.byref(stats))
        self.stats = {name: getattr(stats, name) for name, _ in _FlowStats._fields_}
        if st == _STATUS_COLLAPSE:
            tc, direction = ctypes.c_double(), np.empty(d)
            _check(_lib.bw_jkoflow_collapse(self._p, ctypes.byref(tc), _ptr(direction)),
                   "bw_jkoflow_collapse")
            raise CollapseError("bw_jkoflow_solve", tc.value, direction, self.eta)
        if st != 0:
            raise BwflowError(st, "bw_jkoflow_solve",
                              _lib.bw_jkoflow_cvode_message(self._p).decode())
        Ss = np.ascontiguousarray(np.moveaxis(covs, 2, 0))
        return (ms[0], Ss[0]) if scalar else (ms, Ss)

    def rhs(self, m, S):
        """The flow's time derivative at N(m, S): (dm/dt, dS/dt), from the right-hand side the
        solver integrates."""
        g, keep = _gaussian_in(m, S, "N(m, S)")
        if g.d != self.dim:
            raise ValueError("the Gaussian has dimension %d, the solver %d" % (g.d, self.dim))
        dm, dS = np.empty(self.dim), np.empty((self.dim, self.dim), order="F")
        _check(_lib.bw_jkoflow_rhs(self._p, g, _ptr(dm), _ptr(dS), self.dim), "bw_jkoflow_rhs")
        return dm, np.ascontiguousarray(dS)


def jkoflow(problem, m0, S0, times, eta, kind="jko", **options):
    """JKO-Flow (or kind "forward" / "plain") from N(m0, S0) at the given time(s):
    JKOFlow(problem, eta, kind, **options).solve(m0, S0, times)."""
    return JKOFlow(problem, eta, kind, **options).solve(m0, S0, times)


# --------------------------------------------------------------------------- order study

def loglog_slope(x, y):
    """Least-squares slope of log(y) against log(x) over the points with finite positive
    x and y (at least 2, else BwflowError BW_ERR_BAD_ARG)."""
    xa = np.ascontiguousarray(x, dtype=np.float64)
    ya = np.ascontiguousarray(y, dtype=np.float64)
    if xa.ndim != 1 or xa.shape != ya.shape:
        raise ValueError("x and y must be vectors of the same length")
    out = ctypes.c_double()
    _check(_lib.bw_loglog_slope(len(xa), _ptr(xa), _ptr(ya), ctypes.byref(out)),
           "bw_loglog_slope")
    return out.value


_ERRS = ("wgf", "jkoflow", "forward_wgf", "forward_flow", "jkoflow2")
_MASK_ALL = 0x1F  # BW_ORDER_MASK_ALL: the five errors
_RESOLUTION = 1 << 16  # BW_ORDER_RESOLUTION: also estimate each error's resolution
_RESOLVED = 20.0  # BW_ORDER_RESOLVED


class _System:
    """A bw_system (owned), created from a Problem and N(m0, S0)."""

    def __init__(self, problem, m0, S0):
        g0, keep = _gaussian_in(m0, S0, "N(m0, S0)")
        _same_dim(problem, g0)
        p = _vp()
        _check(_lib.bw_system_gaussian_create(problem._p, g0, ctypes.byref(p)),
               "bw_system_gaussian_create")
        self._p = p

    def __del__(self):
        if getattr(self, "_p", None):
            _lib.bw_system_free(self._p)
            self._p = None


def _none(v):
    return v if math.isfinite(v) else None


def order(problem, m0, S0, T=None, etas=None, rtol=None, atol=None, linsol="auto"):
    """The convergence-order study of `bwflow order` (see _order), from N(m0, S0)."""
    return _order(_System(problem, m0, S0), T, etas, _flow_opts(rtol, atol, linsol, None))


def _order(system, T, etas, opts):
    """The convergence-order study of `bwflow order` on a system (a Gaussian one from
    order(), a particle one from particles_order()). For each eta (all
    dividing T), the largest W2 distance over the n = T/eta steps between the JKO (forward
    Euler) iterates and the gradient flow / JKO-Flow (the forward modified flow), and between
    the JKO iterates and JKO-Flow of order 2. T and etas default, as in the CLI, to the
    horizon and ladder chosen from the problem (bw_order_defaults_compute). Returns a dict
    with the keys of `bwflow order --json`: "t", "etas", "steps", "status" (per eta: "ok" or
    the first failure, e.g. "collapse"), "fail_time", "err_wgf", "err_jkoflow",
    "err_forward_wgf", "err_forward_flow", "err_jkoflow2" (lists; None where the error
    failed), "res_*" (each error's resolution, the estimated integration error of its
    reference: errors below 20 times it are left out of the fits), "slope_*" (least
    squares), "order_*" (asymptotic orders), "c1_wgf", "c2_jkoflow", "c1_forward_wgf",
    "c2_forward_flow", "c3_jkoflow2" (leading constants), None when undefined, and
    "eta_max", "eta_safe", "eta_bound". A collapsing step size is a row, not an exception."""
    d = _OrderDefaults()
    st = _lib.bw_order_defaults_compute(system._p, float(T or 0.0), ctypes.byref(d))
    if st and (T is None or etas is None):
        _check(st, "bw_order_defaults_compute")
    T = float(T) if T is not None else d.t
    etas = [float(e) for e in etas] if etas is not None else list(d.etas[:d.n])
    pts = (_OrderPoint * len(etas))()
    for i, eta in enumerate(etas):
        _check(_lib.bw_order_point_compute(system._p, T, eta, _MASK_ALL | _RESOLUTION, ctypes.byref(opts),
                                           None, None, ctypes.byref(pts[i])),
               "bw_order_point_compute", "eta = %.17g" % eta)
    fit = _OrderFit()
    _check(_lib.bw_order_fit_compute(len(etas), pts, ctypes.byref(fit)), "bw_order_fit_compute")
    res = {"t": T, "etas": etas, "steps": [p.steps for p in pts], "status": [], "fail_time": []}
    for p in pts:
        first = next((k for k in range(_NERR) if p.status[k]), None)
        res["status"].append(_lib.bw_order_status_word(p.status[first] if first is not None else 0).decode())
        res["fail_time"].append(_none(p.fail_time[first]) if first is not None else None)
    for k, name in enumerate(_ERRS):
        res["err_" + name] = [_none(p.err[k]) for p in pts]
    for k, name in enumerate(_ERRS):
        res["res_" + name] = [_none(p.resolution[k]) for p in pts]
    for k, name in enumerate(_ERRS):
        res["slope_" + name] = _none(fit.slope[k])
    for k, name in enumerate(_ERRS):
        res["order_" + name] = _none(fit.order[k])
    for k, name in enumerate(_ERRS):
        res["c%d_%s" % (_lib.bw_order_err_nominal(k), name)] = _none(fit.constant[k])
    res["eta_max"] = _none(d.eta_max) if not st else None
    res["eta_safe"] = _none(d.eta_safe) if not st else None
    res["eta_bound"] = _lib.bw_eta_bound_name(d.bound).decode() if not st else "horizon"
    return res


# --------------------------------------------------------------------------- particles

_STATUS_ILL_POSED = 21  # BW_ERR_ILL_POSED; checked at load time
_PJAC = {"analytic": 0, "dq": 1}
_PROTOS_PARTICLES = {
    "bw_particles_create": (_st, [_int, _int, _c_double_p, _dbl, ctypes.POINTER(_vp)]),
    "bw_particles_free": (None, [_vp]),
    "bw_particles_n": (_int, [_vp]),
    "bw_particles_degree": (_int, [_vp]),
    "bw_particles_coef": (_c_double_p, [_vp]),
    "bw_particles_tau": (_dbl, [_vp]),
    "bw_particles_vpp_min": (_dbl, [_vp]),
    "bw_particles_preset": (_st, [ctypes.c_char_p, _int, ctypes.POINTER(_vp), _c_double_p, _c_double_p]),
    "bw_particles_quantiles": (_st, [_int, _dbl, _dbl, _c_double_p]),
    "bw_particles_energy": (_st, [_vp, _c_double_p, _c_double_p]),
    "bw_particles_gradient": (_st, [_vp, _c_double_p, _c_double_p]),
    "bw_particles_hessian": (_st, [_vp, _c_double_p, _c_double_p, _c_double_p]),
    "bw_particles_slope_sq": (_st, [_vp, _c_double_p, _c_double_p]),
    "bw_particles_modified_energy": (_st, [_vp, _c_double_p, _dbl, _c_double_p]),
    "bw_particles_hessian_extremes": (_st, [_vp, _vp, _c_double_p, _c_double_p, _c_double_p]),
    "bw_particles_moments": (_st, [_int, _c_double_p, _c_double_p, _c_double_p]),
    "bw_particles_w2": (_st, [_int, _c_double_p, _c_double_p, _c_double_p]),
    "bw_particles_density": (_st, [_int, _c_double_p, _c_double_p]),
    "bw_particles_ws_alloc": (_vp, [_int]),
    "bw_particles_ws_free": (None, [_vp]),
    "bw_particles_jko_plan_create": (_st, [_vp, _dbl, ctypes.POINTER(_vp)]),
    "bw_particles_jko_plan_free": (None, [_vp]),
    "bw_particles_jko_step": (_st, [_vp, _vp, _c_double_p, _c_double_p, _c_double_p,
                                    ctypes.POINTER(_int)]),
    "bw_particles_forward_step": (_st, [_vp, _dbl, _vp, _c_double_p, _c_double_p]),
    "bw_particles_flow_create": (_st, [_vp, _int, _dbl, ctypes.POINTER(_FlowOpts), ctypes.POINTER(_vp)]),
    "bw_particles_flow_free": (None, [_vp]),
    "bw_particles_flow_set_jacobian": (_st, [_vp, _int]),
    "bw_particles_flow_solve": (_st, [_vp, _c_double_p, _int, _c_double_p, _c_double_p]),
    "bw_particles_flow_failure": (_st, [_vp, _c_double_p, _c_double_p]),
    "bw_particles_flow_failure_mode": (_st, [_vp, _c_double_p, _c_double_p]),
    "bw_particles_flow_stats": (None, [_vp, ctypes.POINTER(_FlowStats)]),
    "bw_particles_flow_cvode_message": (ctypes.c_char_p, [_vp]),
    "bw_particles_flow_rhs": (_st, [_vp, _c_double_p, _c_double_p]),
    "bw_particles_flow_jacobian": (_st, [_vp, _c_double_p, _c_double_p, _int]),
    "bw_system_particles_create": (_st, [_vp, _c_double_p, ctypes.POINTER(_vp)]),
}
for _name, (_res, _args) in _PROTOS_PARTICLES.items():
    _fn = getattr(_lib, _name)
    _fn.restype, _fn.argtypes = _res, _args
if _lib.bw_status_name(_STATUS_ILL_POSED) != b"BW_ERR_ILL_POSED":
    raise ImportError("bwflow: %s does not number its statuses as this module expects" % library_path)


class IllPosedError(BwflowError):
    """A particle JKO-Flow turns ill-posed (BW_ERR_ILL_POSED): eta lambda_max(H) reaches 2,
    and the flow no longer damps H's top eigenmode (docs/particles.md).

    time: the first time with eta lambda_max = 2 (0 when ill-posed from the start);
    eta_lambda_max: eta lambda_max(H) there; positions: the configuration then; mode: the
    unit eigenvector of lambda_max (largest-magnitude entry positive); eta: the step size."""

    def __init__(self, where, time, value, positions, mode, eta):
        super().__init__(_STATUS_ILL_POSED, where,
                         "eta = %.17g, t = %.17g, eta lambda_max = %.6g" % (eta, time, value))
        self.time, self.eta_lambda_max, self.positions, self.mode, self.eta = time, value, positions, mode, eta


def _positions_in(x, n, what="the positions"):
    return _vec_in(x, n, what)


def particles_quantiles(n, mean, std):
    """The quantiles of N(mean, std^2) at the levels (i - 1/2)/n, i = 1..n."""
    x = np.empty(int(n))
    _check(_lib.bw_particles_quantiles(int(n), float(mean), float(std), _ptr(x)), "bw_particles_quantiles")
    return x


def particles_w2(x, y):
    """W2 between two ordered configurations of the same N: |x - y| / sqrt(N)."""
    xa = _vec_in(x, None, "x")
    ya = _vec_in(y, xa.shape[0], "y")
    out = ctypes.c_double()
    _check(_lib.bw_particles_w2(xa.shape[0], _ptr(xa), _ptr(ya), ctypes.byref(out)), "bw_particles_w2")
    return out.value


def particles_moments(x):
    """(mean, variance) of the particle measure (1/N) sum delta_{x_i}."""
    xa = _vec_in(x, None, "x")
    m, v = ctypes.c_double(), ctypes.c_double()
    _check(_lib.bw_particles_moments(xa.shape[0], _ptr(xa), ctypes.byref(m), ctypes.byref(v)),
           "bw_particles_moments")
    return m.value, v.value


class Particles:
    """A particle problem: N particles of mass 1/N on the line, the potential
    V(x) = V[0] + V[1] x + ... + V[K] x^K (K even >= 2, V[K] > 0) and the entropy weight tau:
    F(x) = sum V(x_i) - tau sum log(N (x_{i+1} - x_i)), J_N = F/N (include/bwflow/particles.h).
    Positions are 1-D arrays of length N, strictly increasing."""

    def __init__(self, n, V, tau=1.0):
        c = np.ascontiguousarray(V, dtype=np.float64)
        if c.ndim != 1 or c.shape[0] < 3:
            raise ValueError("V must be a vector of at least 3 coefficients, got shape %s" % (np.shape(V),))
        p = _vp()
        _check(_lib.bw_particles_create(int(n), c.shape[0] - 1, _ptr(c), float(tau), ctypes.byref(p)),
               "bw_particles_create")
        self._p = p

    @classmethod
    def preset(cls, name, n=0):
        """("quartic" | "doublewell" | "gauss1d", N or 0 for 20) -> (Particles, x0), x0 the
        quantiles of N(1, 1/4)."""
        p, m, s = _vp(), ctypes.c_double(), ctypes.c_double()
        _check(_lib.bw_particles_preset(name.encode(), int(n), ctypes.byref(p), ctypes.byref(m), ctypes.byref(s)),
               "bw_particles_preset", name)
        self = cls.__new__(cls)
        self._p = p
        return self, particles_quantiles(self.n, m.value, s.value)

    def __del__(self):
        if getattr(self, "_p", None):
            _lib.bw_particles_free(self._p)
            self._p = None

    def __repr__(self):
        return "Particles(n=%d, V=%s, tau=%g)" % (self.n, list(self.V), self.tau)

    @property
    def n(self):
        return _lib.bw_particles_n(self._p)

    @property
    def V(self):
        return np.ctypeslib.as_array(_lib.bw_particles_coef(self._p), (_lib.bw_particles_degree(self._p) + 1,)).copy()

    @property
    def tau(self):
        return _lib.bw_particles_tau(self._p)

    @property
    def vpp_min(self):
        """min over the line of V'': the JKO step exists for eta max(0, -vpp_min) < 1."""
        return _lib.bw_particles_vpp_min(self._p)

    def _scalar(self, fn, where, x, *extra):
        xa = _positions_in(x, self.n)
        out = ctypes.c_double()
        _check(fn(self._p, _ptr(xa), *extra, ctypes.byref(out)), where)
        return out.value

    def energy(self, x):
        """J_N(x) = F(x)/N."""
        return self._scalar(_lib.bw_particles_energy, "bw_particles_energy", x)

    def slope_sq(self, x):
        """|grad F(x)|^2 / N."""
        return self._scalar(_lib.bw_particles_slope_sq, "bw_particles_slope_sq", x)

    def modified_energy(self, x, eta):
        """J_N - eta/4 |grad F|^2/N (eta < 0: the forward Euler modified energy)."""
        return self._scalar(_lib.bw_particles_modified_energy, "bw_particles_modified_energy", x, float(eta))

    def gradient(self, x):
        """grad F(x) (the flow is x' = -grad F)."""
        xa = _positions_in(x, self.n)
        g = np.empty(self.n)
        _check(_lib.bw_particles_gradient(self._p, _ptr(xa), _ptr(g)), "bw_particles_gradient")
        return g

    def hessian(self, x):
        """(diagonal, off-diagonal) of the tridiagonal H = grad^2 F(x)."""
        xa = _positions_in(x, self.n)
        d, e = np.empty(self.n), np.empty(self.n - 1)
        _check(_lib.bw_particles_hessian(self._p, _ptr(xa), _ptr(d), _ptr(e)), "bw_particles_hessian")
        return d, e

    def hessian_extremes(self, x):
        """(lambda_min, lambda_max) of H(x); 2/lambda_max(H(x0)) is JKO-Flow's eta_max."""
        xa = _positions_in(x, self.n)
        lo, hi = ctypes.c_double(), ctypes.c_double()
        _check(_lib.bw_particles_hessian_extremes(self._p, None, _ptr(xa), ctypes.byref(lo), ctypes.byref(hi)),
               "bw_particles_hessian_extremes")
        return lo.value, hi.value

    def density(self, x):
        """rho_{i+1/2} = 1/(N (x_{i+1} - x_i)), N - 1 values (on the cells [x_i, x_{i+1}])."""
        xa = _positions_in(x, self.n)
        rho = np.empty(self.n - 1)
        _check(_lib.bw_particles_density(self.n, _ptr(xa), _ptr(rho)), "bw_particles_density")
        return rho


class ParticlesJKOPlan:
    """JKO steps of size eta for a Particles problem (damped Newton, converged to rounding)."""

    def __init__(self, particles, eta):
        self.particles, self.eta = particles, float(eta)
        plan = _vp()
        _check(_lib.bw_particles_jko_plan_create(particles._p, self.eta, ctypes.byref(plan)),
               "bw_particles_jko_plan_create", "eta = %.17g" % self.eta)
        self._p = plan
        self._ws = _lib.bw_particles_ws_alloc(particles.n)
        if not self._ws:
            raise MemoryError("bw_particles_ws_alloc")

    def __del__(self):
        if getattr(self, "_p", None):
            _lib.bw_particles_jko_plan_free(self._p)
            self._p = None
        if getattr(self, "_ws", None):
            _lib.bw_particles_ws_free(self._ws)
            self._ws = None

    def step(self, x, guess=None):
        """One step from x (Newton started at guess when given) -> (x_new, Newton iterations)."""
        xa = _positions_in(x, self.particles.n)
        ga = _positions_in(guess, self.particles.n, "guess") if guess is not None else None
        out, it = np.empty_like(xa), ctypes.c_int()
        _check(_lib.bw_particles_jko_step(self._p, self._ws, _ptr(xa), _ptr(ga) if ga is not None else None,
                                          _ptr(out), ctypes.byref(it)), "bw_particles_jko_step")
        return out, it.value

    def run(self, x0, n):
        """n steps from x0, warm-started by extrapolation -> array (n + 1, N) of the iterates."""
        xs = np.empty((int(n) + 1, self.particles.n))
        xs[0] = _positions_in(x0, self.particles.n)
        for k in range(1, int(n) + 1):
            guess = 2 * xs[k - 1] - xs[k - 2] if k > 1 else None
            xs[k], _ = self.step(xs[k - 1], guess)
        return xs


def particles_forward_step(particles, eta, x):
    """x - eta grad F(x) (BwflowError BW_ERR_NOT_ORDERED when the order is lost)."""
    xa = _positions_in(x, particles.n)
    out = np.empty_like(xa)
    _check(_lib.bw_particles_forward_step(particles._p, float(eta), None, _ptr(xa), _ptr(out)),
           "bw_particles_forward_step")
    return out


class ParticlesFlow:
    """A particle flow by CVODE BDF with a band solver: kind "jko" (JKO-Flow
    x' = -grad F + (eta/2) H grad F), "forward" (the forward Euler modified flow, -eta),
    "plain" (the gradient flow, eta ignored) or "jko2" (JKO-Flow of order 2,
    -grad F + (eta/2) H grad F - eta^2 (H^2 grad F/3 + T[grad F, grad F]/12), docs/math.md
    section 8); jacobian "analytic" or "dq" (CVODE's banded difference quotients). JKO-Flow
    raises IllPosedError where eta lambda_max(H) reaches 2 (the order-2 flow never does)."""

    def __init__(self, particles, eta, kind="jko", rtol=None, atol=None, max_steps=None, jacobian="analytic"):
        if kind not in _KINDS:
            raise ValueError("kind must be one of %s" % sorted(_KINDS))
        if jacobian not in _PJAC:
            raise ValueError("jacobian must be 'analytic' or 'dq'")
        self.particles, self.eta, self.kind = particles, float(eta), kind
        opts = _flow_opts(rtol, atol, "auto", max_steps)
        p = _vp()
        _check(_lib.bw_particles_flow_create(particles._p, _KINDS[kind], self.eta, ctypes.byref(opts), ctypes.byref(p)),
               "bw_particles_flow_create")
        self._p = p
        _check(_lib.bw_particles_flow_set_jacobian(p, _PJAC[jacobian]), "bw_particles_flow_set_jacobian")
        self.stats = None

    def __del__(self):
        if getattr(self, "_p", None):
            _lib.bw_particles_flow_free(self._p)
            self._p = None

    def solve(self, x0, times):
        """Positions at the times (non-decreasing, >= 0) -> array (len(times), N); CVODE's
        counters in self.stats (dict)."""
        n = self.particles.n
        xa = _positions_in(x0, n, "x0")
        ts = np.ascontiguousarray(np.atleast_1d(times), dtype=np.float64)
        out = np.empty((ts.shape[0], n))
        st = _lib.bw_particles_flow_solve(self._p, _ptr(xa), ts.shape[0], _ptr(ts), _ptr(out))
        s = _FlowStats()
        _lib.bw_particles_flow_stats(self._p, ctypes.byref(s))
        self.stats = {k: getattr(s, k) for k, _ in _FlowStats._fields_}
        if st == _STATUS_ILL_POSED:
            t, v = ctypes.c_double(), ctypes.c_double()
            _lib.bw_particles_flow_failure(self._p, ctypes.byref(t), ctypes.byref(v))
            xf, mode = np.empty(n), np.empty(n)
            _check(_lib.bw_particles_flow_failure_mode(self._p, _ptr(xf), _ptr(mode)), "bw_particles_flow_failure_mode")
            raise IllPosedError("bw_particles_flow_solve", t.value, v.value, xf, mode, self.eta)
        if st:
            raise BwflowError(st, "bw_particles_flow_solve", _lib.bw_particles_flow_cvode_message(self._p).decode())
        return out


    def rhs(self, x):
        """The flow's right-hand side f(x) (the function CVODE integrates)."""
        xa = _positions_in(x, self.particles.n)
        f = np.empty_like(xa)
        _check(_lib.bw_particles_flow_rhs(self._p, _ptr(xa), _ptr(f)), "bw_particles_flow_rhs")
        return f

    def jacobian(self, x):
        """The analytic Jacobian df/dx at x as a dense (N, N) array (banded: bandwidth 1 for
        the gradient flow, 2 for JKO-Flow, 3 for the order-2 flow, whose Jacobian is not
        symmetric)."""
        xa = _positions_in(x, self.particles.n)
        n = self.particles.n
        J = np.empty((n, n), order="F")
        _check(_lib.bw_particles_flow_jacobian(self._p, _ptr(xa), _ptr(J), n), "bw_particles_flow_jacobian")
        return np.ascontiguousarray(J)


def particles_flow(particles, x0, times, eta, kind="jko", **options):
    """ParticlesFlow(particles, eta, kind, **options).solve(x0, times)."""
    return ParticlesFlow(particles, eta, kind, **options).solve(x0, times)


class _ParticlesSystem:
    """A bw_system of particles (owned)."""

    def __init__(self, particles, x0):
        xa = _positions_in(x0, particles.n, "x0")
        p = _vp()
        _check(_lib.bw_system_particles_create(particles._p, _ptr(xa), ctypes.byref(p)), "bw_system_particles_create")
        self._p = p

    def __del__(self):
        if getattr(self, "_p", None):
            _lib.bw_system_free(self._p)
            self._p = None


def particles_order(particles, x0, T=None, etas=None, rtol=None, atol=None):
    """The convergence-order study of `bwflow order` on a particle problem from x0: the same
    dict as order() ("eta_max" is 2/lambda_max(H(x0)), "eta_bound" "ill-posed" when that bound
    chose the step sizes; a step size beyond JKO-Flow's well-posed range is a row with status
    "ill-posed", not an exception)."""
    return _order(_ParticlesSystem(particles, x0), T, etas, _flow_opts(rtol, atol, "auto", None))
