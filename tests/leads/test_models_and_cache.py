"""Model registry hot-swap, refusal of bad artifacts, cache invalidation and Redis outages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.config import Settings
from app.core.db import create_sessionmaker
from app.leads.models_registry import ModelManager
from app.leads.startup import Ranker
from app.leads.tables import ModelVersion
from app.ranking.reranker import load_artifact, sha256_of, write_artifact
from tests.conftest import app_client_for
from tools.ranker_world import World

PROMPT = {"prompt": "security awareness training and phishing simulation", "k": 10}


def ranker_of(client: httpx.AsyncClient) -> Ranker:
    ranker = client._transport.app.state.leadpoet.ranker  # type: ignore[attr-defined]
    assert isinstance(ranker, Ranker)
    return ranker


def bundled(settings: Settings) -> tuple[Path, dict[str, Any]]:
    manifest = json.loads((settings.model_dir / "ranker" / "DEFAULT.json").read_text())
    return settings.model_dir / "ranker" / manifest["file"], manifest


async def activate(engine: AsyncEngine, *, version: str, path: Path, sha256: str) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await session.execute(update(ModelVersion).where(ModelVersion.active.is_(True)).values(active=False))
        session.add(
            ModelVersion(
                version=version,
                path=str(path),
                sha256=sha256,
                feature_names=[],
                active=True,
                activated_at=datetime.now(UTC),
            )
        )


async def post(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/v1/leads/search", json=PROMPT, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_new_model_is_hot_swapped_and_never_serves_old_cache(
    client: httpx.AsyncClient,
    search_headers: dict[str, str],
    ranker_engine: AsyncEngine,
    ranker_settings: Settings,
    tmp_path: Path,
) -> None:
    first = await post(client, search_headers)
    assert (await post(client, search_headers))["metadata"]["cache_hit"] is True
    source, manifest = bundled(ranker_settings)
    model = load_artifact(source, expected_sha256=manifest["sha256"])
    assert first["model_version"] == model.version
    path = tmp_path / "v-next.json"
    digest = write_artifact(
        path, version="test-next", booster=model.booster, calibration=model.calibration, card={}
    )
    await activate(ranker_engine, version="test-next", path=path, sha256=digest)
    assert await ranker_of(client).models.poll() is True
    after = await post(client, search_headers)
    assert after["model_version"] == "test-next"
    assert after["metadata"]["cache_hit"] is False


@pytest.mark.parametrize("damage", ["garbage", "sha_mismatch", "wrong_features"])
async def test_bad_artifacts_are_refused_and_the_old_model_keeps_serving(
    client: httpx.AsyncClient,
    search_headers: dict[str, str],
    ranker_engine: AsyncEngine,
    ranker_settings: Settings,
    tmp_path: Path,
    damage: str,
) -> None:
    serving = ranker_of(client).models.current.version
    source, _manifest = bundled(ranker_settings)
    path = tmp_path / f"{damage}.json"
    if damage == "garbage":
        path.write_bytes(b"\x00not a model" * 100)
        digest = sha256_of(path)
    elif damage == "sha_mismatch":
        path.write_bytes(source.read_bytes())
        digest = "0" * 64
    else:
        data = json.loads(source.read_text())
        data["feature_names"] = data["feature_names"][::-1]
        path.write_text(json.dumps(data))
        digest = sha256_of(path)
    await activate(ranker_engine, version=f"bad-{damage}", path=path, sha256=digest)
    assert await ranker_of(client).models.poll() is False
    assert ranker_of(client).models.current.version == serving
    assert ranker_of(client).models.last_error
    body = await post(client, search_headers)
    assert body["model_version"] == serving
    assert body["leads"]


async def test_a_manager_starts_on_the_registry_model_else_on_the_bundled_default(
    ranker_engine: AsyncEngine, ranker_settings: Settings, tmp_path: Path
) -> None:
    source, manifest = bundled(ranker_settings)
    model = load_artifact(source, expected_sha256=manifest["sha256"])
    path = tmp_path / "v-start.json"
    digest = write_artifact(
        path, version="test-start", booster=model.booster, calibration=model.calibration, card={}
    )
    await activate(ranker_engine, version="test-start", path=path, sha256=digest)
    sessions = create_sessionmaker(ranker_engine)
    opened = await ModelManager.open(
        sessionmaker=sessions, model_dir=ranker_settings.model_dir, poll_interval_s=60
    )
    assert opened.current.version == "test-start"
    assert opened.last_error is None

    bad = tmp_path / "v-bad.json"
    bad.write_bytes(b"\x00not a model")
    await activate(ranker_engine, version="test-bad", path=bad, sha256=sha256_of(bad))
    fallback = await ModelManager.open(
        sessionmaker=sessions, model_dir=ranker_settings.model_dir, poll_interval_s=60
    )
    assert fallback.current.version == manifest["version"]
    assert fallback.last_error is not None


async def test_redis_down_still_answers_with_the_local_cache(
    world_db: World, ranker_settings: Settings, search_headers: dict[str, str]
) -> None:
    settings = ranker_settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:1/0", "redis_timeout_s": 0.05}
    )
    async with app_client_for(settings) as client:
        first = await post(client, search_headers)
        second = await post(client, search_headers)
        assert first["leads"]
        assert second["metadata"]["cache_hit"] is True
        assert set(second["metadata"]["timings_ms"].values()) == {0.0}  # no stage ran for a hit
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["redis"]["ok"] is False
        assert checks["ranker"]["ok"] is True
