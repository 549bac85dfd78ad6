"""Bures-Wasserstein geometry of Gaussians N(m, S), one pair or whole stacks at a time.

Every function takes means of shape (..., d) and covariances of shape (..., d, d), and
broadcasts them the numpy way: ``w2(m0, S0, ms, Ss)`` with one Gaussian (m0, S0) and a
stack (ms of shape (n, d), Ss of shape (n, d, d)) returns the n distances. A stack is
computed by one call of the library (bw_w2sq_stack and friends: one workspace, no Python
loop), with results equal to the single calls bit for bit. Inputs may be in any numpy
layout and are never written; results are new C-ordered float64 arrays (Python floats for
the distances of a single pair). docs/geometry.md has the formulas and their accuracy.
"""
from __future__ import annotations

import math

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _args, _core
from .errors import check, culprit

__all__ = ["w2sq", "w2", "ot_map", "geodesic", "log_map", "exp_map"]

Scalars = Union[float, np.ndarray]

# An argument: (name, value, item dimensions: 0 a number, 1 a vector, 2 a matrix, kind
# for the diagnosis of a failure).
_Arg = Tuple[str, Any, int, str]


class _Stacks:
    """The arguments of one call, checked and laid out for _core: d (from the first mean),
    the broadcast batch shape and its size n, and per argument the float64 buffer of one
    item or of n items.

    The matrices here (covariances, X) must be symmetric, so their C-ordered storage is
    handed over as it is (the library reads it column-major: the same matrix), without
    the transposed copy other modules make: that copy would cost as much as the W2 itself
    at d = 2. (A matrix symmetric only within the library's tolerance BW_SYM_RTOL is read
    by its upper triangle; a Fortran-ordered one is first copied to C order, so that the
    layout never changes a result.)"""

    def __init__(self, args: Sequence[_Arg]):
        arrays = []
        for name, value, nd, _kind in args:
            a = _args.array(value, name)
            if a.ndim < nd:
                raise ValueError("%s must have at least %d dimension%s, got shape %s"
                                 % (name, nd, "s" if nd > 1 else "", a.shape))
            arrays.append(a)
        first = args[0][0]
        self.d = d = arrays[0].shape[-1]
        if d < 1:
            raise ValueError("%s must have at least one entry, got shape %s" % (first, arrays[0].shape))
        for (name, _v, nd, _k), a in zip(args, arrays):
            item = (d,) * nd
            if a.shape[a.ndim - nd:] != item:
                raise ValueError("%s must have shape (..., %s) (%s has length %d), got %s"
                                 % (name, ", ".join(map(str, item)), first, d, a.shape))
        batches = [a.shape[:a.ndim - nd] for (_n, _v, nd, _k), a in zip(args, arrays)]
        try:
            self.batch = () if not any(batches) else np.broadcast_shapes(*batches)
        except ValueError:
            raise ValueError("the stacks do not broadcast: %s" % ", ".join(
                "%s %s" % (name, a.shape) for (name, _v, _nd, _k), a in zip(args, arrays))) from None
        self.n = math.prod(self.batch)
        self.arrays = arrays
        self.diag = [(name, a, kind) for (name, _v, _nd, kind), a in zip(args, arrays)]
        self.bufs = [self._buffer(a, nd) for (_n, _v, nd, _k), a in zip(args, arrays)]

    def _buffer(self, a: np.ndarray, nd: int) -> np.ndarray:
        item = a.shape[a.ndim - nd:]
        own = a.shape[:a.ndim - nd]
        if math.prod(own) == 1:
            a = a.reshape(item)                     # one item, broadcast by the library
        elif own != self.batch:
            a = np.broadcast_to(a, self.batch + item)
        return np.ascontiguousarray(a).reshape(-1)

    def out(self, *item: int) -> np.ndarray:
        return np.empty((self.n,) + item)

    def check(self, status: int, failed: int, where: str, also: Optional[Dict[str, str]] = None) -> None:
        """Raise for a failed stack: the item's index, the argument whose item explains
        the status (or the one `also` names for it)."""
        if status != _core.OK:
            index = tuple(int(i) for i in np.unravel_index(failed, self.batch)) if self.batch and failed >= 0 else None
            blame = culprit(self.diag, index)
            check(status, where, lambda s: (also or {}).get(s) or blame(s), index=index)

    def shaped(self, a: np.ndarray, *item: int) -> np.ndarray:
        return a.reshape(self.batch + item)


def _pair_args(m0: Any, S0: Any, m1: Any, S1: Any) -> List[_Arg]:
    return [("m0", m0, 1, "vector"), ("S0", S0, 2, "cov"), ("m1", m1, 1, "vector"), ("S1", S1, 2, "cov")]


def _distances(m0: Any, S0: Any, m1: Any, S1: Any, root: bool) -> Scalars:
    s = _Stacks(_pair_args(m0, S0, m1, S1))
    out = s.out()
    st, failed = _core.w2sq(s.d, s.n, *s.bufs, out, root)
    s.check(st, failed, "bw_w2_stack" if root else "bw_w2sq_stack")
    return float(out[0]) if not s.batch else s.shaped(out)


def w2sq(m0: ArrayLike, S0: ArrayLike, m1: ArrayLike, S1: ArrayLike) -> Scalars:
    """Squared 2-Wasserstein distance W2^2 between N(m0, S0) and N(m1, S1).

    W2^2 = |m0 - m1|^2 + tr(S0 + S1 - 2 (S0^1/2 S1 S0^1/2)^1/2), computed without the
    trace formula's cancellation: accurate also for nearby Gaussians, exactly 0 for
    identical ones. Means (..., d), covariances (..., d, d), symmetric positive definite,
    broadcast against each other. Returns a float for one pair, an array of the broadcast
    batch shape for stacks."""
    return _distances(m0, S0, m1, S1, False)


def w2(m0: ArrayLike, S0: ArrayLike, m1: ArrayLike, S1: ArrayLike) -> Scalars:
    """2-Wasserstein distance between N(m0, S0) and N(m1, S1) (the square root of
    :func:`w2sq`, with its broadcasting): a float for one pair, an array for stacks."""
    return _distances(m0, S0, m1, S1, True)


def ot_map(m0: ArrayLike, S0: ArrayLike, m1: ArrayLike, S1: ArrayLike) -> np.ndarray:
    """The optimal transport map x -> m1 + T (x - m0) from N(m0, S0) to N(m1, S1).

    Returns T = S0^-1/2 (S0^1/2 S1 S0^1/2)^1/2 S0^-1/2, symmetric positive definite with
    T S0 T = S1: shape (d, d) for one pair, (..., d, d) for stacks (broadcast as in
    :func:`w2sq`)."""
    s = _Stacks(_pair_args(m0, S0, m1, S1))
    T = s.out(s.d, s.d)
    s.check(*_core.ot_map(s.d, s.n, *s.bufs, T), "bw_ot_map_stack")
    return _args.from_column_major(s.shaped(T, s.d, s.d))


def geodesic(m0: ArrayLike, S0: ArrayLike, m1: ArrayLike, S1: ArrayLike,
             t: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """The McCann interpolant at time t in [0, 1] from N(m0, S0) to N(m1, S1).

    Returns (m_t, S_t) with m_t = (1 - t) m0 + t m1 and S_t = G S0 G, G = (1 - t) I + t T,
    T the optimal transport map: the constant-speed geodesic, W2(rho_s, rho_t) =
    |t - s| W2(rho_0, rho_1). t is a number or an array broadcast with the stacks' batch
    shape; results (..., d) and (..., d, d)."""
    s = _Stacks(_pair_args(m0, S0, m1, S1) + [("t", t, 0, "time")])
    mt, St = s.out(s.d), s.out(s.d, s.d)
    s.check(*_core.geodesic(s.d, s.n, *s.bufs, mt, St), "bw_geodesic_stack", {"BW_ERR_BAD_ARG": "t"})
    return s.shaped(mt, s.d), _args.from_column_major(s.shaped(St, s.d, s.d))


def log_map(m0: ArrayLike, S0: ArrayLike, m1: ArrayLike, S1: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """The Bures-Wasserstein logarithm of N(m1, S1) at N(m0, S0).

    Returns the tangent vector (v, X): v = m1 - m0 and X = T - I (symmetric, computed
    without forming T, so accurate for nearby Gaussians), the initial velocity
    x -> v + X (x - m0) of the geodesic to N(m1, S1). :func:`exp_map` inverts it. Shapes
    (..., d) and (..., d, d), broadcast as in :func:`w2sq`."""
    s = _Stacks(_pair_args(m0, S0, m1, S1))
    v, X = s.out(s.d), s.out(s.d, s.d)
    s.check(*_core.log_map(s.d, s.n, *s.bufs, v, X), "bw_log_map_stack")
    return s.shaped(v, s.d), _args.from_column_major(s.shaped(X, s.d, s.d))


def exp_map(m0: ArrayLike, S0: ArrayLike, v: ArrayLike, X: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """The Bures-Wasserstein exponential at N(m0, S0) of the tangent vector (v, X).

    Returns N(m0 + v, (I + X) S0 (I + X)) as (m1, S1). X must be symmetric with I + X
    positive definite (the domain on which it inverts :func:`log_map`). Means and v
    (..., d), S0 and X (..., d, d), broadcast against each other."""
    s = _Stacks([("m0", m0, 1, "vector"), ("S0", S0, 2, "cov"), ("v", v, 1, "vector"),
                 ("X", X, 2, "tangent")])
    m1, S1 = s.out(s.d), s.out(s.d, s.d)
    s.check(*_core.exp_map(s.d, s.n, *s.bufs, m1, S1), "bw_exp_map_stack")
    return s.shaped(m1, s.d), _args.from_column_major(s.shaped(S1, s.d, s.d))
