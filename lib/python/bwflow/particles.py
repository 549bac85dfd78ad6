"""The particle system: a 1-D measure as N ordered particles x_1 < ... < x_N of mass 1/N
on the quantile line, under Langevin dynamics with a polynomial potential
(docs/particles.md): the problem (:class:`Particles`), JKO steps (damped Newton),
forward Euler steps and the flows integrated by CVODE with a band solver, whose JKO-Flow
turns ill-posed where eta lambda_max(H) reaches 2 (:class:`IllPosedError`).

Configurations are 1-D arrays of N finite, strictly increasing positions.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _args, _core
from .dynamics import FLOW_KINDS
from .errors import IllPosedError, check

__all__ = ["Particles", "ParticlesJKOPlan", "ParticlesFlow", "particles_quantiles",
           "particles_forward_step", "particles_flow", "particles_w2", "particles_moments"]

_JACOBIANS = {"analytic": _core.PJAC_ANALYTIC, "dq": _core.PJAC_DQ}


def _n_check(n: int) -> None:
    _args.memory_check(64.0 * n, "%d particles" % n)


def positions_blame(name: str):
    """The blame of a call that read one configuration: it is at fault for statuses about
    its entries."""
    return {"BW_ERR_NONFINITE": name, "BW_ERR_NOT_ORDERED": name, "BW_ERR_DIM": name}


def particles_quantiles(n: int, mean: float, std: float) -> np.ndarray:
    """The quantiles of N(mean, std^2) at the levels (i - 1/2)/n, i = 1..n: the
    configuration of n particles that represents that Gaussian."""
    n = _args.integer(n, "n", 1, _core.PARTICLES_MAX_N)
    mean, std = _args.real(mean, "mean"), _args.real(std, "std")
    _n_check(n)
    x = np.empty(n)
    check(_core.particles_quantiles(n, mean, std, x), "bw_particles_quantiles",
          {"BW_ERR_NONFINITE": "mean or std", "BW_ERR_BAD_ARG": "std"})
    return x


def particles_w2(x: ArrayLike, y: ArrayLike) -> float:
    """The W2 distance |x - y| / sqrt(N) between two ordered configurations of the same N
    (exact for the particle measures)."""
    xa = _args.vector(x, "x")
    ya = _args.vector(y, "y", xa.shape[0], " (x has length %d)" % xa.shape[0])
    st, w2, _ = _core.particles_pair("w2", xa, ya)
    check(st, "bw_particles_w2", lambda s: "x" if not np.all(np.isfinite(xa)) else "y")
    return w2


def particles_moments(x: ArrayLike) -> Tuple[float, float]:
    """(mean, variance) of the particle measure (1/N) sum_i delta_{x_i}."""
    xa = _args.vector(x, "x")
    st, mean, var = _core.particles_pair("moments", xa, None)
    check(st, "bw_particles_moments", "x")
    return mean, var


class Particles:
    """A particle problem: N particles of mass 1/N on the line, the potential
    V(x) = V[0] + V[1] x + ... + V[K] x^K (K even >= 2, V[K] > 0, so that V confines) and
    the entropy weight tau > 0: F(x) = sum_i V(x_i) - tau sum_i log(N (x_{i+1} - x_i)),
    J_N = F/N. Immutable; may be shared by threads."""

    def __init__(self, n: int, V: ArrayLike, tau: float = 1.0):
        n = _args.integer(n, "n", 2, _core.PARTICLES_MAX_N)
        c = _args.vector(V, "V")
        tau = _args.real(tau, "tau")
        st, self._h = _core.particles(n, c, tau)
        check(st, "bw_particles_create", {"BW_ERR_DIM": "n", "BW_ERR_BAD_ARG": "V", "BW_ERR_NONFINITE": "V",
                                          "BW_ERR_BAD_TAU": "tau", "BW_ERR_OVERFLOW": "V"})

    @classmethod
    def preset(cls, name: str, n: int = 0) -> Tuple["Particles", np.ndarray]:
        """A named problem and its initial configuration: ("quartic" V = x^4/4,
        "doublewell" V = x^4/4 - x^2/2, "gauss1d" V = x^2/2; tau = 1; n particles, 0 for
        20) -> (problem, x0), x0 the quantiles of N(1, 1/4)."""
        name = _args.text(name, "name")
        n = _args.integer(n, "n", 0, _core.PARTICLES_MAX_N)
        if n == 1:
            raise ValueError("n must be 0 (the preset's 20 particles) or at least 2, got 1")
        (st, handle), mean, std = _core.particles_preset(name, n)
        check(st, "bw_particles_preset", {"BW_ERR_BAD_ARG": "name", "BW_ERR_DIM": "n"}, "name %r" % name)
        self = cls.__new__(cls)
        self._h = handle
        return self, particles_quantiles(self.n, mean, std)

    def __repr__(self) -> str:
        return "bwflow.Particles(n=%d, V=%s, tau=%r)" % (self.n, list(self.V), self.tau)

    @property
    def n(self) -> int:
        """The number of particles N."""
        return _core.particles_info(self._h)[0]

    @property
    def V(self) -> np.ndarray:
        """The potential's coefficients V[0], ..., V[K]."""
        return np.frombuffer(_core.particles_info(self._h)[1]).copy()

    @property
    def tau(self) -> float:
        """The entropy weight tau."""
        return _core.particles_info(self._h)[2]

    @property
    def vpp_min(self) -> float:
        """min over the line of V'': the JKO step exists for eta max(0, -vpp_min) < 1."""
        return _core.particles_info(self._h)[3]

    def _eval(self, what: str, x: Any, eta: float = 0.0, out1: Optional[np.ndarray] = None,
              out2: Optional[np.ndarray] = None) -> Tuple[float, float]:
        xa = _args.vector(x, "x", self.n, " (the problem has %d particles)" % self.n)
        st, a, b = _core.particles_eval(self._h, what, xa, eta, out1, out2)
        blame = positions_blame("x")
        blame["BW_ERR_BAD_ETA"] = "eta"
        check(st, "bw_particles_" + what, blame)
        return a, b

    def energy(self, x: ArrayLike) -> float:
        """The energy J_N(x) = F(x)/N."""
        return self._eval("energy", x)[0]

    def slope_sq(self, x: ArrayLike) -> float:
        """The squared slope |grad F(x)|^2 / N."""
        return self._eval("slope_sq", x)[0]

    def modified_energy(self, x: ArrayLike, eta: float) -> float:
        """The modified energy J_N - eta/4 |grad F|^2 / N (eta < 0: the forward Euler
        modified energy)."""
        return self._eval("modified_energy", x, _args.real(eta, "eta"))[0]

    def gradient(self, x: ArrayLike) -> np.ndarray:
        """grad F(x) (the gradient flow is x' = -grad F)."""
        g = np.empty(self.n)
        self._eval("gradient", x, out1=g)
        return g

    def hessian(self, x: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
        """The tridiagonal Hessian H = grad^2 F(x) as (diagonal, off-diagonal)."""
        d, e = np.empty(self.n), np.empty(self.n - 1)
        self._eval("hessian", x, out1=d, out2=e)
        return d, e

    def hessian_extremes(self, x: ArrayLike) -> Tuple[float, float]:
        """(lambda_min, lambda_max) of H(x); 2/lambda_max(H(x0)) is JKO-Flow's eta_max."""
        return self._eval("hessian_extremes", x)

    def density(self, x: ArrayLike) -> np.ndarray:
        """The density rho_{i+1/2} = 1/(N (x_{i+1} - x_i)) on the N - 1 cells between
        neighbours."""
        rho = np.empty(self.n - 1)
        self._eval("density", x, out1=rho)
        return rho


class ParticlesJKOPlan:
    """JKO steps of size eta for a :class:`Particles` problem: damped Newton on a
    tridiagonal system, converged to rounding. InvalidInputError BW_ERR_ETA_TOO_LARGE when
    eta max(0, -min V'') >= 1 (the step's objective is then not convex). Holds its own
    workspace: not to be used by two threads at once (RuntimeError)."""

    def __init__(self, particles: Particles, eta: float):
        self.particles = _args.instance(particles, Particles, "particles")
        eta = _args.real(eta, "eta")
        _n_check(particles.n)
        st, self._h, self._ws = _core.particles_jko_plan(particles._h, eta)
        check(st, "bw_particles_jko_plan_create", "eta", "eta = %r" % eta)
        self.eta = eta

    def step(self, x: ArrayLike, guess: Optional[ArrayLike] = None) -> Tuple[np.ndarray, int]:
        """One step from x (Newton started at guess when given, e.g. the extrapolation
        2 x_k - x_{k-1}; else at x): returns (x_new, Newton iterations)."""
        n = self.particles.n
        why = " (the problem has %d particles)" % n
        xa = _args.vector(x, "x", n, why)
        ga = _args.vector(guess, "guess", n, why) if guess is not None else None
        xs = np.empty(2 * n)
        st, _failed, iters = _core.particles_jko_run(self._h, self._ws, xa, 1, xs, ga)
        check(st, "bw_particles_jko_step", positions_blame("x"))
        return xs[n:], iters

    def run(self, x0: ArrayLike, n: int) -> np.ndarray:
        """n steps from x0, each Newton solve warm-started by extrapolation: the iterates
        0..n as an (n + 1, N) array."""
        n = _args.integer(n, "n", 1)
        N = self.particles.n
        _args.memory_check(8.0 * (n + 1) * N, "%d configurations of %d particles" % (n + 1, N))
        xa = _args.vector(x0, "x0", N, " (the problem has %d particles)" % N)
        xs = np.empty((n + 1) * N)
        st, failed, _iters = _core.particles_jko_run(self._h, self._ws, xa, n, xs, None)
        check(st, "bw_particles_jko_step", positions_blame("x0") if failed <= 1 else None,
              "step %d" % failed)
        return xs.reshape(n + 1, N)


def particles_forward_step(particles: Particles, eta: float, x: ArrayLike) -> np.ndarray:
    """One forward Euler step x - eta grad F(x). BwflowError BW_ERR_NOT_ORDERED when the
    step is too large for the order to survive."""
    particles = _args.instance(particles, Particles, "particles")
    eta = _args.real(eta, "eta")
    n = particles.n
    xa = _args.vector(x, "x", n, " (the problem has %d particles)" % n)
    out = np.empty(n)
    st = _core.particles_forward_step(particles._h, eta, xa, out)
    blame = {"BW_ERR_BAD_ETA": "eta", "BW_ERR_NONFINITE": "x"}
    if not np.all(np.diff(xa) > 0):
        blame["BW_ERR_NOT_ORDERED"] = "x"
    check(st, "bw_particles_forward_step", blame)
    return out


class ParticlesFlow:
    """A CVODE solver (BDF, band linear solver) of a particle flow: kind "jko" (JKO-Flow
    x' = -grad F + (eta/2) H grad F), "forward" (the forward Euler modified flow, -eta),
    "plain" (the gradient flow, eta ignored) or "jko2" (JKO-Flow of order 2, docs/math.md
    section 8; never ill-posed); jacobian "analytic" or "dq" (CVODE's banded difference
    quotients). JKO-Flow raises IllPosedError where eta lambda_max(H) reaches 2. Not to be
    used by two threads at once (RuntimeError)."""

    def __init__(self, particles: Particles, eta: float, kind: str = "jko", rtol: Optional[float] = None,
                 atol: Optional[float] = None, max_steps: Optional[int] = None, jacobian: str = "analytic"):
        self.particles = _args.instance(particles, Particles, "particles")
        self.kind = _args.choice(kind, "kind", list(FLOW_KINDS))
        jac = _JACOBIANS[_args.choice(jacobian, "jacobian", list(_JACOBIANS))]
        self.eta = _args.real(eta, "eta")
        _n_check(particles.n)
        opts = _args.flow_options(rtol, atol, "auto", "auto", max_steps)
        st, self._h = _core.particles_flow(particles._h, FLOW_KINDS[self.kind], self.eta, opts, jac)
        check(st, "bw_particles_flow_create", {"BW_ERR_BAD_ETA": "eta", "BW_ERR_BAD_ARG": "rtol, atol or max_steps"})
        self.stats: Dict[str, int] = {}

    def solve(self, x0: ArrayLike, times: Union[float, ArrayLike]) -> np.ndarray:
        """Positions at the given times (non-decreasing, >= 0) from x0 at time 0: an array
        (len(times), N) (one time: an array (1, N)). CVODE's counters in self.stats."""
        n = self.particles.n
        xa = _args.vector(x0, "x0", n, " (the problem has %d particles)" % n)
        ts, _scalar = _args.times(times)
        _args.memory_check(8.0 * ts.shape[0] * n, "%d configurations of %d particles" % (ts.shape[0], n))
        out = np.empty(ts.shape[0] * n)
        st, self.stats, detail = _core.particles_flow_solve(self._h, xa, ts, out)
        if st == _core.ERR_ILL_POSED:
            t, value, xf, mode = detail
            raise IllPosedError("bw_particles_flow_solve", t, value,
                                np.frombuffer(xf).copy() if xf is not None else None,
                                np.frombuffer(mode).copy() if mode is not None else None, self.eta)
        bad_start = st != _core.OK and _bad_start(xa)   # else particles met on the way
        check(st, "bw_particles_flow_solve",
              lambda s: "times" if s == "BW_ERR_BAD_ARG" else "x0" if bad_start else None, detail)
        return out.reshape(ts.shape[0], n)

    def rhs(self, x: ArrayLike) -> np.ndarray:
        """The flow's right-hand side f(x) (the function CVODE integrates)."""
        n = self.particles.n
        xa = _args.vector(x, "x", n, " (the problem has %d particles)" % n)
        f = np.empty(n)
        check(_core.particles_flow_eval(self._h, "rhs", xa, f), "bw_particles_flow_rhs", positions_blame("x"))
        return f

    def jacobian(self, x: ArrayLike) -> np.ndarray:
        """The analytic Jacobian df/dx at x as a dense (N, N) array (banded: bandwidth 1
        for the gradient flow, 2 for JKO-Flow, 3 for the order-2 flow, which is not
        symmetric)."""
        n = self.particles.n
        xa = _args.vector(x, "x", n, " (the problem has %d particles)" % n)
        J = np.empty(n * n)
        check(_core.particles_flow_eval(self._h, "jacobian", xa, J), "bw_particles_flow_jacobian",
              positions_blame("x"))
        return _args.from_column_major(J.reshape(n, n))


def _bad_start(x: np.ndarray) -> bool:
    return not (np.all(np.isfinite(x)) and np.all(np.diff(x) > 0))


def particles_flow(particles: Particles, x0: ArrayLike, times: Union[float, ArrayLike], eta: float,
                   kind: str = "jko", **options: Any) -> np.ndarray:
    """Integrate a particle flow from x0 to the given times: the same as
    ``ParticlesFlow(particles, eta, kind, **options).solve(x0, times)``."""
    return ParticlesFlow(particles, eta, kind, **options).solve(x0, times)
