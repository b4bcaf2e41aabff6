"""Starts the job worker in the API process (JOBS_WORKER_ENABLED; after the ranker and the drafts
component, which campaigns use), or else only the jobs gauges."""

from __future__ import annotations

from app.core.clients import Cleanup, CoreClients
from app.core.periodic import Periodic
from app.drafts.service import DraftWriter
from app.jobs.worker import GAUGES_EVERY_S, JobWorker, refresh_gauges
from app.leads.startup import Ranker


async def start_jobs(
    core: CoreClients, *, ranker: Ranker | None, drafts: DraftWriter | None
) -> tuple[JobWorker | None, Cleanup]:
    settings = core.settings
    if not settings.jobs_worker_enabled:
        # No worker here: still publish the jobs gauges (the stuck-job alert must not depend on
        # the workers being alive).

        async def gauges() -> None:
            await refresh_gauges(core.sessionmaker, lease_s=settings.jobs_lease_s)

        periodic = Periodic(name="jobs-gauges", interval_s=GAUGES_EVERY_S, action=gauges)
        periodic.start()
        return None, periodic.stop
    worker = JobWorker(settings=settings, sessionmaker=core.sessionmaker, ranker=ranker, drafts=drafts)
    worker.start()
    return worker, worker.stop
