"""Miner reputation export: aggregates over every miner, no miner ids on /metrics."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY, generate_latest

from app.observability.meters import REPUTATION_BANDS
from app.observability.reputation import publish_reputations, reputation_band, summarize_reputations


def test_bands() -> None:
    assert reputation_band(0.0) == "0.0-0.2"
    assert reputation_band(0.39) == "0.2-0.4"
    assert reputation_band(0.4) == "0.4-0.6"
    assert reputation_band(1.0) == "0.8-1.0"
    assert reputation_band(-3) == "0.0-0.2"


@given(
    reps=st.dictionaries(st.text(min_size=1, max_size=6), st.floats(min_value=0, max_value=1), max_size=60)
)
def test_summary_covers_every_miner(reps: dict[str, float]) -> None:
    export = summarize_reputations(reps)
    assert sum(export.bands.values()) == len(reps)
    assert set(export.bands) == set(REPUTATION_BANDS)
    assert export.minimum == (min(reps.values()) if reps else None)


def test_publish_sets_the_aggregates_and_names_no_miner() -> None:
    publish_reputations({"m1": 0.9, "m2": 0.3})
    assert REGISTRY.get_sample_value("miner_reputation_min") == 0.3
    assert REGISTRY.get_sample_value("miners_by_reputation", {"band": "0.2-0.4"}) == 1
    publish_reputations({"m1": 0.9, "m3": 0.7})
    assert REGISTRY.get_sample_value("miner_reputation_min") == 0.7
    assert REGISTRY.get_sample_value("miners_by_reputation", {"band": "0.2-0.4"}) == 0
    exposition = generate_latest(REGISTRY).decode()
    assert "m1" not in exposition
    assert 'miner="' not in exposition
