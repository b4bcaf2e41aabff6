"""Every metric the alert rules and the Grafana dashboards query exists in app/observability/meters.py
(or is a recording rule of alerts.yml, or Prometheus's own `up`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.monitoring.promql_names import exposed_names, referenced_metrics

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "helm/leadpoet/files/prometheus/alerts.yml"
DASHBOARDS = sorted((ROOT / "helm/leadpoet/files/grafana").glob("*.json"))
PROMETHEUS_OWN = {"up"}


def rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(ALERTS.read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def recorded() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}


def dashboard_exprs(path: Path) -> list[str]:
    board = json.loads(path.read_text())
    return [t["expr"] for panel in board["panels"] for t in panel.get("targets", []) if t.get("expr")]


def known() -> set[str]:
    return exposed_names() | recorded() | PROMETHEUS_OWN


def test_tokenizer_finds_metrics_and_skips_syntax() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, stage) (rate(pipeline_latency_seconds_bucket{route="/v1/x",'
        ' le!="1"}[$__rate_interval]))) > 0.4 and on () sum(rate(llm_calls_total[5m])) > 1e-3'
    )
    assert referenced_metrics(expr) == {"pipeline_latency_seconds_bucket", "llm_calls_total"}
    assert referenced_metrics("leadpoet:lead_cost_usd:avg_1h > 0.002") == {"leadpoet:lead_cost_usd:avg_1h"}


def test_exposed_names_cover_histogram_and_counter_series() -> None:
    names = exposed_names()
    assert {
        "pipeline_latency_seconds_bucket",
        "lead_cost_usd_sum",
        "llm_calls_total",
        "ranker_model_info",
    } <= names


def test_every_rule_references_existing_metrics() -> None:
    missing = {
        rule.get("alert") or rule["record"]: sorted(referenced_metrics(rule["expr"]) - known())
        for rule in rules()
    }
    assert {k: v for k, v in missing.items() if v} == {}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_dashboard_query_references_existing_metrics(path: Path) -> None:
    missing = {expr: sorted(referenced_metrics(expr) - known()) for expr in dashboard_exprs(path)}
    assert {k: v for k, v in missing.items() if v} == {}
