"""Schemathesis against the real app (uvicorn, PostgreSQL, Redis) from its own OpenAPI document:
every operation, positive and negative examples, every check. No server error, no response outside
the documented statuses and models, no invalid input accepted.

The number of examples per operation is SCHEMATHESIS_MAX_EXAMPLES (default 150: the run stays within
a few minutes; the figures in docs/RELIABILITY.md come from this test)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.auth.service import create_key
from app.core.config import Settings
from app.tables import Base
from tests.support import free_port, served_process

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "150"))


async def _fresh_key(settings: Settings) -> str:
    """Empty tables and one key with every scope (and no rate limit to speak of)."""
    engine = create_async_engine(settings.database_url)
    try:
        tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        async with AsyncSession(engine) as session:
            _, new = await create_key(
                session,
                name="schemathesis",
                scopes=["admin", "ingest", "search"],
                pepper=settings.api_key_pepper,
                rate_limit_per_minute=10_000_000,
            )
            await session.commit()
        return new.clear
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def served(
    settings: Settings, migrated: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, Path]]:
    key = asyncio.run(_fresh_key(settings))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "KAFKA_BOOTSTRAP_SERVERS": "",
        "API_KEY_PEPPER": settings.api_key_pepper,
        "LOG_LEVEL": "WARNING",
    }
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning"]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("schemathesis") / "api.log"
    with served_process(
        cmd, ready_url=f"{base}/healthz", log_path=log, what="the API", timeout_s=90, cwd=ROOT, env=env
    ):
        yield base, key, log


def run_schemathesis(
    base: str, key: str, *, report: Path, max_examples: int
) -> subprocess.CompletedProcess[str]:
    cmd = [str(Path(sys.executable).with_name("st")), "run", f"{base}/openapi.json",
           "--checks", "all", "--mode", "all", "--max-examples", str(max_examples), "--seed", "1",
           "--workers", "1", "--suppress-health-check", "all", "--request-timeout", "30",
           "-H", f"Authorization: Bearer {key}", "--report", "json", "--report-json-path", str(report)]  # fmt: skip
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=1800, check=False, cwd=report.parent
    )  # st keeps its cache in the cwd


def test_schemathesis_finds_nothing(served: tuple[str, str, Path], tmp_path: Path) -> None:
    base, key, log = served
    report = tmp_path / "schemathesis.json"
    done = run_schemathesis(base, key, report=report, max_examples=MAX_EXAMPLES)
    summary = done.stdout[-6000:]
    (ROOT / ".dev").mkdir(exist_ok=True)
    (ROOT / ".dev" / "schemathesis-summary.txt").write_text(done.stdout)
    assert done.returncode == 0, summary + done.stderr[-3000:]
    # Nothing went wrong behind a 2xx either (e.g. a query log row PostgreSQL refuses, logged
    # forever): the server logged no traceback and no error.
    server_log = log.read_text(errors="replace")
    assert "Traceback" not in server_log, server_log[-5000:]
    assert " ERROR " not in server_log, server_log[-5000:]
    assert "ERROR:" not in server_log, server_log[-5000:]
