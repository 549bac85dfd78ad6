"""Systems and trajectories, the same for every system: a :class:`System` is an energy
with an initial state (Gaussian, particles, Gaussian VI with ridges); a :class:`Trajectory` of it is one of
its discrete schemes or flows (the kinds in :data:`TRAJECTORY_KINDS`: "jko", "forward",
"wgf", "jkoflow", ...), advanced in time and compared with others by W2. The order study
(:func:`bwflow.study`) runs on systems too.

A new system plugs in with a constructor classmethod on :class:`System` (its compiled
part, system_NAME in lib/python/src/system.c) and nothing else: trajectories, fields and
the order study come with it.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _args, _core
from .errors import CollapseError, IllPosedError, check
from .gaussian import Problem, gaussian_blame, gaussian_in
from .particles import Particles, positions_blame
from .ridge import RidgeProblem

__all__ = ["System", "Trajectory", "TRAJECTORY_KINDS"]

_KINDS: Tuple[Tuple[str, bool], ...] = _core.traj_kinds()
# The trajectory kinds the library knows, by name (bw_traj_kind_name), in its order.
TRAJECTORY_KINDS: Tuple[str, ...] = tuple(name for name, _discrete in _KINDS)


class System:
    """An energy and an initial state, immutable: made by :meth:`gaussian`, :meth:`particles`
    or :meth:`ridge`. Attributes: ``name`` ("gaussian", "particles", "ridge"), ``size`` (the
    dimension d or the number of particles N), ``fields`` (the names of the scalar fields
    that summarise a state: mean, covariance entries or variance, J, Jeta, slope_sq)."""

    name: str
    size: int
    fields: Tuple[str, ...]

    def __init__(self) -> None:
        raise TypeError("make a System with System.gaussian(problem, m0, S0), "
                        "System.particles(particles, x0) or System.ridge(problem, m0, S0)")

    @classmethod
    def _wrap(cls, status: int, handle: Any, where: str, blame: Any) -> "System":
        check(status, where, blame)
        self = cls.__new__(cls)
        self._h = handle
        self.name, self.size, self.fields = _core.system_info(handle)
        return self

    @classmethod
    def gaussian(cls, problem: Problem, m0: ArrayLike, S0: ArrayLike) -> "System":
        """The Gaussian system: a :class:`Problem` and the initial Gaussian N(m0, S0)
        (both copied)."""
        problem = _args.instance(problem, Problem, "problem")
        m, S = gaussian_in(m0, S0, problem.dim, "m0", "S0")
        st, handle = _core.system_gaussian(problem._h, m, S)
        return cls._wrap(st, handle, "bw_system_gaussian_create", gaussian_blame(m, S, "m0", "S0"))

    @classmethod
    def particles(cls, particles: Particles, x0: ArrayLike) -> "System":
        """The particle system: a :class:`Particles` problem and the initial
        configuration x0 (N strictly increasing positions; both copied)."""
        particles = _args.instance(particles, Particles, "particles")
        n = particles.n
        x = _args.vector(x0, "x0", n, " (the problem has %d particles)" % n)
        st, handle = _core.system_particles(particles._h, x)
        return cls._wrap(st, handle, "bw_system_particles_create", positions_blame("x0"))

    @classmethod
    def ridge(cls, problem: RidgeProblem, m0: ArrayLike, S0: ArrayLike) -> "System":
        """The ridge system (Gaussian variational inference, docs/vi.md): a
        :class:`RidgeProblem` and the initial Gaussian N(m0, S0) (both copied; a Python ridge
        function is kept, not copied). It provides the kinds jko, forward, fb, wgf, jkoflow
        and forwardflow (not jkoflow2: the order study reports it n/a); its fields are the
        Gaussian system's."""
        problem = _args.instance(problem, RidgeProblem, "problem")
        m, S = gaussian_in(m0, S0, problem.dim, "m0", "S0")
        st, handle = _core.system_ridge(problem._h, m, S)
        blame = gaussian_blame(m, S, "m0", "S0")
        return cls._wrap(st, handle, "bw_system_ridge_create",
                         lambda s: "m0 and S0 (the energy there)" if s == "BW_ERR_OVERFLOW" else blame(s))

    def __repr__(self) -> str:
        return "bwflow.System(%s, size %d)" % (self.name, self.size)


class Trajectory:
    """One trajectory of a system from its initial state at time 0: kind one of
    :data:`TRAJECTORY_KINDS` ("jko", "forward" and "fb" iterates advance by whole steps of
    size eta; a kind the system does not provide, e.g. "fb" for particles, raises
    BW_ERR_NOT_PROVIDED; the flows, "wgf" (eta ignored), "jkoflow", "forwardflow", "jkoflow2", ..., are
    integrated: closed form where there is one, CVODE with the options rtol, atol, linsol,
    method and max_steps otherwise). t_stop > 0 is the last time it will be advanced to (a
    flow integrator then never steps past it). Mutable: one thread at a time."""

    def __init__(self, system: System, kind: str, eta: float = 0.0, rtol: Optional[float] = None,
                 atol: Optional[float] = None, linsol: str = "auto", method: str = "auto",
                 max_steps: Optional[int] = None, t_stop: float = 0.0):
        self.system = _args.instance(system, System, "system")
        self.kind = _args.choice(kind, "kind", TRAJECTORY_KINDS)
        self.eta = _args.real(eta, "eta")
        t_stop = _args.real(t_stop, "t_stop")
        opts = _args.flow_options(rtol, atol, linsol, method, max_steps)
        st, self._h = _core.traj(system._h, TRAJECTORY_KINDS.index(self.kind), self.eta, opts, t_stop)
        check(st, "bw_traj_create", {"BW_ERR_BAD_ETA": "eta", "BW_ERR_ETA_TOO_LARGE": "eta"},
              "%s, eta = %r" % (self.kind, self.eta))

    def advance(self, t: float) -> "Trajectory":
        """Advance to time t (>= the current time; for the iterates a whole number of steps
        away). A numerical failure raises CollapseError, IllPosedError or BwflowError with
        its time, and the trajectory stays at its last good state (every later advance
        raises the same). Returns the trajectory."""
        t = _args.real(t, "t")
        st = _core.traj_advance(self._h, t)
        if st == _core.OK:
            return self
        fst, ft, value, message, vector = _core.traj_failure(self._h)
        vec = np.frombuffer(vector).copy() if vector is not None else None
        where = "bw_traj_advance"
        if fst == _core.ERR_COLLAPSE:
            raise CollapseError(where, ft, vec, self.eta)
        if fst == _core.ERR_ILL_POSED:
            raise IllPosedError(where, ft, value, self.state if self.system.name == "particles" else None,
                                vec, self.eta)
        detail = ", ".join(x for x in (message, "t = %r" % ft if ft == ft else "") if x)
        check(st, where, {"BW_ERR_BAD_ARG": "t"}, detail)
        raise AssertionError("unreachable")  # pragma: no cover

    def _state(self) -> Tuple[float, int, str, Dict[str, int], Any]:
        return _core.traj_state(self._h)

    @property
    def time(self) -> float:
        """The time of the current state."""
        return self._state()[0]

    @property
    def steps(self) -> int:
        """The number of steps taken (0 for flows)."""
        return self._state()[1]

    @property
    def solver(self) -> Tuple[str, Dict[str, int]]:
        """What integrated a flow so far ("closed form", "adams", "bdf-dense", ...; "" for
        the iterates) and CVODE's counters."""
        _t, _k, name, stats, _s = self._state()
        return name, stats

    @property
    def state(self) -> Union[Tuple[np.ndarray, np.ndarray], np.ndarray, None]:
        """The current state: (m, S) for the Gaussian and ridge systems, the positions for
        particles."""
        state = self._state()[4]
        if state is None:
            return None
        if state[0] == "gaussian":
            m = np.frombuffer(state[1]).copy()
            d = m.shape[0]
            return m, _args.from_column_major(np.frombuffer(state[2]).reshape(d, d))
        return np.frombuffer(state[1]).copy()

    def fields(self, eta: Optional[float] = None) -> Dict[str, float]:
        """The system's named scalar fields of the current state, Jeta formed with eta
        (default: the trajectory's own step size)."""
        eta = self.eta if eta is None else _args.real(eta, "eta")
        out = np.empty(len(self.system.fields))
        check(_core.traj_fields(self._h, eta, out), "bw_traj_fields", {"BW_ERR_BAD_ETA": "eta"})
        return dict(zip(self.system.fields, out.tolist()))

    def distance(self, other: "Trajectory") -> float:
        """The W2 distance between the current states of two trajectories of the same
        system (of any kinds and step sizes)."""
        other = _args.instance(other, Trajectory, "other")
        st, w2 = _core.traj_distance(self._h, other._h)
        check(st, "bw_traj_distance", {"BW_ERR_DIM_MISMATCH": "other"})
        return w2

    def __repr__(self) -> str:
        return "bwflow.Trajectory(%s, eta=%r, t=%r)" % (self.kind, self.eta, self.time)
