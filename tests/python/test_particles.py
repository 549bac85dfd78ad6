"""The particle system through the binding (lib/python/bwflow/particles.py): the problem and its
derivatives against numpy, JKO steps (optimality, the Gaussian mean for a quadratic V),
flows (the Gaussian mean, the Jacobian choices agree, ill-posedness as IllPosedError with
the time and the mode) and the order study (the table of docs/math.md section 7; `bwflow order --json`)."""
import json
import os
import subprocess

import numpy as np
import numpy.polynomial.polynomial as P
import pytest

import bwflow


def test_problem_and_derivatives():
    pp = bwflow.Particles(6, [0.3, -1.0, 0.5, 0.2, 0.25], tau=0.7)
    assert pp.n == 6 and pp.tau == 0.7 and list(pp.V) == [0.3, -1.0, 0.5, 0.2, 0.25]
    x = np.array([-1.3, -0.4, 0.1, 0.35, 0.9, 1.6])
    D = np.diff(x)
    F = P.polyval(x, pp.V).sum() - 0.7 * np.log(6 * D).sum()
    assert pp.energy(x) == pytest.approx(F / 6, rel=1e-14)
    g = P.polyval(x, P.polyder(pp.V))
    g[:-1] += 0.7 / D
    g[1:] -= 0.7 / D
    assert np.allclose(pp.gradient(x), g, rtol=1e-14, atol=1e-14)
    d, e = pp.hessian(x)
    H = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    w = np.linalg.eigvalsh(H)
    lo, hi = pp.hessian_extremes(x)
    assert lo == pytest.approx(w[0], rel=1e-12) and hi == pytest.approx(w[-1], rel=1e-12)
    assert pp.slope_sq(x) == pytest.approx(g @ g / 6, rel=1e-14)
    assert pp.modified_energy(x, 0.1) == pytest.approx(F / 6 - 0.025 * g @ g / 6, rel=1e-13)
    assert np.allclose(pp.density(x), 1 / (6 * D))
    assert pp.vpp_min == pytest.approx(min(P.polyval(np.linspace(-3, 3, 600001), P.polyder(pp.V, 2))), abs=1e-9)
    assert bwflow.particles_moments(x) == pytest.approx((x.mean(), x.var()), rel=1e-14)
    assert bwflow.particles_w2(x, x + 0.5) == pytest.approx(0.5, rel=1e-15)


def test_errors():
    with pytest.raises(bwflow.BwflowError) as ei:
        bwflow.Particles(6, [0, 0, 0.5, 1.0])  # odd degree: not confining
    assert ei.value.name == "BW_ERR_BAD_ARG"
    pp, x0 = bwflow.Particles.preset("quartic")
    with pytest.raises(bwflow.BwflowError) as ei:
        pp.energy(x0[::-1])
    assert ei.value.name == "BW_ERR_NOT_ORDERED"
    with pytest.raises(ValueError):
        pp.energy(x0[:5])
    dw, _ = bwflow.Particles.preset("doublewell")
    with pytest.raises(bwflow.BwflowError) as ei:
        bwflow.ParticlesJKOPlan(dw, 1.5)
    assert ei.value.name == "BW_ERR_ETA_TOO_LARGE"


def test_jko_optimality_and_gaussian_mean():
    a, h, tau, eta = 1.3, 0.4, 0.7, 0.01
    pp = bwflow.Particles(30, [0.0, -h, a / 2], tau=tau)
    x0 = bwflow.particles_quantiles(30, 1.5, 0.6)
    plan = bwflow.ParticlesJKOPlan(pp, eta)
    xs = plan.run(x0, 20)
    for k in range(1, 21):
        r = xs[k] - xs[k - 1] + eta * pp.gradient(xs[k])
        assert np.max(np.abs(r)) <= 1e-12
    m = x0.mean()
    for k in range(20):
        m = (m + eta * h) / (1 + eta * a)
    assert xs[-1].mean() == pytest.approx(m, abs=1e-13)


def test_flows():
    pp, x0 = bwflow.Particles.preset("gauss1d", 40)  # V = x^2/2: mean' = -(1 - eta/2) mean
    eta = 0.2 / pp.hessian_extremes(x0)[1]
    ts = [0.1, 0.2]
    for kind, e in (("plain", 0.0), ("jko", eta), ("forward", -eta)):
        xs = bwflow.particles_flow(pp, x0, ts, eta, kind=kind, rtol=1e-12, atol=1e-14)
        want = x0.mean() * np.exp(-(1 - e / 2) * np.array(ts))
        assert np.allclose(xs.mean(axis=1), want, rtol=0, atol=1e-11)
    fa = bwflow.ParticlesFlow(pp, eta, jacobian="analytic")
    fd = bwflow.ParticlesFlow(pp, eta, jacobian="dq")
    xa, xd = fa.solve(x0, [0.3]), fd.solve(x0, [0.3])
    assert bwflow.particles_w2(xa[0], xd[0]) <= 1e-10
    assert fa.stats["steps"] > 0 and fd.stats["rhs_evals"] > fa.stats["rhs_evals"]


def test_ill_posed():
    pp, x0 = bwflow.Particles.preset("quartic")
    lmax = pp.hessian_extremes(x0)[1]
    with pytest.raises(bwflow.IllPosedError) as ei:  # from the start
        bwflow.particles_flow(pp, x0, [0.1], 3.0 / lmax)
    assert ei.value.time == 0 and ei.value.eta_lambda_max == pytest.approx(3.0, rel=1e-12)
    # contracting (quantiles of N(0, 9)): lambda_max grows until eta lambda_max = 2
    x0 = bwflow.particles_quantiles(20, 0.0, 3.0)
    eta = 1.5 / pp.hessian_extremes(x0)[1]
    with pytest.raises(bwflow.IllPosedError) as ei:
        bwflow.particles_flow(pp, x0, [2.0], eta)
    err = ei.value
    assert 0 < err.time < 2 and err.eta_lambda_max == pytest.approx(2.0, abs=1e-9)
    d, e = pp.hessian(err.positions)
    H = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    assert np.allclose(H @ err.mode, err.eta_lambda_max / eta * err.mode, rtol=0, atol=1e-8 * np.abs(d).max())


def test_order_table_and_cli(tmp_path):
    pp, x0 = bwflow.Particles.preset("quartic")
    res = bwflow.particles_order(pp, x0, T=0.5, etas=[2e-3, 1e-3, 5e-4, 2.5e-4])
    assert res["status"] == ["ok"] * 4
    assert res["err_jkoflow"] == pytest.approx([8.07e-6, 2.03e-6, 5.07e-7, 1.27e-7], rel=0.005)  # docs/math.md section 7
    assert res["slope_wgf"] == pytest.approx(1, abs=0.01) and res["slope_jkoflow"] == pytest.approx(2, abs=0.01)
    assert res["eta_max"] == pytest.approx(2 / pp.hessian_extremes(x0)[1], rel=1e-12)
    exe = os.environ.get("BWFLOW_EXE")
    if not exe:
        pytest.skip("BWFLOW_EXE not set (meson sets it)")
    out = json.loads(subprocess.run([exe, "order", "--preset", "quartic", "--t", "0.5", "--etas", "2e-3,1e-3,5e-4,2.5e-4",
                                     "--json", "--out", str(tmp_path)], capture_output=True, text=True, check=True).stdout)
    for key in ("err_wgf", "err_jkoflow", "err_forward_wgf", "err_forward_flow"):
        assert res[key] == pytest.approx(out[key], rel=1e-15)
    # beyond the well-posed range: a row, not an exception
    res = bwflow.particles_order(pp, x0, T=0.5, etas=[2.5e-3, 1e-3])
    assert res["status"] == ["ill-posed", "ok"] and res["err_jkoflow"][0] is None
