"""Test helpers shared by fixtures: real servers only, each test isolated."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from app.core.config import Settings
from tools.db_admin import with_database

TEST_DB = "leadpoet_test"
TEST_REDIS_DB = 15


def redis_db(url: str, db: int) -> str:
    """The same Redis server, another logical database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def test_settings(base: Settings, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": with_database(base.database_url, TEST_DB),
        "environment": "test",
        "auth_cache_ttl_s": 0.0,
        "log_level": "WARNING",
    }
    if base.redis_url:
        values["redis_url"] = redis_db(base.redis_url, TEST_REDIS_DB)
    values.update(overrides)
    return base.model_copy(update=values)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Linux's ephemeral range ends at 60999 by default: a server listening above it cannot collide with
# the local port of an outgoing connection.
HIGH_PORTS = range(61000, 65536)


def free_high_ports(n: int) -> tuple[int, ...]:
    """n distinct loopback ports above the ephemeral range that nothing listens on right now (random,
    so two checkouts running the same test at once do not pick the same ones)."""
    picked: list[int] = []
    for port in random.sample(HIGH_PORTS, len(HIGH_PORTS)):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        picked.append(port)
        if len(picked) == n:
            return tuple(picked)
    raise RuntimeError(f"fewer than {n} free ports above the ephemeral range")


@contextmanager
def served_process(
    cmd: Sequence[str],
    *,
    ready_url: str,
    log_path: Path,
    what: str,
    timeout_s: float = 60.0,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process (output to `log_path`), wait until `ready_url` answers 200, yield it,
    and stop it afterwards (terminate, then kill after 20 s). Fails with the log when it exits early."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, env=dict(env) if env is not None else dict(os.environ), stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                assert proc.poll() is None, log_path.read_text()
                try:
                    if httpx.get(ready_url, timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"{what} did not become ready"
                time.sleep(0.2)
            yield proc
        finally:
            stop_process(proc)


def stop_process(proc: subprocess.Popen[bytes], *, timeout_s: float = 20.0) -> None:
    """Terminate `proc`, and kill it when it has not exited after `timeout_s`."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
