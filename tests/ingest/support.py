"""The app with only the ingestion component (other components are tested on their own)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from app.api.lifespan import ingest_hook
from app.core.config import Settings
from app.main import create_app

MakeKey = Callable[..., Awaitable[str]]  # the `make_key` fixture


class ingest_client:
    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings, hooks=[ingest_hook])
        self._lifespan = self.app.router.lifespan_context(self.app)
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> httpx.AsyncClient:
        await self._lifespan.__aenter__()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app, raise_app_exceptions=False),
            base_url="http://testserver",
        )
        return self._client

    async def __aexit__(self, *exc: object) -> None:
        assert self._client is not None
        await self._client.aclose()
        await self._lifespan.__aexit__(None, None, None)
