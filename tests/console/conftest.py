"""The console's fixtures: its own database and Redis db, loaded with the tiny world once per
module, keys of each scope, and an app client over ASGI on https (the cookies are Secure)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.api.state import state_of
from app.core.config import Settings
from app.ranking.embedding import load_embedder
from tests.conftest import app_client_for
from tests.leads.conftest import flush_redis, mint_key, truncate
from tests.leads.world_loader import load_world, tiny_world
from tests.lists.conftest import world_snippets
from tests.support import redis_db, test_settings
from tests.workspaces.support import workspace_key
from tools.db_admin import alembic_run, ensure_database, with_database
from tools.ranker_world import World

CONSOLE_DB = "leadpoet_test_console"
CONSOLE_REDIS_DB = 11
PROMPT = "cloud cost optimization software"


@pytest.fixture(scope="session")
def console_settings(base_settings: Settings) -> Settings:
    overrides: dict[str, object] = {
        "database_url": with_database(base_settings.database_url, CONSOLE_DB),
        "llm_base_url": "",
        "kafka_bootstrap_servers": "",
        "console_sample_interval_s": 0.5,
        "jobs_poll_interval_s": 0.05,
        "jobs_sse_poll_s": 0.05,
    }
    if base_settings.redis_url:
        overrides["redis_url"] = redis_db(base_settings.redis_url, CONSOLE_REDIS_DB)
    return test_settings(base_settings, **overrides)


@pytest.fixture(scope="session")
async def console_engine(console_settings: Settings) -> AsyncIterator[AsyncEngine]:
    await ensure_database(console_settings.database_url)
    await alembic_run(console_settings.database_url, "upgrade", "head")
    engine = create_async_engine(console_settings.database_url, pool_size=2)
    yield engine
    await engine.dispose()


@dataclass(frozen=True, slots=True)
class Keys:
    search: str
    admin: str
    ingest: str
    acme: str  # search scope, in the workspace "acme"
    globex: str  # search scope, in the workspace "globex"


@pytest.fixture(scope="module")
async def console_world(console_settings: Settings, console_engine: AsyncEngine) -> World:
    await truncate(console_engine)
    await flush_redis(console_settings)
    world = tiny_world()
    await load_world(console_engine, world, load_embedder(console_settings))
    return world


@pytest.fixture(scope="module")
async def keys(console_world: World, console_engine: AsyncEngine, console_settings: Settings) -> Keys:
    return Keys(
        search=await mint_key(console_engine, console_settings, "search"),
        admin=await mint_key(console_engine, console_settings, "search", "admin"),
        ingest=await mint_key(console_engine, console_settings, "ingest"),
        acme=await workspace_key(console_engine, console_settings, "acme", "search"),
        globex=await workspace_key(console_engine, console_settings, "globex", "search"),
    )


@pytest.fixture(scope="module")
async def console_app(console_world: World, console_settings: Settings) -> AsyncIterator[app_client_for]:
    app = app_client_for(console_settings)
    await app.__aenter__()
    yield app
    await app.__aexit__(None, None, None)


@pytest.fixture
async def browser(console_app: app_client_for) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh cookie jar per test, on https so Secure cookies are kept and sent."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=console_app.app, raise_app_exceptions=False),
        base_url="https://testserver",
    ) as client:
        yield client


CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


async def csrf(client: httpx.AsyncClient, path: str = "/app/sign-in") -> str:
    page = await client.get(path)
    match = CSRF.search(page.text)
    assert match, page.text
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, key: str) -> httpx.Response:
    token = await csrf(client)
    return await client.post("/app/sign-in", data={"api_key": key, "csrf_token": token})


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Set-Cookie headers by cookie name (raw header text)."""
    out = {}
    for header in response.headers.get_list("set-cookie"):
        name = next(iter(SimpleCookie(header).keys()))
        out[name] = header
    return out


@pytest.fixture(scope="module")
async def evidence_world(console_app: app_client_for, keys: Keys) -> list[dict[str, Any]]:
    """The lists' evidence companies (Acme Foods and its funding, hiring, stack...) ingested through
    the ingestion API and indexed: leads with enough evidence to be graded and drafted."""
    snippets = world_snippets()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=console_app.app), base_url="https://testserver"
    ) as client:
        answer = await client.post(
            "/v1/snippets", json={"snippets": snippets}, headers={"Authorization": f"Bearer {keys.ingest}"}
        )
    assert answer.status_code == 202, answer.text
    ranker = state_of(console_app.app).ranker
    assert ranker is not None
    await ranker.index.refresh()
    return snippets
