"""New evidence written by another process becomes searchable without a rebuild."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from app.ingest.models import Miner, Snippet
from app.leads.component import Ranker
from app.leads.models import Company, lead_id_for_domain
from scripts.ranker_world import World

TEXT = "Zorblatt Quantum is hiring a Head of Cryogenic Plumbing to fix its failing zorblattium coolers."


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
            insert(Snippet).values(
                id=f"s-{domain}",
                miner_id=f"m-{domain}",
                company_id=company_id,
                kind="job_post",
                text=text,
                source_url=f"https://{domain}/jobs/1",
                observed_at=now,
                content_hash=hashlib.sha256(text.encode()).digest(),
                simhash=0,
            )
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
    ranker = client._transport.app.state.leadpoet.components["ranker"]  # type: ignore[attr-defined]
    assert isinstance(ranker, Ranker)
    await ranker.index.stop()  # no background polling: only the explicit call can make it visible
    domain = "zorblatt-applied.com"
    company_id = await add_company(
        ranker_engine, domain, TEXT.replace("Zorblatt Quantum", "Zorblatt Applied")
    )
    assert await ranker.index.apply_changes([company_id]) == 1
    assert await found(client, search_headers, domain)
