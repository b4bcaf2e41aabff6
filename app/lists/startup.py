"""Starts the eligibility worker (after the ranker: it grades with the ranker's index)."""

from __future__ import annotations

from app.core.clients import Cleanup, CoreClients
from app.core.periodic import Periodic
from app.leads.startup import Ranker
from app.lists.eligibility import run_round


async def start_eligibility(core: CoreClients, ranker: Ranker | None) -> Cleanup | None:
    settings = core.settings
    if not settings.eligibility_enabled or ranker is None:
        return None

    async def action() -> None:
        await run_round(
            core.sessionmaker,
            ranker,
            batch=settings.eligibility_batch,
            bm25_limit=settings.search_bm25_candidates,
        )

    worker = Periodic(name="eligibility", interval_s=settings.eligibility_interval_s, action=action)
    worker.start()
    return worker.stop
