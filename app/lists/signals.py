"""A company's signals from its evidence: overview, tech stack, funding, news, hiring and posts.

Pure. Each signal is {"value", "confidence", "evidence": [snippets]} built from the profile fields
that cite snippets (app/ingest/profile.py); a signal whose cited snippets are all gone (quarantined,
deleted) has no evidence and is reported missed, never shown unsupported.

Confidence of a signal: the highest confidence among its supporting profile entries (noisy-or of the
miners' reputations, <= 0.99), discounted by the age of its newest evidence (halving every 365
days: `confidence_decay`). Posts: 1 - (1 - 0.8 x reputation) of the newest post, discounted alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.ingest.profile_merge import confidence_decay
from app.lists.evidence import LeadEvidence, SnippetFact

SignalName = Literal["overview", "tech_stack", "funding", "news", "hiring", "posts"]
SIGNALS: tuple[SignalName, ...] = ("overview", "tech_stack", "funding", "news", "hiring", "posts")
EXCERPT_CHARS = 300
FIRMO = ("name", "industry", "employees", "country", "founded", "description")


def age_days(observed_at: datetime, now: datetime) -> float:
    return round(max(0.0, (now - observed_at).total_seconds() / 86400.0), 2)


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def evidence_item(s: SnippetFact, now: datetime) -> dict[str, Any]:
    return {
        "snippet_id": s.id,
        "kind": s.kind,
        "excerpt": excerpt(s.text),
        "source_url": s.source_url,
        "observed_at": s.observed_at.isoformat().replace("+00:00", "Z"),
        "age_days": age_days(s.observed_at, now),
    }


@dataclass(frozen=True, slots=True)
class Signal:
    value: Any
    confidence: float
    evidence: list[SnippetFact]


def _ids(entries: Iterable[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for entry in entries:
        out.extend(i for i in entry.get("evidence", []) if i not in out)
    return out


def _signal(lead: LeadEvidence, value: Any, entries: list[dict[str, Any]], now: datetime) -> Signal | None:
    cited = lead.cited(_ids(entries))
    if not cited:
        return None
    best = max((float(e.get("confidence", 0.0)) for e in entries), default=0.0)
    confidence = confidence_decay(best, age_days(cited[0].observed_at, now))
    return Signal(value=value, confidence=round(confidence, 4), evidence=cited)


def profile_of(lead: LeadEvidence) -> dict[str, Any]:
    """The company profile from evidence: the winning firmographic values (None when unsupported)."""
    firmo = lead.profile.get("firmographics") or {}
    out: dict[str, Any] = {"domain": lead.domain, "lead_id": str(lead.company_id)}
    for name in FIRMO:
        entry = firmo.get(name)
        out[name] = entry["value"] if entry and lead.cited(entry.get("evidence", [])) else None
    return out


def overview(lead: LeadEvidence, now: datetime) -> Signal | None:
    firmo = lead.profile.get("firmographics") or {}
    entries = [firmo[n] for n in FIRMO if n in firmo]
    value = {n: firmo[n]["value"] for n in FIRMO if n in firmo}
    return _signal(lead, value, entries, now) if entries else None


def tech_stack(lead: LeadEvidence, now: datetime) -> Signal | None:
    techs = sorted(
        (lead.profile.get("technographics") or {}).values(),
        key=lambda t: (t.get("status") != "current", str(t.get("name", "")).lower()),
    )
    value = [
        {"name": t.get("name"), "status": t.get("status"), "last_seen": t.get("last_seen")} for t in techs
    ]
    return _signal(lead, value, list(techs), now) if techs else None


def _listed(name: str, keys: tuple[str, ...]) -> Callable[[LeadEvidence, datetime], Signal | None]:
    def build(lead: LeadEvidence, now: datetime) -> Signal | None:
        items = sorted(lead.profile.get(name) or [], key=lambda i: str(i.get("date", "")), reverse=True)
        value = [{k: i.get(k) for k in keys} for i in items]
        return _signal(lead, value, items, now) if items else None

    return build


def posts(lead: LeadEvidence, now: datetime) -> Signal | None:
    found = lead.posts()
    if not found:
        return None
    newest = found[0]
    confidence = confidence_decay(min(0.99, 0.8 * newest.reputation), age_days(newest.observed_at, now))
    value = [
        {"text": excerpt(s.text), "date": s.observed_at.isoformat().replace("+00:00", "Z")} for s in found
    ]
    return Signal(value=value, confidence=round(confidence, 4), evidence=found)


BUILDERS: dict[SignalName, Callable[[LeadEvidence, datetime], Signal | None]] = {
    "overview": overview,
    "tech_stack": tech_stack,
    "funding": _listed("funding", ("round", "amount_usd", "date")),
    "news": _listed("news_triggers", ("trigger", "text", "date")),
    "hiring": _listed("hiring", ("role", "count", "date")),
    "posts": posts,
}


def signals_of(
    lead: LeadEvidence, wanted: Iterable[SignalName], *, now: datetime
) -> tuple[dict[SignalName, Signal], list[SignalName]]:
    """The requested signals that have evidence, and the requested ones that have none."""
    found: dict[SignalName, Signal] = {}
    missed: list[SignalName] = []
    for name in wanted:
        signal = BUILDERS[name](lead, now)
        if signal is None:
            missed.append(name)
        else:
            found[name] = signal
    return found, missed
