"""Consumer lag per partition, for the ingestion consumers to call (`kafka_consumer_lag` gauge).

Lag = the partition's end offset (high watermark) − the consumer's next position. In the
consumer process:

    lag_task = asyncio.create_task(report_lag_forever(consumer, interval_s=10))
    ...
    lag_task.cancel()

or call `await publish_lag(consumer)` from the poll loop. Partitions revoked from this consumer
stop being updated here; the gauge's multiprocess mode is "mostrecent", so the consumer that owns
a partition now wins.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from app.observability.meters import CONSUMER_LAG

logger = logging.getLogger(__name__)


class _Partition(Protocol):
    topic: str
    partition: int


def compute_lag(*, end_offsets: Mapping[Any, int], positions: Mapping[Any, int]) -> dict[Any, int]:
    """Lag per partition present in both maps, never negative (a position can race past a stale end)."""
    return {tp: max(0, end - positions[tp]) for tp, end in end_offsets.items() if tp in positions}


async def measure_lag(consumer: Any) -> dict[Any, int]:
    """Lag of every partition assigned to an aiokafka `AIOKafkaConsumer` (one ListOffsets request)."""
    assigned = list(consumer.assignment())
    if not assigned:
        return {}
    end_offsets: dict[Any, int] = await consumer.end_offsets(assigned)
    positions = {tp: int(await consumer.position(tp)) for tp in assigned}
    return compute_lag(end_offsets=end_offsets, positions=positions)


def set_lag(lags: Mapping[Any, int]) -> None:
    for tp, lag in lags.items():
        partition: _Partition = tp
        CONSUMER_LAG.labels(topic=partition.topic, partition=str(partition.partition)).set(lag)


async def publish_lag(consumer: Any) -> dict[Any, int]:
    lags = await measure_lag(consumer)
    set_lag(lags)
    return lags


async def report_lag_forever(consumer: Any, *, interval_s: float = 10.0) -> None:
    """Publish the lag every `interval_s` until cancelled; errors are logged, never raised."""
    while True:
        try:
            await publish_lag(consumer)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("consumer lag measurement failed", exc_info=True)
        await asyncio.sleep(interval_s)
