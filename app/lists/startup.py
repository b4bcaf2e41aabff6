"""Starts the eligibility worker (after the ranker: it grades with the ranker's index)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.core.periodic import Periodic
from app.core.state import AppState
from app.leads.component import COMPONENT as RANKER
from app.leads.component import Ranker
from app.lists.eligibility import run_round


async def eligibility_hook(state: AppState) -> Callable[[], Awaitable[None]] | None:
    settings = state.settings
    ranker = state.components.get(RANKER)
    if not settings.eligibility_enabled or not isinstance(ranker, Ranker):
        return None

    async def action() -> None:
        await run_round(
            state.sessionmaker,
            ranker,
            batch=settings.eligibility_batch,
            bm25_limit=settings.search_bm25_candidates,
        )

    worker = Periodic(name="eligibility", interval_s=settings.eligibility_interval_s, action=action)
    worker.start()
    return worker.stop
