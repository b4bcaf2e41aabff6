"""Puts a generated world straight into PostgreSQL (companies, miners, snippets, contacts, outcomes)
with embeddings from the ranker's embedder, for the ranker's tests. Stand-in for the ingestion path
(the lead may switch these tests to the ingestion service later)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from app.catalog.companies import Company, CompanyEmbedding, Contact
from app.catalog.ids import lead_id_for_domain
from app.catalog.tables import Miner, Outcome, Snippet
from app.ingest.dedup import default_snippet_id
from app.ingest.normalize import email_domain, is_personal_domain
from app.ranking.columns import CompanyRecord
from app.ranking.documents import company_embedding
from app.ranking.embedding import Embedder
from app.ranking.signals import SnippetView
from tools.ranker_world import QUARANTINE_BELOW, World, company_records, domain_of, generate_world, parse_ts

CHUNK = 2000


@cache
def tiny_world() -> World:
    return generate_world("tiny", seed=7)


def _chunks(rows: Sequence[dict[str, Any]]) -> list[Sequence[dict[str, Any]]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


def company_rows(
    records: Sequence[CompanyRecord], embedder: Embedder
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of `companies` and of `company_embeddings` (the ANN key, with its filter columns)."""
    now = datetime.now(UTC)
    rows = []
    vectors = []
    for r in records:
        views = [SnippetView(s.kind, s.text, s.observed_at, s.reputation) for s in r.snippets]
        vector = company_embedding(
            embedder, name=r.name, description=r.description, industry=r.industry, snippets=views, now=now
        )
        rows.append(
            {
                "id": r.id,
                "domain": r.domain,
                "name": r.name,
                "industry": r.industry,
                "employees": r.employees,
                "country": r.country,
                "description": r.description,
                "snippet_count": len(r.snippets),
                "profile": {},
                "created_at": now,
                "updated_at": now,
            }
        )
        vectors.append(
            {
                "company_id": r.id,
                "embedding": vector.tolist(),
                "embedding_model": embedder.model_id,
                "country": r.country,
                "employees": r.employees,
            }
        )
    return rows, vectors


async def load_world(
    engine: AsyncEngine, world: World, embedder: Embedder, *, outcomes: bool = True
) -> list[CompanyRecord]:
    records = company_records(world, outcomes=world.outcomes if outcomes else [])
    known = {r.domain for r in records}
    now = datetime.now(UTC)
    miners = [
        {
            "id": m,
            "reputation": rep,
            "quarantined": rep < QUARANTINE_BELOW,
            "created_at": now,
            "updated_at": now,
        }
        for m, rep in world.miners.items()
    ]
    snippets: list[dict[str, Any]] = []
    contacts: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
    seen: set[str] = set()
    for s in world.snippets:
        domain = domain_of(s["company"]["domain"])
        snippet_id = s.get("snippet_id") or default_snippet_id(
            miner_id=s["miner_id"], source_url=s["source_url"], text=s["text"]
        )
        if domain not in known or snippet_id in seen:
            continue
        seen.add(snippet_id)
        rep = world.miners.get(s["miner_id"], 0.5)
        company_id = lead_id_for_domain(domain)
        snippets.append(
            {
                "id": snippet_id,
                "miner_id": s["miner_id"],
                "company_id": company_id,
                "kind": s["kind"],
                "text": s["text"],
                "source_url": s["source_url"],
                "observed_at": parse_ts(s["observed_at"]),
                "content_hash": hashlib.sha256(s["text"].encode()).digest(),
                "simhash": 0,
                "status": "quarantined" if rep < QUARANTINE_BELOW else "accepted",
            }
        )
        contact = s.get("contact")
        email = (contact or {}).get("email")
        if contact and email:
            try:
                if is_personal_domain(email_domain(email)):
                    continue
            except ValueError:
                continue
            contacts.setdefault(
                (company_id, email.lower()),
                {
                    "company_id": company_id,
                    "name": contact["name"],
                    "title": contact.get("title", ""),
                    "email": email.lower(),
                    "created_at": now,
                    "updated_at": now,
                },
            )
    events = []
    if outcomes:
        for e in world.outcomes:
            domain = domain_of(e["domain"])
            if domain in known:
                events.append(
                    {
                        "event_id": e["event_id"],
                        "request_id": uuid.UUID(e["request_id"]),
                        "company_id": lead_id_for_domain(domain),
                        "type": e["type"],
                        "occurred_at": parse_ts(e["occurred_at"]),
                    }
                )
    async with engine.begin() as conn:
        await conn.execute(insert(Miner), miners)
        companies, vectors = company_rows(records, embedder)
        for chunk in _chunks(companies):
            await conn.execute(insert(Company), list(chunk))
        for chunk in _chunks(vectors):
            await conn.execute(insert(CompanyEmbedding), list(chunk))
        for chunk in _chunks(snippets):
            await conn.execute(insert(Snippet), list(chunk))
        unique_names: dict[tuple[uuid.UUID, str, str], dict[str, Any]] = {}
        for c in contacts.values():
            unique_names.setdefault((c["company_id"], c["name"], c["title"]), c)
        for chunk in _chunks(list(unique_names.values())):
            await conn.execute(insert(Contact), list(chunk))
        for chunk in _chunks(events):
            await conn.execute(insert(Outcome), list(chunk))
    return records
