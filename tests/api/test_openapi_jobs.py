"""Every /v1/jobs route (and the deep search's) is in OpenAPI with a summary, its models and its error responses in the one
error shape."""

from __future__ import annotations

import pytest

from app.core.config import Settings
from app.main import create_app

ROUTES = [
    ("/v1/jobs", "post", 202, True, "application/json"),
    ("/v1/jobs", "get", 200, False, "application/json"),
    ("/v1/jobs/{job_id}", "get", 200, False, "application/json"),
    ("/v1/jobs/{job_id}/cancel", "post", 200, False, "application/json"),
    ("/v1/jobs/{job_id}/events", "get", 200, False, "text/event-stream"),
    ("/v1/jobs/{job_id}/results", "get", 200, False, "text/csv"),
    ("/v1/jobs/{job_id}/deliveries", "get", 200, False, "application/json"),
    ("/v1/leads/search/pages", "post", 200, True, "application/json"),
    ("/v1/leads/search/pages", "get", 200, False, "application/json"),
]


@pytest.mark.parametrize(("path", "method", "ok", "has_body", "media"), ROUTES)
def test_route_is_documented(
    settings: Settings, path: str, method: str, ok: int, has_body: bool, media: str
) -> None:
    spec = create_app(settings, hooks=[]).openapi()
    operation = spec["paths"][path][method]
    assert operation["summary"]
    responses = operation["responses"]
    assert media in responses[str(ok)]["content"], path
    for status in ("401", "403", "422", "429", *(("404",) if "{job_id}" in path or "pages" in path else ())):
        assert status in responses, (path, method, status)
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorResponse"}
    assert ("requestBody" in operation) == has_body
