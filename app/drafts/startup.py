"""The drafts component: its own LLM client (and circuit breaker) when LLM_BASE_URL is set."""

from __future__ import annotations

from app.core.clients import Cleanup, CoreClients
from app.drafts.service import DraftWriter
from app.llm.client import LlmClient


async def start_drafts(core: CoreClients) -> tuple[DraftWriter, Cleanup | None]:
    settings = core.settings
    llm = LlmClient(settings) if settings.llm_enabled else None
    writer = DraftWriter(settings=settings, llm=llm)
    if llm is None:
        return writer, None
    return writer, llm.aclose
