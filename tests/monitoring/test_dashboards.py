"""The Grafana dashboards are valid, provisionable JSON: unique uids and panel ids, the datasource
variable, a query on every panel, panels inside the 24-column grid, and the three dashboards the
product asks for (latency, cost, miners & ingestion)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "helm/leadpoet/files/grafana").glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    board = json.loads(path.read_text())
    assert isinstance(board, dict)
    return board


def test_the_three_dashboards_exist() -> None:
    assert {p.stem for p in DASHBOARDS} == {"leadpoet-latency", "leadpoet-cost", "leadpoet-ingestion"}


def test_uids_and_titles_unique() -> None:
    boards = [load(p) for p in DASHBOARDS]
    assert len({b["uid"] for b in boards}) == len(boards)
    assert len({b["title"] for b in boards}) == len(boards)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_structure(path: Path) -> None:
    board = load(path)
    assert board["uid"] == path.stem
    assert len(board["uid"]) <= 40
    assert board["schemaVersion"] >= 36
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] >= 0, panel["title"]
        assert 0 < pos["w"] <= 24 - pos["x"], panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids))
        for target in panel["targets"]:
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]
            assert target["expr"].count("{") == target["expr"].count("}"), target["expr"]


def test_latency_dashboard_shows_stages_and_percentiles() -> None:
    text = (ROOT / "helm/leadpoet/files/grafana/leadpoet-latency.json").read_text()
    for needle in ("pipeline_latency_seconds_bucket", "histogram_quantile(0.99", "by (le, stage)", "status"):
        assert needle in text


def test_cost_dashboard_shows_per_lead_per_hour_and_llm_share() -> None:
    text = (ROOT / "helm/leadpoet/files/grafana/leadpoet-cost.json").read_text()
    for needle in ("leadpoet:lead_cost_usd:avg_1h", "* 3600", 'component=\\"llm\\"', "llm_hit_rate"):
        assert needle in text


def test_ingestion_dashboard_shows_reputation_lag_freshness_dlq() -> None:
    text = (ROOT / "helm/leadpoet/files/grafana/leadpoet-ingestion.json").read_text()
    for needle in (
        "miners_by_reputation",
        "miner_throttled_total",
        "kafka_consumer_lag",
        "snippet_freshness",
        "dlq",
    ):
        assert needle in text
