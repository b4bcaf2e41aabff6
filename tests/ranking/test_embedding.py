"""The served (static) embedder: a prompt alone embeds as it does within a batch."""

from __future__ import annotations

import numpy as np

from app.core.config import Settings
from app.ranking.embedding import load_embedder

TEXTS = [
    "IoT sensors that watch refrigeration temperatures for food distributors",
    "cloud cost optimization software",
    "",
    "Payroll for German manufacturers with 50-500 employees, not already using Workday",
]


def test_one_text_embeds_as_in_a_batch() -> None:
    embedder = load_embedder(Settings())
    batch = embedder.embed(TEXTS)
    for i, text in enumerate(TEXTS):
        assert np.array_equal(embedder.embed([text])[0], batch[i])
