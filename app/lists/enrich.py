"""`POST /v1/leads/enrich`: each item of a list reduced to a company domain, looked up, and its
profile and requested signals assembled from evidence. Synchronous, at most LISTS_MAX_ITEMS items."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.lists.answer import assemble, check_size, counts
from app.lists.evidence import load_leads
from app.lists.items import ListItem, parse_item
from app.lists.schemas import EnrichRequest
from app.lists.signals import SIGNALS, evidence_item, profile_of, signals_of


async def enrich(
    session: AsyncSession,
    *,
    body: EnrichRequest,
    max_items: int,
    per_signal: int,
    now: datetime | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    check_size(len(body.items), limit=max_items, field="items")
    now = now or datetime.now(UTC)
    wanted = [name for name in SIGNALS if getattr(body.signals, name)]
    parsed = [parse_item(raw) for raw in body.items]
    domains = {p.domain for p in parsed if isinstance(p, ListItem)}
    by_domain = {lead.domain: lead for lead in (await load_leads(session, domains=domains)).values()}
    results: dict[uuid.UUID, dict[str, Any]] = {}
    for lead in by_domain.values():
        found, missed = signals_of(lead, wanted, now=now)
        results[lead.company_id] = {
            "domain": lead.domain,
            "lead_id": str(lead.company_id),
            "found": True,
            "profile": profile_of(lead),
            "signals": {
                name: {
                    "value": s.value,
                    "confidence": s.confidence,
                    "evidence": [evidence_item(e, now) for e in s.evidence[:per_signal]],
                }
                for name, s in found.items()
            },
            "signals_missed": missed,
        }
    items = assemble(
        items=body.items,
        parsed=parsed,
        lead_ids=[],
        by_domain={domain: lead.company_id for domain, lead in by_domain.items()},
        results=results,
        missing={"found": False, "signals_missed": list(wanted)},
    )
    return {"items": items, "metadata": counts(items, started)}
