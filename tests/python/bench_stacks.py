"""Benchmark (not a test) of W2 over stacks, for docs/performance.md: per pair, the single C
call bw_w2sq, the C stack call bw_w2sq_stack (both from BUILD/tests/bench_stack), the
Python package on (n, d) and (n, d, d) stacks, a vectorised numpy implementation of the
textbook formula (batched eigh), and a Python loop of single calls; at d = 2, 3, 10 and
n = 10^5, medians of 7 runs, single-threaded BLAS. Prints a markdown table.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=BUILD/lib/python /usr/bin/python3 \\
        tests/python/bench_stacks.py BUILD/tests/bench_stack [n]

POT (python3-pot) has Gaussian W2 (ot.gaussian.bures_wasserstein_distance) only from
version 0.9; when an installed POT has it, its column is added.
"""
import json
import subprocess
import sys
import time

import numpy as np

import bwflow

RUNS = 7


def numpy_w2sq(m0, S0, m1, S1):
    """|m0 - m1|^2 + tr S0 + tr S1 - 2 tr (S0^1/2 S1 S0^1/2)^1/2, batched eigh."""
    w, V = np.linalg.eigh(S0)
    r = (V * np.sqrt(w)[..., None, :]) @ np.swapaxes(V, -1, -2)
    mu = np.linalg.eigvalsh(r @ S1 @ r)
    return (np.sum((m0 - m1) ** 2, axis=-1) + np.trace(S0, axis1=-2, axis2=-1)
            + np.trace(S1, axis1=-2, axis2=-1) - 2 * np.sum(np.sqrt(np.clip(mu, 0, None)), axis=-1))


def median_ns(f, n, runs=RUNS):
    f()
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return 1e9 * sorted(t)[len(t) // 2] / n


def stack(rng, n, d):
    Q = np.linalg.qr(rng.normal(size=(n, d, d)))[0]
    s = np.exp(rng.uniform(np.log(0.3), np.log(3.0), size=(n, d)))
    S = (Q * s[:, None, :]) @ np.swapaxes(Q, -1, -2)
    return rng.normal(size=(n, d)), (S + np.swapaxes(S, -1, -2)) / 2


def main():
    exe, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    c = json.loads(subprocess.run([exe, str(n)], check=True, capture_output=True, text=True).stdout)
    try:
        import ot.gaussian as pot
        pot_w2 = getattr(pot, "bures_wasserstein_distance", None)
    except ImportError:
        pot_w2 = None
    rng = np.random.default_rng(1)
    rows = []
    for d in (2, 3, 10):
        m0, S0 = stack(rng, n, d)
        m1, S1 = stack(rng, n, d)
        ours = bwflow.w2sq(m0, S0, m1, S1)
        ref = numpy_w2sq(m0, S0, m1, S1)
        row = dict(d=d, c=c["dims"][str(d)])
        row["py"] = median_ns(lambda: bwflow.w2sq(m0, S0, m1, S1), n)
        row["py_shared"] = median_ns(lambda: bwflow.w2sq(m0[0], S0[0], m1, S1), n)
        row["numpy"] = median_ns(lambda: numpy_w2sq(m0, S0, m1, S1), n)
        row["numpy_rel"] = float(np.max(np.abs(ref - ours) / ours))
        k = 2000
        row["py_loop"] = median_ns(lambda: [bwflow.w2sq(m0[i], S0[i], m1[i], S1[i]) for i in range(k)], k, 3)
        if pot_w2 is not None:
            row["pot"] = median_ns(lambda: [pot_w2(m0[i], m1[i], S0[i], S1[i]) for i in range(k)], k, 3)
        rows.append(row)
    print("n = %d pairs, OpenBLAS kernels %s, times in ns per pair (medians of %d runs)\n"
          % (n, c["openblas_core"], RUNS))
    head = ["d", "C `bw_w2sq` (single call)", "C `bw_w2sq_stack`", "Python `w2sq(stacks)`",
            "ratio to the single C call", "one Gaussian vs the stack, C / Python",
            "numpy vectorised (batched `eigh`)", "Python loop of single calls"]
    if pot_w2 is not None:
        head.append("POT `bures_wasserstein_distance` loop")
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for r in rows:
        cells = [str(r["d"]), "%.0f" % r["c"]["single_ns"], "%.0f" % r["c"]["stack_ns"], "%.0f" % r["py"],
                 "%.2f" % (r["py"] / r["c"]["single_ns"]),
                 "%.0f / %.0f" % (r["c"]["stack_shared_ns"], r["py_shared"]),
                 "%.0f (max rel. diff %.0e)" % (r["numpy"], r["numpy_rel"]), "%.0f" % r["py_loop"]]
        if pot_w2 is not None:
            cells.append("%.0f" % r["pot"])
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
