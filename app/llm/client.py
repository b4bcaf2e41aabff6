"""OpenAI-compatible chat completions client with a timeout, a circuit breaker and cost accounting.

`LLM_BASE_URL` is the API root including its version path (e.g. `http://127.0.0.1:9999/v1`); the
client POSTs `{base}/chat/completions`. Every attempted call counts as one LLM call.

Keys: `LLM_API_KEY` and `LLM_API_KEYS` (comma-separated) form a pool; an answer 429 or 5xx moves to
the next key and retries at once, at most once per key, before the call counts as failed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from app.core.config import Settings
from app.llm.breaker import CircuitBreaker
from app.observability.meters import LLM_CALLS, LLM_TOKENS

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LlmResult:
    content: dict[str, Any] | None  # the parsed JSON answer, None on any failure
    calls: int
    cost_usd: float
    error: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0


class LlmClient:
    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = settings.llm_base_url.rstrip("/") + "/chat/completions"
        self.model = settings.llm_model
        self.price_in = settings.llm_price_input_per_1k_tokens_usd / 1000.0
        self.price_out = settings.llm_price_output_per_1k_tokens_usd / 1000.0
        self.breaker = CircuitBreaker(
            failures=settings.llm_breaker_failures, reset_s=settings.llm_breaker_reset_s
        )
        pool = [settings.llm_api_key, *settings.llm_api_keys.split(",")]
        self.keys = list(dict.fromkeys(k.strip() for k in pool if k.strip()))
        self._key = 0
        self._client = httpx.AsyncClient(timeout=settings.llm_timeout_s, transport=transport)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def complete_json(self, *, system: str, user: str, max_tokens: int = 300) -> LlmResult:
        """Ask for a JSON object; never raises (failures are counted and returned as `content=None`)."""
        if not self.breaker.allow():
            LLM_CALLS.labels(result="short_circuit").inc()
            return LlmResult(content=None, calls=0, cost_usd=0.0, error="circuit open")
        body = {
            "model": self.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "temperature": 0,
            "max_tokens": max_tokens,
            "response_format": {"type": "json_object"},
        }
        attempts = 0
        try:
            response, attempts = await self._post(body)
            response.raise_for_status()
            data = response.json()
            usage = data.get("usage") or {}
            tokens_in, tokens_out = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
            cost = tokens_in * self.price_in + tokens_out * self.price_out
            LLM_TOKENS.labels(direction="input").inc(tokens_in)
            LLM_TOKENS.labels(direction="output").inc(tokens_out)
            content = json.loads(data["choices"][0]["message"]["content"])
            if not isinstance(content, dict):
                raise TypeError("the answer is not a JSON object")
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            self.breaker.record_failure()
            result = "timeout" if isinstance(exc, httpx.TimeoutException) else "error"
            LLM_CALLS.labels(result=result).inc()
            logger.warning("LLM call failed (%s): %s", result, exc)
            return LlmResult(content=None, calls=max(attempts, 1), cost_usd=0.0, error=f"{result}: {exc}")
        self.breaker.record_success()
        LLM_CALLS.labels(result="ok").inc()
        return LlmResult(
            content=content, calls=attempts, cost_usd=cost, input_tokens=tokens_in, output_tokens=tokens_out
        )

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[self._key]}"} if self.keys else {}

    async def _post(self, body: dict[str, Any]) -> tuple[httpx.Response, int]:
        """POST with the current key; on 429/5xx rotate to the next key and retry (once per key)."""
        attempts = 0
        while True:
            response = await self._client.post(self.url, json=body, headers=self._headers())
            attempts += 1
            retryable = response.status_code == 429 or response.status_code >= 500
            if not retryable or attempts >= max(len(self.keys), 1):
                return response, attempts
            LLM_CALLS.labels(result="rotated").inc()
            logger.warning("LLM answered %s; rotating to the next API key", response.status_code)
            self._key = (self._key + 1) % len(self.keys)
