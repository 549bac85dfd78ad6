#!/usr/bin/env python3
"""Independent check of `bwflow evolve --json` (methods jko, forward, wgf) with numpy/scipy.

For random problems (d = 1..20, K != 0, tau in {0, 0.37, 1.6}) written as PROBLEM.json,
the reference is computed here by other means than the library uses:
  jko      m <- solve(I + eta A, m + eta h); B = I + eta P, Bh = scipy sqrtm(B)^-1,
           C = Bh S Bh, X = e I + C/2 + sqrtm(C^2/4 + e C), S <- Bh X Bh  (docs/math.md s. 4)
  forward  m <- m - eta (A m - h); M = P - tau S^-1; S <- (I - eta M) S (I - eta M)
  wgf      Van Loan's block exponentials (scipy expm): e^{-At} and the integral of
           e^{-As} h ds for the mean; for the covariance vec form of
           S' = 2 tau I - P S - S P, as the expm of [[-(P (+) P), 2 tau vec I], [0, 0]].
Required agreement: relative 1e-10 in max-norm of mean and covariance and in J.

usage: check_evolve.py BWFLOW_EXECUTABLE
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import scipy.linalg as sl


def rand_problem(rng, d, tau):
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    a = rng.uniform(0.3, 2.0, d)
    A = (q * a) @ q.T
    G = rng.standard_normal((d, d))
    K = 0.3 * G @ G.T / d - 0.05 * np.eye(d)  # indefinite K, P still PD
    h = rng.standard_normal(d)
    q0, _ = np.linalg.qr(rng.standard_normal((d, d)))
    S0 = (q0 * np.exp(rng.uniform(np.log(0.2), np.log(5.0), d))) @ q0.T
    m0 = rng.standard_normal(d)
    sym = lambda X: (X + X.T) / 2
    return dict(dim=d, A=sym(A), h=h, K=sym(K), tau=tau, mean=m0, cov=sym(S0))


def energy(p, m, S):
    A, K, h, tau = p["A"], p["K"], p["h"], p["tau"]
    d = len(m)
    P = A + K
    J = 0.5 * np.trace(P @ S) + 0.5 * m @ A @ m - h @ m
    if tau > 0:
        J -= tau / 2 * np.linalg.slogdet(S)[1] + tau * d / 2 * (1 + np.log(2 * np.pi))
    return J


def jko(p, eta, n):
    A, K, h, tau = p["A"], p["K"], p["h"], p["tau"]
    d = p["dim"]
    I = np.eye(d)
    m, S = p["mean"].copy(), p["cov"].copy()
    Bh = np.linalg.inv(np.real(sl.sqrtm(I + eta * (A + K))))
    e = eta * tau
    for _ in range(n):
        m = np.linalg.solve(I + eta * A, m + eta * h)
        C = Bh @ S @ Bh
        X = e * I + C / 2 + np.real(sl.sqrtm(C @ C / 4 + e * C))
        S = Bh @ X @ Bh
        S = (S + S.T) / 2
    return m, S


def forward(p, eta, n):
    A, K, h, tau = p["A"], p["K"], p["h"], p["tau"]
    d = p["dim"]
    m, S = p["mean"].copy(), p["cov"].copy()
    for _ in range(n):
        M = A + K - tau * np.linalg.inv(S)
        m = m - eta * (A @ m - h)
        T = np.eye(d) - eta * M
        S = T @ S @ T
        S = (S + S.T) / 2
    return m, S


def wgf(p, t):
    A, K, h, tau = p["A"], p["K"], p["h"], p["tau"]
    d = p["dim"]
    P = A + K
    Z = np.zeros((d + 1, d + 1))
    Z[:d, :d], Z[:d, d] = -A, h
    E = sl.expm(Z * t)
    m = E[:d, :d] @ p["mean"] + E[:d, d]
    L = np.kron(np.eye(d), P) + np.kron(P, np.eye(d))  # vec(PS + SP) = L vec(S)
    Y = np.zeros((d * d + 1, d * d + 1))
    Y[:-1, :-1], Y[:-1, -1] = -L, 2 * tau * np.eye(d).reshape(-1, order="F")
    F = sl.expm(Y * t)
    s = F[:-1, :-1] @ p["cov"].reshape(-1, order="F") + F[:-1, -1]
    S = s.reshape(d, d, order="F")
    return m, (S + S.T) / 2


def main():
    exe = sys.argv[1]
    rng = np.random.default_rng(31337)
    passed = failed = 0
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "problem.json")
        for d in [1, 2, 3, 5, 8, 12, 20]:
            for tau in [0.0, 0.37, 1.6]:
                p = rand_problem(rng, d, tau)
                with open(path, "w") as f:
                    json.dump({k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in p.items()}, f)
                for method, eta, n in [("jko", 0.1, 15), ("forward", 0.05, 30), ("wgf", None, None)]:
                    t = 1.5
                    args = [exe, "evolve", path, "--method", method, "--t", repr(t), "--json"]
                    if eta:
                        args += ["--eta", repr(eta)]
                    out = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
                    if method == "jko":
                        m, S = jko(p, eta, n)
                    elif method == "forward":
                        m, S = forward(p, eta, n)
                    else:
                        m, S = wgf(p, t)
                    gm, gS = np.array(out["mean"]), np.array(out["cov"])
                    em = np.max(np.abs(gm - m)) / max(np.max(np.abs(m)), 1e-300)
                    eS = np.max(np.abs(gS - S)) / np.max(np.abs(S))
                    J = energy(p, m, S)
                    eJ = abs(out["energy"] - J) / max(abs(J), 1.0)
                    err = max(em, eS, eJ)
                    worst = max(worst, err)
                    ok = err < 1e-10 and out["method"] == method and out["steps"] == (n or 0)
                    passed += ok
                    failed += not ok
                    print(f"{method:8s} d={d:2d} tau={tau:4.2f}  rel.err mean {em:.1e} cov {eS:.1e} J {eJ:.1e}  {'ok' if ok else 'FAIL'}")
    print(f"worst relative error {worst:.2e}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
