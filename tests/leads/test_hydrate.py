"""Evidence selection from the store's snippet slots (pure), and hydration of the K leads (PostgreSQL)."""

from __future__ import annotations

import uuid

import numpy as np
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.db import raw_connection
from app.leads.hydrate import ContactView, evidence_slots, hydrate, iso
from app.ranking.columns import SNIPPET_DIM, LeadStore
from tools.ranker_world import World


def unit(*hot: int) -> np.ndarray:
    v = np.zeros(SNIPPET_DIM, dtype=np.float32)
    for i in hot:
        v[i] = 1.0
    return v / np.linalg.norm(v)


def test_relevant_recent_evidence_wins_and_empty_slots_are_skipped() -> None:
    store = LeadStore(dim=256, capacity=4)
    # row 0: three snippets; the two about the prompt (dimension 0) beat the heavier off-topic one.
    store.snip_seq[0, :3] = [101, 102, 103]
    store.snip_weight[0, :3] = [0.5, 0.9, 0.4]
    store.snip_vec.set((0, 0), unit(0))
    store.snip_vec.set((0, 1), unit(5))
    store.snip_vec.set((0, 2), unit(0, 5))
    # row 1: no evidence at all.
    query = np.zeros(256, dtype=np.float32)
    query[0] = 1.0
    slots = evidence_slots(store, np.array([0, 1]), query_vec=query, limit=2)
    assert [seq for seq, _ in slots[0]] == [101, 103]
    weights = [w for _, w in slots[0]]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] == round(0.5 * 1.25, 4)
    assert slots[1] == []


def test_no_rows_gives_no_slots() -> None:
    store = LeadStore(dim=256, capacity=2)
    assert evidence_slots(store, np.array([], dtype=np.int64), query_vec=np.ones(256, dtype=np.float32)) == []


# The two statements hydration ran before it became one round trip: the reference of the parity test.
REFERENCE_CONTACTS = (
    "SELECT company_id, name, title, email FROM contacts WHERE company_id = ANY($1::uuid[]) "
    "ORDER BY company_id, id"
)
REFERENCE_EVIDENCE = (
    "SELECT seq, id, kind, text, source_url, observed_at FROM snippets WHERE seq = ANY($1::bigint[])"
)


async def test_one_round_trip_reads_what_the_two_statements_read(
    world_db: World, ranker_engine: AsyncEngine
) -> None:
    async with raw_connection(ranker_engine) as conn:
        ids = [r[0] for r in await conn.fetch("SELECT DISTINCT company_id FROM contacts ORDER BY 1 LIMIT 12")]
        ids.append(uuid.uuid4())  # a company without contacts
        seqs = [r[0] for r in await conn.fetch("SELECT seq FROM snippets ORDER BY seq DESC LIMIT 7")]
        slots = [
            [(seqs[0], 0.9), (seqs[1], 0.5)],
            [],
            [(seqs[2], 0.4), (-5, 0.3)],
            [(s, 0.1) for s in seqs[3:]],
        ]
        contacts, evidence = await hydrate(conn, ids, slots, roles=["engineering"], limit=2)
        expected_contacts: dict[uuid.UUID, list[ContactView]] = {}
        for r in await conn.fetch(REFERENCE_CONTACTS, ids):
            expected_contacts.setdefault(r["company_id"], []).append(
                ContactView(r["name"], r["title"] or "", r["email"])
            )
        found = {r["seq"]: r for r in await conn.fetch(REFERENCE_EVIDENCE, seqs)}
        assert await hydrate(conn, [], [[], []], roles=[]) == ({}, [[], []])
    for cid, rows in expected_contacts.items():
        rows.sort(key=lambda c: "engineering" not in c.title.lower())
        assert contacts[cid] == rows[:2]
    assert set(contacts) == set(expected_contacts)
    assert [[e.snippet_id for e in row] for row in evidence] == [
        [found[s]["id"] for s, _ in row if s in found] for row in slots
    ]
    flat = [e for row in evidence for e in row]
    by_id = {r["id"]: r for r in found.values()}
    for e in flat:
        r = by_id[e.snippet_id]
        assert (e.kind, e.text, e.source_url, e.observed_at) == (
            r["kind"],
            r["text"],
            r["source_url"],
            r["observed_at"],
        )
        assert iso(e.observed_at) == iso(r["observed_at"])
    assert [e.weight for e in evidence[0]] == [0.9, 0.5]
