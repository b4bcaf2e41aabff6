"""Snippet and outcome payloads as miners send them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

_counter = itertools.count()

TEXTS = (
    "{name} is hiring 3 Data Engineers to help migrate from Teradata to Snowflake this quarter.",
    "{name} raised $25M Series B led by Example Ventures to expand into Europe.",
    "Our AWS bill grew 80% last year and finance is struggling to allocate cloud costs at {name}.",
    "{name} opens a new office in Austin and plans to double its support team by Q3.",
    "The {name} IT team is evaluating alternatives to Outreach for sales engagement after a bad renewal.",
    "{name} adopted Databricks for analytics and retired its on-premise Hadoop cluster in March.",
)


def snippet(
    *, domain: str = "acme.com", miner: str = "miner-good", text: str | None = None, **extra: Any
) -> dict[str, Any]:
    n = next(_counter)
    body: dict[str, Any] = {
        "miner_id": miner,
        "company": {
            "domain": domain,
            "name": domain.split(".", maxsplit=1)[0].title(),
            "industry": "Software",
            "employees": 250,
            "country": "US",
        },
        "kind": "news",
        "text": text
        or f"{TEXTS[n % len(TEXTS)].format(name=domain.split('.', maxsplit=1)[0].title())} Ref {n}-{n * 7919 % 1000}.",
        "source_url": f"https://news.example.com/{domain}/{n}",
        "observed_at": (datetime.now(UTC) - timedelta(days=n % 30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    body.update(extra)
    return body


def outcome(*, domain: str = "acme.com", kind: str = "reply", event_id: str | None = None) -> dict[str, Any]:
    return {
        "event_id": event_id or f"ev-{next(_counter)}",
        "domain": domain,
        "type": kind,
        "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
