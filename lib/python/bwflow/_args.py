"""Argument conversion for the bwflow package: every public function passes its arguments
through these before anything reaches the library, so that a wrong type is a TypeError, a
value the C type cannot hold an OverflowError, a wrong shape or range a ValueError, each
naming the argument; the library then judges the values themselves (its statuses become
exceptions, errors.py).

Decisions: bool is refused wherever a number is expected (``True`` as a dimension or a
step size is a bug, not a 1); integers must be integers (``2.9`` is refused, never
truncated); arrays must hold real numbers (bool, complex, strings and objects are
refused) and are converted to float64 copies, so any numpy layout is accepted and inputs
are never written.
"""
from __future__ import annotations

import math
import numbers
import operator
import os
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from . import _core

INT_MAX = 2 ** 31 - 1
LONG_MAX = 2 ** 63 - 1
UINT64_MAX = 2 ** 64 - 1


def _type_name(value: Any) -> str:
    return type(value).__name__


def integer(value: Any, name: str, lo: Optional[int] = None, hi: Optional[int] = None,
            c_max: int = INT_MAX, c_min: Optional[int] = None) -> int:
    """An integer in [lo, hi] (either bound may be None). TypeError for anything that is
    not an integer (bool included), OverflowError beyond the C type [c_min, c_max]
    (default int), ValueError outside [lo, hi]."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("%s must be an integer, not bool" % name)
    try:
        v = operator.index(value)
    except TypeError:
        extra = " (%r)" % value if isinstance(value, (float, np.floating)) else ""
        raise TypeError("%s must be an integer, not %s%s" % (name, _type_name(value), extra)) from None
    c_min = -c_max - 1 if c_min is None else c_min
    if not c_min <= v <= c_max:
        lo_ = c_min if lo is None else max(c_min, lo)
        hi_ = c_max if hi is None else min(c_max, hi)
        raise OverflowError("%s = %d is out of range: it must be in [%d, %d]" % (name, v, lo_, hi_))
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        if hi is None:
            want = ">= %d" % lo
        elif lo is None:
            want = "<= %d" % hi
        else:
            want = "in [%d, %d]" % (lo, hi)
        raise ValueError("%s must be %s, got %d" % (name, want, v))
    return v


def real(value: Any, name: str, finite: bool = False) -> float:
    """A real number as a float (ints and numpy scalars accepted). TypeError for anything
    else (bool, str, complex, None, ...); OverflowError for an int too large for a double;
    ValueError for NaN or an infinity when finite."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("%s must be a real number, not bool" % name)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "fiu":
        value = value[()]
    if not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError("%s must be a real number, not %s" % (name, _type_name(value)))
    try:
        v = float(value)
    except OverflowError:
        raise OverflowError("%s = %d is too large for a double" % (name, value)) from None
    if finite and not math.isfinite(v):
        raise ValueError("%s must be finite, got %r" % (name, v))
    return v


def choice(value: Any, name: str, options: Sequence[str]) -> str:
    """One of the strings in options (TypeError for a non-string, ValueError otherwise)."""
    if not isinstance(value, str):
        raise TypeError("%s must be a string, one of %s; not %s" % (name, ", ".join(map(repr, options)),
                                                                   _type_name(value)))
    if value not in options:
        raise ValueError("%s must be one of %s, got %r" % (name, ", ".join(map(repr, options)), value))
    return value


def text(value: Any, name: str) -> str:
    """A string without NUL characters (names of presets)."""
    if not isinstance(value, str):
        raise TypeError("%s must be a string, not %s" % (name, _type_name(value)))
    if "\0" in value:
        raise ValueError("%s must not contain NUL characters" % name)
    return value


def instance(value: Any, cls: type, name: str) -> Any:
    """value itself when it is a cls (TypeError otherwise: objects are never trusted for
    having the right attributes)."""
    if not isinstance(value, cls):
        raise TypeError("%s must be a bwflow.%s, not %s" % (name, cls.__name__, _type_name(value)))
    return value


def array(value: Any, name: str) -> np.ndarray:
    """An array of real numbers, as float64 (TypeError for bool, complex, strings and
    other objects; ValueError for a ragged nesting)."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError("%s must be an array of real numbers, not %s" % (name, _type_name(value)))
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ValueError("%s is not an array of real numbers: %s" % (name, exc)) from None
    kind = a.dtype.kind
    if kind == "O":
        try:
            return np.asarray(value, dtype=np.float64)
        except (ValueError, TypeError, OverflowError):
            raise TypeError("%s must be an array of real numbers" % name) from None
    if kind not in "fiu":
        what = {"b": "bool", "c": "complex"}.get(kind, "dtype %s" % a.dtype)
        raise TypeError("%s must be an array of real numbers, not %s" % (name, what))
    return a.astype(np.float64, copy=False)


def vector(value: Any, name: str, n: Optional[int] = None, why: str = "") -> np.ndarray:
    """A 1-D float64 C-contiguous copy-or-view of length n (any length >= 1 when n is None)."""
    a = array(value, name)
    if a.ndim != 1 or (n is not None and a.shape[0] != n) or a.shape[0] < 1:
        want = "of length %d%s" % (n, why) if n is not None else "of at least one entry"
        raise ValueError("%s must be a vector %s, got shape %s" % (name, want, a.shape))
    return np.ascontiguousarray(a)


def matrix(value: Any, name: str, d: int, why: str = "") -> np.ndarray:
    """A d x d matrix as the library reads it: a C-contiguous float64 array holding its
    column-major storage (the transpose's rows)."""
    a = array(value, name)
    if a.shape != (d, d):
        raise ValueError("%s must be a %d x %d matrix%s, got shape %s" % (name, d, d, why, a.shape))
    return np.ascontiguousarray(a.T)


def from_column_major(a: np.ndarray) -> np.ndarray:
    """A C-ordered array from (..., d, d) blocks the library wrote column-major."""
    return np.ascontiguousarray(np.swapaxes(a, -1, -2))


def times(value: Any, name: str = "times") -> Tuple[np.ndarray, bool]:
    """(a 1-D float64 array, whether a scalar was given): one time or a sequence of them."""
    if not isinstance(value, (list, tuple, np.ndarray)) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return np.array([real(value, name)]), True
    a = array(value, name)
    if a.ndim != 1 or a.shape[0] < 1:
        raise ValueError("%s must be a number or a non-empty sequence of numbers, got shape %s"
                         % (name, a.shape))
    return np.ascontiguousarray(a), False


def memory_check(nbytes: float, what: str) -> None:
    """MemoryError, before the library is asked, for an object that would not fit in the
    machine's memory (the system would otherwise let the allocation through and kill the
    process when it is used)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return
    if nbytes > total:
        raise MemoryError("%s would need about %.3g GB, more than this machine's %.3g GB"
                          % (what, nbytes / 1e9, total / 1e9))


# Integration options: (rtol, atol, linsol, method, max_steps) for _core.
_LINSOLS = {"auto": _core.LINSOL_AUTO, "dense": _core.LINSOL_DENSE, "krylov": _core.LINSOL_KRYLOV}
_METHODS = {"auto": _core.METHOD_AUTO, "bdf": _core.METHOD_BDF, "adams": _core.METHOD_ADAMS}


def flow_options(rtol: Any, atol: Any, linsol: Any = "auto", method: Any = "auto",
                 max_steps: Any = None) -> Tuple[float, float, int, int, int]:
    """The CVODE options of a flow: the library's defaults (rtol 1e-12, atol 1e-14, linear
    solver and method "auto", 100000 steps) where None is given."""
    d_rtol, d_atol, _lin, _meth, d_steps = _core.opts_default()
    return (d_rtol if rtol is None else real(rtol, "rtol"),
            d_atol if atol is None else real(atol, "atol"),
            _LINSOLS[choice(linsol, "linsol", list(_LINSOLS))],
            _METHODS[choice(method, "method", list(_METHODS))],
            d_steps if max_steps is None else integer(max_steps, "max_steps", 1, c_max=LONG_MAX))


def linsol_name(code: int) -> str:
    """The name of a linear solver code."""
    return next(k for k, v in _LINSOLS.items() if v == code)
