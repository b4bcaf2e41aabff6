"""Startup hook: the ingestion service for the HTTP endpoints and, in embedded mode (no Kafka), the
embedding and churn loops that the consumer process runs otherwise."""

from __future__ import annotations

import asyncio
import contextlib

from app.core.clients import Cleanup, CoreClients
from app.ingest.churn import run_churn_forever
from app.ingest.embeddings import EmbeddingWorker
from app.ingest.service import IngestService


async def start_ingest(core: CoreClients) -> tuple[IngestService, Cleanup | None]:
    settings = core.settings
    service = IngestService(settings=settings, engine=core.engine, kafka=core.kafka)
    if settings.kafka_enabled or not settings.ingest_workers_in_api:
        return service, None
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(EmbeddingWorker(settings=settings, engine=core.engine).run(stop)),
        asyncio.create_task(run_churn_forever(settings, core.engine, stop)),
    ]

    async def cleanup() -> None:
        stop.set()
        for task in tasks:
            with contextlib.suppress(Exception):
                await task

    return service, cleanup
