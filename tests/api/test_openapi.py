"""The OpenAPI document: bearer security, every error status with the error model, and 405 for a
wrong method (GET /v1/leads/search is not a lead id)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.main import create_app

ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture(scope="module")
def spec(settings: Settings) -> dict[str, Any]:
    return create_app(settings).openapi()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]


def test_bearer_security_scheme_on_every_v1_operation(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert list(schemes.values()) == [
        {"type": "http", "scheme": "bearer", "description": schemes["HTTPBearer"]["description"]}
    ]
    for path, method, op in operations(spec):
        if path.startswith("/v1/"):
            assert op.get("security") == [{"HTTPBearer": []}], (method, path)


def test_every_v1_operation_documents_its_errors_with_the_error_model(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        if not path.startswith("/v1/"):
            continue
        assert op.get("summary"), (method, path)
        for status in ("401", "403", "413", "422", "429", "503"):
            response = op["responses"].get(status)
            assert response is not None, (method, path, status)
            assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (method, path)
    for path in ("/v1/leads/{lead_id}", "/v1/miners/{miner_id}"):
        assert spec["paths"][path]["get"]["responses"]["404"]["content"]["application/json"]["schema"] == {
            "$ref": ERROR_REF
        }
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_request_models_are_strict_in_the_schema(spec: dict[str, Any]) -> None:
    body = spec["components"]["schemas"]["SearchRequestIn"]["properties"]
    assert body["k"]["type"] == "integer"
    filters = spec["components"]["schemas"]["SearchFilters"]["properties"]
    assert filters["employees_max"]["anyOf"][0]["maximum"] == 2**31 - 1


async def test_wrong_method_is_405_with_allow(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/v1/leads/search")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert (await app_client.delete("/v1/snippets")).status_code == 405
    assert (await app_client.head("/v1/leads/search")).status_code == 405
