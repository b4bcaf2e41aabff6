"""The lifespan opens the core clients, runs each domain's startup hook in order, and closes
everything in reverse order."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import FastAPI

from app.api.state import AppState
from app.auth.startup import start_auth
from app.console.startup import start_console
from app.core.clients import Cleanup, close_clients, open_clients
from app.core.config import Settings
from app.drafts.startup import start_drafts
from app.ingest.startup import start_ingest
from app.jobs.startup import start_jobs
from app.leads.startup import start_ranker
from app.lists.startup import start_eligibility
from app.observability.startup import start_observability

logger = logging.getLogger(__name__)

# A startup hook receives the state after the core clients exist, sets its component on the state
# and returns an async cleanup (or None).
StartupHook = Callable[[AppState], Awaitable[Cleanup | None]]


async def observability_hook(state: AppState) -> Cleanup | None:
    return await start_observability(state.core, probes=state.probes)


async def ingest_hook(state: AppState) -> Cleanup | None:
    state.ingest, cleanup = await start_ingest(state.core)
    return cleanup


async def ranker_hook(state: AppState) -> Cleanup | None:
    state.ranker, cleanup = await start_ranker(state.core)
    return cleanup


async def drafts_hook(state: AppState) -> Cleanup | None:
    state.drafts, cleanup = await start_drafts(state.core)
    return cleanup


async def eligibility_hook(state: AppState) -> Cleanup | None:
    return await start_eligibility(state.core, state.ranker)


async def console_hook(state: AppState) -> Cleanup | None:
    state.console, cleanup = await start_console(state.core)
    return cleanup


async def jobs_hook(state: AppState) -> Cleanup | None:
    state.jobs, cleanup = await start_jobs(state.core, ranker=state.ranker, drafts=state.drafts)
    return cleanup


def default_hooks() -> list[StartupHook]:
    """Components started after the core clients (ranker, caches, schedulers), in order."""
    return [
        observability_hook,
        ingest_hook,
        ranker_hook,
        drafts_hook,
        eligibility_hook,
        jobs_hook,
        console_hook,
    ]


def make_lifespan(
    settings: Settings, hooks: list[StartupHook]
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        core = open_clients(settings)
        state = AppState(core=core, auth=start_auth(core))
        app.state.leadpoet = state
        cleanups: list[Cleanup] = []
        try:
            for hook in hooks:
                cleanup = await hook(state)
                if cleanup is not None:
                    cleanups.append(cleanup)
            yield
        finally:
            for cleanup in reversed(cleanups):
                try:
                    await cleanup()
                except Exception:
                    logger.exception("cleanup failed")
            await close_clients(core)

    return lifespan
