"""Storing outcome events (idempotent by event_id) and crediting the miners whose evidence supported
the lead: replies, meetings and purchases count for them, unsubscribes against them."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from app.catalog.ids import lead_id_for_domain
from app.core.config import Settings
from app.ingest.miners import lock_miners, save_miners
from app.ingest.validate import CleanOutcome
from app.observability.meters import OUTCOMES_ACCEPTED

POSITIVE = frozenset({"reply", "meeting", "purchase"})
NEGATIVE = frozenset({"unsubscribe"})


@dataclass
class OutcomeResult:
    accepted: int = 0
    duplicates: int = 0
    unknown: list[int] = field(default_factory=list)  # positions whose lead_id is not a known company


async def store_outcomes(
    conn: asyncpg.Connection, *, outcomes: list[CleanOutcome], settings: Settings, now: datetime
) -> OutcomeResult:
    result = OutcomeResult()
    if not outcomes:
        return result
    company_of: list[uuid.UUID] = [
        o.lead_id if o.lead_id is not None else lead_id_for_domain(o.domain or "") for o in outcomes
    ]
    # A domain we have not seen yet becomes a (stub) company: the event may arrive before the
    # snippets. An unknown lead_id cannot be resolved and is refused.
    domains = {(cid, o.domain) for cid, o in zip(company_of, outcomes, strict=True) if o.domain}
    if domains:
        await conn.execute(
            "INSERT INTO companies (id, domain) SELECT * FROM unnest($1::uuid[], $2::text[]) "
            "ON CONFLICT DO NOTHING",
            [d[0] for d in domains],
            [d[1] for d in domains],
        )
    known = {
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM companies WHERE id = ANY($1::uuid[])", list(set(company_of))
        )
    }
    rows = []
    for pos, (cid, o) in enumerate(zip(company_of, outcomes, strict=True)):
        if cid not in known:
            result.unknown.append(pos)
        else:
            rows.append((cid, o))
    inserted = await conn.fetch(
        """
        INSERT INTO outcomes (event_id, request_id, company_id, type, position, occurred_at)
        SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::timestamptz[])
        ON CONFLICT (event_id) DO NOTHING
        RETURNING event_id, company_id, type
        """,
        [o.event_id for _, o in rows],
        [o.request_id for _, o in rows],
        [cid for cid, _ in rows],
        [o.type for _, o in rows],
        [o.position for _, o in rows],
        [o.occurred_at for _, o in rows],
    )
    result.accepted = len(inserted)
    result.duplicates = len(rows) - len(inserted)
    for kind, n in Counter(r["type"] for r in inserted).items():
        OUTCOMES_ACCEPTED.labels(type=kind).inc(n)
    await _credit_miners(conn, inserted=inserted, settings=settings, now=now)
    return result


async def _credit_miners(
    conn: asyncpg.Connection, *, inserted: list[asyncpg.Record], settings: Settings, now: datetime
) -> None:
    signal: Counter[tuple[uuid.UUID, str]] = Counter()
    for r in inserted:
        if r["type"] in POSITIVE:
            signal[(r["company_id"], "outcomes_positive")] += 1
        elif r["type"] in NEGATIVE:
            signal[(r["company_id"], "outcomes_negative")] += 1
    if not signal:
        return
    companies = list({cid for cid, _ in signal})
    support = await conn.fetch(
        "SELECT DISTINCT company_id, miner_id FROM snippets "
        "WHERE company_id = ANY($1::uuid[]) AND status = 'accepted'",
        companies,
    )
    by_company: dict[uuid.UUID, list[str]] = {}
    for r in support:
        by_company.setdefault(r["company_id"], []).append(r["miner_id"])
    miner_ids = sorted({m for ms in by_company.values() for m in ms})
    if not miner_ids:
        return
    miners = await lock_miners(conn, ids=miner_ids, settings=settings, now=now)
    for (cid, name), n in signal.items():
        for miner_id in by_company.get(cid, []):
            miners[miner_id].add(name, n)
    await save_miners(conn, miners=miners, settings=settings, now=now)
