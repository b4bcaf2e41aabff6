"""New evidence written by another process becomes searchable without a rebuild."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from app.catalog.companies import Company
from app.catalog.ids import lead_id_for_domain
from app.catalog.tables import Miner, Snippet
from app.core.config import Settings
from app.core.db import create_sessionmaker
from app.leads.index import LeadIndex, ReadVersions
from app.leads.loader import Changes
from app.leads.startup import Ranker
from app.ranking.embedding import load_embedder
from tools.ranker_world import World

TEXT = "Zorblatt Quantum is hiring a Head of Cryogenic Plumbing to fix its failing zorblattium coolers."


def snippet_row(
    *, domain: str, company_id: uuid.UUID, n: int, text: str, kind: str = "job_post", status: str = "accepted"
) -> dict[str, object]:
    """Snippet number `n` of `domain`, by that domain's miner."""
    return {
        "id": f"s{n}-{domain}",
        "miner_id": f"m-{domain}",
        "company_id": company_id,
        "kind": kind,
        "status": status,
        "text": text,
        "source_url": f"https://{domain}/posts/{n}",
        "observed_at": datetime.now(UTC),
        "content_hash": hashlib.sha256(text.encode()).digest(),
        "simhash": n,
    }


async def add_company(engine: AsyncEngine, domain: str, text: str) -> uuid.UUID:
    company_id = lead_id_for_domain(domain)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            insert(Miner).values(id=f"m-{domain}", reputation=0.9, created_at=now, updated_at=now)
        )
        await conn.execute(
            insert(Company).values(
                id=company_id,
                domain=domain,
                name=domain.split(".", maxsplit=1)[0].title(),
                country="US",
                employees=300,
                created_at=now,
                updated_at=now,
            )
        )
        await conn.execute(
            insert(Snippet).values(snippet_row(domain=domain, company_id=company_id, n=1, text=text))
        )
    return company_id


async def found(client: httpx.AsyncClient, headers: dict[str, str], domain: str) -> bool:
    response = await client.post(
        "/v1/leads/search", json={"prompt": "zorblattium cryogenic coolers", "k": 5}, headers=headers
    )
    assert response.status_code == 200
    return any(lead["domain"] == domain for lead in response.json()["leads"])


async def test_polling_picks_up_snippets_from_another_writer(
    client: httpx.AsyncClient, search_headers: dict[str, str], ranker_engine: AsyncEngine, world_db: World
) -> None:
    domain = "zorblatt-polled.com"
    assert not await found(client, search_headers, domain)
    await add_company(ranker_engine, domain, TEXT)
    for _ in range(100):  # the refresher polls every 0.2 s here; give it up to ~10 s on a busy machine
        if await found(client, search_headers, domain):
            break
        await asyncio.sleep(0.1)
    assert await found(client, search_headers, domain)


async def test_apply_changes_makes_writes_visible_at_once(
    client: httpx.AsyncClient, search_headers: dict[str, str], ranker_engine: AsyncEngine, world_db: World
) -> None:
    ranker = client._transport.app.state.leadpoet.ranker  # type: ignore[attr-defined]
    assert isinstance(ranker, Ranker)
    await ranker.index.stop()  # no background polling: only the explicit call can make it visible
    domain = "zorblatt-applied.com"
    company_id = await add_company(
        ranker_engine, domain, TEXT.replace("Zorblatt Quantum", "Zorblatt Applied")
    )
    assert await ranker.index.apply_changes([company_id]) == 1
    assert await found(client, search_headers, domain)


async def test_a_refresh_reads_a_company_again_only_when_it_changed(
    ranker_engine: AsyncEngine, world_db: World, ranker_settings: Settings
) -> None:
    index = LeadIndex(
        sessionmaker=create_sessionmaker(ranker_engine),
        embedder=load_embedder(ranker_settings),
        refresh_interval_s=60.0,
    )
    await index.build()
    domain = "zorblatt-versions.com"
    company_id = await add_company(
        ranker_engine, domain, TEXT.replace("Zorblatt Quantum", "Zorblatt Versions")
    )
    assert await index.refresh() == 1  # read with the rest of the overlap window (the fixtures' writes)
    # another company moves the watermarks; ours is still inside the overlap, unchanged: not read again
    await add_company(ranker_engine, "zorblatt-other.com", TEXT.replace("Zorblatt Quantum", "Zorblatt Other"))
    assert await index.refresh() == 1
    assert index.last_read == 1
    # a snippet that does not touch the company row (a near duplicate) is still seen
    near = "Zorblatt Versions expands its zorblattium cooler plant."
    row = snippet_row(
        domain=domain, company_id=company_id, n=2, text=near, kind="news", status="near_duplicate"
    )
    async with ranker_engine.begin() as conn:
        await conn.execute(insert(Snippet).values(row))
    assert await index.refresh() == 1
    assert index.last_read == 1


def test_read_versions_forget_after_their_ttl() -> None:
    versions = ReadVersions(ttl_s=10.0)
    a, b = uuid.uuid4(), uuid.uuid4()
    t = datetime.now(UTC)
    changes = Changes(companies={a: t, b: t}, snippets={a: 5}, outcomes={b: 2})
    assert sorted(versions.stale(changes)) == sorted([a, b])
    versions.record(changes, [a, b], now=100.0)
    assert versions.stale(changes) == []
    assert versions.stale(Changes(companies={a: t}, snippets={a: 6}, outcomes={})) == [a]
    assert versions.stale(Changes(companies={}, snippets={}, outcomes={b: 3})) == [b]
    assert versions.stale(Changes(companies={}, snippets={a: 5}, outcomes={b: 2})) == []
    versions.record(Changes(companies={}, snippets={}, outcomes={}), [a], now=105.0)
    versions.record(Changes(companies={}, snippets={}, outcomes={}), [], now=112.0)
    assert len(versions) == 1  # b (recorded at 100) is gone, a (105) stays
    assert versions.stale(changes) == [b]
