"""Geometry over stacks: means (..., d) and covariances (..., d, d), broadcast the numpy way,
computed in one library call, equal to a loop of single calls (to 1e-14, in fact bit for
bit: the same code per item); a failing item is named with its index and argument."""
import numpy as np
import pytest

import bwflow
from helpers import random_spd

DIMS = [1, 2, 3, 10]


def stack(seed, n, d):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), np.stack([random_spd(rng, d) for _ in range(n)])


@pytest.mark.parametrize("d", DIMS)
def test_w2_of_stacks_equals_single_calls(d):
    n = 50
    m0, S0 = stack(1, n, d)
    m1, S1 = stack(2, n, d)
    ref = np.array([bwflow.w2sq(m0[k], S0[k], m1[k], S1[k]) for k in range(n)])
    got = bwflow.w2sq(m0, S0, m1, S1)
    assert got.shape == (n,) and got.dtype == np.float64
    assert np.max(np.abs(got - ref) / ref) <= 1e-14
    assert np.array_equal(got, ref)                     # the same computation per item
    assert np.array_equal(bwflow.w2(m0, S0, m1, S1), np.sqrt(ref))
    # one Gaussian against the stack, either side (the shared path when it is first)
    one = np.array([bwflow.w2sq(m0[0], S0[0], m1[k], S1[k]) for k in range(n)])
    assert np.array_equal(bwflow.w2sq(m0[0], S0[0], m1, S1), one)
    other = np.array([bwflow.w2sq(m0[k], S0[k], m1[0], S1[0]) for k in range(n)])
    assert np.array_equal(bwflow.w2sq(m0, S0, m1[0], S1[0]), other)
    # a shared mean with stacked covariances, and Fortran-ordered / strided inputs
    mixed = np.array([bwflow.w2sq(m0[0], S0[k], m1[k], S1[k]) for k in range(n)])
    assert np.array_equal(bwflow.w2sq(m0[0], S0, m1, S1), mixed)
    assert np.array_equal(bwflow.w2sq(np.asfortranarray(m0), np.asfortranarray(S0), m1[::1], S1), ref)
    big = np.zeros((2 * n, d, d))
    big[::2] = S1
    assert np.array_equal(bwflow.w2sq(m0, S0, m1, big[::2]), ref)


def test_batch_shapes_broadcast():
    d = 3
    m, S = stack(3, 12, d)
    m, S = m.reshape(3, 4, d), S.reshape(3, 4, d, d)
    got = bwflow.w2(m[:, :1], S[:, :1], m[:1], S[:1])    # (3, 1) against (1, 4): (3, 4)
    assert got.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert got[i, j] == bwflow.w2(m[i, 0], S[i, 0], m[0, j], S[0, j])
    assert bwflow.w2(m, S, m, S).shape == (3, 4) and not np.any(bwflow.w2(m, S, m, S))
    empty = bwflow.w2(np.zeros((0, d)), np.zeros((0, d, d)), m[0, 0], S[0, 0])
    assert empty.shape == (0,)
    with pytest.raises(ValueError, match="do not broadcast"):
        bwflow.w2(m[0], S[0], m[:, 0], S[:, 0])           # 4 against 3
    assert isinstance(bwflow.w2(m[0, 0], S[0, 0], m[0, 1], S[0, 1]), float)


@pytest.mark.parametrize("d", DIMS)
def test_map_stacks_equal_single_calls(d):
    n = 20
    m0, S0 = stack(4, n, d)
    m1, S1 = stack(5, n, d)
    t = np.linspace(0, 1, n)
    T = bwflow.ot_map(m0, S0, m1, S1)
    mt, St = bwflow.geodesic(m0, S0, m1, S1, t)
    v, X = bwflow.log_map(m0, S0, m1, S1)
    me, Se = bwflow.exp_map(m0[0], S0[0], v, X)         # one base point, many tangent vectors
    assert T.shape == St.shape == X.shape == Se.shape == (n, d, d) and T.flags.c_contiguous
    for k in range(n):
        assert np.array_equal(T[k], bwflow.ot_map(m0[k], S0[k], m1[k], S1[k]))
        mk, Sk = bwflow.geodesic(m0[k], S0[k], m1[k], S1[k], t[k])
        assert np.array_equal(mt[k], mk) and np.array_equal(St[k], Sk)
        vk, Xk = bwflow.log_map(m0[k], S0[k], m1[k], S1[k])
        assert np.array_equal(v[k], vk) and np.array_equal(X[k], Xk)
        mk, Sk = bwflow.exp_map(m0[0], S0[0], v[k], X[k])
        assert np.array_equal(me[k], mk) and np.array_equal(Se[k], Sk)
    # one time for the whole stack
    m5, S5 = bwflow.geodesic(m0, S0, m1[0], S1[0], 0.5)
    assert np.array_equal(S5[3], bwflow.geodesic(m0[3], S0[3], m1[0], S1[0], 0.5)[1])


def test_failing_item_is_named():
    m0, S0 = stack(6, 8, 3)
    m1, S1 = stack(7, 8, 3)
    S1[5] = -np.eye(3)
    with pytest.raises(bwflow.InvalidInputError) as ex:
        bwflow.w2(m0, S0, m1, S1)
    e = ex.value
    assert e.name == "BW_ERR_NOT_SPD" and e.argument == "S1" and e.index == (5,)
    assert "S1[5]" in str(e)
    m1[2, 1] = np.nan
    with pytest.raises(bwflow.InvalidInputError) as ex:
        bwflow.ot_map(m0[0], S0[0], m1.reshape(2, 4, 3), S1.reshape(2, 4, 3, 3))
    assert ex.value.name == "BW_ERR_NONFINITE" and ex.value.argument == "m1" and ex.value.index == (0, 2)
    with pytest.raises(bwflow.InvalidInputError) as ex:
        bwflow.geodesic(m0, S0, m0, S0, np.array([0, 0.5, 2, 1, 1, 1, 1, 1]))
    assert ex.value.name == "BW_ERR_BAD_ARG" and ex.value.index == (2,) and ex.value.argument == "t"
