"""Every error is JSON {"error": {"code", "message", "field"}}; no stack trace leaks."""

from __future__ import annotations

import asyncpg
import httpx
from pydantic import BaseModel, Field

from app.core.config import Settings
from app.core.errors import is_unavailable
from app.main import create_app
from tests.conftest import app_client_for


class _Body(BaseModel):
    k: int = Field(ge=1, le=200)


async def test_unknown_route_is_json_404(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found", "field": None}}


async def test_wrong_method_is_json_405(app_client: httpx.AsyncClient) -> None:
    response = await app_client.post("/healthz")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


async def test_validation_error_names_the_field(settings: Settings) -> None:
    holder = app_client_for(settings)

    @holder.app.post("/echo")
    async def echo(body: _Body) -> _Body:
        return body

    @holder.app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    async with holder as client:
        bad = await client.post("/echo", json={"k": 500})
        assert bad.status_code == 422
        error = bad.json()["error"]
        assert error["code"] == "validation_error"
        assert error["field"] == "k"
        assert "200" in error["message"]
        assert error["details"][0]["field"] == "k"

        not_json = await client.post(
            "/echo", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert not_json.status_code == 422
        assert not_json.json()["error"]["code"] == "validation_error"

        crash = await client.get("/boom")
        assert crash.status_code == 500
        assert crash.json() == {
            "error": {"code": "internal_error", "message": "internal server error", "field": None}
        }
        assert "secret" not in crash.text


async def test_a_database_that_is_down_is_503_with_retry_after(settings: Settings) -> None:
    dead = settings.model_copy(update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:9/none"})
    app = create_app(dead, hooks=[])  # no component that reads the database at start
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://testserver"
        ) as client,
    ):
        response = await client.get("/v1/keys/me", headers={"Authorization": "Bearer lp_abcdefgh_secret"})
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]["code"] == "unavailable"


def test_unavailable_is_recognised_through_wrappers() -> None:
    outer = RuntimeError("wrapped")
    outer.__cause__ = ConnectionRefusedError(111, "refused")
    assert is_unavailable(outer)
    assert not is_unavailable(ValueError("a bug"))
    assert is_unavailable(asyncpg.exceptions.CannotConnectNowError("starting up"))
