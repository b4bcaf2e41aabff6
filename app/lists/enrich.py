"""`POST /v1/leads/enrich`: each item of a list reduced to a company domain, looked up, and its
profile and requested signals assembled from evidence. Synchronous, at most LISTS_MAX_ITEMS items."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import ApiError
from app.lists.evidence import load_leads
from app.lists.items import ListItem, Rejected, parse_item
from app.lists.schemas import EnrichRequest
from app.lists.signals import SIGNALS, evidence_item, profile_of, signals_of

INPUT_ECHO = 200


def echo(raw: object) -> str | None:
    """The item as sent, shortened, with anything JSON cannot carry (lone surrogates) escaped."""
    if not isinstance(raw, str):
        return None
    return raw[:INPUT_ECHO].encode("utf-8", "backslashreplace").decode("utf-8")


def check_size(count: int, *, limit: int, field: str) -> None:
    if count > limit:
        raise ApiError(
            status_code=413,
            code="payload_too_large",
            message=f"at most {limit} items per request",
            field=field,
        )


def rejected_item(index: int, raw: object, rejected: Rejected) -> dict[str, Any]:
    return {
        "index": index,
        "input": echo(raw),
        "status": "rejected",
        "reason": rejected.reason,
        "message": rejected.message,
    }


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
    items: list[dict[str, Any]] = []
    for index, (raw, item) in enumerate(zip(body.items, parsed, strict=True)):
        if isinstance(item, Rejected):
            items.append(rejected_item(index, raw, item))
            continue
        out: dict[str, Any] = {"index": index, "input": echo(raw), "status": "ok", "domain": item.domain}
        lead = by_domain.get(item.domain)
        if lead is None:
            out.update(found=False, signals_missed=list(wanted))
        else:
            found, missed = signals_of(lead, wanted, now=now)
            out.update(
                found=True,
                profile=profile_of(lead),
                signals={
                    name: {
                        "value": s.value,
                        "confidence": s.confidence,
                        "evidence": [evidence_item(e, now) for e in s.evidence[:per_signal]],
                    }
                    for name, s in found.items()
                },
                signals_missed=missed,
            )
        items.append(out)
    return {"items": items, "metadata": counts(items, started)}


def counts(items: list[dict[str, Any]], started: float) -> dict[str, Any]:
    ok = [i for i in items if i["status"] == "ok"]
    found = sum(1 for i in ok if i.get("found"))
    return {
        "items": len(items),
        "rejected": len(items) - len(ok),
        "found": found,
        "not_found": len(ok) - found,
        "processing_time_ms": round((time.perf_counter() - started) * 1e3, 3),
    }
