"""Miner reputation export: bounded label set, aggregates over every miner."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from app.observability.meters import REPUTATION_BANDS
from app.observability.reputation import OTHER, publish_reputations, reputation_band, summarize_reputations


def test_bands() -> None:
    assert reputation_band(0.0) == "0.0-0.2"
    assert reputation_band(0.39) == "0.2-0.4"
    assert reputation_band(0.4) == "0.4-0.6"
    assert reputation_band(1.0) == "0.8-1.0"
    assert reputation_band(-3) == "0.0-0.2"


@given(
    reps=st.dictionaries(st.text(min_size=1, max_size=6), st.floats(min_value=0, max_value=1), max_size=60),
    top=st.integers(min_value=1, max_value=10),
)
def test_summary_is_bounded_and_exact(reps: dict[str, float], top: int) -> None:
    reps.pop(OTHER, None)
    export = summarize_reputations(reps, top=top)
    assert len(export.labelled) <= top + 1
    assert sum(export.bands.values()) == len(reps)
    assert set(export.bands) == set(REPUTATION_BANDS)
    if reps:
        assert export.minimum == min(reps.values())
        assert min(export.labelled.values()) == min(reps.values())  # "other" carries the rest's minimum
    else:
        assert export.minimum is None


def test_top_miners_by_volume() -> None:
    reps = {"a": 0.9, "b": 0.8, "c": 0.1, "d": 0.5}
    export = summarize_reputations(reps, volumes={"a": 10, "b": 50, "c": 1, "d": 5}, top=2)
    assert export.labelled == {"b": 0.8, "a": 0.9, OTHER: 0.1}


def test_publish_sets_gauges_and_drops_miners_leaving_the_top() -> None:
    publish_reputations({"m1": 0.9, "m2": 0.3}, volumes={"m1": 5, "m2": 4}, top=2)
    assert REGISTRY.get_sample_value("miner_reputation", {"miner": "m2"}) == 0.3
    assert REGISTRY.get_sample_value("miner_reputation_min") == 0.3
    assert REGISTRY.get_sample_value("miners_by_reputation", {"band": "0.2-0.4"}) == 1
    publish_reputations({"m1": 0.9, "m3": 0.7}, volumes={"m1": 5, "m3": 9}, top=2)
    assert REGISTRY.get_sample_value("miner_reputation", {"miner": "m2"}) is None
    assert REGISTRY.get_sample_value("miner_reputation", {"miner": "m3"}) == 0.7
    assert REGISTRY.get_sample_value("miner_reputation_min") == 0.7
    assert REGISTRY.get_sample_value("miners_by_reputation", {"band": "0.2-0.4"}) == 0
