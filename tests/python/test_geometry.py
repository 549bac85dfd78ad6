"""The binding's geometry (w2, w2sq, ot_map, geodesic, log_map, exp_map) against scipy textbook
formulas, with the layouts a caller may pass (C order, Fortran order, blocks with a leading
dimension); stacks are in test_stacks.py."""
import numpy as np
import pytest

import bwflow
from helpers import rel, random_spd, textbook_ot_map, textbook_w2sq


def pair(seed, d):
    rng = np.random.default_rng(seed)
    S0, S1 = random_spd(rng, d), random_spd(rng, d)
    m0, m1 = rng.normal(size=d), rng.normal(size=d)
    return m0, S0, m1, S1


@pytest.mark.parametrize("d", [1, 2, 3, 5, 8])
def test_w2_matches_textbook_formula(d):
    # Well-separated Gaussians (W2^2 of order 1): the textbook trace formula evaluated with
    # scipy's Schur square roots is accurate to ~1e-14 relative here; 1e-10 leaves room for
    # the conditioning (covariance eigenvalues in [0.3, 3]) of both computations.
    for seed in range(5):
        m0, S0, m1, S1 = pair(100 * d + seed, d)
        ref = textbook_w2sq(m0, S0, m1, S1)
        assert ref > 1e-2
        assert bwflow.w2sq(m0, S0, m1, S1) == pytest.approx(ref, rel=1e-10)
        assert bwflow.w2(m0, S0, m1, S1) == pytest.approx(np.sqrt(ref), rel=1e-10)


def test_w2_identical_is_exactly_zero_and_symmetric():
    m0, S0, m1, S1 = pair(7, 4)
    assert bwflow.w2(m0, S0, m0, S0) == 0.0
    assert bwflow.w2(m0, S0, m1, S1) == pytest.approx(bwflow.w2(m1, S1, m0, S0), rel=1e-12)


@pytest.mark.parametrize("d", [2, 3, 6])
def test_ot_map_of_non_commuting_covariances(d):
    def commutator(S0, S1):
        return np.linalg.norm(S0 @ S1 - S1 @ S0) / (np.linalg.norm(S0) * np.linalg.norm(S1))
    # the first pair (in a fixed seed sequence) whose covariances are far from commuting
    m0, S0, m1, S1 = next(p for p in (pair(200 + 10 * d + i, d) for i in range(100))
                          if commutator(p[1], p[3]) > 0.05)
    T = bwflow.ot_map(m0, S0, m1, S1)
    assert T.shape == (d, d) and T.flags.c_contiguous
    # Independent formula (scipy); both are accurate to ~1e-13 for these condition numbers.
    assert rel(T, textbook_ot_map(S0, S1)) < 1e-10
    assert rel(T @ S0 @ T, S1) < 1e-11          # T pushes S0 forward to S1
    assert np.all(np.linalg.eigvalsh(T) > 0)    # and is SPD (a gradient of a convex map)


def test_geodesic_against_numpy():
    m0, S0, m1, S1 = pair(11, 3)
    T = textbook_ot_map(S0, S1)
    for t in (0.0, 0.3, 1.0):
        m, S = bwflow.geodesic(m0, S0, m1, S1, t)
        G = (1 - t) * np.eye(3) + t * T
        assert rel(m, (1 - t) * m0 + t * m1) < 1e-14
        assert rel(S, G @ S0 @ G) < 1e-10
    # constant speed: W2(rho_s, rho_t) = |t - s| W2(rho_0, rho_1)
    ma, Sa = bwflow.geodesic(m0, S0, m1, S1, 0.2)
    mb, Sb = bwflow.geodesic(m0, S0, m1, S1, 0.7)
    assert bwflow.w2(ma, Sa, mb, Sb) == pytest.approx(0.5 * bwflow.w2(m0, S0, m1, S1), rel=1e-9)


def test_layouts_and_leading_dimensions():
    """The same matrices as C arrays, Fortran arrays, transposed views, and d x d blocks of
    larger arrays (column-major with leading dimension 7, passed without copy; row-major
    blocks, copied). Garbage outside the blocks would show up if a leading dimension were
    wrong; results must be bitwise equal."""
    d = 4
    m0, S0, m1, S1 = pair(3, d)
    ref_w2, ref_T = bwflow.w2sq(m0, S0, m1, S1), bwflow.ot_map(m0, S0, m1, S1)
    rng = np.random.default_rng(0)

    def fortran_block(S):
        big = np.asfortranarray(rng.normal(size=(7, 5)) * 1e3)   # garbage around the block
        big[1:1 + d, 1:1 + d] = S
        v = big[1:1 + d, 1:1 + d]
        assert v.strides == (8, 56)                               # column-major, ld = 7
        return v

    def c_block(S):
        big = rng.normal(size=(6, 9)) * 1e3
        big[2:2 + d, 3:3 + d] = S
        return big[2:2 + d, 3:3 + d]

    means = [m0, np.asfortranarray(np.stack([m0, m0]).T)[:, 1], list(m0)]
    for conv in (np.ascontiguousarray, np.asfortranarray, lambda S: S.T, fortran_block, c_block):
        A0, A1 = conv(S0), conv(S1)
        for mm in means:
            assert bwflow.w2sq(mm, A0, m1, A1) == ref_w2
        assert np.array_equal(bwflow.ot_map(m0, A0, m1, A1), ref_T)
    # inputs are never written
    F = fortran_block(S0)
    before = F.base.copy()
    bwflow.w2(m0, F, m1, S1)
    assert np.array_equal(F.base, before)


def test_statuses_become_exceptions():
    m0, S0, m1, S1 = pair(5, 2)
    with pytest.raises(bwflow.BwflowError) as ex:
        bwflow.w2(m0, np.array([[1.0, 2.0], [2.0, 1.0]]), m1, S1)   # indefinite
    e = ex.value
    assert e.name == "BW_ERR_NOT_SPD" and e.message == bwflow.strerror(e.status)
    assert "BW_ERR_NOT_SPD" in str(e) and e.where == "bw_w2_stack" and e.argument == "S0"
    assert isinstance(e, ValueError) and isinstance(e, bwflow.InvalidInputError)
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_NOT_SYMMETRIC"):
        bwflow.w2(m0, np.array([[1.0, 0.5], [0.0, 1.0]]), m1, S1)
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_NONFINITE"):
        bwflow.w2(np.array([np.nan, 0]), S0, m1, S1)
    with pytest.raises(ValueError, match="m1 must have shape"):
        bwflow.w2(m0, S0, np.zeros(3), np.eye(3))                      # shapes, caught in Python
    with pytest.raises(ValueError, match="S0 must have shape"):
        bwflow.w2(m0, np.eye(3), m1, S1)
    assert not issubclass(bwflow.CollapseError, ValueError)
    assert issubclass(bwflow.CollapseError, bwflow.BwflowError)


def test_status_names_and_messages():
    names = []
    for code in range(64):
        n = bwflow.status_name(code)
        if n == "BW_UNKNOWN_STATUS":
            break
        names.append(n)
        assert n.startswith("BW_") and bwflow.strerror(code) not in ("", "unknown status")
    assert names[0] == "BW_OK" and "BW_ERR_COLLAPSE" in names and len(set(names)) == len(names)
    assert len(names) >= 20


@pytest.mark.parametrize("d", [1, 2, 4])
def test_log_and_exp_maps(d):
    m0, S0, m1, S1 = pair(30 + d, d)
    v, X = bwflow.log_map(m0, S0, m1, S1)
    T = textbook_ot_map(S0, S1)
    assert np.array_equal(v, m1 - m0)
    assert rel(X, T - np.eye(d)) < 1e-10 and np.array_equal(X, X.T)
    m, S = bwflow.exp_map(m0, S0, v, X)                 # exp inverts log
    assert rel(m, m1) < 1e-15 and rel(S, S1) < 1e-12
    G = np.eye(d) + 0.3 * X                             # exp of a shorter tangent vector
    m, S = bwflow.exp_map(m0, S0, 0.3 * v, 0.3 * X)
    assert rel(m, m0 + 0.3 * v) < 1e-15 and rel(S, G @ S0 @ G) < 1e-13
    mg, Sg = bwflow.geodesic(m0, S0, m1, S1, 0.3)      # ... which is the geodesic at 0.3
    assert rel(m, mg) < 1e-14 and rel(S, Sg) < 1e-12
    with pytest.raises(bwflow.InvalidInputError, match="BW_ERR_NOT_SPD") as ex:
        bwflow.exp_map(m0, S0, v, -2 * np.eye(d))       # I + X not positive definite
    assert ex.value.argument == "X"
