"""The embedding worker and the churn ETL on the real database, after ingestion in embedded mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings, get_settings
from app.core.db import create_engine
from app.ingest.__main__ import main as ingest_main
from app.ingest.churn import run_churn
from app.ingest.embeddings import EmbeddingWorker
from tests.ingest.factory import snippet
from tests.ingest.kafka_support import scalar
from tests.ingest.support import MakeKey


def _ts(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_embeddings_and_churn_follow_ingestion(
    direct: httpx.AsyncClient, make_key: MakeKey, settings: Settings, clean_db: AsyncEngine
) -> None:
    key = await make_key("ingest")
    batch = [
        snippet(
            domain="acme.com",
            kind="tech_stack",
            text="Acme runs on Teradata for its nightly reporting.",
            observed_at=_ts(200),
        ),
        snippet(
            domain="acme.com",
            kind="tech_stack",
            text="Acme migrated from Teradata to Snowflake last month.",
            observed_at=_ts(20),
        ),
        snippet(
            domain="acme.com",
            kind="news",
            text="Acme is evaluating alternatives to Outreach for its SDR team.",
            observed_at=_ts(3),
        ),
        snippet(
            domain="acme.com",
            kind="funding",
            text="Acme raised $30M Series C to expand into Europe.",
            observed_at=_ts(10),
        ),
        snippet(
            domain="beta.io",
            kind="job_post",
            text="Beta is hiring 4 Site Reliability Engineers in Lisbon.",
            observed_at=_ts(5),
        ),
    ]
    resp = await direct.post(
        "/v1/snippets", json={"snippets": batch}, headers={"Authorization": f"Bearer {key}"}
    )
    assert resp.json()["accepted"] == 5
    assert await scalar(clean_db, "SELECT count(*) FROM embedding_queue") == 2

    engine = create_engine(settings)
    try:
        embedded = await EmbeddingWorker(settings=settings, engine=engine).run_once()
        assert embedded == 2
        assert await scalar(clean_db, "SELECT count(*) FROM company_embeddings") == 2
        assert await scalar(clean_db, "SELECT count(*) FROM embedding_queue") == 0
        report = await run_churn(engine)
        assert report.events_new == 3
        again = await run_churn(engine)
        assert again.events_new == 0  # incremental and idempotent
    finally:
        await engine.dispose()
    descriptions = await scalar(
        clean_db, "SELECT string_agg(description, '|' ORDER BY description) FROM churn_events"
    )
    assert descriptions == "added Snowflake|dropped Teradata|evaluating Outreach alternatives"
    funding = await scalar(
        clean_db, "SELECT profile->'funding'->0->>'round' FROM companies WHERE domain = 'acme.com'"
    )
    assert funding == "Series C"
    hiring = await scalar(
        clean_db, "SELECT profile->'hiring'->0->>'count' FROM companies WHERE domain = 'beta.io'"
    )
    assert hiring == "4"


def test_churn_is_runnable_by_hand(
    settings: Settings, migrated: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        assert ingest_main(["churn", "--full"]) == 0
    finally:
        get_settings.cache_clear()
    assert "churn ETL:" in capsys.readouterr().out
