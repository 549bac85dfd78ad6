"""Problem: construction from arrays, presets, the random problem, accessors (including the
non-symmetric eigenvector matrices, which a transposition would corrupt) and the energy
functions against numpy formulas."""
import numpy as np
import pytest

import bwflow
from helpers import rel, random_spd


def random_arrays(seed, d):
    rng = np.random.default_rng(seed)
    A = random_spd(rng, d, 0.5, 2.0)
    K = 0.1 * random_spd(rng, d)
    h = rng.normal(size=d)
    m, S = rng.normal(size=d), random_spd(rng, d)
    return A, h, K, m, S


def test_arrays_round_trip_with_leading_dimension():
    d = 3
    A, h, K, m, S = random_arrays(1, d)
    big = np.asfortranarray(np.full((5, 4), 1e6))     # garbage outside the block
    big[:d, :d] = A
    pb = bwflow.Problem(big[:d, :d], h, K, tau=0.4)
    assert pb.dim == d and pb.tau == 0.4
    assert np.allclose(pb.A, A, rtol=0, atol=1e-15) and np.array_equal(pb.h, h)
    assert np.allclose(pb.K, K, rtol=0, atol=1e-15)
    assert np.allclose(pb.P, A + K, rtol=0, atol=1e-14)
    assert np.array_equal(bwflow.Problem(A, h).K, np.zeros((d, d)))
    assert bwflow.Problem(A, h).tau == 1.0


def test_eigendecompositions_are_not_transposed():
    pb, m0, S0 = bwflow.Problem.random(5, 3)
    for (w, V), M in ((pb.eig_P(), pb.P), (pb.eig_A(), pb.A)):
        assert np.all(np.diff(w) >= 0)
        assert np.linalg.norm(V - V.T) > 0.5                  # not symmetric: a transpose shows
        assert rel(V.T @ V, np.eye(5)) < 1e-13
        assert rel(M @ V, V * w) < 1e-13                      # columns are eigenvectors
        assert rel(V @ np.diag(w) @ V.T, M) < 1e-13


def test_energy_functions_against_numpy():
    d = 4
    A, h, K, m, S = random_arrays(2, d)
    tau, eta = 0.7, 0.05
    pb = bwflow.Problem(A, h, K, tau)
    P = A + K
    J = (0.5 * np.trace(P @ S) + 0.5 * m @ A @ m - h @ m - tau / 2 * np.linalg.slogdet(S)[1]
         - tau * d / 2 * (1 + np.log(2 * np.pi)))
    assert pb.energy(m, S) == pytest.approx(J, rel=1e-12)
    M = P - tau * np.linalg.inv(S)
    slope = np.trace(M @ S @ M) + np.sum((A @ m - h) ** 2)
    assert pb.slope_sq(m, S) == pytest.approx(slope, rel=1e-11)
    assert pb.modified_energy(m, S, eta) == pytest.approx(J - eta / 4 * slope, rel=1e-11)
    gm, gS = pb.gradient(m, S)
    assert rel(gm, A @ m - h) < 1e-13 and rel(gS, M / 2) < 1e-12
    c, L = pb.velocity(m, S)
    assert rel(c, -(A @ m - h)) < 1e-13 and rel(L, -M) < 1e-12
    mm, Sm = pb.minimiser()
    assert rel(mm, np.linalg.solve(A, h)) < 1e-12 and rel(Sm, tau * np.linalg.inv(P)) < 1e-12


def test_presets():
    pb, m0, S0 = bwflow.Problem.preset("ou2d")
    assert pb.dim == 2 and pb.tau == 1.0
    assert np.array_equal(pb.A, [[2, 0.6], [0.6, 1]]) and np.array_equal(pb.h, [1, -0.5])
    assert np.array_equal(m0, [2, 1]) and np.array_equal(S0, [[0.5, -0.3], [-0.3, 1.5]])
    assert np.array_equal(pb.K, np.zeros((2, 2)))
    heat, m, S = bwflow.Problem.preset("heat", dim=3)
    assert heat.dim == 3 and np.array_equal(heat.P, np.zeros((3, 3))) and S.shape == (3, 3)
    r1 = bwflow.Problem.preset("random", dim=4, seed=9)
    r2 = bwflow.Problem.random(4, 9, 0.7)
    assert np.array_equal(r1[0].A, r2[0].A) and np.array_equal(r1[2], r2[2])
    r3 = bwflow.Problem.random(4, 10)
    assert not np.array_equal(r3[0].A, r2[0].A)
    # the random S0 commutes with neither A nor P
    assert np.linalg.norm(r2[0].A @ r2[2] - r2[2] @ r2[0].A) > 1e-2


def test_problem_errors():
    A, h, K, m, S = random_arrays(3, 2)
    with pytest.raises(bwflow.BwflowError) as ex:
        bwflow.Problem(np.array([[1.0, 0.3], [0.0, 1.0]]), h)
    assert ex.value.name == "BW_ERR_NOT_SYMMETRIC" and ex.value.where == "bw_problem_set"
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_BAD_TAU"):
        bwflow.Problem(A, h, tau=-1)
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_BAD_ARG"):
        bwflow.Problem.preset("nope")
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_DIM"):
        bwflow.Problem.preset("ou2d", dim=3)
    with pytest.raises(bwflow.BwflowError, match="BW_ERR_NOT_SPD"):
        bwflow.Problem(A, h, tau=0).minimiser()
    with pytest.raises(ValueError):
        bwflow.Problem(A, np.zeros(3))
