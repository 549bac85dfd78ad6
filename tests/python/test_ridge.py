"""The ridge system (Gaussian VI) through the binding: the command line's numbers to the bit
(problem files, presets, the glm shortcut from a CSV), quadratic ridges against the Gaussian
classes, the VI optimum against scipy.optimize on the same quadrature, Python ridge
functions (their exceptions, wrong results, threads, lifetime) and argument checks. Unit
tests use synthetic data only."""
import gc
import json
import os
import subprocess
import threading

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import minimize

import bwflow
from helpers import rel

EXE = os.environ.get("BWFLOW_EXE")
needs_cli = pytest.mark.skipif(not EXE, reason="BWFLOW_EXE not set (meson sets it)")

# A problem with every family, as a file and as arguments of RidgeProblem.
FILE = {"dim": 3, "A": [[1.0, 0.2, 0.0], [0.2, 0.8, 0.1], [0.0, 0.1, 0.6]], "h": [0.5, -0.25, 0.1],
        "tau": 0.7, "nodes": 24,
        "ridges": [{"phi": "quadratic", "a": [0.3, -0.2, 0.1], "b": 0.2, "w": 0.5},
                   {"phi": "quartic", "a": [0.5, 0.1, -0.3], "b": -0.1, "w": 0.25},
                   {"phi": "logistic", "a": [1.5, -0.7, 0.4]},
                   {"phi": "poisson", "a": [0.2, 0.3, -0.1], "b": 0.5, "w": 1.5},
                   {"phi": "logcosh", "a": [-0.6, 0.8, 1.1], "b": 0.3, "w": 0.75}],
        "mean": [0.4, -0.3, 0.2], "cov": [[0.5, 0.1, 0.0], [0.1, 0.4, 0.05], [0.0, 0.05, 0.3]]}
KINDS = ["jko", "forward", "fb", "wgf", "jkoflow", "forwardflow"]


def file_problem():
    pb = bwflow.RidgeProblem(FILE["ridges"], A=FILE["A"], h=FILE["h"], tau=FILE["tau"], nodes=FILE["nodes"])
    return pb, np.array(FILE["mean"]), np.array(FILE["cov"])


def cli_evolve(args):
    out = subprocess.run([EXE, "evolve"] + args + ["--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def same_state(res, m, S, J):
    """The command's printed state equals the binding's (its numbers read back to the same
    doubles); the energy to rounding (the command evaluates it through the trajectory)."""
    assert np.array_equal(np.array(res["mean"]), m), (res["mean"], m)
    assert np.array_equal(np.array(res["cov"]), S)
    assert res["energy"] == pytest.approx(J, rel=1e-15, abs=1e-15)


@needs_cli
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("source", ["file", "vi-quartic", "logreg"])
def test_trajectories_equal_the_command_to_the_bit(tmp_path, source, kind):
    if source == "file":
        path = tmp_path / "p.json"
        path.write_text(json.dumps(FILE))
        pb, m0, S0 = file_problem()
        args = [str(path)]
    else:
        pb, m0, S0 = bwflow.RidgeProblem.preset(source)
        args = ["--preset", source]
    eta, T = (0.01, 0.1) if source == "logreg" else (0.05, 0.5)
    res = cli_evolve(args + ["--method", kind, "--eta", str(eta), "--t", str(T)])
    sysr = bwflow.System.ridge(pb, m0, S0)
    tr = bwflow.Trajectory(sysr, kind, 0.0 if kind == "wgf" else eta, t_stop=T).advance(T)
    m, S = tr.state
    same_state(res, m, S, tr.fields()["J"])
    assert tr.fields()["J"] == pb.energy(m, S)
    if kind in bwflow.RIDGE_METHODS:            # the problem's own steps: the same function
        ws = bwflow.RidgeWorkspace(pb)
        ms, Ss = pb.run(kind, eta, m0, S0, 10, ws=ws)
        assert np.array_equal(ms[-1], m) and np.array_equal(Ss[-1], S)
        m1, S1 = pb.step(kind, eta, m0, S0, 10)
        assert np.array_equal(m1, m) and np.array_equal(S1, S)
        if kind == "jko":
            assert 10 <= ws.newton_iters <= 60
    elif kind != "wgf":                          # the flows' solver: the same integration
        flow = bwflow.RidgeFlow(pb, eta, {"jkoflow": "jko", "forwardflow": "forward"}[kind])
        mf, Sf = flow.solve(m0, S0, T)
        assert np.array_equal(mf, m) and np.array_equal(Sf, S)
        assert flow.solver == "bdf-dense" and flow.stats["steps"] > 0
    else:
        mf, Sf = bwflow.ridge_flow(pb, m0, S0, T, 0.0, "plain")
        assert np.array_equal(mf, m) and np.array_equal(Sf, S)
        mf, Sf = bwflow.ridge_flow(pb, m0, S0, [T / 2, T], 0.0, "plain")   # another output: CVODE's tolerance
        assert rel(mf[1], m) < 1e-10 and rel(Sf[1], S) < 1e-10


def _glm_data(rng, n, p, family):
    X = rng.normal(size=(n, p)) * [1.0, 3.0, 0.2][:p] + [0.5, -2.0, 1.0][:p]
    eta = X @ np.array([0.8, -0.3, 1.5][:p]) - 0.2
    if family == "logistic":
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
        y[:3] = [0.25, 0.5, 1.0]                  # proportions are responses too
    else:
        y = rng.poisson(np.exp(0.3 * eta)).astype(float)
    return X, y


@needs_cli
@pytest.mark.parametrize("family", ["logistic", "poisson"])
def test_glm_from_a_csv_equals_the_command(tmp_path, family):
    rng = np.random.default_rng(7)
    X, y = _glm_data(rng, 40, 3, family)
    with open(tmp_path / "data.csv", "w") as f:
        f.write("# synthetic\nx1, \"x 2\", label, x3\n")
        for row, yi in zip(X, y):
            f.write("%r, %r, %r, %r\n" % (row[0], row[1], yi, row[2]))
    extra = [{"phi": "logcosh", "a": [0.1, 0.2, -0.3, 0.4], "b": 0.5}]
    s2 = 2.0 if family == "logistic" else 0.25     # poisson: E e^(x'beta) under the prior stays moderate
    glm = {"family": family, "csv": "data.csv", "y": "label", "prior_var": s2, "intercept": True,
           "standardize": True}
    (tmp_path / "p.json").write_text(json.dumps({"glm": glm, "ridges": extra, "h": [0.1, 0, 0, -0.2],
                                                 "tau": 0.9}))
    pb, m0, S0 = bwflow.RidgeProblem.glm(X, y, family=family, prior_var=s2, intercept=True, standardize=True,
                                         ridges=extra, h=[0.1, 0, 0, -0.2], tau=0.9)
    assert np.array_equal(m0, np.zeros(4)) and np.array_equal(S0, s2 * np.eye(4))
    assert pb.dim == 4 and pb.nridges == 41 and pb.tau == 0.9
    for kind, eta, T in (("fb", 0.002, 0.02), ("jko", 0.05, 0.2)):
        res = cli_evolve([str(tmp_path / "p.json"), "--method", kind, "--eta", str(eta), "--t", str(T)])
        m, S = pb.step(kind, eta, m0, S0, round(T / eta))
        same_state(res, m, S, pb.energy(m, S))
    # the expansion itself, computed independently (numpy's sums: to rounding)
    Z = (X - X.mean(0)) / X.std(0)
    Xi = np.hstack([np.ones((40, 1)), Z])
    r = pb.ridges
    assert r[0]["phi"] == "logcosh" and all(x["phi"] == family and x["b"] == 0 and x["w"] == 1 for x in r[1:])
    assert rel(np.array([x["a"] for x in r[1:]]), Xi) < 1e-14
    assert rel(pb.h, Xi.T @ y + [0.1, 0, 0, -0.2]) < 1e-14 and np.array_equal(pb.A, np.eye(4) / s2)


def test_glm_does_not_write_its_arguments_and_checks_them():
    rng = np.random.default_rng(3)
    X, y = _glm_data(rng, 20, 2, "logistic")
    A = np.asfortranarray(np.eye(3) * 0.5)
    h = np.zeros(3)
    X0, y0 = X.copy(), y.copy()
    pb, _m0, _S0 = bwflow.RidgeProblem.glm(X, y, family="logistic", prior_var=4.0, intercept=True, A=A, h=h)
    assert np.array_equal(X, X0) and np.array_equal(y, y0) and np.array_equal(A, np.eye(3) * 0.5)
    assert np.array_equal(h, np.zeros(3)) and np.array_equal(pb.A, 0.75 * np.eye(3))
    yb = y.copy()
    yb[4] = 1.5
    with pytest.raises(ValueError, match=r"y\[4\] is 1.5: logistic regression needs 0 <= y <= 1"):
        bwflow.RidgeProblem.glm(X, yb, family="logistic", prior_var=1.0)
    with pytest.raises(ValueError, match="poisson regression needs y >= 0"):
        bwflow.RidgeProblem.glm(X, -y, family="poisson", prior_var=1.0)
    Xc = X.copy()
    Xc[:, 1] = 3.0
    with pytest.raises(ValueError, match="feature column 1 is constant"):
        bwflow.RidgeProblem.glm(Xc, y, family="logistic", prior_var=1.0, standardize=True)
    bwflow.RidgeProblem.glm(Xc, y, family="logistic", prior_var=1.0)          # fine unscaled
    for kwargs, exc in ((dict(family="probit", prior_var=1.0), ValueError),
                        (dict(family="logistic", prior_var=0.0), ValueError),
                        (dict(family="logistic", prior_var=True), TypeError),
                        (dict(family="logistic", prior_var=1.0, intercept=1), TypeError),
                        (dict(family="logistic", prior_var=1.0, A=np.eye(3)), ValueError),
                        (dict(family="logistic", prior_var=1.0, nodes=0), ValueError)):
        with pytest.raises(exc):
            bwflow.RidgeProblem.glm(X, y, **kwargs)
    with pytest.raises(ValueError, match="y must be a vector of length 20"):
        bwflow.RidgeProblem.glm(X, y[:5], family="logistic", prior_var=1.0)
    Xn = X.copy()
    Xn[2, 0] = np.nan
    with pytest.raises(ValueError, match="not finite"):
        bwflow.RidgeProblem.glm(Xn, y, family="logistic", prior_var=1.0)


def test_quadratic_ridges_are_the_gaussian_system():
    rng = np.random.default_rng(11)
    d, n, tau = 3, 4, 0.8
    A0 = np.diag([0.3, 0.6, 0.9])
    h0 = rng.normal(size=d)
    a, b, w = rng.normal(size=(n, d)), rng.normal(size=n), rng.uniform(0.5, 1.5, size=n)
    rp = bwflow.RidgeProblem([{"phi": "quadratic", "a": a, "b": b, "w": w}], A=A0, h=h0, tau=tau)
    gp = bwflow.Problem(A0 + (a.T * w) @ a, h0 + a.T @ (w * b), tau=tau)
    m0, S0 = rng.normal(size=d), np.array([[0.6, 0.1, 0.0], [0.1, 0.5, 0.2], [0.0, 0.2, 0.7]])
    const = np.sum(w * b * b) / 2                     # V differs by this constant
    assert rp.energy(m0, S0) == pytest.approx(gp.energy(m0, S0) + const, rel=1e-14)
    g, G = rp.gradient(m0, S0)
    gg, GG = gp.gradient(m0, S0)
    assert rel(g, gg) < 1e-14 and rel(G, 2 * GG) < 1e-14
    assert rp.slope_sq(m0, S0) == pytest.approx(gp.slope_sq(m0, S0), rel=1e-13)
    assert rp.modified_energy(m0, S0, 0.1) == pytest.approx(gp.modified_energy(m0, S0, 0.1) + const, rel=1e-13)
    assert rel(rp.expected_hessian(m0, S0), gp.P) < 1e-14
    for eta in (0.05, 0.3):
        mj, Sj = rp.jko_step(eta, m0, S0)
        mg, Sg = bwflow.JKOPlan(gp, eta).step(m0, S0)
        assert rel(mj, mg) < 1e-13 and rel(Sj, Sg) < 1e-13
        mf, Sf = rp.forward_step(eta, m0, S0)
        mg, Sg = bwflow.forward_step(gp, eta, m0, S0)
        assert rel(mf, mg) < 1e-13 and rel(Sf, Sg) < 1e-13
        mb, Sb = rp.fb_step(eta, m0, S0, n=3)
        mg, Sg = bwflow.Trajectory(bwflow.System.gaussian(gp, m0, S0), "fb", eta).advance(3 * eta).state
        assert rel(mb, mg) < 1e-13 and rel(Sb, Sg) < 1e-13
    times = [0.5, 1.0]
    mw, Sw = bwflow.ridge_flow(rp, m0, S0, times, 0.0, "plain")
    me, Se = bwflow.wgf(gp, m0, S0, times)
    assert rel(mw, me) < 1e-10 and rel(Sw, Se) < 1e-10
    for kind in ("jko", "forward"):
        mr, Sr = bwflow.RidgeFlow(rp, 0.1, kind).solve(m0, S0, times)
        mg, Sg = bwflow.JKOFlow(gp, 0.1, kind).solve(m0, S0, times)
        assert rel(mr, mg) < 1e-10 and rel(Sr, Sg) < 1e-10
    mo, So = rp.vi_optimum(m0, S0)
    mg, Sg = gp.minimiser()
    assert rel(mo, mg) < 1e-12 and rel(So, Sg) < 1e-12


def _chol_params(m, S):
    L = np.linalg.cholesky(S)
    return np.concatenate([m, L[np.tril_indices(len(m))]])


def _from_params(x, d):
    L = np.zeros((d, d))
    L[np.tril_indices(d)] = x[d:]
    return x[:d], L


def _minimize(J, grad, m0, S0):
    """scipy's BFGS on J(m, L L') over (m, lower-triangular L), with the gradient
    (dJ/dm, dJ/dL) = (g, G L) (dJ/dS = G/2)."""
    d = len(m0)

    def f(x):
        m, L = _from_params(x, d)
        S = L @ L.T
        g, G = grad(m, S)
        return J(m, S), np.concatenate([g, (G @ L)[np.tril_indices(d)]])

    r = minimize(f, _chol_params(m0, S0), jac=True, method="BFGS", options={"gtol": 1e-11, "maxiter": 5000})
    m, L = _from_params(r.x, d)
    return m, L @ L.T


def test_vi_optimum_against_scipy():
    # the library's energy and gradient, minimised by scipy: the same J, another optimiser
    pb, m0, S0 = bwflow.RidgeProblem.preset("logreg")
    m, S = pb.vi_optimum(m0, S0)
    g, G = pb.gradient(m, S)
    assert np.max(np.abs(g)) < 1e-12 and np.max(np.abs(G)) < 1e-10 * np.max(np.abs(pb.expected_hessian(m, S)))
    ms, Ss = _minimize(pb.energy, pb.gradient, m0, S0)
    assert rel(m, ms) < 1e-7 and rel(S, Ss) < 1e-7
    assert pb.energy(m, S) <= pb.energy(ms, Ss) + 1e-12      # rounding: J sums 200 ridges
    # the quartic example: N(0, 1/sqrt 3)
    pq, q0, Q0 = bwflow.RidgeProblem.preset("vi-quartic")
    mq, Sq = pq.vi_optimum(q0, Q0)
    assert abs(mq[0]) < 1e-14 and Sq[0, 0] == pytest.approx(1 / np.sqrt(3), rel=1e-15)


def _logcosh(t, kmax):
    th, s2 = np.tanh(t), 1 / np.cosh(t) ** 2
    return np.array([np.log(np.cosh(t)), th, s2, -2 * th * s2, s2 * (6 * th * th - 2)])[:kmax + 1]


def test_python_phi_vi_optimum_against_numpy_quadrature():
    # a Python phi: Gauss-Hermite with the problem's nodes; the same rule in numpy (its own
    # nodes, hermegauss), J and its gradient in numpy, minimised by scipy
    q = 20
    a = np.array([[1.0, 0.5], [-0.4, 1.2], [0.3, -0.9]])
    b, w = np.array([0.2, -0.1, 0.5]), np.array([1.0, 0.5, 2.0])
    A, h, tau = np.array([[0.5, 0.1], [0.1, 0.3]]), np.array([0.3, -0.2]), 0.6
    pb = bwflow.RidgeProblem([{"phi": _logcosh, "a": a, "b": b, "w": w}], A=A, h=h, tau=tau, nodes=q)
    z, zw = hermegauss(q)
    zw = zw / zw.sum()

    def psi(k, mu, s):
        return _logcosh(mu[:, None] + np.sqrt(s)[:, None] * z, 4)[k] @ zw

    def J(m, S):
        mu, s = a @ m - b, np.einsum("ji,ik,jk->j", a, S, a)
        return (0.5 * m @ A @ m + 0.5 * np.trace(A @ S) - h @ m + w @ psi(0, mu, s)
                - tau / 2 * np.linalg.slogdet(S)[1] - tau * len(m) / 2 * np.log(2 * np.pi * np.e))

    def grad(m, S):
        mu, s = a @ m - b, np.einsum("ji,ik,jk->j", a, S, a)
        return A @ m - h + a.T @ (w * psi(1, mu, s)), A + (a.T * (w * psi(2, mu, s))) @ a - tau * np.linalg.inv(S)

    m0, S0 = np.array([1.0, -1.0]), np.eye(2)
    assert pb.energy(m0, S0) == pytest.approx(J(m0, S0), rel=1e-13)
    g, G = pb.gradient(m0, S0)
    gn, Gn = grad(m0, S0)
    assert rel(g, gn) < 1e-13 and rel(G, Gn) < 1e-13
    m, S = pb.vi_optimum(m0, S0)
    ms, Ss = _minimize(J, grad, m0, S0)
    assert rel(m, ms) < 1e-7 and rel(S, Ss) < 1e-7
    # the built-in family on Gauss-Hermite's side of its quadrature: the same numbers
    pl = bwflow.RidgeProblem([{"phi": "logcosh", "a": a, "b": b, "w": w}], A=A, h=h, tau=tau, nodes=q)
    small = 0.01 * np.eye(2)
    assert pl.energy(m0, small) == pytest.approx(pb.energy(m0, small), rel=1e-14)


class Boom(Exception):
    pass


def _quartic(t, kmax):
    return np.array([t ** 4 / 4, t ** 3, 3 * t * t, 6 * t, 6 + 0 * t])[:kmax + 1]


def test_python_phi_equals_the_family_and_runs_in_threads():
    a = np.array([[1.0, 0.3], [-0.5, 0.8]])
    mine = bwflow.RidgeProblem([{"phi": _quartic, "a": a, "b": [0.1, -0.2]}], A=0.2 * np.eye(2), tau=0.5)
    theirs = bwflow.RidgeProblem([{"phi": "quartic", "a": a, "b": [0.1, -0.2]}], A=0.2 * np.eye(2), tau=0.5)
    m0, S0 = np.array([0.5, -0.5]), np.array([[0.4, 0.1], [0.1, 0.3]])
    assert mine.energy(m0, S0) == pytest.approx(theirs.energy(m0, S0), rel=1e-13)
    assert rel(mine.jko_step(0.1, m0, S0)[1], theirs.jko_step(0.1, m0, S0)[1]) < 1e-13
    assert mine.ridges[0]["phi"] is _quartic and theirs.ridges[1]["phi"] == "quartic"
    s = bwflow.System.ridge(mine, m0, S0)
    one = bwflow.study(s, 0.5, [0.05, 0.025, 0.0125], jobs=1)
    two = bwflow.study(s, 0.5, [0.05, 0.025, 0.0125], jobs=3)   # phi called from three threads
    assert one == two and one["status"] == ["ok"] * 3
    ref = bwflow.study(bwflow.System.ridge(theirs, m0, S0), 0.5, [0.05, 0.025, 0.0125], jobs=1)
    assert one["err_wgf"] == pytest.approx(ref["err_wgf"], rel=1e-8)


def _entry_points(pb, m0, S0):
    """Every call that evaluates the problem's ridge functions."""
    sysr = bwflow.System.ridge(pb, m0, S0)
    calls = {
        "energy": lambda: pb.energy(m0, S0), "gradient": lambda: pb.gradient(m0, S0),
        "expected_hessian": lambda: pb.expected_hessian(m0, S0), "slope_sq": lambda: pb.slope_sq(m0, S0),
        "modified_energy": lambda: pb.modified_energy(m0, S0, 0.1), "expect": lambda: pb.expect(0, 0.1, 0.5),
        "jko_step": lambda: pb.jko_step(0.1, m0, S0), "forward_step": lambda: pb.forward_step(0.1, m0, S0),
        "fb_step": lambda: pb.fb_step(0.1, m0, S0, ws=bwflow.RidgeWorkspace(pb)),
        "run": lambda: pb.run("jko", 0.1, m0, S0, 3), "vi_optimum": lambda: pb.vi_optimum(m0, S0),
        "flow.solve": lambda: bwflow.RidgeFlow(pb, 0.1, "jko").solve(m0, S0, 0.5),
        "flow.rhs": lambda: bwflow.RidgeFlow(pb, 0.1, "forward").rhs(m0, S0),
        "System.ridge": lambda: bwflow.System.ridge(pb, m0, S0),
        "study": lambda: bwflow.study(sysr, 0.2, [0.1, 0.05], jobs=2),
        "order": lambda: bwflow.order(pb, m0, S0, jobs=1),
    }
    for kind in KINDS:
        calls["Trajectory " + kind] = lambda kind=kind: bwflow.Trajectory(sysr, kind, 0.1).advance(0.2)
    return calls


def test_python_phi_exceptions_propagate_from_every_entry_point():
    state = {"left": 0}

    def flaky(t, kmax):                       # good for `left` calls, then raises
        state["left"] -= 1
        if state["left"] < 0:
            raise Boom("phi refused %d points" % len(t))
        return _quartic(t, kmax)

    pb = bwflow.RidgeProblem([{"phi": flaky, "a": [1.0, 0.5]}, {"phi": "logistic", "a": [0.2, 1.0]}],
                             A=np.eye(2), tau=1.0)
    m0, S0 = np.array([0.3, -0.2]), np.array([[0.5, 0.1], [0.1, 0.4]])
    state["left"] = 10 ** 9
    calls = _entry_points(pb, m0, S0)          # the system is made with a good phi
    for left in (0, 1, 5):
        for name, call in calls.items():
            state["left"] = left
            try:
                call()
            except Boom as exc:
                assert "phi refused" in str(exc)
                continue
            assert left > 0, name                # with no good call, every entry point raises
    state["left"] = 10 ** 9
    assert pb.energy(m0, S0) == pb.energy(m0, S0)   # nothing stale after the failures


def test_python_phi_wrong_results():
    m0, S0 = np.array([0.3]), np.array([[0.5]])
    cases = [
        (lambda t, k: np.zeros((k + 2, len(t))), ValueError, r"shape \(2, 32\) for 32 points and kmax = 0"),
        (lambda t, k: np.zeros(len(t)), ValueError, "expected"),
        (lambda t, k: None, TypeError, "real numbers"),
        (lambda t, k: "abc", TypeError, "real numbers"),
        (lambda t, k: np.zeros((k + 1, len(t)), dtype=complex), TypeError, "complex"),
        (lambda t, k: np.zeros((k + 1, len(t)), dtype=bool), TypeError, "bool"),
        (lambda t: t, TypeError, "positional argument"),
        (lambda t, k: [[object()] * len(t)] * (k + 1), TypeError, "real numbers"),
        (lambda t, k: 1 / 0, ZeroDivisionError, "division"),
    ]
    for fn, exc, match in cases:
        pb = bwflow.RidgeProblem([{"phi": fn, "a": [1.0]}])
        with pytest.raises(exc, match=match):
            pb.energy(m0, S0)
        with pytest.raises(exc):
            pb.jko_step(0.1, m0, S0)
    # lists are arrays too; non-finite values are the library's overflow
    ok = bwflow.RidgeProblem([{"phi": lambda t, k: _quartic(t, k).tolist(), "a": [1.0]}])
    assert ok.energy(m0, S0) == pytest.approx(bwflow.RidgeProblem([{"phi": "quartic", "a": [1.0]}]).energy(m0, S0))
    nan = bwflow.RidgeProblem([{"phi": lambda t, k: np.full((k + 1, len(t)), np.nan), "a": [1.0]}])
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_OVERFLOW"):
        nan.energy(m0, S0)
    # a phi that uses the workspace of the call that runs it: refused, never shared
    ws = {}

    def reentrant(t, k):
        ws["pb"].energy(m0, S0, ws=ws["ws"])
        return _quartic(t, k)

    ws["pb"] = bwflow.RidgeProblem([{"phi": reentrant, "a": [1.0]}])
    ws["ws"] = bwflow.RidgeWorkspace(ws["pb"])
    with pytest.raises(RuntimeError, match="in use"):
        ws["pb"].energy(m0, S0, ws=ws["ws"])


def test_python_phi_lives_as_long_as_what_uses_it():
    m0, S0 = np.array([0.3]), np.array([[0.5]])

    def make():
        pb = bwflow.RidgeProblem([{"phi": lambda t, k: _quartic(t, k) * 1.0, "a": [1.0]}])
        return bwflow.System.ridge(pb, m0, S0), bwflow.RidgeFlow(pb, 0.1, "plain")

    sysr, flow = make()
    gc.collect()
    ref = bwflow.RidgeProblem([{"phi": "quartic", "a": [1.0]}])
    m, S = bwflow.Trajectory(sysr, "wgf").advance(1.0).state
    mr, Sr = bwflow.ridge_flow(ref, m0, S0, 1.0, 0.0, "plain")
    assert rel(m, mr) < 1e-9 and rel(S, Sr) < 1e-9
    assert rel(flow.solve(m0, S0, 1.0)[1], Sr) < 1e-9


def test_order_study_matches_the_command(tmp_path):
    if not EXE:
        pytest.skip("BWFLOW_EXE not set")
    pb, m0, S0 = bwflow.RidgeProblem.preset("vi-quartic")
    seen = []
    res = bwflow.order(pb, m0, S0, jobs=2, progress=lambda d, t: seen.append((d, t)))
    cli = json.loads(subprocess.run([EXE, "order", "--preset", "vi-quartic", "--json", "--out", str(tmp_path)],
                                    check=True, capture_output=True, text=True).stdout)
    assert set(cli) == set(res)
    for key, value in cli.items():
        if isinstance(value, float):
            assert res[key] == pytest.approx(value, rel=1e-15), key
        elif isinstance(value, list) and value and isinstance(value[0], float):
            assert res[key] == pytest.approx(value, rel=1e-15), key
        else:
            assert res[key] == value, key
    assert res["unavailable"] == {"jkoflow2": "the ridge system does not provide jkoflow2"}
    assert res["err_jkoflow2"] == [None] * len(res["etas"]) and seen[-1][0] == seen[-1][1]
    for name, p in (("wgf", 1), ("jkoflow", 2), ("forward_wgf", 1), ("forward_flow", 2), ("fb_wgf", 1)):
        assert abs(res["slope_" + name] - p) < 0.05


def test_argument_checks():
    good = {"phi": "logistic", "a": [1.0, 0.5]}
    for ridges, exc, match in [
        ({"phi": "logistic"}, TypeError, "list"),
        ("logistic", TypeError, "list"),
        ([1.0], TypeError, r"ridges\[0\] must be a dict"),
        ([{"phi": "cubic", "a": [1.0]}], ValueError, "cubic"),
        ([{"phi": 3, "a": [1.0]}], TypeError, "phi"),
        ([{"a": [1.0]}], ValueError, "required"),
        ([{"phi": "logistic", "a": [1.0], "c": 1}], ValueError, "unknown key 'c'"),
        ([good, {"phi": "logistic", "a": [1.0, 2.0, 3.0]}], ValueError, r"ridges\[1\]\[\"a\"\] has 3 columns"),
        ([{"phi": "logistic", "a": [1.0, np.nan]}], ValueError, "not finite"),
        ([{"phi": "logistic", "a": [1.0], "w": -1}], ValueError, r"\['w'\] is -1.0: it must be finite and > 0"),
        ([{"phi": "logistic", "a": [1.0], "b": np.inf}], ValueError, "'b'"),
        ([{"phi": "logistic", "a": [[1.0], [2.0]], "w": [1.0, 0.0]}], ValueError, r"\['w'\]\[1\] is 0.0"),
        ([{"phi": "logistic", "a": [[1.0], [2.0]], "b": [1.0, 2.0, 3.0]}], ValueError, "2 numbers"),
        ([{"phi": "logistic", "a": [1.0], "w": True}], TypeError, "bool"),
        ([{"phi": "logistic", "a": "x"}], TypeError, "real numbers"),
        ([{"phi": "logistic", "a": np.zeros((2, 2, 2))}], ValueError, "vector"),
        ([], ValueError, "dimension is not known"),
    ]:
        with pytest.raises(exc, match=match):
            bwflow.RidgeProblem(ridges)
    with pytest.raises(ValueError, match="A is 2 x 2, expected 3 x 3"):
        bwflow.RidgeProblem([], A=np.eye(2), dim=3)
    with pytest.raises(ValueError, match="h must be a vector of length 2"):
        bwflow.RidgeProblem([good], h=[1.0, 2.0, 3.0], A=np.eye(2))
    with pytest.raises(bwflow.InvalidInputError) as ex:
        bwflow.RidgeProblem([good], tau=-1.0)
    assert ex.value.argument == "tau"
    with pytest.raises(bwflow.InvalidInputError) as ex:
        bwflow.RidgeProblem([good], A=[[1.0, 0.5], [0.0, 1.0]])
    assert ex.value.argument == "A"
    for nodes in (0, 257, 2.0, True):
        with pytest.raises((ValueError, TypeError)):
            bwflow.RidgeProblem([good], nodes=nodes)
    assert bwflow.RidgeProblem([], dim=2).nridges == 0
    pb = bwflow.RidgeProblem([good], A=np.eye(2))
    m, S = np.zeros(2), np.eye(2)
    with pytest.raises(ValueError, match="m must be a vector of length 2"):
        pb.energy(np.zeros(3), S)
    with pytest.raises(bwflow.InvalidInputError) as ex:
        pb.energy(m, -np.eye(2))
    assert ex.value.argument == "S"
    other = bwflow.RidgeWorkspace(bwflow.RidgeProblem([good] * 3, A=np.eye(2), nodes=40))
    assert pb.energy(m, S, ws=other) == pb.energy(m, S)   # a larger workspace serves it
    with pytest.raises(bwflow.InvalidInputError) as ex:
        pb.energy(m, S, ws=bwflow.RidgeWorkspace(bwflow.RidgeProblem([], dim=3)))
    assert ex.value.argument == "ws"
    with pytest.raises(TypeError, match="RidgeWorkspace"):
        pb.energy(m, S, ws=pb)
    with pytest.raises(ValueError, match="method"):
        pb.run("euler", 0.1, m, S, 2)
    with pytest.raises(bwflow.InvalidInputError) as ex:
        pb.jko_step(0.0, m, S)
    assert ex.value.argument == "eta"
    with pytest.raises(ValueError, match="n must be >= 1"):
        pb.step("fb", 0.1, m, S, 0)
    with pytest.raises(ValueError, match="kind"):
        bwflow.RidgeFlow(pb, 0.1, "jko2")
    with pytest.raises(bwflow.InvalidInputError):
        bwflow.RidgeFlow(pb, 0.1).solve(m, S, [0.5, 0.2])         # times must not decrease
    with pytest.raises(ValueError, match="j must be"):
        pb.expect(1, 0.0, 1.0)
    with pytest.raises(bwflow.InvalidInputError):
        pb.expect(0, 0.0, -1.0)
    with pytest.raises(bwflow.InvalidInputError) as ex:
        bwflow.RidgeProblem.preset("quartic")
    assert ex.value.argument == "name"
    with pytest.raises(bwflow.InvalidInputError) as ex:
        bwflow.RidgeProblem([{"phi": "quartic", "a": [1.0]}], tau=0.0).vi_optimum([0.0], [[1.0]])
    assert ex.value.argument == "tau"
    pois = bwflow.RidgeProblem([{"phi": "poisson", "a": [1.0]}])
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_OVERFLOW"):
        pois.energy([800.0], [[1.0]])
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_OVERFLOW"):
        bwflow.System.ridge(pois, [800.0], [[1.0]])


def test_a_workspace_is_one_thread_at_a_time():
    pb, m0, S0 = bwflow.RidgeProblem.preset("logreg-d30")
    ws = bwflow.RidgeWorkspace(pb)
    out = {}

    def work():
        while "r" not in out:       # this thread may be the one refused first
            try:
                out["r"] = pb.run("jko", 0.01, m0, S0, 40, ws=ws)
            except RuntimeError:
                pass
    worker = threading.Thread(target=work)
    refused = 0
    worker.start()
    while worker.is_alive():
        try:
            pb.energy(m0, S0, ws=ws)
        except RuntimeError as exc:
            assert "in use by another thread" in str(exc)
            refused += 1
    worker.join()
    assert refused > 0 and out["r"][0].shape == (41, 30)
    assert np.array_equal(out["r"][0], pb.run("jko", 0.01, m0, S0, 40)[0])
