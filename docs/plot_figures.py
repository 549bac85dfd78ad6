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
    return "problem %s, %s, temperature tau = %s, %s    (%s %s)" % (
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


# How each order-study error reads in a figure: (scheme, reference flow). An error the list
# does not know is drawn all the same, labelled with the sidecar's description of its column.
ERRORS = {"wgf": ("JKO", "exact flow"),
          "jkoflow": ("JKO", "JKO-Flow"),
          "jkoflow2": ("JKO", "JKO-Flow of order 2"),
          "forward_wgf": ("forward Euler", "exact flow"),
          "forward_flow": ("forward Euler", "its modified flow"),
          "fb": ("forward-backward", "exact flow")}
# One style per scheme, so that series of the same order that coincide stay apart: JKO solid
# with large filled markers, forward Euler dashed with hollow markers drawn over them,
# anything else dash-dotted with crosses.
SCHEMES = {"JKO": dict(ls="-", filled=True, ms=9, markers="osD"),
           "forward Euler": dict(ls="--", filled=False, ms=7, markers="^v<"),
           None: dict(ls="-.", filled=False, ms=9, markers="XP*")}
COLOURS = ["tab:blue", "tab:green", "tab:brown", "tab:red", "tab:purple", "tab:olive",
           "tab:cyan", "tab:pink", "tab:gray"]


def order_errors(data, meta):
    """The errors of an order study, in the CSV's order: a list of dicts with the error's
    name, its label, its scheme, its nominal order (from the sidecar's "cP_NAME" key, None if
    absent) and its values (nan where missing)."""
    res, cols = meta.get("results", {}), meta.get("columns", {})
    nominal = {}
    for k in res:   # "c2_jkoflow": 2
        p, _, rest = k[1:].partition("_")
        if k[0] == "c" and p.isdigit() and rest:
            nominal[rest] = int(p)
    out = []
    for col in data:
        if not col.startswith("err_"):
            continue
        name = col[4:]
        order = nominal.get(name)
        scheme, ref = ERRORS.get(name, (None, None))
        label = "%s vs %s" % (scheme, ref) if scheme else cols.get(col, name)
        out.append(dict(name=name, label=label, scheme=scheme, order=order, err=data[col]))
    return out


def results_data(res):
    """The columns order_figure() reads, from a results object: `bwflow order --json`, a
    sidecar's "results" or the dict of the Python binding's bwflow.order() (None: nan)."""
    data = {"eta": np.array(res["etas"], float)}
    for k, v in res.items():
        if k.startswith("err_"):
            data[k] = np.array([np.nan if x is None else x for x in v], float)
    return data


def order_figure(data, meta, name):
    """The order figure of one study (data: read_csv of order-NAME.csv, meta: its sidecar):
    every err_* column against eta on log-log axes, with a labelled reference line for each
    nominal order. Missing errors (nan: failed rows, errors a system does not provide) are
    left out, as in the fits; errors below 20 times their resolution (the sidecar's "res_*") are
    drawn faded, as the fits leave them out; an error with no value at all is listed as not
    available."""
    res = meta.get("results", {})
    eta = data["eta"]
    fig, ax = plt.subplots(figsize=(12, 6.2))
    anchors, used, unresolved, handles = {}, {}, False, []
    errors = order_errors(data, meta)
    errors.sort(key=lambda e: list(SCHEMES).index(e["scheme"] if e["scheme"] in SCHEMES else None))
    for i, e in enumerate(errors):
        st = SCHEMES.get(e["scheme"], SCHEMES[None])
        k = used.get(e["scheme"], 0)
        used[e["scheme"]] = k + 1
        marker, colour = st["markers"][k % len(st["markers"])], COLOURS[i % len(COLOURS)]
        err = e["err"]
        ok = np.isfinite(err) & (err > 0)
        expected = " (expected %d)" % e["order"] if e["order"] else ""
        if not ok.any():
            handles.append(Line2D([], [], color="0.6", ls=st["ls"], marker=marker, mfc="none",
                                  label="%s: not available (n/a)" % e["label"]))
            continue
        r = res.get("res_" + e["name"])
        r = (np.array([np.nan if v is None else v for v in r], float) if r and len(r) == len(err)
             else np.full(len(err), np.nan))
        good = ok & ~(err < 20 * r)
        s = res.get("slope_" + e["name"])
        label = "%s: slope %s%s" % (e["label"], "%.2f" % s if s is not None else "not fitted", expected)
        face = colour if st["filled"] else "white"
        z = 3 if st["filled"] else 4     # hollow markers over filled ones: both stay visible
        ax.loglog(eta[ok], err[ok], color=colour, ls=st["ls"], lw=1.6, zorder=z)
        ax.loglog(eta[good], err[good], ls="none", marker=marker, color=colour, mfc=face,
                  mew=1.6, ms=st["ms"], zorder=z)
        if (ok & ~good).any():
            unresolved = True
            ax.loglog(eta[ok & ~good], err[ok & ~good], ls="none", marker=marker, color=colour,
                      mfc=face, mew=1.6, ms=st["ms"], alpha=0.3, zorder=z)
        handles.append(Line2D([], [], color=colour, ls=st["ls"], lw=1.6, marker=marker, mfc=face,
                              mew=1.6, ms=st["ms"], label=label))
        if good.any() and e["order"]:
            anchors.setdefault(e["order"], []).append(
                np.exp(np.mean(np.log(err[good] / eta[good] ** e["order"]))))
    lo, hi = np.nanmin(eta), np.nanmax(eta)
    x = np.geomspace(lo, hi, 50)
    for order in sorted(anchors):   # a factor 3 below the lowest data of that order
        c = min(anchors[order]) / 3
        ax.loglog(x, c * x ** order, ":", color="0.25", lw=1.3, zorder=2)
        # labelled at the smallest eta, where lines of different slopes are furthest apart
        ax.annotate("slope %d" % order, (lo, c * lo ** order), xytext=(2, -5),
                    textcoords="offset points", ha="left", va="top", fontsize=10, color="0.25")
    if anchors:
        handles.append(Line2D([], [], color="0.25", ls=":", lw=1.3,
                              label="reference lines of slope %s (labelled at the left)"
                              % ", ".join(str(o) for o in sorted(anchors))))
    if unresolved:
        handles.append(Line2D([], [], color="0.4", ls="none", marker="o", alpha=0.3, ms=8,
                              label="faded: below the reference flow's accuracy (not fitted)"))
    ax.set_xlabel("step size eta (log scale)")
    ax.set_ylabel("global error: largest W2 distance between\n"
                  "the iterates and the reference flow (log scale)")
    ax.set_title("Error against step size: the slope of each line is its order of convergence",
                 fontsize=12.5)
    ax.text(0.5, -0.15, params_line(meta, name, "horizon T = %s, %d step sizes" % (
        fmt(res.get("t")), len(eta))), transform=ax.transAxes, ha="center", va="top",
        fontsize=9.5, color="0.3")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.9,
              fontsize=9.5, title="scheme vs reference flow: fitted slope", title_fontsize=9.5)
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
    """Covariance ellipses and mean paths of a Gaussian trajectory CSV (first two
    coordinates): one panel per time, the three trajectories' ellipses and means in each,
    the whole mean paths faint behind them."""
    d = meta.get("problem", {}).get("dim", 2)
    t, n = data["t"], len(data["t"])
    picks = sorted(set(int(round(x)) for x in np.linspace(0, n - 1, min(6, n))))
    ncol = min(3, len(picks))
    nrow = (len(picks) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.4 * ncol, 4.2 * nrow + 0.8), squeeze=False)
    traj = trajectories(data)
    # one frame for all panels: every ellipse's bounding box (m_i +- sqrt(S_ii)) and the paths
    box = []
    for prefix, *_ in traj:
        for k in picks:
            m, S = cov2(data, prefix, k)
            r = np.sqrt(np.maximum(np.diag(S), 0))
            box += [m - r, m + r]
        box += list(np.column_stack([data[prefix + "_m1"], data[prefix + "_m2"]]))
    lo, hi = np.nanmin(box, axis=0), np.nanmax(box, axis=0)
    pad = 0.06 * np.max(hi - lo)
    c, half = (lo + hi) / 2, np.max(hi - lo) / 2 + pad
    for ax, k in zip(axes.ravel(), picks):
        for prefix, label, colour, ls in traj:
            ax.plot(data[prefix + "_m1"], data[prefix + "_m2"], ls, color=colour, lw=1.0, alpha=0.5)
            m, S = cov2(data, prefix, k)
            w, v = np.linalg.eigh(S)
            ang = math.degrees(math.atan2(v[1, 1], v[0, 1]))
            ax.add_patch(Ellipse(m, 2 * math.sqrt(max(w[1], 0)), 2 * math.sqrt(max(w[0], 0)),
                                 angle=ang, fill=False, color=colour, ls=ls, lw=1.8))
            ax.plot(*m, "o", color=colour, ms=4)
        ax.set_title("t = %g" % t[k] + (" (start)" if k == 0 else ""))
        ax.set_xlim(c[0] - half, c[0] + half)
        ax.set_ylim(c[1] - half, c[1] + half)
        ax.set_aspect("equal", adjustable="box")
        ax.grid(True, alpha=0.3)
    for ax in axes.ravel()[len(picks):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("x1")
    for ax in axes[:, 0]:
        ax.set_ylabel("x2")
    handles = [Line2D([], [], color=colour, ls=ls, lw=1.8, marker="o", ms=4, label=label)
               for _, label, colour, ls in traj]
    handles.append(Line2D([], [], color="0.4", lw=0.8, alpha=0.5, label="paths of the means (thin)"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, 0.035),
               framealpha=0.9)
    marg = "" if d <= 2 else ", marginal of the first two of %d coordinates" % d
    fig.suptitle("Covariance ellipses (1 sigma) and means of the three trajectories at %d times%s"
                 % (len(picks), marg), fontsize=12.5)
    fig.text(0.5, 0.0, params_line(meta, stem, "step eta = %s, horizon T = %s" % (
        fmt(meta.get("eta")), fmt(meta.get("t")))), ha="center", va="bottom", fontsize=9.5, color="0.3")
    fig.tight_layout(rect=(0, 0.08, 1, 0.97))
    fig.subplots_adjust(hspace=0.25)
    return fig


def every(n, most=15):
    """matplotlib's markevery for a line of n points: at most `most` markers."""
    return max(1, int(math.ceil(n / most)))


def energy_figure(data, meta, stem):
    """J and J^eta along the three trajectories, and the W2 distances between them. Lines
    of many points carry a marker every few points only; curves that coincide at the scale of
    the plot are said to."""
    t, eta = data["t"], meta.get("eta")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13.5, 5.4))
    traj = trajectories(data)
    mk = every(len(t))
    markers = {"jko": "o", "wgf": "s", "jkoflow": "^", "jkoflow2": "D"}
    curves = []
    for i, (prefix, label, colour, _) in enumerate(traj):
        m = markers.get(prefix)
        # markers of the six curves at staggered points: each stays visible where they overlap
        a1.plot(t, data[prefix + "_J"], "-", color=colour, marker=m, ms=5,
                markevery=(2 * i * mk // (2 * len(traj)), mk), label="J along the " + label)
        a1.plot(t, data[prefix + "_Jeta"], "--", color=colour, marker=m, ms=5, mfc="white",
                markevery=((2 * i + 1) * mk // (2 * len(traj)), mk), label="J^eta along the " + label)
        curves += [data[prefix + "_J"], data[prefix + "_Jeta"]]
    spread = np.nanmax(np.nanmax(curves, axis=0) - np.nanmin(curves, axis=0))
    span = np.nanmax(curves) - np.nanmin(curves)
    if spread < 0.02 * span:
        a1.text(0.97, 0.55, "the %d curves agree to within %.2g:\nthey overlap at this scale"
                % (len(curves), spread), transform=a1.transAxes, ha="right", va="center",
                fontsize=10, bbox=dict(boxstyle="round", fc="white", ec="0.7"))
    a1.set_xlabel("time t")
    a1.set_ylabel("energy")
    a1.set_title("Energy J (solid) and modified energy\nJ^eta = J - (eta/4) |grad J|² (dashed)")
    a1.legend(fontsize=9, framealpha=0.9)
    a1.grid(True, alpha=0.3)
    mod = traj[2][0]
    mlabel = "JKO-Flow" if mod == "jkoflow" else "JKO-Flow of order 2"
    for i, (col, label, colour, style) in enumerate((
            ("w2_jko_wgf", "JKO iterates vs exact flow", "tab:orange", dict(ls="-", marker="o")),
            ("w2_jko_" + mod, "JKO iterates vs " + mlabel, traj[2][2], dict(ls="-", marker="^")),
            ("w2_wgf_" + mod, "exact flow vs " + mlabel, "0.45", dict(ls="--", marker="s")))):
        if col in data:
            ok = np.isfinite(data[col]) & (data[col] > 0)   # W2 = 0 at t = 0
            k = every(ok.sum())
            a2.semilogy(t[ok], data[col][ok], color=colour, ms=5, markevery=(i * k // 3, k),
                        mfc="white" if style["ls"] == "--" else colour, label=label, **style)
    a2.set_xlabel("time t")
    a2.set_ylabel("W2 distance between two trajectories (log scale)")
    a2.set_title("Distances between the trajectories at the same time")
    a2.legend(framealpha=0.9)
    a2.grid(True, which="both", alpha=0.3)
    fig.suptitle("Energies and distances along the trajectories, computed at the times t = k·eta")
    fig.text(0.5, 0.0, params_line(meta, stem, "step eta = %s, horizon T = %s" % (
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
    fig.text(0.5, 0.0, params_line(meta, stem, "step eta = %s, horizon T = %s" % (fmt(meta.get("eta")), fmt(meta.get("t")))),
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
