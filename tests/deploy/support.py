"""Shared helpers of the deployment tests: tool paths, chart rendering, HCL loading.

The tools (helm, python-hcl2, ...) are built/fetched by scripts/install_tools.sh into .dev/tools;
`make test` runs it (through scripts/check_deploy.sh) so they are present. A missing tool is a
test failure with the command to run, never a silent skip.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".dev" / "tools"
CHART = ROOT / "helm" / "leadpoet"
K8S_RENDER = ROOT / "k8s" / "leadpoet.yaml"
TERRAFORM = ROOT / "terraform"
KUBE_VERSION = "1.33.0"
RELEASE = "leadpoet"
NAMESPACE = "leadpoet"
VALUES_FILES = ("values.yaml", "values-staging.yaml", "values-prod.yaml")

Manifest = dict[str, Any]


def tool(name: str) -> Path:
    path = TOOLS / "bin" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run scripts/install_tools.sh")
    return path


def helm_template(values_file: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(tool("helm")), "template", RELEASE, str(CHART),
            "-f", str(CHART / values_file),
            "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION, *extra,
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@cache
def render_text(values_file: str) -> str:
    result = helm_template(values_file)
    assert result.returncode == 0, result.stderr
    return result.stdout


def render(values_file: str) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(render_text(values_file)) if doc]


def by_kind(docs: list[Manifest], kind: str) -> list[Manifest]:
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: list[Manifest], kind: str, name: str) -> Manifest:
    matches = [doc for doc in by_kind(docs, kind) if doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def pod_specs(docs: list[Manifest]) -> dict[str, Manifest]:
    """`Kind/name` -> pod spec of every workload."""
    specs = {
        f"{doc['kind']}/{doc['metadata']['name']}": doc["spec"]["template"]["spec"]
        for doc in docs
        if doc["kind"] in ("Deployment", "Job")
    }
    for doc in docs:
        if doc["kind"] == "CronJob":
            specs[f"CronJob/{doc['metadata']['name']}"] = doc["spec"]["jobTemplate"]["spec"]["template"][
                "spec"
            ]
    return specs


def load_values(values_file: str) -> Manifest:
    data = yaml.safe_load((CHART / values_file).read_text())
    assert isinstance(data, dict)
    return data


# ---- Terraform (python-hcl2 from .dev/tools/py-hcl2: `terraform validate` needs providers) ----


@cache
def _hcl2() -> Any:
    path = TOOLS / "py-hcl2"
    if not path.exists():
        pytest.fail(f"{path} is missing: run scripts/install_tools.sh hcl2")
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
    return importlib.import_module("hcl2")


def unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def load_hcl(path: Path) -> Manifest:
    with path.open() as fh:
        data = _hcl2().load(fh)
    assert isinstance(data, dict)
    return data


def blocks(data: Manifest, kind: str) -> dict[str, Manifest]:
    """Top-level labelled blocks (`variable`, `output`, `module`) by unquoted name."""
    out: dict[str, Manifest] = {}
    for item in data.get(kind, []):
        for name, body in item.items():
            out[unquote(name)] = body
    return out


def dir_blocks(directory: Path, kind: str) -> dict[str, Manifest]:
    out: dict[str, Manifest] = {}
    for path in sorted(directory.glob("*.tf")):
        out.update(blocks(load_hcl(path), kind))
    return out


def references(directory: Path, prefix: str) -> set[str]:
    """Names used as `<prefix>.<name>` in the .tf files of a directory (var, local, module)."""
    pattern = re.compile(rf"\b{re.escape(prefix)}\.([A-Za-z_][A-Za-z0-9_]*)")
    found: set[str] = set()
    for path in directory.glob("*.tf"):
        found.update(pattern.findall(path.read_text()))
    return found
