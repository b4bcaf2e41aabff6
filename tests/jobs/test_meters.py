"""The jobs meters on /metrics: jobs by state and running jobs without a heartbeat, published from
the database by any process (the API without a worker too), and the worker's leads counter."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.state import state_of
from app.core.config import Settings
from app.jobs.worker import refresh_gauges
from tests.jobs.conftest import open_jobs_app
from tests.jobs.support import wait_state
from tests.workspaces.support import bearer, workspace_key


def metric(body: str, name: str, default: float | None = None) -> float:
    for line in body.splitlines():
        if line.startswith((name + " ", name + "{")):
            return float(line.rsplit(" ", 1)[1])
    assert default is not None, f"{name} not on /metrics"
    return default


async def test_stuck_job_gauge_and_leads_counter(bulk_world: AsyncEngine, settings: Settings) -> None:
    async with open_jobs_app(settings, bulk_world) as app:
        auth = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        leads = 'job_leads_total{kind="campaign"}'
        before = metric((await app.client.get("/metrics")).text, leads, default=0.0)  # per process
        job_id = (
            await app.client.post(
                "/v1/jobs", json={"kind": "campaign", "prompt": "Freight software", "limit": 40}, headers=auth
            )
        ).json()["job_id"]
        await wait_state(app.client, job_id, auth, "succeeded")
        body = (await app.client.get("/metrics")).text
        assert metric(body, leads) - before == 40
        assert 'jobs_finished_total{kind="campaign",state="succeeded"}' in body
    async with open_jobs_app(settings, bulk_world, jobs_worker_enabled=False) as app:
        stuck = (
            await app.client.post(
                "/v1/jobs", json={"kind": "campaign", "prompt": "Freight software"}, headers=auth
            )
        ).json()["job_id"]
        async with bulk_world.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE jobs SET state = 'running', lease_owner = 'gone', heartbeat_at = now() - interval '10 minutes', "
                    "lease_until = now() - interval '9 minutes' WHERE id = :id"
                ),
                {"id": stuck},
            )
        await refresh_gauges(state_of(app.app).core.sessionmaker, lease_s=app.settings.jobs_lease_s)
        body = (await app.client.get("/metrics")).text
        assert metric(body, "jobs_stale_heartbeat") == 1
        assert metric(body, 'jobs{state="running"}') == 1
        assert metric(body, 'jobs{state="succeeded"}') == 1
