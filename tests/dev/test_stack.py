"""The local stack with real processes.

Most tests look at the shared stack that `make test` brings up before pytest (they never stop it);
one test runs a private PostgreSQL + Redis on free ports in a temporary directory through the whole
up / up / status / down cycle and checks that nothing is left running.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from dev import stack_kafka
from dev.stack import leftovers
from dev.stack_config import (
    KAFKA_TOPICS,
    PG_DATABASES,
    REPO_ROOT,
    URL_ENV,
    StackConfig,
    asyncpg_dsn,
    current_config,
)
from dev.stack_proc import (
    load_untyped,
    owned_pid,
    pid_alive,
    read_pid,
    signal_and_wait,
    wait_until,
    write_pid,
)

HEALTHY = ("up", "external")


def run_stack(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dev.stack", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def states(output: str) -> dict[str, str]:
    """service -> state from `up` / `status` / `down` lines ("already running" kept whole)."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if parts and parts[0] in URL_ENV:
            two_words = parts[1] in ("already", "not") and parts[2:3] == ["running"]
            found[parts[0]] = " ".join(parts[1:3]) if two_words else parts[1]
    return found


def pids(output: str) -> dict[str, int]:
    """service -> pid from the same lines."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        for part in parts[1:]:
            if parts[0] in URL_ENV and part.startswith("pid=") and part[4:].isdigit():
                found[parts[0]] = int(part[4:])
    return found


@pytest.fixture(scope="module")
def cfg() -> StackConfig:
    return current_config()


def require(cfg: StackConfig, service: str) -> None:
    """Tests of a service the environment turned off say so (visible with -ra) instead of passing."""
    if cfg.mode(service) == "disabled":
        pytest.skip(f"{service} disabled: {URL_ENV[service]} is set to an empty value")


# --- the shared, running stack ---------------------------------------------------------------


def test_status_reports_every_expected_service_up(cfg: StackConfig) -> None:
    result = run_stack("status")
    assert result.returncode == 0, result.stdout + result.stderr
    found = states(result.stdout)
    assert cfg.expected(), "no service expected: DATABASE_URL at least must be served"
    for service in cfg.expected():
        assert found[service] in HEALTHY, result.stdout


def test_env_prints_the_exports_the_app_reads(cfg: StackConfig) -> None:
    result = run_stack("env")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == cfg.env_lines()
    assert [line.split("=", 1)[0] for line in cfg.env_lines()] == [
        "export DATABASE_URL",
        "export REDIS_URL",
        "export KAFKA_BOOTSTRAP_SERVERS",
    ]


async def test_postgres_databases_have_pgvector(cfg: StackConfig) -> None:
    asyncpg = load_untyped("asyncpg")
    if cfg.mode("postgres") == "local":
        dsns = [asyncpg_dsn(cfg.local_url("postgres")).rsplit("/", 1)[0] + f"/{db}" for db in PG_DATABASES]
    else:
        dsns = [asyncpg_dsn(cfg.url("postgres"))]
    for dsn in dsns:
        conn = await asyncpg.connect(dsn=dsn, timeout=10)
        try:
            version = await conn.fetchval("select extversion from pg_extension where extname = 'vector'")
            server = await conn.fetchval("show server_version_num")
            distance = await conn.fetchval("select '[1,0]'::vector <=> '[0,1]'::vector")
        finally:
            await conn.close()
        assert version is not None, dsn
        assert version.startswith("0.8"), dsn
        assert int(server) >= 180000, dsn
        assert distance == pytest.approx(1.0)


async def test_redis_answers(cfg: StackConfig) -> None:
    require(cfg, "redis")
    client = aioredis.Redis.from_url(cfg.url("redis"))
    try:
        assert await client.ping()
    finally:
        await client.aclose()


async def test_kafka_topics_exist_with_their_partitions(cfg: StackConfig) -> None:
    require(cfg, "kafka")
    have = await stack_kafka.describe_topics(cfg.url("kafka"))
    for topic, partitions in KAFKA_TOPICS.items():
        assert have.get(topic) == partitions, have


# --- process helpers ---------------------------------------------------------------------------


def test_pid_files(tmp_path: Path) -> None:
    path = tmp_path / "run" / "x.pid"
    assert read_pid(path) is None
    write_pid(path, 1234)
    assert read_pid(path) == 1234
    path.write_text("garbage\n")
    assert read_pid(path) is None


def test_owned_pid_checks_the_command_line_and_stop_waits(tmp_path: Path) -> None:
    proc = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        pid_file = tmp_path / "sleep.pid"
        write_pid(pid_file, proc.pid)
        # Right after fork the child may not have exec'd `sleep` yet: wait for its command line.
        assert wait_until(lambda: owned_pid(pid_file, "sleep 300") is not None, timeout=10)
        assert owned_pid(pid_file, "sleep 300") == proc.pid
        assert owned_pid(pid_file, "kafka.Kafka") is None  # a reused pid is never taken for ours
        assert signal_and_wait(proc.pid, timeout=10)
        assert not pid_alive(proc.pid)  # a zombie counts as gone
        assert owned_pid(pid_file, "sleep 300") is None
    finally:
        proc.kill()
        proc.wait()


# --- a private stack, start to finish ---------------------------------------------------------


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def test_private_stack_up_twice_status_down_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in (*URL_ENV.values(), "DEV_STACK_DIR", "DEV_PG_PORT", "DEV_REDIS_PORT"):
        monkeypatch.delenv(
            var, raising=False
        )  # the private stack must not mistake the shared one for its own
    pg, rds, kafka, controller = free_ports(4)
    state = tmp_path / "stack"
    args = [
        "--only", "postgres,redis", "--state-dir", str(state), "--pg-port", str(pg), "--redis-port", str(rds),
        "--kafka-port", str(kafka), "--kafka-controller-port", str(controller),
    ]  # fmt: skip
    private = current_config(only="postgres,redis", state_dir=state, pg_port=pg, redis_port=rds,
                             kafka_port=kafka, kafka_controller_port=controller)  # fmt: skip
    try:
        first = run_stack("up", *args)
        assert first.returncode == 0, first.stdout + first.stderr
        assert states(first.stdout) == {"postgres": "started", "redis": "started", "kafka": "skipped"}
        started = pids(first.stdout)
        second = run_stack("up", *args)
        assert second.returncode == 0, second.stdout + second.stderr
        assert states(second.stdout) == {
            "postgres": "already running",
            "redis": "already running",
            "kafka": "skipped",
        }
        status = run_stack("status", *args)
        assert status.returncode == 0, status.stdout
        assert states(status.stdout) == {"postgres": "up", "redis": "up", "kafka": "skipped"}
        env_file = (state / "stack.env").read_text()
        assert f"DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:{pg}/leadpoet" in env_file
        assert "KAFKA_BOOTSTRAP_SERVERS=''" in env_file
        assert leftovers(private), "the private PostgreSQL should mention its data directory"
    finally:
        down = run_stack("down", *args)
    assert down.returncode == 0, down.stdout + down.stderr
    assert states(down.stdout) == {"kafka": "not running", "redis": "stopped", "postgres": "stopped"}
    assert leftovers(private) == []
    assert sorted(started) == ["postgres", "redis"]
    assert not any(pid_alive(pid) for pid in started.values())
    assert not (state / "run" / "postgres.pid").exists()
    assert not (state / "run" / "redis.pid").exists()
    after = run_stack("status", *args)
    assert after.returncode == 1
    assert states(after.stdout) == {"postgres": "down", "redis": "down", "kafka": "skipped"}
