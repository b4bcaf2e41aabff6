"""int8 vectors with a per-vector scale: cosines survive the round trip; growing keeps the data."""

from __future__ import annotations

import numpy as np

from app.ranking.vectors import QuantizedVectors, encode


def test_cosines_survive_quantisation() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(200, 128)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query = vectors[0] + 0.5 * rng.normal(size=128).astype(np.float32)
    query /= np.linalg.norm(query)
    store = QuantizedVectors((200, 128))
    store.set(slice(0, 200), vectors)
    error = np.abs(store.get(np.arange(200)) @ query - vectors @ query)
    assert float(error.max()) < 5e-3


def test_zero_vectors_and_growth() -> None:
    codes, scales = encode(np.zeros((2, 4)))
    assert not codes.any()
    assert (scales == 1.0).all()
    store = QuantizedVectors((2, 3, 4))
    store.set((1, slice(0, 2)), np.ones((2, 4)) * 0.5)
    store.grow(5)
    assert store.shape == (5, 3, 4)
    assert np.allclose(store.get(1)[:2], 0.5, atol=1e-6)
    assert not store.get(4).any()
    store.clear(1)
    assert not store.get(1).any()


def test_dot_is_get_times_the_query() -> None:
    rng = np.random.default_rng(4)
    store = QuantizedVectors((300, 16, 128))
    store.set(slice(0, 300), rng.normal(size=(300, 16, 128)))
    store.clear((7, slice(3, 16)))  # empty slots give 0
    rows = np.sort(rng.choice(300, 120, replace=False))
    query = rng.normal(size=128).astype(np.float32)
    expected = store.get(rows) @ query
    got = store.dot(rows, query)
    assert got.shape == expected.shape == (120, 16)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
