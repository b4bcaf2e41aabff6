"""`make run`: migrate, mint a demo key, serve the API, load the demo world on first start.

Usage: python -m dev.run [--host 127.0.0.1] [--port 8000] [--world demo] [--seed 7] [--no-world]
                         [--key-rate-limit 30000]
The local stack must be up (`python -m dev.stack up`) and its URLs exported (`.dev/stack.env`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

import httpx
from alembic.config import Config
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from alembic import command
from app.auth.service import create_key
from app.catalog.companies import Company
from app.core.config import REPO_ROOT, get_settings
from app.core.db import create_engine, create_sessionmaker
from app.observability.multiproc import prepare_multiproc_dir

DEMO_PROMPT = "IoT sensors that watch refrigeration temperatures for food distributors"
# Requests a minute the demo key may make: twice what the SLA run sends (250/s = 15,000 a minute),
# so `scripts.sla_sweep` and `scripts.load_test` pointed at `make run` measure the service, not the
# key's limit (DEFAULT_RATE_LIMIT_PER_MINUTE, for keys created without a limit, is 6,000).
DEMO_KEY_RATE_LIMIT = 30_000
# The API processes that take the demo world's batches on first start, before the serving API starts:
# no index refresh (the serving API builds its index once, from the loaded database, instead of
# re-reading the companies that changed every second) and no background workers (the serving API's
# embedding worker embeds each queued company once at the end, not again after every batch).
LOAD_HELPER_ENV = {"INDEX_REFRESH_INTERVAL_S": "3600", "INGEST_WORKERS_IN_API": "false"}
LOAD_HELPERS = 2  # ingestion through the API is CPU-bound in one process
LOAD_CONCURRENCY = 6  # batches in flight over the helpers (disjoint companies and miners)
EMBED_PROCESSES = 2  # after the load, one per core

_T = TypeVar("_T")


def migrate() -> None:
    cfg = Config(str(REPO_ROOT / "alembic.ini"))
    command.upgrade(cfg, "head")


async def _demo_key_and_count(rate_limit: int) -> tuple[str, int]:
    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            _, new = await create_key(
                session,
                name="demo",
                scopes=["search", "ingest", "admin"],
                pepper=settings.api_key_pepper,
                rate_limit_per_minute=rate_limit,
            )
            await session.commit()
            count = int((await session.execute(select(func.count()).select_from(Company))).scalar_one())
    finally:
        await engine.dispose()
    return new.clear, count


def wait_ready(base_url: str, proc: subprocess.Popen[bytes], timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the API exited with code {proc.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the API did not become healthy in time")


def world_dir(size: str, seed: int) -> Path:
    return REPO_ROOT / ".dev" / "world" / f"{size}-{seed}"


def generate_world(size: str, seed: int) -> subprocess.Popen[bytes] | None:
    """Start generating the world when it is missing (it runs while the API processes start)."""
    out = world_dir(size, seed)
    if (out / "manifest.json").exists():
        return None
    print(f"generating the {size} world into {out} ...", flush=True)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dev.world",
            "generate",
            "--size",
            size,
            "--seed",
            str(seed),
            "--out",
            str(out),
        ]
    )


def load_world(*, urls: Sequence[str], key: str, size: str, seed: int) -> None:
    out = world_dir(size, seed)
    print(f"loading {out} through POST /v1/snippets and /v1/outcomes ...", flush=True)
    command = [sys.executable, "-m", "dev.world", "load", "--dir", str(out), "--url", ",".join(urls)]
    command += ["--key", key, "--concurrency", str(LOAD_CONCURRENCY)]
    subprocess.run(command, check=True)


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start_api(*, host: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
            "--host", host, "--port", str(port), "--workers", str(workers), "--no-access-log",
        ],
        cwd=Path(REPO_ROOT),
        env=env,
    )  # fmt: skip


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def load_world_with_helpers(*, host: str, key: str, env: dict[str, str], args: argparse.Namespace) -> None:
    """Load the world through `LOAD_HELPERS` API processes started for the load only (the same code
    path as the serving API's, without its index refresh and background workers)."""
    if importlib.util.find_spec("dev.world") is None:
        print("dev.world is not available: serving an empty pool", flush=True)
        return
    generating = generate_world(args.world, args.seed)
    helpers: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for _ in range(LOAD_HELPERS):
            port = free_port(host)
            helpers.append(
                (
                    f"http://{host}:{port}",
                    start_api(host=host, port=port, workers=1, env=env | LOAD_HELPER_ENV),
                )
            )
        if generating is not None and generating.wait() != 0:
            raise SystemExit(f"generating the {args.world} world failed")
        for url, proc in helpers:
            wait_ready(url, proc)
        load_world(urls=[url for url, _ in helpers], key=key, size=args.world, seed=args.seed)
    finally:
        if generating is not None and generating.poll() is None:
            generating.kill()
        for _, proc in helpers:
            stop(proc)
    embed_queued(env)


def embed_queued(env: dict[str, str]) -> None:
    """Embed every company the load queued, before the serving API builds its index (which then reads
    each company once, with its vector): `EMBED_PROCESSES` workers claiming disjoint batches. When no
    vector is stored yet (the first load), the vectors' HNSW indexes are dropped for the embedding
    and built again afterwards from their own definitions: one build costs a fraction of as many
    single inserts into the graph."""
    print("embedding the loaded companies ...", flush=True)
    indexes = asyncio.run(_with_engine(drop_empty_vector_indexes))
    try:
        command = [sys.executable, "-m", "app.ingest", "embed"]
        workers = [subprocess.Popen(command, cwd=REPO_ROOT, env=env) for _ in range(EMBED_PROCESSES)]
        for proc in workers:
            proc.wait()
    finally:
        if indexes:
            started = time.monotonic()
            asyncio.run(_with_engine(lambda engine: build_indexes(engine, indexes)))
            print(f"vector index built in {time.monotonic() - started:.1f}s", flush=True)


async def _with_engine(work: Callable[[AsyncEngine], Awaitable[_T]]) -> _T:
    engine = create_engine(get_settings())
    try:
        return await work(engine)
    finally:
        await engine.dispose()


async def drop_empty_vector_indexes(engine: AsyncEngine) -> list[str]:
    """The definitions of `company_embeddings`' HNSW indexes, dropped, if the table is empty."""
    async with engine.begin() as conn:
        if (await conn.execute(text("SELECT count(*) FROM company_embeddings"))).scalar_one():
            return []
        rows = (
            await conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = 'company_embeddings' AND indexdef ILIKE '% USING hnsw %'"
                )
            )
        ).all()
        for name, _ in rows:
            await conn.execute(text(f'DROP INDEX "{name}"'))
        return [str(definition) for _, definition in rows]


async def build_indexes(engine: AsyncEngine, definitions: Sequence[str]) -> None:
    """Run these CREATE INDEX statements (no statement timeout: a build takes a while)."""
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL statement_timeout = 0"))
        for statement in definitions:
            await conn.execute(text(statement))


async def _queued_embeddings() -> int:
    engine = create_engine(get_settings())
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM embedding_queue"))).scalar_one())
    finally:
        await engine.dispose()


def wait_embedded(proc: subprocess.Popen[bytes], timeout_s: float = 600.0) -> None:
    """Until the serving API's embedding worker has embedded every company the load queued."""
    deadline = time.monotonic() + timeout_s
    last = -1
    while time.monotonic() < deadline and proc.poll() is None:
        queued = asyncio.run(_queued_embeddings())
        if queued == 0:
            return
        if last < 0 or last - queued >= 2_000:
            print(f"embedding: {queued:,} companies queued", flush=True)
            last = queued
        time.sleep(1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dev.run")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--world", default="demo", help="world size to load on first start")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-world", action="store_true")
    parser.add_argument(
        "--key-rate-limit",
        type=int,
        default=DEMO_KEY_RATE_LIMIT,
        help="requests a minute the printed demo key may make",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.key_rate_limit <= 2**31 - 1:  # the column is a PostgreSQL integer
        parser.error("--key-rate-limit must be between 1 and 2147483647")

    # `kill` (SIGTERM) stops the API child too, like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    migrate()
    key, companies = asyncio.run(_demo_key_and_count(args.key_rate_limit))
    base_url = f"http://{args.host}:{args.port}"
    settings = get_settings()
    env = dict(os.environ)
    if settings.web_concurrency > 1:
        # Several workers share their meters through files (prometheus_client multi-process mode).
        folder = prepare_multiproc_dir(settings.prometheus_multiproc_dir or REPO_ROOT / ".dev" / "metrics")
        env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    loading = companies == 0 and not args.no_world
    if loading:
        load_world_with_helpers(host=args.host, key=key, env=env, args=args)
    proc = start_api(host=args.host, port=args.port, workers=settings.web_concurrency, env=env)
    try:
        wait_ready(base_url, proc)
        if loading:
            wait_embedded(proc)
        body = '{"prompt": "' + DEMO_PROMPT + '", "k": 5}'
        curl = (
            f"curl -s {base_url}/v1/leads/search -H {shlex.quote('Authorization: Bearer ' + key)} "
            f"-H 'Content-Type: application/json' -d {shlex.quote(body)}"
        )
        print("\n" + "=" * 78)
        print(f"Leadpoet is serving on {base_url}  (docs: {base_url}/docs, readiness: {base_url}/readyz)")
        print(f"Demo API key (scopes search, ingest, admin; {args.key_rate_limit:,} requests/minute): {key}")
        print(f"Try:\n  {curl}")
        print(f"Console: {base_url}/app  (sign in with the key above)")
        print("=" * 78 + "\n", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(proc)


if __name__ == "__main__":
    sys.exit(main())
