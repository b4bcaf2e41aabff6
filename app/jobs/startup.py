"""Starts the job worker in the API process (JOBS_WORKER_ENABLED; after the ranker and the drafts
component, which campaigns use)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.core.state import AppState
from app.drafts.service import DraftWriter
from app.drafts.startup import COMPONENT as DRAFTS
from app.jobs.worker import JobWorker
from app.leads.component import COMPONENT as RANKER
from app.leads.component import Ranker

COMPONENT = "jobs"


async def jobs_hook(state: AppState) -> Callable[[], Awaitable[None]] | None:
    if not state.settings.jobs_worker_enabled:
        return None
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
