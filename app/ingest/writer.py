"""Storing a batch of validated snippets in ONE transaction (the caller's): miners, throttle, companies,
exact / near-duplicate detection with corroboration, snippets, contacts, profiles, embedding queue.

Idempotent: a snippet id already stored is skipped without touching any counter, so a redelivered
batch changes nothing. Companies are locked (advisory, sorted) so concurrent writers dedupe correctly.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from app.catalog.ids import lead_id_for_domain
from app.catalog.privacy import SUPPRESSION_LOCK, email_digest
from app.core.config import Settings
from app.ingest.db import lock_companies
from app.ingest.dedup import hamming, is_boilerplate, simhash_many
from app.ingest.extract import extract
from app.ingest.inline_embed import InlineEmbedder
from app.ingest.miners import (
    MinerRow,
    Transition,
    lock_miners,
    miner_row,
    publish_quarantined,
    save_miners,
    take_tokens,
)
from app.ingest.profile_merge import Evidence
from app.ingest.profiles_db import apply_evidence, rebuild_profiles
from app.ingest.validate import CleanSnippet
from app.observability.meters import (
    CONTACTS_DROPPED,
    MINERS_THROTTLED,
    SNIPPETS_ACCEPTED,
    SNIPPETS_DUPLICATE,
)

NEAR_DUP_WINDOW = 500  # most recent originals per company compared for near-duplicates
# A name-based UUID costs a SHA-1 and a UUID object; a batch needs one per company, and a stream
# revisits the same companies.
_company_id = functools.lru_cache(maxsize=65_536)(lead_id_for_domain)


class Throttled(Exception):
    """All-or-nothing mode: a miner has not enough tokens; the transaction must be rolled back."""

    def __init__(self, miner_id: str, retry_after_s: float) -> None:
        super().__init__(f"miner {miner_id} is throttled")
        self.miner_id = miner_id
        self.retry_after_s = retry_after_s


@dataclass
class StoreResult:
    accepted: int = 0  # new snippets stored as evidence (status accepted or quarantined)
    quarantined: int = 0
    duplicates: int = 0  # exact or near duplicates (stored as such) and redeliveries
    redelivered: int = 0
    throttled: list[int] = field(default_factory=list)  # input positions refused by the throttle
    retry_after_s: float = 0.0
    touched: set[uuid.UUID] = field(default_factory=set)  # companies whose profile changed


@dataclass(slots=True)
class _Row:
    pos: int
    s: CleanSnippet
    company_id: uuid.UUID
    simhash: int
    status: str = "accepted"
    duplicate_of: str | None = None
    original_miner: str | None = None


async def store_snippets(
    conn: asyncpg.Connection,
    *,
    snippets: list[CleanSnippet],
    rejected_by_miner: Counter[str],
    settings: Settings,
    now: datetime,
    throttle: str,
    pre_admitted: set[int] | None = None,
    source: str,
    embedder: InlineEmbedder | None = None,
) -> StoreResult:
    """`throttle`: "all_or_nothing" (HTTP: raise Throttled, store nothing), "partial" (consumer: refuse
    the excess, reported in `throttled`) or "off". Positions in `pre_admitted` were already charged.
    With `embedder` the embeddings are written in this transaction, else queued for the worker."""
    result = StoreResult()
    # The miner rows are read as a snapshot and locked only at the end (`save_miners`), in id order
    # with the miners this batch corroborates or contradicts. Locked up front, a batch held its miner
    # for its whole transaction: the batches of other miners that corroborate it queued behind it
    # while holding their own miner, a chain that serialised concurrent batches (and could close a
    # cycle). The throttle decides on the snapshot's tokens, and the end applies the tokens taken to
    # the current row: two concurrent batches of one miner can overdraw its bucket by one batch,
    # which the refill then makes the miner wait for (all or nothing per batch either way).
    miners = await lock_miners(
        conn,
        ids=[s.miner_id for s in snippets] + list(rejected_by_miner),
        settings=settings,
        now=now,
        lock=False,
    )
    for miner_id, n in rejected_by_miner.items():
        miners[miner_id].add("rejected", n)
    for s in snippets:
        if s.contact_dropped:
            CONTACTS_DROPPED.labels(reason=s.contact_dropped).inc()
    # 1. redeliveries (same id stored before, or twice in this batch) change nothing
    ids = [s.snippet_id for s in snippets]
    existing = {r["id"] for r in await conn.fetch("SELECT id FROM snippets WHERE id = ANY($1::text[])", ids)}
    fresh: list[tuple[int, CleanSnippet]] = []
    for pos, s in enumerate(snippets):
        if s.snippet_id in existing:
            result.redelivered += 1
            continue
        existing.add(s.snippet_id)
        fresh.append((pos, s))
    # 2. the spam throttle, per miner, in batch order
    fresh = _throttle(
        fresh,
        miners=miners,
        settings=settings,
        now=now,
        mode=throttle,
        pre_admitted=pre_admitted or set(),
        result=result,
    )
    if fresh:
        await lock_companies(conn, sorted({s.domain for _, s in fresh}))
    company_ids = {d: _company_id(d) for d in {s.domain for _, s in fresh}}
    hashes = simhash_many([s.text for _, s in fresh])  # only for what passed the throttle
    rows = [_Row(pos, s, company_ids[s.domain], h) for (pos, s), h in zip(fresh, hashes, strict=True)]
    await _upsert_companies(conn, rows)
    await _classify(conn, rows, miners, settings)
    inserted = await _insert(conn, rows)
    rows = [r for r in rows if r.s.snippet_id in inserted]
    await _corroborate(conn, rows, miners)
    await _contacts(conn, [r for r in rows if r.status == "accepted"])
    # 3. profiles from the accepted (not quarantined) evidence
    evidence = _evidence(rows, miners, result)
    stats = await apply_evidence(conn, evidence=evidence, now=now, embedder=embedder)
    await _add_to_miners(conn, miners, "contradicted", stats.contradicted)
    result.touched = set(evidence)
    transitions = await save_miners(conn, miners=miners, settings=settings, now=now)
    result.touched |= await _release(conn, transitions, now)
    result.duplicates = sum(1 for r in rows if r.status in ("duplicate", "near_duplicate"))
    result.duplicates += result.redelivered
    SNIPPETS_ACCEPTED.labels(source=source).inc(result.accepted)
    for status, n in Counter(r.status for r in rows).items():
        if status in ("duplicate", "near_duplicate"):
            SNIPPETS_DUPLICATE.labels(kind="exact" if status == "duplicate" else "near").inc(n)
    if result.redelivered:
        SNIPPETS_DUPLICATE.labels(kind="redelivery").inc(result.redelivered)
    return result


def _throttle(
    fresh: list[tuple[int, CleanSnippet]],
    *,
    miners: dict[str, MinerRow],
    settings: Settings,
    now: datetime,
    mode: str,
    pre_admitted: set[int],
    result: StoreResult,
) -> list[tuple[int, CleanSnippet]]:
    if mode == "off":
        return fresh
    wanted = Counter(s.miner_id for pos, s in fresh if pos not in pre_admitted)
    admitted: dict[str, int] = {}
    for miner_id, n in sorted(wanted.items()):
        taken = take_tokens(
            miners[miner_id], wanted=n, settings=settings, now=now, all_or_nothing=mode == "all_or_nothing"
        )
        if taken.admitted < n:
            MINERS_THROTTLED.labels(source="http" if mode == "all_or_nothing" else "kafka").inc()
            if mode == "all_or_nothing":
                raise Throttled(miner_id, taken.retry_after_s)
            result.retry_after_s = max(result.retry_after_s, taken.retry_after_s)
        admitted[miner_id] = taken.admitted
    kept: list[tuple[int, CleanSnippet]] = []
    for pos, s in fresh:
        if pos in pre_admitted:
            kept.append((pos, s))
        elif admitted[s.miner_id] > 0:
            admitted[s.miner_id] -= 1
            kept.append((pos, s))
        else:
            result.throttled.append(pos)
    return kept


async def _upsert_companies(conn: asyncpg.Connection, rows: list[_Row]) -> None:
    if not rows:
        return
    first: dict[uuid.UUID, _Row] = {}
    for r in rows:
        first.setdefault(r.company_id, r)
    await conn.execute(
        "INSERT INTO companies (id, domain, name) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) "
        "ON CONFLICT (domain) DO NOTHING",
        list(first),
        [r.s.domain for r in first.values()],
        [r.s.company_name[:300] for r in first.values()],
    )


async def _classify(
    conn: asyncpg.Connection, rows: list[_Row], miners: dict[str, MinerRow], settings: Settings
) -> None:
    """Exact duplicates by content hash, near duplicates by simhash within the same company."""
    if not rows:
        return
    hashes = list({r.s.content_hash for r in rows})
    exact: dict[bytes, tuple[str, str]] = {
        bytes(r["content_hash"]): (r["id"], r["miner_id"])
        for r in await conn.fetch(
            "SELECT content_hash, id, miner_id FROM snippets "
            "WHERE content_hash = ANY($1::bytea[]) AND duplicate_of IS NULL",
            hashes,
        )
    }
    company_ids = list({r.company_id for r in rows})
    near: dict[uuid.UUID, list[tuple[int, str, str]]] = defaultdict(list)
    for rec in await conn.fetch(
        """
        SELECT company_id, simhash, id, miner_id FROM (
            SELECT company_id, simhash, id, miner_id,
                   row_number() OVER (PARTITION BY company_id ORDER BY received_at DESC) AS rn
            FROM snippets WHERE company_id = ANY($1::uuid[]) AND duplicate_of IS NULL) s
        WHERE rn <= $2
        """,
        company_ids,
        NEAR_DUP_WINDOW,
    ):
        near[rec["company_id"]].append((rec["simhash"], rec["id"], rec["miner_id"]))
    bits = settings.ingest_near_dup_bits
    for r in rows:
        hit = exact.get(r.s.content_hash)
        if hit is not None:
            r.status, r.duplicate_of, r.original_miner = "duplicate", hit[0], hit[1]
            continue
        similar = next((c for c in near[r.company_id] if hamming(c[0], r.simhash) <= bits), None)
        if similar is not None:
            r.status, r.duplicate_of, r.original_miner = "near_duplicate", similar[1], similar[2]
            continue
        r.status = "quarantined" if miners[r.s.miner_id].quarantined else "accepted"
        exact[r.s.content_hash] = (r.s.snippet_id, r.s.miner_id)
        near[r.company_id].append((r.simhash, r.s.snippet_id, r.s.miner_id))


async def _insert(conn: asyncpg.Connection, rows: list[_Row]) -> set[str]:
    if not rows:
        return set()
    inserted = await conn.fetch(
        """
        INSERT INTO snippets (id, miner_id, company_id, kind, text, source_url, observed_at,
                              content_hash, simhash, status, duplicate_of, received_at)
        SELECT *, now() FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[],
                             $6::text[], $7::timestamptz[], $8::bytea[], $9::bigint[], $10::text[],
                             $11::text[])
        ON CONFLICT (id) DO NOTHING
        RETURNING id
        """,
        [r.s.snippet_id for r in rows],
        [r.s.miner_id for r in rows],
        [r.company_id for r in rows],
        [r.s.kind for r in rows],
        [r.s.text for r in rows],
        [r.s.source_url for r in rows],
        [r.s.observed_at for r in rows],
        [r.s.content_hash for r in rows],
        [r.simhash for r in rows],
        [r.status for r in rows],
        [r.duplicate_of for r in rows],
    )
    return {rec["id"] for rec in inserted}


async def _corroborate(conn: asyncpg.Connection, rows: list[_Row], miners: dict[str, MinerRow]) -> None:
    """A duplicate from another miner corroborates the original (once per miner); from the same
    miner it counts against that miner's duplicate rate."""
    pairs: dict[tuple[str, str], str] = {}
    for r in rows:
        if r.duplicate_of is None:
            continue
        if r.original_miner == r.s.miner_id:
            miners[r.s.miner_id].add("duplicates" if r.status == "duplicate" else "near_duplicates")
        else:
            pairs.setdefault((r.duplicate_of, r.s.miner_id), r.s.snippet_id)
    if not pairs:
        return
    created = await conn.fetch(
        """
        WITH ins AS (
            INSERT INTO snippet_corroborations (snippet_id, miner_id, duplicate_id)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
            ON CONFLICT DO NOTHING RETURNING snippet_id)
        UPDATE snippets s SET corroborations = LEAST(s.corroborations + c.n, 32767)
        FROM (SELECT snippet_id, count(*) AS n FROM ins GROUP BY snippet_id) c
        WHERE s.id = c.snippet_id
        RETURNING s.miner_id, c.n
        """,
        [k[0] for k in pairs],
        [k[1] for k in pairs],
        list(pairs.values()),
    )
    gained: Counter[str] = Counter()
    for rec in created:
        gained[rec["miner_id"]] += int(rec["n"])
    await _add_to_miners(conn, miners, "corroborated", gained)


async def _contacts(conn: asyncpg.Connection, rows: list[_Row]) -> None:
    contacts = [(r, r.s.contact) for r in rows if r.s.contact is not None]
    if not contacts:
        return
    # Addresses erased on request are never stored again (DELETE /v1/contacts).
    await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", SUPPRESSION_LOCK)
    digests = {c.email: email_digest(c.email) for _, c in contacts if c.email}
    if digests:
        suppressed = {
            r["email_sha256"]
            for r in await conn.fetch(
                "SELECT email_sha256 FROM contact_suppressions WHERE email_sha256 = ANY($1::text[])",
                sorted(set(digests.values())),
            )
        }
        kept = [(r, c) for r, c in contacts if not (c.email and digests[c.email] in suppressed)]
        if len(kept) < len(contacts):
            CONTACTS_DROPPED.labels(reason="suppressed").inc(len(contacts) - len(kept))
        contacts = kept
        if not contacts:
            return
    await conn.execute(
        """
        INSERT INTO contacts (company_id, name, title, email, linkedin_url, source_snippet_id)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
        ON CONFLICT DO NOTHING
        """,
        [r.company_id for r, _ in contacts],
        [c.name or (c.email or "") for _, c in contacts],
        [c.title for _, c in contacts],
        [c.email for _, c in contacts],
        [c.linkedin_url for _, c in contacts],
        [r.s.snippet_id for r, _ in contacts],
    )


def _evidence(
    rows: list[_Row], miners: dict[str, MinerRow], result: StoreResult
) -> dict[uuid.UUID, list[Evidence]]:
    evidence: dict[uuid.UUID, list[Evidence]] = defaultdict(list)
    for r in rows:
        miner = miners[r.s.miner_id]
        if r.status in ("accepted", "quarantined"):
            result.accepted += 1
            miner.add("accepted")
            if is_boilerplate(r.s.text):
                miner.add("boilerplate")
        if r.status == "quarantined":
            result.quarantined += 1
        if r.status != "accepted":
            continue
        evidence[r.company_id].append(
            Evidence(
                snippet_id=r.s.snippet_id,
                miner_id=r.s.miner_id,
                reputation=miner.reputation,
                kind=r.s.kind,
                text=r.s.text,
                observed_at=r.s.observed_at,
                company={
                    "name": r.s.company_name or None,
                    "industry": r.s.industry,
                    "employees": r.s.employees,
                    "country": r.s.country,
                    "description": r.s.description or None,
                },
                facts=extract(kind=r.s.kind, text=r.s.text),
            )
        )
    return dict(evidence)


async def _add_to_miners(
    conn: asyncpg.Connection, miners: dict[str, MinerRow], name: str, amounts: Mapping[str, int]
) -> None:
    """Counters of other miners (corroborated, contradicted) join this transaction's miner rows and
    are saved with them, under the same sorted locking."""
    missing = sorted(set(amounts) - set(miners))
    if missing:
        rows = await conn.fetch("SELECT * FROM miners WHERE id = ANY($1::text[])", missing)
        for r in rows:
            miners[r["id"]] = miner_row(r)
    for miner_id, n in sorted(amounts.items()):
        if miner_id in miners:
            miners[miner_id].add(name, n)


async def _release(conn: asyncpg.Connection, transitions: list[Transition], now: datetime) -> set[uuid.UUID]:
    """A miner out of quarantine: its quarantined snippets become evidence, profiles rebuilt."""
    touched: set[uuid.UUID] = set()
    for t in transitions:
        if t.quarantined:
            continue
        released = await conn.fetch(
            "UPDATE snippets SET status = 'accepted' WHERE miner_id = $1 AND status = 'quarantined' "
            "RETURNING company_id",
            t.miner_id,
        )
        company_ids = sorted({r["company_id"] for r in released})
        await rebuild_profiles(conn, company_ids=company_ids, now=now)
        touched |= set(company_ids)
    if transitions:
        await publish_quarantined(conn)
    return touched
