"""The numpy all-mpnet-base-v2: its safetensors reader, its relative position buckets (T5/MPNet
definition) and, when the optional wheels are installed, padding invariance of the forward pass."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.real_eval import mpnet


def _bucket_reference(relative: int) -> int:
    """One bucket by the published definition (memory position - context position = `relative`)."""
    n = -relative
    half = mpnet.BUCKETS // 2
    out = half if n < 0 else 0
    n = abs(n)
    exact = half // 2
    if n < exact:
        return out + n
    large = exact + int(math.log(n / exact) / math.log(mpnet.MAX_DISTANCE / exact) * (half - exact))
    return out + min(large, half - 1)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=300))
def test_relative_buckets_follow_the_definition(length: int) -> None:
    buckets = mpnet.relative_buckets(length)
    assert buckets.shape == (length, length)
    i, j = np.random.default_rng(length).integers(0, length, size=(2, 50))
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        assert buckets[a, b] == _bucket_reference(b - a)
    assert buckets.min() >= 0
    assert buckets.max() < mpnet.BUCKETS


def test_safetensors_reader_round_trips(tmp_path: Path) -> None:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.linspace(-1, 1, 4, dtype=np.float32)
    ids = np.arange(3, dtype=np.int64)
    blobs = [a.tobytes(), b.tobytes(), ids.tobytes()]
    offsets, start = [], 0
    for blob in blobs:
        offsets.append([start, start + len(blob)])
        start += len(blob)
    header = {
        "__metadata__": {"format": "pt"},
        "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": offsets[0]},
        "b": {"dtype": "F32", "shape": [4], "data_offsets": offsets[1]},
        "ids": {"dtype": "I64", "shape": [3], "data_offsets": offsets[2]},
    }
    raw = json.dumps(header).encode()
    path = tmp_path / "t.safetensors"
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + b"".join(blobs))
    out = mpnet.load_safetensors(path)
    assert set(out) == {"a", "b"}  # only float32 tensors
    np.testing.assert_array_equal(out["a"], a)
    np.testing.assert_array_equal(out["b"], b)


@pytest.mark.skipif(not mpnet.available(), reason="optional wheels (requirements-eval.txt) not installed")
def test_a_text_embeds_the_same_alone_and_in_a_padded_batch() -> None:
    model = mpnet.cached_model()
    texts = [
        "Payroll for startups",
        "We help companies pay employees in 150 countries, every month, on time.",
    ]
    batch = model.embed(texts)
    alone = np.vstack([model.embed([t]) for t in texts])
    np.testing.assert_allclose(batch, alone, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert float(batch[0] @ batch[1]) > 0.2  # payroll, both
