#!/usr/bin/env python3
"""Turn the data files of `bwflow order` and `bwflow trajectory` into PNG figures.

    python3 docs/plot_figures.py [--data notebooks-data] [--out docs/figures]

For every order-NAME.csv it writes order-NAME.png (errors vs eta, log-log); for every
trajectory-NAME-etaH.csv it writes trajectory-NAME-etaH-ellipses.png (covariance
ellipses and mean paths; Gaussians) and trajectory-NAME-etaH-energy.png (J, J^eta and W2
distances vs t); for every densities-NAME-etaH.csv (particles) densities-NAME-etaH.png
(the densities of the three trajectories at a few times, with the target exp(-V/tau)/Z). Parameters are read from the JSON sidecars. matplotlib is optional: without it the
script says so on stderr and exits 0.
"""
import argparse
import csv
import json
import math
import os
import sys
import tempfile

try:
    import numpy as np
    import matplotlib
    if __name__ == "__main__":
        matplotlib.use("Agg")   # files only (a notebook that imports this keeps its backend)
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Ellipse
except ImportError:
    if __name__ != "__main__":
        raise
    print("plot_figures: matplotlib not available (apt-get install python3-matplotlib); "
          "skipping figures", file=sys.stderr)
    sys.exit(0)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DPI = 130
TRAJ = [("jko", "JKO iterates", "tab:blue", "-"),
        ("wgf", "exact Wasserstein gradient flow", "tab:orange", "--"),
        ("jkoflow", "JKO-Flow (flow of J^eta)", "tab:green", ":")]
TRAJ2 = ("jkoflow2", "JKO-Flow of order 2", "tab:brown", ":")   # bwflow trajectory --method jkoflow2
plt.rcParams.update({"font.size": 11, "axes.titlesize": 13, "legend.fontsize": 10})


def trajectories(data):
    """TRAJ, with JKO-Flow of order 2 as the modified flow when the CSV has its columns."""
    return TRAJ[:2] + [TRAJ2] if "jkoflow2_J" in data else TRAJ


def read_csv(path):
    """Columns of a CSV as float arrays (empty or unparsable cells become nan)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    def num(s):
        try:
            return float(s)
        except (TypeError, ValueError):
            return math.nan
    return {k: np.array([num(r[k]) for r in rows]) for k in (rows[0] if rows else {})}


def read_sidecar(csv_path):
    try:
        with open(os.path.splitext(csv_path)[0] + ".json") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def fmt(x):
    return "?" if x is None else "%g" % x


def params_line(meta, name, extra):
    p = meta.get("problem", {})
    size = "N = %s particles" % p["particles"] if "particles" in p else "d = %s" % p.get("dim", "?")
    return "problem %s, %s, tau = %s, %s    (%s %s)" % (
        p.get("preset", name), size, fmt(p.get("tau")), extra,
        meta.get("program", "bwflow"), meta.get("version", "?"))


def save(fig, path):
    """Write the PNG atomically: temporary file in the same directory, then rename."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format="png", dpi=DPI, bbox_inches="tight")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    finally:
        plt.close(fig)
    print(path)


def order_figure(data, meta, name):
    """The order figure of one study (data: read_csv of order-NAME.csv, meta: its sidecar):
    the errors against eta on log-log axes with reference slopes; failed rows (a status
    other than "ok") are left out, as in the fits, and errors below 20 times their
    resolution (the sidecar's "res_*") are drawn hollow, as the fits leave them out."""
    res = meta.get("results", {})
    eta = data["eta"]
    series = [("wgf", "JKO vs exact flow", "tab:blue", "o", 1),
              ("jkoflow", "JKO vs JKO-Flow", "tab:green", "s", 2),
              ("forward_wgf", "forward Euler vs exact flow", "tab:red", "^", 1),
              ("forward_flow", "forward Euler vs its modified flow", "tab:purple", "v", 2),
              ("jkoflow2", "JKO vs JKO-Flow of order 2", "tab:brown", "D", 3)]
    fig, ax = plt.subplots(figsize=(12, 6))
    anchors = {1: [], 2: [], 3: []}
    unresolved = False
    for key, label, colour, marker, order in series:
        if "err_" + key not in data:
            continue
        err = data["err_" + key]
        ok = np.isfinite(err) & (err > 0)
        if not ok.any():
            continue
        r = res.get("res_" + key)
        r = np.array([np.nan if v is None else v for v in r], float) if r and len(r) == len(err) else np.full(len(err), np.nan)
        good = ok & ~(err < 20 * r)
        s = res.get("slope_" + key)
        label += " (fitted slope %.2f)" % s if s is not None else " (no fitted slope)"
        ax.loglog(eta[ok], err[ok], color=colour, lw=1.5)
        ax.loglog(eta[good], err[good], marker=marker, color=colour, label=label, lw=0, ms=6)
        if (ok & ~good).any():
            unresolved = True
            ax.loglog(eta[ok & ~good], err[ok & ~good], marker=marker, color=colour, lw=0, ms=6, mfc="none")
        if good.any():
            anchors[order].append(np.exp(np.mean(np.log(err[good] / eta[good] ** order))))
    e = np.geomspace(eta.min(), eta.max(), 50)
    for order, colour in ((1, "0.35"), (2, "0.6"), (3, "0.8")):
        if anchors[order]:   # a factor 2.5 below the data of that order
            c = min(anchors[order]) / 2.5
            ax.loglog(e, c * e ** order, "--", color=colour, lw=1.2, label="slope %d" % order)
    if unresolved:
        ax.plot([], [], "o", color="0.4", mfc="none", label="hollow: below the flows' resolution (not fitted)")
    ax.set_xlabel("step size eta")
    ax.set_ylabel("max_k W2(iterate_k, reference at k·eta)")
    ax.set_title("Global error vs step size (expected: slope 1 against the exact flow, 2 against\n"
                 "the modified flow, JKO-Flow for JKO; 3 against JKO-Flow of order 2)", fontsize=12)
    ax.text(0.5, -0.14, params_line(meta, name, "T = %s, %d step sizes" % (
        fmt(res.get("t")), len(eta))), transform=ax.transAxes, ha="center", va="top",
        fontsize=9.5, color="0.3")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.9, fontsize=9.5)
    fig.tight_layout()
    return fig


def plot_order(csv_path, out_dir, name):
    save(order_figure(read_csv(csv_path), read_sidecar(csv_path), name),
         os.path.join(out_dir, "order-%s.png" % name))


def cov2(data, prefix, k):
    """Mean and covariance of the (x1, x2) marginal at row k."""
    def col(i, j):
        for c in ("%s_S%d%d" % (prefix, i, j), "%s_S%d_%d" % (prefix, i, j)):
            if c in data:
                return data[c][k]
        raise KeyError("%s_S%d%d" % (prefix, i, j))
    m = np.array([data[prefix + "_m1"][k], data[prefix + "_m2"][k]])
    return m, np.array([[col(1, 1), col(1, 2)], [col(1, 2), col(2, 2)]])


def ellipses_figure(data, meta, stem):
    """Covariance ellipses and mean paths of a Gaussian trajectory CSV (first two coordinates)."""
    d = meta.get("problem", {}).get("dim", 2)
    t, n = data["t"], len(data["t"])
    picks = sorted(set(int(round(x)) for x in np.linspace(0, n - 1, min(6, n))))
    fig, ax = plt.subplots(figsize=(8, 7))
    handles = []
    for prefix, label, colour, ls in trajectories(data):
        ax.plot(data[prefix + "_m1"], data[prefix + "_m2"], ls, color=colour, lw=0.9,
                marker="." if prefix == "jko" else None, ms=4, alpha=0.8)
        for k in picks:
            m, S = cov2(data, prefix, k)
            w, v = np.linalg.eigh(S)
            ang = math.degrees(math.atan2(v[1, 1], v[0, 1]))
            ax.add_patch(Ellipse(m, 2 * math.sqrt(max(w[1], 0)), 2 * math.sqrt(max(w[0], 0)),
                                 angle=ang, fill=False, color=colour, ls=ls, lw=1.6))
        handles.append(Line2D([], [], color=colour, ls=ls, lw=1.6, label=label))
    for i, k in enumerate(picks):   # time labels at the JKO means, alternately right/left
        m = cov2(data, "jko", k)[0]
        right = i % 2 == 0
        ax.plot(*m, "k.", ms=6)
        ax.annotate("t = %g" % t[k], m, xytext=(7, 4) if right else (-7, -4),
                    textcoords="offset points", fontsize=10, ha="left" if right else "right",
                    va="bottom" if right else "top",
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.7", alpha=0.85))
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    marg = "" if d <= 2 else " (marginal of the first two of %d coordinates)" % d
    ax.set_title("1-sigma covariance ellipses and mean paths" + marg, fontsize=12)
    handles += [Line2D([], [], color="0.4", lw=0.9, label="mean paths (thin lines)"),
                Line2D([], [], color="k", marker=".", ls="none", label="JKO mean at labelled t")]
    ax.legend(handles=handles, loc="best", framealpha=0.9)
    ax.grid(True, alpha=0.3)
    ax.text(0.5, -0.1, params_line(meta, stem, "eta = %s, T = %s; ellipses at t = %s" % (
        fmt(meta.get("eta")), fmt(meta.get("t")), ", ".join("%g" % t[k] for k in picks))),
        transform=ax.transAxes, ha="center", va="top", fontsize=9.5, color="0.3")
    fig.tight_layout()
    return fig


def energy_figure(data, meta, stem):
    """J and J^eta along the three trajectories, and the W2 distances between them."""
    t, eta = data["t"], meta.get("eta")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5.2))
    traj = trajectories(data)
    for prefix, label, colour, _ in traj:
        mk = "o" if prefix == "jko" else None
        a1.plot(t, data[prefix + "_J"], "-", color=colour, marker=mk, ms=4,
                label="J along " + label)
        a1.plot(t, data[prefix + "_Jeta"], "--", color=colour, marker=mk, ms=4, mfc="none",
                label="J^eta along " + label)
    a1.set_xlabel("time t")
    a1.set_ylabel("energy")
    a1.set_title("J (solid) and J^eta = J - eta/4 |grad J|² (dashed)")
    a1.legend(fontsize=9, framealpha=0.9)
    a1.grid(True, alpha=0.3)
    mod = traj[2][0]
    mlabel = "JKO-Flow" if mod == "jkoflow" else "JKO-Flow of order 2"
    for col, label, colour in (("w2_jko_wgf", "JKO iterates vs exact flow", "tab:orange"),
                               ("w2_jko_" + mod, "JKO iterates vs " + mlabel, traj[2][2]),
                               ("w2_wgf_" + mod, "exact flow vs " + mlabel, "0.5")):
        if col in data:
            ok = np.isfinite(data[col]) & (data[col] > 0)   # W2 = 0 at t = 0
            a2.semilogy(t[ok], data[col][ok], "o-" if "jko_" in col else "--",
                        color=colour, ms=4, label=label)
    a2.set_xlabel("time t")
    a2.set_ylabel("W2 distance at time t")
    a2.set_title("Distances between the trajectories")
    a2.legend(framealpha=0.9)
    a2.grid(True, which="both", alpha=0.3)
    fig.suptitle("Energies and distances along the trajectories (sampled at t = k·eta)")
    fig.text(0.5, 0.0, params_line(meta, stem, "eta = %s, T = %s" % (
        fmt(eta), fmt(meta.get("t")))), ha="center", va="top", fontsize=9.5, color="0.3")
    fig.tight_layout()
    return fig


def densities_figure(csv_path, meta, stem):
    """Particles: the piecewise constant densities rho = 1/(N (x_{i+1} - x_i)) of the JKO
    iterates, the gradient flow and JKO-Flow at the times of the densities CSV, one panel per
    time, with the equilibrium exp(-V/tau)/Z; the last panel overlays the gradient flow's
    densities at every time."""
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    p = meta.get("problem", {})
    V, tau = np.array(p.get("V", [0, 0, 0.5]), float), float(p.get("tau", 1.0))
    times = sorted({float(r["t"]) for r in rows})
    cells = {}
    for r in rows:
        cells.setdefault((float(r["t"]), r["trajectory"]), []).append(
            (float(r["x_left"]), float(r["x_right"]), float(r["rho"])))
    lo = min(float(r["x_left"]) for r in rows)
    hi = max(float(r["x_right"]) for r in rows)
    pad = 0.25 * (hi - lo)
    xs = np.linspace(lo - pad, hi + pad, 800)
    Vx = np.polynomial.polynomial.polyval(xs, V)
    w = np.exp(-(Vx - Vx.min()) / tau)
    target = w / np.trapz(w, xs)
    style = {"jko": ("JKO iterates", "tab:blue", "-", 2.2),
             "wgf": ("gradient flow", "tab:orange", "--", 1.6),
             "jkoflow": ("JKO-Flow", "tab:green", ":", 1.6),
             "jkoflow2": ("JKO-Flow of order 2", "tab:brown", ":", 1.6)}
    n = len(times) + 1
    ncol = 3
    nrow = (n + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.6 * nrow), sharex=True, sharey=True)
    axes = np.atleast_1d(axes).ravel()
    ymax = max(max(c[2] for c in v) for v in cells.values())
    ymax = 1.1 * max(ymax, target.max())
    for k, t in enumerate(times):
        ax = axes[k]
        ax.plot(xs, target, color="0.55", lw=4, alpha=0.45, label="equilibrium exp(-V/tau)/Z")
        for key, (label, colour, ls, lw) in style.items():
            c = cells.get((t, key))
            if not c:
                continue
            xe = [c[0][0]] + [b for _, b, _ in c]
            ax.stairs([r for _, _, r in c], xe, color=colour, ls=ls, lw=lw, label=label)
        ax.set_title("t = %s" % fmt(t))
        ax.set_ylim(0, ymax)
        ax.grid(True, alpha=0.3)
        if k == 0:
            ax.legend(fontsize=8.5, loc="upper left", framealpha=0.9)
    ax = axes[len(times)]
    ax.plot(xs, target, color="0.55", lw=4, alpha=0.45, label="equilibrium")
    cmap = plt.get_cmap("viridis")
    for k, t in enumerate(times):
        c = cells.get((t, "wgf"))
        if c:
            xe = [c[0][0]] + [b for _, b, _ in c]
            ax.stairs([r for _, _, r in c], xe, color=cmap(k / max(1, len(times) - 1)), lw=1.6,
                      label="t = %s" % fmt(t))
    ax.set_title("gradient flow over time")
    ax.legend(fontsize=8.5, loc="upper left", framealpha=0.9)
    ax.grid(True, alpha=0.3)
    for ax in axes[len(times) + 1:]:
        ax.axis("off")
    for ax in axes[-ncol:]:
        ax.set_xlabel("x")
    for ax in axes[::ncol]:
        ax.set_ylabel("density rho")
    V_text = " + ".join("%g x^%d" % (c, k) if k else "%g" % c for k, c in enumerate(V) if c)
    fig.suptitle("Particles on the quantile line: densities 1/(N (x_{i+1} - x_i)) relaxing to exp(-V/tau)/Z,"
                 "\nV = %s (the three trajectories differ by O(eta): the curves overlap)" % V_text, fontsize=12)
    fig.text(0.5, 0.0, params_line(meta, stem, "eta = %s, T = %s" % (fmt(meta.get("eta")), fmt(meta.get("t")))),
             ha="center", va="top", fontsize=9.5, color="0.3")
    fig.tight_layout()
    return fig


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(ROOT, "notebooks-data"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "figures"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    files = sorted(f for f in os.listdir(args.data) if f.endswith(".csv"))
    for f in files:
        path, stem = os.path.join(args.data, f), f[:-4]
        if f.startswith("order-"):
            plot_order(path, args.out, stem[len("order-"):])
        elif f.startswith("densities-"):  # particles: the sidecar is the trajectory's
            meta = read_sidecar(os.path.join(args.data, "trajectory-" + f[len("densities-"):]))
            save(densities_figure(path, meta, stem), os.path.join(args.out, stem + ".png"))
        elif f.startswith("trajectory-"):
            data, meta = read_csv(path), read_sidecar(path)
            if "particles" not in meta.get("problem", {}) and meta.get("problem", {}).get("dim", 2) >= 2:
                save(ellipses_figure(data, meta, stem), os.path.join(args.out, stem + "-ellipses.png"))
            save(energy_figure(data, meta, stem), os.path.join(args.out, stem + "-energy.png"))


if __name__ == "__main__":
    main()
