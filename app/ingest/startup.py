"""Startup hook: the ingestion service for the HTTP endpoints and, in embedded mode (no Kafka), the
embedding and churn loops that the consumer process runs otherwise."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from app.api.state import AppState
from app.ingest.churn import run_churn_forever
from app.ingest.embeddings import EmbeddingWorker
from app.ingest.service import IngestService


async def ingest_hook(state: AppState) -> Callable[[], Awaitable[None]] | None:
    settings = state.settings
    state.components["ingest"] = IngestService(settings=settings, engine=state.engine, kafka=state.kafka)
    if settings.kafka_enabled or not settings.ingest_workers_in_api:
        return None
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(EmbeddingWorker(settings=settings, engine=state.engine).run(stop)),
        asyncio.create_task(run_churn_forever(settings, state.engine, stop)),
    ]

    async def cleanup() -> None:
        stop.set()
        for task in tasks:
            with contextlib.suppress(Exception):
                await task

    return cleanup
