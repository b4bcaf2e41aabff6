"""Load generator pure parts: arrival schedules, the request mix and the run summary."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.loadgen import (
    MixRequest,
    Sample,
    build_mix,
    error_kind,
    fixed_rate_schedule,
    load_prompts,
    poisson_schedule,
    rolling_percentiles,
    split_schedule,
    summarize_run,
)

PROMPTS = [
    {
        "prompt_id": f"p{i}",
        "text": f"prompt number {i} about payroll software",
        "split": "test",
        "category": "c",
    }
    for i in range(50)
] + [{"prompt_id": "f", "text": "filtered prompt", "split": "test", "filters": {"countries": ["US"]}}]


@given(qps=st.integers(min_value=1, max_value=500), duration=st.integers(min_value=1, max_value=30))
def test_fixed_rate_schedule(qps: int, duration: int) -> None:
    schedule = fixed_rate_schedule(qps=qps, duration_s=duration)
    assert len(schedule) == qps * duration
    assert schedule[0] == 0.0
    assert all(b > a for a, b in itertools.pairwise(schedule))
    assert schedule[-1] < duration
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(schedule)}
    assert gaps <= {round(1 / qps, 9)}


def test_poisson_schedule_is_seeded_and_near_the_rate() -> None:
    a = poisson_schedule(qps=200, duration_s=50, seed=3)
    assert a == poisson_schedule(qps=200, duration_s=50, seed=3)
    assert a != poisson_schedule(qps=200, duration_s=50, seed=4)
    assert 9000 < len(a) < 11000  # 10,000 expected, sd 100
    assert all(0 <= t < 50 for t in a)
    with pytest.raises(ValueError, match="> 0"):
        poisson_schedule(qps=0, duration_s=1, seed=1)


@given(n=st.integers(min_value=0, max_value=300), parts=st.integers(min_value=1, max_value=8))
def test_split_schedule_keeps_every_request_once(n: int, parts: int) -> None:
    schedule = [i / 10 for i in range(n)]
    split = split_schedule(schedule, parts)
    assert len(split) == parts
    flat = sorted(pair for part in split for pair in part)
    assert flat == list(enumerate(schedule))


def test_mix_is_deterministic_and_has_the_stated_repeat_share() -> None:
    mix = build_mix(PROMPTS, count=4000, repeat_share=0.3, seed=5)
    assert mix == build_mix(PROMPTS, count=4000, repeat_share=0.3, seed=5)
    repeats = sum(m.repeat for m in mix)
    assert 0.27 < repeats / len(mix) < 0.33
    first_seen: set[str] = set()
    for m in mix:
        key = json.dumps(m.body, sort_keys=True)
        if m.repeat:
            assert key in first_seen  # a repeat is byte-identical to an earlier request
        first_seen.add(key)
    ks = {m.body["k"] for m in mix}
    assert ks <= {10, 25, 50, 100}
    assert 10 in ks


def test_mix_sends_the_prompts_filters() -> None:
    mix = build_mix(PROMPTS, count=200, repeat_share=0.0, seed=1)
    filtered = [m for m in mix if m.body["prompt"] == "filtered prompt"]
    assert filtered
    assert all(m.body["filters"] == {"countries": ["US"]} for m in filtered)
    assert all("filters" not in m.body for m in mix if m.body["prompt"] != "filtered prompt")


def test_unique_mix_never_repeats_a_body() -> None:
    mix = build_mix(PROMPTS, count=500, repeat_share=0.5, seed=2, unique=True)
    prompts = [m.body["prompt"] for m in mix]
    assert len(set(prompts)) == len(prompts)
    assert not any(m.repeat for m in mix)


def test_tagged_unique_mix_differs_from_every_other_run() -> None:
    first = build_mix(PROMPTS, count=30, seed=2, unique=True, unique_tag="aa")
    second = build_mix(PROMPTS, count=30, seed=2, unique=True, unique_tag="bb")
    assert not {m.body["prompt"] for m in first} & {m.body["prompt"] for m in second}
    assert all("(ref aa-" in m.body["prompt"] for m in first)


def test_tagged_realistic_mix_hits_the_cache_only_with_its_repeats() -> None:
    mix = build_mix(PROMPTS, count=2000, repeat_share=0.3, seed=3, unique_tag="cc")
    seen: set[str] = set()
    hits = 0
    for m in mix:
        key = repr(sorted(m.body.items()))
        assert (key in seen) == m.repeat  # a repeat is an earlier body; a fresh body is new
        hits += key in seen
        seen.add(key)
    repeats = sum(m.repeat for m in mix)
    assert hits == repeats
    assert 0.25 < repeats / len(mix) < 0.35


def test_mix_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="no prompts"):
        build_mix([], count=1)
    with pytest.raises(ValueError, match="repeat_share"):
        build_mix(PROMPTS, count=1, repeat_share=1.0)


def test_load_prompts_keeps_the_split(tmp_path: Path) -> None:
    path = tmp_path / "prompts.jsonl"
    rows = [{"text": "a", "split": "train"}, {"text": "b", "split": "test"}, {"text": "c", "split": "test"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert [r["text"] for r in load_prompts(path)] == ["b", "c"]
    assert [r["text"] for r in load_prompts(path, split=None)] == ["a", "b", "c"]
    assert [r["text"] for r in load_prompts(path, split="dev")] == ["a", "b", "c"]  # absent split: all


def test_error_kinds() -> None:
    assert error_kind(200) is None
    assert error_kind(429) == "http_4xx"
    assert error_kind(503) == "http_5xx"
    assert error_kind(0) == "other"


def test_latency_counts_from_the_scheduled_time() -> None:
    # The generator sent 0.5 s late (e.g. stalled): the latency includes the stall.
    s = Sample(index=0, scheduled=1.0, sent=1.5, done=1.6, status=200)
    assert s.latency_s == pytest.approx(0.6)


def test_summarize_run() -> None:
    samples = [
        Sample(index=i, scheduled=i / 10, sent=i / 10, done=i / 10 + 0.02, status=200, leads=10, cost_usd=0.001,
               cache_hit=i % 2 == 0)
        for i in range(98)
    ] + [
        Sample(index=98, scheduled=9.8, sent=9.8, done=10.8, status=0, error="timeout"),
        Sample(index=99, scheduled=9.9, sent=9.9, done=9.95, status=503, error="http_5xx"),
    ]  # fmt: skip
    result = summarize_run(samples, target_qps=10, duration_s=10, scheduled=101)
    assert result["ok"] == 98
    assert result["errors"] == {"timeout": 1, "http_5xx": 1, "not_sent": 1}
    assert result["error_rate"] == pytest.approx(3 / 101)
    assert result["achieved_qps"] == pytest.approx(98 / 10.8)
    assert result["latency_ms"]["p99"] == pytest.approx(20.0)
    assert result["leads_returned"] == 980
    assert result["cost"]["per_lead_mean_usd"] == pytest.approx(0.0001)
    assert result["cache_hit_rate"] == pytest.approx(0.5)


def test_rolling_percentiles_buckets_by_scheduled_second() -> None:
    samples = [
        Sample(index=i, scheduled=i * 0.25, sent=i * 0.25, done=i * 0.25 + 0.01 * i, status=200)
        for i in range(8)
    ]
    rows = rolling_percentiles(samples)
    assert [r["t"] for r in rows] == [0.0, 1.0]
    assert rows[0]["p99"] == pytest.approx(30.0)


def test_mix_request_is_a_value() -> None:
    assert MixRequest(body={"prompt": "x"}, repeat=False) == MixRequest(body={"prompt": "x"}, repeat=False)
