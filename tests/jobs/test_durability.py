"""Durable execution on the real stack: a client that hangs up and reconnects with Last-Event-ID
gets every event once; a worker process killed mid-job (SIGKILL) is replaced by another that
finishes the job with no duplicate and no missing result; cancel stops a running or queued job."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from tests.jobs.conftest import JobsApp, open_jobs_app
from tests.jobs.support import SseEvent, read_sse, serve, wait_state
from tests.support import stop_process
from tests.workspaces.support import bearer, workspace_key

ROOT = Path(__file__).resolve().parents[2]


async def start(client: httpx.AsyncClient, auth: dict[str, str], limit: int, **extra: object) -> str:
    body = {"kind": "campaign", "prompt": "Logistics software for freight companies", "limit": limit, **extra}
    answer = await client.post("/v1/jobs", json=body, headers=auth)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["job_id"])


async def wait_progress(
    client: httpx.AsyncClient, job_id: str, auth: dict[str, str], at_least: int
) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while True:
        job = (await client.get(f"/v1/jobs/{job_id}", headers=auth)).json()
        if job["progress"]["done"] >= at_least or job["state"] not in ("queued", "running"):
            return dict(job)
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.05)


def assert_complete(events: list[SseEvent], total: int) -> None:
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    generated = [e.data["lead_id"] for e in events if e.type == "lead_generated"]
    assert len(generated) == len(set(generated)) == total
    assert events[-1].type == "pipeline_end"


async def test_reconnect_with_last_event_id_gets_every_event_once(
    bulk_world: AsyncEngine, settings: Settings
) -> None:
    async with open_jobs_app(settings, bulk_world, jobs_chunk=20, jobs_sse_heartbeat_s=0.2) as app:
        auth = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        job_id = await start(app.client, auth, 2000)
        url = f"/v1/jobs/{job_id}/events"
        async with serve(app.app) as base, httpx.AsyncClient(base_url=base) as http:
            first = await read_sse(http, url, headers=auth, stop_after=30)
            assert not first.ended
            seen = list(first.events)
            while True:  # hang up every 400 events, resume where the last one left off
                resumed = await read_sse(
                    http, url, headers={**auth, "Last-Event-ID": str(seen[-1].id)}, stop_after=400
                )
                seen += resumed.events
                if resumed.ended or seen[-1].type == "pipeline_end":
                    break
            again = await read_sse(http, f"{url}?last_event_id={seen[-1].id}", headers=auth)
        assert again.ended
        assert again.events == []
        assert_complete(seen, 2000)


async def test_a_stream_is_closed_after_its_maximum_and_resumes_with_every_event_once(
    bulk_world: AsyncEngine, settings: Settings
) -> None:
    """JOBS_SSE_MAX_STREAM_S: the server closes a stream between two events (`: reconnect`); a client
    that resumes from its last id misses nothing and sees nothing twice."""
    async with open_jobs_app(settings, bulk_world, jobs_chunk=20, jobs_sse_max_stream_s=0.3) as app:
        auth = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        job_id = await start(app.client, auth, 2000)
        url = f"/v1/jobs/{job_id}/events"
        seen: list[SseEvent] = []
        closed_by_server = 0
        async with serve(app.app) as base, httpx.AsyncClient(base_url=base) as http:
            while not seen or seen[-1].type != "pipeline_end":
                headers = {**auth, "Last-Event-ID": str(seen[-1].id)} if seen else auth
                read = await read_sse(http, url, headers=headers)
                assert read.ended
                seen += read.events
                closed_by_server += read.comments.count("reconnect")
        assert closed_by_server >= 1
        assert_complete(seen, 2000)


async def test_heartbeat_comments_while_queued_and_stream_ends_on_cancel(
    bulk_world: AsyncEngine, settings: Settings
) -> None:
    async with open_jobs_app(
        settings, bulk_world, jobs_worker_enabled=False, jobs_sse_heartbeat_s=0.1
    ) as app:
        auth = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        job_id = await start(app.client, auth, 10)
        async with serve(app.app) as base, httpx.AsyncClient(base_url=base) as http:
            reader = asyncio.create_task(read_sse(http, f"/v1/jobs/{job_id}/events", headers=auth))
            await asyncio.sleep(0.6)
            cancelled = await app.client.post(f"/v1/jobs/{job_id}/cancel", headers=auth)
            read = await reader
        assert cancelled.json()["state"] == "cancelled"
        assert read.comments.count("heartbeat") >= 2
        assert [e.type for e in read.events] == ["status_update", "pipeline_end"]
        assert read.events[-1].data["state"] == "cancelled"
        assert read.ended


async def test_cancel_a_running_campaign(jobs_app: JobsApp, auth: dict[str, str]) -> None:
    client = jobs_app.client
    job_id = await start(client, auth, 2000, options={"signals": {}, "drafts": True})
    await wait_progress(client, job_id, auth, 100)
    answer = await client.post(f"/v1/jobs/{job_id}/cancel", headers=auth)
    assert answer.status_code == 200
    job = await wait_state(client, job_id, auth, "cancelled", "succeeded")
    assert job["state"] == "cancelled"
    assert 0 < job["progress"]["done"] < 2000
    page = (await client.get(f"/v1/jobs/{job_id}/results", params={"limit": 1000}, headers=auth)).json()
    assert len(page["results"]) == job["progress"]["done"]
    assert page["next_cursor"] is None
    again = await client.post(f"/v1/jobs/{job_id}/cancel", headers=auth)
    assert again.json()["state"] == "cancelled"


@pytest.fixture
def worker_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        REDIS_URL=settings.redis_url,
        KAFKA_BOOTSTRAP_SERVERS="",
        JOBS_LEASE_S="2",
        JOBS_CHUNK="10",
        JOBS_POLL_INTERVAL_S="0.1",
        INDEX_REFRESH_INTERVAL_S="60",
        ELIGIBILITY_ENABLED="false",
        LOG_LEVEL="WARNING",
        JOBS_METRICS_PORT="0",
    )
    return env


@pytest.fixture
def spawn(worker_env: dict[str, str], tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            stop_process(proc)


def worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.jobs"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def test_a_killed_worker_is_replaced_with_no_duplicate_or_missing_result(
    bulk_world: AsyncEngine,
    settings: Settings,
    worker_env: dict[str, str],
    spawn: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    async with open_jobs_app(settings, bulk_world, jobs_worker_enabled=False) as app:
        auth = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        job_id = await start(app.client, auth, 2000, options={"signals": {}})
        log = tmp_path / "workers.log"
        first = worker(worker_env, log)
        spawn.append(first)
        job = await wait_progress(app.client, job_id, auth, 30)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        assert job["state"] == "running", log.read_text()
        killed_at = (await app.client.get(f"/v1/jobs/{job_id}", headers=auth)).json()["progress"]["done"]
        assert killed_at < 2000
        spawn.append(worker(worker_env, log))
        done = await wait_state(app.client, job_id, auth, "succeeded", "failed", timeout_s=240)
        assert done["state"] == "succeeded", log.read_text()
        assert done["attempts"] == 2
        async with bulk_world.connect() as conn:
            positions = (
                (
                    await conn.execute(
                        text("SELECT position FROM job_results WHERE job_id = :id ORDER BY position"),
                        {"id": job_id},
                    )
                )
                .scalars()
                .all()
            )
            leads = (
                await conn.execute(
                    text("SELECT count(DISTINCT lead_id) FROM job_results WHERE job_id = :id"), {"id": job_id}
                )
            ).scalar_one()
        assert list(positions) == list(range(2000))
        assert leads == 2000
        async with serve(app.app) as base, httpx.AsyncClient(base_url=base) as http:
            read = await read_sse(http, f"/v1/jobs/{job_id}/events", headers=auth)
        assert_complete(read.events, 2000)
        assert sum(1 for e in read.events if e.type == "pipeline_start") == 1
