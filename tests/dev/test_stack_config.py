"""Pure parts of the local stack: ports, URLs, service selection, external detection, rendering."""

from __future__ import annotations

import base64
import re
import shlex
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dev import stack_kafka, stack_postgres
from dev.stack_config import (
    KAFKA_TOPICS,
    KAFKA_VERSION,
    REPO_ROOT,
    ConfigError,
    StackConfig,
    StackPaths,
    asyncpg_dsn,
    build_config,
    endpoint,
    parse_services,
)
from dev.stack_proc import Report

ports = st.integers(min_value=1, max_value=65535)


def test_defaults_match_the_project_conventions(tmp_path: Path) -> None:
    cfg = build_config(environ={}, state_dir=tmp_path)
    assert cfg.url("postgres") == "postgresql+asyncpg://postgres@127.0.0.1:55432/leadpoet"
    assert cfg.url("redis") == "redis://127.0.0.1:56379/0"
    assert cfg.url("kafka") == "127.0.0.1:59092"
    assert cfg.ports.kafka_controller == 59093
    assert cfg.expected() == ("postgres", "redis", "kafka")
    assert cfg.env_lines() == [
        "export DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:55432/leadpoet",
        "export REDIS_URL=redis://127.0.0.1:56379/0",
        "export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:59092",
    ]


def test_default_state_dir_is_dot_dev_in_the_repo() -> None:
    cfg = build_config(environ={})
    assert cfg.paths.root == REPO_ROOT / ".dev"
    assert cfg.paths.pg_data == REPO_ROOT / ".dev" / "pg"
    assert cfg.paths.pid_file("kafka") == REPO_ROOT / ".dev" / "run" / "kafka.pid"
    assert cfg.paths.env_file == REPO_ROOT / ".dev" / "stack.env"
    assert cfg.kafka_cache.name == f"kafka-{KAFKA_VERSION}"


def test_flags_beat_environment_beat_defaults(tmp_path: Path) -> None:
    environ = {"DEV_PG_PORT": "45000", "DEV_REDIS_PORT": "45001", "DEV_STACK_DIR": str(tmp_path / "env")}
    cfg = build_config(environ=environ, pg_port=44000)
    assert cfg.ports.postgres == 44000
    assert cfg.ports.redis == 45001
    assert cfg.ports.kafka == 59092
    assert cfg.paths.root == (tmp_path / "env").resolve()
    assert (
        build_config(environ=environ, state_dir=tmp_path / "flag").paths.root == (tmp_path / "flag").resolve()
    )


@pytest.mark.parametrize("raw", ["abc", "0", "70000", "-1", "5.5"])
def test_bad_ports_are_rejected(raw: str) -> None:
    with pytest.raises(ConfigError, match="DEV_REDIS_PORT"):
        build_config(environ={"DEV_REDIS_PORT": raw})


def test_ports_must_be_distinct() -> None:
    with pytest.raises(ConfigError, match="distinct"):
        build_config(environ={}, kafka_port=55432)


def test_service_selection() -> None:
    assert parse_services(only=None, no_kafka=False) == ("postgres", "redis", "kafka")
    assert parse_services(only=None, no_kafka=True) == ("postgres", "redis")
    assert parse_services(only="redis, postgres", no_kafka=False) == ("postgres", "redis")
    assert parse_services(only="kafka", no_kafka=True) == ()
    with pytest.raises(ConfigError, match="unknown service"):
        parse_services(only="postgres,mysql", no_kafka=False)


def test_only_postgres_tells_the_app_to_run_without_redis_and_kafka(tmp_path: Path) -> None:
    cfg = build_config(environ={}, only="postgres", state_dir=tmp_path)
    assert cfg.mode("redis") == "skipped"
    assert cfg.expected() == ("postgres",)
    assert cfg.env_lines()[1:] == ["export REDIS_URL=''", "export KAFKA_BOOTSTRAP_SERVERS=''"]


def test_given_urls_make_services_external_disabled_or_local(tmp_path: Path) -> None:
    environ = {
        "DATABASE_URL": "postgresql+asyncpg://app:secret@db.internal:5432/leadpoet",
        "REDIS_URL": "",
        "KAFKA_BOOTSTRAP_SERVERS": "localhost:59092",  # this stack's own broker
    }
    cfg = build_config(environ=environ, state_dir=tmp_path)
    assert cfg.mode("postgres") == "external"
    assert cfg.url("postgres") == environ["DATABASE_URL"]
    assert cfg.mode("redis") == "disabled"
    assert cfg.mode("kafka") == "local"
    assert cfg.expected() == ("postgres", "kafka")
    assert shlex.split(cfg.env_lines()[0]) == ["export", f"DATABASE_URL={environ['DATABASE_URL']}"]


def test_url_pointing_at_this_stack_on_another_database_stays_local(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:55432/leadpoet_test"
    cfg = build_config(environ={"DATABASE_URL": url}, state_dir=tmp_path)
    assert cfg.mode("postgres") == "local"
    assert cfg.url("postgres") == url


def test_asyncpg_dsn() -> None:
    assert asyncpg_dsn("postgresql+asyncpg://postgres@127.0.0.1:55432/leadpoet") == (
        "postgresql://postgres@127.0.0.1:55432/leadpoet"
    )
    assert asyncpg_dsn("postgres://u@h/db") == "postgresql://u@h/db"
    with pytest.raises(ConfigError):
        asyncpg_dsn("redis://127.0.0.1:56379/0")
    with pytest.raises(ConfigError):
        asyncpg_dsn("not a url")


def test_endpoint_of_kafka_bootstrap_lists() -> None:
    assert endpoint("broker-1:9093,broker-2:9093", default_port=9092) == ("broker-1", 9093)
    assert endpoint("broker-1", default_port=9092) == ("broker-1", 9092)
    assert endpoint("redis://localhost/0", default_port=6379) == ("127.0.0.1", 6379)


@given(pg=ports, redis=ports, kafka=ports, controller=ports)
def test_local_urls_round_trip_through_endpoint(pg: int, redis: int, kafka: int, controller: int) -> None:
    if len({pg, redis, kafka, controller}) < 4:
        with pytest.raises(ConfigError):
            build_config(
                environ={}, pg_port=pg, redis_port=redis, kafka_port=kafka, kafka_controller_port=controller
            )
        return
    cfg = build_config(
        environ={}, pg_port=pg, redis_port=redis, kafka_port=kafka, kafka_controller_port=controller
    )
    for service, port in (("postgres", pg), ("redis", redis), ("kafka", kafka)):
        assert endpoint(cfg.url(service), default_port=1) == ("127.0.0.1", port)
        # the app exporting the stack's own URL back must not turn the service "external"
        assert (
            build_config(
                environ={"DATABASE_URL": cfg.url("postgres"), "REDIS_URL": cfg.url("redis")},
                pg_port=pg,
                redis_port=redis,
                kafka_port=kafka,
                kafka_controller_port=controller,
            ).mode(service)
            == "local"
        )


@given(value=st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00")))
def test_env_lines_are_shell_safe(value: str) -> None:
    cfg = StackConfig(paths=StackPaths(root=Path("/nonexistent")), given_urls={"redis": value})
    line = cfg.env_lines()[1]
    assert shlex.split(line) == ["export", f"REDIS_URL={value}"]


def test_kafka_cluster_id_is_a_kafka_uuid() -> None:
    for _ in range(50):
        cid = stack_kafka.new_cluster_id()
        assert len(cid) == 22
        assert not cid.startswith("-")
        assert len(base64.urlsafe_b64decode(cid + "==")) == 16


def test_server_properties_render_the_ports(tmp_path: Path) -> None:
    cfg = build_config(environ={}, state_dir=tmp_path, kafka_port=41000, kafka_controller_port=41001)
    text = stack_kafka.render_properties(cfg)
    assert "listeners=PLAINTEXT://127.0.0.1:41000,CONTROLLER://127.0.0.1:41001" in text
    assert "controller.quorum.voters=1@127.0.0.1:41001" in text
    assert f"log.dirs={(tmp_path / 'kafka' / 'data').resolve()}" in text
    assert "$" not in text


def test_pom_pins_the_same_kafka_version() -> None:
    pom = (REPO_ROOT / "dev" / "kafka" / "pom.xml").read_text()
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert match is not None
    assert match.group(1) == KAFKA_VERSION


def test_topics_and_partitions() -> None:
    assert dict(KAFKA_TOPICS) == {
        "miner.snippets": 6,
        "outcome.events": 6,
        "miner.snippets.dlq": 1,
        "outcome.events.dlq": 1,
    }


def test_postgres_dev_settings(tmp_path: Path) -> None:
    text = stack_postgres.dev_settings(build_config(environ={}, state_dir=tmp_path, pg_port=41234))
    assert "port = 41234" in text
    assert "listen_addresses = '127.0.0.1'" in text
    assert "max_connections = 200" in text
    assert "fsync = off" in text


def test_postgres_socket_dir_is_dropped_when_the_path_is_too_long(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 120)
    text = stack_postgres.dev_settings(build_config(environ={}, state_dir=deep))
    assert "unix_socket_directories = ''" in text


def test_report_line() -> None:
    line = Report("redis", "started", "redis://127.0.0.1:56379/0", 42, "Redis 7.0").line()
    assert line.split() == ["redis", "started", "pid=42", "redis://127.0.0.1:56379/0", "(Redis", "7.0)"]
    assert Report("kafka", "not running").line().split() == ["kafka", "not", "running", "pid=-"]
