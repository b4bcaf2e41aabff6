"""A real Prometheus server on loopback for tests: our alert and recording rules loaded, scraping the
targets a test gives it every second.

The binary is built from the Go module proxy by `scripts/install_tools.sh prometheus` into
.dev/tools/bin (the same Prometheus release as promtool).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support import free_port, served_process

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / ".dev/tools/bin/prometheus"
RULES = ROOT / "helm/leadpoet/files/prometheus/alerts.yml"


@contextmanager
def prometheus_server(workdir: Path, *, targets: Sequence[str] = ()) -> Iterator[str]:
    """Start Prometheus (scrape and rule evaluation every 1 s) and yield its base URL; stop it after."""
    if not PROMETHEUS.exists():
        pytest.fail(f"{PROMETHEUS} is missing: run `bash scripts/install_tools.sh prometheus`")
    workdir.mkdir(parents=True, exist_ok=True)
    # The repo's rules verbatim, but evaluated every second (the chart evaluates them every 30 s).
    rules = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        group["interval"] = "1s"
    rules_path = workdir / "rules.yml"
    rules_path.write_text(yaml.safe_dump(rules, sort_keys=False))
    config: dict[str, Any] = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules_path)],
        "scrape_configs": [{"job_name": "leadpoet", "static_configs": [{"targets": list(targets)}]}],
    }
    config_path = workdir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [
        str(PROMETHEUS),
        f"--config.file={config_path}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]
    with served_process(
        cmd, ready_url=f"{base}/-/ready", log_path=workdir / "prometheus.log", what="Prometheus"
    ):
        yield base


def query(base: str, expr: str) -> httpx.Response:
    """An instant query; 200 with the result, 400 with `error` when the expression does not parse."""
    return httpx.get(f"{base}/api/v1/query", params={"query": expr}, timeout=10)


def wait_for(check: Any, *, timeout_s: float = 30.0, what: str = "condition") -> Any:
    """Poll `check()` until it returns something truthy (Prometheus scrapes and evaluates every 1 s)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
