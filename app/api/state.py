"""Typed container for everything the lifespan opens; routes reach it through `app.api.deps`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.auth.startup import AuthComponent
from app.console.startup import Console
from app.core.clients import CoreClients
from app.drafts.service import DraftWriter
from app.ingest.service import IngestService
from app.jobs.worker import JobWorker
from app.leads.startup import Ranker
from app.observability.readiness import Probe


@dataclass(slots=True)
class AppState:
    core: CoreClients
    auth: AuthComponent
    # Set by their startup hooks (app/api/lifespan.py); None when the hook is not part of the app.
    ingest: IngestService | None = None
    ranker: Ranker | None = None
    drafts: DraftWriter | None = None
    console: Console | None = None
    jobs: JobWorker | None = None

    def probes(self) -> list[Probe]:
        """The components' own readiness checks, beside the core ones (Postgres, Redis, Kafka)."""
        return [("ranker", self.ranker.readiness)] if self.ranker is not None else []


def state_of(app: Any) -> AppState:
    state = getattr(app.state, "leadpoet", None)
    if not isinstance(state, AppState):
        raise RuntimeError("application state is not initialised (lifespan not running)")
    return state
