"""The convergence-order study of ``bwflow order``, on any system: for each step size
eta, the largest W2 distance over the T/eta steps between the JKO (forward Euler)
iterates and the exact flow, JKO-Flow, its forward counterpart and JKO-Flow of order 2
(the errors the library enumerates), then least-squares slopes, asymptotic orders and
leading constants (docs/order-study.md). Step sizes run in parallel threads (``jobs``),
with a ``progress`` callback.
"""
from __future__ import annotations

import math
import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _args, _core
from .errors import check
from .gaussian import Problem
from .particles import Particles
from .ridge import RidgeProblem
from .systems import System

__all__ = ["study", "order", "particles_order", "loglog_slope", "ORDER_ERRORS"]

# The study's errors, in the library's order: (name, nominal order, iterates, reference).
ORDER_ERRORS = tuple(_core.order_errors())
_KIND_INDEX = {name: k for k, (name, _discrete) in enumerate(_core.traj_kinds())}

Progress = Callable[[int, int], Any]


def loglog_slope(x: ArrayLike, y: ArrayLike) -> float:
    """The least-squares slope of log(y) against log(x) over the points where both are
    finite and positive (at least two, with two different x; else InvalidInputError
    BW_ERR_BAD_ARG)."""
    xa = _args.vector(x, "x")
    ya = _args.vector(y, "y", xa.shape[0], " (x has length %d)" % xa.shape[0])
    st, slope = _core.loglog_slope(xa, ya)
    check(st, "bw_loglog_slope", {"BW_ERR_BAD_ARG": "x and y"})
    return slope


def _none(v: float) -> Optional[float]:
    return v if math.isfinite(v) else None


def _etas(etas: Any) -> List[float]:
    if isinstance(etas, (str, bytes)) or not hasattr(etas, "__len__"):
        raise TypeError("etas must be a sequence of step sizes, not %s" % type(etas).__name__)
    out: List[float] = []
    for i, e in enumerate(etas):
        v = _args.real(e, "etas[%d]" % i)
        if not (v > 0 and math.isfinite(v)):
            raise ValueError("etas[%d] must be a positive finite step size, got %r" % (i, v))
        if v in out:
            raise ValueError("etas[%d]: %r is listed twice" % (i, v))
        out.append(v)
    if len(out) < 2:
        raise ValueError("etas: give at least two step sizes for a slope, got %d" % len(out))
    return out


def _jobs(jobs: Any, n: int) -> int:
    if jobs is None:
        try:
            jobs = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            jobs = os.cpu_count() or 1
        return max(1, min(jobs, n))
    return min(_args.integer(jobs, "jobs", 1, 1024), n)


def _points(system: System, T: float, etas: List[float], masks: List[int], opts: Any, jobs: int,
            progress: Optional[Progress]) -> List[Any]:
    """The points (dict, bytes) of each eta with its errors masks[i], computed by `jobs`
    threads (the smallest eta, the longest, first); progress(done, total) in steps over all
    step sizes, called from this thread at most ten times a second and once at the end."""
    counters = np.zeros((len(etas), 1))

    def point(i: int, counter: Optional[np.ndarray]) -> Any:
        st, pt, raw = _core.order_point(system._h, T, etas[i], masks[i] | _core.ORDER_RESOLUTION, opts, counter)
        check(st, "bw_order_point_compute", {"BW_ERR_BAD_ARG": "etas[%d]" % i, "BW_ERR_BAD_ETA": "etas[%d]" % i},
              "eta = %r, T = %r" % (etas[i], T))
        return pt, raw

    if jobs == 1 and progress is None:
        return [point(i, None) for i in range(len(etas))]
    steps = [max(1, round(T / e)) for e in etas]
    total = sum(steps)
    result: List[Any] = [None] * len(etas)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures: Dict[Future, int] = {pool.submit(point, i, counters[i]): i
                                      for i in sorted(range(len(etas)), key=lambda i: etas[i])}
        pending, shown, last = set(futures), -1, 0.0
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for f in finished:
                    result[futures[f]] = f.result()      # raises the point's error
                if progress is not None and (time.monotonic() - last >= 0.1 or not pending):
                    done = sum(steps[i] if result[i] is not None else min(int(counters[i, 0]), steps[i])
                               for i in range(len(etas)))
                    if done != shown:
                        progress(done, total)
                        shown, last = done, time.monotonic()
        except BaseException:
            for f in pending:
                f.cancel()
            raise
    return result


def study(system: System, T: Optional[float] = None, etas: Optional[Sequence[float]] = None,
          rtol: Optional[float] = None, atol: Optional[float] = None, linsol: str = "auto",
          jobs: Optional[int] = None, progress: Optional[Progress] = None) -> Dict[str, Any]:
    """The convergence-order study of ``bwflow order`` on a :class:`System`.

    T and etas default, as in the command, to the horizon and the ladder of step sizes
    chosen from the system; given etas must be at least two different positive step sizes
    that divide T. rtol, atol and linsol are the integrated flows' CVODE options. jobs:
    threads computing step sizes in parallel (default: the usable CPUs; the numbers do not
    depend on it). progress: called as progress(steps_done, steps_total) over all step
    sizes, from the calling thread, about ten times a second at most and once at the end.

    Returns a dict with the keys of ``bwflow order --json``: "t", "etas", "steps", "status"
    (per eta: "ok" or the first failure, e.g. "collapse"), "fail_time", then per error
    NAME of :data:`ORDER_ERRORS` "err_NAME" (None where it failed), "res_NAME" (its
    resolution: errors below 20 times it are left out of the fits), "slope_NAME" (least
    squares), "order_NAME" (asymptotic), "cP_NAME" (leading constant, P the nominal
    order), None when undefined; "unavailable" (the errors the system does not provide,
    e.g. fb_wgf for particles, each with the reason: their values are None, they are in no
    ladder and are not a failure); "eta_max", "eta_safe", "eta_bound"; "rtol" and "atol", the
    flows' tolerances (when not given: the defaults', tightened where the ladders need it);
    and "ladders", per error NAME the step sizes that computed it ("etas") and how they were
    chosen ("top", "bound", "constant", "floor", "skipped": None, "resolution", "steps" or
    "n/a", "size_max"; docs/order-study.md). Default step sizes compute only the errors of
    their ladders (None elsewhere). A step size whose trajectory fails (a collapse, an
    ill-posed flow) is a row with its status, not an exception."""
    system = _args.instance(system, System, "system")
    T = None if T is None else _args.real(T, "T")
    if T is not None and not (T > 0 and math.isfinite(T)):
        raise ValueError("T must be a positive finite horizon, got %r" % T)
    etas = None if etas is None else _etas(etas)
    if progress is not None and not callable(progress):
        raise TypeError("progress must be callable, not %s" % type(progress).__name__)
    opts = _args.flow_options(rtol, atol, linsol)
    st, defaults = _core.order_defaults(system._h, T or 0.0)
    if st and (T is None or etas is None):
        check(st, "bw_order_defaults_compute")
    T = T if T is not None else defaults["t"]
    na = 0  # the errors the system does not provide: n/a, never computed
    for k, (_name, _p, it, ref) in enumerate(ORDER_ERRORS):
        if not all(_core.system_provides(system._h, _KIND_INDEX[x]) for x in (it, ref)):
            na |= 1 << k
    masks = [_core.ORDER_MASK_ALL] * len(etas) if etas is not None else defaults["masks"]
    masks = [m & ~na for m in masks]
    etas = etas if etas is not None else defaults["etas"]
    if defaults is not None and rtol is None and atol is None:  # tightened for the ladders
        opts = (defaults["rtol"], defaults["atol"]) + tuple(opts[2:])
    pts = _points(system, T, etas, masks, opts, _jobs(jobs, len(etas)), progress)
    st, fit = _core.order_fit([raw for _pt, raw in pts])
    check(st, "bw_order_fit_compute")
    res: Dict[str, Any] = {"t": T, "etas": list(etas), "steps": [pt["steps"] for pt, _ in pts],
                           "status": [], "fail_time": []}
    for pt, _raw in pts:  # the first failure (an error the system does not provide is n/a, not one)
        first = next((k for k, s in enumerate(pt["status"]) if s and s != _core.ERR_NOT_PROVIDED), None)
        res["status"].append(_core.status_word(pt["status"][first] if first is not None else 0))
        res["fail_time"].append(_none(pt["fail_time"][first]) if first is not None else None)
    for key, values in (("err_", "err"), ("res_", "resolution")):
        for k, (name, _p, _it, _ref) in enumerate(ORDER_ERRORS):
            res[key + name] = [_none(pt[values][k]) for pt, _ in pts]
    for key in ("slope", "order"):
        for k, (name, _p, _it, _ref) in enumerate(ORDER_ERRORS):
            res["%s_%s" % (key, name)] = _none(fit[key][k])
    for k, (name, p, _it, _ref) in enumerate(ORDER_ERRORS):
        res["c%d_%s" % (p, name)] = _none(fit["constant"][k])
    res["unavailable"] = {}
    for name, _p, it, ref in ORDER_ERRORS:
        missing = [k for k in (it, ref) if not _core.system_provides(system._h, _KIND_INDEX[k])]
        if missing:
            res["unavailable"][name] = "the %s system does not provide %s" % (system.name, missing[0])
    ok = defaults is not None
    res["eta_max"] = _none(defaults["eta_max"]) if ok else None
    res["eta_safe"] = _none(defaults["eta_safe"]) if ok else None
    res["eta_bound"] = _core.eta_bound_name(defaults["bound"]) if ok else "horizon"
    res["rtol"], res["atol"] = opts[0], opts[1]
    res["ladders"] = {}
    for k, (name, _p, _it, _ref) in enumerate(ORDER_ERRORS):
        lad = defaults["ladders"][k] if ok else None
        res["ladders"][name] = {
            "etas": [e for e, m in zip(etas, masks) if m >> k & 1],
            "top": _none(lad["top"]) if ok else None,
            "bound": _core.eta_bound_name(lad["bound"] if ok else 0),
            "constant": _none(lad["constant"]) if ok else None,
            "floor": _none(lad["floor"]) if ok else None,
            "skipped": "n/a" if na >> k & 1 else (None, "resolution", "steps", None)[lad["skipped"]] if ok else None,
            "size_max": _none(lad["size_max"]) if ok else None}
    return res


def order(problem: Union[Problem, RidgeProblem], m0: ArrayLike, S0: ArrayLike, T: Optional[float] = None,
          etas: Optional[Sequence[float]] = None, rtol: Optional[float] = None,
          atol: Optional[float] = None, linsol: str = "auto", jobs: Optional[int] = None,
          progress: Optional[Progress] = None) -> Dict[str, Any]:
    """The convergence-order study of ``bwflow order`` on a Gaussian problem or a ridge
    problem (Gaussian VI) from N(m0, S0): :func:`study` on ``System.gaussian(problem, m0,
    S0)`` or ``System.ridge(problem, m0, S0)`` (see there for the arguments and the dict
    returned). A collapsing step size is a row with status "collapse", not an exception."""
    if isinstance(problem, RidgeProblem):
        return study(System.ridge(problem, m0, S0), T, etas, rtol, atol, linsol, jobs, progress)
    return study(System.gaussian(problem, m0, S0), T, etas, rtol, atol, linsol, jobs, progress)


def particles_order(particles: Particles, x0: ArrayLike, T: Optional[float] = None,
                    etas: Optional[Sequence[float]] = None, rtol: Optional[float] = None,
                    atol: Optional[float] = None, jobs: Optional[int] = None,
                    progress: Optional[Progress] = None) -> Dict[str, Any]:
    """The convergence-order study of ``bwflow order`` on a particle problem from x0:
    :func:`study` on ``System.particles(particles, x0)``. "eta_max" is 2/lambda_max(H(x0));
    a step size beyond JKO-Flow's well-posed range is a row with status "ill-posed"."""
    return study(System.particles(particles, x0), T, etas, rtol, atol, "auto", jobs, progress)
