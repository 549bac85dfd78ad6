#!/usr/bin/env python3
"""Independent check of `bwflow order --json --out DIR` with numpy/scipy and 40-digit mpmath.

For each problem (the "ou2d" preset's values written as PROBLEM.json; a random non-commuting
d = 3 problem with indefinite K != 0 and tau = 0.7; a d = 2 potential-only problem, tau = 0,
K != 0), horizon T and steps eta in {0.2, 0.1, 0.05, 0.025} (n = T/eta up to 80), the four
errors of the order study are recomputed here, for k = 1..n:
  JKO_k      m <- solve(I + eta A, m + eta h); B^-1/2 and X from numpy eigh:
             C = B^-1/2 S B^-1/2 = V diag(c) V', X = V diag(e + c/2 + sqrt(c^2/4 + e c)) V',
             S <- B^-1/2 X B^-1/2, e = eta tau (docs/math.md section 4)
  FE_k       m <- m - eta (A m - h), S <- (I - eta M) S (I - eta M), M = P - tau S^-1
  WGF(k eta) Van Loan block exponentials (scipy expm) of the mean ODE and of the vec form
             of S' = 2 tau I - P S - S P (section 3), at each t = k eta
  flows      JKO-Flow (e = eta) and the forward modified flow (e = -eta) of section 5, the
             full matrix ODE in the original basis, solve_ivp DOP853 rtol 1e-13 atol 1e-15
             with t_eval = k eta
and err_wgf = max_k W2(JKO_k, WGF), err_jkoflow = max_k W2(JKO_k, JKO-Flow),
err_forward_wgf = max_k W2(FE_k, WGF), err_forward_flow = max_k W2(FE_k, FE flow).
W2 is evaluated with mpmath at 40 digits (eigsy) on the double-precision states: the
double-precision trace formula is noise for nearby Gaussians (docs/math.md section 1).
Required: relative agreement 1e-6 with bwflow's four errors at its default CVODE tolerances
(rtol 1e-12, atol 1e-14; measured 8e-8). The JKO-Flow distances are ~1e-3 .. 1e-4 here and
an absolute error delta in the flow's state moves them by ~delta: with the former defaults
(rtol 1e-10, atol 1e-12) the agreement was only 6e-6 (tau = 0 problem, eta = 0.025).
bwflow's "slope_*" equal to the least-squares slope of log(err) against
log(eta) of its own errors (1e-12); the slopes of the errors computed here within 0.1 of
1, 2, 1, 2; and the CSV and JSON sidecar in DIR carrying the same numbers.

usage: check_order.py BWFLOW_EXECUTABLE
Exit 0 when every comparison passes; prints one line per case and a closing
'N passed, N failed' line.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

import mpmath as mp
import numpy as np
import scipy.linalg as sl
from scipy.integrate import solve_ivp

mp.mp.dps = 40

ETAS = [0.2, 0.1, 0.05, 0.025]
KEYS = ["wgf", "jkoflow", "forward_wgf", "forward_flow"]
ORDERS = [1.0, 2.0, 1.0, 2.0]


def sym(X):
    return (X + X.T) / 2


def problems():
    out = []
    # the "ou2d" preset (include/bwflow/problem.h), written out as a file
    out.append(("ou2d", 2.0, dict(dim=2, A=np.array([[2.0, 0.6], [0.6, 1.0]]), h=np.array([1.0, -0.5]),
                                  K=np.zeros((2, 2)), tau=1.0, mean=np.array([2.0, 1.0]),
                                  cov=np.array([[0.5, -0.3], [-0.3, 1.5]]))))
    rng = np.random.default_rng(4242)
    for name, d, tau, T in [("rand3-tau0.7", 3, 0.7, 2.0), ("pot2-tau0", 2, 0.0, 1.0)]:
        q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        A = sym((q * rng.uniform(0.3, 2.0, d)) @ q.T)
        G = rng.standard_normal((d, d))
        K = sym(0.3 * G @ G.T / d - 0.05 * np.eye(d))  # indefinite, P = A + K SPD
        q0, _ = np.linalg.qr(rng.standard_normal((d, d)))
        S0 = sym((q0 * rng.uniform(0.3, 3.0, d)) @ q0.T)
        out.append((name, T, dict(dim=d, A=A, h=rng.standard_normal(d), K=K, tau=tau,
                                  mean=rng.standard_normal(d), cov=S0)))
    return out


def sym_fun(S, f):
    w, V = np.linalg.eigh(sym(S))
    return sym((V * f(w)) @ V.T)


def jko_iterates(p, eta, n):
    A, K, h, tau = p["A"], p["K"], p["h"], p["tau"]
    I = np.eye(p["dim"])
    Bh = sym_fun(I + eta * (A + K), lambda b: 1 / np.sqrt(b))
    e = eta * tau
    m, S = p["mean"].copy(), p["cov"].copy()
    res = []
    for _ in range(n):
        m = np.linalg.solve(I + eta * A, m + eta * h)
        X = sym_fun(Bh @ S @ Bh, lambda c: e + c / 2 + np.sqrt(c * c / 4 + e * c))
        S = sym(Bh @ X @ Bh)
        res.append((m, S))
    return res


def forward_iterates(p, eta, n):
    A, K, h, tau = p["A"], p["K"], p["h"], p["tau"]
    I = np.eye(p["dim"])
    m, S = p["mean"].copy(), p["cov"].copy()
    res = []
    for _ in range(n):
        M = A + K - tau * np.linalg.inv(S)
        m = m - eta * (A @ m - h)
        T = I - eta * M
        S = sym(T @ S @ T)
        if np.min(np.linalg.eigvalsh(S)) <= 0:
            return None
        res.append((m, S))
    return res


def wgf(p, t):
    A, K, h, tau = p["A"], p["K"], p["h"], p["tau"]
    d = p["dim"]
    P = A + K
    Z = np.zeros((d + 1, d + 1))
    Z[:d, :d], Z[:d, d] = -A, h
    E = sl.expm(Z * t)
    m = E[:d, :d] @ p["mean"] + E[:d, d]
    L = np.kron(np.eye(d), P) + np.kron(P, np.eye(d))
    Y = np.zeros((d * d + 1, d * d + 1))
    Y[:-1, :-1], Y[:-1, -1] = -L, 2 * tau * np.eye(d).reshape(-1, order="F")
    F = sl.expm(Y * t)
    s = F[:-1, :-1] @ p["cov"].reshape(-1, order="F") + F[:-1, -1]
    return m, sym(s.reshape(d, d, order="F"))


def modified_flow(p, e, times):
    A, K, h, tau = p["A"], p["K"], p["h"], p["tau"]
    d = p["dim"]
    I = np.eye(d)
    P = A + K
    P2 = P @ P
    Mm = I - e / 2 * A

    def rhs(_, y):
        m, S = y[:d], y[d:].reshape(d, d)
        PS, P2S = P @ S, P2 @ S
        dS = 2 * tau * I - PS - PS.T + e / 2 * (P2S + P2S.T)
        if tau != 0:
            dS -= e * tau * tau * np.linalg.inv(S)
        return np.concatenate([-Mm @ (A @ m - h), dS.ravel()])

    y0 = np.concatenate([p["mean"], p["cov"].ravel()])
    sol = solve_ivp(rhs, (0.0, times[-1]), y0, method="DOP853", t_eval=times, rtol=1e-13, atol=1e-15)
    if not sol.success:
        raise RuntimeError(sol.message)
    return [(sol.y[:d, k], sym(sol.y[d:, k].reshape(d, d))) for k in range(len(times))]


def w2(g0, g1):
    (m0, s0), (m1, s1) = g0, g1
    d = len(m0)
    S0, S1 = mp.matrix(s0.tolist()), mp.matrix(s1.tolist())
    e, q = mp.eigsy(S0)
    r = q * mp.diag([mp.sqrt(x) for x in e]) * q.T
    m = r * S1 * r
    m = (m + m.T) / 2
    mu = mp.eigsy(m, eigvals_only=True)
    tr = sum(S0[i, i] + S1[i, i] for i in range(d)) - 2 * sum(mp.sqrt(x) for x in mu)
    dm = sum((mp.mpf(a) - mp.mpf(b)) ** 2 for a, b in zip(m0, m1))
    return float(mp.sqrt(max(dm + tr, mp.mpf(0))))


def ref_errors(p, T, eta):
    n = int(round(T / eta))
    times = [k * eta for k in range(1, n + 1)]
    jko = jko_iterates(p, eta, n)
    fe = forward_iterates(p, eta, n)
    ex = [wgf(p, t) for t in times]
    jf = modified_flow(p, eta, times)
    ff = modified_flow(p, -eta, times)
    out = [max(w2(a, b) for a, b in zip(jko, ex)), max(w2(a, b) for a, b in zip(jko, jf))]
    if fe is None:
        return out + [None, None]
    return out + [max(w2(a, b) for a, b in zip(fe, ex)), max(w2(a, b) for a, b in zip(fe, ff))]


def ls_slope(etas, errs):
    pts = [(np.log(x), np.log(y)) for x, y in zip(etas, errs) if y is not None]
    x = np.array([a for a, _ in pts])
    y = np.array([b for _, b in pts])
    xm = x.mean()
    return float(np.sum((x - xm) * (y - y.mean())) / np.sum((x - xm) ** 2))


def main():
    exe = sys.argv[1]
    passed = failed = 0
    worst = 0.0

    def report(ok, line):
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print(f"{line}  {'ok' if ok else 'FAIL'}")

    with tempfile.TemporaryDirectory() as tmp:
        for name, T, p in problems():
            path = os.path.join(tmp, name + ".json")
            with open(path, "w") as f:
                json.dump({k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in p.items()}, f)
            outdir = os.path.join(tmp, "out-" + name)
            runs = {}
            for label, tol in [("default", [])]:
                args = [exe, "order", path, "--t", repr(T), "--etas", ",".join(repr(x) for x in ETAS),
                        "--json", "--out", outdir] + tol
                runs[label] = json.loads(subprocess.run(args, capture_output=True, text=True,
                                                        check=True).stdout)
            got = runs["default"]
            ref = {k: [] for k in KEYS}
            for i, eta in enumerate(ETAS):
                r = ref_errors(p, T, eta)
                for k, v in zip(KEYS, r):
                    ref[k].append(v)
                rel = {}
                for label, g in runs.items():
                    rel[label] = 0.0
                    for k, v in zip(KEYS, r):
                        gk = g["err_" + k][i]
                        if v is None or gk is None:
                            e = 0.0 if v is None and gk is None else float("inf")
                        else:
                            e = abs(gk - v) / v
                        rel[label] = max(rel[label], e)
                worst = max(worst, rel["default"])
                report(rel["default"] < 1e-6 and got["etas"][i] == eta,
                       f"{name:12s} T={T:g} eta={eta:<5g} errors " +
                       " ".join(f"{k}={v:.3e}" if v is not None else f"{k}=null" for k, v in zip(KEYS, r)) +
                       f"  worst rel.err {rel['default']:.1e}")
            # slopes: bwflow's own errors -> its slope_*; ours near 1, 2, 1, 2
            ds = [abs(got["slope_" + k] - ls_slope(ETAS, got["err_" + k])) for k in KEYS]
            report(max(ds) <= 1e-12, f"{name:12s} slope_* vs least squares of bwflow's errors: max diff {max(ds):.1e}")
            # asymptotic orders and constants, recomputed from bwflow's errors at the two
            # smallest step sizes: the local slope, and err/eta^p extrapolated linearly to 0
            i1, i2 = np.argsort(ETAS)[1], np.argsort(ETAS)[0]
            h1, h2 = ETAS[i1], ETAS[i2]
            dd = []
            for k, p_ in zip(KEYS, ORDERS):
                e1, e2 = got["err_" + k][i1], got["err_" + k][i2]
                dd.append(abs(got["order_" + k] - np.log(e1 / e2) / np.log(h1 / h2)))
                r1, r2 = e1 / h1 ** p_, e2 / h2 ** p_
                c = (r2 * h1 - r1 * h2) / (h1 - h2)
                dd.append(abs(got["c%d_%s" % (p_, k)] - c) / c)
            report(max(dd) <= 1e-12, f"{name:12s} order_* and c*_* vs their definitions: max diff {max(dd):.1e}")
            ours = [ls_slope(ETAS, ref[k]) for k in KEYS]
            report(all(abs(s - o) < 0.1 for s, o in zip(ours, ORDERS)),
                   f"{name:12s} independent slopes " + " ".join(f"{k}={s:.3f}" for k, s in zip(KEYS, ours)))
            # the files: CSV rows and the sidecar's slopes equal the JSON on stdout
            base = os.path.join(outdir, "order-" + name)
            with open(base + ".csv") as f:
                rows = list(csv.DictReader(f))
            with open(base + ".json") as f:
                side = json.load(f)
            same = len(rows) == len(ETAS)
            for i, row in enumerate(rows[:len(ETAS)]):
                same &= float(row["eta"]) == got["etas"][i] and int(row["steps"]) == round(T / ETAS[i])
                for k in KEYS:
                    cell, g = row["err_" + k], got["err_" + k][i]
                    same &= (g is None and cell in ("", "nan", "null")) or (g is not None and float(cell) == g)
            same &= all(side["results"]["slope_" + k] == got["slope_" + k] for k in KEYS) and side["results"]["t"] == T
            same &= all(row["status"] == "ok" for row in rows)
            same &= side["cvode"]["rtol"] == 1e-12 and side["cvode"]["atol"] == 1e-14
            same &= all(np.array_equal(np.array(side["problem"][k], dtype=float), np.asarray(p[k], dtype=float))
                        for k in ("A", "h", "K", "tau", "mean", "cov"))
            report(same, f"{name:12s} order-{name}.csv and .json sidecar match the JSON output")
    print(f"worst relative error of the four errors: {worst:.2e} (default tolerances)")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
