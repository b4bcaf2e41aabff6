"""The alert/recording rules and every Grafana panel query on a real Prometheus: the rules load and
evaluate without errors, and every dashboard expression parses (Prometheus answers 400 otherwise)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.monitoring.prometheus_server import prometheus_server, query, wait_for

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "helm/leadpoet/files/grafana").glob("*.json"))
# What Grafana substitutes before sending a query; the datasource variable never reaches PromQL.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with prometheus_server(tmp_path_factory.mktemp("prometheus")) as base:
        yield base


def panel_queries() -> list[tuple[str, str]]:
    out = []
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                out.append((f"{path.stem}: {panel['title']} [{target['refId']}]", target["expr"]))
    return out


def grafana_expand(expr: str) -> str:
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    assert "$" not in expr, f"unknown Grafana variable in {expr}"
    return expr


@pytest.mark.parametrize(("panel", "expr"), panel_queries(), ids=[p for p, _ in panel_queries()])
def test_every_dashboard_query_parses(prometheus: str, panel: str, expr: str) -> None:
    response = query(prometheus, grafana_expand(expr))
    assert response.status_code == 200, f"{panel}: {response.text}"
    assert response.json()["status"] == "success"


def test_rules_load_and_evaluate(prometheus: str) -> None:
    def evaluated() -> list[dict[str, Any]] | None:
        groups = httpx.get(f"{prometheus}/api/v1/rules", timeout=10).json()["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        return rules if rules and all(r["health"] != "unknown" for r in rules) else None

    rules = wait_for(evaluated, what="one evaluation of every rule")
    bad = {r["name"]: r.get("lastError") for r in rules if r["health"] != "ok"}
    assert not bad
    names = {r["name"] for r in rules}
    assert "LeadpoetSearchLatencyP95High" in names
    assert "leadpoet:lead_cost_usd:avg_1h" in names


def test_a_bad_expression_is_refused(prometheus: str) -> None:
    # The check above means something only if Prometheus refuses what does not parse.
    assert query(prometheus, "sum(rate(http_requests_total[5m])").status_code == 400
