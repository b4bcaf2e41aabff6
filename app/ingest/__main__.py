"""Ingestion processes and jobs.

python -m app.ingest --topic snippets      # consumer group on miner.snippets (+ embedding, churn)
python -m app.ingest --topic outcomes      # consumer group on outcome.events
python -m app.ingest churn [--full]        # the tech-stack churn ETL, once
python -m app.ingest embed                 # drain the embedding queue once
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from app.core.config import Settings, get_settings
from app.core.db import create_engine
from app.core.logging import configure_logging
from app.ingest.churn import run_churn, run_churn_forever
from app.ingest.consumer import TopicConsumer
from app.ingest.embeddings import EmbeddingWorker
from app.ingest.inline_embed import InlineEmbedder

logger = logging.getLogger("app.ingest")


CONSUMER_STATEMENT_TIMEOUT_MS = 60_000  # a 1,000-snippet batch is one transaction


async def consume(settings: Settings, kind: str) -> None:
    # A statement timeout is a transient error (pause and retry): it must not be shorter than
    # what a full batch needs on a loaded machine, or the same batch would time out forever.
    settings = settings.model_copy(
        update={
            "db_statement_timeout_ms": max(settings.db_statement_timeout_ms, CONSUMER_STATEMENT_TIMEOUT_MS)
        }
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    engine = create_engine(settings)
    try:
        worker = EmbeddingWorker(settings=settings, engine=engine)
        # Snippet batches write their companies' embeddings themselves (only vectors that moved); the
        # worker drains what is queued otherwise (rebuilds, HTTP, no model yet).
        inline = (
            InlineEmbedder(source=worker.embedder, min_change=settings.ingest_embed_min_change)
            if kind == "snippets"
            else None
        )
        consumer = TopicConsumer(settings=settings, engine=engine, kind=kind, stop=stop, embedder=inline)
        tasks = [asyncio.create_task(consumer.run())]
        if kind == "snippets":
            tasks.append(asyncio.create_task(worker.run(stop)))
            tasks.append(asyncio.create_task(run_churn_forever(settings, engine, stop)))
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()
    finally:
        await engine.dispose()


async def churn(settings: Settings, *, full: bool) -> None:
    engine = create_engine(settings)
    try:
        report = await run_churn(engine, full=full)
        print(f"churn ETL: {report.companies} companies scanned, {report.events_new} new churn events")
    finally:
        await engine.dispose()


async def embed(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        worker = EmbeddingWorker(settings=settings, engine=engine)
        total = 0
        while (done := await worker.run_once()) > 0:
            total += done
        print(f"embedded {total} companies")
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app.ingest", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    parser.add_argument("job", nargs="?", choices=("consume", "churn", "embed"), default="consume")
    parser.add_argument("--topic", choices=("snippets", "outcomes"), help="consumer: which topic")
    parser.add_argument("--full", action="store_true", help="churn: rescan every company")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level)
    if args.job == "churn":
        asyncio.run(churn(settings, full=args.full))
    elif args.job == "embed":
        asyncio.run(embed(settings))
    else:
        if args.topic is None:
            parser.error("--topic snippets|outcomes is required")
        if not settings.kafka_enabled:
            parser.error("KAFKA_BOOTSTRAP_SERVERS is empty: there is nothing to consume")
        asyncio.run(consume(settings, args.topic))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
