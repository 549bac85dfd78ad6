"""Systems and trajectories, the interface every system shares: trajectories against the
dedicated classes (JKOPlan, wgf, JKOFlow, ParticlesJKOPlan), fields, distances, failures;
and the order study's threads and progress."""
import numpy as np
import pytest

import bwflow


def test_gaussian_trajectories_match_the_dedicated_calls():
    pb, m0, S0 = bwflow.Problem.random(3, 4)
    sys = bwflow.System.gaussian(pb, m0, S0)
    assert sys.name == "gaussian" and sys.size == 3
    assert sys.fields[:3] == ("m1", "m2", "m3") and sys.fields[-3:] == ("J", "Jeta", "slope_sq")
    jko = bwflow.Trajectory(sys, "jko", 0.1).advance(0.5)
    ms, Ss = bwflow.JKOPlan(pb, 0.1).run(m0, S0, 5)
    m, S = jko.state
    assert jko.steps == 5 and jko.time == pytest.approx(0.5)
    assert np.allclose(m, ms[5], rtol=1e-13, atol=0) and np.allclose(S, Ss[5], rtol=1e-13, atol=1e-15)
    wgf = bwflow.Trajectory(sys, "wgf").advance(0.5)
    mw, Sw = bwflow.wgf(pb, m0, S0, 0.5)
    assert np.allclose(wgf.state[1], Sw, rtol=1e-13, atol=1e-15) and wgf.solver[0] == "closed form"
    assert jko.distance(wgf) == pytest.approx(bwflow.w2(m, S, mw, Sw), rel=1e-10)
    flow = bwflow.Trajectory(sys, "jkoflow", 0.1, t_stop=0.5).advance(0.5)
    mf, Sf = bwflow.jkoflow(pb, m0, S0, 0.5, 0.1)
    assert bwflow.w2(*flow.state, mf, Sf) < 1e-9
    f = jko.fields()
    assert f["J"] == pytest.approx(pb.energy(m, S), rel=1e-13)
    assert f["Jeta"] == pytest.approx(pb.modified_energy(m, S, 0.1), rel=1e-12)
    assert set(bwflow.TRAJECTORY_KINDS) >= {"jko", "forward", "wgf", "jkoflow", "forwardflow", "jkoflow2"}


def test_particle_trajectories_and_failures():
    pp, x0 = bwflow.Particles.preset("quartic")
    sys = bwflow.System.particles(pp, x0)
    assert sys.name == "particles" and sys.size == 20 and "variance" in sys.fields
    tr = bwflow.Trajectory(sys, "jko", 1e-3).advance(0.003)
    xs = bwflow.ParticlesJKOPlan(pp, 1e-3).run(x0, 3)
    assert np.allclose(tr.state, xs[3], rtol=1e-14, atol=1e-14)
    with pytest.raises(ValueError):
        tr.advance(0.0035)                          # not a whole step away
    lo, hi = pp.hessian_extremes(x0)
    ill = bwflow.Trajectory(sys, "jkoflow", 3.0 / hi)
    with pytest.raises(bwflow.IllPosedError) as ex:
        ill.advance(0.1)
    assert ex.value.time == 0 and ex.value.mode is not None and ex.value.mode.shape == (20,)
    with pytest.raises(bwflow.IllPosedError):       # dead: the same failure again
        ill.advance(0.2)
    other = bwflow.Trajectory(bwflow.System.gaussian(*bwflow.Problem.preset("ou2d")), "wgf")
    with pytest.raises(bwflow.InvalidInputError):
        tr.distance(other)                          # different systems


def test_collapse_through_a_trajectory():
    pb = bwflow.Problem(np.eye(2), np.zeros(2), tau=1.0)
    sys = bwflow.System.gaussian(pb, np.zeros(2), np.diag([0.01, 1.0]))
    with pytest.raises(bwflow.CollapseError) as ex:
        bwflow.Trajectory(sys, "jkoflow", 0.5).advance(1.0)
    assert 0 < ex.value.time < 1 and abs(abs(ex.value.direction[0]) - 1) < 1e-12


def test_order_jobs_and_progress():
    pb, m0, S0 = bwflow.Problem.random(3, 1)
    etas = [0.2, 0.1, 0.05, 0.02]
    one = bwflow.order(pb, m0, S0, 2.0, etas, jobs=1)
    calls = []
    two = bwflow.order(pb, m0, S0, 2.0, etas, jobs=2, progress=lambda done, total: calls.append((done, total)))
    assert one == two                                # the numbers do not depend on the threads
    total = 10 + 20 + 40 + 100
    assert calls and calls[-1] == (total, total)
    assert all(t == total for _d, t in calls) and [d for d, _t in calls] == sorted(d for d, _t in calls)
    pp, x0 = bwflow.Particles.preset("quartic")
    seen = []
    r = bwflow.particles_order(pp, x0, 0.01, [0.002, 0.001], jobs=1, progress=lambda d, t: seen.append(d))
    assert seen[-1] == 15 and r["steps"] == [5, 10]
    s = bwflow.study(bwflow.System.particles(pp, x0), 0.01, [0.002, 0.001], jobs=3)
    assert s == r


def test_progress_errors_propagate():
    pb, m0, S0 = bwflow.Problem.preset("ou2d")

    def boom(done, total):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        bwflow.order(pb, m0, S0, 2.0, [0.1, 0.05, 0.02, 0.01], jobs=2, progress=boom)


def test_a_solver_is_one_thread_at_a_time():
    # a solve releases the GIL; the same solver used meanwhile from another thread is
    # refused (RuntimeError), never shared; its own solve is unaffected
    import threading
    pb, m0, S0 = bwflow.Problem.random(20, 2)
    flow = bwflow.JKOFlow(pb, 0.01, "jko2", linsol="dense", method="bdf")   # ~0.4 s
    out = {}
    worker = threading.Thread(target=lambda: out.setdefault("r", flow.solve(m0, S0, np.linspace(0, 5, 50))))
    refused = 0
    worker.start()
    while worker.is_alive():
        try:
            flow.rhs(m0, S0)
        except RuntimeError as exc:
            assert "in use by another thread" in str(exc)
            refused += 1
    worker.join()
    assert refused > 0 and out["r"][1].shape == (50, 20, 20)
    assert np.array_equal(out["r"][0], flow.solve(m0, S0, np.linspace(0, 5, 50))[0])
