#!/usr/bin/env python3
"""Independent check of the ridge system (Gaussian VI, docs/vi.md, docs/math.md section 9) with
numpy/scipy/mpmath.

The peer shares no code with bwflow. On a Gaussian N(m, S) with ridges w phi(a'x - b):
  psi_k    Gauss-Hermite with 150 nodes (numpy.polynomial.hermite_e.hermegauss; the random
           problems keep sqrt(a'Sa) <= 1, where that rule is exact to 1e-12 for the smooth
           families), or scipy.integrate.quad where the deviation is large;
  g, G     A m - h + sum w psi_1 a,  A + sum w psi_2 a a' - tau S^-1;
  jko      scipy.optimize.root (hybr) on the optimality condition m' = m - eta g(m', S'),
           S' = R S R, R = (I + eta G(m', S'))^-1, in (m', S'), from the explicit step; the
           root's I + eta G must be positive definite (R the transport map);
  forward  m - eta g, (I - eta G) S (I - eta G);
  fb       m - eta g, S1 = (I - eta H) S (I - eta H), S' = (S1 + 2 eta tau I + sqrtm(S1 (S1 + 4 eta
           tau I)))/2 (scipy sqrtm);
  flows    solve_ivp DOP853 at rtol 1e-12, atol 1e-14 of m' = -grad_m Phi, S' = -(Gt S + S Gt),
           Gt = 2 grad_S Phi, Phi = J - e/4 (|g|^2 + tr(G S G)), e = 0 (WGF), eta (JKO-Flow),
           -eta (forward flow): the WGF with the closed forms of g, G, the modified flows with
           grad Phi by the complex step Im Phi(x + i 1e-30 dx)/1e-30 (exact to rounding).
Checks:
  1. `bwflow evolve --json` on random problems with every family, d = 1..10, tau in {0.5, 1}
     (the modified flows at d = 1, 2, 3, 5, 10, tau = 1): the discrete methods to 1e-9, the
     flows to 1e-7 (relative, max-norm of mean and covariance);
  2. large deviations (sqrt(a'Sa) up to 3, bwflow's trapezoidal rule): jko, forward and fb
     against the peer with quad, to 1e-9; bw_ridge_expect (through ctypes) against 20-digit
     mpmath quadrature of the logistic and logcosh families, psi_0..4, mu in [-40, 40], sigma
     in [0.01, 50], to 5e-15;
  3. MATH.md section 8: J(m0, S0) = 2.664103426563 (without the constant -tau d/2 log(2 pi e))
     and its table (max-norm of the (m, S) difference at T = 1) to its 4 digits;
  4. the VI optimum (bw_ridge_vi_optimum through ctypes, and the limit of `bwflow evolve
     --method jko`) against scipy.optimize.minimize of J over (m, Cholesky factor), to 1e-7;
  5. the logreg presets' data regenerated from their documentation (splitmix64) equal the
     problems in bwflow's sidecars; `bwflow order --preset vi-quartic / logreg --json` slopes
     within 0.05 of 1, 2, 1, 2 and 1 (fb), jkoflow2 n/a.

usage: check_ridge.py BWFLOW_EXECUTABLE
"""
import ctypes
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings

import mpmath as mp
import numpy as np
import scipy.linalg as sl
from numpy.polynomial.hermite_e import hermegauss
from scipy.integrate import quad, solve_ivp
from scipy.optimize import minimize, root

failures = []


def check(cond, msg):
    print(("ok    " if cond else "FAIL  ") + msg)
    if not cond:
        failures.append(msg)


def run(exe, args):
    r = subprocess.run([exe] + args, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("bwflow %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()))
    return r.stdout


# ---------------------------------------------------------------- the families

def _logistic(t):
    e = np.exp(-t)
    s1 = 1 / (1 + e)
    p2 = e / (1 + e) ** 2
    return [np.log1p(np.exp(t)), s1, p2, p2 * (1 - 2 * s1), p2 * (1 - 6 * p2)]


def _logcosh(t):
    th, s2 = np.tanh(t), 1 / np.cosh(t) ** 2
    return [np.log(np.cosh(t)), th, s2, -2 * th * s2, s2 * (6 * th * th - 2)]


FAMILIES = {
    "quadratic": lambda t: [t * t / 2, t, 1 + 0 * t, 0 * t, 0 * t],
    "quartic": lambda t: [t ** 4 / 4, t ** 3, 3 * t * t, 6 * t, 6 + 0 * t],
    "logistic": _logistic,
    "poisson": lambda t: [np.exp(t)] * 5,
    "logcosh": _logcosh,
}
Z, WZ = hermegauss(150)
WZ = WZ / WZ.sum()
USE_QUAD = [False]  # psi by scipy quad (large deviations) instead of Gauss-Hermite


def psi(fam, mu, s, k):
    """psi_k at (mu, s): arrays of any shape (a batch of states), or scalars."""
    if USE_QUAD[0]:
        f = FAMILIES[fam]

        def one(mu1, s1):
            sig = float(np.sqrt(s1))
            g = lambda z: f(mu1 + sig * z)[k] * np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
            pts = [x for x in sorted({-mu1 / sig, -6.0, -3.0, 0.0, 3.0, 6.0}) if -40 < x < 40]
            return quad(g, -40, 40, points=pts, limit=400, epsabs=1e-15, epsrel=1e-14)[0]

        return np.vectorize(one)(mu, s)
    t = np.asarray(mu)[..., None] + np.sqrt(np.asarray(s))[..., None] * Z
    return FAMILIES[fam](t)[k] @ WZ


# ---------------------------------------------------------------- the energy and its gradient
# On a batch of states: m (..., d), S (..., d, d); complex-safe (for the complex step).

def energy(p, m, S):
    d = m.shape[-1]
    A = p["A"]
    J = 0.5 * np.einsum("...i,ij,...j->...", m, A, m) + 0.5 * np.einsum("ij,...ji->...", A, S) - m @ p["h"]
    for r in p["ridges"]:
        a = r["a"]
        J = J + r["w"] * psi(r["phi"], m @ a - r["b"], np.einsum("i,...ij,j->...", a, S, a), 0)
    if p["tau"] > 0:
        J = J - p["tau"] / 2 * np.log(np.linalg.det(S)) - p["tau"] * d / 2 * (1 + np.log(2 * np.pi))
    return J


def gradient(p, m, S):
    """g, G, H."""
    g = m @ p["A"].T - p["h"]
    H = p["A"] + 0 * S
    for r in p["ridges"]:
        a = r["a"]
        mu, s = m @ a - r["b"], np.einsum("i,...ij,j->...", a, S, a)
        g = g + r["w"] * psi(r["phi"], mu, s, 1)[..., None] * a
        H = H + r["w"] * psi(r["phi"], mu, s, 2)[..., None, None] * np.outer(a, a)
    G = H - p["tau"] * np.linalg.inv(S)
    return g, G, H


def phi_mod(p, m, S, e):
    g, G, _ = gradient(p, m, S)
    return energy(p, m, S) - e / 4 * (np.einsum("...i,...i->...", g, g) + np.einsum("...ij,...jk,...ki->...", G, S, G))


def field(p, m, S, e):
    """(m', S') of the gradient flow of Phi on the Bures-Wasserstein manifold at one state."""
    d = len(m)
    if e == 0:
        gm, Gt, _ = gradient(p, m, S)
    else:  # complex step, every direction in one batch: m_i, then S_kl (k <= l, both entries)
        h = 1e-30
        iu = list(zip(*np.triu_indices(d)))
        n = d + len(iu)
        mb = np.tile(m.astype(complex), (n, 1))
        Sb = np.tile(S.astype(complex), (n, 1, 1))
        for i in range(d):
            mb[i, i] += 1j * h
        for c, (k, l) in enumerate(iu):
            Sb[d + c, k, l] += 1j * h
            if k != l:
                Sb[d + c, l, k] += 1j * h
        v = phi_mod(p, mb, Sb, e).imag / h
        gm = v[:d]
        Gt = np.zeros((d, d))
        for c, (k, l) in enumerate(iu):
            Gt[k, l] = Gt[l, k] = 2 * v[d + c] if k == l else v[d + c]
    return -gm, -(Gt @ S + S @ Gt)


def sym(X):
    return (X + X.T) / 2


# ---------------------------------------------------------------- the methods

def step_forward(p, m, S, eta):
    g, G, _ = gradient(p, m, S)
    N = np.eye(len(m)) - eta * G
    return m - eta * g, sym(N @ S @ N)


def step_fb(p, m, S, eta):
    g, _, H = gradient(p, m, S)
    N = np.eye(len(m)) - eta * H
    S1 = sym(N @ S @ N)
    e = eta * p["tau"]
    return m - eta * g, sym((S1 + 2 * e * np.eye(len(m)) + np.real(sl.sqrtm(S1 @ (S1 + 4 * e * np.eye(len(m)))))) / 2)


def step_jko(p, m, S, eta):
    d = len(m)
    iu = np.triu_indices(d)

    def unpack(x):
        X = np.zeros((d, d))
        X[iu] = x[d:]
        return x[:d], X + np.triu(X, 1).T

    def F(x):
        m1, S1 = unpack(x)
        g, G, _ = gradient(p, m1, S1)
        R = np.linalg.inv(np.eye(d) + eta * G)
        return np.concatenate([m1 - m + eta * g, (S1 - R @ S @ R)[iu]])

    m0, S0 = step_forward(p, m, S, eta)
    if np.linalg.eigvalsh(S0)[0] <= 0:
        m0, S0 = m, S
    sol = root(F, np.concatenate([m0, S0[iu]]), method="hybr", options={"xtol": 1e-15, "maxfev": 20000})
    m1, S1 = unpack(sol.x)
    _, G, _ = gradient(p, m1, S1)
    assert np.linalg.eigvalsh(np.eye(d) + eta * G)[0] > 0, "the root is not the JKO step"
    assert np.max(np.abs(F(sol.x))) < 1e-12 * max(1, np.max(np.abs(S))), np.max(np.abs(F(sol.x)))
    return m1, sym(S1)


def flow(p, m, S, e, T):
    d = len(m)
    iu = np.triu_indices(d)

    def rhs(t, y):
        X = np.zeros((d, d))
        X[iu] = y[d:]
        X = X + np.triu(X, 1).T
        dm, dS = field(p, y[:d], X, e)
        return np.concatenate([dm, dS[iu]])

    sol = solve_ivp(rhs, (0, T), np.concatenate([m, S[iu]]), method="DOP853", rtol=1e-12, atol=1e-14)
    assert sol.success, sol.message
    X = np.zeros((d, d))
    X[iu] = sol.y[d:, -1]
    return sol.y[:d, -1], X + np.triu(X, 1).T


def evolve_peer(p, method, eta, T):
    m, S = p["mean"].copy(), p["cov"].copy()
    if method in ("jko", "forward", "fb"):
        f = {"jko": step_jko, "forward": step_forward, "fb": step_fb}[method]
        for _ in range(int(round(T / eta))):
            m, S = f(p, m, S, eta)
        return m, S
    e = {"wgf": 0.0, "jkoflow": eta, "forwardflow": -eta}[method]
    return flow(p, m, S, e, T)


# ---------------------------------------------------------------- problems and bwflow

def to_file(p, path):
    out = {"dim": len(p["mean"]), "A": p["A"].tolist(), "h": p["h"].tolist(), "tau": p["tau"],
           "ridges": [{"phi": r["phi"], "a": r["a"].tolist(), "b": r["b"], "w": r["w"]} for r in p["ridges"]],
           "mean": p["mean"].tolist(), "cov": p["cov"].tolist()}
    with open(path, "w") as f:
        json.dump(out, f)


def rand_problem(rng, d, tau, scale):
    """Every family; sqrt(a'Sa) <= about scale."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = sym((q * rng.uniform(0.3, 1.5, d)) @ q.T)
    q0, _ = np.linalg.qr(rng.standard_normal((d, d)))
    S = sym((q0 * rng.uniform(0.3, 1.2, d)) @ q0.T)
    fams = list(FAMILIES)
    ridges = []
    for j in range(max(5, d)):
        a = rng.standard_normal(d)
        a *= scale * rng.uniform(0.3, 1.0) / np.sqrt(a @ S @ a)
        ridges.append({"phi": fams[j % 5], "a": a, "b": float(rng.normal(0, 0.5)), "w": float(rng.uniform(0.5, 1.5))})
    return {"A": A, "h": rng.standard_normal(d), "tau": tau, "ridges": ridges, "mean": 0.5 * rng.standard_normal(d),
            "cov": S}


def rel_diff(out, m, S):
    gm, gS = np.array(out["mean"]), np.array(out["cov"])
    sc = max(1.0, np.max(np.abs(m)), np.max(np.abs(S)))
    return max(np.max(np.abs(gm - m)), np.max(np.abs(gS - S))) / sc


def check_evolve(exe, tmp):
    rng = np.random.default_rng(2024)
    path = os.path.join(tmp, "p.json")
    worst = {}
    flow_dims = (1, 2, 3, 5, 10)  # the modified flows' complex-step field: 17 s for all ten
    for d in range(1, 11):
        for tau in (0.5, 1.0):
            p = rand_problem(rng, d, tau, 1.0)
            to_file(p, path)
            methods = ["jko", "forward", "fb", "wgf"] + (["jkoflow", "forwardflow"] if d in flow_dims and tau == 1.0 else [])
            for method in methods:
                eta, T = 0.05, 0.1 if method in ("jkoflow", "forwardflow") else 0.3
                out = json.loads(run(exe, ["evolve", path, "--method", method, "--eta", repr(eta), "--t", repr(T), "--json"]))
                m, S = evolve_peer(p, method, eta, T)
                err = rel_diff(out, m, S)
                tol = 1e-9 if method in ("jko", "forward", "fb") else 1e-7
                worst[method] = max(worst.get(method, 0.0), err)
                if err > tol:
                    check(False, "evolve %s d=%d tau=%g: relative error %.1e > %.0e" % (method, d, tau, err, tol))
                J = energy(p, m, S)
                if method != "wgf" and abs(out["energy"] - J) > 1e-9 * max(1, abs(J)):
                    check(False, "evolve %s d=%d: energy %.15g vs %.15g" % (method, d, out["energy"], J))
    for method, w in sorted(worst.items()):
        check(w <= (1e-9 if method in ("jko", "forward", "fb") else 1e-7),
              "evolve %-11s d = 1..10, every family: worst relative error %.1e" % (method, w))


def check_large_deviation(exe, tmp, lib):
    """bwflow's trapezoidal rule (sqrt(a'Sa) >= 0.45 / 0.3) against quad, and bw_ridge_expect
    against mpmath."""
    rng = np.random.default_rng(77)
    path = os.path.join(tmp, "big.json")
    USE_QUAD[0] = True
    worst = 0.0
    try:
        for d in (1, 3):
            p = rand_problem(rng, d, 1.0, 3.0)
            p["ridges"] = [r for r in p["ridges"] if r["phi"] in ("logistic", "logcosh")]
            to_file(p, path)
            for method in ("jko", "forward", "fb"):
                out = json.loads(run(exe, ["evolve", path, "--method", method, "--eta", "0.05", "--t", "0.1", "--json"]))
                m, S = evolve_peer(p, method, 0.05, 0.1)
                worst = max(worst, rel_diff(out, m, S))
    finally:
        USE_QUAD[0] = False
    check(worst <= 1e-9, "large deviations (sqrt(a'Sa) up to 3): jko, forward, fb vs quad: worst %.1e" % worst)
    if lib is None:
        return
    mp.mp.dps = 20
    fams = {2: [lambda t: mp.log1p(mp.exp(t)), lambda t: 1 / (1 + mp.exp(-t)), lambda t: mp.exp(-t) / (1 + mp.exp(-t)) ** 2,
                lambda t: mp.exp(-t) / (1 + mp.exp(-t)) ** 2 * (1 - 2 / (1 + mp.exp(-t))),
                lambda t: mp.exp(-t) / (1 + mp.exp(-t)) ** 2 * (1 - 6 * mp.exp(-t) / (1 + mp.exp(-t)) ** 2)],
            4: [lambda t: mp.log(mp.cosh(t)), mp.tanh, lambda t: mp.sech(t) ** 2,
                lambda t: -2 * mp.tanh(t) * mp.sech(t) ** 2, lambda t: mp.sech(t) ** 2 * (6 * mp.tanh(t) ** 2 - 2)]}
    rs = (Ridge * 5)(*[Ridge(f, ctypes.cast(ONE, ctypes.POINTER(ctypes.c_double)), 0.0, 1.0, None, None) for f in range(5)])
    pb = ctypes.c_void_p()
    assert lib.bw_ridge_problem_create(1, None, 1, None, ctypes.c_double(1.0), 5, rs, 0, ctypes.byref(pb)) == 0
    out = (ctypes.c_double * 5)()
    worst = 0.0
    for f in (2, 4):
        for sig in (0.01, 0.29, 0.31, 0.44, 0.46, 1.5, 30.0):  # both sides of the switches
            for mu in (-20.0, -0.3, 0.5, 4.0):
                assert lib.bw_ridge_expect(pb, f, ctypes.c_double(mu), ctypes.c_double(sig * sig), out) == 0
                for k in range(5):
                    fk = fams[f][k]
                    g = lambda t: fk(t) * mp.exp(-(t - mu) ** 2 / (2 * sig ** 2)) / (sig * mp.sqrt(2 * mp.pi))
                    pts = sorted({mu + c * sig for c in (-14, -7, -3, 0, 3, 7, 14)} |
                                 {x for x in (-8, -4, -2, -1, 0, 1, 2, 4, 8) if mu - 14 * sig < x < mu + 14 * sig})
                    ex = float(mp.quad(g, pts))
                    worst = max(worst, abs(out[k] - ex) / (max(1.0, abs(ex)) if k == 0 else 1.0))
    lib.bw_ridge_problem_free(pb)
    check(worst <= 5e-15, "bw_ridge_expect (logistic, logcosh; sigma 0.01..30) vs 20-digit mpmath: worst %.1e" % worst)


MATH_PROBLEM = {
    "A": np.array([[1, 0.2], [0.2, 0.5]]), "h": np.array([0.5, 0.0]), "tau": 0.7,
    "ridges": [{"phi": "quartic", "a": np.array([1.0, 0]), "b": 0.3, "w": 0.25},
               {"phi": "logistic", "a": np.array([0.5, -1.0]), "b": 0.0, "w": 1.0},
               {"phi": "logcosh", "a": np.array([0.3, 0.7]), "b": -0.2, "w": 0.5}],
    "mean": np.array([1.0, -0.5]), "cov": np.array([[0.6, 0.2], [0.2, 0.3]])}
MATH_TABLE = {  # eta: JKO vs WGF, JKO vs JKO-Flow, forward vs WGF, forward vs its flow, fb vs WGF
    0.1: (1.801e-2, 3.720e-3, 2.036e-2, 3.341e-3, 1.956e-2),
    0.05: (9.259e-3, 8.933e-4, 9.838e-3, 8.467e-4, 9.552e-3),
    0.025: (4.697e-3, 2.196e-4, 4.841e-3, 2.138e-4, 4.722e-3),
    0.0125: (2.366e-3, 5.449e-5, 2.402e-3, 5.377e-5, 2.347e-3)}


def check_math_table(exe, tmp):
    p = MATH_PROBLEM
    path = os.path.join(tmp, "math8.json")
    to_file(p, path)
    J = energy(p, p["mean"], p["cov"]) + p["tau"] * (1 + np.log(2 * np.pi))  # d = 2: + tau d/2 log(2 pi e)
    check(abs(J - 2.664103426563) < 1e-12, "MATH.md section 8: J(m0, S0) = %.12f (2.664103426563)" % J)

    def state(method, eta):
        out = json.loads(run(exe, ["evolve", path, "--method", method, "--eta", repr(eta), "--t", "1", "--json"]))
        return np.concatenate([out["mean"], np.ravel(out["cov"])])

    for eta, row in MATH_TABLE.items():
        s = {m: state(m, eta) for m in ("jko", "forward", "wgf", "jkoflow", "forwardflow", "fb")}
        got = (np.max(np.abs(s["jko"] - s["wgf"])), np.max(np.abs(s["jko"] - s["jkoflow"])),
               np.max(np.abs(s["forward"] - s["wgf"])), np.max(np.abs(s["forward"] - s["forwardflow"])),
               np.max(np.abs(s["fb"] - s["wgf"])))
        same = all(float("%.3e" % g) == w for g, w in zip(got, row))
        check(same, "MATH.md section 8, eta = %g: %s (MATH.md %s)" % (eta, " ".join("%.3e" % g for g in got),
                                                                     " ".join("%.3e" % w for w in row)))


def vi_optimum_peer(p):
    d = len(p["mean"])
    il = np.tril_indices(d)

    def unpack(x):
        L = np.zeros((d, d))
        L[il] = x[d:]
        return x[:d], L @ L.T

    def f(x):
        m, S = unpack(x)
        return float(energy(p, m, S))

    L0 = np.linalg.cholesky(p["cov"])
    x = np.concatenate([p["mean"], L0[il]])
    for _ in range(3):
        res = minimize(f, x, method="BFGS", options={"gtol": 1e-11, "maxiter": 5000})
        x = res.x
    return unpack(x)


def check_vi_optimum(exe, tmp, lib):
    rng = np.random.default_rng(5)
    path = os.path.join(tmp, "vi.json")
    worst_lib = worst_jko = 0.0
    for d in (1, 2, 3):
        p = rand_problem(rng, d, 1.0, 0.8)
        to_file(p, path)
        m, S = vi_optimum_peer(p)
        sc = max(1.0, np.max(np.abs(S)), np.max(np.abs(m)))
        out = json.loads(run(exe, ["evolve", path, "--method", "jko", "--eta", "2", "--t", "400", "--json"]))
        worst_jko = max(worst_jko, rel_diff(out, m, S))
        if lib is not None:
            mo, So = lib_vi_optimum(lib, p)
            worst_lib = max(worst_lib, max(np.max(np.abs(mo - m)), np.max(np.abs(So - S))) / sc)
    check(worst_jko <= 1e-7, "VI optimum: the limit of the JKO iterates vs scipy minimize: worst %.1e" % worst_jko)
    if lib is not None:
        check(worst_lib <= 1e-7, "VI optimum: bw_ridge_vi_optimum vs scipy minimize: worst %.1e" % worst_lib)


# ---------------------------------------------------------------- the library through ctypes

class Ridge(ctypes.Structure):
    _fields_ = [("family", ctypes.c_int), ("a", ctypes.POINTER(ctypes.c_double)), ("b", ctypes.c_double),
                ("w", ctypes.c_double), ("phi", ctypes.c_void_p), ("ctx", ctypes.c_void_p)]


class Gaussian(ctypes.Structure):
    _fields_ = [("d", ctypes.c_int), ("mean", ctypes.POINTER(ctypes.c_double)),
                ("cov", ctypes.POINTER(ctypes.c_double)), ("ld", ctypes.c_int)]


ONE = (ctypes.c_double * 1)(1.0)
FAMILY_CODES = {"quadratic": 0, "quartic": 1, "logistic": 2, "poisson": 3, "logcosh": 4}


def load_library(exe):
    """The library next to the bwflow executable, for the checks that call it directly; None
    (those checks skipped) when absent, or built with a sanitizer (its runtime would have to
    be loaded before the interpreter: the normal build runs them)."""
    here = os.path.dirname(os.path.abspath(exe))
    for path in (os.environ.get("BWFLOW_LIBRARY"), os.path.join(here, os.pardir, "lib", "libbwflow.so.0")):
        if path and os.path.exists(path):
            deps = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
            if "libasan" in deps or "libubsan" in deps or "libtsan" in deps:
                print("%s is built with a sanitizer: the ctypes checks are skipped" % path)
                return None
            lib = ctypes.CDLL(path)
            lib.bw_ridge_expect.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_double,
                                            ctypes.POINTER(ctypes.c_double)]
            return lib
    print("libbwflow not found next to %s: the ctypes checks are skipped" % exe)
    return None


def lib_vi_optimum(lib, p):
    d = len(p["mean"])
    arrays = [np.ascontiguousarray(r["a"], dtype=np.float64) for r in p["ridges"]]
    rs = (Ridge * len(arrays))(*[Ridge(FAMILY_CODES[r["phi"]], a.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                                       r["b"], r["w"], None, None) for r, a in zip(p["ridges"], arrays)])
    A = np.asfortranarray(p["A"])
    h = np.ascontiguousarray(p["h"])
    pb = ctypes.c_void_p()
    st = lib.bw_ridge_problem_create(d, A.ctypes.data_as(ctypes.c_void_p), d, h.ctypes.data_as(ctypes.c_void_p),
                                     ctypes.c_double(p["tau"]), len(arrays), rs, 0, ctypes.byref(pb))
    assert st == 0, st
    m0, S0 = np.array(p["mean"], dtype=np.float64), np.asfortranarray(p["cov"], dtype=np.float64)
    m1, S1 = np.zeros(d), np.zeros((d, d), order="F")
    dbl = lambda x: x.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
    g0, g1 = Gaussian(d, dbl(m0), dbl(S0), d), Gaussian(d, dbl(m1), dbl(S1), d)
    st = lib.bw_ridge_vi_optimum(pb, None, ctypes.byref(g0), ctypes.byref(g1), None)
    lib.bw_ridge_problem_free(pb)
    assert st == 0, st
    return m1, np.array(S1)


# ---------------------------------------------------------------- presets and slopes

def splitmix(seed):
    mask = (1 << 64) - 1
    s = seed

    def u64():
        nonlocal s
        s = (s + 0x9E3779B97F4A7C15) & mask
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    uniform = lambda: (u64() >> 11) * 2.0 ** -53

    def normal():
        u1, u2 = uniform(), uniform()
        return math.sqrt(-2 * math.log(1 - u1)) * math.cos(6.283185307179586477 * u2)  # the C library's

    return uniform, normal


def logreg_data(name):
    """The data of the logreg presets from their documentation (bwflow/ridge.h): (X with the
    intercept column, y, prior variance)."""
    n, d, seed, s2 = {"logreg": (200, 5, 20240, 1.0), "logreg-d30": (569, 30, 20241, 1.0 / 30)}[name]
    beta = np.array([0.5, -1, 0.75, 0.25, -0.5]) if name == "logreg" else \
        np.array([0.5] + [(-0.3, 0.3)[k % 2] for k in range(d - 1)])
    uniform, normal = splitmix(seed)
    X, y = [], []
    for _ in range(n):
        x = np.array([1.0] + [normal() for _ in range(d - 1)])
        X.append(x)
        eta = 0.0
        for k in range(d):
            eta += x[k] * beta[k]
        y.append(1.0 if uniform() < 1 / (1 + math.exp(-eta)) else 0.0)
    return np.array(X), np.array(y), s2


def check_presets(exe, tmp):
    out = os.path.join(tmp, "o")
    res = {}
    for preset in ("vi-quartic", "logreg"):
        res[preset] = json.loads(run(exe, ["order", "--preset", preset, "--json", "--out", out]))
    run(exe, ["order", "--preset", "logreg-d30", "--t", "0.01", "--etas", "0.005,0.0025", "--out", out])
    for name in ("logreg", "logreg-d30"):
        X, y, s2 = logreg_data(name)
        n, d = X.shape
        side = json.load(open(os.path.join(out, "order-%s.json" % name)))["problem"]
        a = np.array([r["a"] for r in side["ridges"]])
        h = np.zeros(d)
        for i in range(n):  # in the generator's order, to the bit
            h += y[i] * X[i]
        same = (a.shape == X.shape and np.array_equal(a, X) and np.array_equal(side["h"], h)
                and side["A"] == (np.eye(d) / s2).tolist() and {r["phi"] for r in side["ridges"]} == {"logistic"})
        check(same, "%s: the data regenerated from the documented generator equal the preset (%d ones of %d)"
              % (name, int(y.sum()), n))
    for preset, d in res.items():
        slopes = [d["slope_" + k] for k in ("wgf", "jkoflow", "forward_wgf", "forward_flow", "fb_wgf")]
        good = all(abs(s - w) < 0.05 for s, w in zip(slopes, (1, 2, 1, 2, 1)))
        good = good and d["slope_jkoflow2"] is None and "jkoflow2" in d["unavailable"]
        check(good, "order --preset %s: slopes %s (1, 2, 1, 2, 1), jkoflow2 n/a" % (preset, " ".join("%.3f" % s for s in slopes)))


def main():
    warnings.simplefilter("ignore")  # quad's round-off notes at 1e-15 tolerances
    exe = os.path.abspath(sys.argv[1])
    lib = load_library(exe)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in (("evolve", lambda: check_evolve(exe, tmp)),
                         ("large deviations", lambda: check_large_deviation(exe, tmp, lib)),
                         ("MATH.md section 8", lambda: check_math_table(exe, tmp)),
                         ("VI optimum", lambda: check_vi_optimum(exe, tmp, lib)),
                         ("presets", lambda: check_presets(exe, tmp))):
            t = time.time()
            fn()
            print("  (%s: %.1f s)" % (name, time.time() - t))
    print("%d failures (%.0f s)" % (len(failures), time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
