#!/usr/bin/env python3
"""Benchmark peer: the operations of `bwflow bench` written the natural numpy/scipy way.

Not a test (nothing is asserted): it times, on problems of the same kind as
bw_problem_random(d, seed, 0.7) (A = Q diag(a) Q' with a in [0.5, 2], K = 0.2 G G'/d,
initial covariance with eigenvalues log-uniform in [0.3, 3], tau = 0.7, eta = 0.1),

  step_eigh    a JKO step with numpy.linalg.eigh: B^-1/2 = (I + eta P)^-1/2 precomputed,
               C = B^-1/2 S B^-1/2, eigh(C) = V diag(c) V', x = e + c/2 + sqrt(c (c/4 + e)),
               S_new = B^-1/2 V diag(x) V' B^-1/2, m_new = (I + eta A)^-1 (m + eta h)
  step_sqrtm   the same step with X = e I + C/2 + scipy.linalg.sqrtm(C^2/4 + e C)
  dist_sqrtm   the textbook W2 = sqrt(|m0 - m1|^2 + tr(S0 + S1 - 2 (S0^1/2 S1 S0^1/2)^1/2)),
               both square roots by scipy.linalg.sqrtm
  eigh         numpy.linalg.eigh alone (LAPACK dsyevd, like bwflow's floor)

with the same batching as `bwflow bench` (batches of ~2 ms, median over 15 batches, fewer
single calls for slow calls), and JKO-Flow to T = 2 (eta = 0.1) with scipy's solve_ivp on
the full matrix ODE

  m' = -(I - e/2 A)(A m - h),   S' = 2 tau I - P S - S P + e/2 (P^2 S + S P^2) - e tau^2 S^-1

(e = eta, state (m, S) with d + d^2 entries) for RK45, DOP853, BDF, LSODA and Radau at
rtol 1e-8, atol 1e-14 (bwflow's atol), each capped at ~60 s. For d = 2, 10, 50, 200 the
problem is exactly the one `bwflow bench` times (the random preset with seed 1, written out
by `bwflow trajectory`'s sidecar), and `bwflow evolve --method jkoflow --eta 0.1 --t 2
--rtol 1e-8 --json` runs on the same PROBLEM.json. Both final states are compared with a
tight reference (DOP853, rtol 1e-13, atol 1e-15): error = max relative max-norm error of
mean and covariance. "At equal accuracy": the fastest method's loosest rtol in 1e-4 ..
1e-12 whose error is at most bwflow's is timed too, and that time is the one compared.

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the environment before numpy is
imported (they slow OpenBLAS down); with --coretype NAME, OPENBLAS_CORETYPE=NAME is set
instead, before numpy is imported. `bwflow bench` and `bwflow evolve` run in the same
environment, so both sides always use the same OpenBLAS with the same kernels (printed, and
recorded in the output as numpy_openblas_core and bwflow_bench.machine.openblas_core;
OPENBLAS_NUM_THREADS is passed through: set it to 1 for single-core figures). A saved
--bench-json must come from a run with the same kernels (checked).

usage: bench_numpy.py BWFLOW_EXECUTABLE [--quick] [--coretype NAME] [--cpu]
                      [--bench-json FILE] [--out FILE]
  --quick           d <= 50 and fewer repetitions (as bwflow bench --quick)
  --coretype NAME   OpenBLAS kernel family for both sides (Prescott, Haswell, SkylakeX, ...)
  --cpu             time with the process CPU clock on both sides (bwflow bench --cpu)
  --bench-json FILE reuse a saved `bwflow bench --json` output instead of running it
  --out FILE        also write every number as JSON to FILE
"""
import os
import sys

POPPED = {v: os.environ.pop(v) for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
# --coretype must take effect before numpy loads OpenBLAS (argparse checks it again below).
for _i, _a in enumerate(sys.argv[:-1]):
    if _a == "--coretype":
        os.environ["OPENBLAS_CORETYPE"] = sys.argv[_i + 1]

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

# The clock of every timing: wall time, or with --cpu the process CPU time (as `bwflow bench
# --cpu`: robust against other load on the machine with single-threaded BLAS).
CLOCK = {"ns": time.perf_counter_ns, "s": time.perf_counter}
import scipy  # noqa: E402
import scipy.linalg  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

DIMS = [1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000]
FLOW_DIMS = [2, 10, 50, 200]
ETA, TAU, T_FLOW, T_WGF = 0.1, 0.7, 2.0, 1.0
METHODS = ["RK45", "DOP853", "BDF", "LSODA", "Radau"]
IMPLICIT = {"BDF", "LSODA", "Radau"}
CAP_S = 60.0


def sym(X):
    return (X + X.T) / 2


def haar(rng, d):
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def random_problem(d, seed):
    """Same distribution as bw_problem_random(d, seed, 0.7) (not the same draw)."""
    rng = np.random.default_rng(seed)
    Q = haar(rng, d)
    A = sym((Q * rng.uniform(0.5, 2.0, d)) @ Q.T)
    G = rng.standard_normal((d, d))
    K = sym(0.2 * G @ G.T / d)
    h = rng.standard_normal(d)
    m0 = rng.standard_normal(d)
    Q0 = haar(rng, d)
    S0 = sym((Q0 * np.exp(rng.uniform(math.log(0.3), math.log(3.0), d))) @ Q0.T)
    return dict(dim=d, A=A, h=h, K=K, tau=TAU, mean=m0, cov=S0)


def loaded_blas():
    """Shared libraries providing BLAS/LAPACK in this process (after numpy's import)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if any(k in p for k in ("blas", "lapack", "mkl", "blis")) and "cpython" not in p:
                    libs.add(os.path.realpath(p))
    except OSError:
        pass
    return sorted(libs)


def openblas_core(libs):
    """OpenBLAS' kernel family in this process (None when numpy's BLAS is not OpenBLAS)."""
    import ctypes
    for lib in libs:
        if "openblas" in lib:
            try:
                f = ctypes.CDLL(lib).openblas_get_corename
                f.restype = ctypes.c_char_p
                return f().decode()
            except (OSError, AttributeError):
                pass
    return None


def median_ns(fn, quick):
    """bwflow bench's scheme: warm-up, batches of ~2 ms (0.5 ms quick), median per call."""
    target = 0.5e6 if quick else 2e6
    t0 = CLOCK['ns']()
    fn()
    one = CLOCK['ns']() - t0
    reps = 1
    if one < target:
        r = 1
        while True:
            t0 = CLOCK['ns']()
            for _ in range(r):
                fn()
            el = CLOCK['ns']() - t0
            if el >= 0.25 * target or r >= 1 << 28:
                break
            r *= 2
        reps = max(1, math.ceil(r * target / max(el, 1)))
        one = el / r
    nb = 15 if reps > 1 or one < 2e7 else 7 if one < 2e8 else 5 if one < 5e9 else 3
    if quick:
        nb = 7 if nb == 15 else 3
    per = []
    for _ in range(nb):
        t0 = CLOCK['ns']()
        for _ in range(reps):
            fn()
        per.append((CLOCK['ns']() - t0) / reps)
    return float(np.median(per))


def jko_ops(p):
    """Closures for the eigh step, the sqrtm step, the sqrtm distance and eigh alone."""
    d, A, P, h, tau = p["dim"], p["A"], p["A"] + p["K"], p["h"], p["tau"]
    I = np.eye(d)
    e = ETA * tau
    pw, R = np.linalg.eigh(P)
    Bmh = sym((R * (1.0 / np.sqrt(1.0 + ETA * pw))) @ R.T)  # (I + eta P)^-1/2
    G = np.linalg.inv(I + ETA * A)
    g = ETA * G @ h
    st = {"m": p["mean"].copy(), "S": p["cov"].copy()}
    S0, m0 = p["cov"], p["mean"]
    # the second Gaussian of the distance: the exact flow at t = 1 would need expm; any
    # generic SPD pair does for timing, so take 20 JKO steps from the initial one
    m1, S1 = m0.copy(), S0.copy()
    for _ in range(20):
        C = Bmh @ S1 @ Bmh
        c, V = np.linalg.eigh(C)
        x = e + c / 2 + np.sqrt(c * (c / 4 + e))
        S1 = Bmh @ ((V * x) @ V.T) @ Bmh
        m1 = G @ m1 + g

    def step_eigh():
        C = Bmh @ st["S"] @ Bmh
        c, V = np.linalg.eigh(C)
        x = e + c / 2 + np.sqrt(c * (c / 4 + e))
        st["S"] = Bmh @ ((V * x) @ V.T) @ Bmh
        st["m"] = G @ st["m"] + g

    def step_sqrtm():
        C = Bmh @ st["S"] @ Bmh
        X = e * I + C / 2 + np.real(scipy.linalg.sqrtm(C @ C / 4 + e * C))
        st["S"] = Bmh @ X @ Bmh
        st["m"] = G @ st["m"] + g

    def dist_sqrtm():
        r = np.real(scipy.linalg.sqrtm(S0))
        mid = np.real(scipy.linalg.sqrtm(r @ S1 @ r))
        w2 = np.sum((m0 - m1) ** 2) + np.trace(S0 + S1 - 2 * mid)
        return math.sqrt(max(w2, 0.0))

    def eigh():
        return np.linalg.eigh(S0)

    return {"step_eigh": step_eigh, "step_sqrtm": step_sqrtm, "dist_sqrtm": dist_sqrtm, "eigh": eigh}


class Capped(Exception):
    pass


def flow_rhs(p, e, deadline=None):
    A, K, h, tau, d = p["A"], p["K"], p["h"], p["tau"], p["dim"]
    I = np.eye(d)
    P = A + K
    P2 = P @ P
    Mm = I - e / 2 * A

    def rhs(_, y):
        if deadline is not None and time.perf_counter() > deadline:
            raise Capped()
        m, S = y[:d], y[d:].reshape(d, d)
        dm = -Mm @ (A @ m - h)
        PS = P @ S
        P2S = P2 @ S
        dS = 2 * tau * I - PS - PS.T + e / 2 * (P2S + P2S.T)
        if tau != 0:
            dS -= e * tau * tau * np.linalg.inv(S)
        return np.concatenate([dm, dS.ravel()])

    return rhs


def run_ivp(p, method, rtol, atol, cap=CAP_S):
    """(final m, final S, nfev, seconds) or None when it hit the cap or failed."""
    d = p["dim"]
    y0 = np.concatenate([p["mean"], p["cov"].ravel()])
    t0, c0 = time.perf_counter(), CLOCK["s"]()
    rhs = flow_rhs(p, ETA, t0 + cap)
    try:
        sol = solve_ivp(rhs, (0.0, T_FLOW), y0, method=method, rtol=rtol, atol=atol)
    except Capped:
        return None
    sec = CLOCK["s"]() - c0
    if not sol.success:
        return None
    y = sol.y[:, -1]
    return y[:d], sym(y[d:].reshape(d, d)), int(sol.nfev), sec


def timed_ivp(p, method, rtol, atol, quick):
    """Median over repetitions (up to 5 while the total stays under ~1 s)."""
    first = run_ivp(p, method, rtol, atol)
    if first is None:
        return None
    times = [first[3]]
    while len(times) < (3 if quick else 5) and sum(times) < 1.0:
        r = run_ivp(p, method, rtol, atol)
        if r is None:
            break
        times.append(r[3])
    return first[0], first[1], first[2], float(np.median(times))


def rel_err(m, S, mr, Sr):
    return max(np.max(np.abs(m - mr)) / max(np.max(np.abs(mr)), 1e-300),
               np.max(np.abs(S - Sr)) / np.max(np.abs(Sr)))


def preset_problem(exe, d, tmp):
    """The random preset (seed 1) as bwflow sees it, from a short trajectory's sidecar."""
    out = os.path.join(tmp, f"traj{d}")
    subprocess.run([exe, "trajectory", "--preset", "random", "--dim", str(d), "--seed", "1",
                    "--eta", "0.1", "--t", "0.1", "--rtol", "1e-6", "--out", out],
                   check=True, capture_output=True)
    side = [f for f in os.listdir(out) if f.endswith(".json")][0]
    with open(os.path.join(out, side)) as f:
        q = json.load(f)["problem"]
    p = dict(dim=d, A=np.array(q["A"], float), h=np.array(q["h"], float),
             K=np.array(q["K"], float), tau=float(q["tau"]), mean=np.array(q["mean"], float),
             cov=np.array(q["cov"], float))
    path = os.path.join(tmp, f"problem{d}.json")
    with open(path, "w") as f:
        json.dump({k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in p.items()}, f)
    return p, path


def fmt_t(ns):
    if ns is None or not math.isfinite(ns):
        return "-"
    if ns < 1e4:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns * 1e-3:.2f} us"
    if ns < 1e9:
        return f"{ns * 1e-6:.2f} ms"
    return f"{ns * 1e-9:.2f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bwflow")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--coretype")
    ap.add_argument("--cpu", action="store_true")
    ap.add_argument("--bench-json")
    ap.add_argument("--out")
    a = ap.parse_args()
    exe = os.path.abspath(a.bwflow)
    if a.cpu:
        CLOCK["ns"], CLOCK["s"] = time.process_time_ns, time.process_time
    res = {"popped_env": POPPED, "numpy": np.__version__, "scipy": scipy.__version__,
           "coretype": a.coretype, "clock": "process-cpu" if a.cpu else "wall"}

    np.linalg.eigh(np.eye(3))
    res["numpy_blas"] = loaded_blas()
    ldd = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
    res["bwflow_blas"] = sorted({os.path.realpath(l.split("=>")[1].split()[0]) for l in ldd.splitlines()
                                 if "=>" in l and any(k in l for k in ("blas", "lapack"))
                                 and len(l.split("=>")[1].split()) > 0})
    print(f"numpy {np.__version__}, scipy {scipy.__version__}; removed from the environment: "
          f"{', '.join(f'{k}={v}' for k, v in POPPED.items()) or 'nothing (neither was set)'}; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    res["numpy_openblas_core"] = openblas_core(res["numpy_blas"])
    print("numpy's BLAS/LAPACK (mapped in this process): " + ", ".join(res["numpy_blas"])
          + f"; OpenBLAS kernels: {res['numpy_openblas_core']}")
    print("bwflow's BLAS/LAPACK (ldd): " + ", ".join(res["bwflow_blas"]) + "  -- the same OpenBLAS"
          if set(res["bwflow_blas"]) & set(res["numpy_blas"]) else
          "bwflow's BLAS/LAPACK (ldd): " + ", ".join(res["bwflow_blas"]))
    sys.stdout.flush()

    if a.bench_json:
        with open(a.bench_json) as f:
            bw = json.load(f)
        bw_core = bw.get("machine", {}).get("openblas_core")
        if bw_core and res["numpy_openblas_core"] and bw_core.lower() != res["numpy_openblas_core"].lower():
            sys.exit(f"bench_numpy.py: {a.bench_json} was measured with {bw_core} kernels, numpy runs "
                     f"{res['numpy_openblas_core']}: use --coretype {bw_core}")
        if bw.get("machine", {}).get("clock", "wall") != res["clock"]:
            sys.exit(f"bench_numpy.py: {a.bench_json} was timed with the {bw['machine'].get('clock', 'wall')} "
                     f"clock, this run uses {res['clock']} (--cpu)")
    else:
        args = [exe, "bench", "--json"] + (["--quick"] if a.quick else []) + (["--cpu"] if a.cpu else [])
        bw = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    res["bwflow_bench"] = bw
    core = bw.get("machine", {}).get("openblas_core") or res["numpy_openblas_core"] or "?"

    # ---- kernels ----
    dims = [d for d in DIMS if not a.quick or d <= 50]
    np_t = {}
    skip_sqrtm = False
    for d in dims:
        ops = jko_ops(random_problem(d, 1))
        np_t[d] = {}
        for name, fn in ops.items():
            if skip_sqrtm and "sqrtm" in name:
                np_t[d][name] = None
                continue
            np_t[d][name] = median_ns(fn, a.quick)
        if (np_t[d]["dist_sqrtm"] or 0) > 3e10:
            skip_sqrtm = True  # the next d would take minutes per call
    res["numpy_ns"] = {str(d): v for d, v in np_t.items()}

    def bwv(key, d):
        return bw.get(key, {}).get(str(d))

    def ratio(x, y):
        return f"{x / y:.1f}x" if x and y else "-"

    print(f"\nper call (median, OpenBLAS {core} kernels on both sides); ratio = numpy/scipy time over "
          "bwflow time")
    hdr = (f"{'d':>5} | {'bwflow step':>11} {'eigh step':>11} {'ratio':>7} {'sqrtm step':>11} {'ratio':>7}"
           f" | {'bwflow W2':>11} {'sqrtm W2':>11} {'ratio':>7} | {'dsyevd':>11} {'np.eigh':>11} {'ratio':>7}"
           f" | {'step/dsyevd':>11}")
    print(hdr)
    for d in dims:
        s, w, e = bwv("jko_step_ns", d), bwv("distance_ns", d), bwv("eig_ns", d)
        n = np_t[d]
        print(f"{d:>5} | {fmt_t(s):>11} {fmt_t(n['step_eigh']):>11} {ratio(n['step_eigh'], s):>7}"
              f" {fmt_t(n['step_sqrtm']):>11} {ratio(n['step_sqrtm'], s):>7}"
              f" | {fmt_t(w):>11} {fmt_t(n['dist_sqrtm']):>11} {ratio(n['dist_sqrtm'], w):>7}"
              f" | {fmt_t(e):>11} {fmt_t(n['eigh']):>11} {ratio(n['eigh'], e):>7}"
              f" | {s / e if s and e else float('nan'):>11.2f}")
    if bw.get("step_exponent") is not None:
        xs = [d for d in dims if d >= 100 and np_t[d]["step_eigh"]]
        np_exp = np.polyfit(np.log(xs), np.log([np_t[d]["step_eigh"] for d in xs]), 1)[0] if len(xs) > 1 else float("nan")
        res["numpy_step_exponent"] = float(np_exp)
        print(f"fitted exponent of the step time over d = 100..1000: bwflow {bw['step_exponent']:.2f}, "
              f"numpy eigh step {np_exp:.2f}")
    sys.stdout.flush()

    # ---- JKO-Flow ----
    flow = {}
    with tempfile.TemporaryDirectory() as tmp:
        for d in [d for d in FLOW_DIMS if not a.quick or d <= 50]:
            p, path = preset_problem(exe, d, tmp)
            mr, Sr, nref, tref = run_ivp(p, "DOP853", 1e-13, 1e-15, cap=1e9)
            ev = json.loads(subprocess.run(
                [exe, "evolve", path, "--method", "jkoflow", "--eta", "0.1", "--t", "2",
                 "--rtol", "1e-8", "--json"], check=True, capture_output=True, text=True).stdout)
            bw_err = rel_err(np.array(ev["mean"]), np.array(ev["cov"]), mr, Sr)
            fd = {"bwflow": {"ms": bwv("jkoflow_ms", d), "steps": ev["cvode"]["steps"],
                             "rhs_evals": ev["cvode"]["rhs_evals"], "linsol": ev["cvode"]["linsol"], "solver": ev["cvode"].get("solver"),
                             "jtv_evals": bwv("jkoflow_jtv_evals", d), "err": bw_err},
                  "reference": {"method": "DOP853", "rtol": 1e-13, "nfev": nref, "s": tref},
                  "methods": {}}
            print(f"\nJKO-Flow d = {d} to T = 2 (OpenBLAS {core} kernels; rtol 1e-8, atol 1e-14; reference "
                  f"DOP853 rtol 1e-13, {nref} RHS, {tref:.2f} s)")
            print(f"  {'bwflow CVODE (' + ev['cvode'].get('solver', ev['cvode']['linsol']) + ')':<28} {fmt_t((fd['bwflow']['ms'] or 0) * 1e6):>10}"
                  f"  steps {ev['cvode']['steps']:>5}  RHS {ev['cvode']['rhs_evals']:>6}"
                  + (f" (+{fd['bwflow']['jtv_evals']} J v)" if fd['bwflow']['jtv_evals'] else "")
                  + f"  error {bw_err:.1e}")
            for meth in METHODS:
                if d >= 200 and meth in IMPLICIT:
                    n = d + d * d
                    why = (f"skipped: a dense {n} x {n} Jacobian ({8 * n * n / 2**30:.0f} GiB) by "
                           f"{n} finite-difference RHS evaluations")
                    fd["methods"][meth] = {"skipped": why}
                    print(f"  solve_ivp {meth:<18} {why}")
                    continue
                r = timed_ivp(p, meth, 1e-8, 1e-14, a.quick)
                if r is None:
                    fd["methods"][meth] = {"skipped": f"over the {CAP_S:.0f} s cap or failed"}
                    print(f"  solve_ivp {meth:<18} over the {CAP_S:.0f} s cap (or failed): skipped")
                    continue
                m, S, nfev, sec = r
                err = rel_err(m, S, mr, Sr)
                fd["methods"][meth] = {"nfev": nfev, "s": sec, "err": err}
                print(f"  solve_ivp {meth:<18} {fmt_t(sec * 1e9):>10}  {'':>11}  RHS {nfev:>6}  error {err:.1e}"
                      f"  ({ratio(sec * 1e3, fd['bwflow']['ms'])} bwflow's time)")
            ok = {k: v for k, v in fd["methods"].items() if "s" in v}
            if ok:
                best = min(ok, key=lambda k: ok[k]["s"])
                fd["best"] = best
                # equal accuracy: the loosest rtol of the best method with error <= bwflow's
                match = None
                for rt in [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12]:
                    r = run_ivp(p, best, rt, 1e-14)
                    if r is not None and rel_err(r[0], r[1], mr, Sr) <= bw_err:
                        r = timed_ivp(p, best, rt, 1e-14, a.quick)
                        match = {"rtol": rt, "nfev": r[2], "s": r[3], "err": rel_err(r[0], r[1], mr, Sr)}
                        break
                fd["equal_accuracy"] = match
                fewest = min(ok, key=lambda k: ok[k]["nfev"])
                print(f"  fastest solve_ivp method: {best} ({ratio(ok[best]['s'] * 1e3, fd['bwflow']['ms'])} "
                      f"bwflow's time at rtol 1e-8); fewest RHS: {fewest} ({ok[fewest]['nfev']} vs bwflow's "
                      f"{fd['bwflow']['rhs_evals']})")
                if match:
                    print(f"  at equal accuracy ({best} at rtol {match['rtol']:.0e}: error {match['err']:.1e} <= "
                          f"{bw_err:.1e}): {fmt_t(match['s'] * 1e9)}, {match['nfev']} RHS = "
                          f"{ratio(match['s'] * 1e3, fd['bwflow']['ms'])} bwflow's time")
                else:
                    print(f"  {best} reaches no error <= bwflow's {bw_err:.1e} for rtol >= 1e-12")
            flow[str(d)] = fd
            sys.stdout.flush()
    res["jkoflow"] = flow
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
