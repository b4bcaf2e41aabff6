"""Fault injection on a private stack (own PostgreSQL, Redis and Kafka on their own ports and state
directory, started with `dev.stack`), the API under uvicorn and one snippet consumer, under a steady
load of snippet batches and searches. For each fault: what the API answered while it lasted (by
status, and whether every 503 carried Retry-After), and after recovery whether every accepted
snippet is stored exactly once (accepted, stored, duplicates, lost).

Used by `python -m scripts.fault_test`; the results table goes to docs/RELIABILITY.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.auth.service import create_key
from app.core.config import REPO_ROOT
from dev.stack import MODULES
from dev.stack_config import build_config
from tools.db_admin import alembic_run, asyncpg_dsn, ensure_database

PG_PORT, REDIS_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT, API_PORT = 61632, 61679, 61692, 61693, 61680
PEPPER = "fault-test-pepper-not-a-secret-0123456789"
DB_USER = "embedded_postgres"  # the system user the dev stack runs PostgreSQL as when started by root


@dataclass
class Tally:
    """What the API answered during one window."""

    snippets: Counter[int] = field(default_factory=Counter)
    searches: Counter[int] = field(default_factory=Counter)
    missing_retry_after: int = 0
    transport_errors: int = 0

    def describe(self) -> str:
        def fmt(c: Counter[int]) -> str:
            return ", ".join(f"{code}: {n}" for code, n in sorted(c.items())) or "-"

        extra = f"; connection errors: {self.transport_errors}" if self.transport_errors else ""
        return f"snippets {{{fmt(self.snippets)}}}; searches {{{fmt(self.searches)}}}{extra}"


@dataclass
class Outcome:
    name: str
    fault: str
    during: Tally
    accepted: int = 0
    stored: int = 0
    duplicates: int = 0
    lost: int = 0
    notes: str = ""
    skipped: str = ""


class Stack:
    """The private servers, through the dev stack (`up` for all or one service, `down` of all, or of
    one service through its module: the CLI's `down` stops everything in the state directory)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.ports = {
            "pg": PG_PORT,
            "redis": REDIS_PORT,
            "kafka": KAFKA_PORT,
            "kafka-controller": KAFKA_CONTROLLER_PORT,
        }
        self.args = ["--state-dir", str(state_dir)]
        for name, port in self.ports.items():
            self.args += [f"--{name}-port", str(port)]
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS") and not k.startswith("DEV_")
        }

    async def run(self, verb: str, only: str | None = None) -> None:
        if verb == "down" and only is not None:
            cfg = build_config(
                environ=self.env,
                only=only,
                pg_port=PG_PORT,
                redis_port=REDIS_PORT,
                kafka_port=KAFKA_PORT,
                kafka_controller_port=KAFKA_CONTROLLER_PORT,
                state_dir=self.state_dir,
            )
            await asyncio.to_thread(MODULES[only].down, cfg)
            return
        cmd = [sys.executable, "-m", "dev.stack", verb, *self.args, *(["--only", only] if only else [])]
        done = await asyncio.to_thread(
            subprocess.run,
            cmd,
            env=self.env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 and not (verb == "down" and "FAILED" not in done.stderr):
            raise RuntimeError(f"dev.stack {verb} {only or ''} failed:\n{done.stdout}\n{done.stderr}")


def service_env(*, database_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("DEV_")},
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{KAFKA_PORT}",
        "API_KEY_PEPPER": PEPPER,
        "LOG_LEVEL": "WARNING",
        "INGEST_RETRY_MAX_S": "2",
        "DB_POOL_TIMEOUT_S": "2",
        "ENVIRONMENT": "test",
    }


class Process:
    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.cmd, self.env, self.log_dir = name, cmd, env, log_dir
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.log_dir / f"{self.name}.{self.starts}.log").open("wb")
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def snippet_batch(run: str, start: int, n: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        {
            "snippet_id": f"{run}-{i}",
            "miner_id": f"fault-miner-{i % 3}",
            "company": {"domain": f"fault{i % 40}.example.com", "name": f"Fault {i % 40}"},
            "kind": "news",
            "text": f"Fault {i % 40} announced expansion number {i} of its {run} operations "
            f"in region {i % 17}.",
            "source_url": f"https://news.example.com/{run}/{i}",
            "observed_at": now,
        }
        for i in range(start, start + n)
    ]


class Load:
    """Snippet batches (every `every_s`) and searches, recording answers into the current Tally."""

    def __init__(self, base: str, key: str, run: str, *, batch: int = 10, every_s: float = 0.2) -> None:
        self.base, self.key, self.run, self.batch, self.every_s = base, key, run, batch, every_s
        self.tally = Tally()
        self.accepted: set[str] = set()
        self.sent = 0
        self._stop = asyncio.Event()

    def window(self) -> Tally:
        """Start a new window; returns the one that ended."""
        ended, self.tally = self.tally, Tally()
        return ended

    def _note(self, counter: Counter[int], response: httpx.Response) -> None:
        counter[response.status_code] += 1
        if response.status_code == 503 and "retry-after" not in response.headers:
            self.tally.missing_retry_after += 1

    async def _snippets(self, client: httpx.AsyncClient) -> None:
        while not self._stop.is_set():
            items = snippet_batch(self.run, self.sent, self.batch)
            self.sent += len(items)
            try:
                response = await client.post("/v1/snippets", json={"snippets": items})
            except httpx.HTTPError:
                self.tally.transport_errors += 1
            else:
                self._note(self.tally.snippets, response)
                if response.status_code == 202:
                    rejected = {r["index"] for r in response.json()["rejected"]}
                    self.accepted |= {s["snippet_id"] for i, s in enumerate(items) if i not in rejected}
            await asyncio.sleep(self.every_s)

    async def _searches(self, client: httpx.AsyncClient) -> None:
        prompts = ["payroll software for clinics", "cloud cost optimisation", "expansion in new regions"]
        n = 0
        while not self._stop.is_set():
            n += 1
            try:
                response = await client.post("/v1/leads/search", json={"prompt": prompts[n % 3], "k": 5})
            except httpx.HTTPError:
                self.tally.transport_errors += 1
            else:
                self._note(self.tally.searches, response)
            await asyncio.sleep(self.every_s)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        headers = {"Authorization": f"Bearer {self.key}"}
        async with httpx.AsyncClient(base_url=self.base, headers=headers, timeout=10) as client:
            tasks = [asyncio.create_task(self._snippets(client)), asyncio.create_task(self._searches(client))]
            try:
                yield
            finally:
                self._stop.set()
                await asyncio.gather(*tasks)


async def fetch_scalar(dsn: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def fetch_retrying(dsn: str, sql: str, *args: Any, within_s: float = 120.0) -> Any:
    """`fetch_scalar`, retried while PostgreSQL is still coming back."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            return await fetch_scalar(dsn, sql, *args)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1.0)


async def counter_excess(dsn: str) -> int:
    """Company snippet counters minus accepted snippets: grows if a snippet was counted twice."""
    return int(
        await fetch_retrying(
            dsn,
            "SELECT coalesce(sum(snippet_count), 0) - "
            "(SELECT count(*) FROM snippets WHERE status = 'accepted') FROM companies",
        )
        or 0
    )


async def settle(dsn: str, run: str, ids: set[str], *, within_s: float) -> tuple[int, int]:
    """Wait until every accepted id is stored (or the deadline); (stored, rows with a text stored twice)."""
    deadline = time.monotonic() + within_s
    stored = 0
    while True:
        with contextlib.suppress(OSError, asyncpg.PostgresError):
            stored = int(
                await fetch_scalar(dsn, "SELECT count(*) FROM snippets WHERE id = ANY($1::text[])", list(ids))
            )
            if stored >= len(ids):
                break
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(1.0)
    await asyncio.sleep(2.0)  # a late duplicate would land now
    twice = await fetch_retrying(
        dsn,
        "SELECT count(*) - count(DISTINCT text) FROM snippets WHERE source_url LIKE $1",
        f"https://news.example.com/{run}/%",
    )
    return stored, int(twice or 0)


async def wait_http(url: str, *, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer 200")
            await asyncio.sleep(0.5)


Fault = Callable[[], Awaitable[str]]


class Harness:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.stack = Stack(work / "stack")
        self.database_url = f"postgresql+asyncpg://postgres@127.0.0.1:{PG_PORT}/leadpoet"
        self.dsn = asyncpg_dsn(self.database_url)
        env = service_env(database_url=self.database_url)
        logs = work / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1",
                   "--port", str(API_PORT), "--log-level", "warning"]  # fmt: skip
        self.api = Process("api", uvicorn, env, logs)
        self.consumer = Process(
            "consumer", [sys.executable, "-m", "app.ingest", "--topic", "snippets"], env, logs
        )
        self.base = f"http://127.0.0.1:{API_PORT}"
        self.key = ""
        self.mount: Path | None = None

    async def start(self) -> None:
        await self.stack.run("up")
        await ensure_database(self.database_url)
        await alembic_run(self.database_url, "upgrade", "head")
        engine = create_async_engine(self.database_url)
        try:
            async with AsyncSession(engine) as session:
                _, new = await create_key(
                    session,
                    name="fault-test",
                    scopes=["ingest", "search"],
                    pepper=PEPPER,
                    rate_limit_per_minute=10**6,
                )
                await session.commit()
            self.key = new.clear
        finally:
            await engine.dispose()
        self.api.start()
        self.consumer.start()
        await wait_http(f"{self.base}/readyz", within_s=120)

    async def stop(self) -> None:
        self.consumer.stop()
        self.api.stop()
        if self.mount is not None:
            with contextlib.suppress(Exception):
                await fetch_scalar(self.dsn, "ALTER TABLE requests SET TABLESPACE pg_default")
        await self.stack.run("down")
        if self.mount is not None:
            await asyncio.to_thread(
                subprocess.run, ["umount", str(self.mount)], check=False, capture_output=True
            )

    async def scenario(self, name: str, fault_text: str, inject: Fault, *, before_s: float = 3.0,
                       after_s: float = 5.0) -> Outcome:  # fmt: skip
        load = Load(self.base, self.key, f"{name}-{uuid.uuid4().hex[:6]}")
        excess_before = await counter_excess(self.dsn)
        async with load.running():
            await asyncio.sleep(before_s)
            load.window()
            notes = await inject()
            during = load.window()
            await asyncio.sleep(after_s)
            after = load.window()
        stored, twice = await settle(self.dsn, load.run, load.accepted, within_s=180)
        duplicates = twice + max(0, await counter_excess(self.dsn) - excess_before)
        accepted = len(load.accepted)
        outcome = Outcome(name=name, fault=fault_text, during=during, accepted=accepted, stored=stored,
                          duplicates=duplicates, lost=accepted - stored, notes=notes)  # fmt: skip
        if after.snippets.get(500) or after.searches.get(500):
            outcome.notes += f" after recovery: {after.describe()}"
        return outcome

    # --- the faults ------------------------------------------------------------------------------
    async def kill_consumer(self) -> str:
        await asyncio.sleep(1.0)  # mid-stream: the consumer is storing a batch
        self.consumer.kill()
        await asyncio.sleep(3.0)
        self.consumer.start()
        await asyncio.sleep(3.0)
        return "SIGKILL while storing; restarted after 3 s"

    async def restart_kafka(self) -> str:
        started = time.monotonic()
        await self.stack.run("down", "kafka")
        await asyncio.sleep(5.0)
        await self.stack.run("up", "kafka")
        return f"broker down {time.monotonic() - started:.0f} s"

    async def restart_postgres(self) -> str:
        started = time.monotonic()
        await self.stack.run("down", "postgres")
        await asyncio.sleep(10.0)
        await self.stack.run("up", "postgres")
        return f"PostgreSQL down {time.monotonic() - started:.0f} s"

    async def stop_redis(self) -> str:
        started = time.monotonic()
        await self.stack.run("down", "redis")
        await asyncio.sleep(10.0)
        await self.stack.run("up", "redis")
        return f"Redis down {time.monotonic() - started:.0f} s"

    async def fill_query_log_disk(self) -> str:
        """The query log table on its own 8 MB tmpfs tablespace, filled up for 10 s."""
        mount = self.work / "querylog-fs"
        mount.mkdir(exist_ok=True)
        cmd = ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)]
        done = await asyncio.to_thread(subprocess.run, cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SkipScenario(f"cannot mount a tmpfs here ({done.stderr.strip()[:80]})")
        self.mount = mount
        shutil.chown(mount, user=DB_USER, group=DB_USER)
        await fetch_scalar(self.dsn, f"CREATE TABLESPACE querylog LOCATION '{mount}'")
        await fetch_scalar(self.dsn, "ALTER TABLE requests SET TABLESPACE querylog")
        before = int(await fetch_scalar(self.dsn, "SELECT count(*) FROM requests"))
        filler = mount / "filler"
        fill = ["dd", "if=/dev/zero", f"of={filler}", "bs=1M", "count=64"]
        await asyncio.to_thread(subprocess.run, fill, capture_output=True, check=False)
        await asyncio.sleep(10.0)
        full_rows = int(await fetch_scalar(self.dsn, "SELECT count(*) FROM requests"))
        filler.unlink()
        await asyncio.sleep(3.0)
        after = int(await fetch_scalar(self.dsn, "SELECT count(*) FROM requests"))
        return (
            f"tablespace full 10 s: query log rows {before} -> {full_rows} while full -> {after} after "
            "(buffered rows written once space was back)"
        )


class SkipScenario(Exception):
    pass


async def run_all(work: Path | None = None, *, only: list[str] | None = None) -> list[Outcome]:
    work = work or Path(tempfile.mkdtemp(prefix="leadpoet-faults-"))
    harness = Harness(work)
    scenarios: list[tuple[str, str, Fault]] = [
        ("consumer_killed", "kill the snippet consumer mid-batch", harness.kill_consumer),
        ("kafka_restart", "restart the Kafka broker", harness.restart_kafka),
        ("postgres_restart", "restart PostgreSQL", harness.restart_postgres),
        ("redis_stopped", "stop Redis (10 s)", harness.stop_redis),
        ("querylog_disk_full", "fill the disk of the query log's tablespace", harness.fill_query_log_disk),
    ]
    outcomes: list[Outcome] = []
    await harness.start()
    try:
        for name, text, inject in scenarios:
            if only and name not in only:
                continue
            try:
                outcomes.append(await harness.scenario(name, text, inject))
            except SkipScenario as exc:
                outcomes.append(Outcome(name=name, fault=text, during=Tally(), skipped=str(exc)))
            await wait_http(f"{harness.base}/readyz", within_s=120)
    finally:
        await harness.stop()
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| fault | API answers while it lasted | 503 without Retry-After | accepted | stored "
        "| duplicates | lost | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        if o.skipped:
            lines.append(f"| {o.fault} | not run: {o.skipped} | | | | | | |")
            continue
        lines.append(
            f"| {o.fault} | {o.during.describe()} | {o.during.missing_retry_after} | {o.accepted} "
            f"| {o.stored} | {o.duplicates} | {o.lost} | {o.notes.strip()} |"
        )
    return "\n".join(lines)
