"""docs/modified_flows.py --check, as a test: the Gaussian modified equations derived
symbolically (exact fractions) give the expected global slopes p + 1 against the JKO
iterates for p = 1..4, are tied to the library's JKO-Flow and JKO-Flow of order 2, and the
odd orders lose the target's stability where L_p turns negative (docs/order2.md, "How far in
the order p")."""
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir)
sys.path.insert(0, os.path.join(ROOT, "docs"))
import modified_flows  # noqa: E402


def test_orders_one_to_four():
    # The package on PYTHONPATH (set by meson); without it, build/lib/python of the source tree.
    r = modified_flows.check(os.path.join(ROOT, "build"))
    # Slopes: the ladder's least-squares slope is p + 1 up to the pre-asymptotic bend at
    # eta = 0.1 (docs/order2.md: 1.988, 2.982, 3.980, 4.977; seeds 2-4 down to 4.962).
    for p, slope in zip((1, 2, 3, 4), r["slopes"]):
        assert abs(slope - (p + 1)) < 0.05, (p, slope)
    # The integration does not limit the table (second run at 10 x the tolerances).
    assert r["resolution"] < 0.1
    # The package loaded: iterates to rounding, flows to the tolerances,
    # right-hand sides to rounding.
    L = r["library"]
    assert L["plan"] < 1e-12 and L["jko"] < 1e-10 and L["jko2"] < 1e-10
    assert L["jko rhs"] < 1e-13 and L["jko2 rhs"] < 1e-13
    # Odd orders: where L_p turns negative (the roots of 1 - z/2 + z^2/3 - z^3/4 ... ).
    L1 = lambda z: 1 - z / 2  # noqa: E731
    L3 = lambda z: 1 - z / 2 + z**2 / 3 - z**3 / 4  # noqa: E731
    assert abs(r["zc"][1] - 2.0) < 1e-9 and abs(L1(r["zc"][1])) < 1e-9
    assert abs(L3(r["zc"][3])) < 1e-9 and 1.6 < r["zc"][3] < 1.65
    # At S* = tau P^-1: the Jacobian's largest eigenvalue matches the prediction
    # -(p_i + p_j) L_p(eta (p_i + p_j)); at eta = 0.55 only order 3 is unstable.
    for (p, eta), (measured, predicted) in r["jacobian"].items():
        assert abs(measured - predicted) < 1e-6 * max(1.0, abs(predicted)), (p, eta)
    assert r["jacobian"][3, 0.55][0] > 0
    assert all(r["jacobian"][p, 0.55][0] < 0 for p in (1, 2, 4))
