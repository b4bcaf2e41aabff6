"""Starts the job worker in the API process (JOBS_WORKER_ENABLED; after the ranker and the drafts
component, which campaigns use), or else only the jobs gauges."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.core.periodic import Periodic
from app.core.state import AppState
from app.drafts.service import DraftWriter
from app.drafts.startup import COMPONENT as DRAFTS
from app.jobs.worker import GAUGES_EVERY_S, JobWorker, refresh_gauges
from app.leads.component import COMPONENT as RANKER
from app.leads.component import Ranker

COMPONENT = "jobs"


async def jobs_hook(state: AppState) -> Callable[[], Awaitable[None]] | None:
    settings = state.settings
    if not settings.jobs_worker_enabled:
        # No worker here: still publish the jobs gauges (the stuck-job alert must not depend on
        # the workers being alive).

        async def gauges() -> None:
            await refresh_gauges(state.sessionmaker, lease_s=settings.jobs_lease_s)

        periodic = Periodic(name="jobs-gauges", interval_s=GAUGES_EVERY_S, action=gauges)
        periodic.start()
        return periodic.stop
    ranker = state.components.get(RANKER)
    drafts = state.components.get(DRAFTS)
    worker = JobWorker(
        settings=state.settings,
        sessionmaker=state.sessionmaker,
        ranker=ranker if isinstance(ranker, Ranker) else None,
        drafts=drafts if isinstance(drafts, DraftWriter) else None,
    )
    state.components[COMPONENT] = worker
    worker.start()
    return worker.stop
