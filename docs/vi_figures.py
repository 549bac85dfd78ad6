#!/usr/bin/env python3
"""The figures of docs/vi.md (Gaussian variational inference), computed through the Python
package bwflow:

    /usr/bin/python3 docs/vi_figures.py [--out docs/figures] [--data PATH] [quartic] [breast-cancer]

vi-quartic.png: Gaussian VI against the exact, non-Gaussian flow for V = x^4/4, tau = 1, from
N(1, 1/4): the variance and the mean over time under the Gaussian gradient flow (the ridge
system's WGF), its JKO iterates, and the exact Wasserstein gradient flow of the density
(the Fokker-Planck equation), approximated by N = 1000 particles on the quantile line
(docs/particles.md); and the stationary densities: the target exp(-x^4/4)/Z (variance
E x^2 = 2 Gamma(3/4)/Gamma(1/4) = 0.675978), the VI optimum N(0, 1/sqrt 3) and the particles'.

vi-breast-cancer.png: Bayesian logistic regression on the breast-cancer data
(docs/examples/breast_cancer.py; needs python3-sklearn or --data): the posterior's
marginals (mean +- one standard deviation per coefficient) of the Gaussian-VI optimum and
of the JKO, forward-backward and gradient-flow states at T = 10, and their W2 distance to
the optimum over time; it prints the optimum's largest coefficients and the methods'
distances to it.

The package is the installed one, else the one built in this source tree's build/lib/python.
"""
import argparse
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    import bwflow
except ImportError:
    sys.path.insert(0, os.path.join(HERE, os.pardir, "build", "lib", "python"))
    import bwflow
import numpy as np
import matplotlib
if __name__ == "__main__":
    matplotlib.use("Agg")   # files only (a notebook that imports this keeps its backend)
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "examples"))
sys.path.insert(0, HERE)
import breast_cancer  # noqa: E402
from plot_figures import save  # noqa: E402

N_PARTICLES = 1000
EX2 = 2 * math.gamma(0.75) / math.gamma(0.25)       # E x^2 under exp(-x^4/4)/Z


def quartic_data(T=6.0, eta=0.25, n=N_PARTICLES):
    """The three evolutions and the stationary states of the quartic example."""
    pb, m0, S0 = bwflow.RidgeProblem.preset("vi-quartic")
    ts = np.linspace(0.0, T, 241)
    mw, Sw = bwflow.ridge_flow(pb, m0, S0, ts, 0.0, "plain")
    mj, Sj = pb.run("jko", eta, m0, S0, int(round(T / eta)))
    pp, x0 = bwflow.Particles.preset("quartic", n)
    xs = bwflow.particles_flow(pp, x0, ts, 0.0, "plain")
    mom = np.array([bwflow.particles_moments(x) for x in xs])
    x_end = bwflow.particles_flow(pp, x0, 40.0, 0.0, "plain")[0]
    m_opt, S_opt = pb.vi_optimum(m0, S0)
    return dict(ts=ts, wgf=(mw[:, 0], Sw[:, 0, 0]), jko_t=eta * np.arange(len(mj)), jko=(mj[:, 0], Sj[:, 0, 0]),
                particles=(mom[:, 0], mom[:, 1]), x_end=x_end, density_end=pp.density(x_end),
                var_end=bwflow.particles_moments(x_end)[1], opt=(m_opt[0], S_opt[0, 0]), eta=eta, n=n)


def quartic_figure(q):
    fig, axes = plt.subplots(1, 3, figsize=(16.5, 4.9))
    styles = {"wgf": ("Gaussian VI: gradient flow on the Gaussians", "tab:blue", "-"),
              "particles": ("exact flow of the density (%d particles)" % q["n"], "tab:red", "-")}
    for ax, k, what in ((axes[0], 1, "variance"), (axes[1], 0, "mean")):
        for key in ("particles", "wgf"):
            label, colour, ls = styles[key]
            ax.plot(q["ts"], q[key][k], color=colour, ls=ls, lw=2.2 if key == "particles" else 1.8, label=label)
        ax.plot(q["jko_t"], q["jko"][k], "o", color="tab:blue", mfc="white", ms=5,
                label="Gaussian VI: JKO iterates, eta = %g" % q["eta"])
        ax.set_xlabel("time t")
        ax.set_title(what + " of the Gaussian (VI) and of the density (exact)")
        ax.grid(True, alpha=0.3)
    ax = axes[0]
    ax.axhline(EX2, color="tab:red", ls="--", lw=1.2)
    ax.axhline(q["opt"][1], color="tab:blue", ls="--", lw=1.2)
    ax.text(q["ts"][-1], EX2 + 0.012, "true E x^2 = %.6f" % EX2, color="tab:red", ha="right", va="bottom")
    ax.text(q["ts"][-1], q["opt"][1] - 0.012, "VI optimum 1/sqrt 3 = %.5f" % q["opt"][1], color="tab:blue",
            ha="right", va="top")
    ax.set_ylim(0.2, 0.75)
    ax.legend(loc="center right", fontsize=9)
    axes[1].axhline(0.0, color="0.5", lw=0.8)
    ax = axes[2]
    x = np.linspace(-3.2, 3.2, 801)
    target = np.exp(-x ** 4 / 4)
    target /= np.trapz(target, x)
    s = q["opt"][1]
    ax.fill_between(x, target, color="tab:red", alpha=0.15)
    ax.plot(x, target, color="tab:red", lw=2.2, label="target exp(-x^4/4)/Z: variance %.4f" % EX2)
    xe = q["x_end"]
    ax.stairs(q["density_end"], xe, color="black", lw=1.1, ls=(0, (3, 3)), zorder=3,
              label="%d particles at t = 40: variance %.4f" % (q["n"], q["var_end"]))
    ax.plot(x, np.exp(-x * x / (2 * s)) / math.sqrt(2 * math.pi * s), color="tab:blue", lw=1.8,
            label="VI optimum N(0, 1/sqrt 3): variance %.4f" % s)
    ax.set_xlim(-3.2, 3.2)
    ax.set_ylim(0, None)
    ax.set_xlabel("x")
    ax.set_title("stationary densities")
    ax.legend(loc="upper right", fontsize=8.5)
    ax.grid(True, alpha=0.3)
    fig.suptitle("Gaussian variational inference against the exact Wasserstein gradient flow: V = x^4/4, tau = 1, "
                 "from N(1, 1/4).\nThe best Gaussian has variance 0.577, the target 0.676: restricting to Gaussians "
                 "costs 15% of the variance; both means relax to 0, the exact flow's more slowly", fontsize=12)
    fig.text(0.5, -0.01, "bwflow %s: presets vi-quartic (ridge system) and quartic with --particles %d (particle "
             "system, an approximation of the density's flow: stationary variance within %.1e of the exact)"
             % (bwflow.__version__, q["n"], abs(q["var_end"] - EX2)), ha="center", va="top", fontsize=9.5,
             color="0.3")
    fig.tight_layout()
    return fig


def breast_cancer_data(path=None, T=10.0, etas=(0.1, 0.01)):
    """The VI optimum and the JKO (eta = etas[0]), forward-backward (etas[1]) and gradient-flow
    states at T, their W2 distances to the optimum over time, and the CPU time of each."""
    X, y, names = breast_cancer.load(path)
    g = breast_cancer.PROBLEM["glm"]
    pb, m0, S0 = bwflow.RidgeProblem.glm(X, y, family=g["family"], prior_var=g["prior_var"],
                                         intercept=g["intercept"], standardize=g["standardize"])
    out = {"names": ["intercept"] + names, "T": T, "etas": etas, "seconds": {}}
    t0 = time.process_time()
    out["opt"] = pb.vi_optimum(m0, S0)
    out["seconds"]["opt"] = time.process_time() - t0
    sysr = bwflow.System.ridge(pb, m0, S0)
    ts = np.unique(np.concatenate([np.linspace(0, 1, 21), np.linspace(1, T, 19)]))
    for kind, eta in (("jko", etas[0]), ("fb", etas[1]), ("wgf", 0.0)):
        tr = bwflow.Trajectory(sysr, kind, eta, t_stop=T)
        d = []
        t0 = time.process_time()
        for t in ts:
            if eta:
                t = eta * round(t / eta)
            tr.advance(t)
            d.append((t, bwflow.w2(*tr.state, *out["opt"])))
        out["seconds"][kind] = time.process_time() - t0
        out[kind] = tr.state
        out[kind + "_w2"] = np.array(d)
    return out


def breast_cancer_figure(b):
    fig, axes = plt.subplots(1, 2, figsize=(16, 9), gridspec_kw={"width_ratios": [1.5, 1]})
    ax = axes[0]
    m, S = b["opt"]
    n = len(m)
    yk = np.arange(n)[::-1]
    sd = np.sqrt(np.diag(S))
    ax.errorbar(m, yk, xerr=sd, fmt="s", color="black", ms=6, capsize=3, lw=1.6, label="VI optimum: mean +- sd",
                zorder=3)
    styles = {"jko": ("JKO, eta = %g" % b["etas"][0], "tab:blue", "o", 0.22),
              "fb": ("forward-backward, eta = %g" % b["etas"][1], "tab:green", "^", 0.0),
              "wgf": ("gradient flow", "tab:orange", "D", -0.22)}
    for key, (label, colour, marker, off) in styles.items():
        mk, Sk = b[key]
        ax.errorbar(mk, yk + off, xerr=np.sqrt(np.diag(Sk)), fmt=marker, color=colour, ms=4, capsize=2, lw=1,
                    mfc="white", label="%s, at T = %g" % (label, b["T"]))
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set_yticks(yk)
    ax.set_yticklabels(b["names"], fontsize=8.5)
    ax.set_ylim(-1, n)
    ax.set_xlabel("coefficient (log-odds of malignancy per standard deviation of the feature)")
    ax.set_title("posterior marginals (the four agree to ~1e-5 at T = %g)" % b["T"])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=2, fontsize=9)
    ax.grid(True, axis="x", alpha=0.3)
    ax = axes[1]
    for key, (label, colour, marker, _off) in styles.items():
        d = b[key + "_w2"]
        ax.semilogy(d[:, 0], d[:, 1], marker=marker, ms=3.5, color=colour, mfc="white",
                    label="%s (%.1f s of CPU)" % (label, b["seconds"][key]))
    ax.set_xlabel("time t")
    ax.set_ylabel("W2 distance to the VI optimum")
    ax.set_title("convergence from the prior N(0, I)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=9)
    fig.suptitle("Bayesian logistic regression on the Wisconsin breast-cancer data (569 patients, 30 standardized "
                 "features and an intercept, prior N(0, I)):\nGaussian VI by the JKO scheme, forward-backward and the "
                 "gradient flow, all reaching the VI optimum (found in %.2f s)" % b["seconds"]["opt"], fontsize=12)
    fig.tight_layout()
    return fig


def breast_cancer_table(b, top=8):
    """The marginals of the VI optimum (the top coefficients by |mean|) and how far the
    three methods' states at T are from it."""
    m, S = b["opt"]
    sd = np.sqrt(np.diag(S))
    lines = ["VI optimum (found in %.2f s of CPU): the %d largest of %d coefficients" % (b["seconds"]["opt"], top, len(m)),
             "  %-26s %9s %9s" % ("coefficient", "mean", "sd")]
    for k in np.argsort(-np.abs(m))[:top]:
        lines.append("  %-26s %9.4f %9.4f" % (b["names"][k], m[k], sd[k]))
    lines.append("at T = %g, against the optimum (max over the %d coefficients):" % (b["T"], len(m)))
    lines.append("  %-30s %10s %10s %10s %7s" % ("method", "|d mean|", "|d sd|", "W2", "CPU s"))
    for key, label in (("jko", "JKO, eta = %g" % b["etas"][0]), ("fb", "forward-backward, eta = %g" % b["etas"][1]),
                       ("wgf", "gradient flow")):
        mk, Sk = b[key]
        lines.append("  %-30s %10.2e %10.2e %10.2e %7.2f" % (label, np.max(np.abs(mk - m)),
                                                             np.max(np.abs(np.sqrt(np.diag(Sk)) - sd)),
                                                             bwflow.w2(mk, Sk, m, S), b["seconds"][key]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", nargs="*", help="quartic and/or breast-cancer (default: both)")
    ap.add_argument("--out", default=os.path.join(HERE, "figures"))
    ap.add_argument("--data", help="the breast-cancer source CSV (default: python3-sklearn's)")
    args = ap.parse_args()
    args.what = args.what or ["quartic", "breast-cancer"]
    for w in args.what:
        if w not in ("quartic", "breast-cancer"):
            ap.error("unknown figure %r (quartic, breast-cancer)" % w)
    os.makedirs(args.out, exist_ok=True)
    if "quartic" in args.what:
        save(quartic_figure(quartic_data()), os.path.join(args.out, "vi-quartic.png"))
    if "breast-cancer" in args.what:
        b = breast_cancer_data(args.data)
        print(breast_cancer_table(b))
        save(breast_cancer_figure(b), os.path.join(args.out, "vi-breast-cancer.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
