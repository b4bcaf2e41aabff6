"""Consumer lag per partition, measured on the real broker."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import REGISTRY

from app.core.config import Settings
from app.core.kafka import KafkaHub
from app.observability.kafka_lag import compute_lag, publish_lag, report_lag_forever
from tests.ingest.kafka_support import create_topics
from tests.support import unique


def test_compute_lag() -> None:
    a, b, c = TopicPartition("t", 0), TopicPartition("t", 1), TopicPartition("t", 2)
    lags = compute_lag(end_offsets={a: 10, b: 5, c: 7}, positions={a: 4, b: 6})
    assert lags == {a: 6, b: 0}


@pytest.mark.kafka
async def test_lag_of_an_assigned_consumer(settings: Settings) -> None:
    topic = unique("test.lag")
    await create_topics(settings.kafka_bootstrap_servers, topic, partitions=2)
    hub = KafkaHub(settings)
    try:
        for i in range(5):
            await hub.send_and_wait(topic=topic, key=b"same-key", value=f"v{i}".encode())
    finally:
        await hub.close()

    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
        consumer.assign(partitions)
        lags = await publish_lag(consumer)
        assert sorted(lags.values()) == [0, 5]  # one key: every message on one partition
        busy = next(tp for tp, lag in lags.items() if lag == 5)
        assert (
            REGISTRY.get_sample_value(
                "kafka_consumer_lag", {"topic": topic, "partition": str(busy.partition)}
            )
            == 5
        )

        async with asyncio.timeout(30):
            got = 0
            while got < 2:
                batch = await consumer.getmany(busy, timeout_ms=500, max_records=2 - got)
                got += sum(len(r) for r in batch.values())
        lags = await publish_lag(consumer)
        assert lags[busy] == 3

        task = asyncio.create_task(report_lag_forever(consumer, interval_s=0.05))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (
            REGISTRY.get_sample_value(
                "kafka_consumer_lag", {"topic": topic, "partition": str(busy.partition)}
            )
            == 3
        )
    finally:
        await consumer.stop()
