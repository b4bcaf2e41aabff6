"""Workspaces: the CLI creates and lists them, keys are minted into one, the principal carries it."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.workspaces.tables import DEFAULT_WORKSPACE_ID
from tests.workspaces.support import bearer, workspace_key


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": settings.database_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_cli_creates_lists_and_mints_keys_in_a_workspace(
    clean_db: AsyncEngine, settings: Settings, app_client: httpx.AsyncClient
) -> None:
    created = cli(settings, "workspaces", "create", "acme-sales")
    assert created.returncode == 0, created.stderr
    assert "created workspace acme-sales" in created.stdout
    again = cli(settings, "workspaces", "create", "acme-sales")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    bad = cli(settings, "workspaces", "create", "Not A Slug!")
    assert bad.returncode == 1

    listed = cli(settings, "workspaces", "list")
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert names == ["default", "acme-sales"]

    key = cli(
        settings,
        "keys",
        "create",
        "--name",
        "k",
        "--scopes",
        "search",
        "--workspace",
        "acme-sales",
        "--quiet",
    )
    assert key.returncode == 0, key.stderr
    me = await app_client.get("/v1/keys/me", headers=bearer(key.stdout.strip()))
    assert me.status_code == 200
    assert me.json()["workspace"] == "acme-sales"

    unknown = cli(settings, "keys", "create", "--name", "k", "--scopes", "search", "--workspace", "nope")
    assert unknown.returncode == 1
    assert "no workspace named" in unknown.stderr
    keys = cli(settings, "keys", "list")
    assert keys.stdout.strip().endswith("acme-sales")


async def test_keys_without_a_workspace_land_in_default(
    app_client: httpx.AsyncClient, make_key: object, engine: AsyncEngine, settings: Settings
) -> None:
    key = await make_key("search")  # type: ignore[operator]
    me = (await app_client.get("/v1/keys/me", headers=bearer(key))).json()
    assert me["workspace"] == "default"
    assert me["workspace_id"] == str(DEFAULT_WORKSPACE_ID)


async def test_admin_lists_only_its_workspace_keys(
    app_client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    admin_a = await workspace_key(engine, settings, "ws-a", "admin")
    await workspace_key(engine, settings, "ws-a", "search")
    await workspace_key(engine, settings, "ws-b", "search")
    listing = await app_client.get("/v1/keys", headers=bearer(admin_a))
    assert listing.status_code == 200
    assert {k["name"] for k in listing.json()} == {"ws-a-key"}
    assert len(listing.json()) == 2
    async with engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM api_keys"))).scalar_one()
    assert count == 3
