"""The app with only the ingestion component (other components are tested on their own)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.api.lifespan import ingest_hook
from app.core.config import Settings
from tests.conftest import app_client_for

MakeKey = Callable[..., Awaitable[str]]  # the `make_key` fixture


class ingest_client(app_client_for):
    """`async with ingest_client(settings) as client:` the app with only the ingestion hook."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, hooks=[ingest_hook])
