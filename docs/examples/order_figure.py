#!/usr/bin/env python3
"""The convergence-order figure (docs/figures/order-ou2d.png) from Python, through the
bwflow module instead of the command line and its CSV files.

    /usr/bin/python3 docs/examples/order_figure.py [--preset ou2d] [--dim d] [--seed s]
                                                   [--t 2] [--etas 0.2,0.1,...] [--out FILE]

It runs the study of `bwflow order` (JKO and forward Euler iterates against the exact
Wasserstein gradient flow and against their modified flows), prints the errors and the
least-squares slopes, and plots the four errors against eta on log-log axes with reference
lines of slope 1 and 2. The module is found on sys.path (installed, or PYTHONPATH=BUILD/lib/python),
else in this source tree's lib/python; it loads libbwflow as its docstring says.
"""
import argparse
import os
import sys

import numpy as np

try:
    import bwflow
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    os.pardir, os.pardir, "lib", "python"))
    import bwflow

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SERIES = [("wgf", "JKO vs exact flow", "tab:blue", "o", 1),
          ("jkoflow", "JKO vs JKO-Flow", "tab:green", "s", 2),
          ("forward_wgf", "forward Euler vs exact flow", "tab:red", "^", 1),
          ("forward_flow", "forward Euler vs its modified flow", "tab:purple", "v", 2)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="ou2d")
    ap.add_argument("--dim", type=int, default=0, help="preset dimension (0: its default)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the random preset")
    ap.add_argument("--t", type=float, default=2.0, help="horizon T (every eta divides it)")
    ap.add_argument("--etas", default="0.2,0.1,0.05,0.02,0.01,0.005,0.002,0.001")
    ap.add_argument("--out", default=None, help="PNG file (default order-PRESET-python.png)")
    args = ap.parse_args()
    etas = [float(x) for x in args.etas.split(",")]
    out = args.out or "order-%s-python.png" % args.preset

    # 1. The problem and its initial Gaussian N(m0, S0) from a preset (or build your own:
    #    pb = bwflow.Problem(A, h, K, tau) with numpy arrays, and any m0, S0).
    pb, m0, S0 = bwflow.Problem.preset(args.preset, args.dim, args.seed)
    # 2. The study: a dict with the keys of `bwflow order --json`.
    try:
        res = bwflow.order(pb, m0, S0, args.t, etas)
    except bwflow.CollapseError as e:
        sys.exit("order_figure: JKO-Flow collapses at eta = %g: choose smaller etas" % e.eta)
    except bwflow.BwflowError as e:
        sys.exit("order_figure: %s" % e)

    print("%-8s %6s  %-10s %-10s %-10s %-10s" % ("eta", "steps", "JKO-WGF", "JKO-JKOFlow",
                                                 "FE-WGF", "FE-FEflow"))
    for i, eta in enumerate(etas):
        errs = [res["err_" + k][i] for k, *_ in SERIES]
        print("%-8g %6d  " % (eta, res["steps"][i])
              + " ".join("%-10s" % ("%.3e" % e if e is not None else "failed") for e in errs))
    print("least-squares slope  " + "  ".join(
        "%s %.2f" % (k, res["slope_" + k]) if res["slope_" + k] is not None else k + " -"
        for k, *_ in SERIES))

    # 3. The figure, in the style of docs/figures/order-ou2d.png.
    eta = np.array(etas)
    fig, ax = plt.subplots(figsize=(8, 6))
    anchors = {1: [], 2: []}
    for key, label, colour, marker, order in SERIES:
        err = np.array([np.nan if e is None else e for e in res["err_" + key]])
        ok = np.isfinite(err) & (err > 0)
        if not ok.any():
            continue
        s = res["slope_" + key]
        label += " (fitted slope %.2f)" % s if s is not None else ""
        ax.loglog(eta[ok], err[ok], marker=marker, color=colour, label=label, lw=1.5, ms=6)
        anchors[order].append(np.exp(np.mean(np.log(err[ok] / eta[ok] ** order))))
    e = np.geomspace(eta.min(), eta.max(), 50)
    for order, colour in ((1, "0.35"), (2, "0.6")):
        if anchors[order]:
            ax.loglog(e, min(anchors[order]) / 2.5 * e ** order, "--", color=colour, lw=1.2,
                      label="slope %d" % order)
    ax.set_xlabel("step size eta")
    ax.set_ylabel("max_k W2(iterate_k, reference at k·eta)")
    ax.set_title("Global error vs step size (expected: slope 1 against the exact flow,\n"
                 "slope 2 against the modified flow: JKO-Flow for JKO)", fontsize=12)
    ax.text(0.5, -0.14, "problem %s, d = %d, tau = %g, T = %g (bwflow %s, Python module)"
            % (args.preset, pb.dim, pb.tau, args.t, bwflow.version()),
            transform=ax.transAxes, ha="center", va="top", fontsize=9.5, color="0.3")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", framealpha=0.9)
    fig.tight_layout()
    fig.savefig(out, dpi=130, bbox_inches="tight")
    print(out)


if __name__ == "__main__":
    main()
