"""Grades 0-100 from the ranker's features, with reasons tied to evidence. Pure given the ranker's
in-memory store (called on the event loop, no await inside: the store is not mutated meanwhile).

Mapping (documented in the README): the ranker's interpretable sub-scores in [0, 1]
(`app.ranking.explain.fit_and_intent`: fit = mean of industry match, size fit and country match;
intent = half evidence volume, half prompt-to-snippets similarity) give

    grade = round(100 x (0.5 x fit + 0.5 x intent)),  band A >= 75 > B >= 50 > C >= 25 > D.

A grade is only given with at least two reasons, each citing evidence snippets of the company
(firmographics, technologies, hiring, funding, news, stated pains); otherwise the company is
`insufficient_evidence` with no grade. At most five reasons.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from app.ingest.extract import tech_key
from app.leads.candidates import bm25_hits
from app.leads.prepare import prepare
from app.leads.schemas import SearchFilters
from app.leads.startup import Ranker
from app.lists.evidence import LeadEvidence
from app.ranking.columns import sector_of_label
from app.ranking.explain import fit_and_intent
from app.ranking.features import Retrieval
from app.ranking.prompt import ParsedPrompt, parse_prompt

FIT_WEIGHT = 0.5
INTENT_WEIGHT = 0.5
BANDS = ((75, "A"), (50, "B"), (25, "C"), (0, "D"))
MIN_REASONS = 2
MAX_REASONS = 5
FUNDING_RECENT_DAYS = 540


@dataclass(frozen=True, slots=True)
class Target:
    """What a list is graded against: an ICP or a free-text prompt."""

    prompt: str
    filters: SearchFilters
    technologies: tuple[str, ...] = ()
    icp_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Grade:
    grade: int | None
    band: str | None
    insufficient_evidence: bool
    fit: float | None
    intent: float | None
    reasons: list[dict[str, Any]]  # {"id", "kind", "text", "snippet_ids"}


def band_of(grade: int) -> str:
    return next(band for low, band in BANDS if grade >= low)


def to_grade(fit: float, intent: float) -> int:
    return max(0, min(100, round(100 * (FIT_WEIGHT * fit + INTENT_WEIGHT * intent))))


def _cited(lead: LeadEvidence, entry: dict[str, Any] | None) -> list[str]:
    if not entry:
        return []
    return [s.id for s in lead.cited(entry.get("evidence", []))]


def _newest(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: str(i.get("date", "")), reverse=True)


def target_sectors(industries: list[str]) -> tuple[str, ...]:
    """NAICS 2-digit sectors of the target industries (codes, or labels NAICS knows)."""
    out = [i[:2] if i.isdigit() else sector_of_label(i) for i in industries]
    return tuple(dict.fromkeys(s for s in out if len(s) == 2))


def parsed_for(target: Target) -> ParsedPrompt:
    """The target's prompt, read by the parser, with the target's explicit filters taking the place
    of what the parser guessed (they are what the ranker's fit features compare with)."""
    parsed = parse_prompt(target.prompt)
    f = target.filters
    return replace(
        parsed,
        industries=target_sectors(f.industries) or parsed.industries,
        countries=tuple(f.countries) or parsed.countries,
        employees_min=f.employees_min if f.employees_min is not None else parsed.employees_min,
        employees_max=f.employees_max if f.employees_max is not None else parsed.employees_max,
    )


def _industry_matches(label: str, target: Target) -> bool:
    wanted = {i.lower() for i in target.filters.industries}
    return label.lower() in wanted or sector_of_label(label) in target_sectors(target.filters.industries)


def fit_reasons(lead: LeadEvidence, target: Target) -> list[tuple[str, list[str]]]:
    firmo = lead.profile.get("firmographics") or {}
    out: list[tuple[str, list[str]]] = []
    industry: dict[str, Any] = firmo.get("industry") or {}
    label = str(industry.get("value") or "")
    if label and _industry_matches(label, target) and _cited(lead, industry):
        out.append((f"Industry {industry.get('value')} is one the target sells to", _cited(lead, industry)))
    size: dict[str, Any] = firmo.get("employees") or {}
    employees = size.get("value")
    low, high = target.filters.employees_min, target.filters.employees_max
    inside = (
        isinstance(employees, int)
        and (low is not None or high is not None)
        and (low is None or employees >= low)
        and (high is None or employees <= high)
    )
    if inside and _cited(lead, size):
        out.append((f"About {employees} employees, inside the target size range", _cited(lead, size)))
    country: dict[str, Any] = firmo.get("country") or {}
    if country.get("value") in target.filters.countries and _cited(lead, country):
        out.append((f"Based in {country.get('value')}, a target country", _cited(lead, country)))
    techs = lead.profile.get("technographics") or {}
    for name in target.technologies:
        entry = techs.get(tech_key(name))
        if entry and entry.get("status") == "current" and _cited(lead, entry):
            out.append((f"Uses {entry.get('name', name)}, a target technology", _cited(lead, entry)))
    return out


def intent_reasons(lead: LeadEvidence, now: datetime) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for item in _newest(lead.profile.get("hiring") or [])[:1]:
        if _cited(lead, item):
            out.append((f"Hiring {item.get('count')} {item.get('role')}", _cited(lead, item)))
    for item in _newest(lead.profile.get("funding") or [])[:1]:
        cited = lead.cited(item.get("evidence", []))
        if cited and (now - cited[0].observed_at).days <= FUNDING_RECENT_DAYS:
            out.append((f"Raised a {item.get('round')} round", [s.id for s in cited]))
    for item in _newest(lead.profile.get("news_triggers") or [])[:1]:
        if _cited(lead, item):
            out.append(
                (f"Recent {str(item.get('trigger', 'company')).replace('_', ' ')} news", _cited(lead, item))
            )
    for entry in (lead.profile.get("technographics") or {}).values():
        if entry.get("status") == "evaluating_alternatives" and _cited(lead, entry):
            out.append((f"Evaluating alternatives to {entry.get('name')}", _cited(lead, entry)))
            break
    for item in _newest(lead.profile.get("pains") or [])[:1]:
        if _cited(lead, item):
            out.append(("States a problem in its own words", _cited(lead, item)))
    return out


def reasons_for(lead: LeadEvidence, target: Target, now: datetime) -> list[dict[str, Any]]:
    found = [("fit", t, ids) for t, ids in fit_reasons(lead, target)]
    found += [("intent", t, ids) for t, ids in intent_reasons(lead, now)]
    # Alternate fit and intent so both show when there are more than five.
    fits = [r for r in found if r[0] == "fit"]
    intents = [r for r in found if r[0] == "intent"]
    ordered = [r for pair in zip(fits, intents, strict=False) for r in pair]
    n = min(len(fits), len(intents))
    ordered += fits[n:] + intents[n:]
    return [
        {"id": f"r{i + 1}", "kind": kind, "text": text, "snippet_ids": ids}
        for i, (kind, text, ids) in enumerate(ordered[:MAX_REASONS])
    ]


def grade_leads(
    ranker: Ranker, target: Target, leads: list[LeadEvidence], *, bm25_limit: int, now: datetime
) -> dict[uuid.UUID, Grade]:
    """A grade per lead; one not in the ranker's index yet has insufficient evidence."""
    store = ranker.index.store
    parsed = parsed_for(target)
    prepared = prepare(store=store, embedder=ranker.index.embedder, parsed=parsed, filters=target.filters)
    rows = {lead.company_id: store.row_of_domain.get(lead.domain.lower()) for lead in leads}
    known = sorted({r for r in rows.values() if r is not None})
    features = np.zeros((0, 0), dtype=np.float32)
    position: dict[int, int] = {}
    if known:
        bm25 = bm25_hits(ranker.index.bm25, prepared, limit=bm25_limit)
        array = np.asarray(known, dtype=np.int64)
        features = prepared.features(store, array, Retrieval(bm25=bm25, ann={}))
        position = {row: i for i, row in enumerate(known)}
    out: dict[uuid.UUID, Grade] = {}
    for lead in leads:
        row = rows[lead.company_id]
        if row is None:
            out[lead.company_id] = Grade(None, None, True, None, None, [])
            continue
        f = features[position[row]]
        fit, intent = fit_and_intent(f)
        reasons = reasons_for(lead, target, now)
        if len(reasons) < MIN_REASONS:
            out[lead.company_id] = Grade(None, None, True, fit, intent, reasons)
            continue
        grade = to_grade(fit, intent)
        out[lead.company_id] = Grade(grade, band_of(grade), False, fit, intent, reasons)
    return out
