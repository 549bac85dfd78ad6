"""bwflow: exact Wasserstein gradient flows, JKO steps and JKO-Flow, from Python.

The binding of libbwflow (a compiled module, bwflow._core, carries the library; numpy
arrays in and out). Three systems share one interface: Gaussians N(m, S) under an energy
of quadratic potential, entropy and interaction (:class:`Problem`), 1-D measures as N
ordered particles on the quantile line under Langevin dynamics (:class:`Particles`), and
Gaussian variational inference for potentials with ridge functions, e.g. Bayesian logistic
regression (:class:`RidgeProblem`)::

    import numpy as np, bwflow
    pb, m0, S0 = bwflow.Problem.preset("ou2d")
    plan = bwflow.JKOPlan(pb, eta=0.1)
    m, S = plan.step(m0, S0)                              # one JKO step
    mw, Sw = bwflow.wgf(pb, m0, S0, 0.1)                  # the exact flow at t = 0.1
    bwflow.w2(m, S, mw, Sw)                               # O(eta^2) after one step
    res = bwflow.order(pb, m0, S0, T=2.0, etas=[0.1, 0.05, 0.02], jobs=2)
    res["slope_wgf"], res["slope_jkoflow"]                # ~1, ~2

    pp, x0 = bwflow.Particles.preset("quartic")          # V = x^4/4, N = 20
    xs = bwflow.ParticlesJKOPlan(pp, eta=1e-3).run(x0, 500)

    rp, m0, S0 = bwflow.RidgeProblem.glm(X, y, family="logistic", prior_var=1.0,
                                         intercept=True, standardize=True)
    m, S = rp.vi_optimum(m0, S0)                          # the Gaussian-VI posterior
    ms, Ss = rp.run("fb", 0.01, m0, S0, 100)              # forward-backward iterates

Geometry works on stacks the numpy way: ``bwflow.w2(m0, S0, ms, Ss)`` with means (n, d)
and covariances (n, d, d) returns n distances in one library call.

Conventions. Means are arrays (..., d), covariances and other matrices (..., d, d), in
any numpy layout; inputs are never written; results are new C-ordered float64 arrays.
Arguments are checked before the library sees them: a wrong type raises TypeError, a
value its C type cannot hold OverflowError, a wrong shape ValueError, each naming the
argument (bool is refused where a number is expected). A library status other than
success raises :class:`BwflowError`: :class:`InvalidInputError` (also a ValueError) for
input the library refuses, naming the argument when it can, :class:`CollapseError` and
:class:`IllPosedError` for the flows' failures. Problems, plans and systems may be shared
by threads; solvers and trajectories belong to one thread at a time. Long calls release
the GIL.
"""
try:
    from . import _core
except ImportError as _exc:  # the source tree's lib/python, or a build for another Python
    raise ImportError(
        "bwflow: the compiled module bwflow._core is missing or does not load (%s). Install the "
        "package (pip install . or meson install), or use a build tree: "
        "PYTHONPATH=BUILD/lib/python after ninja -C BUILD" % _exc) from _exc
from .dynamics import FLOW_KINDS, JKOFlow, JKOPlan, forward_step, jkoflow, wgf
from .errors import (BwflowError, BwflowMemoryError, CollapseError, IllPosedError, InvalidInputError,
                     status_name, strerror)
from .gaussian import Problem
from .geometry import exp_map, geodesic, log_map, ot_map, w2, w2sq
from .particles import (Particles, ParticlesFlow, ParticlesJKOPlan, particles_flow, particles_forward_step,
                        particles_moments, particles_quantiles, particles_w2)
from .ridge import RIDGE_FAMILIES, RIDGE_METHODS, RidgeFlow, RidgeProblem, RidgeWorkspace, ridge_flow
from .study import ORDER_ERRORS, loglog_slope, order, particles_order, study
from .systems import TRAJECTORY_KINDS, System, Trajectory

__version__: str = _core.version()

__all__ = [
    "__version__", "version",
    "BwflowError", "InvalidInputError", "BwflowMemoryError", "CollapseError", "IllPosedError",
    "status_name", "strerror",
    "w2sq", "w2", "ot_map", "geodesic", "log_map", "exp_map",
    "Problem", "JKOPlan", "forward_step", "wgf", "JKOFlow", "jkoflow", "FLOW_KINDS",
    "Particles", "ParticlesJKOPlan", "ParticlesFlow", "particles_quantiles", "particles_forward_step",
    "particles_flow", "particles_w2", "particles_moments",
    "RidgeProblem", "RidgeWorkspace", "RidgeFlow", "ridge_flow", "RIDGE_FAMILIES", "RIDGE_METHODS",
    "System", "Trajectory", "TRAJECTORY_KINDS",
    "study", "order", "particles_order", "loglog_slope", "ORDER_ERRORS",
]


def version() -> str:
    """The version of the library this package carries, e.g. "0.1.0" (the same as
    ``bwflow.__version__``)."""
    return _core.version()
