"""Reputation, throttle, dedup fingerprints, fact extraction, profile merging and churn (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.ingest.churn import churn_events
from app.ingest.dedup import content_hash, hamming, is_boilerplate, simhash
from app.ingest.extract import extract
from app.ingest.profile_merge import Evidence, merge
from app.ingest.reputation import MinerCounters, bucket_for, next_quarantine, reputation, take

counts = st.integers(min_value=0, max_value=10_000)


@given(st.lists(counts, min_size=9, max_size=9))
def test_reputation_is_bounded(values: list[int]) -> None:
    assert 0.0 <= reputation(MinerCounters(*values), prior=0.6) <= 1.0


def test_new_miner_starts_at_the_prior() -> None:
    assert reputation(MinerCounters(), prior=0.6) == 0.6


def test_good_miner_rises_and_spammer_falls() -> None:
    good = reputation(
        MinerCounters(accepted=2000, rejected=10, corroborated=500, outcomes_positive=20), prior=0.6
    )
    spam = reputation(
        MinerCounters(accepted=200, rejected=1500, duplicates=300, boilerplate=150, contradicted=100),
        prior=0.6,
    )
    assert good > 0.8
    assert spam < 0.4


def test_quarantine_has_hysteresis() -> None:
    assert next_quarantine(quarantined=False, reputation=0.39, below=0.4, release_at=0.45)
    assert next_quarantine(quarantined=True, reputation=0.42, below=0.4, release_at=0.45)
    assert not next_quarantine(quarantined=True, reputation=0.46, below=0.4, release_at=0.45)


def test_bucket_rate_shrinks_with_reputation() -> None:
    high = bucket_for(reputation=0.9, max_rate=100, min_rate=1, burst_s=10)
    low = bucket_for(reputation=0.3, max_rate=100, min_rate=1, burst_s=10)
    assert high.rate_per_s > low.rate_per_s
    assert high.capacity > low.capacity


@given(st.floats(0, 100), st.floats(0, 100), st.integers(0, 200), st.booleans())
def test_take_never_overdraws(tokens: float, elapsed: float, wanted: int, strict: bool) -> None:
    bucket = bucket_for(reputation=0.5, max_rate=10, min_rate=1, burst_s=5)
    out = take(tokens=tokens, elapsed_s=elapsed, bucket=bucket, wanted=wanted, all_or_nothing=strict)
    assert 0 <= out.admitted <= wanted
    assert out.tokens_left >= -1e-9
    if strict:
        assert out.admitted in (0, wanted)
    if out.admitted < wanted:
        assert out.retry_after_s > 0


def test_fingerprints() -> None:
    assert content_hash(domain="a.com", text="Hello, World!") == content_hash(
        domain="a.com", text="hello world"
    )
    assert content_hash(domain="a.com", text="hello") != content_hash(domain="b.com", text="hello")
    a = simhash("Acme is hiring a Cloud Economist to own AWS usage reporting and chargeback in Berlin")
    b = simhash("Acme is hiring a Cloud Economist to own AWS usage reporting and chargeback in Munich")
    c = simhash("Warehouse robots move pallets faster than forklifts in the new distribution centre")
    assert hamming(a, b) <= 9 < hamming(a, c)
    assert -(2**63) <= a < 2**63
    assert is_boilerplate("All rights reserved. Cookie policy.")
    assert not is_boilerplate("Acme is hiring a Cloud Economist to own AWS usage reporting.")


def test_extraction() -> None:
    facts = extract(
        kind="tech_stack",
        text="Acme migrated from Teradata to Snowflake and is evaluating alternatives to Outreach.",
    )
    assert ("dropped", "Teradata") in facts.techs
    assert ("added", "Snowflake") in facts.techs
    assert ("evaluating", "Outreach") in facts.techs
    money = extract(kind="funding", text="Acme raised $25M Series B led by Example Ventures.")
    assert money.funding == [("Series B", 25_000_000.0)]
    jobs = extract(kind="job_post", text="Acme is hiring 3 Data Engineers in Berlin.")
    assert jobs.hiring == [("Data Engineers", 3)]


def _ev(sid: str, miner: str, rep: float, days_ago: float, text: str = "", **company: object) -> Evidence:
    return Evidence(
        snippet_id=sid,
        miner_id=miner,
        reputation=rep,
        kind="news",
        text=text,
        observed_at=datetime(2026, 11, 1, tzinfo=UTC) - timedelta(days=days_ago),
        company=dict(company),
        facts=extract(kind="news", text=text),
    )


NOW = datetime(2026, 11, 2, tzinfo=UTC)


def test_conflicts_are_kept_and_resolved_by_reputation_and_recency() -> None:
    profile, stats = merge(
        {}, [_ev("s1", "good", 0.9, 10, employees=500), _ev("s2", "bad", 0.3, 5, employees=5000)], now=NOW
    )
    assert profile["firmographics"]["employees"]["value"] == 500
    assert profile["conflicts"][0]["value"] == 5000
    assert profile["conflicts"][0]["evidence"] == ["s2"]
    assert stats.contradicted == {"bad": 1}
    # two more independent reputable miners agreeing with 5000 flip it; 500 becomes the conflict
    profile, _ = merge(
        profile, [_ev("s3", "m3", 0.9, 1, employees=5000), _ev("s4", "m4", 0.9, 1, employees=5100)], now=NOW
    )
    assert profile["firmographics"]["employees"]["value"] in (5000, 5100)
    assert any(c["value"] == 500 for c in profile["conflicts"])
    entry = profile["firmographics"]["employees"]
    assert {"evidence", "confidence", "observed_at", "age_days"} <= set(entry)


def test_technographics_and_churn() -> None:
    evidence = [
        _ev("t1", "m", 0.8, 300, "Acme runs on Teradata for reporting."),
        _ev("t2", "m", 0.8, 20, "Acme migrated from Teradata to Snowflake."),
        _ev("t3", "m", 0.8, 2, "Acme is evaluating alternatives to Outreach."),
    ]
    profile, _ = merge({}, evidence, now=NOW)
    techs = profile["technographics"]
    assert techs["teradata"]["status"] == "removed"
    assert techs["teradata"]["removed_at"].startswith("2026-10-12")
    assert techs["snowflake"]["status"] == "current"
    events = {(e.event, e.technology) for e in churn_events(uuid.uuid4(), techs)}
    assert events == {("dropped", "Teradata"), ("added", "Snowflake"), ("evaluating", "Outreach")}
    descriptions = {e.description for e in churn_events(uuid.uuid4(), techs)}
    assert "dropped Teradata" in descriptions
    assert "evaluating Outreach alternatives" in descriptions


def test_merge_is_order_independent_for_the_same_evidence() -> None:
    evidence = [
        _ev(f"s{i}", f"m{i % 3}", 0.7, i * 3, f"Acme raised $1{i}M Series A", industry="Software")
        for i in range(6)
    ]
    a, _ = merge({}, evidence, now=NOW)
    b, _ = merge({}, list(reversed(evidence)), now=NOW)
    assert a == b


def test_scan_snapshots_imply_additions_and_removals() -> None:
    texts = [
        (
            600,
            "Technologies detected on acme.com (December 2024 scan): Google Analytics, Workday, Crystal Reports.",
        ),
        (30, "Technologies detected on acme.com (October 2026 scan): Google Analytics, Workday, Databricks."),
        (10, "New technology detected on acme.com: Snowflake."),
        (5, "Change detected on acme.com: Workday is no longer detected."),
        (2, "Technologies detected on acme.com (October 2026 scan): Google Analytics, Databricks ..."),
    ]
    evidence = [
        Evidence(
            snippet_id=f"s{i}",
            miner_id="m",
            reputation=0.8,
            kind="tech_stack",
            text=text,
            observed_at=NOW - timedelta(days=days),
            company={},
            facts=extract(kind="tech_stack", text=text),
        )
        for i, (days, text) in enumerate(texts)
    ]
    profile, _ = merge({}, evidence, now=NOW)
    techs = profile["technographics"]
    assert techs["crystal reports"]["status"] == "removed"  # missing from the later full scan
    assert techs["workday"]["status"] == "removed"  # explicit removal
    assert techs["google analytics"]["status"] == "current"  # a truncated scan removes nothing
    descriptions = {e.description for e in churn_events(uuid.uuid4(), techs)}
    assert descriptions == {
        "dropped Crystal Reports",
        "dropped Workday",
        "added Databricks",
        "added Snowflake",
    }
