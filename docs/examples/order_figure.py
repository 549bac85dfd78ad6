#!/usr/bin/env python3
"""The convergence-order figure (docs/figures/order-ou2d.png) from Python, through the
bwflow module instead of the command line and its CSV files.

    /usr/bin/python3 docs/examples/order_figure.py [--preset ou2d] [--dim d] [--seed s]
                                                   [--t 2] [--etas 0.2,0.1,...] [--out FILE]

It runs the study of `bwflow order` (JKO and forward Euler iterates against the exact
Wasserstein gradient flow and against their modified flows), prints the errors and the
least-squares slopes, and plots every error against eta on log-log axes with reference
lines of their expected slopes (docs/plot_figures.py draws it). The package is the
installed one (pip or meson install), else the one built in this source tree's
build/lib/python.
"""
import argparse
import os
import sys

try:
    import bwflow
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    os.pardir, os.pardir, "build", "lib", "python"))
    import bwflow

import matplotlib
matplotlib.use("Agg")   # files only

# The figure is docs/plot_figures.py's, the one that draws docs/figures/order-*.png.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import plot_figures  # noqa: E402


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

    names = [k[4:] for k in res if k.startswith("err_")]
    print("%-8s %6s  " % ("eta", "steps") + " ".join("%-12s" % k for k in names))
    for i, eta in enumerate(etas):
        print("%-8g %6d  " % (eta, res["steps"][i]) + " ".join(
            "%-12s" % ("%.3e" % res["err_" + k][i] if res["err_" + k][i] is not None else "-")
            for k in names))
    print("least-squares slope  " + "  ".join(
        "%s %.2f" % (k, res["slope_" + k]) if res["slope_" + k] is not None else k + " -"
        for k in names))

    # 3. The figure of docs/figures/order-ou2d.png, from the same dict.
    meta = {"results": res, "program": "bwflow", "version": bwflow.version() + ", Python module",
            "problem": {"preset": args.preset, "dim": pb.dim, "tau": pb.tau}}
    fig = plot_figures.order_figure(plot_figures.results_data(res), meta, args.preset)
    fig.savefig(out, dpi=plot_figures.DPI, bbox_inches="tight")
    print(out)


if __name__ == "__main__":
    main()
