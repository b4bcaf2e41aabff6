"""Contacts and evidence of the K leads returned: two indexed set queries, whatever K is.

The evidence is chosen in memory (`evidence_slots`, from the store's per-company snippet slots) and
only the chosen snippets are read, by their surrogate key `snippets.seq`."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from app.ranking.columns import LeadStore
from app.ranking.signals import KIND_WEIGHT

MAX_SIGNALS = 3
MAX_CONTACTS = 3
PROFILE_WEIGHT = KIND_WEIGHT["profile"]  # a profile's evidence weight: its kind's, undated


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


CONTACTS_SQL = (
    "SELECT company_id, name, title, email FROM contacts WHERE company_id = ANY($1::uuid[]) "
    "ORDER BY company_id, id"
)
EVIDENCE_SQL = (
    "SELECT seq, id, kind, text, source_url, observed_at FROM snippets WHERE seq = ANY($1::bigint[])"
)


async def contacts_for(
    conn: Any,
    company_ids: Sequence[uuid.UUID],
    *,
    roles: Sequence[str],
    limit: int = MAX_CONTACTS,
) -> dict[uuid.UUID, list[ContactView]]:
    """Up to `limit` contacts per company, those whose title names a wanted role first
    (`conn`: an asyncpg connection, see app.core.db.raw_connection)."""
    out: dict[uuid.UUID, list[ContactView]] = defaultdict(list)
    if not company_ids:
        return out
    rows = await conn.fetch(CONTACTS_SQL, list(company_ids))
    wanted = [r.lower() for r in roles]
    grouped: dict[uuid.UUID, list[ContactView]] = defaultdict(list)
    for r in rows:
        grouped[r["company_id"]].append(ContactView(r["name"], r["title"] or "", r["email"]))
    for cid, contacts in grouped.items():
        contacts.sort(key=lambda c: not any(w in c.title.lower() for w in wanted))
        out[cid] = contacts[:limit]
    return out


def evidence_slots(
    store: LeadStore,
    rows: npt.NDArray[np.int64],
    *,
    query_vec: npt.NDArray[np.float32],
    limit: int = MAX_SIGNALS,
) -> list[list[tuple[int, float]]]:
    """Per row, its strongest evidence as (snippets.seq, weight), best first: the recency x kind x
    reputation weight the store keeps for its newest signal snippets, times their relevance to the
    prompt (the same truncated snippet vectors the snippet-level features use), then the company's
    own profile text when there is room (so a company known only by its description still shows
    what it says). Pure, no I/O."""
    if len(rows) == 0:
        return []
    sims = store.snippet_similarities(rows, query_vec)  # (n, slots)
    seqs = store.snip_seq[rows]
    weights = store.snip_weight[rows] * (0.25 + np.clip(sims, 0.0, 1.0))
    weights = np.where(seqs >= 0, weights, -1.0)
    order = np.argsort(-weights, axis=1, kind="stable")[:, :limit]
    profiles = store.profile_seq[rows]
    out: list[list[tuple[int, float]]] = []
    for i in range(len(rows)):
        picked = [(int(seqs[i, j]), round(float(weights[i, j]), 4)) for j in order[i] if seqs[i, j] >= 0]
        if len(picked) < limit and profiles[i] >= 0:
            picked.append((int(profiles[i]), PROFILE_WEIGHT))
        out.append(picked)
    return out


async def evidence_for(conn: Any, slots: Sequence[Sequence[tuple[int, float]]]) -> list[list[Evidence]]:
    """The snippets behind `evidence_slots`, in the same shape (one primary-key lookup for all;
    `conn`: an asyncpg connection). A snippet deleted since the store last saw it is skipped."""
    weight_of = {seq: w for row in slots for seq, w in row}
    if not weight_of:
        return [[] for _ in slots]
    found = {r["seq"]: r for r in await conn.fetch(EVIDENCE_SQL, list(weight_of))}
    return [
        [
            Evidence(r["id"], r["kind"], r["text"], r["source_url"], r["observed_at"], w)
            for seq, w in row
            if (r := found.get(seq)) is not None
        ]
        for row in slots
    ]
