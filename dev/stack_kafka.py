"""Apache Kafka, single-node KRaft (broker + controller in one JVM), assembled from Maven Central jars.

The jars are fetched once with ``mvn dependency:copy-dependencies`` (``dev/kafka/pom.xml``) into a cache
(``~/.cache/leadpoet/kafka-<version>/libs``) so later starts only pay for the JVM.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import shutil
import string
import subprocess
import time
from pathlib import Path
from typing import Any

from dev.stack_config import KAFKA_TOPICS, REPO_ROOT, StackConfig
from dev.stack_proc import (
    Report,
    StackError,
    ensure_binary,
    load_untyped,
    owned_pid,
    pid_alive,
    port_open,
    require_port_free,
    signal_and_wait,
    stop_owned,
    tail,
    write_pid,
)

NAME = "kafka"
MARKER = "kafka.Kafka"
KAFKA_DIR = REPO_ROOT / "dev" / "kafka"
START_TIMEOUT = 120.0
JVM_OPTS = [
    "-Xms256m",
    "-Xmx512m",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
]


def libs_dir(cfg: StackConfig) -> Path:
    return cfg.kafka_cache / "libs"


def ensure_jars(cfg: StackConfig) -> bool:
    """Download the broker's jars once. Returns True when they had to be fetched."""
    libs = libs_dir(cfg)
    done = cfg.kafka_cache / ".complete"
    if done.exists() and any(libs.glob("kafka_2.13-*.jar")):
        return False
    mvn = ensure_binary("mvn", apt_package="maven")
    staging = cfg.kafka_cache / "libs.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    args = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(KAFKA_DIR / "pom.xml"),
        f"-Dkafka.version={cfg.kafka_version}",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={staging}",
    ]
    print(
        f"kafka: fetching Apache Kafka {cfg.kafka_version} jars with Maven into {libs} (once) ...", flush=True
    )
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"kafka: `{' '.join(args)}` failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    shutil.rmtree(libs, ignore_errors=True)
    staging.rename(libs)
    done.write_text("\n".join(sorted(p.name for p in libs.glob("*.jar"))) + "\n")
    return True


def new_cluster_id() -> str:
    """A Kafka ``Uuid`` in its base64url text form (22 chars), never starting with '-'."""
    while True:
        text = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def cluster_id(cfg: StackConfig) -> str:
    path = cfg.paths.kafka_dir / "cluster.id"
    if path.exists():
        return path.read_text().strip()
    value = new_cluster_id()
    path.write_text(value + "\n")
    return value


def render_properties(cfg: StackConfig) -> str:
    template = string.Template((KAFKA_DIR / "server.properties.tmpl").read_text())
    return template.substitute(
        host=cfg.host,
        port=cfg.ports.kafka,
        controller_port=cfg.ports.kafka_controller,
        log_dirs=cfg.paths.kafka_data,
    )


def java_command(cfg: StackConfig, java: str, main: str, *args: str) -> list[str]:
    return [
        java,
        *JVM_OPTS,
        f"-Dlog4j2.configurationFile={KAFKA_DIR / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={cfg.paths.logs}",
        "-cp",
        f"{libs_dir(cfg)}/*",
        main,
        *args,
    ]


def _format_storage(cfg: StackConfig, java: str, properties: Path) -> None:
    if (cfg.paths.kafka_data / "meta.properties").exists():
        return
    cmd = java_command(
        cfg, java, "kafka.tools.StorageTool", "format", "-t", cluster_id(cfg), "-c", str(properties)
    )
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise StackError(f"kafka: storage format failed:\n{result.stdout}{result.stderr}")


def _quiet_aiokafka() -> None:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


async def _admin(bootstrap: str) -> Any:
    admin_mod = load_untyped("aiokafka.admin")
    admin = admin_mod.AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    try:
        await admin.start()
    except BaseException:
        await admin.close()
        raise
    return admin


async def describe_topics(bootstrap: str) -> dict[str, int]:
    """topic -> partition count, for every topic on the cluster."""
    admin = await _admin(bootstrap)
    try:
        topics = await admin.describe_topics()
        return {t["topic"]: len(t["partitions"]) for t in topics if t["error_code"] == 0}
    finally:
        await admin.close()


async def _ensure_topics(bootstrap: str, *, within: float) -> str:
    """Create the missing topics (idempotent) and wait until all are visible with their partitions."""
    new_topic = load_untyped("aiokafka.admin").NewTopic
    deadline = time.monotonic() + within
    last_error = ""
    while time.monotonic() < deadline:
        try:
            have = await describe_topics(bootstrap)
            missing = [t for t in KAFKA_TOPICS if t not in have]
            if not missing:
                odd = [
                    f"{t} has {have[t]} partitions (wanted {n})"
                    for t, n in KAFKA_TOPICS.items()
                    if have[t] != n
                ]
                return "topics ok" + (f"; WARNING {'; '.join(odd)}" if odd else "")
            admin = await _admin(bootstrap)
            try:
                await admin.create_topics(
                    [new_topic(name=t, num_partitions=KAFKA_TOPICS[t], replication_factor=1) for t in missing]
                )
            finally:
                await admin.close()
        except Exception as exc:
            last_error = repr(exc)
        await asyncio.sleep(0.5)
    raise StackError(f"kafka: topics not ready after {within:.0f}s ({last_error})")


async def _broker_count(bootstrap: str) -> int:
    """Number of brokers in the cluster metadata (>= 1 means it answers)."""
    admin = await _admin(bootstrap)
    try:
        cluster = await admin.describe_cluster()
        return len(cluster.get("brokers", []))
    finally:
        await admin.close()


def _answers(bootstrap: str) -> bool:
    try:
        return asyncio.run(_broker_count(bootstrap)) >= 1
    except Exception:
        return False


def _external(cfg: StackConfig, *, ensure: bool) -> Report:
    _quiet_aiokafka()
    url = cfg.url(NAME)
    if not _answers(url):
        return Report(NAME, "down", url, detail="external, unreachable")
    detail = "external"
    if ensure:
        try:
            detail = asyncio.run(_ensure_topics(url, within=30))
        except StackError as exc:
            detail = f"topics NOT ensured: {exc}"
    return Report(NAME, "external", url, detail=detail)


def _start(cfg: StackConfig) -> int:
    java = ensure_binary("java", apt_package="openjdk-17-jre-headless")
    for directory in (cfg.paths.kafka_data, cfg.paths.logs, cfg.paths.run):
        directory.mkdir(parents=True, exist_ok=True)
    properties = cfg.paths.kafka_dir / "server.properties"
    properties.write_text(render_properties(cfg))
    _format_storage(cfg, java, properties)
    out = cfg.paths.logs / "kafka.out"
    with out.open("ab") as sink:
        proc = subprocess.Popen(
            java_command(cfg, java, MARKER, str(properties)),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=cfg.paths.kafka_dir,
            start_new_session=True,
        )
    write_pid(cfg.paths.pid_file(NAME), proc.pid)
    return proc.pid


def up(cfg: StackConfig) -> Report:
    if cfg.mode(NAME) == "external":
        return _external(cfg, ensure=True)
    _quiet_aiokafka()
    url = cfg.url(NAME)
    bootstrap = cfg.local_url(NAME)
    pid = owned_pid(cfg.paths.pid_file(NAME), MARKER)
    if pid is not None:
        return Report(NAME, "already running", url, pid, asyncio.run(_ensure_topics(bootstrap, within=60)))
    require_port_free(cfg.host, cfg.ports.kafka, service=NAME, flag="--kafka-port")
    require_port_free(cfg.host, cfg.ports.kafka_controller, service=NAME, flag="--kafka-controller-port")
    started = time.monotonic()
    fetched = ensure_jars(cfg)
    pid = _start(cfg)
    deadline = time.monotonic() + START_TIMEOUT
    while not (port_open(cfg.host, cfg.ports.kafka) and _answers(bootstrap)):
        if not pid_alive(pid):
            cfg.paths.pid_file(NAME).unlink(missing_ok=True)
            raise StackError(
                f"kafka: broker exited during start\n{tail(cfg.paths.log_file(NAME))}\n"
                f"{tail(cfg.paths.logs / 'kafka.out')}"
            )
        if time.monotonic() > deadline:
            signal_and_wait(pid, timeout=10)
            cfg.paths.pid_file(NAME).unlink(missing_ok=True)
            raise StackError(f"kafka: no answer after {START_TIMEOUT:.0f}s\n{tail(cfg.paths.log_file(NAME))}")
        time.sleep(0.3)
    topics = asyncio.run(_ensure_topics(bootstrap, within=60))
    jars = "jars downloaded" if fetched else "cached jars"
    detail = f"Kafka {cfg.kafka_version}, {topics}, {jars}, {time.monotonic() - started:.1f}s"
    return Report(NAME, "started", url, pid, detail)


def status(cfg: StackConfig) -> Report:
    if cfg.mode(NAME) == "external":
        return _external(cfg, ensure=False)
    _quiet_aiokafka()
    url = cfg.url(NAME)
    pid = owned_pid(cfg.paths.pid_file(NAME), MARKER)
    if pid is None:
        return Report(NAME, "down", url)
    if not _answers(cfg.local_url(NAME)):
        return Report(NAME, "down", url, pid, "process alive but not answering")
    return Report(NAME, "up", url, pid, f"Kafka {cfg.kafka_version} KRaft")


def down(cfg: StackConfig) -> Report:
    # SIGTERM = controlled shutdown; a single node needs a few seconds
    return stop_owned(NAME, cfg.paths.pid_file(NAME), MARKER, timeout=60)
