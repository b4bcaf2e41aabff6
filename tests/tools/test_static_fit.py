"""The static table's fit to sentence vectors (tools/static_fit.py): the ridge solve."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from tools.static_fit import bag_of_tokens, ridge_cg


def test_ridge_cg_matches_the_closed_form() -> None:
    rng = np.random.default_rng(7)
    a = sp.random(60, 20, density=0.3, random_state=7, format="csr", dtype=np.float32)
    y = rng.normal(size=(60, 4)).astype(np.float32)
    w0 = rng.normal(size=(20, 4)).astype(np.float32)
    ridge = 0.1
    dense = a.toarray().astype(np.float64)
    exact = np.linalg.solve(dense.T @ dense + ridge * np.eye(20), dense.T @ y + ridge * w0)
    fitted = ridge_cg(a, y, w0, ridge, iterations=200)
    assert np.allclose(fitted, exact, atol=1e-3)


def test_a_huge_ridge_keeps_the_starting_rows() -> None:
    a = sp.csr_matrix(np.eye(3, dtype=np.float32))
    w0 = np.ones((3, 2), dtype=np.float32)
    fitted = ridge_cg(a, np.zeros((3, 2), dtype=np.float32), w0, 1e6, iterations=10)
    assert np.allclose(fitted, w0, atol=1e-4)


def test_bag_of_tokens_rows_are_token_shares() -> None:
    bag = bag_of_tokens(["payroll payroll clinics", ""], 30522)
    assert bag.shape == (2, 30522)
    assert np.isclose(bag[0].sum(), 1.0)
    assert bag[0].max() > bag[0].data.min()  # the repeated token weighs more
    assert bag[1].nnz == 0
