"""The text of a company that gets embedded and indexed (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from app.ranking.signals import SnippetView, snippet_weight
from app.ranking.text import SENTENCE_END

if TYPE_CHECKING:
    from app.ranking.embedding import Embedder

# Snippets beyond this many characters in total add little to a document vector and cost time.
MAX_DOCUMENT_CHARS = 8000


def company_document(*, name: str, description: str, industry: str | None, snippets: Sequence[str]) -> str:
    """Name, industry, description, then the snippets (newest first, as given), capped in length.

    The same function feeds the embedding column (`companies.embedding`) and the BM25 "body" field,
    so a company's vector and its keyword document always describe the same evidence.
    """
    parts = [name.strip(), (industry or "").strip(), description.strip()]
    head = ". ".join(p for p in parts if p)
    pieces = [head] if head else []
    used = len(head)
    for raw in snippets:
        text = " ".join(raw.split())
        if not text:
            continue
        if used + len(text) > MAX_DOCUMENT_CHARS:
            remaining = MAX_DOCUMENT_CHARS - used
            if remaining > 40:
                pieces.append(text[:remaining])
            break
        pieces.append(text)
        used += len(text) + 1
    return "\n".join(pieces)


HEAD_WEIGHT = 0.3


def combine_company_vector(
    head: npt.NDArray[np.float32], snippets: npt.NDArray[np.float32], weights: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """The company vector from already-embedded parts: evidence-weighted mean of its signal snippets
    (weights 0 for profile text) plus a little of its self-description, unit length. A company with
    no signal evidence is what it says about itself: the sum of its profile texts (the snippets, all
    of weight 0) without its head, so that a company known only by its own description is found by
    what the description says rather than by its name (the name stays in the BM25 name field); its
    head only when it has no text at all."""
    total = np.zeros_like(head, dtype=np.float32)
    if len(snippets) and float(weights.sum()) > 0:
        mean = (snippets * weights[:, None]).sum(axis=0)
        total += mean / max(float(np.linalg.norm(mean)), 1e-9)
        total += HEAD_WEIGHT * head
    elif len(snippets):
        total += snippets.sum(axis=0)
    else:
        total += head
    norm = float(np.linalg.norm(total))
    return (total / norm).astype(np.float32) if norm > 0 else total


def company_embedding(
    embedder: Embedder,
    *,
    name: str,
    description: str,
    industry: str | None,
    snippets: Sequence[SnippetView],
    now: datetime,
) -> npt.NDArray[np.float32]:
    """What `companies.embedding` holds (pgvector ANN key): see `combine_company_vector`.

    Matching a prompt against what a company's recent evidence says (its needs) retrieves buyers far
    better than matching against one long document (tiny world, test prompts, exact search: recall@200
    0.53 vs 0.41 for `embed(company_document(...))`).
    """
    texts = [company_head(name=name, description=description, industry=industry)] + [s.text for s in snippets]
    vectors = embedder.embed(texts)
    return combine_company_vector(vectors[0], vectors[1:], signal_weights(snippets, now))


def signal_weights(snippets: Sequence[SnippetView], now: datetime) -> npt.NDArray[np.float32]:
    """Each snippet's weight in the company vector: recency x kind x reputation, 0 for profile text."""
    return np.array(
        [snippet_weight(s, now) if s.kind != "profile" else 0.0 for s in snippets], dtype=np.float32
    )


def company_head(*, name: str, description: str, industry: str | None) -> str:
    return ". ".join(p for p in (name.strip(), (industry or "").strip(), description.strip()) if p)


MIN_SENTENCE_WORDS = 4


def sentences(text: str) -> list[str]:
    """The sentences of a text with at least MIN_SENTENCE_WORDS words, in order."""
    return [s.strip() for s in SENTENCE_END.split(text) if len(s.split()) >= MIN_SENTENCE_WORDS]


def self_sentences(*, description: str, profiles: Sequence[str], limit: int) -> list[str]:
    """Up to `limit` distinct sentences of what a company says about itself: its description, then
    its profile texts (newest first, as given)."""
    out: dict[str, None] = {}
    for text in (description, *profiles):
        for s in sentences(text):
            out.setdefault(s, None)
            if len(out) >= limit:
                return list(out)
    return list(out)
