"""Every argument's type and range is checked before the library sees it, and every error
names the real culprit: the reproducers of the reliability audit and the binding's
decisions (bool is not a number, floats are not integers, nothing wraps)."""
import numpy as np
import pytest

import bwflow


@pytest.fixture(scope="module")
def fx():
    pb, m, S = bwflow.Problem.preset("ou2d")
    pp, x = bwflow.Particles.preset("quartic")
    return pb, m, S, pp, x


def test_objects_are_checked_not_trusted(fx):
    pb, m, S, pp, x = fx

    class Impostor:                      # has the attributes of a Problem
        _h = pp._h
        _p = 1
    for make in (lambda: bwflow.JKOPlan(pp, 0.1), lambda: bwflow.JKOFlow(pp, 0.1),
                 lambda: bwflow.JKOPlan(Impostor(), 0.1), lambda: bwflow.forward_step(pp, 0.1, m, S),
                 lambda: bwflow.wgf(x, m, S, 1.0), lambda: bwflow.order(pp, m, S),
                 lambda: bwflow.ParticlesJKOPlan(pb, 0.1), lambda: bwflow.ParticlesFlow(pb, 0.1),
                 lambda: bwflow.particles_order(pb, x), lambda: bwflow.System.gaussian(pp, m, S),
                 lambda: bwflow.Trajectory(pb, "jko", 0.1), lambda: bwflow.study(pb)):
        with pytest.raises(TypeError):
            make()
    # even the compiled layer checks what a handle is
    with pytest.raises(TypeError, match="handle of a Problem"):
        bwflow._core.jko_plan(pp._h, 0.1)


def test_integers_never_wrap(fx):
    pb, m, S, pp, x = fx
    with pytest.raises(OverflowError, match=r"n = 4294967301 is out of range: it must be in \[2, 67108864\]"):
        bwflow.Particles(2 ** 32 + 5, [0, 0, 1])
    with pytest.raises(ValueError, match=r"n must be in \[2, 67108864\], got 1"):
        bwflow.Particles(1, [0, 0, 1])
    with pytest.raises(ValueError, match="n must be 0 .* or at least 2, got 1"):
        bwflow.Particles.preset("quartic", n=1)
    with pytest.raises(OverflowError):
        bwflow.Problem.preset("random", dim=2 ** 32 + 3)
    with pytest.raises(OverflowError):
        bwflow.JKOPlan(pb, 0.1).step(m, S, 2 ** 32 + 1)
    with pytest.raises(OverflowError):
        bwflow.Problem.preset("random", seed=-1)
    with pytest.raises(OverflowError):
        bwflow.Problem.random(3, 2 ** 64)
    assert bwflow.Problem.random(2, 2 ** 64 - 1)[0].dim == 2        # the whole uint64 range
    with pytest.raises(TypeError, match="2.9"):
        bwflow.Particles(2.9, [0, 0, 1])
    with pytest.raises(TypeError):
        bwflow.JKOPlan(pb, 0.1).run(m, S, 3.0)
    with pytest.raises(ValueError, match="n must be >= 1"):
        bwflow.JKOPlan(pb, 0.1).step(m, S, 0)
    assert bwflow.JKOPlan(pb, 0.1).run(m, S, np.int64(2))[0].shape == (3, 2)   # numpy ints are ints


def test_bool_is_not_a_number(fx):
    pb, m, S, pp, x = fx
    for call in (lambda: bwflow.JKOPlan(pb, True), lambda: bwflow.Problem.random(True, 1),
                 lambda: bwflow.Particles(20, [0, 0, 1], tau=True), lambda: bwflow.wgf(pb, m, S, False),
                 lambda: bwflow.w2(m, S.astype(bool), m, S), lambda: bwflow.particles_quantiles(np.bool_(1), 0, 1)):
        with pytest.raises(TypeError, match="bool"):
            call()


def test_reals_and_arrays(fx):
    pb, m, S, pp, x = fx
    for bad in (float("nan"), float("inf"), -1.0, 0.0):
        with pytest.raises(bwflow.InvalidInputError) as ex:
            bwflow.JKOPlan(pb, bad)
        assert ex.value.argument == "eta" and isinstance(ex.value, ValueError)
    for bad in ("0.1", None, 1j, [0.1]):
        with pytest.raises(TypeError, match="eta"):
            bwflow.JKOPlan(pb, bad)
    with pytest.raises(OverflowError):
        bwflow.JKOPlan(pb, 10 ** 400)
    for bad, err in ((S + 0j, TypeError), (np.array([["a", "b"], ["c", "d"]]), TypeError),
                     ([[1.0, 0.0], [0.0]], ValueError), (np.eye(3), ValueError), (S[:, :1], ValueError)):
        with pytest.raises(err, match="S"):
            pb.energy(m, bad)
    with pytest.raises(bwflow.InvalidInputError) as ex:
        pb.energy(m, np.array([[1.0, np.nan], [np.nan, 1.0]]))
    assert ex.value.name == "BW_ERR_NONFINITE" and ex.value.argument == "S"
    # any layout and dtype of real numbers is accepted, inputs never written
    ref = pb.energy(m, S)
    F = np.asfortranarray(S)
    for S2 in (F, np.array(S.tolist()), np.kron(S, np.ones((2, 2)))[::2, ::2]):
        assert pb.energy(m, S2) == ref
    assert pb.energy([2, 1], S) == ref and pb.energy(m.astype(np.int32) * 0 + [2, 1], S) == ref
    assert np.array_equal(F, S)


def test_messages_name_the_culprit():
    with pytest.raises(ValueError, match=r"^h must be a vector of length 2 \(A is 2 x 2\)"):
        bwflow.Problem(np.eye(2), [0, 0, 0])
    with pytest.raises(ValueError, match="^A must be a square"):
        bwflow.Problem(np.ones((2, 3)), [0, 0])
    with pytest.raises(ValueError, match=r"^K must be a 2 x 2 matrix \(A is 2 x 2\)"):
        bwflow.Problem(np.eye(2), [0, 0], np.eye(3))
    asym = np.array([[1.0, 0.3], [0.0, 1.0]])
    for kwargs, culprit in (({"A": asym, "h": [0, 0]}, "A"), ({"A": np.eye(2), "h": [0, 0], "K": asym}, "K"),
                            ({"A": np.eye(2), "h": [np.inf, 0]}, "h"), ({"A": np.eye(2), "h": [0, 0], "tau": -1}, "tau")):
        with pytest.raises(bwflow.InvalidInputError) as ex:
            bwflow.Problem(**kwargs)
        assert ex.value.argument == culprit and str(ex.value).startswith("bw_problem_set: %s: BW_ERR_" % culprit)
    pb, m, S = bwflow.Problem.preset("ou2d")
    with pytest.raises(ValueError, match=r"S0 must be a 2 x 2 matrix \(the problem has dimension 2\)"):
        bwflow.wgf(pb, m, np.eye(3), 1.0)
    with pytest.raises(bwflow.InvalidInputError) as ex:
        bwflow.Problem.preset("nope")
    assert ex.value.argument == "name"
    with pytest.raises(bwflow.InvalidInputError) as ex:
        bwflow.Problem.preset("ou2d", dim=3)
    assert ex.value.argument == "dim"
    pp, x = bwflow.Particles.preset("quartic")
    with pytest.raises(bwflow.InvalidInputError) as ex:
        pp.energy(x[::-1])
    assert ex.value.name == "BW_ERR_NOT_ORDERED" and ex.value.argument == "x"


def test_order_step_sizes(fx):
    pb, m, S, pp, x = fx
    with pytest.raises(ValueError, match="at least two"):
        bwflow.order(pb, m, S, 2.0, [0.1])
    with pytest.raises(ValueError, match="listed twice"):
        bwflow.order(pb, m, S, 2.0, [0.1, 0.05, 0.1])
    with pytest.raises(ValueError, match="at least two"):
        bwflow.particles_order(pp, x, 0.01, [0.001])
    for bad in ([0.1, -0.05], [0.1, float("nan")], [0.1, 0.0]):
        with pytest.raises(ValueError, match=r"etas\[1\]"):
            bwflow.order(pb, m, S, 2.0, bad)
    with pytest.raises(TypeError):
        bwflow.order(pb, m, S, 2.0, "0.1,0.05")
    with pytest.raises(ValueError, match="T must be"):
        bwflow.order(pb, m, S, -2.0, [0.1, 0.05])
    with pytest.raises(TypeError, match="progress"):
        bwflow.order(pb, m, S, 2.0, [0.1, 0.05], progress=3)
    with pytest.raises(ValueError, match="jobs"):
        bwflow.order(pb, m, S, 2.0, [0.1, 0.05], jobs=0)


def test_memory_is_checked_before_asking(fx):
    pb, m, S, pp, x = fx
    with pytest.raises(MemoryError, match="dimension 40000"):
        bwflow.Problem.random(40000, 1)
    with pytest.raises(MemoryError):
        bwflow.JKOPlan(pb, 0.1).run(m, S, 2 ** 31 - 1)
    with pytest.raises(MemoryError):
        bwflow.ParticlesJKOPlan(pp, 1e-3).run(x, 2 ** 31 - 1)
