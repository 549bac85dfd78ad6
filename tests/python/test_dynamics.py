"""JKO steps, the explicit step and the exact flow against numpy/scipy computations."""
import numpy as np
import pytest

import bwflow
from helpers import jko_step_numpy, rel, textbook_ot_map, wgf_expm


def make_problem(seed=4, d=4, tau=0.7):
    pb, m0, S0 = bwflow.Problem.random(d, seed, tau)
    return pb, pb.A, pb.h, pb.K, tau, m0, S0


@pytest.mark.parametrize("eta", [1e-3, 0.1, 2.0])
def test_jko_step_matches_numpy_closed_form(eta):
    pb, A, h, K, tau, m0, S0 = make_problem()
    plan = bwflow.JKOPlan(pb, eta)
    m, S = plan.step(m0, S0)
    mr, Sr = jko_step_numpy(A, h, K, tau, eta, m0, S0)
    # Both evaluate the same closed form with different factorisations (numpy/scipy: Schur
    # square roots, LU; the library: eigendecompositions); cond(I + eta P) <= ~20 here.
    assert rel(m, mr) < 1e-12 and rel(S, Sr) < 1e-11


def test_jko_step_is_optimal():
    # Optimality of the step, independent of the closed form: with T the OT map from S_k to
    # S_{k+1} (scipy), T - I = -eta (P - tau S_{k+1}^-1) T, and (I + eta A) m' = m + eta h.
    pb, A, h, K, tau, m0, S0 = make_problem(seed=8, d=3)
    eta = 0.3
    m1, S1 = bwflow.JKOPlan(pb, eta).step(m0, S0)
    T = textbook_ot_map(S0, S1)
    lhs, rhs = T - np.eye(3), -eta * (A + K - tau * np.linalg.inv(S1)) @ T
    assert np.linalg.norm(lhs - rhs) < 1e-10 * np.linalg.norm(T)
    assert rel((np.eye(3) + eta * A) @ m1, m0 + eta * h) < 1e-13


def test_run_equals_repeated_steps():
    pb, A, h, K, tau, m0, S0 = make_problem()
    plan = bwflow.JKOPlan(pb, 0.05)
    ms, Ss = plan.run(m0, S0, 6)
    assert ms.shape == (7, 4) and Ss.shape == (7, 4, 4)
    assert np.array_equal(ms[0], m0) and np.array_equal(Ss[0], S0)
    m, S = m0, S0
    for k in range(1, 7):
        m, S = plan.step(m, S)
        assert np.array_equal(ms[k], m) and np.array_equal(Ss[k], S)
    assert plan.eta == 0.05 and plan.dim == 4
    # n steps at once (kept in P's eigenbasis): the same iterate up to rounding (the C test
    # bounds the difference by n 1e-13; measured ~1e-14)
    mn, Sn = plan.step(m0, S0, 6)
    assert rel(mn, ms[6]) < 1e-12 and rel(Sn, Ss[6]) < 1e-12
    with pytest.raises(ValueError):
        plan.step(m0, S0, 0)


def test_explicit_step_against_numpy():
    pb, A, h, K, tau, m0, S0 = make_problem()
    eta = 0.05
    m, S = bwflow.forward_step(pb, eta, m0, S0)
    G = np.eye(4) - eta * (A + K - tau * np.linalg.inv(S0))
    assert rel(m, m0 - eta * (A @ m0 - h)) < 1e-14
    assert rel(S, G @ S0 @ G) < 1e-12


def test_wgf_against_matrix_exponentials():
    pb, A, h, K, tau, m0, S0 = make_problem(seed=5, d=5)
    ts = [0.0, 0.1, 1.0, 4.0]
    ms, Ss = bwflow.wgf(pb, m0, S0, ts)
    assert ms.shape == (4, 5) and Ss.shape == (4, 5, 5)
    for k, t in enumerate(ts):
        mr, Sr = wgf_expm(A, h, K, tau, m0, S0, t)
        # expm (Pade) vs eigenbasis exponentials: cond(P), cond(A) <= ~10 here.
        assert rel(ms[k], mr) < 1e-12 and rel(Ss[k], Sr) < 1e-12
    m, S = bwflow.wgf(pb, m0, S0, 1.0)
    assert np.array_equal(m, ms[2]) and np.array_equal(S, Ss[2])


def test_dynamics_errors():
    pb, A, h, K, tau, m0, S0 = make_problem()
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_BAD_ETA"):
        bwflow.JKOPlan(pb, 0.0)
    concave = bwflow.Problem(-np.eye(2), np.zeros(2), tau=1.0)
    with pytest.raises(bwflow.BwflowError) as ex:
        bwflow.JKOPlan(concave, 2.0)          # I + eta A = -I is not positive definite
    assert ex.value.name == "BW_ERR_ETA_TOO_LARGE"
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_BAD_ARG"):
        bwflow.wgf(pb, m0, S0, -1.0)
    with pytest.raises(ValueError):
        bwflow.JKOPlan(pb, 0.1).step(np.zeros(2), np.eye(2))
