"""Kafka consumers (`python -m app.ingest --topic snippets|outcomes`): one consumer group per topic,
scaled by partitions. Per poll: parse + validate every record, store the valid ones in ONE
transaction, send the invalid ones to the `.dlq` topic (original bytes + reason headers), and only
then commit the offsets. PostgreSQL down or slow: partitions paused, retried with backoff, resumed."""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.core.kafka import kafka_client_kwargs
from app.ingest.db import ensure_miners, transaction
from app.ingest.errors import is_transient
from app.ingest.inline_embed import InlineEmbedder
from app.ingest.outcomes import store_outcomes
from app.ingest.service import ADMITTED_HEADER, limits_of
from app.ingest.validate import CleanOutcome, CleanSnippet, Rejection, validate_outcome, validate_snippet
from app.ingest.writer import store_snippets
from app.observability.meters import CONSUMER_LAG, DLQ_MESSAGES, SNIPPETS_MISKEYED, SNIPPETS_REJECTED

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Poison:
    record: Any
    reason: str
    field: str = ""
    detail: str = ""
    miner_id: str | None = None  # when known: the rejection counts against the miner's pass rate


class Stopping(Exception):
    """Shutdown requested while a batch was being retried: leave without committing (re-delivered)."""


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: TopicConsumer) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        # Offsets are committed after every stored batch, so nothing is pending here; a batch still
        # being retried is re-delivered to the new owner and deduplicated by snippet id.
        logger.info("partitions revoked: %s", sorted(tp.partition for tp in revoked))
        for tp in revoked:
            CONSUMER_LAG.labels(topic=tp.topic, partition=str(tp.partition)).set(0)

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        logger.info("partitions assigned: %s", sorted(tp.partition for tp in assigned))


class TopicConsumer:
    def __init__(
        self,
        *,
        settings: Settings,
        engine: AsyncEngine,
        kind: str,
        stop: asyncio.Event,
        embedder: InlineEmbedder | None = None,
    ) -> None:
        if kind not in ("snippets", "outcomes"):
            raise ValueError(f"unknown topic kind {kind!r}")
        self.settings = settings
        self.engine = engine
        self.kind = kind
        self.stop = stop
        self.embedder = embedder  # snippets: embeddings written with the batch (else queued)
        self.topic = settings.topic_snippets if kind == "snippets" else settings.topic_outcomes
        self.dlq = settings.topic_snippets_dlq if kind == "snippets" else settings.topic_outcomes_dlq
        self.group = (
            settings.kafka_consumer_group_snippets
            if kind == "snippets"
            else settings.kafka_consumer_group_outcomes
        )
        self.batches_stored = 0
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None

    # --- lifecycle -------------------------------------------------------------------------
    async def _start(self) -> None:
        delay = 0.5
        while not self.stop.is_set():
            common = kafka_client_kwargs(self.settings)  # bootstrap, TLS / SASL when configured
            consumer = AIOKafkaConsumer(
                **{
                    **common,
                    "client_id": f"{self.settings.kafka_client_id}-{self.kind}",
                    # must exceed the group's session timeout, and a fetch may wait while paused
                    "request_timeout_ms": self.settings.kafka_request_timeout_ms + 30_000,
                },
                group_id=self.group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=self.settings.ingest_max_batch,
                max_partition_fetch_bytes=4 * 1024 * 1024,
            )
            producer = AIOKafkaProducer(
                **{**common, "client_id": f"{self.settings.kafka_client_id}-{self.kind}-dlq"},
                acks="all",
                enable_idempotence=True,
            )
            try:
                await consumer.start()
                await producer.start()
            except (KafkaError, OSError) as exc:
                logger.warning("kafka not reachable (%s); retrying in %.1fs", exc, delay)
                await _quiet_stop(consumer, producer)
                await _sleep(self.stop, delay)
                delay = min(delay * 2, self.settings.ingest_retry_max_s)
                continue
            consumer.subscribe([self.topic], listener=_Listener(self))
            self.consumer, self.producer = consumer, producer
            return

    async def run(self) -> None:
        await self._start()
        if self.consumer is None:
            return
        try:
            while not self.stop.is_set():
                try:
                    polled = await self.consumer.getmany(
                        timeout_ms=self.settings.ingest_consumer_poll_ms,
                        max_records=self.settings.ingest_max_batch,
                    )
                except KafkaError as exc:  # the broker restarts: aiokafka reconnects by itself
                    logger.warning("poll failed (%s); retrying", exc)
                    await _sleep(self.stop, 1.0)
                    continue
                records = [r for tp in sorted(polled, key=lambda t: t.partition) for r in polled[tp]]
                if records:
                    try:
                        await self.process(records)
                    except Stopping:
                        logger.warning("stopping with an unstored batch; it will be re-delivered")
                        break
                await self._publish_lag()
        finally:
            await _quiet_stop(self.consumer, self.producer)

    # --- one batch -------------------------------------------------------------------------
    async def process(self, records: list[Any]) -> None:
        now = datetime.now(UTC)
        poison: list[Poison] = []
        clean: list[tuple[Any, Any]] = []
        for record in records:
            item = self._parse(record, now)
            if isinstance(item, Poison):
                poison.append(item)
            else:
                clean.append((record, item))
        rejected = Counter(p.miner_id for p in poison if p.miner_id is not None)
        poison += await self._store_with_retry(clean, now, rejected)
        await self._dead_letter(poison)
        self.batches_stored += 1
        if self.settings.ingest_fault_exit_after_batches and (
            self.batches_stored >= self.settings.ingest_fault_exit_after_batches
        ):
            logger.error(
                "fault injection: exiting after storing batch %s, before commit", self.batches_stored
            )
            os._exit(17)
        await self._commit(records)

    def _parse(self, record: Any, now: datetime) -> CleanSnippet | CleanOutcome | Poison:
        value = record.value
        if value is None or not value:
            return Poison(record, "empty")
        if len(value) > self.settings.ingest_max_message_bytes:
            return Poison(record, "too_large", detail=f"{len(value)} bytes")
        try:
            raw = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            return Poison(record, "not_json", detail=str(exc)[:200])
        limits = limits_of(self.settings)
        checked = (
            validate_snippet(raw, now=now, limits=limits)
            if self.kind == "snippets"
            else validate_outcome(raw, now=now, limits=limits)
        )
        if isinstance(checked, Rejection):
            SNIPPETS_REJECTED.labels(
                reason=checked.reason if self.kind == "snippets" else f"outcome_{checked.reason}"
            ).inc()
            miner = raw.get("miner_id") if isinstance(raw, dict) else None
            miner = miner.strip() if isinstance(miner, str) else None
            known = miner if miner and len(miner) <= 64 and miner.isprintable() else None
            return Poison(record, checked.reason, checked.field, checked.detail, known)
        if isinstance(checked, CleanSnippet) and record.key != checked.domain.encode():
            SNIPPETS_MISKEYED.inc()
        return checked

    async def _store(
        self, clean: list[tuple[Any, Any]], now: datetime, rejected: Counter[str] | None = None
    ) -> list[Poison]:
        rejected = rejected if self.kind == "snippets" and rejected else Counter()
        if not clean and not rejected:
            return []
        if self.kind == "snippets":
            miner_ids = [c.miner_id for _, c in clean if isinstance(c, CleanSnippet)] + list(rejected)
            await ensure_miners(self.engine, ids=miner_ids, settings=self.settings, now=now)
        async with transaction(self.engine) as conn:
            if self.kind == "outcomes":
                result = await store_outcomes(
                    conn, outcomes=[c for _, c in clean], settings=self.settings, now=now
                )
                return [Poison(clean[i][0], "unknown_lead", "lead_id") for i in result.unknown]
            admitted = {i for i, (r, _) in enumerate(clean) if (ADMITTED_HEADER, b"1") in (r.headers or ())}
            stored = await store_snippets(
                conn,
                snippets=[c for _, c in clean],
                rejected_by_miner=rejected,
                settings=self.settings,
                now=now,
                throttle="partial",
                pre_admitted=admitted,
                source="kafka",
                embedder=self.embedder,
            )
        return [Poison(clean[i][0], "throttled", "miner_id") for i in stored.throttled]

    async def _store_with_retry(
        self, clean: list[tuple[Any, Any]], now: datetime, rejected: Counter[str] | None = None
    ) -> list[Poison]:
        """Transient failures (PostgreSQL down, slow, deadlock): pause, back off, retry the whole batch
        (idempotent). A permanent failure: store one by one, dead-lettering what still fails."""
        delay = 0.25
        paused: set[TopicPartition] = set()
        try:
            while True:
                try:
                    return await self._store(clean, now, rejected)
                except Exception as exc:
                    if not is_transient(exc):
                        logger.exception("batch failed permanently; storing records one by one")
                        return await self._store_one_by_one(clean, now)
                    if self.stop.is_set():
                        raise Stopping from exc
                    logger.warning("storage unavailable (%s); pausing, retry in %.2fs", exc, delay)
                    paused = await self._pause_and_wait(delay)
                    delay = min(delay * 2, self.settings.ingest_retry_max_s)
        finally:
            if paused and self.consumer is not None:
                self.consumer.resume(*[tp for tp in paused if tp in self.consumer.assignment()])

    async def _pause_and_wait(self, delay: float) -> set[TopicPartition]:
        assert self.consumer is not None
        assignment = set(self.consumer.assignment())
        self.consumer.pause(*assignment)
        await asyncio.sleep(delay)
        # Keep the group membership alive; anything fetched from a partition assigned meanwhile is
        # put back (seek) so it is read again after the retry.
        extra = await self.consumer.getmany(timeout_ms=0)
        for tp, recs in extra.items():
            if recs:
                self.consumer.seek(tp, recs[0].offset)
        return assignment | set(self.consumer.assignment())

    async def _store_one_by_one(self, clean: list[tuple[Any, Any]], now: datetime) -> list[Poison]:
        poison: list[Poison] = []
        for item in clean:
            try:
                poison += await self._store([item], now)
            except Exception as exc:
                if is_transient(exc):
                    poison += await self._store_with_retry([item], now)
                else:
                    poison.append(Poison(item[0], "store_error", detail=str(exc)[:300]))
        return poison

    async def _dead_letter(self, poison: list[Poison]) -> None:
        if not poison:
            return
        assert self.producer is not None
        delay = 0.25
        while True:
            try:
                futures = []
                for p in poison:
                    headers = [
                        ("dlq-reason", p.reason.encode()),
                        ("dlq-field", p.field.encode()),
                        ("dlq-detail", p.detail[:500].encode()),
                        ("dlq-source-topic", p.record.topic.encode()),
                        ("dlq-source-partition", str(p.record.partition).encode()),
                        ("dlq-source-offset", str(p.record.offset).encode()),
                        *[(k, v) for k, v in (p.record.headers or ()) if not k.startswith("dlq-")],
                    ]
                    futures.append(
                        await self.producer.send(
                            self.dlq, value=p.record.value or b"", key=p.record.key, headers=headers
                        )
                    )
                await asyncio.gather(*futures)
                break
            except KafkaError as exc:
                if self.stop.is_set():
                    raise Stopping from exc
                logger.warning("DLQ publish failed (%s); retrying in %.2fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.ingest_retry_max_s)
        for reason, n in Counter(p.reason for p in poison).items():
            DLQ_MESSAGES.labels(topic=self.dlq, reason=reason).inc(n)

    async def _commit(self, records: list[Any]) -> None:
        assert self.consumer is not None
        offsets: dict[TopicPartition, int] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            offsets[tp] = max(offsets.get(tp, -1), r.offset + 1)
        delay = 0.25
        while True:
            assigned = self.consumer.assignment()
            mine = {tp: o for tp, o in offsets.items() if tp in assigned}
            if not mine:
                return
            try:
                await self.consumer.commit(mine)
                return
            except KafkaError as exc:  # broker down or rebalance: retried; redelivery is harmless
                logger.warning("offset commit failed (%s); retrying in %.2fs", exc, delay)
                if self.stop.is_set():
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.ingest_retry_max_s)

    async def _publish_lag(self) -> None:
        consumer = self.consumer
        if consumer is None:
            return
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            try:
                position = await asyncio.wait_for(consumer.position(tp), timeout=1.0)
            except (KafkaError, TimeoutError, AssertionError):
                continue
            CONSUMER_LAG.labels(topic=tp.topic, partition=str(tp.partition)).set(max(0, high - position))


async def _quiet_stop(*clients: Any) -> None:
    for client in clients:
        if client is None:
            continue
        try:
            await client.stop()
        except Exception as exc:
            logger.debug("stop failed: %s", exc)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
