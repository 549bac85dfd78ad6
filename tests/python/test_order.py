"""The order study through the binding: the same numbers as `bwflow order --json`, slopes
against numpy's least-squares fit, and the collapse exception."""
import json
import os
import subprocess

import numpy as np
import pytest

import bwflow

ETAS = [0.2, 0.1, 0.05, 0.02]


def test_order_matches_the_cli(tmp_path):
    exe = os.environ.get("BWFLOW_EXE")
    if not exe:
        pytest.skip("BWFLOW_EXE not set (meson sets it)")
    pb, m0, S0 = bwflow.Problem.preset("random", dim=3, seed=1)
    res = bwflow.order(pb, m0, S0, 2.0, ETAS)
    out = subprocess.run([exe, "order", "--preset", "random", "--dim", "3", "--seed", "1",
                          "--etas", ",".join(map(str, ETAS)), "--json", "--out", str(tmp_path)],
                         check=True, capture_output=True, text=True).stdout
    cli = json.loads(out)
    # Same library and inputs, and the CLI prints 17 digits: equal up to the last bit.
    for key, value in cli.items():
        if isinstance(value, list):
            assert res[key] == pytest.approx(value, rel=1e-15), key
        else:
            assert res[key] == pytest.approx(value, rel=1e-13), key
    assert res["steps"] == [10, 20, 40, 100] and set(res["forward_status"]) == {"BW_OK"}


def test_slopes_and_orders():
    pb, m0, S0 = bwflow.Problem.preset("ou2d")
    res = bwflow.order(pb, m0, S0, 2.0, ETAS)
    x = np.log(ETAS)
    for k in ("wgf", "jkoflow", "forward_wgf", "forward_flow"):
        fit = np.polyfit(x, np.log(res["err_" + k]), 1)[0]      # independent least squares
        assert res["slope_" + k] == pytest.approx(fit, rel=1e-12)
    # the study's point: first order against the exact flow, second against JKO-Flow
    assert 0.85 < res["slope_wgf"] < 1.15 and 1.85 < res["slope_jkoflow"] < 2.15
    ratio = np.array(res["err_wgf"]) / np.array(res["err_jkoflow"])   # grows like 1/eta
    assert np.all(np.diff(ratio) > 0) and ratio[-1] > 20
    assert bwflow.loglog_slope([1, 2, 4], [3, 12, 48]) == pytest.approx(2.0, rel=1e-14)
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_BAD_ARG"):
        bwflow.loglog_slope([1.0], [1.0])


def test_order_collapse_and_bad_eta():
    pb = bwflow.Problem(np.eye(2), np.zeros(2), tau=1.0)
    with pytest.raises(bwflow.CollapseError) as ex:
        bwflow.order(pb, np.zeros(2), np.diag([0.01, 1.0]), 1.0, [0.5, 0.25])
    assert ex.value.eta == 0.5 and ex.value.time is None
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_BAD_ARG"):
        bwflow.order(pb, np.zeros(2), np.eye(2), 1.0, [0.3])     # 0.3 does not divide 1
