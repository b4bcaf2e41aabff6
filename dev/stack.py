"""The local stack: real PostgreSQL+pgvector, Redis and Kafka on loopback, for development and tests.

    python -m dev.stack up      # start what is not running (idempotent), health-checked
    python -m dev.stack status  # each service up/down; exit 1 if an expected one is down
    python -m dev.stack down    # stop what `up` started (by pid file), wait for exit
    python -m dev.stack env     # `export DATABASE_URL=...` lines; `eval "$(python -m dev.stack env)"`

Options (any verb): --only postgres,redis  --no-kafka  --pg-port N  --redis-port N  --kafka-port N
--kafka-controller-port N  --state-dir DIR  --kafka-cache DIR. Environment: DEV_PG_PORT, DEV_REDIS_PORT,
DEV_KAFKA_PORT, DEV_KAFKA_CONTROLLER_PORT, DEV_STACK_DIR, DEV_KAFKA_CACHE. When DATABASE_URL, REDIS_URL or
KAFKA_BOOTSTRAP_SERVERS is set (to another address than this stack's), that service is external: it is
checked, never started or stopped. See docs/LOCAL_STACK.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from dev import stack_kafka, stack_postgres, stack_redis
from dev.stack_config import SERVICES, ConfigError, StackConfig, current_config
from dev.stack_proc import Report, StackError, cmdline, pid_alive, stack_lock

MODULES: dict[str, ModuleType] = {"postgres": stack_postgres, "redis": stack_redis, "kafka": stack_kafka}
HEALTHY = ("up", "external", "started", "already running")


def _not_managed(cfg: StackConfig, service: str) -> Report | None:
    mode = cfg.mode(service)
    if mode == "skipped":
        return Report(service, "skipped", detail="not selected")
    if mode == "disabled":
        return Report(service, "disabled", detail="its URL variable is set to an empty value")
    return None


def cmd_up(cfg: StackConfig) -> int:
    """start what is not running (idempotent), with health checks"""
    started = time.monotonic()
    code = 0
    with stack_lock(cfg.paths.run):
        for service in SERVICES:
            report = _not_managed(cfg, service)
            if report is None:
                action: Callable[[StackConfig], Report] = MODULES[service].up
                try:
                    report = action(cfg)
                except StackError as exc:
                    print(f"{service:<9} FAILED\n{exc}", file=sys.stderr, flush=True)
                    return 1
                if report.state not in HEALTHY:
                    code = 1
            print(report.line(), flush=True)
        write_env_file(cfg)
    print(f"env written to {cfg.paths.env_file}; up took {time.monotonic() - started:.1f}s", flush=True)
    return code


def write_env_file(cfg: StackConfig) -> Path:
    path = cfg.paths.env_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# written by `python -m dev.stack up`; source it or use `python -m dev.stack env`\n"
        + "\n".join(cfg.env_lines())
        + "\n"
    )
    return path


def cmd_status(cfg: StackConfig) -> int:
    """each service up/down; exit 1 if an expected one is down"""
    code = 0
    for service in SERVICES:
        report = _not_managed(cfg, service)
        if report is None:
            action: Callable[[StackConfig], Report] = MODULES[service].status
            report = action(cfg)
            if report.state not in HEALTHY:
                code = 1
        print(report.line(), flush=True)
    return code


SERVER_BINARIES = ("postgres", "java", "redis-server")


def leftovers(cfg: StackConfig) -> list[int]:
    """Server processes of this stack that are still alive: a PostgreSQL or Java process whose command
    line mentions the state directory, or a redis-server titled with this stack's Redis address."""
    root = str(cfg.paths.root)
    redis_title = f"{cfg.host}:{cfg.ports.redis}"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or not pid_alive(int(entry.name)):
            continue
        args = cmdline(int(entry.name)).split()
        binary = Path(args[0]).name if args else ""
        if binary not in SERVER_BINARIES:
            continue
        if any(f"{root}/" in arg for arg in args[1:]) or (
            binary == "redis-server" and redis_title in args[1:]
        ):
            found.append(int(entry.name))
    return found


def cmd_down(cfg: StackConfig) -> int:
    """stop what `up` started (by pid file) and wait until it has exited"""
    started = time.monotonic()
    code = 0
    with stack_lock(cfg.paths.run):
        for service in reversed(SERVICES):  # Kafka first, PostgreSQL last
            action: Callable[[StackConfig], Report] = MODULES[service].down
            try:
                print(action(cfg).line(), flush=True)
            except StackError as exc:
                print(f"{service:<9} FAILED\n{exc}", file=sys.stderr, flush=True)
                code = 1
        cfg.paths.env_file.unlink(missing_ok=True)
    left = leftovers(cfg)
    if left:
        print(f"WARNING: still running and using {cfg.paths.root}: pids {left}", file=sys.stderr)
        code = 1
    print(f"down took {time.monotonic() - started:.1f}s", flush=True)
    return code


def cmd_env(cfg: StackConfig) -> int:
    """print `export DATABASE_URL=...` lines for eval"""
    print("\n".join(cfg.env_lines()))
    return 0


COMMANDS: dict[str, Callable[[StackConfig], int]] = {
    "up": cmd_up,
    "status": cmd_status,
    "down": cmd_down,
    "env": cmd_env,
}


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--only", help="comma-separated subset of: " + ",".join(SERVICES))
    common.add_argument("--no-kafka", action="store_true", help="leave Kafka out")
    common.add_argument("--pg-port", type=int, help="PostgreSQL port (DEV_PG_PORT, default 55432)")
    common.add_argument("--redis-port", type=int, help="Redis port (DEV_REDIS_PORT, default 56379)")
    common.add_argument("--kafka-port", type=int, help="Kafka broker port (DEV_KAFKA_PORT, default 59092)")
    common.add_argument(
        "--kafka-controller-port",
        type=int,
        help="Kafka KRaft controller port (DEV_KAFKA_CONTROLLER_PORT, default 59093)",
    )
    common.add_argument(
        "--state-dir", type=Path, help="data, logs and pid files (DEV_STACK_DIR, default .dev)"
    )
    common.add_argument(
        "--kafka-cache",
        type=Path,
        help="Kafka jar cache (DEV_KAFKA_CACHE, default ~/.cache/leadpoet/kafka-<version>)",
    )
    top = argparse.ArgumentParser(prog="python -m dev.stack", description=(__doc__ or "").splitlines()[0])
    verbs = top.add_subparsers(dest="command", required=True)
    for name, func in COMMANDS.items():
        verbs.add_parser(name, parents=[common], help=(func.__doc__ or name).splitlines()[0])
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        cfg = current_config(
            only=args.only,
            no_kafka=args.no_kafka,
            pg_port=args.pg_port,
            redis_port=args.redis_port,
            kafka_port=args.kafka_port,
            kafka_controller_port=args.kafka_controller_port,
            state_dir=args.state_dir,
            kafka_cache=args.kafka_cache,
        )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return COMMANDS[args.command](cfg)


if __name__ == "__main__":
    raise SystemExit(main())
