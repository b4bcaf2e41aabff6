"""The import-layer check (rules in tests/architecture/layers.py) over the real tree, and a self-test
that a synthetic bad import is caught."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.layers import (
    Import,
    forbidden_imports,
    imports_of,
    layer_violations,
    package_cycles,
    scan,
    stage_violations,
)

ROOT = Path(__file__).resolve().parents[2]


def test_app_imports_only_downward() -> None:
    assert layer_violations(scan(ROOT, ["app"])) == []


def test_no_cycle_between_app_packages() -> None:
    assert package_cycles(scan(ROOT, ["app"])) == []


def test_app_does_not_import_tools_dev_or_scripts() -> None:
    assert forbidden_imports(scan(ROOT, ["app"]), banned=("tools", "dev", "scripts")) == []


def test_tests_and_tools_do_not_import_scripts() -> None:
    assert forbidden_imports(scan(ROOT, ["tests", "tools"]), banned=("scripts",)) == []


def test_an_upward_import_is_detected() -> None:
    found = list(imports_of("from app.leads.service import SearchService\n", "app.ranking.features"))
    assert layer_violations(found) == [
        "app.ranking.features:1 imports app.leads.service.SearchService (ranking may not import leads)"
    ]


def test_imports_inside_functions_and_relative_imports_count() -> None:
    source = "def f():\n    from ..api import deps\n"
    found = list(imports_of(source, "app.core.config"))
    assert found == [Import("app.core.config", "app.api.deps", 2)]
    assert len(layer_violations(found)) == 1


def test_a_domain_importing_another_is_detected_but_routes_may_read_api_deps() -> None:
    found = [
        Import("app.ingest.service", "app.leads.cache", 1),
        Import("app.llm.client", "app.leads.service", 2),
        Import("app.leads.service", "app.llm.client", 3),
        Import("app.ingest.routes", "app.api.deps", 4),
        Import("app.ingest.service", "app.api.deps", 5),
    ]
    assert [v.split(":")[1].split()[0] for v in layer_violations(found)] == ["1", "2", "5"]


def test_a_cycle_is_detected() -> None:
    found = [
        Import("app.ingest.service", "app.catalog.tables", 1),
        Import("app.catalog.tables", "app.ingest.writer", 1),
    ]
    assert package_cycles(found) == [["catalog", "ingest", "catalog"]]


def test_a_script_import_is_detected() -> None:
    found = list(imports_of("import scripts.ranker_world\n", "tests.leads.test_x"))
    assert forbidden_imports(found, banned=("scripts",)) == [
        "tests.leads.test_x:1 imports scripts.ranker_world"
    ]


def test_search_stages_import_neither_the_flow_nor_a_later_stage() -> None:
    found = scan(ROOT, ["app"])
    assert stage_violations(found) == []
    stages = {"app.leads.prepare", "app.leads.candidates", "app.leads.rerank"}
    flow_imports = {imp.target.rpartition(".")[0] for imp in found if imp.source == "app.leads.flow"}
    assert stages <= flow_imports  # the flow calls every stage itself


def test_a_stage_importing_the_flow_or_a_later_stage_is_detected() -> None:
    found = [
        Import("app.leads.candidates", "app.leads.prepare.Prepared", 1),
        Import("app.leads.candidates", "app.leads.flow.run_search", 2),
        Import("app.leads.prepare", "app.leads.candidates.HardFilters", 3),
        Import("app.leads.rerank", "app.ranking.reranker.Reranker", 4),
    ]
    assert [v.split(":")[1].split()[0] for v in stage_violations(found)] == ["2", "3"]
