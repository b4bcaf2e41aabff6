"""Configuration of the local stack: ports, paths, URLs and which services are local or external.

Everything here is pure (the environment is passed in as a mapping) so it is easy to test.
Precedence for every knob: command-line flag, then ``DEV_*`` environment variable, then default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SERVICES: tuple[str, ...] = ("postgres", "redis", "kafka")

DEFAULT_PG_PORT = 55432
DEFAULT_REDIS_PORT = 56379
DEFAULT_KAFKA_PORT = 59092
DEFAULT_KAFKA_CONTROLLER_PORT = 59093
KAFKA_VERSION = "4.3.1"  # keep in sync with <kafka.version> in dev/kafka/pom.xml

PG_USER = "postgres"
PG_DATABASES: tuple[str, ...] = ("leadpoet", "leadpoet_test")
# topic -> partitions
KAFKA_TOPICS: Mapping[str, int] = {
    "miner.snippets": 6,
    "outcome.events": 6,
    "miner.snippets.dlq": 1,
    "outcome.events.dlq": 1,
}

# the application's variables: when set, the service is used as it is and not started
URL_ENV: Mapping[str, str] = {
    "postgres": "DATABASE_URL",
    "redis": "REDIS_URL",
    "kafka": "KAFKA_BOOTSTRAP_SERVERS",
}

# the app falls back without these (in-process cache, no event stream); PostgreSQL is required
OPTIONAL_SERVICES: tuple[str, ...] = ("redis", "kafka")

Mode = Literal["local", "external", "disabled", "skipped"]


class ConfigError(ValueError):
    """A flag or ``DEV_*`` variable has an invalid value."""


def database_url(*, host: str, port: int, database: str = "leadpoet") -> str:
    """SQLAlchemy asyncpg URL of the local PostgreSQL (trust auth, user ``postgres``)."""
    return f"postgresql+asyncpg://{PG_USER}@{host}:{port}/{database}"


def redis_url(*, host: str, port: int, db: int = 0) -> str:
    return f"redis://{host}:{port}/{db}"


def kafka_bootstrap(*, host: str, port: int) -> str:
    return f"{host}:{port}"


def asyncpg_dsn(url: str) -> str:
    """``postgresql+asyncpg://...`` (SQLAlchemy form) -> ``postgresql://...`` (libpq/asyncpg form)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(f"not a URL: {url!r}")
    base = scheme.split("+", 1)[0]
    if base not in ("postgresql", "postgres"):
        raise ConfigError(f"not a PostgreSQL URL: {url!r}")
    return f"postgresql://{rest}"


def endpoint(url: str, *, default_port: int) -> tuple[str, int]:
    """(host, port) of a service URL, or of the first ``host:port`` of a Kafka bootstrap list."""
    first = url.split(",", 1)[0].strip()
    if "://" not in first:
        first = f"tcp://{first}"
    parts = urlsplit(first)
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"bad port in {url!r}") from exc
    host = parts.hostname or HOST
    if host == "localhost":
        host = HOST
    return host, port if port is not None else default_port


def parse_port(raw: str, *, what: str) -> int:
    try:
        port = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{what}: not a port number: {raw!r}") from exc
    if not 1 <= port <= 65535:
        raise ConfigError(f"{what}: port out of range: {port}")
    return port


def parse_services(*, only: str | None, no_kafka: bool) -> tuple[str, ...]:
    """Services selected by ``--only a,b`` and ``--no-kafka``, in canonical order."""
    chosen = set(SERVICES)
    if only is not None:
        names = {part.strip() for part in only.split(",") if part.strip()}
        unknown = sorted(names - set(SERVICES))
        if unknown:
            raise ConfigError(
                f"--only: unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICES)}"
            )
        chosen = names
    if no_kafka:
        chosen.discard("kafka")
    return tuple(name for name in SERVICES if name in chosen)


@dataclass(frozen=True)
class Ports:
    postgres: int = DEFAULT_PG_PORT
    redis: int = DEFAULT_REDIS_PORT
    kafka: int = DEFAULT_KAFKA_PORT
    kafka_controller: int = DEFAULT_KAFKA_CONTROLLER_PORT

    def of(self, service: str) -> int:
        return {"postgres": self.postgres, "redis": self.redis, "kafka": self.kafka}[service]


@dataclass(frozen=True)
class StackPaths:
    """Layout under the state directory (``<repo>/.dev`` by default)."""

    root: Path

    @property
    def pg_data(self) -> Path:
        return self.root / "pg"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"

    @property
    def kafka_dir(self) -> Path:
        return self.root / "kafka"

    @property
    def kafka_data(self) -> Path:
        return self.kafka_dir / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def env_file(self) -> Path:
        return self.root / "stack.env"

    def pid_file(self, service: str) -> Path:
        return self.run / f"{service}.pid"

    def log_file(self, service: str) -> Path:
        return self.logs / f"{service}.log"


def default_kafka_cache(environ: Mapping[str, str], version: str) -> Path:
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "leadpoet" / f"kafka-{version}"


@dataclass(frozen=True)
class StackConfig:
    paths: StackPaths
    ports: Ports = field(default_factory=Ports)
    services: tuple[str, ...] = SERVICES
    # value of DATABASE_URL / REDIS_URL / KAFKA_BOOTSTRAP_SERVERS when set (may be "")
    given_urls: Mapping[str, str] = field(default_factory=dict)
    kafka_version: str = KAFKA_VERSION
    kafka_cache: Path = field(default_factory=lambda: default_kafka_cache({}, KAFKA_VERSION))
    host: str = HOST

    def local_url(self, service: str) -> str:
        if service == "postgres":
            return database_url(host=self.host, port=self.ports.postgres)
        if service == "redis":
            return redis_url(host=self.host, port=self.ports.redis)
        if service == "kafka":
            return kafka_bootstrap(host=self.host, port=self.ports.kafka)
        raise ConfigError(f"unknown service {service!r}")

    def mode(self, service: str) -> Mode:
        """local: started by us; external: given URL used as is; disabled: URL given as "";
        skipped: not selected by --only / --no-kafka."""
        given = self.given_urls.get(service)
        if service not in self.services:
            return "skipped"
        if given is None:
            return "local"
        if given.strip() == "":
            return "disabled"
        port = self.ports.of(service)
        if endpoint(given, default_port=port) == (self.host, port):
            return "local"  # the variable points at this stack itself (e.g. after `eval $(... env)`)
        return "external"

    def url(self, service: str) -> str:
        """URL the application should use for this service ("" = none: the app runs without it)."""
        given = self.given_urls.get(service)
        if given is not None:
            return given
        if self.mode(service) == "skipped" and service in OPTIONAL_SERVICES:
            return ""
        return self.local_url(service)

    def expected(self) -> tuple[str, ...]:
        """Services that `status` requires to be up."""
        return tuple(s for s in SERVICES if self.mode(s) in ("local", "external"))

    def env_lines(self) -> list[str]:
        lines = []
        for service in SERVICES:
            value = self.url(service)
            lines.append(f"export {URL_ENV[service]}={_shell_quote(value)}")
        return lines


def _shell_quote(value: str) -> str:
    if value and all(ch.isalnum() or ch in "@%+=:,./-_" for ch in value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"


def build_config(
    *,
    environ: Mapping[str, str],
    only: str | None = None,
    no_kafka: bool = False,
    pg_port: int | None = None,
    redis_port: int | None = None,
    kafka_port: int | None = None,
    kafka_controller_port: int | None = None,
    state_dir: Path | None = None,
    kafka_cache: Path | None = None,
) -> StackConfig:
    """Resolve flags, then ``DEV_*`` variables, then defaults."""

    def pick(flag: int | None, var: str, default: int) -> int:
        if flag is not None:
            return parse_port(str(flag), what=var)
        raw = environ.get(var)
        return parse_port(raw, what=var) if raw else default

    ports = Ports(
        postgres=pick(pg_port, "DEV_PG_PORT", DEFAULT_PG_PORT),
        redis=pick(redis_port, "DEV_REDIS_PORT", DEFAULT_REDIS_PORT),
        kafka=pick(kafka_port, "DEV_KAFKA_PORT", DEFAULT_KAFKA_PORT),
        kafka_controller=pick(
            kafka_controller_port, "DEV_KAFKA_CONTROLLER_PORT", DEFAULT_KAFKA_CONTROLLER_PORT
        ),
    )
    if len({ports.postgres, ports.redis, ports.kafka, ports.kafka_controller}) != 4:
        raise ConfigError(f"ports must be distinct: {ports}")
    root = state_dir or Path(environ.get("DEV_STACK_DIR") or REPO_ROOT / ".dev")
    cache = (
        kafka_cache
        or (Path(environ["DEV_KAFKA_CACHE"]) if environ.get("DEV_KAFKA_CACHE") else None)
        or default_kafka_cache(environ, KAFKA_VERSION)
    )
    return StackConfig(
        paths=StackPaths(root=root.resolve()),
        ports=ports,
        services=parse_services(only=only, no_kafka=no_kafka),
        given_urls={s: environ[var] for s, var in URL_ENV.items() if var in environ},
        kafka_cache=cache,
    )


def current_config(**flags: Any) -> StackConfig:
    """``build_config`` with this process's environment (what ``python -m dev.stack`` sees)."""
    return build_config(environ=os.environ, **flags)
