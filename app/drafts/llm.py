"""The LLM outreach writer (with LLM_BASE_URL): an OpenAI-compatible chat call given the lead's
evidence snippets by id; the answer is used only when every citation names one of those snippets,
at least one sentence cites, and the message stays within 120 words. Anything else (a failed call,
an open breaker, a malformed or ungrounded answer) falls back to the deterministic writer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.core.validation import text_problem
from app.drafts.writer import MAX_WORDS, DraftText, Sentence, write_draft
from app.lists.evidence import LeadEvidence, SnippetFact
from app.llm.client import LlmClient

SYSTEM = (
    "You write a short B2B cold e-mail in the seller's voice. Use ONLY facts stated in the evidence "
    'snippets given (each has an id). Answer with one JSON object: {"subject": str, "sentences": '
    '[{"text": str, "citations": [snippet ids]}]}. Every sentence that states a fact about the '
    "prospect lists the ids of the snippets it comes from; sentences about the seller or the call to "
    "action have empty citations. At most 120 words in total, no greeting placeholders."
)


@dataclass(frozen=True, slots=True)
class LlmDraft:
    draft: DraftText
    input_tokens: int
    output_tokens: int
    calls: int
    fallback: str | None  # why the deterministic writer was used instead, or None


# The evidence the prompt shows: the newest snippets first, each cut to a length.
MAX_SNIPPETS = 12
SNIPPET_CHARS = 400


def evidence_prompt(lead: LeadEvidence, product_description: str) -> str:
    snippets: list[SnippetFact] = sorted(
        lead.snippets.values(), key=lambda s: (s.observed_at, s.id), reverse=True
    )[:MAX_SNIPPETS]
    payload = {
        "seller_product": product_description,
        "prospect": {"name": lead.name, "domain": lead.domain},
        "evidence": [{"id": s.id, "kind": s.kind, "text": s.text[:SNIPPET_CHARS]} for s in snippets],
    }
    return json.dumps(payload, ensure_ascii=False)


def parse_answer(answer: dict[str, Any], lead: LeadEvidence) -> DraftText | None:
    """The model's draft, or None when it is malformed, too long or cites anything but the lead's
    own snippets."""
    subject = answer.get("subject")
    raw = answer.get("sentences")
    if (
        not isinstance(subject, str)
        or not subject.strip()
        or text_problem(subject)
        or not isinstance(raw, list)
    ):
        return None
    sentences: list[Sentence] = []
    for item in raw:
        if not isinstance(item, dict):
            return None
        text, cites = item.get("text"), item.get("citations", [])
        if not isinstance(text, str) or not text.strip() or text_problem(text) or not isinstance(cites, list):
            return None
        if not all(isinstance(c, str) and c in lead.snippets for c in cites):
            return None
        sentences.append(Sentence(text.strip(), tuple(dict.fromkeys(cites))))
    if not sentences or not any(s.citations for s in sentences):
        return None
    draft = DraftText(subject=Sentence(subject.strip()[:200]), sentences=tuple(sentences), writer="llm")
    return draft if draft.word_count <= MAX_WORDS else None


async def llm_draft(
    client: LlmClient, lead: LeadEvidence, *, product_description: str, technologies: list[str]
) -> LlmDraft | None:
    """The LLM's draft when usable, else the deterministic one; None when the lead has no usable
    evidence (no call is made then)."""
    fallback = write_draft(lead, product_description=product_description, technologies=technologies)
    if fallback is None:
        return None
    result = await client.complete_json(
        system=SYSTEM, user=evidence_prompt(lead, product_description), max_tokens=400
    )
    tokens = (result.input_tokens, result.output_tokens, result.calls)
    if result.content is None:
        return LlmDraft(fallback, *tokens, fallback=result.error or "call failed")
    parsed = parse_answer(result.content, lead)
    if parsed is None:
        return LlmDraft(fallback, *tokens, fallback="answer not grounded in the evidence")
    return LlmDraft(parsed, *tokens, fallback=None)
