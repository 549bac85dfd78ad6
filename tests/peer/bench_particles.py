#!/usr/bin/env python3
"""Benchmark peer for the particle system: JKO-Flow with scipy's solve_ivp against bwflow.

Not a test (nothing is asserted). For the quartic preset (V = x^4/4, tau = 1, the quantiles
of N(1, 1/4)) with N = 20 (eta = 1e-3) and N = 200 (eta = 1e-5: eta lambda_max(H(x0)) ~ 0.96
for both), JKO-Flow x' = -grad F + (eta/2) H grad F is integrated to T = 0.5

  - by bwflow: `bwflow evolve --preset quartic --particles N --method jkoflow --eta ETA
    --t 0.5 --rtol 1e-8 --json` for the solution, `bwflow bench --json` (particles_jkoflow_ms:
    in-process median, the same settings) for the time;
  - by scipy.integrate.solve_ivp with Radau and BDF (the Jacobian by finite differences
    grouped by its band, jac_sparsity: 5 right-hand sides per Jacobian), and LSODA (lband =
    uband = 2), the right-hand side written with numpy (vectorised, O(N) per call),
    at rtol 1e-4 .. 1e-12 (atol 1e-14).

Both are compared with a tight reference (Radau, rtol 1e-13, atol 1e-15): error = max |x -
x_ref| / max |x_ref|. "At equal accuracy": for each scipy method the loosest rtol whose
error is at most bwflow's is timed (median of 3 runs), and the fastest such method is
compared with bwflow's time.

usage: bench_particles.py BWFLOW_EXECUTABLE [--bench-json FILE] [--out FILE]
  --bench-json FILE reuse a saved `bwflow bench --json` output instead of running it
  --out FILE        also write every number as JSON to FILE
"""
import argparse
import json
import subprocess
import sys
import time
import warnings

import numpy as np
import numpy.polynomial.polynomial as P
from scipy.integrate import solve_ivp
from scipy.special import ndtri

T = 0.5
CASES = [(20, 1e-3), (200, 1e-5)]


def problem(n):
    x0 = 1.0 + 0.5 * ndtri((np.arange(1, n + 1) - 0.5) / n)
    c = np.array([0, 0, 0, 0, 0.25])
    return x0, P.polyder(c), P.polyder(c, 2)


def rhs_factory(n, eta):
    _, c1, c2 = problem(n)

    def f(t, x):
        D = np.diff(x)
        w = 1.0 / D
        g = P.polyval(x, c1)
        g[:-1] += w
        g[1:] -= w
        w2 = w * w
        d = P.polyval(x, c2)
        d[:-1] += w2
        d[1:] += w2
        hg = d * g
        hg[:-1] -= w2 * g[1:]
        hg[1:] -= w2 * g[:-1]
        return -g + 0.5 * eta * hg
    return f


def band(n, b):
    i = np.arange(n)
    return (np.abs(i[:, None] - i[None, :]) <= b).astype(int)


def scipy_solve(n, eta, method, rtol, atol=1e-14):
    x0, _, _ = problem(n)
    kw = {"jac_sparsity": band(n, 2)} if method in ("Radau", "BDF") else {"lband": 2, "uband": 2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        sol = solve_ivp(rhs_factory(n, eta), (0.0, T), x0, method=method, rtol=rtol, atol=atol, **kw)
        dt = time.perf_counter() - t0
    if sol.status != 0:
        return None, dt, sol.nfev
    return sol.y[:, -1], dt, sol.nfev


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("--bench-json")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.bench_json:
        with open(args.bench_json) as f:
            bench = json.load(f)
    else:
        bench = json.loads(subprocess.run([args.exe, "bench", "--json"], capture_output=True, text=True,
                                          check=True).stdout)
    results = {}
    print("JKO-Flow, quartic, T = 0.5: bwflow (CVODE BDF, band solver, analytic Jacobian, rtol 1e-8) "
          "against scipy solve_ivp at equal accuracy")
    for n, eta in CASES:
        ref, _, _ = scipy_solve(n, eta, "Radau", 1e-13, 1e-15)
        scale = np.max(np.abs(ref))
        out = json.loads(subprocess.run([args.exe, "evolve", "--preset", "quartic", "--particles", str(n), "--method",
                                         "jkoflow", "--eta", repr(eta), "--t", repr(T), "--rtol", "1e-8", "--json"],
                                        capture_output=True, text=True, check=True).stdout)
        err_bw = np.max(np.abs(np.array(out["positions"]) - ref)) / scale
        t_bw = bench["particles_jkoflow_ms"][str(n)] * 1e-3
        r = {"bwflow_s": t_bw, "bwflow_err": err_bw, "bwflow_steps": out["cvode"]["steps"], "scipy": {}}
        print("\nN = %d, eta = %g: bwflow %.3g ms, error %.1e (%d steps)" % (n, eta, t_bw * 1e3, err_bw,
                                                                          out["cvode"]["steps"]))
        best = None
        for method in ("Radau", "BDF", "LSODA"):
            chosen = None
            for rtol in [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12]:
                x, dt, nfev = scipy_solve(n, eta, method, rtol)
                if x is None:
                    continue
                err = np.max(np.abs(x - ref)) / scale
                if err <= err_bw:
                    times = sorted([dt] + [scipy_solve(n, eta, method, rtol)[1] for _ in range(2)])
                    chosen = {"rtol": rtol, "err": err, "s": times[1], "nfev": nfev}
                    break
            r["scipy"][method] = chosen
            if chosen:
                print("  scipy %-5s rtol %.0e: error %.1e, %.3g ms (%d right-hand sides): %.0fx bwflow's time"
                      % (method, chosen["rtol"], chosen["err"], chosen["s"] * 1e3, chosen["nfev"], chosen["s"] / t_bw))
                if best is None or chosen["s"] < best[1]:
                    best = (method, chosen["s"])
            else:
                print("  scipy %-5s: no rtol down to 1e-12 reaches bwflow's error" % method)
        if best:
            r["speedup_vs_fastest_scipy"] = best[1] / t_bw
            print("  bwflow is %.0fx faster than the fastest scipy method (%s) at equal accuracy" % (best[1] / t_bw, best[0]))
        results[str(n)] = r
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"results": results, "machine": bench.get("machine")}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
