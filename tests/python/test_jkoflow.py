"""JKO-Flow through the binding: against scipy's DOP853 on the full matrix ODE, the plain
flow against the closed form, and the collapse exception against the scalar law."""
import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

import bwflow
from helpers import flow_rhs, rel


@pytest.mark.parametrize("kind,sign", [("jko", 1), ("forward", -1)])
def test_modified_flows_against_scipy(kind, sign):
    pb, m0, S0 = bwflow.Problem.random(3, 2, 0.7)
    eta = 0.05
    times = [0.25, 0.5, 1.0]
    flow = bwflow.JKOFlow(pb, eta, kind)
    ms, Ss = flow.solve(m0, S0, times)
    assert flow.stats["steps"] > 0 and flow.linsol == "dense"
    f = flow_rhs(pb.A, pb.h, pb.K, 0.7, sign * eta)
    sol = solve_ivp(f, (0, 1.0), np.concatenate([m0, S0.ravel()]), method="DOP853",
                    t_eval=times, rtol=1e-12, atol=1e-14)
    assert sol.success
    for k in range(3):
        # both integrators keep a global error of a few hundred times rtol = 1e-12
        assert rel(ms[k], sol.y[:3, k]) < 1e-8
        assert rel(Ss[k], sol.y[3:, k].reshape(3, 3)) < 1e-8
        assert np.allclose(Ss[k], Ss[k].T, rtol=0, atol=1e-14)
    m1, S1 = bwflow.jkoflow(pb, m0, S0, 1.0, eta, kind)
    assert rel(m1, ms[2]) < 1e-9 and rel(S1, Ss[2]) < 1e-9   # autonomous: same solution at t


def test_plain_flow_is_the_exact_flow():
    pb, m0, S0 = bwflow.Problem.random(4, 6, 0.5)
    m, S = bwflow.jkoflow(pb, m0, S0, 2.0, 0.0, "plain", linsol="krylov")
    mw, Sw = bwflow.wgf(pb, m0, S0, 2.0)
    assert rel(m, mw) < 1e-9 and rel(S, Sw) < 1e-9


def collapse_problem():
    """P = A = R diag(1, 2) R' (R a rotation), tau = 1, S0 = R diag(0.01, 1) R' commuting
    with P. With eta = 0.1 the variance 0.01 along R e1 starts below the unstable
    equilibrium tau eta/(2 - p eta) = 0.0526 and reaches 0 in finite time."""
    c, s = np.cos(0.4), np.sin(0.4)
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag([1.0, 2.0]) @ R.T
    S0 = R @ np.diag([0.01, 1.0]) @ R.T
    return bwflow.Problem((A + A.T) / 2, np.zeros(2), tau=1.0), np.zeros(2), (S0 + S0.T) / 2, R


def test_collapse_raises_with_time_and_direction():
    pb, m0, S0, R = collapse_problem()
    eta, tau, p, s0 = 0.1, 1.0, 1.0, 0.01
    c = p * (1 - p * eta / 2)
    # s' = 2 tau - 2 c s - eta tau^2 / s: time from s0 down to 0 (scipy quadrature)
    tc = quad(lambda s: s / (eta * tau ** 2 - 2 * tau * s + 2 * c * s ** 2), 0, s0,
              epsabs=0, epsrel=1e-13)[0]
    with pytest.raises(bwflow.CollapseError) as ex:
        bwflow.jkoflow(pb, m0, S0, [tc / 2, 2 * tc], eta)
    e = ex.value
    assert isinstance(e, bwflow.BwflowError) and e.name == "BW_ERR_COLLAPSE"
    assert e.time == pytest.approx(tc, rel=1e-6)       # measured ~1e-9 at the default rtol
    expected = R[:, 0] * np.sign(R[np.argmax(np.abs(R[:, 0])), 0])
    assert np.linalg.norm(e.direction - expected) < 1e-6
    assert e.eta == eta and "t = " in str(e)
    # before the collapse the solution exists and is positive definite
    m, S = bwflow.jkoflow(pb, m0, S0, tc / 2, eta)
    assert np.all(np.linalg.eigvalsh(S) > 0)


def test_flow_option_errors():
    pb, m0, S0 = bwflow.Problem.preset("ou2d")
    with pytest.raises(ValueError):
        bwflow.JKOFlow(pb, 0.1, linsol="lu")
    with pytest.raises(ValueError):
        bwflow.JKOFlow(pb, 0.1, kind="backward")
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_BAD_ARG"):
        bwflow.JKOFlow(pb, 0.1, rtol=-1)
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_BAD_ETA"):
        bwflow.JKOFlow(pb, 0.0, "jko")
    with pytest.raises(bwflow.BwflowError) as ex:
        bwflow.JKOFlow(pb, 0.1, max_steps=2).solve(m0, S0, 5.0)
    assert ex.value.name.startswith("BW_ERR_CVODE") and "CV_" in ex.value.detail
