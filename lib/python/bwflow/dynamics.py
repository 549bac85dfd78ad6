"""Dynamics of the Gaussian system: JKO steps (:class:`JKOPlan`), forward Euler steps,
the exact Wasserstein gradient flow (:func:`wgf`) and the flows integrated by CVODE
(:class:`JKOFlow`: JKO-Flow, the forward Euler modified flow, the plain flow and JKO-Flow
of order 2)."""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _args, _core
from .errors import CollapseError, check
from .gaussian import Gaussian, Problem, gaussian_blame, gaussian_in, gaussian_out, gaussian_result

__all__ = ["JKOPlan", "forward_step", "wgf", "JKOFlow", "jkoflow", "FLOW_KINDS"]

# The flows a solver integrates, by name (bw_flow_kind).
FLOW_KINDS: Dict[str, int] = {"jko": _core.FLOW_JKO, "forward": _core.FLOW_FORWARD,
                              "plain": _core.FLOW_PLAIN, "jko2": _core.FLOW_JKO2}

Gaussians = Union[Gaussian, Tuple[np.ndarray, np.ndarray]]


def _stack_result(ms: np.ndarray, Ss: np.ndarray, d: int) -> Tuple[np.ndarray, np.ndarray]:
    return ms.reshape(-1, d), _args.from_column_major(Ss.reshape(-1, d, d))


def flow_solve(solver: Any, core_solve: Any, where: str, m0: ArrayLike, S0: ArrayLike,
               times: Union[float, ArrayLike]) -> Gaussians:
    """The solve of a CVODE-backed Gaussian flow (JKOFlow, RidgeFlow): the arguments checked,
    core_solve(handle, m, S, times, ms, Ss) called, solver.stats set, a collapse raised as
    CollapseError and any other failure as the error naming its argument."""
    ts, scalar = _args.times(times)
    d = solver.dim
    mv, Sc = gaussian_in(m0, S0, d, "m0", "S0", "the solver")
    _args.memory_check(8.0 * ts.shape[0] * d * (d + 1), "%d states of dimension %d" % (ts.shape[0], d))
    ms, Ss = np.empty(ts.shape[0] * d), np.empty(ts.shape[0] * d * d)
    st, solver.stats, detail = core_solve(solver._h, mv, Sc, ts, ms, Ss)
    if st == _core.ERR_COLLAPSE:
        tc, direction = detail
        raise CollapseError(where, tc if direction is not None else None,
                            np.frombuffer(direction).copy() if direction is not None else None, solver.eta)
    blame = gaussian_blame(mv, Sc, "m0", "S0")
    check(st, where, lambda s: "times" if s == "BW_ERR_BAD_ARG" else blame(s), detail)
    ms, Ss = _stack_result(ms, Ss, d)
    return (ms[0], Ss[0]) if scalar else (ms, Ss)


class JKOPlan:
    """JKO steps of size eta for a problem: :meth:`step` is one closed-form step
    argmin_rho J(rho) + W2^2(rho, N(m, S)) / (2 eta). Planned once (an
    InvalidInputError BW_ERR_ETA_TOO_LARGE when I + eta P or I + eta A is not positive
    definite: the step of a non-convex energy must be small enough); immutable, may be
    shared by threads."""

    def __init__(self, problem: Problem, eta: float):
        problem = _args.instance(problem, Problem, "problem")
        eta = _args.real(eta, "eta")
        st, self._h = _core.jko_plan(problem._h, eta)
        check(st, "bw_jko_plan_create", "eta", "eta = %r" % eta)
        self.problem = problem

    @property
    def eta(self) -> float:
        """The step size."""
        return _core.jko_plan_info(self._h)[1]

    @property
    def dim(self) -> int:
        """The dimension d."""
        return _core.jko_plan_info(self._h)[0]

    def step(self, m: ArrayLike, S: ArrayLike, n: int = 1) -> Gaussian:
        """n JKO steps from N(m, S) (default one): returns the last iterate (m_n, S_n).
        n > 1 stays in P's eigenbasis between steps (about one eigendecomposition per
        step); :meth:`run` returns every iterate."""
        n = _args.integer(n, "n", 1)
        d = self.dim
        mv, Sc = gaussian_in(m, S, d, owner="the plan")
        mo, So = gaussian_out(d)
        st, _failed = _core.jko_run(self._h, n, mv, Sc, mo, So, False)
        check(st, "bw_jko_steps" if n > 1 else "bw_jko_step", gaussian_blame(mv, Sc), "n = %d" % n)
        return gaussian_result(mo, So)

    def run(self, m: ArrayLike, S: ArrayLike, n: int) -> Tuple[np.ndarray, np.ndarray]:
        """n steps from N(m, S): the iterates 0..n as (means (n + 1, d), covariances
        (n + 1, d, d)), iterate 0 being N(m, S)."""
        n = _args.integer(n, "n", 1)
        d = self.dim
        _args.memory_check(16.0 * (n + 1) * d * (d + 1), "%d iterates of dimension %d" % (n + 1, d))
        mv, Sc = gaussian_in(m, S, d, owner="the plan")
        ms, Ss = np.empty((n + 1) * d), np.empty((n + 1) * d * d)
        st, failed = _core.jko_run(self._h, n, mv, Sc, ms, Ss, True)
        check(st, "bw_jko_step", gaussian_blame(mv, Sc) if failed <= 1 else None, "step %d" % failed)
        return _stack_result(ms, Ss, d)


def forward_step(problem: Problem, eta: float, m: ArrayLike, S: ArrayLike) -> Gaussian:
    """One explicit (forward Euler) step of size eta from N(m, S): the push-forward by
    x -> x - eta v(x), v the gradient flow's velocity. Returns (m', S'); BwflowError
    BW_ERR_LOST_SPD when the step is too large for the covariance to stay positive
    definite."""
    problem = _args.instance(problem, Problem, "problem")
    eta = _args.real(eta, "eta")
    d = problem.dim
    mv, Sc = gaussian_in(m, S, d)
    mo, So = gaussian_out(d)
    blame = gaussian_blame(mv, Sc)
    check(_core.forward_step(problem._h, eta, mv, Sc, mo, So), "bw_forward_step",
          lambda s: "eta" if s == "BW_ERR_BAD_ETA" else blame(s))
    return gaussian_result(mo, So)


def wgf(problem: Problem, m0: ArrayLike, S0: ArrayLike, t: Union[float, ArrayLike]) -> Gaussians:
    """The exact Wasserstein gradient flow of the problem's energy from N(m0, S0), in
    closed form: at one time t >= 0 returns (m, S); at a sequence of times, (means (n, d),
    covariances (n, d, d))."""
    problem = _args.instance(problem, Problem, "problem")
    ts, scalar = _args.times(t, "t")
    d = problem.dim
    mv, Sc = gaussian_in(m0, S0, d, "m0", "S0")
    ms, Ss = np.empty(ts.shape[0] * d), np.empty(ts.shape[0] * d * d)
    st, failed = _core.wgf(problem._h, mv, Sc, ts, ms, Ss)
    blame = gaussian_blame(mv, Sc, "m0", "S0")
    check(st, "bw_wgf", lambda s: "t" if s == "BW_ERR_BAD_ARG" else blame(s),
          "t = %r" % ts[failed] if failed >= 0 else "")
    ms, Ss = _stack_result(ms, Ss, d)
    return (ms[0], Ss[0]) if scalar else (ms, Ss)


class JKOFlow:
    """A CVODE solver of a flow of the Gaussian system, created once and solved from many
    initial Gaussians.

    kind: "jko" (JKO-Flow, the Wasserstein gradient flow of J - eta/4 |grad J|^2, which
    the JKO iterates follow to O(eta^2); a variance may collapse to 0 in finite time:
    CollapseError), "forward" (the forward Euler modified flow, J + eta/4 |grad J|^2),
    "plain" (the gradient flow of J itself, eta ignored), "jko2" (JKO-Flow of order 2, the
    flow the iterates follow to O(eta^3); it does not collapse). Options: rtol and atol
    (None: the library's 1e-12 and 1e-14), linsol "auto" | "dense" | "krylov", method
    "auto" | "bdf" | "adams", max_steps (CVODE's steps per output time). A solver is not to
    be used by two threads at once (RuntimeError)."""

    def __init__(self, problem: Problem, eta: float, kind: str = "jko", rtol: Optional[float] = None,
                 atol: Optional[float] = None, linsol: str = "auto", max_steps: Optional[int] = None,
                 method: str = "auto"):
        problem = _args.instance(problem, Problem, "problem")
        kind = _args.choice(kind, "kind", list(FLOW_KINDS))
        eta = _args.real(eta, "eta")
        opts = _args.flow_options(rtol, atol, linsol, method, max_steps)
        st, self._h = _core.jkoflow(problem._h, FLOW_KINDS[kind], eta, opts)
        check(st, "bw_jkoflow_create", {"BW_ERR_BAD_ETA": "eta", "BW_ERR_BAD_ARG": "rtol, atol or max_steps"})
        self.eta, self.kind = eta, kind
        self.stats: Dict[str, int] = {}

    @property
    def dim(self) -> int:
        """The dimension d."""
        return _core.jkoflow_info(self._h)[0]

    @property
    def linsol(self) -> str:
        """The linear solver in use ("dense" or "krylov"; "auto" resolved)."""
        return _args.linsol_name(_core.jkoflow_info(self._h)[1])

    def solve(self, m0: ArrayLike, S0: ArrayLike, times: Union[float, ArrayLike]) -> Gaussians:
        """Integrate from N(m0, S0) at time 0. One time gives (m, S); a non-decreasing
        sequence of times gives (means (n, d), covariances (n, d, d)). Raises
        CollapseError (with .time and .direction) when a variance collapses before the
        last time. self.stats holds CVODE's counters of this solve."""
        return flow_solve(self, _core.jkoflow_solve, "bw_jkoflow_solve", m0, S0, times)

    def rhs(self, m: ArrayLike, S: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
        """The flow's time derivative at N(m, S), (dm/dt, dS/dt): the right-hand side the
        solver integrates."""
        d = self.dim
        mv, Sc = gaussian_in(m, S, d, owner="the solver")
        dm, dS = gaussian_out(d)
        check(_core.jkoflow_rhs(self._h, mv, Sc, dm, dS), "bw_jkoflow_rhs", gaussian_blame(mv, Sc))
        return gaussian_result(dm, dS)


def jkoflow(problem: Problem, m0: ArrayLike, S0: ArrayLike, times: Union[float, ArrayLike],
            eta: float, kind: str = "jko", **options: Any) -> Gaussians:
    """Integrate a flow of the problem from N(m0, S0) to the given time(s): the same as
    ``JKOFlow(problem, eta, kind, **options).solve(m0, S0, times)`` (kind "jko" by
    default: JKO-Flow)."""
    return JKOFlow(problem, eta, kind, **options).solve(m0, S0, times)
