"""Prompt refinement by the LLM: the rules' parse, completed by the model's structured reading."""

from __future__ import annotations

from typing import Any

from app.llm.client import LlmClient, LlmResult
from app.ranking.prompt import ParsedPrompt, merge_parsed

SYSTEM = (
    "You read a B2B seller's description of who they want to sell to. Answer with one JSON object with "
    "keys: keywords (list of words naming the buyer's need), industries (NAICS 2-digit sector codes), "
    "countries and excluded_countries (ISO 3166 alpha-2), employees_min, employees_max (integers or null), "
    "roles (job titles to contact), exemplars (company names given as examples), excluded_terms "
    "(products or vendors the buyer must not already use). Use empty lists when unsure."
)


def _strings(value: Any, *, upper: bool = False, limit: int = 30) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    out = [str(v).strip() for v in value if isinstance(v, (str, int)) and str(v).strip()][:limit]
    return tuple(v.upper() if upper else v for v in out)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def from_answer(text: str, answer: dict[str, Any]) -> ParsedPrompt:
    return ParsedPrompt(
        text=text,
        keywords=tuple(k.lower() for k in _strings(answer.get("keywords"))),
        industries=tuple(s for s in _strings(answer.get("industries")) if s.isdigit() and len(s) == 2),
        countries=tuple(c for c in _strings(answer.get("countries"), upper=True) if len(c) == 2),
        excluded_countries=tuple(
            c for c in _strings(answer.get("excluded_countries"), upper=True) if len(c) == 2
        ),
        employees_min=_int(answer.get("employees_min")),
        employees_max=_int(answer.get("employees_max")),
        roles=tuple(r.lower() for r in _strings(answer.get("roles"))),
        exemplars=_strings(answer.get("exemplars")),
        excluded_terms=_strings(answer.get("excluded_terms")),
        source="llm",
    )


async def refine(client: LlmClient, parsed: ParsedPrompt) -> tuple[ParsedPrompt, LlmResult]:
    """The merged parse and the call's accounting; the rules' parse alone when the call fails."""
    result = await client.complete_json(system=SYSTEM, user=parsed.text)
    if result.content is None:
        return parsed, result
    return merge_parsed(parsed, from_answer(parsed.text, result.content)), result
