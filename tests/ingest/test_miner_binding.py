"""Ingest keys bound to miners: a snippet for another miner is rejected on its own and harms no
miner's reputation; per-miner figures are for admins only (GET /v1/miners), never on /metrics."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.keys import parse_miners
from tests.ingest.factory import snippet
from tests.ingest.support import MakeKey
from tests.workspaces.support import bearer


async def miners(engine: AsyncEngine) -> dict[str, tuple[int, int]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, accepted, rejected FROM miners"))).all()
    return {r.id: (r.accepted, r.rejected) for r in rows}


async def test_a_bound_key_posts_only_for_its_miners(
    client: httpx.AsyncClient, make_key: MakeKey, engine: AsyncEngine
) -> None:
    key = await make_key("ingest", miners=["miner-a", "miner-b"])
    me = (await client.get("/v1/keys/me", headers=bearer(key))).json()
    assert me["miner_ids"] == ["miner-a", "miner-b"]
    body = {
        "snippets": [
            snippet(domain="acme.com", miner="miner-a"),
            snippet(domain="beta.io", miner="victim"),
            snippet(domain="gamma.io", miner="miner-b"),
            snippet(domain="delta.io", miner="victim", source_url="ftp://invalid"),  # invalid AND not ours
        ]
    }
    response = await client.post("/v1/snippets", json=body, headers=bearer(key))
    assert response.status_code == 202, response.text
    data = response.json()
    assert data["accepted"] == 2
    assert [(r["index"], r["field"], r["reason"]) for r in data["rejected"]] == [
        (1, "miner_id", "miner_not_allowed"),
        (3, "source_url", "invalid_url"),
    ]
    stored = await miners(engine)
    assert stored["miner-a"] == (1, 0)
    assert stored["miner-b"] == (1, 0)
    assert "victim" not in stored  # nothing counted against a miner the key is not


async def test_an_unbound_key_still_posts_for_any_miner(client: httpx.AsyncClient, make_key: MakeKey) -> None:
    key = await make_key("ingest")  # keys created before miners were bound: NULL = any miner
    assert (await client.get("/v1/keys/me", headers=bearer(key))).json()["miner_ids"] is None
    body = {"snippets": [snippet(domain="acme.com", miner="m1"), snippet(domain="beta.io", miner="m2")]}
    response = await client.post("/v1/snippets", json=body, headers=bearer(key))
    assert response.json()["accepted"] == 2


async def test_per_miner_figures_are_admin_only_and_not_on_metrics(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key("ingest", miners=["secret-miner-7"])
    body = {"snippets": [snippet(domain="acme.com", miner="secret-miner-7")]}
    assert (await client.post("/v1/snippets", json=body, headers=bearer(key))).status_code == 202
    metrics = (await client.get("/metrics")).text
    assert "secret-miner-7" not in metrics
    assert "miner_reputation_min" in metrics
    assert (await client.get("/v1/miners", headers=bearer(key))).status_code == 403
    admin = await make_key("admin")
    listing = await client.get("/v1/miners", headers=bearer(admin), params={"limit": 10})
    assert listing.status_code == 200
    assert [m["id"] for m in listing.json()] == ["secret-miner-7"]
    assert (await client.get("/v1/miners", headers=bearer(admin), params={"limit": 0})).status_code == 422


def test_parse_miners() -> None:
    assert parse_miners(" b, a,b ") == ["a", "b"]
    with pytest.raises(ValueError, match="at least one"):
        parse_miners(" , ")
    with pytest.raises(ValueError, match="invalid miner"):
        parse_miners("x" * 65)
