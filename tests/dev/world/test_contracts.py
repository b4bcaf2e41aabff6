"""Every record follows the contracts of issue 5 (snippets, outcomes) and issue 4 (filters)."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from dev.world import WORLD_NOW_TEXT, World
from dev.world.model import OUTCOME_TYPES, SNIPPET_KINDS

SNIPPET_KEYS = {"snippet_id", "miner_id", "company", "contact", "kind", "text", "source_url", "observed_at"}
COMPANY_KEYS = {"domain", "name", "industry", "employees", "country", "description"}
CONTACT_KEYS = {"name", "title", "email", "linkedin_url"}
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
FILTER_KEYS = {"industries", "countries", "employees_min", "employees_max", "technologies", "exclude_domains"}


def _check_snippet(s: dict[str, Any]) -> None:
    assert set(s) <= SNIPPET_KEYS
    assert {"miner_id", "company", "kind", "text", "source_url", "observed_at"} <= set(s)
    assert 1 <= len(s["miner_id"]) <= 64
    if "snippet_id" in s:
        assert 1 <= len(s["snippet_id"]) <= 128
    assert s["kind"] in SNIPPET_KINDS
    assert 1 <= len(s["text"]) <= 20_000
    url = urlsplit(s["source_url"])
    assert url.scheme in ("http", "https")
    assert url.hostname
    assert RFC3339_UTC.match(s["observed_at"])
    company = s["company"]
    assert set(company) <= COMPANY_KEYS
    assert company["domain"]
    if "country" in company:
        assert re.fullmatch(r"[A-Z]{2}", company["country"])
    if "employees" in company:
        assert isinstance(company["employees"], int)
        assert company["employees"] >= 0
    if "contact" in s:
        assert set(s["contact"]) <= CONTACT_KEYS
        assert s["contact"]["name"]


def test_snippets_follow_the_ingestion_contract(tiny_world: World) -> None:
    for snippet in tiny_world.snippets:
        _check_snippet(dict(snippet))


def test_outcomes_follow_the_outcome_contract(tiny_world: World) -> None:
    domains = {c.truth.domain for c in tiny_world.companies}
    types: Counter[str] = Counter()
    ids = set()
    for event in tiny_world.outcomes:
        assert set(event) == {"event_id", "request_id", "domain", "type", "occurred_at"}
        uuid.UUID(event["request_id"])
        assert event["domain"] in domains
        assert RFC3339_UTC.match(event["occurred_at"])
        assert event["occurred_at"] <= WORLD_NOW_TEXT
        assert event["event_id"] not in ids
        ids.add(event["event_id"])
        types[event["type"]] += 1
    assert set(types) == set(OUTCOME_TYPES)
    assert types["impression"] > types["click"] > types["reply"] > types["purchase"] > 0


def test_requests_log_positions_of_shown_companies(tiny_world: World) -> None:
    prompt_split = {p["prompt_id"]: p["split"] for p in tiny_world.prompts}
    for request in tiny_world.requests:
        assert len(request.shown) == len(set(request.shown)) == tiny_world.config.shown_per_request
        assert prompt_split[request.prompt_id] != "test"  # outcome history never leaks test relevance


def test_prompts_and_filters(tiny_world: World) -> None:
    prompts = tiny_world.prompts
    assert len(prompts) >= 300
    assert len({p["prompt_id"] for p in prompts}) == len(prompts)
    styles = Counter(p["style"] for p in prompts)
    assert min(styles["exemplar"], styles["exclusion"], styles["filtered"]) >= 40
    domains = {c.truth.domain for c in tiny_world.companies}
    for p in prompts:
        assert 3 <= len(p["text"]) <= 2000
        if "filters" in p:
            assert set(p["filters"]) == FILTER_KEYS
        for domain in p.get("exemplars", []):
            assert domain in domains


def test_qrels_are_graded_and_cover_test_prompts(tiny_world: World) -> None:
    grades = Counter(q["grade"] for q in tiny_world.qrel_records)
    assert set(grades) == {0, 1, 2, 3}
    test_prompts = [p for p in tiny_world.prompts if p["split"] == "test"]
    qrels = tiny_world.qrels("test")
    with_relevant = [p for p in test_prompts if any(g > 0 for g in qrels.get(p["prompt_id"], {}).values())]
    assert len(with_relevant) >= 0.85 * len(test_prompts)


def test_domains_are_unique_and_normalised(tiny_world: World) -> None:
    domains = [c.truth.domain for c in tiny_world.companies]
    assert len(set(domains)) == len(domains)
    assert all(d == d.lower().strip(".") and not d.startswith("www.") for d in domains)


def test_timestamps_are_relative_to_the_world_clock(tiny_world: World) -> None:
    future = [s for s in tiny_world.snippets if s["observed_at"] > WORLD_NOW_TEXT]
    miners = {m["miner_id"]: m["quality"] for m in tiny_world.miners}
    # Only spammers send future-dated snippets (ingestion must reject them).
    assert all(miners[s["miner_id"]] == "spammer" for s in future)
    assert len(future) < 0.01 * len(tiny_world.snippets)
