"""Exceptions of the bwflow package, and the library's status codes.

Every library call returns a status (include/bwflow/common.h); any status but BW_OK
becomes a :class:`BwflowError` naming the library function, the argument at fault when
one is, the status and its message. Statuses caused by the input (a dimension, a value
out of its domain, a covariance that is not positive definite, ...) raise
:class:`InvalidInputError`, which is also a ``ValueError``; running out of memory raises
:class:`BwflowMemoryError`, also a ``MemoryError``. A JKO-Flow collapse and an ill-posed
particle flow have their own classes with what is known about the event.
"""
from __future__ import annotations

import operator
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

__all__ = ["BwflowError", "InvalidInputError", "BwflowMemoryError", "CollapseError",
           "IllPosedError", "status_name", "strerror"]

_STATUSES: Tuple[Tuple[str, str], ...] = _core.statuses()
_CODE = {name: code for code, (name, _msg) in enumerate(_STATUSES)}

# Statuses that always mean the input was wrong.
_INPUT = {"BW_ERR_NULL", "BW_ERR_DIM", "BW_ERR_DIM_MISMATCH", "BW_ERR_NONFINITE",
          "BW_ERR_NOT_SYMMETRIC", "BW_ERR_NOT_SPD", "BW_ERR_BAD_ETA", "BW_ERR_BAD_TAU",
          "BW_ERR_BAD_ARG", "BW_ERR_ETA_TOO_LARGE"}


def _code(code: int) -> int:
    if isinstance(code, (bool, np.bool_)):
        raise TypeError("a status code must be an integer, not bool")
    return operator.index(code)


def status_name(code: int) -> str:
    """The name of a library status code, e.g. ``status_name(6) == "BW_ERR_NOT_SPD"``
    ("BW_UNKNOWN_STATUS" for a code the library does not have)."""
    code = _code(code)
    return _STATUSES[code][0] if 0 <= code < len(_STATUSES) else "BW_UNKNOWN_STATUS"


def strerror(code: int) -> str:
    """The one-sentence message of a library status code ("unknown status" for a code the
    library does not have)."""
    code = _code(code)
    return _STATUSES[code][1] if 0 <= code < len(_STATUSES) else "unknown status"


class BwflowError(Exception):
    """A library call failed.

    Attributes: ``status`` (the code), ``name`` (e.g. "BW_ERR_NOT_SPD"), ``message`` (the
    library's sentence for it), ``where`` (the library function), ``argument`` (the
    argument at fault, e.g. "S1", or None), ``index`` (for a stack: the item that failed,
    a tuple, or None), ``detail`` (more text, e.g. CVODE's message, or "")."""

    def __init__(self, status: int, where: str = "", detail: str = "",
                 argument: Optional[str] = None, index: Optional[Tuple[int, ...]] = None):
        self.status = int(status)
        self.name = status_name(status)
        self.message = strerror(status)
        self.where, self.detail, self.argument, self.index = where, detail, argument, index
        parts = [where] if where else []
        if argument:
            parts.append(argument + ("[%s]" % ", ".join(map(str, index)) if index else ""))
        elif index:
            parts.append("item [%s]" % ", ".join(map(str, index)))
        parts.append("%s: %s" % (self.name, self.message))
        text = ": ".join(parts)
        if detail:
            text += " (%s)" % detail
        super().__init__(text)


class InvalidInputError(BwflowError, ValueError):
    """A library call refused its input (a ``BwflowError`` and a ``ValueError``): a
    dimension, a value out of its domain, a matrix that is not symmetric or not positive
    definite, a step size too large for the problem, ... ``argument`` names it when the
    binding can tell which."""


class BwflowMemoryError(BwflowError, MemoryError):
    """The library could not allocate memory (BW_ERR_NOMEM; also a ``MemoryError``)."""


class CollapseError(BwflowError):
    """JKO-Flow collapses: a variance reaches 0 in finite time (BW_ERR_COLLAPSE).

    ``time``: the collapse time; ``direction``: the unit eigenvector (largest-magnitude
    entry positive) of the collapsing variance; both None when unknown. ``eta``: the step
    size of the modified flow."""

    def __init__(self, where: str, time: Optional[float] = None,
                 direction: Optional[np.ndarray] = None, eta: Optional[float] = None):
        detail = []
        if eta is not None:
            detail.append("eta = %r" % eta)
        if time is not None:
            detail.append("t = %r" % time)
        if direction is not None:
            detail.append("direction %s" % np.array2string(direction, precision=6))
        super().__init__(_CODE["BW_ERR_COLLAPSE"], where, ", ".join(detail))
        self.time, self.direction, self.eta = time, direction, eta


class IllPosedError(BwflowError):
    """A particle JKO-Flow turns ill-posed (BW_ERR_ILL_POSED): eta lambda_max(H) reaches 2
    and the flow no longer damps H's top eigenmode (docs/particles.md).

    ``time``: the first time with eta lambda_max = 2 (0 when ill-posed from the start);
    ``eta_lambda_max``: eta lambda_max(H) there; ``positions``: the configuration then;
    ``mode``: the unit eigenvector of lambda_max (largest-magnitude entry positive);
    ``eta``: the step size."""

    def __init__(self, where: str, time: float, value: float,
                 positions: Optional[np.ndarray], mode: Optional[np.ndarray], eta: float):
        super().__init__(_CODE["BW_ERR_ILL_POSED"], where,
                         "eta = %r, t = %r, eta lambda_max = %.6g" % (eta, time, value))
        self.time, self.eta_lambda_max = time, value
        self.positions, self.mode, self.eta = positions, mode, eta


# A way to name the argument at fault: a name, a {status name: argument} map, or a
# function of the status name (returning None when it cannot tell).
Blame = Union[None, str, Dict[str, str], Callable[[str], Optional[str]]]


def error(status: int, where: str, blame: Blame = None, detail: str = "",
          index: Optional[Tuple[int, ...]] = None) -> BwflowError:
    """The exception for a failed call (not raised)."""
    name = status_name(status)
    if callable(blame):
        argument = blame(name)
    elif isinstance(blame, dict):
        argument = blame.get(name)
    else:
        argument = blame
    if name == "BW_ERR_NOMEM":
        cls = BwflowMemoryError
    elif name in _INPUT or argument is not None:
        cls = InvalidInputError
    else:
        cls = BwflowError
    return cls(status, where, detail, argument, index)


def check(status: int, where: str, blame: Blame = None, detail: str = "",
          index: Optional[Tuple[int, ...]] = None) -> None:
    """Raise the exception of a failed call; nothing for BW_OK."""
    if status != _core.OK:
        raise error(status, where, blame, detail, index)


# --------------------------------------------------------------------------- diagnosis

def _asym(a: np.ndarray) -> bool:
    scale = np.max(np.abs(a)) if a.size else 0.0
    return bool(np.max(np.abs(a - a.T)) > _core.SYM_RTOL * scale)


def _not_pd(a: np.ndarray) -> bool:
    try:
        np.linalg.cholesky((a + a.T) / 2)
        return False
    except np.linalg.LinAlgError:
        return True


# What makes each kind of array fail each check: a mean ("vector"), a covariance
# ("cov": symmetric positive definite), a symmetric matrix ("sym"), a tangent matrix X
# with I + X positive definite ("tangent").
_TESTS = {
    "BW_ERR_NONFINITE": lambda kind, a: not np.all(np.isfinite(a)),
    "BW_ERR_NOT_SYMMETRIC": lambda kind, a: kind != "vector" and _asym(a),
    "BW_ERR_NOT_SPD": lambda kind, a: (kind == "cov" and _not_pd(a)) or (
        kind == "tangent" and _not_pd(np.eye(a.shape[0]) + a)),
}


def culprit(args: Sequence[Tuple[str, np.ndarray, str]],
            index: Optional[Tuple[int, ...]] = None) -> Callable[[str], Optional[str]]:
    """A blame function that looks at the arguments (name, array, kind) for the first one
    whose entries explain the status; for stacks, at item ``index`` of each (arrays with
    fewer batch dimensions broadcast)."""

    def blame(status: str) -> Optional[str]:
        test = _TESTS.get(status)
        if test is None:
            return None
        for name, a, kind in args:
            item_ndim = 1 if kind == "vector" else 2
            if index is not None and a.ndim > item_ndim:
                batch = a.shape[:a.ndim - item_ndim]
                sub = tuple(i if s > 1 else 0 for i, s in zip(index[len(index) - len(batch):], batch))
                a = a[sub]
            try:
                if test(kind, a):
                    return name
            except (ValueError, np.linalg.LinAlgError):
                continue
        return None

    return blame
