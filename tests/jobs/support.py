"""Helpers for job tests: a bare-company world, the app served by a real uvicorn on loopback, an
SSE reader, and a webhook receiver (a real HTTP server on loopback)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support import free_port

INDUSTRIES = (
    "Software",
    "Logistics",
    "Grocery and Related Product Merchant Wholesalers",
    "Banking",
    "Retail",
)
COUNTRIES = ("DE", "FR", "US", "GB", "NL")


async def add_companies(engine: AsyncEngine, count: int, *, prefix: str = "bulk") -> None:
    """`count` companies with firmographics and no evidence (graded insufficient_evidence)."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """
INSERT INTO companies (id, domain, name, industry, employees, country, description)
SELECT gen_random_uuid(), :prefix || '-' || i || '.example.com', 'Company ' || :prefix || ' ' || i,
       (CAST(:industries AS text[]))[1 + i % 5], 10 + (i * 37) % 5000, (CAST(:countries AS text[]))[1 + i % 5],
       'Company ' || i || ' sells software and logistics services.'
FROM generate_series(1, :count) AS i
"""
            ),
            {"count": count, "prefix": prefix, "industries": list(INDUSTRIES), "countries": list(COUNTRIES)},
        )


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """The app (its lifespan already running) behind a real uvicorn on a loopback port."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 20
    while not server.started:
        assert not task.done(), "uvicorn exited"
        assert time.monotonic() < deadline, "uvicorn did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass(frozen=True, slots=True)
class SseEvent:
    id: int
    type: str
    data: dict[str, Any]


@dataclass
class SseRead:
    events: list[SseEvent] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    ended: bool = False  # the server closed the stream


async def read_sse(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str],
    stop_after: int | None = None,
    timeout_s: float = 120.0,
) -> SseRead:
    """Read the stream until the server ends it, or hang up after `stop_after` events."""
    out = SseRead()
    fields: dict[str, str] = {}
    async with asyncio.timeout(timeout_s), client.stream("GET", url, headers=headers, timeout=None) as answer:
        assert answer.status_code == 200, await answer.aread()
        assert answer.headers["content-type"].startswith("text/event-stream")
        async for line in answer.aiter_lines():
            if line.startswith(":"):
                out.comments.append(line[1:].strip())
            elif line == "":
                if fields:
                    out.events.append(
                        SseEvent(int(fields["id"]), fields["event"], json.loads(fields["data"]))
                    )
                    fields = {}
                    if stop_after is not None and len(out.events) >= stop_after:
                        return out
            else:
                name, _, value = line.partition(": ")
                fields[name] = value
        out.ended = True
    return out


async def wait_state(
    client: httpx.AsyncClient, job_id: str, headers: dict[str, str], *states: str, timeout_s: float = 120.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        answer = await client.get(f"/v1/jobs/{job_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        if body["state"] in states:
            return body
        assert time.monotonic() < deadline, f"job stayed {body['state']}: {body}"
        await asyncio.sleep(0.1)
