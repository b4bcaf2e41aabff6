"""The installable project: pyproject's dependencies are requirements.txt's pins, section by section."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def requirement_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in (ROOT / "requirements.txt").read_text().splitlines():
        line = raw.strip()
        if line.startswith("# ---"):
            current = line.removeprefix("# ---").strip()
            sections[current] = []
        elif line and not line.startswith("#"):
            sections[current].append(line)
    return sections


def test_runtime_dependencies_match_the_pins() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["dependencies"] == requirement_sections()["service runtime"]


def test_dev_group_holds_every_other_pin() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    others = [
        pin for name, pins in requirement_sections().items() if name != "service runtime" for pin in pins
    ]
    assert project["dependency-groups"]["dev"] == others


def test_model_packages_stay_out_of_the_project() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    models = [
        line.split("==")[0]
        for line in (ROOT / "requirements-models.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    declared = " ".join(project["project"]["dependencies"] + project["dependency-groups"]["dev"])
    assert models
    assert not any(name in declared for name in models)


def test_every_top_level_package_is_installed() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == [
        "app*",
        "tools*",
        "dev*",
        "scripts*",
    ]
