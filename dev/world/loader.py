"""Feed a running service through its public ingestion path: HTTP batches or Kafka topics.

HTTP: ``POST {url}/v1/snippets`` with ``{"snippets": [...]}`` (<= 1,000 per batch, one miner per batch, as
real miners submit) and ``POST {url}/v1/outcomes`` with ``{"outcomes": [...]}``; 202 answers are tallied,
429 answers are retried after ``Retry-After`` (nothing from a throttled request is stored, so a retry loses
and doubles nothing); a batch still throttled after ``max_throttle_wait`` seconds is dropped and counted.
Kafka: topic ``miner.snippets`` (key: normalised company domain) and ``outcome.events`` (key: domain).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import math
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from dev.world.config import WORLD_NOW
from dev.world.reader import normalize_domain
from dev.world.writer import Progress

MAX_BATCH = 1_000
READY_BATCHES_PER_SLOT = 4  # batches formed ahead of the senders, per batch in flight


class LoadError(RuntimeError):
    """The service refused the load in a way retrying cannot fix (auth, contract, repeated 5xx)."""


@dataclass
class LoadStats:
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    throttled_responses: int = 0
    dropped_throttled: int = 0
    retries: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "reasons"}
        data["rejected_reasons"] = dict(self.reasons.most_common(20))
        return data


def retry_after_seconds(value: str | None, *, now: float | None = None, default: float = 1.0) -> float:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), clamped to [0.05, 300]."""
    text = (value or "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (ValueError, TypeError, IndexError):
            return default
        seconds = parsed.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return default
    return min(300.0, max(0.05, seconds))


def batches_by_miner(
    snippets: Iterable[dict[str, Any]], size: int
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Group a snippet stream into single-miner batches of at most ``size`` (memory: one buffer per miner)."""
    for _, miner, batch in batches_by_part_and_miner(snippets, size, parts=1):
        yield miner, batch


def company_part(snippet: dict[str, Any], parts: int) -> int:
    """Which of ``parts`` partitions the snippet's company falls in (a stable hash of its domain)."""
    domain = normalize_domain(str(snippet["company"]["domain"]))
    return zlib.crc32(domain.encode()) % parts


def batches_by_part_and_miner(
    snippets: Iterable[dict[str, Any]], size: int, *, parts: int
) -> Iterator[tuple[int, str, list[dict[str, Any]]]]:
    """Single-miner batches of at most ``size`` whose companies all fall in one of ``parts`` company
    partitions (memory: one buffer per partition and miner), in stream order within each buffer."""
    buffers: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for snippet in snippets:
        key = (company_part(snippet, parts) if parts > 1 else 0, snippet["miner_id"])
        buffer = buffers.setdefault(key, [])
        buffer.append(snippet)
        if len(buffer) >= size:
            yield key[0], key[1], buffer
            buffers[key] = []
    for key in sorted(buffers):
        if buffers[key]:
            yield key[0], key[1], buffers[key]


def time_shift_days(now: datetime | None = None) -> int:
    """Whole days from the world's now to the real now (negative if the clock is behind the world)."""
    current = now or datetime.now(UTC)
    return (current - WORLD_NOW).days


def shift_times(records: Iterable[dict[str, Any]], field_name: str, days: int) -> Iterator[dict[str, Any]]:
    """Copies of the records with one RFC 3339 UTC timestamp field moved by ``days``."""
    for record in records:
        moment = datetime.strptime(record[field_name], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        yield {**record, field_name: (moment + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")}


def chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class HttpLoader:
    def __init__(
        self,
        *,
        url: str,
        key: str,
        more_urls: Sequence[str] = (),
        concurrency: int = 4,
        parts: int | None = None,
        max_throttle_wait: float = 60.0,
        timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        # Other processes of the same service: each snippet batch goes to the one with the fewest
        # batches in flight (the locks that matter are the database's, shared by all of them).
        self.urls = [self.url, *(u.rstrip("/") for u in more_urls)]
        self.headers = {"Authorization": f"Bearer {key}"}
        self.semaphore = asyncio.Semaphore(concurrency)
        self.concurrency = concurrency
        # Company partitions (one batch in flight each): as many as the batches in flight, so that the
        # batches, formed per partition and miner, stay large.
        self.parts = parts if parts is not None else concurrency
        self.max_throttle_wait = max_throttle_wait
        self.client = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def close(self) -> None:
        await self.client.aclose()

    async def post_batch(
        self, path: str, body_key: str, items: list[dict[str, Any]], stats: LoadStats, *, base: str = ""
    ) -> None:
        waited = 0.0
        failures = 0
        while True:
            try:
                async with self.semaphore:
                    response = await self.client.post(
                        f"{base or self.url}{path}", json={body_key: items}, headers=self.headers
                    )
            except httpx.TransportError as exc:
                failures += 1
                if failures > 5:
                    raise LoadError(f"{path}: cannot reach the service ({exc})") from exc
                stats.retries += 1
                await asyncio.sleep(min(10.0, 0.5 * 2**failures))
                continue
            if response.status_code in (200, 201, 202):
                self._tally(response, len(items), stats)
                return
            if response.status_code == 429:
                stats.throttled_responses += 1
                delay = retry_after_seconds(response.headers.get("Retry-After"))
                if waited + delay > self.max_throttle_wait:
                    stats.dropped_throttled += len(items)
                    return
                stats.retries += 1
                waited += delay
                await asyncio.sleep(delay)
                continue
            if response.status_code >= 500 and failures < 5:
                failures += 1
                stats.retries += 1
                await asyncio.sleep(min(10.0, 0.5 * 2**failures))
                continue
            raise LoadError(f"{path}: HTTP {response.status_code}: {response.text[:500]}")

    @staticmethod
    def _tally(response: httpx.Response, count: int, stats: LoadStats) -> None:
        stats.sent += count
        try:
            body = response.json()
        except json.JSONDecodeError:
            body = {}
        stats.accepted += int(body.get("accepted", 0))
        stats.duplicates += int(body.get("duplicates", 0))
        rejected = body.get("rejected") or []
        stats.rejected += len(rejected)
        for item in rejected:
            stats.reasons[f"{item.get('field', '?')}: {item.get('reason', '?')}"] += 1

    async def load_snippets(
        self,
        snippets: Iterable[dict[str, Any]],
        *,
        batch_size: int = MAX_BATCH,
        progress: Progress | None = None,
    ) -> LoadStats:
        """Up to ``concurrency`` batches in flight, never two of one miner (a miner's batches go one
        after the other, and a throttled miner never blocks the others) nor two of one company
        partition: the service locks every company of a batch for the batch's transaction, so two
        batches sharing companies would run one after the other anyway."""
        stats = LoadStats()
        ready: list[tuple[int, str, list[dict[str, Any]]]] = []
        running: dict[asyncio.Task[None], tuple[int, str, int, str]] = {}
        done = 0

        def start() -> None:
            parts = {part for part, _, _, _ in running.values()}
            miners = {miner for _, miner, _, _ in running.values()}
            busy = Counter(base for _, _, _, base in running.values())
            waiting = []
            for part, miner, batch in ready:
                if len(running) < self.concurrency and part not in parts and miner not in miners:
                    base = min(self.urls, key=lambda u: busy[u])
                    busy[base] += 1
                    task = asyncio.create_task(
                        self.post_batch("/v1/snippets", "snippets", batch, stats, base=base)
                    )
                    running[task] = (part, miner, len(batch), base)
                    parts.add(part)
                    miners.add(miner)
                else:
                    waiting.append((part, miner, batch))
            ready[:] = waiting

        async def finish_one() -> None:
            nonlocal done
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                _, _, count, _ = running.pop(task)
                task.result()  # a LoadError stops the load
                done += count
                if progress:
                    progress.update(done)

        try:
            for item in batches_by_part_and_miner(snippets, min(batch_size, MAX_BATCH), parts=self.parts):
                ready.append(item)
                start()
                while len(ready) > READY_BATCHES_PER_SLOT * self.concurrency:  # bounds the memory held
                    await finish_one()
                    start()
            while ready or running:
                start()
                await finish_one()
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        if progress:
            progress.finish(done)
        return stats

    async def load_outcomes(
        self,
        outcomes: Iterable[dict[str, Any]],
        *,
        batch_size: int = MAX_BATCH,
        progress: Progress | None = None,
    ) -> LoadStats:
        stats = LoadStats()
        pending: set[asyncio.Task[None]] = set()
        done = 0
        try:
            for batch in chunks(outcomes, min(batch_size, MAX_BATCH)):
                if len(pending) >= self.concurrency:
                    finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    for task in finished:
                        task.result()
                pending.add(asyncio.create_task(self.post_batch("/v1/outcomes", "outcomes", batch, stats)))
                done += len(batch)
                if progress:
                    progress.update(done)
            if pending:
                await asyncio.gather(*pending)
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if progress:
            progress.finish(done)
        return stats


async def produce_kafka(
    *,
    bootstrap: str,
    topic: str,
    records: Iterable[dict[str, Any]],
    key_of: str,
    progress: Progress | None = None,
    flush_every: int = 5_000,
) -> LoadStats:
    """Publish records to a topic keyed by the normalised domain; waits for broker acknowledgements."""
    from aiokafka import AIOKafkaProducer  # noqa: PLC0415 - only needed for --via kafka

    stats = LoadStats()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=20,
        max_batch_size=1_048_576,
        max_request_size=4_194_304,
    )
    await producer.start()
    try:
        futures: list[asyncio.Future[Any]] = []
        for record in records:
            key = normalize_domain(record["company"]["domain"] if key_of == "company" else record["domain"])
            value = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
            futures.append(await producer.send(topic, value=value, key=key.encode()))
            stats.sent += 1
            if len(futures) >= flush_every:
                await asyncio.gather(*futures)
                futures.clear()
                if progress:
                    progress.update(stats.sent)
        await asyncio.gather(*futures)
        stats.accepted = stats.sent
    finally:
        await producer.stop()
    if progress:
        progress.finish(stats.sent)
    return stats
