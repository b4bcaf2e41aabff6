"""Reads companies, their usable snippets and outcome counts from PostgreSQL in a few set queries."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.companies import Company
from app.catalog.tables import Miner, Outcome, Snippet
from app.ranking.columns import CompanyRecord, StoredSnippet

USABLE_STATUSES = ("accepted", "near_duplicate")
DEFAULT_REPUTATION = 0.5
# Re-read a little before each watermark: a transaction may commit after a later one.
WATERMARK_OVERLAP = timedelta(seconds=3)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Watermarks:
    companies: datetime = EPOCH
    snippets: datetime = EPOCH
    outcomes: datetime = EPOCH


async def current_watermarks(session: AsyncSession) -> Watermarks:
    row = (
        await session.execute(
            select(
                select(func.max(Company.updated_at)).scalar_subquery(),
                select(func.max(Snippet.received_at)).scalar_subquery(),
                select(func.max(Outcome.received_at)).scalar_subquery(),
            )
        )
    ).one()
    return Watermarks(companies=row[0] or EPOCH, snippets=row[1] or EPOCH, outcomes=row[2] or EPOCH)


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed since a set of watermarks (minus the overlap), with a version per company: the
    `updated_at` of its row, the highest `seq` of its snippets received in the window, and the total
    number of its outcome events (those in the window have them). `companies.updated_at` is the writing
    transaction's start time, a company's snippets are written under its row lock (seq grows in commit
    order) and outcomes are never deleted, so a company read at these versions and seen again at the
    same ones has nothing newer to read."""

    companies: dict[uuid.UUID, datetime]
    snippets: dict[uuid.UUID, int]
    outcomes: dict[uuid.UUID, int]

    def ids(self) -> set[uuid.UUID]:
        return set(self.companies) | set(self.snippets) | set(self.outcomes)


async def changed_companies(session: AsyncSession, since: Watermarks) -> Changes:
    companies = await session.execute(
        select(Company.id, Company.updated_at).where(Company.updated_at > since.companies - WATERMARK_OVERLAP)
    )
    snippets = await session.execute(
        select(Snippet.company_id, func.max(Snippet.seq))
        .where(Snippet.received_at > since.snippets - WATERMARK_OVERLAP)
        .group_by(Snippet.company_id)
    )
    recent = (
        select(Outcome.company_id)
        .where(Outcome.received_at > since.outcomes - WATERMARK_OVERLAP)
        .distinct()
        .scalar_subquery()
    )
    outcomes = await session.execute(
        select(Outcome.company_id, func.count())
        .where(Outcome.company_id.in_(recent))
        .group_by(Outcome.company_id)
    )
    return Changes(
        companies={r[0]: r[1] for r in companies},
        snippets={r[0]: int(r[1]) for r in snippets},
        outcomes={r[0]: int(r[1]) for r in outcomes},
    )


async def all_company_ids(session: AsyncSession) -> list[uuid.UUID]:
    return list((await session.execute(select(Company.id).order_by(Company.id))).scalars())


async def load_companies(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[CompanyRecord]:
    """Full records of the given companies (three queries whatever the number of ids). The ANN key
    (`company_embeddings`) is not read: the store computes its own vectors."""
    if not ids:
        return []
    id_list = list(ids)
    rows = await session.execute(
        select(
            Company.id,
            Company.domain,
            Company.name,
            Company.industry,
            Company.naics_code,
            Company.employees,
            Company.country,
            Company.description,
        ).where(Company.id.in_(id_list))
    )
    records: dict[uuid.UUID, CompanyRecord] = {}
    for r in rows:
        records[r.id] = CompanyRecord(
            id=r.id,
            domain=r.domain,
            name=r.name or r.domain,
            industry=r.industry,
            naics_code=r.naics_code,
            employees=r.employees,
            country=r.country,
            description=r.description or "",
        )
    snippets = await session.execute(
        select(
            Snippet.company_id, Snippet.seq, Snippet.kind, Snippet.text, Snippet.observed_at, Miner.reputation
        )
        .join(Miner, Miner.id == Snippet.miner_id, isouter=True)
        .where(Snippet.company_id.in_(id_list), Snippet.status.in_(USABLE_STATUSES))
        .where(func.coalesce(Miner.quarantined, False).is_(False))
    )
    for s in snippets:
        rec = records.get(s.company_id)
        if rec is not None:
            rep = float(s.reputation) if s.reputation is not None else DEFAULT_REPUTATION
            rec.snippets.append(StoredSnippet(s.kind, s.text, s.observed_at, rep, s.seq))
    outcomes = await session.execute(
        select(Outcome.company_id, Outcome.type, func.count())
        .where(Outcome.company_id.in_(id_list))
        .group_by(Outcome.company_id, Outcome.type)
    )
    for company_id, kind, count in outcomes:
        rec = records.get(company_id)
        if rec is not None:
            rec.outcomes[kind] = int(count)
    return list(records.values())


async def iter_batches(ids: Sequence[uuid.UUID], size: int) -> AsyncIterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
