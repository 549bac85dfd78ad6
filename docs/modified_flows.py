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
Words are reduced with S W = W S = I. A polynomial is a dict (word, b) -> c, meaning
c tau^b word with c an exact fraction (Python's fractions; sympy only prints the result):
the arithmetic is exact and, without sympy's expansion of every coefficient, 10-20 times
faster (fields(5): 0.18 s against 2.1 s with sympy coefficients; fields(6): 0.6 s against
12 s; the command takes 0.9 s for q = 5, most of it sympy's import).
Run: python3 docs/modified_flows.py [q] (default 3).

For q = 3 it prints (docs/math.md section 8; lib/gaussian/modflow2.c):
  f1 = (2*tau) I + (-1) P S + (-1) S P
  f2 = (-tau**2) W + (1/2) P^2 S + (1/2) S P^2
  f3 = (-tau/3) P^2 + (-1/3) P^3 S + (-1/3) S P^3 + (tau**3) W^2

python3 docs/modified_flows.py --check [BUILD_DIR] (numpy, scipy; 3 s, up to 8 s on a busy
machine) measures the fields numerically (docs/order2.md, "How far in the order p"):
  1. the JKO-Flow of order p, S' = f_1 + eta f_2 + ... + eta^p f_(p+1), p = 1..4, against the
     JKO iterates on a random non-commuting d = 3 problem: the global error falls like
     eta^(p+1);
  2. the odd orders: the truncated logarithm L_p(z) = 1 - z/2 + ... + (-z)^p/(p+1) turns
     negative for odd p, so the order-3 flow amplifies fast modes (here: makes the target
     unstable once eta is large) and, like JKO-Flow, collapses a small variance.
With the library built (BUILD_DIR, default build), the numpy JKO step and the p = 1, 2 flows
are also compared with bwflow's (JKOPlan, JKOFlow kinds "jko" and "jko2").
"""
import os
import sys
import time
from fractions import Fraction
from functools import reduce
from math import comb


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
    return {k: v for k, v in r.items() if v != 0}


def mul(a, b):
    r = {}
    for (w1, t1), v1 in a.items():
        for (w2, t2), v2 in b.items():
            k = (reduce_word(w1 + w2), t1 + t2)
            r[k] = r.get(k, 0) + v1 * v2
    return {k: v for k, v in r.items() if v != 0}


def scale(a, c, t=0):
    """a times c tau^t."""
    return {(w, b + t): v * c for (w, b), v in a.items()}


def mono(word):
    return {(tuple(word), 0): Fraction(1)}


ONE, P, S, W = mono(""), mono("P"), mono("S"), mono("W")


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
        # e M, shifted: e (P - tau Wp)
        eM = [{}] + [add(P if k == 0 else {}, scale(Wp[k], -1, 1)) for k in range(q)]
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
            c = Fraction((-1) ** (m + 1), m) * comb(m, j) * (-1) ** (m - j)
            for k in range(q + 1):
                f[k] = add(f[k], scale(ys[j][k], c))
    return f[1:]


def show(poly):
    """'c1 word1 + c2 word2 ...' with runs as powers (P P P -> P^3), words ordered by their
    number of S and W, then length."""
    import sympy as sp
    tau = sp.Symbol("tau")
    coef = {}
    for (w, b), v in poly.items():
        coef[w] = coef.get(w, 0) + sp.Rational(v.numerator, v.denominator) * tau ** b
    terms = []
    for w, v in sorted(coef.items(), key=lambda t: (len(t[0]) - t[0].count("P"), len(t[0]), t[0])):
        runs, k = [], 0
        while k < len(w):
            j = k
            while j < len(w) and w[j] == w[k]:
                j += 1
            runs.append(w[k] + ("^%d" % (j - k) if j - k > 1 else ""))
            k = j
        terms.append("(%s) %s" % (v, " ".join(runs) if runs else "I"))
    return " + ".join(terms)


# --------------------------------------------------------------------------- --check

SEED, TAU, T = 1, 0.7, 1.0
ETAS = [0.1, 0.05, 0.025, 0.0125, 0.00625]
RTOL, ATOL = 1e-13, 1e-16          # the measured run
RTOL2, ATOL2 = 1e-12, 1e-15        # the second run, for the integration error


def check(build):
    """Prints the measurements of docs/order2.md ("How far in the order p") and returns them
    (tests/python/test_modified_flows.py checks them): "slopes" (least squares, p = 1..4),
    "resolution" (largest ratio integration difference / error), "library" (the numpy iterates
    and flows against the library's, when it loads), "zc" (where L_p turns negative, odd p),
    "jacobian" ({(p, eta): largest eigenvalue of the order-p field's Jacobian at S*})."""
    import numpy as np
    from scipy.integrate import solve_ivp
    from scipy.optimize import brentq, minimize_scalar

    t_start = time.time()
    sym = lambda X: (X + X.T) / 2  # noqa: E731

    fs = fields(5)
    for k, fk in enumerate(fs, 1):  # homogeneity: c tau^b word has b = 1 + #W - #S, k - b P's
        for (w, b), _ in fk.items():
            assert b == 1 + w.count("W") - w.count("S") and w.count("P") == k - b, (k, w, b)

    class Fields:
        """f_1..f_n at S, each word a product of matrices (W = inv(S), shared prefixes)."""

        def __init__(self, P, tau):
            self.P, self.d = P, P.shape[0]
            self.terms = []
            for fk in fs:
                c = {}
                for (w, b), v in fk.items():
                    c[w] = c.get(w, 0.0) + float(v) * tau ** b
                self.terms.append([(v, w) for w, v in c.items() if v != 0.0])

        def __call__(self, S, n=5):
            mats = {"P": self.P, "S": S, "W": np.linalg.inv(S)}
            cache = {(): np.eye(self.d)}

            def prod(w):
                M = cache.get(w)
                if M is None:
                    M = cache[w] = prod(w[:-1]) @ mats[w[-1]]
                return M
            return [sym(sum(c * prod(w) for c, w in terms)) for terms in self.terms[:n]]

        def flow(self, p, eta):
            """The order-p field S -> f_1 + eta f_2 + ... + eta^p f_(p+1)."""
            def field(S):
                return sum(eta ** k * f for k, f in enumerate(self(S, p + 1)))
            return field

    def integrate(field, S0, times, rtol=RTOL, atol=ATOL, events=None):
        d = S0.shape[0]
        sol = solve_ivp(lambda _, y: field(y.reshape(d, d)).ravel(), (0.0, times[-1]),
                        S0.ravel(), method="DOP853", t_eval=times, rtol=rtol, atol=atol,
                        events=events)
        return sol, sol.y.T.reshape(-1, d, d)

    def jko_step(P, tau, eta, S):
        """docs/math.md section 4: S+ = B^-1/2 X B^-1/2, X = e I + C/2 + (C^2/4 + e C)^1/2."""
        w, V = np.linalg.eigh(np.eye(len(P)) + eta * P)
        Bmh = (V / np.sqrt(w)) @ V.T
        c, U = np.linalg.eigh(sym(Bmh @ S @ Bmh))
        e = eta * tau
        return sym(Bmh @ ((U * (e + c / 2 + np.sqrt(c * c / 4 + e * c))) @ U.T) @ Bmh)

    def jko_run(P, tau, eta, S0, n):
        Ss = [S0]
        for _ in range(n):
            Ss.append(jko_step(P, tau, eta, Ss[-1]))
        return np.array(Ss)

    # The problem: tests/peer/check_jkoflow2.py's construction (without its h and mean, so
    # not the same draws), d = 3, seed SEED.
    d = 3
    rng = np.random.default_rng(SEED)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = sym((Q * rng.uniform(0.3, 2.0, d)) @ Q.T)
    G = rng.standard_normal((d, d))
    K = sym(0.3 * G @ G.T / d - 0.05 * np.eye(d))
    Q0, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = np.sort(rng.uniform(0.3, 3.0, d))
    lam[0], lam[-1] = 0.3, 3.0
    S0 = sym((Q0 * lam) @ Q0.T)
    Pm = A + K
    pe = np.linalg.eigvalsh(Pm)
    F = Fields(Pm, TAU)
    comm = lambda X, Y: np.linalg.norm(X @ Y - Y @ X) / np.linalg.norm(X @ Y)  # noqa: E731
    print("Problem (numpy default_rng(%d)): A = Q diag(U(0.3, 2)) Q', K = 0.3 G G'/3 - 0.05 I "
          "(G standard normal),\n  S0 = Q0 diag(0.3, %.3f, 3) Q0', Q, Q0 random orthogonal; "
          "d = 3, tau = %g" % (SEED, lam[1], TAU))
    print("  eig P = %s, eig K = %s; |[P, S0]|/|P S0| = %.2f, |[A, K]|/|A K| = %.2f"
          % (np.array2string(pe, precision=3), np.array2string(np.linalg.eigvalsh(K), precision=3),
             comm(Pm, S0), comm(A, K)))

    # The library, if it loads: the same problem with h = 0, m0 = 0.
    bw = None
    try:  # the installed package, or the one built in BUILD/lib/python
        try:
            import bwflow as bw
        except ImportError:
            sys.path.insert(0, os.path.join(build, "lib", "python"))
            import bwflow as bw
        pb, m0 = bw.Problem(A, np.zeros(d), K, TAU), np.zeros(d)
    except (ImportError, OSError) as exc:
        print("  (bwflow not loaded, library comparisons skipped: %s)" % exc)

    # 1. Slopes.
    ps = [1, 2, 3, 4]
    err = np.zeros((len(ETAS), len(ps)))
    res = np.zeros_like(err)
    lib = {}
    for i, eta in enumerate(ETAS):
        n = int(np.floor(T / eta + 1e-9))
        times = eta * np.arange(n + 1)
        Sk = jko_run(Pm, TAU, eta, S0, n)
        if bw is not None:
            _, Sl = bw.JKOPlan(pb, eta).run(m0, S0, n)
            lib.setdefault("plan", []).append(np.abs(Sl - Sk).max())
        for j, p in enumerate(ps):
            sol, Sf = integrate(F.flow(p, eta), S0, times)
            sol2, Sf2 = integrate(F.flow(p, eta), S0, times, RTOL2, ATOL2)
            assert sol.success and sol2.success
            err[i, j] = max(np.linalg.norm(a - b) for a, b in zip(Sk, Sf))
            res[i, j] = max(np.linalg.norm(a - b) for a, b in zip(Sf, Sf2))
            if bw is not None and p <= 2:
                kind = {1: "jko", 2: "jko2"}[p]
                fl = bw.JKOFlow(pb, eta, kind, rtol=1e-13, atol=1e-16)
                _, Sl = fl.solve(m0, S0, times)
                lib.setdefault(kind, []).append(max(np.linalg.norm(a - b)
                                                    for a, b in zip(Sl, Sf)))
                f = F.flow(p, eta)
                rel = max(np.linalg.norm(fl.rhs(m0, X)[1] - f(X)) / np.linalg.norm(f(X))
                          for X in Sf[::max(1, n // 8)])
                lib.setdefault(kind + " rhs", []).append(rel)
    print("\n1. JKO iterates S_k against the order-p flow S' = f_1 + eta f_2 + ... + eta^p "
          "f_(p+1)\n   (DOP853, rtol %g, atol %g): error = max over k eta <= %g of "
          "|S_k - S(k eta)|_F" % (RTOL, ATOL, T))
    print("   %-9s" % "eta" + "".join("%-11s" % ("p = %d" % p) for p in ps)
          + "   local slopes")
    for i, eta in enumerate(ETAS):
        row = "   %-9g" % eta + "".join("%-11.3e" % e for e in err[i])
        if i:
            sl = np.log(err[i - 1] / err[i]) / np.log(ETAS[i - 1] / ETAS[i])
            row += "  " + " ".join("%5.2f" % s for s in sl)
        print(row)
    print("   expected slopes: " + ", ".join("%d" % (p + 1) for p in ps))
    fit = [np.polyfit(np.log(ETAS), np.log(err[:, j]), 1)[0] for j in range(len(ps))]
    out = {"slopes": fit, "resolution": (res / err).max(),
           "library": {k: max(v) for k, v in lib.items()}}
    print("   least-squares slopes: " + ", ".join("%.3f" % s for s in fit))
    print("   integration: max_k |S(k eta) at rtol %g - at rtol %g|_F (about the second run's "
          "error, larger\n   than the first's) is at most %.1e, and at most %.1e of the error "
          "in the table"
          % (RTOL, RTOL2, res.max(), (res / err).max()))
    if bw is not None:
        print("   library: the numpy JKO step against JKOPlan.run: max |diff| %.1e; max over "
              "eta and k\n   of |S_numpy - S_lib|_F, p = 1 against JKOFlow kind jko: %.1e, "
              "p = 2 against kind jko2:\n   %.1e (CVODE, rtol 1e-13); |rhs_lib - rhs_numpy|_F "
              "/ |rhs|_F along the flow: jko %.1e,\n   jko2 %.1e"
              % tuple(max(lib[k]) for k in ("plan", "jko", "jko2", "jko rhs", "jko2 rhs")))

    # 2. Odd orders. A linear mode x' = -lambda x: the JKO step multiplies it by
    # 1/(1 + eta lambda), the order-p flow damps it at lambda L_p(eta lambda).
    L = lambda p, z: sum((-z) ** k / (k + 1) for k in range(p + 1))  # noqa: E731
    print("\n2. Odd orders. The order-p flow of a linear mode x' = -lambda x damps it at "
          "lambda L_p(eta lambda),\n   L_p(z) = 1 - z/2 + ... + (-z)^p/(p+1):")
    zc = {}
    for p in range(1, 6):
        if p % 2:
            zc[p] = brentq(lambda z: L(p, z), 0.5, 10.0)
            print("   p = %d: L_p(z) < 0 for z > %.4f (the mode grows)" % (p, zc[p]))
        else:
            m = minimize_scalar(lambda z: L(p, z), bounds=(0.0, 10.0), method="bounded")
            print("   p = %d: L_p(z) >= %.4f (at z = %.4f): damped at every eta" % (p, m.fun, m.x))
    # At the target S* = tau P^-1 the JKO step's linearisation multiplies the (i, j) entry of
    # a perturbation (in P's eigenbasis) by 1/(1 + eta (p_i + p_j)): linear modes of rate
    # p_i + p_j, so the order-p field's Jacobian at S* has the eigenvalues
    # -(p_i + p_j) L_p(eta (p_i + p_j)). Measured by central differences of the fields.
    Sst = TAU * np.linalg.inv(Pm)
    basis = []
    for a in range(d):
        for b in range(a, d):
            E = np.zeros((d, d))
            E[a, b] = E[b, a] = 1.0 if a == b else np.sqrt(0.5)
            basis.append(E)
    lams = np.array([pe[a] + pe[b] for a in range(d) for b in range(a, d)])

    def jac_max(p, eta, h=1e-5):
        f = F.flow(p, eta)
        J = np.array([[np.sum(Ei * (f(Sst + h * Ej) - f(Sst - h * Ej))) / (2 * h)
                       for Ej in basis] for Ei in basis])
        return np.linalg.eigvals(J).real.max(), (-lams * L(p, eta * lams)).max()
    eta3 = zc[3] / (2 * pe[-1])
    print("   d = 3 problem: largest eigenvalue of the order-p field's Jacobian at S* = tau P^-1 "
          "(predicted\n   max -(p_i + p_j) L_p(eta (p_i + p_j)) in brackets); order 3 loses "
          "S*'s stability at\n   eta = %.4f / (2 p_max) = %.3f (JKO-Flow, p = 1: at "
          "2 / (2 p_max) = %.3f)" % (zc[3], eta3, 1 / pe[-1]))
    etas2 = [0.3, 0.45, 0.55, 1.0]
    print("   %-6s" % "eta" + "".join("%-20s" % ("p = %d" % p) for p in (1, 2, 3, 4)))
    out["zc"], out["jacobian"] = zc, {}
    for eta in etas2:
        for p in (1, 2, 3, 4):
            out["jacobian"][p, eta] = jac_max(p, eta)
        print("   %-6g" % eta + "".join("%-20s" % ("%.4f (%.4f)" % out["jacobian"][p, eta])
                                        for p in (1, 2, 3, 4)))

    def run_to(p, eta, start, T2, floor):
        """|S(T2) - S*|_F of the order-p flow, or where its smallest eigenvalue reaches floor."""
        ev = lambda _, y: np.linalg.eigvalsh(y.reshape(len(start), -1)).min() - floor  # noqa: E731
        ev.terminal = True
        sol, Sf = integrate(F.flow(p, eta) if len(start) == d else Fh.flow(p, eta), start,
                            [0.0, T2], 1e-12, 1e-16, [ev])
        if sol.status == 1:
            return "p = %d collapses (to %g) at t = %.2g" % (p, floor, sol.t_events[0][0])
        assert sol.status == 0, sol.message
        if len(start) > 1:
            r = np.linalg.norm(Sf[-1] - Sst)
            g = np.linalg.norm(F.flow(p, eta)(Sf[-1]))
            return "p = %d %.1e%s" % (p, r, " (|S'|_F = %.0e there: another equilibrium)" % g
                                      if r > 1e-3 and g < 1e-5 else "")
        return "p = %d s(1) = %.4f" % (p, Sf[-1, 0, 0])
    eta, n = 0.55, 40
    rng = np.random.default_rng(SEED)
    E = sym(rng.standard_normal((d, d)))
    for name, start in (("S* + 1e-3 E (E random, |E|_F = 1)", Sst + 1e-3 * E / np.linalg.norm(E)),
                        ("S0", S0)):
        line = ["JKO iterates %.1e" % np.linalg.norm(jko_run(Pm, TAU, eta, start, n)[-1] - Sst)]
        line += [run_to(p, eta, start, n * eta, 1e-3) for p in (1, 2, 3, 4)]
        print("   From %s, eta = %g, |S(%g) - S*|_F:\n     %s." % (name, eta, n * eta,
                                                              ";\n     ".join(line)))
    # Collapse: the pure-inverse coefficients of f_2, ..., f_5 are -1, 1, -7/6, 4/3 (times
    # tau^k W^(k-1)), so a small variance s, w = eta tau/s, sees s' ~ tau (2 - w + w^2 - 7/6 w^3
    # + 4/3 w^4): the odd orders end on a negative power and collapse. The heat flow (P = 0,
    # tau = 1, d = 1) from s0 = 0.004 at eta = 0.1, as in docs/order2.md:
    Fh = Fields(np.zeros((1, 1)), 1.0)
    s0, eta = np.array([[0.004]]), 0.1
    line = ["JKO iterates s_10 = %.4f" % jko_run(np.zeros((1, 1)), 1.0, eta, s0, 10)[-1, 0, 0]]
    line += [run_to(p, eta, s0, 1.0, 4e-5) for p in (1, 2, 3, 4)]
    print("   Heat flow (P = 0, tau = 1, d = 1), s0 = 0.004, eta = 0.1:\n     %s."
          % ";\n     ".join(line))
    print("\n--check: %.1f s" % (time.time() - t_start))
    return out


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        check(sys.argv[2] if len(sys.argv) > 2 else
              os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "build"))
        return
    q = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for k, fk in enumerate(fields(q), 1):
        print("f%d = %s" % (k, show(fk)))


if __name__ == "__main__":
    main()
