"""Every route of workspaces' lists (ICPs, enrich, score, drafts, export, audit) is in OpenAPI with a
summary, its request and response models and its error responses in the one error shape."""

from __future__ import annotations

import pytest

from app.core.config import Settings
from app.main import create_app

ROUTES = [
    ("/v1/icps", "post", 201, True),
    ("/v1/icps", "get", 200, False),
    ("/v1/icps/{icp_id}", "get", 200, False),
    ("/v1/icps/{icp_id}", "patch", 200, True),
    ("/v1/icps/{icp_id}", "delete", 204, False),
    ("/v1/leads/enrich", "post", 200, True),
    ("/v1/leads/score", "post", 200, True),
    ("/v1/leads/drafts", "post", 200, True),
    ("/v1/leads/export", "get", 200, False),
    ("/v1/audit", "get", 200, False),
    ("/v1/drafts", "get", 200, False),
    ("/v1/drafts/{draft_id}", "get", 200, False),
]


@pytest.mark.parametrize(("path", "method", "ok", "has_body"), ROUTES)
def test_route_is_documented(settings: Settings, path: str, method: str, ok: int, has_body: bool) -> None:
    spec = create_app(settings, hooks=[]).openapi()
    operation = spec["paths"][path][method]
    assert operation["summary"]
    responses = operation["responses"]
    assert str(ok) in responses
    if ok != 204:
        assert responses[str(ok)].get("content"), path
    for status in ("401", "403", "422", "429"):
        assert status in responses, (path, method, status)
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorResponse"}
    if (
        "{icp_id}" in path
        or "{draft_id}" in path
        or path in ("/v1/leads/score", "/v1/leads/drafts", "/v1/leads/export")
    ):
        assert "404" in responses
    assert ("requestBody" in operation) == has_body
