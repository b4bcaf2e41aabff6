"""The app factory: `uvicorn --factory app.main:create_app`. Building the app does no I/O."""

from __future__ import annotations

from fastapi import FastAPI

from app.api.router import api_router
from app.core.config import Settings, get_settings
from app.core.errors import install_error_handlers
from app.core.lifespan import StartupHook, make_lifespan
from app.core.logging import configure_logging
from app.drafts.startup import drafts_hook
from app.ingest.hook import ingest_hook
from app.jobs.startup import jobs_hook
from app.leads.component import ranker_hook
from app.lists.startup import eligibility_hook
from app.observability.hooks import observability_hook
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
    app.include_router(api_router)
    install_http_metrics(app)
    return app


def default_hooks() -> list[StartupHook]:
    """Components started after the core clients (ranker, caches, schedulers), in order."""
    return [observability_hook, ingest_hook, ranker_hook, drafts_hook, eligibility_hook, jobs_hook]
