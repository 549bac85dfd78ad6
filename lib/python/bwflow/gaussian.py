"""The Gaussian system's energy: :class:`Problem`, its presets and its functions of a
Gaussian N(m, S) (energy, gradient, velocity, squared slope, modified energy)."""
from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np
from numpy.typing import ArrayLike

from . import _args, _core
from .errors import check, culprit

__all__ = ["Problem"]

Gaussian = Tuple[np.ndarray, np.ndarray]


def gaussian_in(m: Any, S: Any, d: int, mname: str = "m", Sname: str = "S",
                owner: str = "the problem") -> Tuple[np.ndarray, np.ndarray]:
    """(mean, column-major covariance) buffers of a Gaussian of dimension d."""
    why = " (%s has dimension %d)" % (owner, d)
    return _args.vector(m, mname, d, why), _args.matrix(S, Sname, d, why)


def gaussian_blame(m: np.ndarray, S_cm: np.ndarray, mname: str = "m", Sname: str = "S"):
    """The blame function of a call that read the Gaussian (m, S)."""
    return culprit([(mname, m, "vector"), (Sname, S_cm.T, "cov")])


def gaussian_out(d: int) -> Tuple[np.ndarray, np.ndarray]:
    """Output buffers for a Gaussian of dimension d."""
    return np.empty(d), np.empty(d * d)


def gaussian_result(m: np.ndarray, S_cm: np.ndarray) -> Gaussian:
    """(mean, C-ordered covariance) from output buffers."""
    d = m.shape[0]
    return m, _args.from_column_major(S_cm.reshape(d, d))


def dim_check(d: int) -> None:
    """MemoryError for a dimension whose problem would not fit in memory (a problem and
    its set-up hold about 20 d x d matrices)."""
    _args.memory_check(160.0 * d * d, "a problem of dimension %d" % d)


class Problem:
    """The energy J(rho) = E[1/2 x'Ax - h'x] + tau E[log rho] + 1/2 E[1/2 (X-Y)'K(X-Y)]
    of the Gaussian system: a quadratic potential, entropy at temperature tau and a
    quadratic interaction. Its Wasserstein gradient flow keeps Gaussians Gaussian.

    ``Problem(A, h, K=None, tau=1.0)``: A and K symmetric (d, d) arrays (K None means 0;
    neither needs to be positive definite), h of length d, tau >= 0. Immutable; may be
    shared by threads. :meth:`preset` and :meth:`random` also return an initial Gaussian.
    """

    def __init__(self, A: ArrayLike, h: ArrayLike, K: Optional[ArrayLike] = None,
                 tau: float = 1.0):
        Aa = _args.array(A, "A")
        if Aa.ndim != 2 or Aa.shape[0] != Aa.shape[1] or Aa.shape[0] < 1:
            raise ValueError("A must be a square d x d matrix, got shape %s" % (Aa.shape,))
        d = Aa.shape[0]
        dim_check(d)
        why = " (A is %d x %d)" % (d, d)
        hv = _args.vector(h, "h", d, why)
        Km = None if K is None else _args.matrix(K, "K", d, why)
        tau = _args.real(tau, "tau")
        st, handle = _core.problem(d, np.ascontiguousarray(Aa.T), hv, Km, tau)
        blame = culprit([("A", Aa, "sym"), ("h", hv, "vector")] +
                        ([("K", Km.T, "sym")] if Km is not None else []))
        check(st, "bw_problem_set", lambda s: "tau" if s == "BW_ERR_BAD_TAU" else blame(s))
        self._h = handle

    @classmethod
    def _wrap(cls, handle: _core.Handle) -> "Problem":
        self = cls.__new__(cls)
        self._h = handle
        return self

    @classmethod
    def preset(cls, name: str, dim: int = 0, seed: int = 1) -> Tuple["Problem", np.ndarray, np.ndarray]:
        """A named problem and its initial Gaussian: returns (problem, m0, S0).

        name: "ou2d" (2-D Ornstein-Uhlenbeck: KL to a Gaussian target, S0 not commuting
        with A), "heat" (entropy only), "potential" (no entropy), "random" (the seeded
        random problem of :meth:`random` with tau = 0.7); dim: the dimension, 0 for the
        preset's default; seed: used by "random" (an int in [0, 2^64))."""
        name = _args.text(name, "name")
        dim = _args.integer(dim, "dim", 0)
        seed = _args.integer(seed, "seed", c_min=0, c_max=_args.UINT64_MAX)
        dim_check(dim)
        st, handle, d, mean, cov = _core.preset(name, dim, seed)
        check(st, "bw_preset", {"BW_ERR_BAD_ARG": "name", "BW_ERR_DIM": "dim"},
              "name %r, dim %d" % (name, dim))
        m0 = np.frombuffer(mean, dtype=np.float64).copy()
        S0 = _args.from_column_major(np.frombuffer(cov, dtype=np.float64).reshape(d, d))
        return cls._wrap(handle), m0, S0

    @classmethod
    def random(cls, d: int, seed: int, tau: float = 0.7) -> Tuple["Problem", np.ndarray, np.ndarray]:
        """The library's seeded random problem of dimension d and its initial Gaussian:
        returns (problem, m0, S0). A = Q diag(a) Q' with a in [0.5, 2], K = 0.2 G G'/d, so
        A and P = A + K are positive definite, and S0 commutes with neither; the same
        (d, seed, tau) gives the same problem."""
        d = _args.integer(d, "d", 1)
        seed = _args.integer(seed, "seed", c_min=0, c_max=_args.UINT64_MAX)
        tau = _args.real(tau, "tau")
        dim_check(d)
        m, S = gaussian_out(d)
        st, handle = _core.problem_random(d, seed, tau, m, S)
        check(st, "bw_problem_random", {"BW_ERR_BAD_TAU": "tau", "BW_ERR_DIM": "d"})
        m0, S0 = gaussian_result(m, S)
        return cls._wrap(handle), m0, S0

    def __repr__(self) -> str:
        return "bwflow.Problem(d=%d, tau=%r)" % (self.dim, self.tau)

    @property
    def dim(self) -> int:
        """The dimension d."""
        return _core.problem_info(self._h)[0]

    @property
    def tau(self) -> float:
        """The temperature tau (the weight of the entropy)."""
        return _core.problem_info(self._h)[1]

    def _array(self, name: str, matrix: bool) -> np.ndarray:
        d = self.dim
        out = np.empty(d * d if matrix else d)
        _core.problem_array(self._h, name, out)
        return _args.from_column_major(out.reshape(d, d)) if matrix else out

    @property
    def A(self) -> np.ndarray:
        """The potential's matrix A (symmetric, d x d)."""
        return self._array("A", True)

    @property
    def h(self) -> np.ndarray:
        """The potential's linear term h (length d)."""
        return self._array("h", False)

    @property
    def K(self) -> np.ndarray:
        """The interaction's matrix K (symmetric, d x d; zeros when none was given)."""
        return self._array("K", True)

    @property
    def P(self) -> np.ndarray:
        """P = A + K, the matrix acting on the covariance."""
        return self._array("P", True)

    def eig_P(self) -> Tuple[np.ndarray, np.ndarray]:
        """The eigendecomposition of P: (p, R) with P = R diag(p) R', p ascending, R's
        columns orthonormal eigenvectors."""
        return self._array("P_eigvals", False), self._array("P_eigvecs", True)

    def eig_A(self) -> Tuple[np.ndarray, np.ndarray]:
        """The eigendecomposition of A: (a, Q) with A = Q diag(a) Q', a ascending."""
        return self._array("A_eigvals", False), self._array("A_eigvecs", True)

    def minimiser(self) -> Gaussian:
        """The minimiser of J, N(A^-1 h, tau P^-1): returns (m, S). Needs A and P positive
        definite and tau > 0 (else InvalidInputError BW_ERR_NOT_SPD)."""
        m, S = gaussian_out(self.dim)
        check(_core.problem_minimiser(self._h, m, S), "bw_problem_minimiser")
        return gaussian_result(m, S)

    def _eval(self, what: str, m: Any, S: Any, eta: float = 0.0) -> Tuple[float, np.ndarray, np.ndarray]:
        d = self.dim
        mv, Sc = gaussian_in(m, S, d)
        v, M = (np.empty(d), np.empty(d * d)) if what in ("gradient", "velocity") else (None, None)
        st, x = _core.problem_eval(self._h, what, mv, Sc, eta, v, M)
        blame = gaussian_blame(mv, Sc)
        check(st, "bw_" + ("energy_gradient" if what == "gradient" else what),
              lambda s: "eta" if s == "BW_ERR_BAD_ETA" else blame(s))
        return x, v, (_args.from_column_major(M.reshape(d, d)) if M is not None else None)

    def energy(self, m: ArrayLike, S: ArrayLike) -> float:
        """The energy J(N(m, S)) (S symmetric positive definite when tau > 0)."""
        return self._eval("energy", m, S)[0]

    def gradient(self, m: ArrayLike, S: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
        """The gradient of J in (m, S): (A m - h, 1/2 (P - tau S^-1))."""
        _x, g, G = self._eval("gradient", m, S)
        return g, G

    def velocity(self, m: ArrayLike, S: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
        """The gradient flow's velocity field at N(m, S), x -> c + L (x - m): returns
        (c, L) = (-(A m - h), -(P - tau S^-1))."""
        _x, c, L = self._eval("velocity", m, S)
        return c, L

    def slope_sq(self, m: ArrayLike, S: ArrayLike) -> float:
        """The squared Wasserstein slope |grad J|^2 = tr(M S M) + |A m - h|^2,
        M = P - tau S^-1."""
        return self._eval("slope_sq", m, S)[0]

    def modified_energy(self, m: ArrayLike, S: ArrayLike, eta: float) -> float:
        """The modified energy J^eta = J - eta/4 |grad J|^2 whose gradient flow (JKO-Flow)
        the JKO iterates of step eta follow to second order (eta < 0: the forward Euler
        modified energy)."""
        return self._eval("modified_energy", m, S, _args.real(eta, "eta"))[0]
