"""Every route declares its summary, response model and error statuses (with the one error model)."""

from __future__ import annotations

from typing import Any

from app.core.config import Settings
from app.main import create_app

ERROR_REF = "#/components/schemas/ErrorResponse"


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    spec = create_app(Settings()).openapi()
    return [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def _download(response: dict[str, Any]) -> bool:
    """A stream (CSV or JSON download, server-sent events): every media type it offers carries a
    schema, and it is not only the JSON of a model."""
    content = response.get("content", {})
    streamed = len(content) > 1 or "application/json" not in content
    return bool(content) and streamed and all("schema" in media for media in content.values())


def _schema_ref(response: dict[str, Any]) -> str | None:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
    return str(ref) if ref else None


def test_every_route_declares_summary_model_and_errors() -> None:
    operations = _operations()
    assert len(operations) >= 8
    for path, method, op in operations:
        name = f"{method.upper()} {path}"
        assert op.get("summary"), f"{name} has no summary"
        success = {status: r for status, r in op["responses"].items() if status.startswith("2")}
        assert success, f"{name} declares no success response"
        with_body = [r for status, r in success.items() if status != "204"]  # 204: no content
        assert all(_schema_ref(r) or _download(r) for r in with_body), f"{name} has no response_model"
        if not path.startswith("/v1"):
            continue
        assert {"401", "429"} <= set(op["responses"]), f"{name} does not declare 401/429"
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert _schema_ref(response) == ERROR_REF, f"{name}: {status} without the error model"


def test_validation_errors_are_documented_in_the_error_shape() -> None:
    spec = create_app(Settings()).openapi()
    response = spec["paths"]["/v1/leads/search"]["post"]["responses"]["422"]
    assert _schema_ref(response) == ERROR_REF
