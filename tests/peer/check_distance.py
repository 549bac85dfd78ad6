#!/usr/bin/env python3
"""Independent check of `bwflow distance --json` against a 50-digit mpmath computation.

W2^2 = |m0 - m1|^2 + tr(S0 + S1 - 2 (S0^1/2 S1 S0^1/2)^1/2), evaluated with mpmath's
Cholesky factorisation and symmetric eigensolver at 50 significant digits on the exact binary inputs that bwflow
reads (written with repr, which round-trips doubles). Two families:

  random pairs   d = 1..50, covariance eigenvalues log-uniform over four decades
                 [1e-2, 1e2]; required relative agreement 1e-12.
  nearby pairs   S1 = S0 + delta E, m1 = m0, delta = 1e-4 .. 1e-10: the regime where
                 the textbook trace formula in double precision is pure noise; the
                 measured relative error is printed (docs/geometry.md quotes it) and
                 must stay below 1e-11.

usage: check_distance.py BWFLOW_EXECUTABLE [--quick]
Exit 0 when every comparison passes; prints one line per case and a closing
'N passed, N failed' line.
"""
import json
import os
import subprocess
import sys
import tempfile

import mpmath as mp
import numpy as np

mp.mp.dps = 50


def random_spd(rng, d, lo, hi):
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = np.exp(rng.uniform(np.log(lo), np.log(hi), d))
    if d > 1:
        lam[0], lam[-1] = lo, hi
    s = (q * lam) @ q.T
    return (s + s.T) / 2


def ref_w2sq(m0, s0, m1, s1):
    d = len(m0)
    S0 = mp.matrix(s0.tolist())
    S1 = mp.matrix(s1.tolist())
    # S0^1/2 S1 S0^1/2 and L' S1 L (S0 = L L', Cholesky) are both similar to S0 S1: the
    # same eigenvalues, without S0's eigenvectors (3x faster at d = 50).
    L = mp.cholesky(S0)
    m = L.T * S1 * L
    m = (m + m.T) / 2
    mu = mp.eigsy(m, eigvals_only=True)
    tr = sum(S0[i, i] + S1[i, i] for i in range(d)) - 2 * sum(mp.sqrt(x) for x in mu)
    dm = sum((mp.mpf(a) - mp.mpf(b)) ** 2 for a, b in zip(m0, m1))
    return dm + tr


def run_bwflow(exe, tmp, m0, s0, m1, s1):
    paths = []
    for k, (m, s) in enumerate(((m0, s0), (m1, s1))):
        p = os.path.join(tmp, f"g{k}.json")
        with open(p, "w") as f:
            json.dump({"mean": [float(x) for x in m], "cov": [[float(x) for x in row] for row in s]}, f)
        paths.append(p)
    out = subprocess.run([exe, "distance", "--json", *paths], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    exe = sys.argv[1]
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(20261128)
    passed = failed = 0
    worst_random = worst_near = 0.0
    dims = [1, 2, 3, 4, 5, 7, 10, 15, 20] + ([] if quick else [30, 40, 50])
    with tempfile.TemporaryDirectory() as tmp:
        for d in dims:
            for _ in range(2 if d <= 20 else 1):
                m0, m1 = rng.standard_normal(d), rng.standard_normal(d)
                s0, s1 = random_spd(rng, d, 1e-2, 1e2), random_spd(rng, d, 1e-2, 1e2)
                got = run_bwflow(exe, tmp, m0, s0, m1, s1)
                ref = ref_w2sq(m0, s0, m1, s1)
                err = float(abs(mp.mpf(got["w2_squared"]) - ref) / ref)
                err_w2 = float(abs(mp.mpf(got["w2"]) - mp.sqrt(ref)) / mp.sqrt(ref))
                ok = err < 1e-12 and err_w2 < 1e-12
                worst_random = max(worst_random, err)
                passed += ok
                failed += not ok
                print(f"random d={d:2d}  w2^2={float(ref):.6e}  rel.err={err:.2e}  {'ok' if ok else 'FAIL'}")
        for d in [2, 5, 10, 20]:
            s0 = random_spd(rng, d, 1e-2, 1e2)
            e = rng.standard_normal((d, d))
            e = (e + e.T) / 2
            m0 = rng.standard_normal(d)
            for delta in [1e-4, 1e-6, 1e-8, 1e-10]:
                s1 = s0 + delta * e
                s1 = (s1 + s1.T) / 2
                got = run_bwflow(exe, tmp, m0, s0, m0, s1)
                ref = ref_w2sq(m0, s0, m0, s1)
                err = float(abs(mp.mpf(got["w2_squared"]) - ref) / ref)
                ok = err < 1e-11
                worst_near = max(worst_near, err)
                passed += ok
                failed += not ok
                print(f"nearby d={d:2d} delta={delta:.0e}  w2^2={float(ref):.3e}  rel.err={err:.2e}  {'ok' if ok else 'FAIL'}")
    print(f"worst relative error: random pairs {worst_random:.2e}, nearby pairs {worst_near:.2e}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
