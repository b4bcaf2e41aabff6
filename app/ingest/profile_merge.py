"""`companies.profile`: a structured profile kept current from evidence (shape in docs/INGESTION.md).

`merge(profile, evidence, now=...)` folds new snippets into a profile and returns the new one; the
same function rebuilds a profile from scratch (`merge({}, all_evidence)`). Pure.

Scalar fields (firmographics) hold {"value", "evidence", "miners", "confidence", "observed_at",
"age_days", "score"}. A different value competes on score = support x recency, where support is the
noisy-or of the reputations behind it and recency halves every year; the loser is kept under
"conflicts", never silently dropped, and can win later if more evidence arrives.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.ingest.extract import Facts, tech_key
from app.ingest.normalize import format_timestamp

SCHEMA = 1
MAX_IDS = 10
MAX_LIST = 25
MAX_SCANS = 12
HALF_LIFE_DAYS = 365.0
FIRMO_FIELDS = ("name", "industry", "employees", "country", "founded", "description")


@dataclass(frozen=True, slots=True)
class Evidence:
    snippet_id: str
    miner_id: str
    reputation: float
    kind: str
    text: str
    observed_at: datetime
    company: dict[str, Any]  # name, industry, employees, country, description (None when absent)
    facts: Facts


@functools.lru_cache(maxsize=16_384)  # a merge formats each evidence's instant several times
def _ts(value: datetime) -> str:
    return format_timestamp(value)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _age_days(observed: str, now: datetime) -> float:
    return round(max(0.0, (now - _parse(observed)).total_seconds() / 86400.0), 2)


def _recency(observed: str, now: datetime) -> float:
    return float(math.pow(0.5, _age_days(observed, now) / HALF_LIFE_DAYS))


def _push(ids: list[str], value: str) -> list[str]:
    if value in ids:
        return ids
    return [*ids, value][-MAX_IDS:]


def _noisy_or(confidence: float, reputation: float) -> float:
    return round(min(0.99, 1.0 - (1.0 - confidence) * (1.0 - 0.8 * reputation)), 4)


def _same(field: str, a: Any, b: Any) -> bool:
    if field == "employees" and isinstance(a, int) and isinstance(b, int):
        return abs(a - b) <= 0.15 * max(a, b, 1)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    return bool(a == b)


def _new_field(value: Any, ev: Evidence) -> dict[str, Any]:
    return {
        "value": value,
        "evidence": [ev.snippet_id],
        "miners": [ev.miner_id],
        "confidence": _noisy_or(0.0, ev.reputation),
        "observed_at": _ts(ev.observed_at),
    }


def _support(entry: dict[str, Any], value: Any, ev: Evidence) -> dict[str, Any]:
    observed = max(entry["observed_at"], _ts(ev.observed_at))
    newer = _ts(ev.observed_at) >= entry["observed_at"]
    return {
        **entry,
        "value": value if newer else entry["value"],
        "evidence": _push(entry["evidence"], ev.snippet_id),
        "miners": _push(entry["miners"], ev.miner_id),
        "confidence": _noisy_or(entry["confidence"], ev.reputation)
        if ev.miner_id not in entry["miners"]
        else entry["confidence"],
        "observed_at": observed,
    }


def _score(entry: dict[str, Any], now: datetime) -> float:
    return float(entry["confidence"]) * _recency(entry["observed_at"], now)


@dataclass
class MergeStats:
    contradicted: dict[str, int]  # miner id -> times its value lost a conflict


def _merge_scalar(
    profile: dict[str, Any], field: str, value: Any, *, ev: Evidence, now: datetime, stats: MergeStats
) -> None:
    firmo = profile["firmographics"]
    current = firmo.get(field)
    if current is None:
        firmo[field] = _new_field(value, ev)
        return
    if _same(field, current["value"], value):
        firmo[field] = _support(current, value, ev)
        return
    conflicts: list[dict[str, Any]] = profile["conflicts"]
    key = f"firmographics.{field}"
    challenger = next((c for c in conflicts if c["field"] == key and _same(field, c["value"], value)), None)
    if challenger is None:
        challenger = {"field": key, **_new_field(value, ev)}
    else:
        conflicts.remove(challenger)
        challenger = {"field": key, **_support(challenger, value, ev)}
    if _score(challenger, now) > _score(current, now):
        loser = {"field": key, **current}
        firmo[field] = {k: v for k, v in challenger.items() if k != "field"}
    else:
        loser = challenger
    for miner in loser["miners"][-1:]:
        stats.contradicted[miner] = stats.contradicted.get(miner, 0) + 1
    conflicts.append(loser)
    del conflicts[:-MAX_LIST]


def _merge_tech(profile: dict[str, Any], event: str, name: str, ev: Evidence) -> None:
    techs: dict[str, Any] = profile["technographics"]
    key = tech_key(name)
    at = _ts(ev.observed_at)
    entry = techs.get(key)
    if entry is None:
        entry = {
            "name": name,
            "status": "current",
            "first_seen": at,
            "last_seen": at,
            "removed_at": None,
            "evaluating_since": None,
            "evidence": [],
            "miners": [],
            "confidence": 0.0,
            "events": [],
        }
    events = entry["events"]
    if not any(e["snippet_id"] == ev.snippet_id for e in events):
        events.append({"event": event, "at": at, "snippet_id": ev.snippet_id})
        events.sort(key=lambda e: e["at"])
        del events[:-MAX_LIST]
    entry["evidence"] = _push(entry["evidence"], ev.snippet_id)
    if ev.miner_id not in entry["miners"]:
        entry["confidence"] = _noisy_or(entry["confidence"], ev.reputation)
    entry["miners"] = _push(entry["miners"], ev.miner_id)
    _status(entry)
    techs[key] = entry


def _status(entry: dict[str, Any]) -> None:
    events = entry["events"]
    positive = [e["at"] for e in events if e["event"] in ("added", "uses", "evaluating")]
    dropped = [e["at"] for e in events if e["event"] == "dropped"]
    if positive:
        entry["first_seen"] = min(positive)
        entry["last_seen"] = max(positive)
    evaluating = [e["at"] for e in events if e["event"] == "evaluating"]
    entry["evaluating_since"] = min(evaluating) if evaluating else None
    if dropped and (not positive or max(dropped) >= max(positive)):
        entry["status"], entry["removed_at"] = "removed", max(dropped)
    else:
        entry["status"] = "evaluating_alternatives" if evaluating else "current"
        entry["removed_at"] = None


def _apply_scans(profile: dict[str, Any]) -> None:
    """Full scan snapshots imply history: a technology missing from a full scan made after it was
    last seen was dropped then; one first seen after a full scan that did not list it was added."""
    full = [s for s in profile.get("scans", []) if s["full"]]
    if not full:
        return
    for key, entry in profile["technographics"].items():
        events = entry["events"]
        positive = sorted(e["at"] for e in events if e["event"] in ("added", "uses", "evaluating"))
        if not positive:
            continue
        changed = False
        gone = next((s for s in full if s["at"] > positive[-1] and key not in s["techs"]), None)
        if gone is not None and not any(e["event"] == "dropped" and e["at"] >= gone["at"] for e in events):
            events.append({"event": "dropped", "at": gone["at"], "snippet_id": gone["snippet_id"]})
            changed = True
        before = any(s["at"] < positive[0] and key not in s["techs"] for s in full)
        if before and not any(e["event"] == "added" for e in events):
            first = next(e for e in sorted(events, key=lambda e: e["at"]) if e["at"] == positive[0])
            events.append({"event": "added", "at": positive[0], "snippet_id": first["snippet_id"]})
            changed = True
        if changed:
            events.sort(key=lambda e: e["at"])
            del events[:-MAX_LIST]
            _status(entry)


def _append(items: list[dict[str, Any]], item: dict[str, Any], ev: Evidence) -> None:
    if any(ev.snippet_id in i["evidence"] for i in items):
        return
    items.append(item)
    items.sort(key=lambda i: i["date"])
    del items[:-MAX_LIST]


def empty_profile() -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "firmographics": {},
        "technographics": {},
        "funding": [],
        "hiring": [],
        "news_triggers": [],
        "pains": [],
        "conflicts": [],
        "scans": [],
        "evidence_summary": {"snippets": 0, "miners": [], "kinds": {}, "last_observed_at": None},
    }


def merge(
    profile: dict[str, Any], evidence: list[Evidence], *, now: datetime, copy: bool = True
) -> tuple[dict[str, Any], MergeStats]:
    """Fold `evidence` (any order; applied oldest first) into a copy of `profile`. `copy=False`: the
    caller hands `profile` over (freshly decoded, not used again), which is then changed in place."""
    out: dict[str, Any] = {**empty_profile(), **(_deepcopy(profile) if copy else profile)}
    stats = MergeStats(contradicted={})
    summary = out["evidence_summary"]
    for ev in sorted(evidence, key=lambda e: (e.observed_at, e.snippet_id)):
        at = _ts(ev.observed_at)
        conf = _noisy_or(0.0, ev.reputation)
        for name in ("name", "industry", "employees", "country", "description"):
            value = ev.company.get(name)
            if value not in (None, ""):
                _merge_scalar(out, name, value, ev=ev, now=now, stats=stats)
        if ev.facts.founded:
            _merge_scalar(out, "founded", ev.facts.founded, ev=ev, now=now, stats=stats)
        if ev.facts.headcount and not ev.company.get("employees"):
            _merge_scalar(out, "employees", ev.facts.headcount, ev=ev, now=now, stats=stats)
        for event, tech in ev.facts.techs:
            _merge_tech(out, event, tech, ev)
        if ev.facts.scan is not None and not any(s["snippet_id"] == ev.snippet_id for s in out["scans"]):
            out["scans"].append(
                {
                    "at": at,
                    "snippet_id": ev.snippet_id,
                    "full": ev.facts.scan_full,
                    "techs": sorted({tech_key(t) for t in ev.facts.scan}),
                }
            )
            out["scans"].sort(key=lambda s: s["at"])
            del out["scans"][:-MAX_SCANS]
        for round_name, amount in ev.facts.funding:
            item = {"round": round_name, "amount_usd": amount, "date": at, "evidence": [ev.snippet_id]}
            _append(out["funding"], {**item, "confidence": conf}, ev)
        for role, count in ev.facts.hiring:
            item = {"role": role, "count": count, "date": at, "evidence": [ev.snippet_id]}
            _append(out["hiring"], {**item, "confidence": conf}, ev)
        for trigger in ev.facts.triggers:
            item = {"trigger": trigger, "text": ev.text[:300], "date": at, "evidence": [ev.snippet_id]}
            _append(out["news_triggers"], {**item, "confidence": conf}, ev)
        if ev.facts.pain:
            item = {"text": ev.text[:300], "kind": ev.kind, "date": at, "evidence": [ev.snippet_id]}
            _append(out["pains"], {**item, "confidence": conf}, ev)
        summary["snippets"] += 1
        summary["kinds"][ev.kind] = summary["kinds"].get(ev.kind, 0) + 1
        summary["miners"] = _push(summary["miners"], ev.miner_id)
        last = summary["last_observed_at"]
        summary["last_observed_at"] = at if last is None or at > last else last
    _apply_scans(out)
    out["updated_at"] = _ts(now)
    for entry in out["firmographics"].values():
        entry["age_days"] = _age_days(entry["observed_at"], now)
        entry["score"] = round(_score(entry, now), 4)
    return out, stats


def _deepcopy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deepcopy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deepcopy(v) for v in value]
    return value


def columns(profile: dict[str, Any]) -> dict[str, Any]:
    """Winning firmographic values for the `companies` columns the ranker filters on."""
    firmo = profile.get("firmographics", {})

    def value(name: str) -> Any:
        entry = firmo.get(name)
        return entry["value"] if entry else None

    founded = value("founded")
    return {
        "name": value("name"),
        "industry": value("industry"),
        "employees": value("employees"),
        "country": value("country"),
        "description": value("description"),
        "founded_year": founded if isinstance(founded, int) and 1800 <= founded <= 2100 else None,
    }


def confidence_decay(confidence: float, age_days: float) -> float:
    """For readers: a confidence discounted by age (halves every year)."""
    return confidence * math.pow(0.5, age_days / HALF_LIFE_DAYS)
