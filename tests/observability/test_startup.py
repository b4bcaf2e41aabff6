"""The observability startup hook: readiness gauge and multi-process configuration checks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from app.api.lifespan import default_hooks, observability_hook
from app.api.state import AppState, state_of
from app.core.config import Settings
from app.observability.meters import set_model_version
from app.observability.multiproc import check_multiprocess, multiprocess_active, prepare_multiproc_dir
from app.observability.startup import probe_readiness_once
from tests.conftest import app_client_for


def test_hook_is_registered() -> None:
    assert observability_hook in default_hooks()


async def test_readiness_gauge_follows_the_checks(settings: Settings, clean_db: object) -> None:
    client = app_client_for(settings)
    async with client:
        state: AppState = state_of(client.app)
        results = await probe_readiness_once(state.core, state.probes)
    assert results["postgres"] is True
    assert REGISTRY.get_sample_value("readiness_check_ok", {"check": "postgres"}) == 1


async def test_readiness_gauge_reports_a_dead_dependency(settings: Settings) -> None:
    dead = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0", "redis_timeout_s": 0.2})
    client = app_client_for(dead)
    async with client:
        state = state_of(client.app)
        results = await probe_readiness_once(state.core, state.probes)
    assert results["redis"] is False
    assert REGISTRY.get_sample_value("readiness_check_ok", {"check": "redis"}) == 0


def test_single_process_by_default() -> None:
    assert not multiprocess_active()


def test_half_configured_multiprocess_is_refused() -> None:
    with pytest.raises(RuntimeError, match="process environment"):
        check_multiprocess(Settings(prometheus_multiproc_dir="/tmp/somewhere"))


def test_several_workers_without_multiprocess_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        check_multiprocess(Settings(web_concurrency=4, prometheus_multiproc_dir=""))
    assert "one worker's meters" in caplog.text


def test_prepare_multiproc_dir_empties_stale_files(tmp_path: Path) -> None:
    folder = tmp_path / "prom"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"x")
    (folder / "keep.txt").write_text("x")
    assert prepare_multiproc_dir(folder) == folder
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]


def test_model_version_gauge_retires_the_old_version() -> None:
    set_model_version("v1")
    set_model_version("v2")
    assert REGISTRY.get_sample_value("ranker_model_info", {"version": "v1"}) == 0
    assert REGISTRY.get_sample_value("ranker_model_info", {"version": "v2"}) == 1
