"""Independent numpy/scipy computations the binding's results are compared with."""
import numpy as np
import scipy.linalg as sla


def rel(a, b):
    """Relative difference in the Frobenius (2-) norm."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)


def random_spd(rng, d, lo=0.3, hi=3.0):
    """Q diag(s) Q' with Q Haar orthogonal (scipy) and s log-uniform in [lo, hi]."""
    from scipy.stats import ortho_group
    Q = ortho_group.rvs(d, random_state=rng) if d > 1 else np.ones((1, 1))
    s = np.exp(rng.uniform(np.log(lo), np.log(hi), d))
    S = Q @ np.diag(s) @ Q.T
    return (S + S.T) / 2


def sqrtm_spd(S):
    """Principal square root by scipy's Schur method (not an eigendecomposition)."""
    R = sla.sqrtm(S)
    return np.real(R + R.T) / 2


def textbook_w2sq(m0, S0, m1, S1):
    """|m0 - m1|^2 + tr(S0 + S1 - 2 (S0^1/2 S1 S0^1/2)^1/2)."""
    r = sqrtm_spd(S0)
    return float(np.sum((m0 - m1) ** 2) + np.trace(S0 + S1 - 2 * sqrtm_spd(r @ S1 @ r)))


def textbook_ot_map(S0, S1):
    """T = S0^-1/2 (S0^1/2 S1 S0^1/2)^1/2 S0^-1/2."""
    r = sqrtm_spd(S0)
    ri = np.linalg.inv(r)
    return ri @ sqrtm_spd(r @ S1 @ r) @ ri


def jko_step_numpy(A, h, K, tau, eta, m, S):
    """The closed-form JKO step, in numpy: m' = (I + eta A)^-1 (m + eta h);
    B = I + eta P, C = B^-1/2 S B^-1/2, X = e I + C/2 + (C^2/4 + e C)^1/2 (e = eta tau),
    S' = B^-1/2 X B^-1/2."""
    d = len(m)
    P = A + K
    I = np.eye(d)
    m1 = np.linalg.solve(I + eta * A, m + eta * h)
    Bih = np.linalg.inv(sqrtm_spd(I + eta * P))
    C = Bih @ S @ Bih
    C = (C + C.T) / 2
    e = eta * tau
    X = e * I + C / 2 + sqrtm_spd(C @ C / 4 + e * C)
    S1 = Bih @ X @ Bih
    return m1, (S1 + S1.T) / 2


def wgf_expm(A, h, K, tau, m0, S0, t):
    """The exact flow by matrix exponentials (P, A invertible):
    m(t) = e^{-At} m0 + A^-1 (I - e^{-At}) h,  S(t) = e^{-Pt} S0 e^{-Pt} + tau P^-1 (I - e^{-2Pt})."""
    d = len(m0)
    P = A + K
    I = np.eye(d)
    EA, EP = sla.expm(-A * t), sla.expm(-P * t)
    m = EA @ m0 + np.linalg.solve(A, (I - EA) @ h)
    S = EP @ S0 @ EP + tau * np.linalg.solve(P, I - EP @ EP)
    return m, (S + S.T) / 2


def flow_rhs(A, h, K, tau, e):
    """Right-hand side of the modified flow on (m, vec S), e = eta (JKO-Flow), -eta (forward
    Euler's), 0 (the plain flow):
    m' = -(I - e/2 A)(A m - h),  S' = 2 tau I - P S - S P + e/2 (P^2 S + S P^2) - e tau^2 S^-1."""
    d = len(h)
    P = A + K
    P2 = P @ P
    I = np.eye(d)

    def f(_t, y):
        m, S = y[:d], y[d:].reshape(d, d)
        dm = -(I - e / 2 * A) @ (A @ m - h)
        dS = 2 * tau * I - P @ S - S @ P + e / 2 * (P2 @ S + S @ P2) - e * tau ** 2 * np.linalg.inv(S)
        return np.concatenate([dm, ((dS + dS.T) / 2).ravel()])
    return f
