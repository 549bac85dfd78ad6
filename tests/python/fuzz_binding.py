"""Feed the bwflow package random argument types and values: every public function, class
and method, called with arguments drawn from a pool of valid objects and hostile values
(wrong types, bools, floats for ints, huge and negative ints, NaN and infinities, arrays
of the wrong shape, dtype, layout or contents, foreign objects that look like the
package's own). Deterministic for a seed.

    python3 fuzz_binding.py SEED CALLS LOG

The compiled layer bwflow._core is called directly too, with anything. A call may raise
TypeError, ValueError, OverflowError, MemoryError, RuntimeError or a
bwflow exception; anything else is a defect of the binding (reported, exit status 1), and
a crash of the interpreter shows as a signal in the caller (tests/python/test_fuzz.py
runs this in a subprocess). Each call is written to LOG before it is made, so the last
line names the one that crashed.
"""
import random
import sys
import time

import numpy as np

import bwflow

EXPECTED = (TypeError, ValueError, OverflowError, MemoryError, RuntimeError, bwflow.BwflowError)


class LooksLikeOne:
    """A foreign object with the attributes of the package's handles."""

    def __init__(self, h):
        self._h, self._p, self._ws = h, 1, h


def pools():
    pb, m2, S2 = bwflow.Problem.preset("ou2d")
    pb3, m3, S3 = bwflow.Problem.random(3, 5)
    pp, x0 = bwflow.Particles.preset("quartic")
    plan = bwflow.JKOPlan(pb, 0.1)
    pplan = bwflow.ParticlesJKOPlan(pp, 1e-3)
    flow = bwflow.JKOFlow(pb, 0.1)
    pflow = bwflow.ParticlesFlow(pp, 1e-3)
    sys_g = bwflow.System.gaussian(pb, m2, S2)
    sys_p = bwflow.System.particles(pp, x0)
    traj = bwflow.Trajectory(sys_g, "jko", 0.1)
    ptraj = bwflow.Trajectory(sys_p, "jkoflow", 1e-3)
    rp, rm, rS = bwflow.RidgeProblem.preset("vi-quartic")
    rl, lm, lS = bwflow.RidgeProblem.preset("logreg")
    rc = bwflow.RidgeProblem([{"phi": _quartic, "a": [[1.0, 0.5], [0.2, -1.0]]}, {"phi": "logistic", "a": [0.3, 0.4]}],
                             A=np.eye(2), tau=0.5)
    rws = bwflow.RidgeWorkspace(rc)
    rflow = bwflow.RidgeFlow(rc, 0.1, "jko")
    sys_r = bwflow.System.ridge(rc, m2, S2)
    sys_q = bwflow.System.ridge(rp, rm, rS)
    rtraj = bwflow.Trajectory(sys_r, "fb", 0.1)
    rng = np.random.default_rng(0)
    ints = [0, 1, 2, 3, 20, -1, -2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 63, 2 ** 64,
            -2 ** 64, True, False, 2.0, 2.9, np.int64(2), np.uint8(3), "3", None, 1j]
    reals = [0.0, 0.1, 0.5, 1.0, 2.0, -1.0, 1e-300, 1e300, -1e300, float("nan"), float("inf"),
             -float("inf"), 2 ** 70, 3, np.float32(0.25), np.float64(0.1), np.array(0.5), True,
             "0.1", None, 1j, [0.1], np.nan]
    arrays = [m2, S2, m3, S3, x0, x0[::-1], x0[:5], np.asfortranarray(S3), S3.T, S2[:, :1],
              rng.normal(size=(4, 2)), np.stack([S2] * 4), np.stack([S3] * 2), np.zeros((0, 2)),
              np.zeros((0, 2, 2)), np.zeros(0), np.full(2, np.nan), np.full((2, 2), np.inf),
              -np.eye(2), np.array([[1.0, 0.3], [0.0, 1.0]]), 1e300 * np.eye(3), 1e-300 * np.eye(2),
              np.eye(2, dtype=np.float32), np.eye(2, dtype=np.int8), np.eye(2, dtype=bool),
              np.eye(2) + 0j, np.array(["a", "b"]), np.array([None, 1.0], dtype=object),
              [[1.0, 0.0], [0.0]], [1, 2], [[1, 0], [0, 1]], np.eye(4)[::2, ::2], np.zeros((2, 2, 2, 2)),
              np.float64(1.0), np.array(1.0), x0.reshape(4, 5), np.sort(rng.normal(size=20)),
              np.linspace(0, 1, 20), np.array([0.1, 0.05]), np.array([0.5, 0.25, 0.1]), []]
    objects = [pb, pb3, pp, plan, pplan, flow, pflow, sys_g, sys_p, traj, ptraj, pb._h, pp._h, plan._h,
               pplan._h, pplan._ws, flow._h, pflow._h, sys_g._h, sys_p._h, traj._h, ptraj._h, sys_q,
               LooksLikeOne(pp._h), LooksLikeOne(pb._h), LooksLikeOne(plan._h), None, object(), 0,
               "ou2d", bwflow.Problem, bwflow, rp, rl, rc, rws, rflow, sys_r, rtraj, rp._h, rc._h, rws._h,
               rflow._h, sys_r._h, rtraj._h, LooksLikeOne(rc._h)]
    strings = ["ou2d", "heat", "potential", "random", "quartic", "doublewell", "gauss1d", "jko",
               "forward", "plain", "jko2", "wgf", "jkoflow", "forwardflow", "jkoflow2", "auto",
               "dense", "krylov", "bdf", "adams", "analytic", "dq", "", "x\0y", "nope", b"jko", 3, None]
    seqs = [[0.5, 0.25], [0.1], [0.1, 0.1], [0.5, 0.2, 0.1], [2.0, 1.0], [np.nan, 0.1], [-0.1, 0.1],
            [1e-300, 0.5], (0.5, 0.25), np.array([0.5, 0.25]), "0.5", 0.5, None, [[0.5]], [True, 0.5],
            [0.0, 1.0, 2.0], [0.5, 0.2], [1.0, 0.5, 0.25]]
    callbacks = [None, lambda a, b: None, 3, "x"]
    # ridge lists: valid ones, and hostile contents and Python functions (raising, returning
    # wrong shapes, types or NaN, taking the wrong arguments, returning huge arrays)
    phis = [_quartic, _raises, lambda t, k: np.zeros((k + 2, len(t))), lambda t, k: None,
            lambda t, k: np.full((k + 1, len(t)), np.nan), lambda t: t, lambda t, k: np.zeros((k + 1, len(t)), complex),
            lambda t, k: [["x"] * len(t)] * (k + 1), lambda t, k: np.zeros((k + 1, 10 ** 6)), bwflow.Problem]
    ridges = [[{"phi": "logistic", "a": [1.0, 0.5]}], [{"phi": f, "a": [1.0, -0.5]} for f in phis[:2]],
              [{"phi": "quartic", "a": np.eye(2), "b": [0.1, 0.2], "w": [1.0, 2.0]}], [], [{}], "logistic",
              [{"phi": "cubic", "a": [1.0]}], [{"phi": "poisson", "a": [np.nan, 1.0]}], [None], {"phi": "quartic"},
              [{"phi": "logistic", "a": [1.0, 0.5], "w": -1}], [{"phi": "logcosh", "a": np.zeros((3, 2, 2))}]]
    ridges += [[{"phi": f, "a": [1.0, 0.3]}] for f in phis]
    return dict(int=ints, real=reals, array=arrays, object=objects, str=strings, seq=seqs,
                cb=callbacks, ridges=ridges, fixtures=dict(pb=pb, pp=pp, plan=plan, pplan=pplan, flow=flow,
                                                           pflow=pflow, traj=traj, ptraj=ptraj, sys_g=sys_g,
                                                           m=m2, S=S2, x0=x0, cb=lambda a, b: None, rc=rc,
                                                           rws=rws, rflow=rflow, sys_r=sys_r, rtraj=rtraj,
                                                           rp=rp, rm=rm, rS=rS, sys_q=sys_q))


def _glm(X, y, family, prior_var, intercept=False, standardize=False, ridges=(), A=None):
    """RidgeProblem.glm with its keyword arguments given positionally."""
    return bwflow.RidgeProblem.glm(X, y, family=family, prior_var=prior_var, intercept=intercept,
                                   standardize=standardize, ridges=ridges, A=A)


def _quartic(t, kmax):
    return np.array([t ** 4 / 4, t ** 3, 3 * t * t, 6 * t, 6 + 0 * t])[:kmax + 1]


def _raises(t, kmax):
    raise ValueError("a ridge function that raises")


def targets(f):
    """(name, callable, argument kinds, valid arguments) for every public entry point."""
    A, R, I, O, S, Q, C, RG = "array", "real", "int", "object", "str", "seq", "cb", "ridges"
    pb, pp, m, S2, x0 = f["pb"], f["pp"], f["m"], f["S"], f["x0"]
    m3, S3 = m + 1, S2 + np.eye(2)
    t = [
        ("w2sq", bwflow.w2sq, (A, A, A, A), (m, S2, m3, S3)),
        ("w2", bwflow.w2, (A, A, A, A), (m, S2, np.stack([m3] * 3), np.stack([S3] * 3))),
        ("ot_map", bwflow.ot_map, (A, A, A, A), (m, S2, m3, S3)),
        ("geodesic", bwflow.geodesic, (A, A, A, A, R), (m, S2, m3, S3, 0.5)),
        ("log_map", bwflow.log_map, (A, A, A, A), (m, S2, m3, S3)),
        ("exp_map", bwflow.exp_map, (A, A, A, A), (m, S2, m, 0.1 * S2)),
        ("Problem", bwflow.Problem, (A, A, A, R), (S3, m, S2, 0.5)),
        ("Problem.preset", bwflow.Problem.preset, (S, I, I), ("random", 2, 3)),
        ("Problem.random", bwflow.Problem.random, (I, I, R), (2, 3, 0.7)),
        ("JKOPlan", bwflow.JKOPlan, (O, R), (pb, 0.1)),
        ("forward_step", bwflow.forward_step, (O, R, A, A), (pb, 0.1, m, S2)),
        ("wgf", bwflow.wgf, (O, A, A, R), (pb, m, S2, 0.5)),
        ("JKOFlow", bwflow.JKOFlow, (O, R, S), (pb, 0.1, "jko")),
        ("jkoflow", bwflow.jkoflow, (O, A, A, R, R, S), (pb, m, S2, 0.5, 0.1, "jko2")),
        ("order", bwflow.order, (O, A, A, R, Q, R, R, S, I, C), (pb, m, S2, 1.0, [0.5, 0.25], None, None, "auto", 2, None)),
        ("study", bwflow.study, (O, R, Q, R, R, S, I, C), (f["sys_g"], 1.0, [0.5, 0.25], None, None, "auto", 1, f["cb"])),
        ("particles_order", bwflow.particles_order, (O, A, R, Q, R, R, I, C), (pp, x0, 0.01, [0.005, 0.0025], 1e-8, 1e-12, 2, None)),
        ("loglog_slope", bwflow.loglog_slope, (A, A), ([1, 2, 4], [1, 4, 16])),
        ("Particles", bwflow.Particles, (I, A, R), (5, [0, 0, 1], 0.5)),
        ("Particles.preset", bwflow.Particles.preset, (S, I), ("doublewell", 5)),
        ("ParticlesJKOPlan", bwflow.ParticlesJKOPlan, (O, R), (pp, 1e-3)),
        ("ParticlesFlow", bwflow.ParticlesFlow, (O, R, S, R, R, I, S), (pp, 1e-3, "jko", 1e-8, 1e-12, 1000, "dq")),
        ("particles_quantiles", bwflow.particles_quantiles, (I, R, R), (7, 0.0, 1.0)),
        ("particles_forward_step", bwflow.particles_forward_step, (O, R, A), (pp, 1e-3, x0)),
        ("particles_flow", bwflow.particles_flow, (O, A, R, R, S), (pp, x0, 0.01, 1e-3, "jko")),
        ("particles_w2", bwflow.particles_w2, (A, A), (x0, x0 + 1)),
        ("particles_moments", bwflow.particles_moments, (A,), (x0,)),
        ("System.gaussian", bwflow.System.gaussian, (O, A, A), (pb, m, S2)),
        ("System.particles", bwflow.System.particles, (O, A), (pp, x0)),
        ("Trajectory", bwflow.Trajectory, (O, S, R, R, R, S, S, I, R), (f["sys_g"], "jkoflow", 0.1, 1e-8, 1e-12, "dense", "bdf", 1000, 1.0)),
        ("status_name", bwflow.status_name, (I,), (6,)), ("strerror", bwflow.strerror, (I,), (6,)),
        ("pb.energy", pb.energy, (A, A), (m, S2)), ("pb.gradient", pb.gradient, (A, A), (m, S2)),
        ("pb.velocity", pb.velocity, (A, A), (m, S2)), ("pb.slope_sq", pb.slope_sq, (A, A), (m, S2)),
        ("pb.modified_energy", pb.modified_energy, (A, A, R), (m, S2, 0.1)),
        ("pp.energy", pp.energy, (A,), (x0,)), ("pp.gradient", pp.gradient, (A,), (x0,)),
        ("pp.hessian", pp.hessian, (A,), (x0,)), ("pp.hessian_extremes", pp.hessian_extremes, (A,), (x0,)),
        ("pp.density", pp.density, (A,), (x0,)), ("pp.modified_energy", pp.modified_energy, (A, R), (x0, 0.1)),
        ("plan.step", f["plan"].step, (A, A, I), (m, S2, 3)), ("plan.run", f["plan"].run, (A, A, I), (m, S2, 3)),
        ("pplan.step", f["pplan"].step, (A, A), (x0, x0)), ("pplan.run", f["pplan"].run, (A, I), (x0, 3)),
        ("flow.solve", f["flow"].solve, (A, A, A), (m, S2, [0.1, 0.2])), ("flow.rhs", f["flow"].rhs, (A, A), (m, S2)),
        ("pflow.solve", f["pflow"].solve, (A, A), (x0, [0.001, 0.002])), ("pflow.rhs", f["pflow"].rhs, (A,), (x0,)),
        ("pflow.jacobian", f["pflow"].jacobian, (A,), (x0,)),
        ("traj.advance", f["traj"].advance, (R,), (0.0,)), ("traj.fields", f["traj"].fields, (R,), (0.1,)),
        ("traj.distance", f["traj"].distance, (O,), (f["traj"],)),
        ("ptraj.advance", f["ptraj"].advance, (R,), (0.0,)), ("ptraj.distance", f["ptraj"].distance, (O,), (f["ptraj"],)),
        ("RidgeProblem", bwflow.RidgeProblem, (RG, A, A, R, I, I), (f["rc"].ridges, np.eye(2), m, 0.5, 8, 2)),
        ("RidgeProblem.preset", bwflow.RidgeProblem.preset, (S,), ("logreg",)),
        ("RidgeProblem.glm", _glm,
         (A, A, S, R, O, O, RG, A), (np.array([[0.5, 1.0], [1.5, -1.0], [0.2, 0.3]]), [1.0, 0.0, 1.0], "logistic",
                                     2.0, True, True, [], np.eye(3))),
        ("RidgeWorkspace", bwflow.RidgeWorkspace, (O,), (f["rc"],)),
        ("RidgeFlow", bwflow.RidgeFlow, (O, R, S, R, R, S, I), (f["rc"], 0.1, "jko", 1e-8, 1e-12, "dense", 1000)),
        ("ridge_flow", bwflow.ridge_flow, (O, A, A, R, R, S), (f["rc"], m, S2, 0.2, 0.1, "forward")),
        ("System.ridge", bwflow.System.ridge, (O, A, A), (f["rc"], m, S2)),
        ("rc.energy", f["rc"].energy, (A, A, O), (m, S2, f["rws"])),
        ("rc.gradient", f["rc"].gradient, (A, A, O), (m, S2, None)),
        ("rc.expected_hessian", f["rc"].expected_hessian, (A, A, O), (m, S2, f["rws"])),
        ("rc.slope_sq", f["rc"].slope_sq, (A, A, O), (m, S2, None)),
        ("rc.modified_energy", f["rc"].modified_energy, (A, A, R, O), (m, S2, 0.1, f["rws"])),
        ("rc.expect", f["rc"].expect, (I, R, R), (1, 0.5, 2.0)),
        ("rc.run", f["rc"].run, (S, R, A, A, I, O), ("jko", 0.1, m, S2, 3, f["rws"])),
        ("rc.step", f["rc"].step, (S, R, A, A, I, O), ("fb", 0.1, m, S2, 2, None)),
        ("rc.jko_step", f["rc"].jko_step, (R, A, A, I, O), (0.1, m, S2, 1, f["rws"])),
        ("rc.forward_step", f["rc"].forward_step, (R, A, A, I, O), (0.1, m, S2, 1, None)),
        ("rc.fb_step", f["rc"].fb_step, (R, A, A, I, O), (0.1, m, S2, 1, f["rws"])),
        ("rc.vi_optimum", f["rc"].vi_optimum, (A, A, O), (m, S2, f["rws"])),
        ("rflow.solve", f["rflow"].solve, (A, A, A), (m, S2, [0.1, 0.2])), ("rflow.rhs", f["rflow"].rhs, (A, A), (m, S2)),
        ("rtraj.advance", f["rtraj"].advance, (R,), (0.0,)), ("rtraj.fields", f["rtraj"].fields, (R,), (0.1,)),
        ("study ridge", bwflow.study, (O, R, Q, R, R, S, I, C), (f["sys_q"], 0.2, [0.1, 0.05], None, None, "auto", 2, None)),
        ("order ridge", bwflow.order, (O, A, A, R, Q), (f["rp"], f["rm"], f["rS"], 0.2, [0.1, 0.05])),
    ]
    # The compiled layer itself, which must be safe whatever reaches it (its functions take
    # handles, float64 buffers, ints and floats in the orders of their docstrings).
    core = bwflow._core
    for fname in sorted(dir(core)):
        fn = getattr(core, fname)
        if callable(fn) and not fname.startswith("_") and fname != "Handle":
            t.append(("_core." + fname, fn, (O, I, R, A, A, A, A, A, A, A, A), ()))
    return t


# The kinds of value tried for any argument (besides the right kind's own pool).
ANY = ("int", "real", "array", "object", "str", "seq", "ridges")


def main():
    seed, calls, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(seed)
    p = pools()
    p["cb"].append(p["fixtures"]["cb"])
    ts = targets(p["fixtures"])
    unexpected, counts, slow = [], {}, (0.0, "")
    start = time.monotonic()
    with open(log, "w", buffering=1) as out:
        for i in range(calls):
            name, fn, kinds, valid = rnd.choice(ts)
            if valid and rnd.random() < 0.75:   # valid arguments with a few of them replaced
                args = list(valid)
                for _ in range(rnd.choice((0, 1, 1, 1, 2, 2, 3))):
                    k = rnd.randrange(len(args))
                    kind = kinds[k] if rnd.random() < 0.8 else rnd.choice(ANY)
                    args[k] = rnd.choice(p[kind])
                if rnd.random() < 0.05:
                    args = args[:rnd.randrange(len(args) + 1)] + [None] * rnd.randint(0, 1)
            else:                     # anything
                n = rnd.randint(0, len(kinds) + 1) if rnd.random() < 0.3 or not valid else len(kinds)
                args = [rnd.choice(p[kinds[k] if k < len(kinds) and rnd.random() < 0.8 else rnd.choice(ANY)])
                        for k in range(n)]
            out.write("%d %s(%s)\n" % (i, name, ", ".join(_short(a) for a in args)))
            t0 = time.monotonic()
            try:
                fn(*args)
                outcome = "ok"
            except EXPECTED as exc:
                outcome = type(exc).__name__
            except Exception as exc:  # a defect: a type the binding should not let through
                outcome = "UNEXPECTED " + type(exc).__name__
                unexpected.append("%s(%s): %s: %s" % (name, ", ".join(_short(a) for a in args),
                                                      type(exc).__name__, exc))
            dt = time.monotonic() - t0
            if dt > slow[0]:
                slow = (dt, name)
            counts[outcome] = counts.get(outcome, 0) + 1
    print("fuzz_binding: seed %d, %d calls in %.1f s; outcomes %s; slowest %s %.2f s"
          % (seed, calls, time.monotonic() - start, dict(sorted(counts.items())), slow[1], slow[0]))
    for u in unexpected[:20]:
        print("unexpected:", u)
    return 1 if unexpected else 0


def _short(a):
    if isinstance(a, np.ndarray):
        return "array(%s, %s%s)" % (a.shape, a.dtype, "" if a.flags.c_contiguous else ", strided")
    r = repr(a)
    return r if len(r) < 40 else r[:37] + "..."


if __name__ == "__main__":
    sys.exit(main())
