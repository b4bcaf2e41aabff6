"""Reading and writing `companies.profile` inside the storage transaction, and full rebuilds."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from app.ingest.extract import extract
from app.ingest.inline_embed import Head, InlineEmbedder
from app.ingest.profile_merge import Evidence, MergeStats, columns, merge


async def apply_evidence(
    conn: asyncpg.Connection,
    *,
    evidence: dict[uuid.UUID, list[Evidence]],
    now: datetime,
    rebuild: bool = False,
    embedder: InlineEmbedder | None = None,
) -> MergeStats:
    """Merge evidence into the profiles of these companies (already locked by the caller), update the
    firmographic columns, counts and `updated_at` (the ranker polls it), and the embedding: computed
    here with `embedder` (written to `company_embeddings` when it moved), else queued for the worker."""
    stats = MergeStats(contradicted={})
    if not evidence:
        return stats
    ids = sorted(evidence)
    rows = await conn.fetch(
        "SELECT id, name, description, industry, profile::text AS profile FROM companies "
        "WHERE id = ANY($1::uuid[])",
        ids,
    )
    current = {r["id"]: ({} if rebuild else orjson.loads(r["profile"])) for r in rows}
    old = {r["id"]: r for r in rows}
    heads: dict[uuid.UUID, Head] = {}
    out: dict[str, list[Any]] = defaultdict(list)
    for company_id in ids:
        # the decoded profile is this call's own: merged in place, no copy
        profile, merge_stats = merge(current.get(company_id, {}), evidence[company_id], now=now, copy=False)
        for miner, n in merge_stats.contradicted.items():
            stats.contradicted[miner] = stats.contradicted.get(miner, 0) + n
        cols = columns(profile)
        out["id"].append(company_id)
        out["profile"].append(orjson.dumps(profile).decode())
        for name in ("name", "industry", "employees", "country", "description", "founded_year"):
            out[name].append(cols[name])
        out["n"].append(len(evidence[company_id]))
        out["last"].append(max(e.observed_at for e in evidence[company_id]))
        row = old.get(company_id)
        if row is not None:  # the columns as the UPDATE below leaves them
            heads[company_id] = Head(
                name=cols["name"][:300] if cols["name"] is not None else row["name"],
                description=cols["description"] if cols["description"] is not None else row["description"],
                industry=cols["industry"][:200] if cols["industry"] is not None else row["industry"],
            )
    count_expr = "v.n" if rebuild else "c.snippet_count + v.n"
    await conn.execute(
        f"""
        UPDATE companies c SET
            profile = v.profile::jsonb,
            profile_version = c.profile_version + 1,
            name = COALESCE(left(v.name, 300), c.name),
            industry = COALESCE(left(v.industry, 200), c.industry),
            employees = COALESCE(v.employees, c.employees),
            country = COALESCE(v.country, c.country),
            description = COALESCE(v.description, c.description),
            founded_year = COALESCE(v.founded_year, c.founded_year),
            snippet_count = {count_expr},
            last_snippet_at = GREATEST(c.last_snippet_at, v.last),
            updated_at = now()
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[],
                    $8::int[], $9::int[], $10::timestamptz[])
             AS v(id, profile, name, industry, employees, country, description, founded_year, n, last)
        WHERE c.id = v.id
        """,  # noqa: S608 - the only interpolation is a constant expression
        out["id"],
        out["profile"],
        out["name"],
        out["industry"],
        out["employees"],
        out["country"],
        out["description"],
        out["founded_year"],
        out["n"],
        out["last"],
    )
    # After the UPDATE: a new row in company_embeddings copies the company's country and employees.
    embedded = await embedder.embed(conn, heads=heads, since=now) if embedder is not None else set()
    if embedded:
        # A worker holding an older claim on one of these must not overwrite the newer vector with a
        # stale one: a version bump keeps its queue row, re-embedded from current data next round.
        await conn.execute(
            "UPDATE embedding_queue SET version = version + 1 WHERE company_id = ANY($1::uuid[])",
            sorted(embedded),
        )
    queued = [company_id for company_id in ids if company_id not in embedded]  # sorted: the lock order
    if queued:
        # The new version is claimable at once: a worker embedding the old one keeps the row (its
        # delete matches the old version only) and does not make it wait for the claim to expire.
        await conn.execute(
            "INSERT INTO embedding_queue (company_id, enqueued_at) SELECT c, $2 FROM unnest($1::uuid[]) c "
            "ON CONFLICT (company_id) DO UPDATE SET version = embedding_queue.version + 1, "
            "claimed_until = NULL, enqueued_at = LEAST(embedding_queue.enqueued_at, EXCLUDED.enqueued_at)",
            queued,
            now,
        )
    return stats


async def load_evidence(
    conn: asyncpg.Connection, *, company_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Evidence]]:
    """Every accepted snippet of these companies as evidence (for rebuilds)."""
    rows = await conn.fetch(
        """
        SELECT s.id, s.company_id, s.miner_id, m.reputation, s.kind, s.text, s.observed_at
        FROM snippets s JOIN miners m ON m.id = s.miner_id
        WHERE s.company_id = ANY($1::uuid[]) AND s.status = 'accepted'
        """,
        company_ids,
    )
    out: dict[uuid.UUID, list[Evidence]] = defaultdict(list)
    for r in rows:
        out[r["company_id"]].append(
            Evidence(
                snippet_id=r["id"],
                miner_id=r["miner_id"],
                reputation=float(r["reputation"]),
                kind=r["kind"],
                text=r["text"],
                observed_at=r["observed_at"],
                company={},
                facts=extract(kind=r["kind"], text=r["text"]),
            )
        )
    return out


async def rebuild_profiles(conn: asyncpg.Connection, *, company_ids: list[uuid.UUID], now: datetime) -> int:
    """Recompute profiles from all accepted snippets (after a miner's quarantine is lifted, or by
    hand). Firmographics sent in snippets' `company` objects are not kept per snippet, so a rebuild
    keeps the current firmographics and recomputes everything read from text."""
    if not company_ids:
        return 0
    rows = await conn.fetch(
        "SELECT id, profile::text AS profile FROM companies WHERE id = ANY($1::uuid[]) FOR NO KEY UPDATE",
        company_ids,
    )
    evidence = await load_evidence(conn, company_ids=company_ids)
    firmo = {r["id"]: orjson.loads(r["profile"]).get("firmographics", {}) for r in rows}
    await apply_evidence(conn, evidence=dict(evidence), now=now, rebuild=True)
    for company_id, fields in firmo.items():
        if fields:
            await conn.execute(
                "UPDATE companies SET profile = jsonb_set(profile, '{firmographics}', "
                "$2::jsonb || (profile->'firmographics')) WHERE id = $1",
                company_id,
                orjson.dumps(fields).decode(),
            )
    return len(evidence)
