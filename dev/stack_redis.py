"""Redis from Debian's ``redis-server``, daemonized on loopback, no persistence."""

from __future__ import annotations

import subprocess
import time

import redis

from dev.stack_config import StackConfig
from dev.stack_proc import (
    Report,
    StackError,
    ensure_binary,
    owned_pid,
    read_pid,
    require_port_free,
    stop_owned,
    tail,
    wait_until,
)

NAME = "redis"
MARKER = "redis-server"


def command(cfg: StackConfig, binary: str) -> list[str]:
    paths = cfg.paths
    return [
        binary,
        "--bind",
        cfg.host,
        "--port",
        str(cfg.ports.redis),
        "--daemonize",
        "yes",
        "--pidfile",
        str(paths.pid_file(NAME)),
        "--logfile",
        str(paths.log_file(NAME)),
        "--dir",
        str(paths.redis_dir),
        "--save",
        "",
        "--appendonly",
        "no",
        "--databases",
        "64",
        "--protected-mode",
        "yes",
    ]


def _ping(client: redis.Redis) -> str:
    try:
        client.ping()
        info = client.info("server")
        return f"Redis {info.get('redis_version', '?')}"
    finally:
        client.close()


def _local_client(cfg: StackConfig) -> redis.Redis:
    return redis.Redis(host=cfg.host, port=cfg.ports.redis, socket_timeout=2, socket_connect_timeout=2)


def _answers(cfg: StackConfig) -> bool:
    try:
        _ping(_local_client(cfg))
    except redis.RedisError:
        return False
    return True


def _external(cfg: StackConfig) -> Report:
    url = cfg.url(NAME)
    try:
        detail = _ping(redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3))
    except (redis.RedisError, ValueError) as exc:
        return Report(NAME, "down", url, detail=f"external, unreachable: {exc}")
    return Report(NAME, "external", url, detail=detail)


def up(cfg: StackConfig) -> Report:
    if cfg.mode(NAME) == "external":
        return _external(cfg)
    url = cfg.url(NAME)
    pid_file = cfg.paths.pid_file(NAME)
    pid = owned_pid(pid_file, MARKER)
    if pid is not None:
        return Report(NAME, "already running", url, pid)
    require_port_free(cfg.host, cfg.ports.redis, service=NAME, flag="--redis-port")
    started = time.monotonic()
    binary = ensure_binary("redis-server", apt_package="redis-server")
    for directory in (cfg.paths.redis_dir, cfg.paths.logs, cfg.paths.run):
        directory.mkdir(parents=True, exist_ok=True)
    pid_file.unlink(missing_ok=True)
    result = subprocess.run(command(cfg, binary), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"redis: redis-server exited {result.returncode}: {result.stderr or result.stdout}")
    if not wait_until(lambda: read_pid(pid_file) is not None and _answers(cfg), timeout=20):
        raise StackError(f"redis: not answering on {url}\n{tail(cfg.paths.log_file(NAME))}")
    pid = owned_pid(pid_file, MARKER)
    detail = _ping(_local_client(cfg))
    return Report(NAME, "started", url, pid, f"{detail}, {time.monotonic() - started:.1f}s")


def status(cfg: StackConfig) -> Report:
    if cfg.mode(NAME) == "external":
        return _external(cfg)
    url = cfg.url(NAME)
    pid = owned_pid(cfg.paths.pid_file(NAME), MARKER)
    if pid is None:
        return Report(NAME, "down", url)
    try:
        detail = _ping(_local_client(cfg))
    except redis.RedisError as exc:
        return Report(NAME, "down", url, pid, f"process alive but not answering: {exc}")
    return Report(NAME, "up", url, pid, detail)


def down(cfg: StackConfig) -> Report:
    return stop_owned(NAME, cfg.paths.pid_file(NAME), MARKER, timeout=20)
