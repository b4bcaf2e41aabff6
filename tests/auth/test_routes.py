"""Bearer API keys: 401 without a valid key, 403 with the wrong scope, 200 with the right one,
429 over the per-key limit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workspaces.support import bearer

KeyMaker = Callable[..., Awaitable[str]]


async def test_missing_key_is_401(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/v1/keys/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == {
        "code": "unauthorized",
        "message": "missing bearer API key",
        "field": "Authorization",
    }


async def test_malformed_and_unknown_keys_are_401(app_client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    real = await make_key("search")
    for bad in ["nope", "lp_deadbeef_x", real[:-2] + "xx", "Basic abc"]:
        response = await app_client.get("/v1/keys/me", headers=bearer(bad))
        assert response.status_code == 401, bad
    basic = await app_client.get("/v1/keys/me", headers={"Authorization": f"Basic {real}"})
    assert basic.status_code == 401


async def test_valid_key_is_200_and_wrong_scope_403(
    app_client: httpx.AsyncClient, make_key: KeyMaker
) -> None:
    key = await make_key("search", "ingest")
    me = await app_client.get("/v1/keys/me", headers=bearer(key))
    assert me.status_code == 200
    assert me.json()["scopes"] == ["ingest", "search"]

    forbidden = await app_client.get("/v1/keys", headers=bearer(key))
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "forbidden"

    admin = await make_key("admin")
    listing = await app_client.get("/v1/keys", headers=bearer(admin))
    assert listing.status_code == 200
    rows = listing.json()
    assert len(rows) == 2
    assert all("key_hash" not in row for row in rows)
    assert key not in listing.text


async def test_keys_are_stored_hashed(
    app_client: httpx.AsyncClient, make_key: KeyMaker, engine: AsyncEngine
) -> None:
    key = await make_key("search")
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT prefix, key_hash FROM api_keys"))).all()
    assert len(stored) == 1
    prefix, key_hash = stored[0]
    assert key.split("_")[1] == prefix
    assert key not in key_hash


async def test_per_key_rate_limit_is_429_with_retry_after(
    app_client: httpx.AsyncClient, make_key: KeyMaker
) -> None:
    key = await make_key("search", rate_limit=3)
    codes = [(await app_client.get("/v1/keys/me", headers=bearer(key))).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]
    limited = await app_client.get("/v1/keys/me", headers=bearer(key))
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"
