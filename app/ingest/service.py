"""The ingestion service behind the HTTP endpoints: validate, then either write through the storage
code directly (no Kafka) or publish to the topics and return after the broker acknowledged."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.catalog.tables import Miner
from app.core.config import Settings
from app.core.errors import ApiError
from app.core.kafka import KafkaHub, KafkaUnavailableError
from app.ingest.db import ensure_miners, transaction
from app.ingest.miners import COUNTER_FIELDS, bucket, lock_miners, save_miners, take_tokens
from app.ingest.outcomes import store_outcomes
from app.ingest.schemas import MinerInfo, MinerSummary, Throttle
from app.ingest.validate import (
    CleanOutcome,
    CleanSnippet,
    Limits,
    Rejection,
    validate_outcome,
    validate_snippet,
)
from app.ingest.writer import StoreResult, Throttled, store_snippets
from app.observability.meters import MINERS_THROTTLED, SNIPPETS_REJECTED

ADMITTED_HEADER = "lp-admitted"


def limits_of(settings: Settings) -> Limits:
    return Limits(
        max_text_chars=settings.ingest_max_text_chars,
        future_skew=timedelta(seconds=settings.ingest_future_skew_s),
    )


@dataclass
class Verdict:
    """Validation of one request or consumer batch."""

    clean: list[tuple[int, CleanSnippet]] = field(default_factory=list)
    rejected: list[tuple[int, Rejection]] = field(default_factory=list)
    rejected_by_miner: Counter[str] = field(default_factory=Counter)

    def rejections(self) -> list[dict[str, Any]]:
        return [{"index": i, "field": r.field, "reason": r.reason} for i, r in self.rejected]


NOT_YOUR_MINER = Rejection(
    field="miner_id", reason="miner_not_allowed", detail="this API key may not post for this miner"
)


def judge_snippets(
    items: list[Any], *, now: datetime, limits: Limits, miners: frozenset[str] | None = None
) -> Verdict:
    """Validate each item; with `miners` (the key's bound miners), an item for another miner is
    rejected and counts against no miner's reputation (a key cannot harm a miner it is not)."""
    verdict = Verdict()
    for index, raw in enumerate(items):
        outcome = validate_snippet(raw, now=now, limits=limits)
        if isinstance(outcome, CleanSnippet) and miners is not None and outcome.miner_id not in miners:
            outcome = NOT_YOUR_MINER
        if isinstance(outcome, Rejection):
            verdict.rejected.append((index, outcome))
            SNIPPETS_REJECTED.labels(reason=outcome.reason).inc()
            miner = raw.get("miner_id") if isinstance(raw, dict) else None
            miner = miner.strip() if isinstance(miner, str) else None
            if miner and len(miner) <= 64 and miner.isprintable() and (miners is None or miner in miners):
                verdict.rejected_by_miner[miner] += 1
        else:
            verdict.clean.append((index, outcome))
    return verdict


DEADLOCK_RETRIES = 5


class StorageBusy(Exception):
    """The batch could not be stored now; nothing of it was stored (answered 503, retry later)."""


@dataclass(frozen=True, slots=True)
class IngestAnswer:
    accepted: int
    duplicates: int
    rejected: list[dict[str, Any]]


class IngestService:
    """The state's `ingest` component (app/api/state.py)."""

    def __init__(self, *, settings: Settings, engine: AsyncEngine, kafka: KafkaHub | None) -> None:
        self.settings = settings
        self.engine = engine
        self.kafka = kafka

    async def snippets(self, items: list[Any], *, miners: frozenset[str] | None = None) -> IngestAnswer:
        """Raises Throttled (nothing stored) or KafkaUnavailableError. `miners`: the only miners the
        caller may post for (None: any)."""
        now = datetime.now(UTC)
        verdict = judge_snippets(items, now=now, limits=limits_of(self.settings), miners=miners)
        clean = [s for _, s in verdict.clean]
        await ensure_miners(
            self.engine,
            ids=[s.miner_id for s in clean] + list(verdict.rejected_by_miner),
            settings=self.settings,
            now=now,
        )
        if self.kafka is None:
            result = await self._store_direct(clean, verdict.rejected_by_miner, now)
            return IngestAnswer(result.accepted, result.duplicates, verdict.rejections())
        async with transaction(self.engine) as conn:
            await self._admit(conn, clean, verdict.rejected_by_miner, now)
            known = await _known_duplicates(conn, clean)
        await self._publish(
            topic=self.settings.topic_snippets,
            messages=[(s.domain.encode(), orjson.dumps(items[i])) for i, s in verdict.clean],
        )
        return IngestAnswer(len(clean) - known, known, verdict.rejections())

    async def _store_direct(
        self, clean: list[CleanSnippet], rejected: Counter[str], now: datetime
    ) -> StoreResult:
        """The embedded mode's write. A deadlock (none is expected: companies, then miners, each in
        sorted order) or a batch that waited past the statement timeout for its locks under heavy load
        rolls the whole transaction back, and it is retried after a short random pause."""
        for attempt in range(DEADLOCK_RETRIES):
            try:
                async with transaction(self.engine) as conn:
                    return await store_snippets(
                        conn,
                        snippets=clean,
                        rejected_by_miner=rejected,
                        settings=self.settings,
                        now=now,
                        throttle="all_or_nothing",
                        source="http",
                    )
            except (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.QueryCanceledError):
                if attempt == DEADLOCK_RETRIES - 1:
                    raise StorageBusy("storage is busy (lock contention); nothing was stored") from None
                await asyncio.sleep(random.uniform(0.02, 0.1) * (attempt + 1))
        raise AssertionError("unreachable")

    async def _admit(
        self, conn: asyncpg.Connection, clean: list[CleanSnippet], rejected: Counter[str], now: datetime
    ) -> None:
        counts = Counter(s.miner_id for s in clean)
        miners = await lock_miners(conn, ids=[*counts, *rejected], settings=self.settings, now=now)
        for miner_id, n in rejected.items():
            miners[miner_id].add("rejected", n)
        for miner_id, n in sorted(counts.items()):
            taken = take_tokens(
                miners[miner_id], wanted=n, settings=self.settings, now=now, all_or_nothing=True
            )
            if taken.admitted < n:
                MINERS_THROTTLED.labels(source="http").inc()
                raise Throttled(miner_id, taken.retry_after_s)
        await save_miners(conn, miners=miners, settings=self.settings, now=now)

    async def _publish(self, *, topic: str, messages: list[tuple[bytes | None, bytes]]) -> None:
        """Publish and wait for the acknowledgements, at most KAFKA_PUBLISH_TIMEOUT_S: then the request
        fails with KafkaUnavailableError (503). A message the producer still delivers later is stored
        once: the client's retry carries the same snippet ids, deduplicated by the consumer."""
        assert self.kafka is not None
        kafka = self.kafka
        headers = [(ADMITTED_HEADER, b"1")]

        async def publish() -> None:
            producer = await kafka.producer()
            futures = [await producer.send(topic, value=v, key=k, headers=headers) for k, v in messages]
            await asyncio.gather(*futures)

        try:
            await asyncio.wait_for(publish(), timeout=self.settings.kafka_publish_timeout_s)
        except TimeoutError as exc:
            raise KafkaUnavailableError("the event stream did not acknowledge in time") from exc

    async def outcomes(self, items: list[Any]) -> IngestAnswer:
        now = datetime.now(UTC)
        limits = limits_of(self.settings)
        clean: list[CleanOutcome] = []
        positions: list[int] = []
        rejected: list[dict[str, Any]] = []
        for index, raw in enumerate(items):
            outcome = validate_outcome(raw, now=now, limits=limits)
            if isinstance(outcome, Rejection):
                rejected.append({"index": index, "field": outcome.field, "reason": outcome.reason})
                SNIPPETS_REJECTED.labels(reason=f"outcome_{outcome.reason}").inc()
            else:
                clean.append(outcome)
                positions.append(index)
        if self.kafka is not None:
            await self._publish(
                topic=self.settings.topic_outcomes,
                messages=[
                    ((o.domain or str(o.lead_id)).encode(), orjson.dumps(items[i]))
                    for i, o in zip(positions, clean, strict=True)
                ],
            )
            return IngestAnswer(len(clean), 0, rejected)
        async with transaction(self.engine) as conn:
            result = await store_outcomes(conn, outcomes=clean, settings=self.settings, now=now)
        for pos in result.unknown:
            rejected.append({"index": positions[pos], "field": "lead_id", "reason": "unknown_lead"})
        rejected.sort(key=lambda r: int(r["index"]))
        return IngestAnswer(result.accepted, result.duplicates, rejected)


async def _known_duplicates(conn: asyncpg.Connection, clean: list[CleanSnippet]) -> int:
    """How many of these are already stored (by id or content hash): best effort, before publishing."""
    if not clean:
        return 0
    rows = await conn.fetch(
        "SELECT id, content_hash FROM snippets WHERE id = ANY($1::text[]) OR "
        "(content_hash = ANY($2::bytea[]) AND duplicate_of IS NULL)",
        [s.snippet_id for s in clean],
        [s.content_hash for s in clean],
    )
    ids = {r["id"] for r in rows}
    hashes = {bytes(r["content_hash"]) for r in rows}
    return sum(1 for s in clean if s.snippet_id in ids or s.content_hash in hashes)


async def list_miners(session: AsyncSession, *, limit: int, offset: int) -> list[MinerSummary]:
    """Miners, lowest reputation first (ties by id)."""
    query = select(Miner).order_by(Miner.reputation, Miner.id).limit(limit).offset(offset)
    return [
        MinerSummary(id=m.id, reputation=m.reputation, quarantined=m.quarantined, last_seen_at=m.last_seen_at)
        for m in (await session.execute(query)).scalars()
    ]


async def miner_info(session: AsyncSession, *, settings: Settings, miner_id: str) -> MinerInfo:
    """A miner's reputation, quarantine state, counters and throttle bucket; 404 when unknown."""
    miner = (await session.execute(select(Miner).where(Miner.id == miner_id))).scalar_one_or_none()
    if miner is None:
        raise ApiError(status_code=404, code="not_found", message=f"no miner {miner_id!r}", field="miner_id")
    b = bucket(settings, miner.reputation)
    return MinerInfo(
        id=miner.id,
        reputation=miner.reputation,
        quarantined=miner.quarantined,
        counters={name: int(getattr(miner, name)) for name in COUNTER_FIELDS},
        throttle=Throttle(
            rate_per_s=round(b.rate_per_s, 3),
            capacity=round(b.capacity, 3),
            tokens=round(miner.throttle_tokens, 3),
            throttled_requests=miner.throttled_requests,
        ),
        created_at=miner.created_at,
        last_seen_at=miner.last_seen_at,
    )
