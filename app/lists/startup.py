"""Starts the eligibility worker (after the ranker: it grades with the ranker's index) and the
periodic refit of the grade calibration (due once per interval across the fleet)."""

from __future__ import annotations

from app.core.clients import Cleanup, CoreClients
from app.core.periodic import Periodic
from app.leads.startup import Ranker
from app.lists.calibration import refit_if_due
from app.lists.eligibility import run_round


async def start_eligibility(core: CoreClients, ranker: Ranker | None) -> Cleanup | None:
    settings = core.settings
    workers: list[Periodic] = []
    if settings.eligibility_enabled and ranker is not None:

        async def grade() -> None:
            await run_round(
                core.sessionmaker,
                ranker,
                batch=settings.eligibility_batch,
                bm25_limit=settings.search_bm25_candidates,
                min_relevance=settings.eligibility_min_relevance,
            )

        workers.append(Periodic(name="eligibility", interval_s=settings.eligibility_interval_s, action=grade))
    if settings.calibration_enabled:

        async def calibrate() -> None:
            await refit_if_due(
                core.sessionmaker,
                interval_s=settings.calibration_interval_s,
                min_samples=settings.calibration_min_samples,
                min_positives=settings.calibration_min_positives,
            )

        workers.append(
            Periodic(name="calibration", interval_s=settings.calibration_interval_s, action=calibrate)
        )
    if not workers:
        return None
    for worker in workers:
        worker.start()

    async def stop() -> None:
        for worker in workers:
            await worker.stop()

    return stop
