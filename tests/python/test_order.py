"""The order study through the binding: the same numbers as `bwflow order --json`, slopes
against numpy's least-squares fit, default step sizes, and collapsing step sizes as rows."""
import json
import os
import subprocess

import numpy as np
import pytest

import bwflow

ETAS = [0.2, 0.1, 0.05, 0.02]


def _same(a, b):
    """Equal up to the last bit of a 17-digit print; None and strings exactly."""
    if isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(b, dict):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in b)
    if b is None or isinstance(b, str):
        return a == b
    return a == pytest.approx(b, rel=1e-15)


@pytest.mark.parametrize("etas", [ETAS, None])
def test_order_matches_the_cli(tmp_path, etas):
    exe = os.environ.get("BWFLOW_EXE")
    if not exe:
        pytest.skip("BWFLOW_EXE not set (meson sets it)")
    pb, m0, S0 = bwflow.Problem.preset("random", dim=3, seed=1)
    args = [exe, "order", "--preset", "random", "--dim", "3", "--seed", "1", "--json", "--out", str(tmp_path)]
    if etas is not None:
        res = bwflow.order(pb, m0, S0, 2.0, etas)
        args += ["--t", "2", "--etas", ",".join(map(str, etas))]
    else:
        res = bwflow.order(pb, m0, S0)       # the defaults, chosen from the problem
    cli = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    assert set(cli) == set(res)
    for key, value in cli.items():
        assert _same(res[key], value), (key, res[key], value)
    assert set(res["status"]) == {"ok"}
    if etas is not None:
        assert res["steps"] == [10, 20, 40, 100]
    else:
        assert len(res["etas"]) == 7 and res["etas"][0] / res["etas"][-1] == pytest.approx(100)


def test_particle_ladders_match_the_cli(tmp_path):
    """The particles' default study: a ladder per comparison (masks), the tightened
    tolerances and the "ladders" key, the same as the command's."""
    exe = os.environ.get("BWFLOW_EXE")
    if not exe:
        pytest.skip("BWFLOW_EXE not set (meson sets it)")
    pp, x0 = bwflow.Particles.preset("quartic")
    res = bwflow.particles_order(pp, x0)
    cli = json.loads(subprocess.run([exe, "order", "--preset", "quartic", "--json", "--out", str(tmp_path)],
                                    check=True, capture_output=True, text=True).stdout)
    assert set(cli) == set(res)
    for key, value in cli.items():
        assert _same(res[key], value), (key, res[key], value)
    assert res["rtol"] < 1e-12 and res["ladders"]["jkoflow"]["bound"] == "ill-posed"
    assert res["ladders"]["fb_wgf"]["skipped"] == "n/a" and res["ladders"]["fb_wgf"]["etas"] == []
    assert res["unavailable"] == {"fb_wgf": "the particles system does not provide fb"}
    for name in ("wgf", "jkoflow", "forward_wgf", "forward_flow", "jkoflow2"):
        ladder = res["ladders"][name]["etas"]
        assert len(ladder) >= 3
        assert all((v is None) == (eta not in ladder) for eta, v in zip(res["etas"], res["err_" + name]))


def test_slopes_and_orders():
    pb, m0, S0 = bwflow.Problem.preset("ou2d")
    res = bwflow.order(pb, m0, S0, 2.0, ETAS)
    x = np.log(ETAS)
    for k, p in (("wgf", 1), ("jkoflow", 2), ("forward_wgf", 1), ("forward_flow", 2)):
        err = np.array(res["err_" + k])
        fit = np.polyfit(x, np.log(err), 1)[0]      # independent least squares
        assert res["slope_" + k] == pytest.approx(fit, rel=1e-12)
        # asymptotic order: the local slope at the two smallest etas; constant: err/eta^p
        # extrapolated linearly in eta to 0 from the same two
        assert res["order_" + k] == pytest.approx(np.log(err[2] / err[3]) / np.log(ETAS[2] / ETAS[3]), rel=1e-13)
        r = err / np.array(ETAS) ** p
        c = r[3] - (r[2] - r[3]) * ETAS[3] / (ETAS[2] - ETAS[3])
        assert res["c%d_%s" % (p, k)] == pytest.approx(c, rel=1e-13)
    # the study's point: first order against the exact flow, second against JKO-Flow
    assert 0.85 < res["slope_wgf"] < 1.15 and 1.85 < res["slope_jkoflow"] < 2.15
    ratio = np.array(res["err_wgf"]) / np.array(res["err_jkoflow"])   # grows like 1/eta
    assert np.all(np.diff(ratio) > 0) and ratio[-1] > 20
    assert bwflow.loglog_slope([1, 2, 4], [3, 12, 48]) == pytest.approx(2.0, rel=1e-14)
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_BAD_ARG"):
        bwflow.loglog_slope([1.0], [1.0])


def test_order_collapse_is_a_row_and_bad_eta():
    pb = bwflow.Problem(np.eye(2), np.zeros(2), tau=1.0)
    # variance 0.01 < tau eta / 2 for eta = 0.5 and 0.25 (collapse), > it for 0.01
    res = bwflow.order(pb, np.zeros(2), np.diag([0.01, 1.0]), 1.0, [0.5, 0.25, 0.01])
    assert res["status"] == ["collapse", "collapse", "ok"]
    assert res["err_jkoflow"][:2] == [None, None] and res["err_jkoflow"][2] > 0
    assert all(t is not None and 0 < t < 1 for t in res["fail_time"][:2])
    assert all(e is not None for e in res["err_wgf"])       # JKO vs the flow is unaffected
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_BAD_ARG") as ex:
        bwflow.order(pb, np.zeros(2), np.eye(2), 1.0, [0.5, 0.3])     # 0.3 does not divide 1
    assert ex.value.argument == "etas[1]" and isinstance(ex.value, ValueError)
