#!/usr/bin/env python3
"""Independent check of `bwflow evolve --method jkoflow|forwardflow --json` with scipy.

For random non-commuting problems (d = 1..12, K != 0 indefinite with P = A + K SPD,
tau in {0, 0.37, 1.6}, eta = 0.1, initial covariance eigenvalues in [0.3, 3] well above
tau eta, so nothing collapses) written as PROBLEM.json, the reference is the full
(unreduced) matrix ODE of docs/math.md section 5 in the original basis,

  m' = -(I - e/2 A)(A m - h)
  S' = 2 tau I - P S - S P + e/2 (P^2 S + S P^2) - e tau^2 S^-1

with e = eta for jkoflow and e = -eta for forwardflow, integrated by scipy's solve_ivp
(DOP853, rtol 1e-13, atol 1e-15) on the d + d^2 entries of (m, S). bwflow runs at its
default CVODE tolerances (rtol 1e-12, atol 1e-14); the required agreement is relative 1e-8
in max-norm of mean and covariance and in J (measured 1.2e-10; with the former defaults
rtol 1e-10, atol 1e-12 it was 1.3e-8 for d = 1, tau = 0, where the covariance decays and
BDF's global error is about (number of steps) x rtol).

Collapse: heat-flow-like problems (A = K = 0, tau = 1, eta = 0.1) with a variance (0.01,
0.004, 0.002) below the unstable equilibrium s_- = tau eta / (2 - p eta) = 0.05: bwflow
must exit with status 3, print nothing on stdout and on stderr the collapse time ('... t =
T: ...') and the eigen-direction. S commutes with P = 0, so the eigenvectors stay put and
each eigenvalue follows s' = f(s) = 2 tau - 2 p (1 - p eta/2) s - eta tau^2 / s exactly: T
must agree to a relative 1e-6 with the integral of ds / (-f(s)) over [0, s0] (scipy quad;
checked against the closed form for p = 0: -s0/b - a/b^2 log(1 - b s0/a), a = eta tau^2,
b = 2 tau), s0 the smallest initial eigenvalue, and the direction with its eigenvector
(1e-6, up to sign), all at the default tolerances. CVODE controls the entries, whose size
is lambda_max, so the collapse time's error grows with lambda_max/lambda_min (measured
1.9e-8 for eigenvalues (0.01, 0.8) rotated; 1.1e-6 with the former rtol 1e-10).

usage: check_jkoflow.py BWFLOW_EXECUTABLE
Exit 0 when every comparison passes; prints one line per case and a closing
'N passed, N failed' line.
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from scipy.integrate import quad, solve_ivp


def sym(X):
    return (X + X.T) / 2


def rand_problem(rng, d, tau):
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = (q * rng.uniform(0.3, 2.0, d)) @ q.T
    G = rng.standard_normal((d, d))
    K = 0.3 * G @ G.T / d - 0.05 * np.eye(d)  # indefinite K; P = A + K stays SPD
    h = rng.standard_normal(d)
    q0, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = rng.uniform(0.3, 3.0, d)
    if d > 1:
        lam[0], lam[-1] = 0.3, 3.0
    S0 = (q0 * lam) @ q0.T
    m0 = rng.standard_normal(d)
    return dict(dim=d, A=sym(A), h=h, K=sym(K), tau=tau, mean=m0, cov=sym(S0))


def energy(p, m, S):
    A, K, h, tau = p["A"], p["K"], p["h"], p["tau"]
    d = len(m)
    J = 0.5 * np.trace((A + K) @ S) + 0.5 * m @ A @ m - h @ m
    if tau > 0:
        J -= tau / 2 * np.linalg.slogdet(S)[1] + tau * d / 2 * (1 + np.log(2 * np.pi))
    return J


def modified_flow(p, e, t):
    """(m, S) at time t of the flow of J - e/4 |grad J|^2, full matrix ODE, DOP853."""
    A, K, h, tau = p["A"], p["K"], p["h"], p["tau"]
    d = p["dim"]
    I = np.eye(d)
    P = A + K
    P2 = P @ P
    Mm = I - e / 2 * A

    def rhs(_, y):
        m, S = y[:d], y[d:].reshape(d, d)
        dm = -Mm @ (A @ m - h)
        PS = P @ S
        P2S = P2 @ S
        dS = 2 * tau * I - PS - PS.T + e / 2 * (P2S + P2S.T)
        if tau != 0:
            dS -= e * tau * tau * np.linalg.inv(S)
        return np.concatenate([dm, dS.ravel()])

    y0 = np.concatenate([p["mean"], p["cov"].ravel()])
    sol = solve_ivp(rhs, (0.0, t), y0, method="DOP853", rtol=1e-13, atol=1e-15)
    if not sol.success:
        raise RuntimeError(sol.message)
    y = sol.y[:, -1]
    return y[:d], sym(y[d:].reshape(d, d))


def collapse_time(s0, p, tau, eta):
    """Time for s' = 2 tau - 2 p (1 - p eta/2) s - eta tau^2 / s to go from s0 to 0."""
    def inv_speed(s):  # 1 / (-f(s)) = s / (eta tau^2 - 2 tau s + 2 p (1 - p eta/2) s^2)
        return s / (eta * tau * tau - 2 * tau * s + 2 * p * (1 - p * eta / 2) * s * s)
    val, _ = quad(inv_speed, 0.0, s0, epsabs=0.0, epsrel=1e-13, limit=200)
    return val


def write_problem(path, p):
    with open(path, "w") as f:
        json.dump({k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in p.items()}, f)


def main():
    exe = sys.argv[1]
    rng = np.random.default_rng(20261205)
    passed = failed = 0
    worst = 0.0
    eta, t = 0.1, 1.5
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "problem.json")
        for d in [1, 2, 3, 5, 8, 12]:
            for tau in [0.0, 0.37, 1.6]:
                p = rand_problem(rng, d, tau)
                write_problem(path, p)
                for method, e in [("jkoflow", eta), ("forwardflow", -eta)]:
                    m, S = modified_flow(p, e, t)
                    J = energy(p, m, S)
                    errs = []
                    for tol in ([],):
                        args = [exe, "evolve", path, "--method", method, "--eta", repr(eta),
                                "--t", repr(t), "--json"] + tol
                        out = json.loads(subprocess.run(args, capture_output=True, text=True,
                                                        check=True).stdout)
                        gm, gS = np.array(out["mean"]), np.array(out["cov"])
                        em = np.max(np.abs(gm - m)) / max(np.max(np.abs(m)), 1e-300)
                        eS = np.max(np.abs(gS - S)) / np.max(np.abs(S))
                        eJ = abs(out["energy"] - J) / max(abs(J), 1.0)
                        errs.append(max(em, eS, eJ))
                        fields_ok = (out["method"] == method and out["steps"] == 0
                                     and abs(out["t"] - t) <= 1e-15 * t and "cvode" in out)
                    worst = max(worst, errs[0])
                    ok = errs[0] < 1e-8 and fields_ok
                    passed += ok
                    failed += not ok
                    print(f"{method:11s} d={d:2d} tau={tau:4.2f}  rel.err {errs[0]:.1e} "
                          f"(mean {em:.1e} cov {eS:.1e} J {eJ:.1e}, "
                          f"{out['cvode']['linsol']})  {'ok' if ok else 'FAIL'}")

        # Collapse: A = K = 0, tau = 1, one variance below s_- = 0.05. S commutes with P = 0,
        # so eigenvectors are frozen and each eigenvalue follows the scalar law exactly.
        # Rotated covariances are the harder case: the collapse time hinges on lambda_min
        # while CVODE controls the entries (size lambda_max).
        worst_collapse = 0.0
        tau = 1.0
        closed = lambda s0: -s0 / (2 * tau) - eta * tau**2 / (2 * tau) ** 2 * math.log1p(-2 * tau * s0 / (eta * tau**2))
        q2 = np.array([[math.cos(0.7), -math.sin(0.7)], [math.sin(0.7), math.cos(0.7)]])
        cases = [
            ("d=1 s0=0.01", np.array([[0.01]]), []),
            ("d=2 diag(0.01, 1)", np.diag([0.01, 1.0]), []),
            ("d=2 diag(0.5, 0.004)", np.diag([0.5, 0.004]), []),
            ("d=2 rotated (0.01, 0.8)", sym((q2 * np.array([0.01, 0.8])) @ q2.T), []),
            ("d=2 rotated (0.03, 0.002)", sym((q2 * np.array([0.03, 0.002])) @ q2.T), []),
        ]
        for name, S0, tol in cases:
            d = S0.shape[0]
            p = dict(dim=d, A=np.zeros((d, d)), h=np.zeros(d), K=np.zeros((d, d)), tau=tau,
                     mean=np.ones(d), cov=S0)
            write_problem(path, p)
            lam, vec = np.linalg.eigh(S0)
            s0, v0 = float(lam[0]), vec[:, 0]
            ref = collapse_time(s0, 0.0, tau, eta)
            err_cf = abs(ref - closed(s0)) / closed(s0)
            res = []
            for opts in ([[]] if not tol else [[], tol]):
                r = subprocess.run([exe, "evolve", path, "--method", "jkoflow", "--eta", repr(eta),
                                    "--t", "1", "--json"] + opts, capture_output=True, text=True)
                mt = re.search(r"t = ([-+0-9.eE]+)", r.stderr)
                md = re.search(r"direction \[([^]]*)\]", r.stderr)
                got = float(mt.group(1)) if mt else float("nan")
                err = abs(got - ref) / ref if mt else float("inf")
                dirn = np.array([float(x) for x in md.group(1).split(",")]) if md else np.zeros(d)
                err_dir = min(np.max(np.abs(dirn - v0)), np.max(np.abs(dirn + v0))) if len(dirn) == d else 1.0
                res.append((r.returncode, got, err, err_dir, r.stdout))
            rc, got, err, err_dir, stdout = res[-1]
            worst_collapse = max(worst_collapse, err)
            ok = (rc == 3 and err < 1e-6 and err_dir < 1e-6 and err_cf < 1e-12 and stdout == ""
                  and res[0][0] == 3)
            passed += ok
            failed += not ok
            extra = f" (default tol: {res[0][2]:.1e})" if tol else ""
            print(f"collapse {name:26s} exit {rc}  t = {got:.15g} (ref {ref:.15g})  "
                  f"rel.err {err:.1e}{' at rtol 1e-12' if tol else ''}{extra}, direction {err_dir:.0e}  "
                  f"{'ok' if ok else 'FAIL'}")
    print(f"worst relative error at the default tolerances: flows {worst:.2e}, "
          f"collapse time {worst_collapse:.2e}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
