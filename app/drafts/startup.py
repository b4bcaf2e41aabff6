"""The drafts component: its own LLM client (and circuit breaker) when LLM_BASE_URL is set."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.core.state import AppState
from app.drafts.service import DraftWriter
from app.llm.client import LlmClient

COMPONENT = "drafts"


async def drafts_hook(state: AppState) -> Callable[[], Awaitable[None]] | None:
    llm = LlmClient(state.settings) if state.settings.llm_enabled else None
    state.components[COMPONENT] = DraftWriter(settings=state.settings, llm=llm)

    async def cleanup() -> None:
        if llm is not None:
            await llm.aclose()

    return cleanup
