"""Contacts and evidence of the K leads returned: one round trip of two indexed set queries, whatever K is.

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
import orjson

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


# Contacts and evidence of the K leads in one round trip, as two JSON arrays sent as text (decoded by
# orjson rather than the driver's json codec, no per-row record objects): contacts ordered per
# company, snippets by their surrogate key `seq`.
HYDRATE_SQL = (
    "SELECT (SELECT json_agg(json_build_array(company_id, name, title, email) ORDER BY company_id, id) "
    "FROM contacts WHERE company_id = ANY($1::uuid[]))::text, "
    "(SELECT json_agg(json_build_array(seq, id, kind, text, source_url, observed_at)) "
    "FROM snippets WHERE seq = ANY($2::bigint[]))::text"
)


async def hydrate(
    conn: Any,
    company_ids: Sequence[uuid.UUID],
    slots: Sequence[Sequence[tuple[int, float]]],
    *,
    roles: Sequence[str],
    limit: int = MAX_CONTACTS,
) -> tuple[dict[uuid.UUID, list[ContactView]], list[list[Evidence]]]:
    """Up to `limit` contacts per company (those whose title names a wanted role first) and the
    snippets behind `evidence_slots` in the same shape (a snippet deleted since the store last saw
    it is skipped); `conn`: an asyncpg connection (app.core.db.raw_connection)."""
    weight_of = {seq: w for row in slots for seq, w in row}
    if not company_ids and not weight_of:
        return {}, [[] for _ in slots]
    contacts_json, evidence_json = await conn.fetchrow(HYDRATE_SQL, list(company_ids), list(weight_of))
    return _contacts(contacts_json, roles=roles, limit=limit), _evidence(evidence_json, slots)


def _contacts(text: str | None, *, roles: Sequence[str], limit: int) -> dict[uuid.UUID, list[ContactView]]:
    grouped: dict[str, list[ContactView]] = defaultdict(list)
    for company_id, name, title, email in orjson.loads(text) if text else ():
        grouped[company_id].append(ContactView(name, title or "", email))
    wanted = [r.lower() for r in roles]
    out: dict[uuid.UUID, list[ContactView]] = {}
    for cid, contacts in grouped.items():
        contacts.sort(key=lambda c: not any(w in c.title.lower() for w in wanted))
        out[uuid.UUID(cid)] = contacts[:limit]
    return out


def _evidence(text: str | None, slots: Sequence[Sequence[tuple[int, float]]]) -> list[list[Evidence]]:
    found = {int(r[0]): r for r in orjson.loads(text)} if text else {}
    return [
        [
            Evidence(r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]), w)
            for seq, w in row
            if (r := found.get(seq)) is not None
        ]
        for row in slots
    ]


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
    profiles = store.profile_seq[rows].tolist()
    out: list[list[tuple[int, float]]] = []
    # As Python lists: indexing them gives ints and floats at list speed (not numpy scalars).
    for seq, weight, best, profile in zip(
        seqs.tolist(), weights.tolist(), order.tolist(), profiles, strict=True
    ):
        picked = [(seq[j], round(weight[j], 4)) for j in best if seq[j] >= 0]
        if len(picked) < limit and profile >= 0:
            picked.append((profile, PROFILE_WEIGHT))
        out.append(picked)
    return out
