"""A small evidence world ingested through the real ingestion API (embedded mode, no Kafka), so
profiles are built the way production builds them; the ranker's index is refreshed before use."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.state import state_of
from app.core.config import Settings
from app.leads.startup import Ranker
from tests.conftest import app_client_for
from tests.workspaces.support import bearer, workspace_key

NOW = datetime.now(UTC)


def _at(days: int) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _snippet(domain: str, company: dict[str, Any], kind: str, text: str, days: int, n: int) -> dict[str, Any]:
    return {
        "miner_id": "miner-lists",
        "company": {"domain": domain, **company},
        "kind": kind,
        "text": text,
        "source_url": f"https://news.example.com/{domain}/{kind}/{n}",
        "observed_at": _at(days),
    }


ACME = {
    "name": "Acme Foods",
    "industry": "Grocery and Related Product Merchant Wholesalers",
    "employees": 250,
    "country": "DE",
    "description": "Acme Foods distributes chilled and frozen food to supermarkets across Germany.",
}
GLOBEX = {"name": "Globex Logistics", "industry": "Logistics", "employees": 40, "country": "FR"}
INITECH = {"name": "Initech", "industry": "Software", "employees": 900, "country": "US"}


def world_snippets() -> list[dict[str, Any]]:
    acme = [
        ("profile", "Acme Foods distributes chilled and frozen food to supermarkets across Germany.", 20),
        ("tech_stack", "Acme Foods migrated from Teradata to Snowflake last quarter.", 12),
        ("funding", "Acme Foods raises $25 million Series B led by Index Ventures.", 30),
        ("job_post", "Acme Foods is hiring 3 Data Engineers in Berlin.", 5),
        ("news", "Acme Foods opens a new cold storage warehouse in Munich as part of its expansion.", 8),
        (
            "social",
            "Our drivers covered 2 million kilometres with chilled food this year, thank you team!",
            3,
        ),
    ]
    initech = [
        ("tech_stack", "Initech migrated from Oracle to PostgreSQL this spring.", 40),
        ("news", "Initech opens a new office in Austin as part of its expansion.", 15),
    ]
    out = [_snippet("acme-foods.com", ACME, k, t, d, i) for i, (k, t, d) in enumerate(acme)]
    out.append(
        _snippet(
            "globex-logistics.com",
            GLOBEX,
            "profile",
            "Globex Logistics runs regional freight routes in France.",
            60,
            0,
        )
    )
    out += [_snippet("initech.io", INITECH, k, t, d, i) for i, (k, t, d) in enumerate(initech)]
    return out


class ListsApp:
    def __init__(self, client: httpx.AsyncClient, ranker: Ranker, settings: Settings) -> None:
        self.client = client
        self.ranker = ranker
        self.settings = settings


@contextlib.asynccontextmanager
async def open_lists_app(
    settings: Settings, engine: AsyncEngine, **overrides: object
) -> AsyncIterator[ListsApp]:
    """The app in embedded ingestion mode (plus `overrides`), with the world ingested and indexed."""
    lists_settings = settings.model_copy(
        update={
            "kafka_bootstrap_servers": "",
            "eligibility_enabled": False,
            "index_refresh_interval_s": 60.0,
            **overrides,
        }
    )
    runner = app_client_for(lists_settings)
    async with runner as client:
        ingest = bearer(await workspace_key(engine, lists_settings, "default", "ingest"))
        answer = await client.post("/v1/snippets", json={"snippets": world_snippets()}, headers=ingest)
        assert answer.status_code == 202, answer.text
        assert answer.json()["accepted"] == len(world_snippets()), answer.text
        ranker = state_of(runner.app).ranker
        assert isinstance(ranker, Ranker)
        await ranker.index.refresh()
        yield ListsApp(client, ranker, lists_settings)


@pytest.fixture
async def lists_app(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis, engine: AsyncEngine
) -> AsyncIterator[ListsApp]:
    async with open_lists_app(settings, engine) as app:
        yield app


@pytest.fixture
async def search_key(engine: AsyncEngine, settings: Settings) -> str:
    return await workspace_key(engine, settings, "acme-sales", "search")
