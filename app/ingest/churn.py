"""Tech-stack churn ETL: technographic history (in `companies.profile`) -> `churn_events` rows
("dropped Teradata", "added Snowflake", "evaluating Outreach alternatives") with dates.

Incremental: a watermark on `companies.updated_at` in `ingest_job_state`; idempotent: a unique key
(company, technology, event, occurred_at). Run by hand with `python -m app.ingest churn [--full]`,
and on a timer inside the consumer (and the API in embedded mode).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.ingest.db import transaction

logger = logging.getLogger(__name__)
JOB = "churn"
PAGE = 5000


@dataclass(frozen=True, slots=True)
class ChurnEventRow:
    company_id: uuid.UUID
    technology: str
    event: str
    occurred_at: datetime
    description: str
    evidence: list[str]
    confidence: float


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def churn_events(company_id: uuid.UUID, technographics: dict[str, Any]) -> list[ChurnEventRow]:
    """Pure: the churn events implied by one company's technographics."""
    out: list[ChurnEventRow] = []
    for entry in technographics.values():
        name = str(entry.get("name", ""))[:100]
        if not name:
            continue
        events = entry.get("events", [])
        conf = float(entry.get("confidence", 0.0))

        def ids(kind: str, events: list[dict[str, Any]] = events) -> list[str]:
            return [e["snippet_id"] for e in events if e["event"] == kind][:10]

        added = [e["at"] for e in events if e["event"] == "added"]
        if added:
            out.append(
                ChurnEventRow(company_id, name, "added", _at(min(added)), f"added {name}", ids("added"), conf)
            )
        if entry.get("status") == "removed" and entry.get("removed_at"):
            out.append(
                ChurnEventRow(
                    company_id,
                    name,
                    "dropped",
                    _at(entry["removed_at"]),
                    f"dropped {name}",
                    ids("dropped"),
                    conf,
                )
            )
        if entry.get("evaluating_since"):
            out.append(
                ChurnEventRow(
                    company_id,
                    name,
                    "evaluating",
                    _at(entry["evaluating_since"]),
                    f"evaluating {name} alternatives"[:200],
                    ids("evaluating"),
                    conf,
                )
            )
    return out


@dataclass
class ChurnReport:
    companies: int = 0
    events_new: int = 0
    watermark: datetime | None = None


async def run_churn(engine: AsyncEngine, *, full: bool = False) -> ChurnReport:
    report = ChurnReport()
    async with transaction(engine) as conn:
        watermark = (
            None
            if full
            else await conn.fetchval("SELECT watermark FROM ingest_job_state WHERE name = $1", JOB)
        )
    start = watermark or datetime(1970, 1, 1, tzinfo=UTC)
    after = uuid.UUID(int=0)  # keyset (updated_at, id): rows sharing a timestamp are never skipped
    while True:
        async with transaction(engine) as conn:
            rows = await conn.fetch(
                "SELECT id, updated_at, (profile->'technographics')::text AS techs FROM companies "
                "WHERE (updated_at, id) > ($1, $2) ORDER BY updated_at, id LIMIT $3",
                start,
                after,
                PAGE,
            )
            if not rows:
                break
            events: list[ChurnEventRow] = []
            for r in rows:
                if r["techs"] and r["techs"] != "null":
                    events.extend(churn_events(r["id"], orjson.loads(r["techs"])))
            if events:
                inserted = await conn.fetch(
                    """
                    INSERT INTO churn_events (company_id, technology, event, occurred_at, description,
                                              evidence, confidence)
                    SELECT v.c, v.t, v.e, v.o, v.d, ARRAY(SELECT jsonb_array_elements_text(v.ev::jsonb)), v.cf
                    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[],
                                $6::text[], $7::float8[]) AS v(c, t, e, o, d, ev, cf)
                    ON CONFLICT DO NOTHING RETURNING id
                    """,
                    [e.company_id for e in events],
                    [e.technology for e in events],
                    [e.event for e in events],
                    [e.occurred_at for e in events],
                    [e.description for e in events],
                    [orjson.dumps(e.evidence).decode() for e in events],
                    [e.confidence for e in events],
                )
                report.events_new += len(inserted)
            report.companies += len(rows)
            start, after = rows[-1]["updated_at"], rows[-1]["id"]
            report.watermark = start
            await conn.execute(
                """
                INSERT INTO ingest_job_state (name, watermark, last_run_at, last_result)
                VALUES ($1, $2, now(), $3)
                ON CONFLICT (name) DO UPDATE SET watermark = EXCLUDED.watermark,
                    last_run_at = EXCLUDED.last_run_at, last_result = EXCLUDED.last_result
                """,
                JOB,
                start,
                f"{report.companies} companies, {report.events_new} new events",
            )
        if len(rows) < PAGE:
            break
    return report


async def run_churn_forever(settings: Settings, engine: AsyncEngine, stop: asyncio.Event) -> None:
    """The in-process schedule: every `ingest_churn_interval_s`, never dying on an error."""
    while not stop.is_set():
        try:
            report = await run_churn(engine)
            if report.events_new:
                logger.info("churn ETL: %s companies, %s new events", report.companies, report.events_new)
        except Exception as exc:
            logger.warning("churn ETL failed (will retry): %s", exc)
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.ingest_churn_interval_s)
        except TimeoutError:
            continue
