"""Ingestion benchmark: push a world's snippets through Kafka into the real consumers and measure the
sustained end-to-end rate and the freshness of sampled snippets: broker ack -> stored, profile merged
and embedding written (the pgvector ANN key), and with `--search-probe` broker ack -> searchable in
the ranker's in-memory index (BM25, store row, features), see tools/bench_ingest_probe.py.

    python -m scripts.bench_ingest --world .dev/world/bench-7 [--generate] [--limit N] [--consumers 2]
        [--rate 1200 --search-probe]

Runs against the stack in the environment (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL's server), in its own
database (`leadpoet_bench`) and its own topics, and starts `--consumers` processes of
`python -m app.ingest --topic snippets` (and the probe process). Prints JSON and a Markdown row.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from app.core.config import REPO_ROOT, Settings
from app.ingest.normalize import message_key
from dev.world.config import WorldConfig, default_out_dir
from dev.world.writer import write_world
from tools.bench_ingest_probe import SearchProbe, probe_report, spread
from tools.db_admin import BENCH_DB, alembic_run, asyncpg_dsn, ensure_database, with_database
from tools.proc_cpu import read_pid_file, tree_cpu_s

TABLES = (
    "companies, company_embeddings, contacts, miners, snippets, outcomes, embedding_queue, churn_events, "
    "snippet_corroborations, ingest_job_state"
)


async def prepare_database(settings: Settings) -> str:
    """The benchmark's database on the configured server: created, migrated and emptied."""
    url = with_database(settings.database_url, BENCH_DB)
    await ensure_database(url)
    await alembic_run(url, "upgrade", "head")
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
        await conn.execute("SELECT pg_stat_reset()")  # this database's counters: table_writes()
    finally:
        await conn.close()
    return url


async def create_topics(bootstrap: str, topic: str, dlq: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(name=topic, num_partitions=partitions, replication_factor=1),
                NewTopic(name=dlq, num_partitions=1, replication_factor=1),
            ]
        )
    finally:
        await admin.close()


async def committed(bootstrap: str, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        return sum(max(0, meta.offset) for meta in offsets.values())
    except Exception:
        return 0
    finally:
        await admin.close()


async def dlq_reasons(bootstrap: str, topic: str) -> dict[str, int]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    reasons: Counter[str] = Counter()
    try:
        partitions = list(consumer.assignment())
        ends = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    reasons[dict(r.headers).get("dlq-reason", b"?").decode()] += 1
    finally:
        await consumer.stop()
    return dict(reasons)


def read_lines(path: Path, limit: int | None) -> list[bytes]:
    lines: list[bytes] = []
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                lines.append(line.rstrip(b"\n"))
                if limit is not None and len(lines) >= limit:
                    break
    return lines


async def produce(
    bootstrap: str,
    topic: str,
    lines: list[bytes],
    *,
    sample_every: int,
    acked: dict[str, float],
    rate: float | None,
    key_mode: str = "normalized",
) -> float:
    """As fast as possible, or paced at `rate` snippets/s (ticks of 100 ms). `key_mode`: the message key is
    the normalised domain (what `POST /v1/snippets` publishes and the contract asks of miners) or the
    domain exactly as the world spells it ("raw": variants of one company's domain such as
    `www.Acme.com.` land on other partitions, so two consumers write the same company)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=20,
        max_batch_size=256 * 1024,
        compression_type=None,
    )
    await producer.start()
    started = time.monotonic()
    try:
        pending: list[Any] = []
        for i, line in enumerate(lines):
            record = orjson.loads(line)
            domain = str((record.get("company") or {}).get("domain", ""))
            key = (message_key(domain) if key_mode == "normalized" else domain).encode()
            future = await producer.send(topic, value=line, key=key)
            if i % sample_every == 0 and record.get("snippet_id"):
                sid = str(record["snippet_id"])
                future.add_done_callback(lambda _f, sid=sid: acked.__setitem__(sid, time.monotonic()))
            pending.append(future)
            if rate is not None and i % max(1, int(rate / 10)) == 0:
                ahead = started + i / rate - time.monotonic()
                if ahead > 0:
                    await asyncio.sleep(ahead)
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.monotonic() - started


async def watch_freshness(
    dsn: str, acked: dict[str, float], visible: dict[str, float], stop: asyncio.Event
) -> None:
    """Poll every 100 ms: a sampled snippet is visible once stored and its company is no longer
    waiting in the embedding queue (profile, columns, embedding and updated_at all written)."""
    conn = await asyncpg.connect(dsn)
    try:
        while not stop.is_set():
            pending = [sid for sid in acked if sid not in visible]
            if pending:
                rows = await conn.fetch(
                    """
                    SELECT s.id FROM snippets s WHERE s.id = ANY($1::text[]) AND (
                        s.status <> 'accepted' OR NOT EXISTS (
                            SELECT 1 FROM embedding_queue q WHERE q.company_id = s.company_id))
                    """,
                    pending,
                )
                now = time.monotonic()
                for r in rows:
                    visible[r["id"]] = now
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


def sampled_ids(lines: list[bytes], every: int) -> list[str]:
    """The snippets whose freshness is measured (the same rule as `produce`)."""
    out = []
    for i in range(0, len(lines), every):
        sid = orjson.loads(lines[i]).get("snippet_id")
        if sid:
            out.append(str(sid))
    return out


async def table_writes(conn: asyncpg.Connection) -> dict[str, dict[str, int]]:
    """Rows inserted / updated (HOT among them) per table over the run (counters reset with the
    TRUNCATE; the server flushes them about once a second)."""
    await asyncio.sleep(1.5)
    rows = await conn.fetch(
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
        "WHERE relname = ANY($1::text[])",
        ["companies", "company_embeddings"],
    )
    return {
        r["relname"]: {"inserted": r["n_tup_ins"], "updated": r["n_tup_upd"], "hot": r["n_tup_hot_upd"]}
        for r in rows
    }


def stack_pids() -> dict[str, int]:
    """The dev stack's PostgreSQL and Kafka (pid files under DEV_STACK_DIR or .dev), when running."""
    run_dir = Path(os.environ.get("DEV_STACK_DIR") or REPO_ROOT / ".dev") / "run"
    pids = {name: read_pid_file(run_dir / f"{name}.pid") for name in ("postgres", "kafka")}
    return {name: pid for name, pid in pids.items() if pid is not None}


class CpuMeter:
    """CPU seconds of the consumers, our PostgreSQL server (every backend, autovacuum, WAL writer) and
    Kafka between `start()` and `stop()`, sampled from /proc."""

    def __init__(self, consumers: list[int]) -> None:
        self.groups: dict[str, list[int]] = {"consumers": consumers}
        self.groups.update({name: [pid] for name, pid in stack_pids().items()})
        self.before: dict[int, float] = {}
        self.after: dict[int, float] = {}

    def sample(self) -> dict[int, float]:
        return tree_cpu_s([pid for pids in self.groups.values() for pid in pids])

    def start(self) -> None:
        self.before = self.sample()

    def stop(self) -> None:
        self.after = self.sample()

    def report(self, snippets: int) -> dict[str, Any]:
        spent = {
            name: round(sum(self.after.get(p, 0.0) - self.before.get(p, 0.0) for p in pids), 2)
            for name, pids in self.groups.items()
        }
        total = sum(spent.values())
        return {
            "cpu_s": spent,
            "cpu_s_total": round(total, 2),
            "cpu_ms_per_snippet": {
                **{name: round(1000 * v / max(1, snippets), 3) for name, v in spent.items()},
                "total": round(1000 * total / max(1, snippets), 3),
            },
            "load_average": [round(v, 2) for v in os.getloadavg()],
        }


async def wait_for_consumers(bootstrap: str, group: str, total: int, limit_s: float) -> float | None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if await committed(bootstrap, group) >= total:
            return time.monotonic()
        await asyncio.sleep(0.5)
    return None


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    world = Path(args.world)
    snippets_path = world / "snippets.jsonl"
    if not snippets_path.exists():
        if not args.generate:
            raise SystemExit(
                f"{snippets_path} is missing: generate it (python -m dev.world generate --size bench)"
            )
        write_world(WorldConfig.for_size(args.size, seed=args.seed), world)
    lines = read_lines(snippets_path, args.limit)
    url = await prepare_database(settings)
    suffix = uuid.uuid4().hex[:8]
    topic, dlq, group = f"bench.snippets-{suffix}", f"bench.snippets.dlq-{suffix}", f"bench-ingest-{suffix}"
    bootstrap = settings.kafka_bootstrap_servers
    await create_topics(bootstrap, topic, dlq, args.partitions)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TOPIC_SNIPPETS": topic,
        "TOPIC_SNIPPETS_DLQ": dlq,
        "KAFKA_CONSUMER_GROUP_SNIPPETS": group,
        "LOG_LEVEL": "WARNING",
        "INGEST_CHURN_INTERVAL_S": "30",
    }
    probe = (
        SearchProbe(env, sampled_ids(lines, args.sample_every), REPO_ROOT / ".dev" / "ingest-bench" / suffix)
        if args.search_probe
        else None
    )
    logs = REPO_ROOT / ".dev" / "ingest-bench" / suffix
    logs.mkdir(parents=True, exist_ok=True)
    log_files = [(logs / f"consumer-{n}.log").open("wb") for n in range(args.consumers)]
    procs = [
        subprocess.Popen(  # noqa: ASYNC220 - long-running children, stopped at the end
            [sys.executable, "-m", "app.ingest", "--topic", "snippets"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for log in log_files
    ]
    meter = CpuMeter([p.pid for p in procs])
    load_before = os.getloadavg()[0]
    acked: dict[str, float] = {}
    visible: dict[str, float] = {}
    probed: dict[str, Any] = {}
    stop = asyncio.Event()
    dsn = asyncpg_dsn(url)
    watcher = asyncio.create_task(watch_freshness(dsn, acked, visible, stop))
    try:
        await asyncio.sleep(3.0)  # consumers join the group
        if probe is not None:
            await probe.ready()
        meter.start()
        started = time.monotonic()
        produce_s = await produce(
            bootstrap,
            topic,
            lines,
            sample_every=args.sample_every,
            acked=acked,
            rate=args.rate,
            key_mode=args.key,
        )
        done_at = await wait_for_consumers(bootstrap, group, len(lines), args.timeout)
        meter.stop()  # the work of the stream; the freshness drain below is idle time
        # let the embedding queue drain and the index catch up for the freshness samples
        drain_deadline = time.monotonic() + 60
        while time.monotonic() < drain_deadline and len(visible) < len(acked):  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        if probe is not None:
            await asyncio.sleep(3 * settings.index_refresh_interval_s + 5.0)
    finally:
        if not meter.after:
            meter.stop()
        stop.set()
        await watcher
        if probe is not None:
            probed = probe.stop()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        for log in log_files:
            log.close()
    conn = await asyncpg.connect(dsn)
    try:
        counts = {
            r["status"]: r["n"]
            for r in await conn.fetch("SELECT status, count(*) AS n FROM snippets GROUP BY 1")
        }
        companies = await conn.fetchval("SELECT count(*) FROM companies")
        embedded = await conn.fetchval("SELECT count(*) FROM company_embeddings")
        writes = await table_writes(conn)
        miners = await conn.fetch("SELECT reputation, quarantined FROM miners")
        churn = await conn.fetchval("SELECT count(*) FROM churn_events")
        deadlocks = await conn.fetchval(  # since the counters were reset at the start
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        )
    finally:
        await conn.close()
    total_s = (done_at or time.monotonic()) - started
    reasons = await dlq_reasons(bootstrap, dlq)
    fresh = [visible[s] - acked[s] for s in visible if s in acked]
    result: dict[str, Any] = {
        "snippets": len(lines),
        "consumers": args.consumers,
        "paced_rate": args.rate,
        "partitions": args.partitions,
        "produce_s": round(produce_s, 2),
        "end_to_end_s": round(total_s, 2),
        "completed": done_at is not None,
        "snippets_per_s": round(len(lines) / total_s, 1),
        "statuses": counts,
        "dead_letter_reasons": reasons,
        "repeated_ids_skipped": len(lines) - sum(counts.values()) - sum(reasons.values()),
        "companies": companies,
        "companies_embedded": embedded,
        "table_writes": writes,
        "miners": len(miners),
        "miners_quarantined": sum(1 for m in miners if m["quarantined"]),
        "churn_events": churn,
        "deadlocks": {
            "postgresql": deadlocks,
            "consumer_log_lines": log_lines(logs, "deadlock"),
            "consumer_logs": str(logs.relative_to(REPO_ROOT)),
        },
        "cpu": {**meter.report(len(lines)), "load_average_before": round(load_before, 2)},
        "freshness_samples": len(fresh),
        "freshness_unseen": len(acked) - len(fresh),
        "freshness_s": spread(fresh),
    }
    if probe is not None:
        result["search_probe"] = probe_report(probed, acked, visible)
    return result


def log_lines(directory: Path, needle: str) -> int:
    """Lines of the consumers' logs under `directory` that contain `needle` (case-insensitive)."""
    return sum(
        needle in line.lower()
        for path in sorted(directory.glob("consumer-*.log"))
        for line in path.read_text(errors="replace").splitlines()
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--world", default=str(default_out_dir("bench", 7)))
    parser.add_argument("--generate", action="store_true", help="generate the world when it is missing")
    parser.add_argument("--size", default="bench")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=int, default=None, help="push only the first N snippets")
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--rate", type=float, default=None, help="pace the producer (snippets/s)")
    parser.add_argument(
        "--key",
        default="normalized",
        choices=["normalized", "raw"],
        help="message key: the normalised domain (the contract; what POST /v1/snippets sends) or the "
        "world's spelling (variants of one company on several partitions)",
    )
    parser.add_argument("--sample-every", type=int, default=200, help="freshness sample rate")
    parser.add_argument(
        "--search-probe",
        action="store_true",
        help="also run the ranker's index and measure search visibility",
    )
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    fresh = result["freshness_s"]
    row = (
        f"\n| {result['snippets']:,} snippets "
        f"| {result['consumers']} consumers / {result['partitions']} partitions "
        f"| {result['snippets_per_s']:,.0f} snippets/s end to end | stored+embedded p50 {fresh['p50']} s, "
        f"p90 {fresh['p90']} s, p99 {fresh['p99']} s |"
    )
    if "search_probe" in result:
        search = result["search_probe"]["search_visible_s"]
        row += f" searchable p50 {search['p50']} s, p90 {search['p90']} s, p99 {search['p99']} s |"
    cpu = result["cpu"]
    print(
        f"CPU per snippet {cpu['cpu_ms_per_snippet']['total']} ms ({cpu['cpu_ms_per_snippet']}); "
        f"load average before {cpu['load_average_before']}, at the end {cpu['load_average']}"
    )
    print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
