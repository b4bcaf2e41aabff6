"""`promtool check rules` and `promtool test rules` on the alert rules, in `make test`.

promtool is built from the Go module proxy by scripts/install_tools.sh into .dev/tools/bin.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMTOOL = ROOT / ".dev/tools/bin/promtool"
ALERTS = ROOT / "helm/leadpoet/files/prometheus/alerts.yml"
HERE = Path(__file__).resolve().parent
UNIT_TESTS = sorted(HERE.glob("*_test.yml"))


@pytest.fixture(scope="module")
def promtool() -> Path:
    if not PROMTOOL.exists():
        pytest.fail(f"{PROMTOOL} is missing: run `bash scripts/install_tools.sh promtool`")
    return PROMTOOL


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, check=False)


def test_check_rules(promtool: Path) -> None:
    result = run(promtool, "check", "rules", ALERTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


@pytest.mark.parametrize("unit", UNIT_TESTS, ids=lambda p: p.name)
def test_rules_unit_tests(promtool: Path, unit: Path) -> None:
    result = run(promtool, "test", "rules", unit)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_firing_unit_test() -> None:
    alerts = {
        rule["alert"]
        for group in yaml.safe_load(ALERTS.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    fired: set[str] = set()
    quiet: set[str] = set()
    for unit in UNIT_TESTS:
        for case in yaml.safe_load(unit.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (fired if check["exp_alerts"] else quiet).add(check["alertname"])
    assert alerts - fired == set(), "alerts without a test where they fire"
    assert alerts - quiet == set(), "alerts without a test where they stay quiet"


def test_helm_packages_the_rules_verbatim() -> None:
    """The chart's PrometheusRule carries alerts.yml's groups: it must stay plain YAML with groups."""
    doc = yaml.safe_load(ALERTS.read_text())
    assert [g["name"] for g in doc["groups"]] == ["leadpoet"]
