"""Kafka helpers for the ingestion tests: unique topics, producing raw bytes, running a consumer
in-process, reading a topic back, waiting for the database to reach a state."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.core.db import create_engine
from app.ingest.consumer import TopicConsumer
from tests.support import unique


async def create_topics(bootstrap: str, *names: str, partitions: int = 3) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(name=n, num_partitions=partitions, replication_factor=1) for n in names]
        )
    finally:
        await admin.close()


async def kafka_settings(settings: Settings, **overrides: Any) -> Settings:
    """Settings with a unique snippet/outcome topic pair, their DLQs and consumer groups."""
    names = {
        "topic_snippets": unique("t.snippets"),
        "topic_snippets_dlq": unique("t.snippets.dlq"),
        "topic_outcomes": unique("t.outcomes"),
        "topic_outcomes_dlq": unique("t.outcomes.dlq"),
        "kafka_consumer_group_snippets": unique("g.snippets"),
        "kafka_consumer_group_outcomes": unique("g.outcomes"),
    }
    out = settings.model_copy(update={**names, **overrides})
    await create_topics(out.kafka_bootstrap_servers, out.topic_snippets, out.topic_outcomes)
    await create_topics(
        out.kafka_bootstrap_servers, out.topic_snippets_dlq, out.topic_outcomes_dlq, partitions=1
    )
    return out


async def produce(
    bootstrap: str,
    topic: str,
    values: Sequence[bytes | Mapping[str, Any]],
    *,
    keys: list[bytes] | None = None,
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=4 * 1024 * 1024)
    await producer.start()
    try:
        futures = []
        for i, value in enumerate(values):
            raw = value if isinstance(value, bytes) else orjson.dumps(value)
            key = (
                keys[i]
                if keys
                else (
                    value["company"]["domain"].encode()
                    if isinstance(value, dict)
                    and isinstance(value.get("company"), dict)
                    and isinstance(value["company"].get("domain"), str)
                    else b"x"
                )
            )
            futures.append(await producer.send(topic, value=raw, key=key))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def running_consumer(settings: Settings, kind: str = "snippets") -> AsyncIterator[TopicConsumer]:
    stop = asyncio.Event()
    engine = create_engine(settings)
    consumer = TopicConsumer(settings=settings, engine=engine, kind=kind, stop=stop)
    task = asyncio.create_task(consumer.run())
    try:
        yield consumer
    finally:
        stop.set()
        await task
        await engine.dispose()


async def read_topic(bootstrap: str, topic: str, expected: int, *, within: float = 30.0) -> list[Any]:
    """A topic's records from its start, read until `expected` have arrived."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=unique("reader"), auto_offset_reset="earliest"
    )
    await consumer.start()
    out: list[Any] = []
    try:
        async with asyncio.timeout(within):
            while len(out) < expected:
                polled = await consumer.getmany(timeout_ms=300)
                for recs in polled.values():
                    out.extend(recs)
    finally:
        await consumer.stop()
    return out


async def scalar(engine: AsyncEngine, sql: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


async def wait_until(check: Callable[[], Awaitable[bool]], *, within: float, every: float = 0.2) -> None:
    """Poll until `check()` is true (a deadline, not a speed assertion)."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110 - polling the database, not an in-process event
            await asyncio.sleep(every)
