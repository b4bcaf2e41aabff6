"""The app factory: `uvicorn --factory app.main:create_app`. Building the app does no I/O."""

from __future__ import annotations

from fastapi import FastAPI

from app.api.lifespan import StartupHook, default_hooks, make_lifespan
from app.api.router import ROUTERS
from app.core.body_limit import BodyLimitMiddleware
from app.core.config import Settings, get_settings
from app.core.errors import install_error_handlers
from app.core.logging import configure_logging
from app.observability.http import install_http_metrics


def create_app(settings: Settings | None = None, *, hooks: list[StartupHook] | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="Leadpoet",
        version="0.1.0",
        summary="Free-text product description in, the K companies most likely to buy it out.",
        lifespan=make_lifespan(settings, hooks if hooks is not None else default_hooks()),
        docs_url="/docs" if settings.public_docs else None,
        redoc_url=None,
    )
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(
        BodyLimitMiddleware,
        default_bytes=settings.max_body_bytes,
        per_path=dict.fromkeys(("/v1/snippets", "/v1/outcomes"), settings.max_body_bytes_ingest),
    )
    install_http_metrics(app)
    return app
