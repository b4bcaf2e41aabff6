"""Contacts and evidence of the K leads returned: two set queries, whatever K is."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.ingest.models import Miner, Snippet
from app.leads.loader import USABLE_STATUSES
from app.leads.models import Contact
from app.ranking.embedding import Embedder
from app.ranking.signals import SnippetView, snippet_weight

MAX_SIGNALS = 3
MAX_CONTACTS = 3
# Newest snippets scanned per returned lead for its evidence (the profiler found 40 too costly).
PER_COMPANY_SCAN = 12


@dataclass(frozen=True, slots=True)
class Evidence:
    snippet_id: str
    kind: str
    text: str
    source_url: str
    observed_at: datetime
    weight: float


@dataclass(frozen=True, slots=True)
class ContactView:
    name: str
    title: str
    email: str | None


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def contacts_for(
    session: AsyncSession,
    company_ids: Sequence[uuid.UUID],
    *,
    roles: Sequence[str],
    limit: int = MAX_CONTACTS,
) -> dict[uuid.UUID, list[ContactView]]:
    out: dict[uuid.UUID, list[ContactView]] = defaultdict(list)
    if not company_ids:
        return out
    rows = await session.execute(
        select(Contact.company_id, Contact.name, Contact.title, Contact.email)
        .where(Contact.company_id.in_(list(company_ids)))
        .order_by(Contact.company_id, Contact.id)
    )
    wanted = [r.lower() for r in roles]
    grouped: dict[uuid.UUID, list[ContactView]] = defaultdict(list)
    for r in rows:
        grouped[r.company_id].append(ContactView(r.name, r.title or "", r.email))
    for cid, contacts in grouped.items():
        contacts.sort(key=lambda c: not any(w in c.title.lower() for w in wanted))
        out[cid] = contacts[:limit]
    return out


async def evidence_rows(
    session: AsyncSession, company_ids: Sequence[uuid.UUID], *, per_company_scan: int = PER_COMPANY_SCAN
) -> list[Any]:
    """The newest usable snippets of each company (one query)."""
    if not company_ids:
        return []
    ranked = (
        select(
            Snippet.id,
            Snippet.company_id,
            Snippet.kind,
            Snippet.text,
            Snippet.source_url,
            Snippet.observed_at,
            func.coalesce(Miner.reputation, 0.5).label("reputation"),
            func.row_number()
            .over(partition_by=Snippet.company_id, order_by=Snippet.observed_at.desc())
            .label("n"),
        )
        .join(Miner, Miner.id == Snippet.miner_id, isouter=True)
        .where(Snippet.company_id.in_(list(company_ids)), Snippet.status.in_(USABLE_STATUSES))
        .subquery()
    )
    return list((await session.execute(select(ranked).where(ranked.c.n <= per_company_scan))).all())


def strongest_evidence(
    rows: Sequence[Any],
    *,
    query_vec: npt.NDArray[np.float32] | None,
    embedder: Embedder,
    limit: int = MAX_SIGNALS,
) -> dict[uuid.UUID, list[Evidence]]:
    """The strongest evidence per company: recency x kind x reputation x relevance to the prompt."""
    out: dict[uuid.UUID, list[Evidence]] = defaultdict(list)
    if not rows:
        return out
    now = datetime.now(UTC)
    base = np.array(
        [snippet_weight(SnippetView(r.kind, r.text, r.observed_at, float(r.reputation)), now) for r in rows],
        dtype=np.float32,
    )
    if query_vec is not None:
        sims = embedder.embed([r.text for r in rows]) @ query_vec.astype(np.float32)
        weights = base * (0.25 + np.clip(sims, 0.0, 1.0))
    else:
        weights = base
    grouped: dict[uuid.UUID, list[Evidence]] = defaultdict(list)
    for r, w in zip(rows, weights.tolist(), strict=True):
        grouped[r.company_id].append(Evidence(r.id, r.kind, r.text, r.source_url, r.observed_at, round(w, 4)))
    for cid, items in grouped.items():
        items.sort(key=lambda e: e.weight, reverse=True)
        out[cid] = items[:limit]
    return out
