"""The ridge system: Gaussian variational inference on the Bures-Wasserstein manifold
(docs/vi.md, docs/math.md section 9). A target pi ~ e^(-V/tau) with

    V(x) = 1/2 x'Ax - h'x + sum_j w_j phi_j(a_j'x - b_j)

is approximated by a Gaussian N(m, S) moving along the Wasserstein gradient flow restricted
to Gaussians: :class:`RidgeProblem` (the energy J(m, S) = E V - tau/2 log det S - tau d/2
log(2 pi e), its gradient, the JKO, explicit and forward-backward steps, the VI optimum),
:class:`RidgeFlow` (the gradient flow, JKO-Flow and the forward modified flow, by CVODE),
:class:`RidgeWorkspace` (scratch memory for loops). Trajectories and the order study come
through :meth:`bwflow.System.ridge`.

The ridge functions phi are the families of :data:`RIDGE_FAMILIES` ("quadratic" t^2/2,
"quartic" t^4/4, "logistic" log(1 + e^t), "poisson" e^t, "logcosh" log cosh t) or a Python
function ``phi(t, kmax)`` that returns the derivatives phi^(0..kmax) at the points t (a 1-D
float64 array) as an array of shape (kmax + 1, len(t)); kmax is at most 4. It is called with
many points at once (every quadrature node of every ridge sharing it), possibly from the
threads of an order study (one at a time, under the GIL); an exception it raises, or a result
of the wrong shape or type, stops the computation and is raised by the call that was running.
A value that is not finite is the library's BW_ERR_OVERFLOW.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _args, _core
from .errors import check
from .dynamics import flow_solve
from .gaussian import Gaussian, gaussian_blame, gaussian_in, gaussian_out, gaussian_result

__all__ = ["RidgeProblem", "RidgeWorkspace", "RidgeFlow", "ridge_flow", "RIDGE_FAMILIES", "RIDGE_METHODS"]

_NAMES: Tuple[str, ...] = _core.ridge_families()
# The built-in ridge functions, by name (bw_ridge_family_name), in the library's order.
RIDGE_FAMILIES: Tuple[str, ...] = tuple(n for k, n in enumerate(_NAMES) if k != _core.RIDGE_CUSTOM)
# The discrete schemes of RidgeProblem.run: the JKO step, the explicit step, forward-backward.
RIDGE_METHODS: Tuple[str, ...] = ("jko", "forward", "fb")
# The flows of RidgeFlow.
_FLOWS = {"jko": _core.FLOW_JKO, "forward": _core.FLOW_FORWARD, "plain": _core.FLOW_PLAIN}
_GLM_FAMILIES = {"logistic": _core.RIDGE_LOGISTIC, "poisson": _core.RIDGE_POISSON}
_DMAX = 4096
_NMAX = 1 << 24

PhiFunction = Callable[[np.ndarray, int], ArrayLike]


class _PhiCall:
    """What the library calls for a Python ridge function: numpy points in, the derivatives
    checked and returned as a C-contiguous float64 array."""

    __slots__ = ("fn",)

    def __init__(self, fn: PhiFunction):
        self.fn = fn

    def __call__(self, tb: bytes, kmax: int) -> np.ndarray:
        t = np.frombuffer(tb, dtype=np.float64).copy()
        what = "the ridge function %s" % getattr(self.fn, "__name__", type(self.fn).__name__)
        out = _args.array(self.fn(t, kmax), "the result of %s" % what)
        if out.shape != (kmax + 1, t.shape[0]):
            raise ValueError("%s returned an array of shape %s for %d points and kmax = %d: expected "
                             "(kmax + 1, len(t)) = (%d, %d)" % (what, out.shape, t.shape[0], kmax, kmax + 1,
                                                                t.shape[0]))
        return np.ascontiguousarray(out)


def _ridge_entries(ridges: Any, d: Optional[int]) -> Tuple[int, bytes, np.ndarray, np.ndarray, np.ndarray, tuple]:
    """(d, family codes, a (n, d), b (n), w (n), one _PhiCall per custom ridge) from a list of
    {"phi", "a", "b", "w"}; d from the first ridge when None."""
    if isinstance(ridges, (str, bytes, Mapping)) or not isinstance(ridges, (list, tuple)):
        raise TypeError("ridges must be a list of dicts {\"phi\", \"a\", \"b\", \"w\"}, not %s" % type(ridges).__name__)
    codes: List[bytes] = []
    blocks: List[Tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    fns: List[_PhiCall] = []
    calls: Dict[int, _PhiCall] = {}     # one wrapper per function: its ridges come in one call
    for i, r in enumerate(ridges):
        where = "ridges[%d]" % i
        if not isinstance(r, Mapping):
            raise TypeError("%s must be a dict {\"phi\", \"a\", \"b\", \"w\"}, not %s" % (where, type(r).__name__))
        extra = sorted(str(k) for k in r if k not in ("phi", "a", "b", "w"))
        if extra:
            raise ValueError("%s: unknown key %s (known: phi, a, b, w)" % (where, ", ".join(map(repr, extra))))
        if "phi" not in r or "a" not in r:
            raise ValueError("%s: \"phi\" and \"a\" are required" % where)
        phi = r["phi"]
        if isinstance(phi, str):
            code = _NAMES.index(_args.choice(phi, where + "[\"phi\"]", RIDGE_FAMILIES))
        elif callable(phi):
            code = _core.RIDGE_CUSTOM
        else:
            raise TypeError("%s[\"phi\"] must be one of %s or a function phi(t, kmax), not %s"
                            % (where, ", ".join(RIDGE_FAMILIES), type(phi).__name__))
        a = _args.array(r["a"], where + "[\"a\"]")
        if a.ndim not in (1, 2) or a.shape[-1] < 1:
            raise ValueError("%s[\"a\"] must be a vector (one ridge) or a matrix with a row per ridge, got shape %s"
                             % (where, a.shape))
        if d is None:
            d = a.shape[-1]
        if a.shape[-1] != d:
            raise ValueError("%s[\"a\"] has %d columns, expected %d (the dimension)" % (where, a.shape[-1], d))
        a2 = a.reshape(-1, d)
        k = a2.shape[0]
        bw = []
        for key, default, ok, need in (("b", 0.0, lambda v: np.isfinite(v), "finite"),
                                       ("w", 1.0, lambda v: np.isfinite(v) & (v > 0), "finite and > 0")):
            v = _args.array(r.get(key, default), "%s[%r]" % (where, key))
            if v.ndim > 1 or (v.ndim == 1 and (a.ndim == 1 or v.shape[0] != k)):
                raise ValueError("%s[%r] must be a number%s, got shape %s"
                                 % (where, key, " or %d numbers (one per row of a)" % k if a.ndim == 2 else "", v.shape))
            v = np.broadcast_to(v, (k,)).astype(np.float64)
            if not np.all(ok(v)):
                bad = int(np.argmin(ok(v)))
                raise ValueError("%s[%r]%s is %r: it must be %s" % (where, key, "[%d]" % bad if a.ndim == 2 else "",
                                                                     float(v[bad]), need))
            bw.append(v)
        if not np.all(np.isfinite(a2)):
            raise ValueError("%s[\"a\"] has entries that are not finite" % where)
        if code == _core.RIDGE_CUSTOM:
            call = calls.setdefault(id(phi), _PhiCall(phi))
            fns.extend([call] * k)
        codes.append(bytes([code]) * k)
        blocks.append((a2, bw[0], bw[1]))
    if d is None:
        raise ValueError("the dimension is not known: give dim, A, h or a ridge")
    n = sum(blk[0].shape[0] for blk in blocks)
    if n > _NMAX:
        raise ValueError("ridges: %d ridges, at most %d" % (n, _NMAX))
    _args.memory_check(8.0 * n * (d + 8), "%d ridges of dimension %d" % (n, d))
    at = np.concatenate([blk[0] for blk in blocks]) if blocks else np.zeros((0, d))
    b = np.concatenate([blk[1] for blk in blocks]) if blocks else np.zeros(0)
    w = np.concatenate([blk[2] for blk in blocks]) if blocks else np.zeros(0)
    return d, b"".join(codes), np.ascontiguousarray(at), b, w, tuple(fns)


def _nodes(nodes: Any) -> int:
    return 0 if nodes is None else _args.integer(nodes, "nodes", 1, _core.RIDGE_NODES_MAX)


class RidgeProblem:
    """The energy of Gaussian variational inference with ridge potentials,
    J(m, S) = E V - tau/2 log det S - tau d/2 log(2 pi e) under N(m, S), with
    V(x) = 1/2 x'Ax - h'x + sum_j w_j phi_j(a_j'x - b_j): J/tau is KL(N(m, S) | pi) up to a
    constant, pi ~ e^(-V/tau).

    ``RidgeProblem(ridges, A=None, h=None, tau=1.0, nodes=None, dim=None)``:

    - ridges: a list of dicts ``{"phi": ..., "a": ..., "b": 0, "w": 1}`` as in a problem file
      (docs/vi.md): phi one of :data:`RIDGE_FAMILIES` or a function ``phi(t, kmax)`` (module
      docstring); a a vector of length d (one ridge) or an (n, d) array (n ridges with the
      same phi, b and w then numbers or n values); b finite, w > 0;
    - A (d, d) symmetric (need not be positive definite) and h (d): default 0;
    - tau >= 0, the temperature; nodes: Gauss-Hermite nodes of the expectations, 1 to 256
      (None: 32); dim: the dimension when neither A, h nor a ridge tells it.

    Expectations are closed forms for the quadratic, quartic and poisson families and
    quadrature accurate to rounding for logistic and logcosh; a Python phi gets Gauss-Hermite
    with ``nodes`` nodes (exact for polynomials of degree < 2 nodes). Immutable; may be
    shared by threads. :meth:`preset` and :meth:`glm` also return an initial Gaussian.

    Functions of a Gaussian take (m, S) and an optional :class:`RidgeWorkspace` ``ws``
    (without one each call allocates its own scratch; with one, loops allocate nothing)."""

    def __init__(self, ridges: Sequence[Mapping[str, Any]] = (), A: Optional[ArrayLike] = None,
                 h: Optional[ArrayLike] = None, tau: float = 1.0, nodes: Optional[int] = None,
                 dim: Optional[int] = None):
        d = None if dim is None else _args.integer(dim, "dim", 1, _DMAX)
        Aa = None
        if A is not None:
            Aa = _args.array(A, "A")
            if Aa.ndim != 2 or Aa.shape[0] != Aa.shape[1] or Aa.shape[0] < 1:
                raise ValueError("A must be a square d x d matrix, got shape %s" % (Aa.shape,))
            if d is not None and Aa.shape[0] != d:
                raise ValueError("A is %d x %d, expected %d x %d (dim)" % (Aa.shape + (d, d)))
            d = Aa.shape[0]
        hv = None
        if h is not None:
            hv = _args.vector(h, "h", d, " (the dimension is %d)" % d if d is not None else "")
            d = hv.shape[0]
        if d is not None and d > _DMAX:
            raise ValueError("the dimension must be at most %d, got %d" % (_DMAX, d))
        tau = _args.real(tau, "tau")
        q = _nodes(nodes)
        d, codes, at, b, w, fns = _ridge_entries(ridges, d)
        if d > _DMAX:
            raise ValueError("the dimension must be at most %d, got %d" % (_DMAX, d))
        self._create(d, None if Aa is None else np.ascontiguousarray(Aa.T), hv, tau, codes, at, b, w, fns, q)

    def _create(self, d: int, A_cm: Optional[np.ndarray], h: Optional[np.ndarray], tau: float, codes: bytes,
                at: np.ndarray, b: np.ndarray, w: np.ndarray, fns: tuple, q: int) -> None:
        _args.memory_check(8.0 * (12 * d * d + at.size), "a ridge problem of dimension %d" % d)
        st, handle = _core.ridge_problem(d, A_cm, h, tau, codes, at, b, w, fns, q)
        blame = {"BW_ERR_BAD_TAU": "tau", "BW_ERR_NOT_SYMMETRIC": "A",
                 "BW_ERR_NONFINITE": "A" if A_cm is not None and not np.all(np.isfinite(A_cm)) else "h"}
        check(st, "bw_ridge_problem_create", blame)
        self._h = handle

    @classmethod
    def _wrap(cls, handle: Any) -> "RidgeProblem":
        self = cls.__new__(cls)
        self._h = handle
        return self

    @classmethod
    def preset(cls, name: str) -> Tuple["RidgeProblem", np.ndarray, np.ndarray]:
        """A named problem and its initial Gaussian: returns (problem, m0, S0). "vi-quartic":
        V = x^4/4, tau = 1, from N(1, 1/4) (its VI optimum is N(0, 1/sqrt 3)); "logreg":
        Bayesian logistic regression, d = 5, n = 200 synthetic observations, prior N(0, I),
        from the prior; "logreg-d30": the same with d = 30 (29 features), n = 569, prior
        N(0, I/30), from the prior (docs/vi.md)."""
        name = _args.text(name, "name")
        st, handle, g = _core.ridge_preset(name)
        check(st, "bw_ridge_preset", {"BW_ERR_BAD_ARG": "name"}, "name %r (known: vi-quartic, logreg, logreg-d30)" % name)
        d, mean, cov = g
        return (cls._wrap(handle), np.frombuffer(mean).copy(),
                _args.from_column_major(np.frombuffer(cov).reshape(d, d)))

    @classmethod
    def glm(cls, X: ArrayLike, y: ArrayLike, *, family: str, prior_var: float, intercept: bool = False,
            standardize: bool = False, tau: float = 1.0, nodes: Optional[int] = None,
            A: Optional[ArrayLike] = None, h: Optional[ArrayLike] = None,
            ridges: Sequence[Mapping[str, Any]] = ()) -> Tuple["RidgeProblem", np.ndarray, np.ndarray]:
        """Bayesian regression: the negative log-posterior of a generalised linear model with
        the prior N(0, prior_var I) on its coefficients beta,
        V(beta) = sum_i phi(x_i'beta) - (X'y)'beta + |beta|^2/(2 prior_var), with phi
        log(1 + e^t) (family "logistic": 0 <= y <= 1) or e^t ("poisson": counts y >= 0).
        X (n, p), rows the observations; y (n). intercept: a first coefficient with x_i0 = 1;
        standardize: each feature column centred and divided by its standard deviation over
        the rows (divisor n) first. A, h and ridges are added (the ridges come first), as in
        a problem file's ``"glm"`` shortcut, which this expands exactly as the command line
        does (the same library function: the same data give the same problem to the bit).
        Returns (problem, m0, S0) with the prior N(0, prior_var I) as the initial Gaussian."""
        fam = _GLM_FAMILIES[_args.choice(family, "family", list(_GLM_FAMILIES))]
        s2 = _args.real(prior_var, "prior_var")
        if not (s2 > 0 and math.isfinite(s2)):
            raise ValueError("prior_var must be a finite variance > 0, got %r" % s2)
        for flag, name in ((intercept, "intercept"), (standardize, "standardize")):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError("%s must be True or False, not %s" % (name, type(flag).__name__))
        Xa = _args.array(X, "X")
        if Xa.ndim != 2 or Xa.shape[0] < 1 or Xa.shape[1] < 1:
            raise ValueError("X must be a matrix (n observations, p features), got shape %s" % (Xa.shape,))
        n, p = Xa.shape
        d = p + bool(intercept)
        if n > _NMAX or d > _DMAX:
            raise ValueError("X: at most %d observations and %d coefficients, got %d and %d" % (_NMAX, _DMAX, n, d))
        ya = _args.vector(y, "y", n, " (X has %d rows)" % n)
        for name, a in (("X", Xa), ("y", ya)):
            if not np.all(np.isfinite(a)):
                raise ValueError("%s has entries that are not finite" % name)
        _args.memory_check(8.0 * n * (p + d + 8), "%d observations of %d coefficients" % (n, d))
        base = cls.__new__(cls)     # A, h and the ridges given, checked as the constructor does
        Am = np.zeros((d, d)) if A is None else _args.array(A, "A")
        if Am.shape != (d, d):
            raise ValueError("A must be a %d x %d matrix (the glm's coefficients), got shape %s" % (d, d, Am.shape))
        hv = np.zeros(d) if h is None else _args.vector(h, "h", d, " (the glm has %d coefficients)" % d).copy()
        q = _nodes(nodes)
        tau = _args.real(tau, "tau")
        _d, codes, at, b, w, fns = _ridge_entries(ridges, d)
        a = np.empty(n * d)
        A_cm = np.array(Am.T, order="C")     # copies: the expansion adds to A and h
        st, row, col = _core.ridge_glm(fam, np.ascontiguousarray(Xa), n, p, ya, s2, bool(intercept),
                                       bool(standardize), a, A_cm, hv)
        if row >= 0:
            raise ValueError("y[%d] is %r: %s" % (row, float(ya[row]), "logistic regression needs 0 <= y <= 1"
                                                  if family == "logistic" else "poisson regression needs y >= 0"))
        if col >= 0:
            raise ValueError("X: feature column %d is constant: it cannot be standardized" % col)
        check(st, "bw_ridge_glm_expand")
        codes += bytes([fam]) * n
        at = np.concatenate([at, a.reshape(n, d)])
        base._create(d, A_cm, hv, tau, codes, at, np.concatenate([b, np.zeros(n)]),
                     np.concatenate([w, np.ones(n)]), fns, q)
        return base, np.zeros(d), s2 * np.eye(d)

    def __repr__(self) -> str:
        return "bwflow.RidgeProblem(d=%d, %d ridges, tau=%r)" % (self.dim, self.nridges, self.tau)

    def _info(self) -> Tuple[int, int, int, float, Any]:
        return _core.ridge_info(self._h)

    @property
    def dim(self) -> int:
        """The dimension d."""
        return self._info()[0]

    @property
    def nridges(self) -> int:
        """The number of ridges n."""
        return self._info()[1]

    @property
    def nodes(self) -> int:
        """The number of Gauss-Hermite nodes."""
        return self._info()[2]

    @property
    def tau(self) -> float:
        """The temperature tau."""
        return self._info()[3]

    def _data(self) -> Tuple[bytes, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        d, n = self.dim, self.nridges
        A, h, at, b, w = np.empty(d * d), np.empty(d), np.empty(n * d), np.empty(n), np.empty(n)
        codes = _core.ridge_data(self._h, A, h, at, b, w)
        return codes, _args.from_column_major(A.reshape(d, d)), h, at.reshape(n, d), b, w

    @property
    def A(self) -> np.ndarray:
        """A (symmetric d x d, as stored: symmetrised; with a glm, the prior's I/prior_var added)."""
        return self._data()[1]

    @property
    def h(self) -> np.ndarray:
        """h (d entries; with a glm, X'y added)."""
        return self._data()[2]

    @property
    def ridges(self) -> List[Dict[str, Any]]:
        """The ridges as stored, one dict {"phi", "a", "b", "w"} each (phi a family's name or
        the Python function)."""
        codes, _A, _h, at, b, w = self._data()
        fns = iter(self._info()[4] or ())
        return [{"phi": next(fns).fn if c == _core.RIDGE_CUSTOM else _NAMES[c], "a": at[j].copy(),
                 "b": float(b[j]), "w": float(w[j])} for j, c in enumerate(codes)]

    # ---- functions of a Gaussian

    def _ws(self, ws: Optional["RidgeWorkspace"]) -> Any:
        return None if ws is None else _args.instance(ws, RidgeWorkspace, "ws")._h

    def _eval(self, what: str, m: Any, S: Any, eta: float, ws: Optional["RidgeWorkspace"],
              vec: bool, mat: bool) -> Tuple[float, Optional[np.ndarray], Optional[np.ndarray]]:
        d = self.dim
        mv, Sc = gaussian_in(m, S, d)
        v = np.empty(d) if vec else None
        M = np.empty(d * d) if mat else None
        st, x = _core.ridge_eval(self._h, self._ws(ws), what, mv, Sc, eta, v, M)
        blame = gaussian_blame(mv, Sc)
        check(st, "bw_ridge_" + {"hessian": "expected_hessian"}.get(what, what),
              lambda s: "eta" if s == "BW_ERR_BAD_ETA" else "ws" if s == "BW_ERR_DIM_MISMATCH" else blame(s))
        return x, v, (_args.from_column_major(M.reshape(d, d)) if mat else None)

    def energy(self, m: ArrayLike, S: ArrayLike, ws: Optional["RidgeWorkspace"] = None) -> float:
        """J(N(m, S)) = E V - tau/2 log det S - tau d/2 log(2 pi e). BwflowError BW_ERR_OVERFLOW
        when it is not finite (e.g. poisson's e^(a'm - b + a'Sa/2) beyond the largest double)."""
        return self._eval("energy", m, S, 0.0, ws, False, False)[0]

    def gradient(self, m: ArrayLike, S: ArrayLike, ws: Optional["RidgeWorkspace"] = None
                 ) -> Tuple[np.ndarray, np.ndarray]:
        """(g, G): g = grad_m J = E grad V and G = 2 grad_S J = E hess V - tau S^-1 (symmetric;
        twice the S-gradient, as in docs/vi.md: the gradient flow is m' = -g,
        S' = -(G S + S G), and the Wasserstein velocity field x -> -(g + G (x - m)))."""
        _x, g, G = self._eval("gradient", m, S, 0.0, ws, True, True)
        return g, G

    def expected_hessian(self, m: ArrayLike, S: ArrayLike, ws: Optional["RidgeWorkspace"] = None) -> np.ndarray:
        """E hess V = A + sum_j w_j psi_2j a_j a_j' (d x d)."""
        return self._eval("hessian", m, S, 0.0, ws, False, True)[2]

    def slope_sq(self, m: ArrayLike, S: ArrayLike, ws: Optional["RidgeWorkspace"] = None) -> float:
        """The squared Riemannian slope |grad J|^2 = |g|^2 + tr(G S G)."""
        return self._eval("slope_sq", m, S, 0.0, ws, False, False)[0]

    def modified_energy(self, m: ArrayLike, S: ArrayLike, eta: float, ws: Optional["RidgeWorkspace"] = None) -> float:
        """J - eta/4 |grad J|^2, whose gradient flow (JKO-Flow) the JKO iterates of step eta
        follow to O(eta^2) (eta < 0: the explicit steps' J + |eta|/4 |grad J|^2)."""
        return self._eval("modified_energy", m, S, _args.real(eta, "eta"), ws, False, False)[0]

    def expect(self, j: int, mu: float, s: float) -> np.ndarray:
        """psi_k = E phi_j^(k)(mu + sqrt(s) Z), k = 0..4, Z ~ N(0, 1), for ridge j's phi
        (without its weight), by the problem's quadrature."""
        j = _args.integer(j, "j", 0, max(self.nridges - 1, 0))
        mu, s = _args.real(mu, "mu"), _args.real(s, "s")
        out = np.empty(5)
        st = _core.ridge_expect(self._h, j, mu, s, out)
        check(st, "bw_ridge_expect", {"BW_ERR_NONFINITE": "mu or s", "BW_ERR_BAD_ARG": "j or s"})
        return out

    # ---- steps

    def run(self, method: str, eta: float, m: ArrayLike, S: ArrayLike, n: int,
            ws: Optional["RidgeWorkspace"] = None) -> Tuple[np.ndarray, np.ndarray]:
        """n steps of size eta from N(m, S) by method "jko" (the JKO step restricted to
        Gaussians, Newton's method), "forward" (the exponential map of -eta grad J) or "fb"
        (forward-backward: a forward step on V, then the entropy's exact JKO step): the
        iterates 0..n as (means (n + 1, d), covariances (n + 1, d, d))."""
        return self._steps(method, eta, m, S, n, ws, True)

    def step(self, method: str, eta: float, m: ArrayLike, S: ArrayLike, n: int = 1,
             ws: Optional["RidgeWorkspace"] = None) -> Gaussian:
        """n steps (default one) of a method of :meth:`run`: returns the last iterate (m, S)."""
        return self._steps(method, eta, m, S, n, ws, False)

    def jko_step(self, eta: float, m: ArrayLike, S: ArrayLike, n: int = 1,
                 ws: Optional["RidgeWorkspace"] = None) -> Gaussian:
        """n JKO steps (default one): argmin over Gaussians of J + W2^2(., N(m, S))/(2 eta),
        solved by Newton's method to rounding (BwflowError BW_ERR_NO_CONVERGENCE when it
        fails, e.g. a step too large for a non-convex V)."""
        return self._steps("jko", eta, m, S, n, ws, False)

    def forward_step(self, eta: float, m: ArrayLike, S: ArrayLike, n: int = 1,
                     ws: Optional["RidgeWorkspace"] = None) -> Gaussian:
        """n explicit steps: m - eta g, (I - eta G) S (I - eta G) (BwflowError BW_ERR_LOST_SPD
        when I - eta G is singular)."""
        return self._steps("forward", eta, m, S, n, ws, False)

    def fb_step(self, eta: float, m: ArrayLike, S: ArrayLike, n: int = 1,
                ws: Optional["RidgeWorkspace"] = None) -> Gaussian:
        """n forward-backward steps (Diao et al. 2023): m - eta g, S1 = (I - eta H) S (I - eta H),
        H = E hess V, then S+ = (S1 + 2 eta tau I + (S1 (S1 + 4 eta tau I))^(1/2))/2."""
        return self._steps("fb", eta, m, S, n, ws, False)

    def _steps(self, method: str, eta: Any, m: Any, S: Any, n: Any, ws: Any, every: bool) -> Any:
        code = RIDGE_METHODS.index(_args.choice(method, "method", RIDGE_METHODS))
        eta = _args.real(eta, "eta")
        n = _args.integer(n, "n", 1)
        d = self.dim
        items = n + 1 if every else 1
        _args.memory_check(8.0 * items * d * (d + 1), "%d iterates of dimension %d" % (items, d))
        mv, Sc = gaussian_in(m, S, d)
        ms, Ss = np.empty(items * d), np.empty(items * d * d)
        wsh = self._ws(ws)
        st, failed, iters = _core.ridge_steps(self._h, wsh, code, eta, n, mv, Sc, ms, Ss, every)
        if ws is not None:
            ws.newton_iters = iters
        blame = gaussian_blame(mv, Sc) if failed <= 1 else (lambda s: None)
        check(st, "bw_ridge_%s_step" % method,
              lambda s: "eta" if s == "BW_ERR_BAD_ETA" else "ws" if s == "BW_ERR_DIM_MISMATCH" else blame(s),
              "eta = %r, step %d" % (eta, failed) if failed > 0 else "")
        if every:
            return ms.reshape(n + 1, d), _args.from_column_major(Ss.reshape(n + 1, d, d))
        return gaussian_result(ms, Ss)

    def vi_optimum(self, m0: ArrayLike, S0: ArrayLike, ws: Optional["RidgeWorkspace"] = None) -> Gaussian:
        """The Gaussian-VI optimum, the minimiser of J over Gaussians (E grad V = 0,
        E hess V = tau S^-1), found from N(m0, S0) by JKO steps of growing size and then
        Newton's method to rounding: returns (m, S). InvalidInputError BW_ERR_NOT_SPD for
        tau = 0 (the infimum is a point mass); BwflowError BW_ERR_NO_CONVERGENCE when no
        minimiser is found (a potential that does not confine)."""
        d = self.dim
        mv, Sc = gaussian_in(m0, S0, d, "m0", "S0")
        mo, So = gaussian_out(d)
        st, iters = _core.ridge_vi_optimum(self._h, self._ws(ws), mv, Sc, mo, So)
        if ws is not None:
            ws.newton_iters = iters
        blame = gaussian_blame(mv, Sc, "m0", "S0")
        check(st, "bw_ridge_vi_optimum",
              lambda s: "tau" if s == "BW_ERR_NOT_SPD" and self.tau == 0 else
              "ws" if s == "BW_ERR_DIM_MISMATCH" else blame(s))
        return gaussian_result(mo, So)


class RidgeWorkspace:
    """Scratch memory for a :class:`RidgeProblem`'s functions and steps: passed as ``ws``, it
    makes them allocate nothing (it serves every problem of the same dimension with at most
    as many ridges and nodes). ``newton_iters``: the Newton iterations of the last JKO steps
    or VI optimum computed with it. Mutable: one thread at a time (RuntimeError)."""

    def __init__(self, problem: RidgeProblem):
        problem = _args.instance(problem, RidgeProblem, "problem")
        st, self._h = _core.ridge_ws(problem._h)
        check(st, "bw_ridge_ws_alloc")
        self.newton_iters = 0

    def __repr__(self) -> str:
        return "bwflow.RidgeWorkspace()"


class RidgeFlow:
    """A CVODE solver (BDF; dense linear solver up to d = 18, GMRES above, or as linsol
    says) of a flow of a :class:`RidgeProblem` on the Bures-Wasserstein manifold, created once
    and solved from many initial Gaussians.

    kind: "jko" (JKO-Flow, the gradient flow of J - eta/4 (|g|^2 + tr(G S G)), which the JKO
    iterates follow to O(eta^2); a variance may collapse to 0 in finite time:
    CollapseError), "forward" (the same with -eta: what the explicit steps follow), "plain"
    (the gradient flow m' = -g, S' = -(G S + S G); eta ignored). Options rtol, atol (None:
    1e-12, 1e-14), linsol "auto" | "dense" | "krylov", max_steps. One thread at a time
    (RuntimeError)."""

    def __init__(self, problem: RidgeProblem, eta: float, kind: str = "jko", rtol: Optional[float] = None,
                 atol: Optional[float] = None, linsol: str = "auto", max_steps: Optional[int] = None):
        problem = _args.instance(problem, RidgeProblem, "problem")
        self.kind = _args.choice(kind, "kind", list(_FLOWS))
        self.eta = _args.real(eta, "eta")
        opts = _args.flow_options(rtol, atol, linsol, "auto", max_steps)
        st, self._h = _core.ridge_flow(problem._h, _FLOWS[self.kind], self.eta, opts)
        check(st, "bw_ridge_flow_create", {"BW_ERR_BAD_ETA": "eta", "BW_ERR_BAD_ARG": "rtol, atol or max_steps"})
        self.problem = problem
        self.stats: Dict[str, int] = {}

    @property
    def dim(self) -> int:
        """The dimension d."""
        return _core.ridge_flow_info(self._h)[0]

    @property
    def solver(self) -> str:
        """"bdf-dense" or "bdf-krylov"."""
        return _core.ridge_flow_info(self._h)[1]

    def solve(self, m0: ArrayLike, S0: ArrayLike, times: Union[float, ArrayLike]
              ) -> Union[Gaussian, Tuple[np.ndarray, np.ndarray]]:
        """Integrate from N(m0, S0) at time 0. One time gives (m, S); a non-decreasing sequence
        of times gives (means (n, d), covariances (n, d, d)). CollapseError (with .time and
        .direction) when a variance collapses first. self.stats: CVODE's counters."""
        return flow_solve(self, _core.ridge_flow_solve, "bw_ridge_flow_advance", m0, S0, times)

    def rhs(self, m: ArrayLike, S: ArrayLike) -> Gaussian:
        """The flow's time derivative at N(m, S), (dm/dt, dS/dt)."""
        d = self.dim
        mv, Sc = gaussian_in(m, S, d, owner="the solver")
        dm, dS = gaussian_out(d)
        check(_core.ridge_flow_rhs(self._h, mv, Sc, dm, dS), "bw_ridge_flow_rhs", gaussian_blame(mv, Sc))
        return gaussian_result(dm, dS)


def ridge_flow(problem: RidgeProblem, m0: ArrayLike, S0: ArrayLike, times: Union[float, ArrayLike], eta: float,
               kind: str = "jko", **options: Any) -> Union[Gaussian, Tuple[np.ndarray, np.ndarray]]:
    """Integrate a flow of a ridge problem from N(m0, S0): the same as
    ``RidgeFlow(problem, eta, kind, **options).solve(m0, S0, times)``."""
    return RidgeFlow(problem, eta, kind, **options).solve(m0, S0, times)
