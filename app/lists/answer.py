"""What the list routes share in their answers: one item per request item, in order (items, then
lead ids), rejected items with their reason, and the counts."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from app.core.errors import ApiError
from app.lists.items import ListItem, Rejected

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


class SubmittedList(Protocol):
    """The list a request grades: companies by domain, URL or address (`items`), and lead ids."""

    @property
    def items(self) -> list[Any]: ...

    @property
    def lead_ids(self) -> list[uuid.UUID]: ...


def check_list_size(submitted: SubmittedList, *, limit: int) -> None:
    """413 when `items` or `lead_ids` holds more than `limit` entries."""
    check_size(len(submitted.items), limit=limit, field="items")
    check_size(len(submitted.lead_ids), limit=limit, field="lead_ids")


def rejected_item(index: int, raw: object, rejected: Rejected) -> dict[str, Any]:
    return {
        "index": index,
        "input": echo(raw),
        "status": "rejected",
        "reason": rejected.reason,
        "message": rejected.message,
    }


def assemble(
    *,
    items: Sequence[object],
    parsed: Sequence[ListItem | Rejected],
    lead_ids: Sequence[uuid.UUID],
    by_domain: Mapping[str, uuid.UUID],
    results: Mapping[uuid.UUID, dict[str, Any]],
    missing: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """The answer items: `results[company]` for a known company, `missing` for an unknown one."""
    out: list[dict[str, Any]] = []
    for index, (raw, item) in enumerate(zip(items, parsed, strict=True)):
        if isinstance(item, Rejected):
            out.append(rejected_item(index, raw, item))
            continue
        base = {"index": index, "input": echo(raw), "status": "ok"}
        company = by_domain.get(item.domain)
        found = results.get(company) if company is not None else None
        out.append({**base, **found} if found else {**base, "domain": item.domain, **missing})
    for j, lead_id in enumerate(lead_ids):
        base = {"index": len(items) + j, "input": str(lead_id), "status": "ok"}
        found = results.get(lead_id)
        out.append({**base, **found} if found else {**base, "lead_id": str(lead_id), **missing})
    return out


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
