"""Bulk loader for benchmark worlds: a generated world straight into a database with COPY.

A benchmark and development tool, **not** a replacement for ingestion: it reads the world's files
(`python -m dev.world generate`), runs every snippet through ingestion's own validation
(`app.ingest.validate.validate_snippet`: cleaned text, default ids, content hash, contacts with
personal addresses dropped, future-dated snippets rejected) and writes, with binary COPY:

- `miners`: reputation 0.8 / 0.5 / 0.15 for good / lazy / spamming miners, quarantined below 0.4
  (the stand-ins of `tools.ranker_world`, where ingestion's reputation converges);
- `companies`: firmographics from the newest non-empty value among the company's snippets;
- `snippets`: status `accepted`, `seq` from the identity column, `simhash` as ingestion computes it;
  an exact copy (same content hash) of an earlier snippet of the company is `duplicate` of it and a
  repeated `snippet_id` is dropped (ingestion's idempotency); no near-duplicate detection;
- `contacts`: one per (company, email) and (company, name, title);
- company vectors computed as the service computes them (`combine_company_vector` over the
  embedded head and signal snippets, as `LeadStore.upsert`), into the table the ANN query reads
  (`company_embeddings` from migration 0005, `companies.embedding` before).

Not loaded: outcomes, corroborations, profiles (`companies.profile` stays `{}`). Secondary indexes of
the loaded tables are dropped before the COPY and recreated after it (HNSW last).

    python -m scripts.bulk_load --size tiny                      # into <DATABASE_URL db>_world_tiny
    python -m scripts.bulk_load --size scale --database leadpoet_scale --replace
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
import numpy.typing as npt
import orjson

from app.catalog.ids import lead_id_for_domain
from app.core.config import get_settings
from app.ingest.dedup import simhash_many
from app.ingest.validate import CleanSnippet, Limits, validate_snippet
from app.ranking.documents import combine_company_vector, company_head
from app.ranking.embedding import Embedder, load_embedder
from app.ranking.signals import SnippetView, snippet_weight
from tools.db_admin import alembic_run, ensure_database
from tools.ranker_world import QUARANTINE_BELOW, REPUTATION, WORLD_NOW
from tools.scale_load import HNSW_MAINTENANCE_WORK_MEM, VectorTable, connect, vector_table
from tools.scale_world import iter_file_groups, rss_mb, world_files

TABLES = ("companies", "snippets", "contacts", "company_embeddings")
SNIPPET_COLUMNS = (
    "id",
    "miner_id",
    "company_id",
    "kind",
    "text",
    "source_url",
    "observed_at",
    "received_at",
    "content_hash",
    "simhash",
    "status",
    "duplicate_of",
)
CONTACT_COLUMNS = ("company_id", "name", "title", "email", "linkedin_url", "source_snippet_id")
COMPANY_COLUMNS = (
    "id",
    "domain",
    "name",
    "industry",
    "employees",
    "country",
    "description",
    "snippet_count",
    "last_snippet_at",
)
USABLE = ("accepted", "near_duplicate")


@dataclass
class Batch:
    """COPY records of a batch of companies."""

    companies: list[tuple[Any, ...]] = field(default_factory=list)
    snippets: list[tuple[Any, ...]] = field(default_factory=list)
    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    vectors: list[tuple[uuid.UUID, npt.NDArray[np.float32], str | None, int | None]] = field(
        default_factory=list
    )


@dataclass
class LoadStats:
    companies: int = 0
    snippets: int = 0
    rejected: int = 0
    duplicates: int = 0
    contacts: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, started: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started


def company_batch(
    groups: Iterable[list[dict[str, Any]]],
    *,
    miners: dict[str, float],
    embedder: Embedder,
    received_at: datetime,
    vector_now: datetime,
    stats: LoadStats,
) -> Batch:
    """Validate, fold and embed the snippets of a few companies (one list of raw snippets each)."""
    out = Batch()
    heads: list[str] = []
    texts: list[list[str]] = []
    weights: list[npt.NDArray[np.float32]] = []
    meta: list[tuple[uuid.UUID, str | None, int | None]] = []
    for raw in groups:
        clean = _valid(raw, stats)
        if not clean:
            continue
        company_id = lead_id_for_domain(clean[0].domain)
        firmo = _firmographics(clean)
        hashes: dict[bytes, str] = {}
        usable: list[CleanSnippet] = []
        simhashes = simhash_many([s.text for s in clean])
        for s, sim in zip(clean, simhashes, strict=True):
            duplicate_of = hashes.get(s.content_hash)
            status = "duplicate" if duplicate_of else "accepted"
            hashes.setdefault(s.content_hash, s.snippet_id)
            stats.duplicates += duplicate_of is not None
            out.snippets.append(
                (
                    *(s.snippet_id, s.miner_id, company_id, s.kind, s.text, s.source_url, s.observed_at),
                    *(received_at, s.content_hash, sim, status, duplicate_of),
                )
            )
            if status in USABLE and miners.get(s.miner_id, 0.5) >= QUARANTINE_BELOW:
                usable.append(s)
        out.contacts.extend(_contacts(company_id, clean))
        out.companies.append(
            (
                *(company_id, clean[0].domain, firmo["name"][:300], firmo["industry"], firmo["employees"]),
                *(firmo["country"], firmo["description"], len(clean), max(s.observed_at for s in clean)),
            )
        )
        # As LeadStore.upsert: newest first, weights x (kind != profile), then combine_company_vector.
        usable.sort(key=lambda s: s.observed_at, reverse=True)
        views = [SnippetView(s.kind, s.text, s.observed_at, miners.get(s.miner_id, 0.5)) for s in usable]
        w = np.array([snippet_weight(v, vector_now) for v in views], dtype=np.float32)
        weights.append(w * np.array([v.kind != "profile" for v in views], dtype=bool))
        heads.append(
            company_head(name=firmo["name"], description=firmo["description"], industry=firmo["industry"])
        )
        texts.append([s.text for s in usable])
        meta.append((company_id, firmo["country"], firmo["employees"]))
    stats.companies += len(out.companies)
    stats.snippets += len(out.snippets)
    stats.contacts += len(out.contacts)
    started = time.perf_counter()
    flat = [t for head, rest in zip(heads, texts, strict=True) for t in (head, *rest)]
    vectors = embedder.embed(flat) if flat else np.zeros((0, embedder.dim), dtype=np.float32)
    stats.add("embed", started)
    at = 0
    for (company_id, country, employees), rest, w in zip(meta, texts, weights, strict=True):
        head, snip = vectors[at], vectors[at + 1 : at + 1 + len(rest)]
        at += 1 + len(rest)
        out.vectors.append((company_id, combine_company_vector(head, snip, w), country, employees))
    return out


def _valid(raw: list[dict[str, Any]], stats: LoadStats) -> list[CleanSnippet]:
    seen: set[str] = set()
    clean: list[CleanSnippet] = []
    for item in raw:
        result = validate_snippet(item, now=WORLD_NOW, limits=Limits())
        if not isinstance(result, CleanSnippet):
            stats.rejected += 1
        elif result.snippet_id not in seen:  # a resubmission of the same id is idempotent
            seen.add(result.snippet_id)
            clean.append(result)
    return clean


def _firmographics(clean: list[CleanSnippet]) -> dict[str, Any]:
    """Newest non-empty value of each field (as tools.ranker_world.company_records)."""
    firmo: dict[str, Any] = {
        "name": "",
        "industry": None,
        "employees": None,
        "country": None,
        "description": "",
    }
    found: set[str] = set()
    for s in sorted(clean, key=lambda s: s.observed_at, reverse=True):
        values = {
            "name": s.company_name,
            "industry": s.industry,
            "employees": s.employees,
            "country": s.country,
            "description": s.description,
        }
        for key, value in values.items():
            if key not in found and value not in (None, "", 0):
                firmo[key] = value
                found.add(key)
    firmo["name"] = firmo["name"] or clean[0].domain
    if firmo["country"]:
        firmo["country"] = str(firmo["country"]).upper()[:2]
    return firmo


def _contacts(company_id: uuid.UUID, clean: list[CleanSnippet]) -> Iterator[tuple[Any, ...]]:
    emails: set[str] = set()
    names: set[tuple[str, str]] = set()
    for s in clean:
        c = s.contact
        if c is None or (c.email is not None and c.email in emails) or (c.name, c.title) in names:
            continue
        if c.email is not None:
            emails.add(c.email)
        names.add((c.name, c.title))
        yield (company_id, c.name, c.title, c.email, c.linkedin_url, s.snippet_id)


async def _secondary_indexes(conn: asyncpg.Connection, tables: Iterable[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of `tables` that no constraint owns (droppable)."""
    rows = await conn.fetch(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                             WHERE c.conindid = (quote_ident(i.indexname))::regclass)
           ORDER BY i.indexdef LIKE '%hnsw%', i.indexname""",
        list(tables),
    )
    return [(r[0], r[1]) for r in rows]


def _groups(path: Path, limit: int | None) -> Iterator[list[dict[str, Any]]]:
    for count, (_, group) in enumerate(iter_file_groups(path)):
        if limit is not None and count >= limit:
            return
        yield group


async def bulk_load(
    *,
    database_url: str,
    world_dir: Path,
    embedder: Embedder,
    replace: bool = False,
    limit: int | None = None,
    batch: int = 2000,
    progress_every: int = 100_000,
    vector_now: datetime | None = None,
) -> LoadStats:
    """Load the world in `world_dir` into `database_url` (created and migrated if needed). Snippets are
    validated at the world's clock (WORLD_NOW); vector weights use `vector_now` (default: the time of
    each batch, as the service's embedder does)."""
    stats = LoadStats()
    await ensure_database(database_url)
    await alembic_run(database_url, "upgrade", "head")
    conn = await connect(database_url)
    try:
        where = await vector_table(conn)
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM companies)"):
            if not replace:
                raise SystemExit(f"{database_url}: companies is not empty (use --replace)")
            await conn.execute("TRUNCATE companies, miners CASCADE")
        started = time.perf_counter()
        indexes = await _secondary_indexes(conn, [*TABLES, where.table])
        for name, _ in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
        miners = world_miners(world_dir)
        await _load_miners(conn, miners)
        # FK checks per row are the slowest part of COPY; the data are consistent by construction.
        await conn.execute("SET session_replication_role = replica")
        received_at = datetime.now(UTC)

        def fold(groups: list[list[dict[str, Any]]]) -> Batch:
            t = time.perf_counter()
            now = vector_now or datetime.now(UTC)
            out = company_batch(
                groups, miners=miners, embedder=embedder, received_at=received_at, vector_now=now, stats=stats
            )
            stats.add("fold", t)
            return out

        pending: list[list[dict[str, Any]]] = []
        next_report = progress_every
        for group in _groups(world_dir / "snippets.jsonl", limit):
            pending.append(group)
            if len(pending) == batch:
                await _write(
                    conn,
                    where,
                    fold(pending),
                    model=embedder.model_id,
                    stats=stats,
                )
                pending = []
                if stats.companies >= next_report:
                    next_report += progress_every
                    print(
                        f"  {stats.companies:,} companies, {time.perf_counter() - started:.0f}s, "
                        f"max RSS {rss_mb():,.0f} MB",
                        flush=True,
                    )
        if pending:
            await _write(
                conn,
                where,
                fold(pending),
                model=embedder.model_id,
                stats=stats,
            )
        await conn.execute("SET session_replication_role = DEFAULT")
        stats.add("load", started)
        t = time.perf_counter()
        await conn.execute("SET statement_timeout = 0")
        await conn.execute(f"SET maintenance_work_mem = '{HNSW_MAINTENANCE_WORK_MEM}'")
        for _, definition in indexes:
            await conn.execute(definition)
        await conn.execute("ANALYZE")
        stats.add("indexes", t)
    finally:
        await conn.close()
    return stats


def world_miners(world_dir: Path) -> dict[str, float]:
    """Miner id -> reputation stand-in (tools.ranker_world.REPUTATION by true quality)."""
    lines = (world_dir / "miners.jsonl").read_bytes().splitlines()
    return {m["miner_id"]: REPUTATION[m["quality"]] for m in map(orjson.loads, lines) if m}


async def _load_miners(conn: asyncpg.Connection, miners: dict[str, float]) -> None:
    rows = [(miner_id, rep, rep < QUARANTINE_BELOW) for miner_id, rep in miners.items()]
    await conn.copy_records_to_table("miners", records=rows, columns=("id", "reputation", "quarantined"))


async def _write(
    conn: asyncpg.Connection, where: VectorTable, batch: Batch, *, model: str, stats: LoadStats
) -> None:
    started = time.perf_counter()
    async with conn.transaction():
        if where.separate:
            await conn.copy_records_to_table("companies", records=batch.companies, columns=COMPANY_COLUMNS)
            await conn.copy_records_to_table(
                "company_embeddings",
                records=[(cid, vec, model, country, staff) for cid, vec, country, staff in batch.vectors],
                columns=("company_id", "embedding", "embedding_model", "country", "employees"),
            )
        else:
            vectors = {cid: vec for cid, vec, _, _ in batch.vectors}
            await conn.copy_records_to_table(
                "companies",
                records=[(*row, vectors[row[0]], model) for row in batch.companies],
                columns=(*COMPANY_COLUMNS, "embedding", "embedding_model"),
            )
        await conn.copy_records_to_table("snippets", records=batch.snippets, columns=SNIPPET_COLUMNS)
        await conn.copy_records_to_table("contacts", records=batch.contacts, columns=CONTACT_COLUMNS)
    stats.add("copy", started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="tiny")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database", default=None, help="database name (default <DATABASE_URL db>_world_<size>)"
    )
    parser.add_argument("--replace", action="store_true", help="empty the tables first")
    parser.add_argument("--limit", type=int, default=None, help="first N companies only")
    args = parser.parse_args()
    settings = get_settings()
    base = settings.database_url.rsplit("/", 1)
    url = f"{base[0]}/{args.database or base[1] + '_world_' + args.size}"
    files = world_files(args.size, args.seed)
    if files is None:
        raise SystemExit(
            f"no world files: python -m dev.world generate --size {args.size} --seed {args.seed}"
        )
    embedder = load_embedder(settings)
    started = time.perf_counter()
    stats = asyncio.run(
        bulk_load(
            database_url=url, world_dir=files, embedder=embedder, replace=args.replace, limit=args.limit
        )
    )
    print(
        f"{url}: {stats.companies:,} companies, {stats.snippets:,} snippets ({stats.duplicates:,} duplicate, "
        f"{stats.rejected:,} rejected), {stats.contacts:,} contacts in {time.perf_counter() - started:.0f}s "
        f"({', '.join(f'{k} {v:.0f}s' for k, v in stats.seconds.items())}); max RSS {rss_mb():,.0f} MB"
    )
