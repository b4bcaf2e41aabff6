"""The queue: fair share between workspaces (at most JOBS_PER_WORKSPACE running each, the
workspace with fewer running first), a lease expiry hands a job to another worker, and a POST
retried with the same Idempotency-Key makes one job."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.state import state_of
from app.core.config import Settings
from app.jobs.worker import JobWorker
from tests.jobs.conftest import open_jobs_app
from tests.workspaces.support import bearer, workspace_key

JOB = {"kind": "enrich", "items": ["acme-foods.com"]}


async def test_fair_share_between_workspaces_and_lease_takeover(
    bulk_world: AsyncEngine, settings: Settings
) -> None:
    async with open_jobs_app(settings, bulk_world, jobs_worker_enabled=False, jobs_per_workspace=1) as app:
        acme = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        globex = bearer(await workspace_key(bulk_world, app.settings, "globex", "search"))
        a1, a2 = [
            (await app.client.post("/v1/jobs", json=JOB, headers=acme)).json()["job_id"] for _ in range(2)
        ]
        b1 = (await app.client.post("/v1/jobs", json=JOB, headers=globex)).json()["job_id"]
        state = state_of(app.app)
        first = JobWorker(
            settings=app.settings, sessionmaker=state.core.sessionmaker, ranker=None, drafts=None
        )
        second = JobWorker(
            settings=app.settings, sessionmaker=state.core.sessionmaker, ranker=None, drafts=None
        )
        assert str(await first.claim()) == a1
        assert str(await second.claim()) == b1  # acme has one running: its second job waits
        assert await first.claim() is None
        async with bulk_world.begin() as conn:  # a1's worker died: its lease runs out
            await conn.execute(
                text("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = :id"), {"id": a1}
            )
        assert str(await second.claim()) == a1  # taken over before a2 (still one acme job running)
        async with bulk_world.connect() as conn:
            result = await conn.execute(
                text("SELECT id::text, lease_owner FROM jobs WHERE state = 'running'")
            )
            owners: dict[str, str] = {str(r[0]): str(r[1]) for r in result}
            attempts = (
                await conn.execute(text("SELECT attempts FROM jobs WHERE id = :id"), {"id": a1})
            ).scalar_one()
        assert owners == {a1: second.owner, b1: second.owner}
        assert attempts == 2
        assert a2 not in owners


async def test_idempotency_key_makes_one_job(bulk_world: AsyncEngine, settings: Settings) -> None:
    async with open_jobs_app(settings, bulk_world, jobs_worker_enabled=False) as app:
        auth = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        other = bearer(await workspace_key(bulk_world, app.settings, "globex", "search"))
        key = {"Idempotency-Key": "order-42"}
        answers = await asyncio.gather(
            *[app.client.post("/v1/jobs", json=JOB, headers={**auth, **key}) for _ in range(4)]
        )
        assert {a.status_code for a in answers} == {202}
        assert len({a.json()["job_id"] for a in answers}) == 1
        elsewhere = await app.client.post("/v1/jobs", json=JOB, headers={**other, **key})
        assert elsewhere.json()["job_id"] != answers[0].json()["job_id"]  # keys are per workspace
        changed = await app.client.post(
            "/v1/jobs", json={**JOB, "items": ["initech.io"]}, headers={**auth, **key}
        )
        assert changed.status_code == 409
        assert changed.json()["error"]["field"] == "Idempotency-Key"
        listed = (await app.client.get("/v1/jobs", headers=auth)).json()["jobs"]
        assert len(listed) == 1
        bad = await app.client.post("/v1/jobs", json=JOB, headers={**auth, "Idempotency-Key": "x" * 201})
        assert bad.status_code == 422


async def test_a_failing_step_is_retried_then_the_job_fails(
    bulk_world: AsyncEngine, settings: Settings
) -> None:
    """A worker without the ranker cannot score: the step raises, the job goes back to the queue at
    its position (a status_update says so), and after JOBS_MAX_ATTEMPTS claims it fails."""
    async with open_jobs_app(
        settings, bulk_world, jobs_worker_enabled=False, jobs_max_attempts=2, jobs_retry_base_s=1.0
    ) as app:
        auth = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        body = {
            "kind": "score",
            "items": ["acme-foods.com"],
            "prompt": "Data warehouse for food distributors",
        }
        job_id = (await app.client.post("/v1/jobs", json=body, headers=auth)).json()["job_id"]
        state = state_of(app.app)
        worker = JobWorker(
            settings=app.settings, sessionmaker=state.core.sessionmaker, ranker=None, drafts=None
        )
        for attempt in range(2):
            claimed = await worker.claim()
            assert str(claimed) == job_id
            assert claimed is not None
            await worker.run_job(claimed)
            if attempt == 0:  # back in the queue, not claimable before the retry delay
                assert await worker.claim() is None
                await asyncio.sleep(1.1)
        job = (await app.client.get(f"/v1/jobs/{job_id}", headers=auth)).json()
        assert job["state"] == "failed"
        assert job["attempts"] == 2
        assert "ranker" in job["error"]["message"]
        async with bulk_world.connect() as conn:
            types = (
                (
                    await conn.execute(
                        text("SELECT type FROM job_events WHERE job_id = :id ORDER BY seq"), {"id": job_id}
                    )
                )
                .scalars()
                .all()
            )
        assert list(types) == ["pipeline_start", "status_update", "pipeline_error"]
        assert await worker.claim() is None
