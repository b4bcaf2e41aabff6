"""Exporting an ICP's graded leads: each company's newest grade (its newest evidence version) with
its latest draft, best grade first, streamed from a server-side cursor as CSV or JSON.

CSV columns (also in the README): domain, name, industry, country, employees, grade, band, fit,
intent, insufficient_evidence, reasons (texts joined by " | "), evidence_ids (space-separated),
evidence_version, graded_at, draft_subject, draft_body. Cells that a spreadsheet would read as a
formula (starting with = + - @ or a tab) are prefixed with a single quote.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# A graded lead's columns, and its draft's: shared by the list export and the job results
# (app/jobs/service.py), which add their own around them.
LEAD_COLUMNS = (
    "domain",
    "name",
    "industry",
    "country",
    "employees",
    "grade",
    "band",
    "fit",
    "intent",
    "insufficient_evidence",
    "reasons",
)
DRAFT_COLUMNS = ("draft_subject", "draft_body")
COLUMNS = (*LEAD_COLUMNS, "evidence_ids", "evidence_version", "graded_at", *DRAFT_COLUMNS)
FETCH_ROWS = 500
_LATEST = """
WITH latest AS (
    SELECT DISTINCT ON (g.company_id) g.*
    FROM lead_grades g
    WHERE g.workspace_id = :workspace_id AND g.icp_id = :icp_id
    ORDER BY g.company_id, g.evidence_version DESC, g.id DESC
)
SELECT c.domain, c.name, c.industry, c.country, c.employees, l.grade, l.band, l.fit, l.intent,
       l.insufficient_evidence, l.reasons, l.evidence_version, l.created_at AS graded_at,
       d.subject AS draft_subject, d.body AS draft_body
FROM latest l
JOIN companies c ON c.id = l.company_id
LEFT JOIN LATERAL (
    SELECT subject, body FROM drafts
    WHERE drafts.icp_id = l.icp_id AND drafts.company_id = l.company_id
    ORDER BY created_at DESC LIMIT 1
) d ON true
WHERE (:min_grade = 0 OR l.grade >= :min_grade)
ORDER BY l.grade DESC NULLS LAST, c.domain
LIMIT :limit
"""
_COUNT = f"SELECT count(*) FROM ({_LATEST}) AS rows"  # noqa: S608 - a constant query


def _params(workspace_id: uuid.UUID, icp_id: uuid.UUID, limit: int, min_grade: int) -> dict[str, Any]:
    return {"workspace_id": workspace_id, "icp_id": icp_id, "limit": limit, "min_grade": min_grade}


def export_row(row: Any) -> dict[str, Any]:
    reasons = row.reasons or []
    return {
        "domain": row.domain,
        "name": row.name,
        "industry": row.industry,
        "country": row.country,
        "employees": row.employees,
        "grade": row.grade,
        "band": row.band,
        "fit": row.fit,
        "intent": row.intent,
        "insufficient_evidence": row.insufficient_evidence,
        "reasons": [r.get("text") for r in reasons],
        "evidence_ids": list(dict.fromkeys(i for r in reasons for i in r.get("snippet_ids", []))),
        "evidence_version": row.evidence_version,
        "graded_at": row.graded_at.isoformat().replace("+00:00", "Z"),
        "draft_subject": row.draft_subject,
        "draft_body": row.draft_body,
    }


async def count_rows(
    session: AsyncSession, *, workspace_id: uuid.UUID, icp_id: uuid.UUID, limit: int, min_grade: int
) -> int:
    result = await session.execute(text(_COUNT), _params(workspace_id, icp_id, limit, min_grade))
    return int(result.scalar_one())


async def export_rows(
    session: AsyncSession, *, workspace_id: uuid.UUID, icp_id: uuid.UUID, limit: int, min_grade: int
) -> AsyncIterator[dict[str, Any]]:
    """The rows, fetched from a server-side cursor `FETCH_ROWS` at a time."""
    result = await session.stream(
        text(_LATEST).execution_options(yield_per=FETCH_ROWS), _params(workspace_id, icp_id, limit, min_grade)
    )
    async for row in result:
        yield export_row(row)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = " | ".join(str(v) for v in value)
    out = str(value)
    return "'" + out if out[:1] in ("=", "+", "-", "@", "\t", "\r") else out


def csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def csv_row(row: dict[str, Any]) -> str:
    values = {**row, "evidence_ids": " ".join(row["evidence_ids"])}
    return csv_line([cell(values[c]) for c in COLUMNS])


async def csv_chunks(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    yield csv_line(list(COLUMNS))
    async for row in rows:
        yield csv_row(row)


async def json_chunks(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    """A JSON array written element by element."""
    yield "["
    first = True
    async for row in rows:
        yield ("" if first else ",") + "\n" + orjson.dumps(row).decode()
        first = False
    yield "\n]\n"
