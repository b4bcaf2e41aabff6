"""Evidence selection from the store's snippet slots (pure)."""

from __future__ import annotations

import numpy as np

from app.leads.hydrate import evidence_slots
from app.ranking.columns import SNIPPET_DIM, LeadStore


def unit(*hot: int) -> np.ndarray:
    v = np.zeros(SNIPPET_DIM, dtype=np.float32)
    for i in hot:
        v[i] = 1.0
    return v / np.linalg.norm(v)


def test_relevant_recent_evidence_wins_and_empty_slots_are_skipped() -> None:
    store = LeadStore(dim=256, capacity=4)
    # row 0: three snippets; the two about the prompt (dimension 0) beat the heavier off-topic one.
    store.snip_seq[0, :3] = [101, 102, 103]
    store.snip_weight[0, :3] = [0.5, 0.9, 0.4]
    store.snip_vec.set((0, 0), unit(0))
    store.snip_vec.set((0, 1), unit(5))
    store.snip_vec.set((0, 2), unit(0, 5))
    # row 1: no evidence at all.
    query = np.zeros(256, dtype=np.float32)
    query[0] = 1.0
    slots = evidence_slots(store, np.array([0, 1]), query_vec=query, limit=2)
    assert [seq for seq, _ in slots[0]] == [101, 103]
    weights = [w for _, w in slots[0]]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] == round(0.5 * 1.25, 4)
    assert slots[1] == []


def test_no_rows_gives_no_slots() -> None:
    store = LeadStore(dim=256, capacity=2)
    assert evidence_slots(store, np.array([], dtype=np.int64), query_vec=np.ones(256, dtype=np.float32)) == []
