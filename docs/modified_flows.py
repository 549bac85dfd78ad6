#!/usr/bin/env python3
"""The modified equations of the Gaussian JKO step to any order, symbolically (docs/math.md
section 8): prints f_1, ..., f_q of x' = f_1 + eta f_2 + eta^2 f_3 + ..., the flow the JKO
iterates follow to O(eta^q), as polynomials in the non-commuting symbols P (= A + K),
S (the covariance) and W = S^-1, with scalar coefficients in tau.

Method (no derivative of anything is formed by hand):
  1. the JKO step's covariance S+ = R S R, R = (I + e (P - tau S+^-1))^-1 (docs/math.md
     section 4), solved as a truncated power series in e by fixed-point sweeps (each gains one
     order; the inverse of a series with constant term S is W - e W S_1 W + ...), also for an
     input that is itself a series in e;
  2. the iterates y_j = Phi^j(S), j = 0..q, as series in e;
  3. backward error analysis in closed form: the time-e flow of the modified field is Phi,
     i.e. Phi^* = exp(e L) on functions (L the Lie derivative along the field), so
     e f = log(Phi^*) id = sum_{m >= 1} (-1)^(m+1)/m Delta^m y_0, Delta^m y_0 the m-th forward
     difference of the iterates, which is O(e^m): the coefficient of e^k needs m <= k.
Words are reduced with S W = W S = I. Run: python3 docs/modified_flows.py [q] (default 3;
q = 5, f_1..f_5, takes about half a minute).

For q = 3 it prints (docs/math.md section 8; lib/modflow2.c):
  f1 = (2*tau) I + (-1) P S + (-1) S P
  f2 = (-tau**2) W + (1/2) P^2 S + (1/2) S P^2
  f3 = (-tau/3) P^2 + (-1/3) P^3 S + (-1/3) S P^3 + (tau**3) W^2
"""
import sys
from functools import reduce
from math import comb

import sympy as sp

tau = sp.Symbol("tau")


def reduce_word(w):
    out = []
    for c in w:
        if out and {out[-1], c} == {"S", "W"}:
            out.pop()
        else:
            out.append(c)
    return tuple(out)


def add(a, b, s=1):
    r = dict(a)
    for k, v in b.items():
        r[k] = r.get(k, 0) + s * v
    return {k: v for k, v in ((k, sp.expand(v)) for k, v in r.items()) if v != 0}


def mul(a, b):
    r = {}
    for k1, v1 in a.items():
        for k2, v2 in b.items():
            k = reduce_word(k1 + k2)
            r[k] = r.get(k, 0) + v1 * v2
    return {k: v for k, v in ((k, sp.expand(v)) for k, v in r.items()) if v != 0}


def scale(a, c):
    return {k: sp.expand(v * c) for k, v in a.items()}


ONE, P, S, W = {(): sp.Integer(1)}, {("P",): sp.Integer(1)}, {("S",): sp.Integer(1)}, {("W",): sp.Integer(1)}


def series_mul(A, B, q):
    return [reduce(add, [mul(A[j], B[k - j]) for j in range(k + 1)], {}) for k in range(q + 1)]


def series_inv(A, q):
    """Inverse of a series whose constant term is S (inverse W)."""
    B = [W]
    for k in range(1, q + 1):
        s = reduce(add, [mul(A[j], B[k - j]) for j in range(1, k + 1)], {})
        B.append(scale(mul(W, s), -1))
    return B


def jko(Sin, q):
    """S+ = R S R, R = (I + e M(S+))^-1, M(X) = P - tau X^-1, as a series (Sin a series)."""
    Sp = list(Sin)
    for _ in range(q + 1):
        Wp = series_inv(Sp, q)
        eM = [{}] + [add(P if k == 0 else {}, scale(Wp[k], -tau)) for k in range(q)]  # e M, shifted
        R = [ONE]
        for k in range(1, q + 1):
            R.append(scale(reduce(add, [mul(eM[j], R[k - j]) for j in range(1, k + 1)], {}), -1))
        Sp = series_mul(series_mul(R, Sin, q), R, q)
    return Sp


def fields(q):
    ys = [[S] + [{} for _ in range(q)]]
    for _ in range(q):
        ys.append(jko(ys[-1], q))
    f = [{} for _ in range(q + 1)]
    for m in range(1, q + 1):
        for j in range(m + 1):
            c = sp.Rational((-1) ** (m + 1), m) * comb(m, j) * (-1) ** (m - j)
            for k in range(q + 1):
                f[k] = add(f[k], scale(ys[j][k], c))
    return f[1:]


def show(poly):
    """'c1 word1 + c2 word2 ...' with runs as powers (P P P -> P^3), words ordered by their
    number of S and W, then length."""
    terms = []
    for w, v in sorted(poly.items(), key=lambda t: (len(t[0]) - t[0].count("P"), len(t[0]), t[0])):
        runs, k = [], 0
        while k < len(w):
            j = k
            while j < len(w) and w[j] == w[k]:
                j += 1
            runs.append(w[k] + ("^%d" % (j - k) if j - k > 1 else ""))
            k = j
        terms.append("(%s) %s" % (v, " ".join(runs) if runs else "I"))
    return " + ".join(terms)


def main():
    q = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for k, fk in enumerate(fields(q), 1):
        print("f%d = %s" % (k, show(fk)))


if __name__ == "__main__":
    main()
