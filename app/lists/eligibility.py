"""The eligibility worker: grades, against every saved ICP, the companies whose evidence has not been
looked at for it yet, exactly once per (ICP, company, evidence version).

A company is eligible for an ICP when it passes every hard filter the search applies for that ICP
(`app.leads.candidates.hard_filters`, from the same `prepare` as a search by the ICP): industries
(labels, NAICS codes, sectors, matched against the company's industry and its inferred NAICS
category), countries, employee range, required technologies, excluded domains and excluded
technologies or topics ("Companies not using ...", "not ..."), the exemplar customers themselves excluded; and
when its vector is close enough to the ICP's product description: cosine similarity of the company
vector and the ICP's query vector (the search's semantic query) at least ELIGIBILITY_MIN_RELEVANCE.

Each verdict is stored (`icp_eligibility`, one row per ICP, company and evidence version), eligible
companies are graded (`lead_grades`, unique per the same key): a repeated or concurrent round is a
no-op, a company is looked at again only when its evidence changes (`profile_version`) or the ICP
is edited after the verdict. One round at a time across processes (a transaction-scoped advisory
lock); companies the ranker's index does not hold yet are left for a later round.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.icps.tables import Icp
from app.leads.candidates import hard_filters
from app.leads.prepare import prepare
from app.leads.startup import Ranker
from app.lists.evidence import LeadEvidence, load_leads
from app.lists.grading import Target, parsed_for
from app.lists.score import grade_and_record, icp_target
from app.lists.tables import IcpEligibility

logger = logging.getLogger(__name__)
LOCK_KEY = 0x6C697374  # pg advisory lock id of the worker's round
DEFAULT_MIN_RELEVANCE = 0.2
# Countries and employee range in SQL (cheap, and most companies fail them); the rest in `verdicts`.
_PENDING = text(
    """
    SELECT c.id FROM companies c
    WHERE c.snippet_count > 0
      AND (cardinality(CAST(:countries AS text[])) = 0 OR c.country = ANY(CAST(:countries AS text[])))
      AND (CAST(:low AS integer) IS NULL OR c.employees >= CAST(:low AS integer))
      AND (CAST(:high AS integer) IS NULL OR c.employees <= CAST(:high AS integer))
      AND NOT EXISTS (
          SELECT 1 FROM lead_grades g
          WHERE g.icp_id = :icp_id AND g.company_id = c.id AND g.evidence_version = c.profile_version
      )
      AND NOT EXISTS (
          SELECT 1 FROM icp_eligibility e
          WHERE e.icp_id = :icp_id AND e.company_id = c.id AND e.evidence_version = c.profile_version
            AND e.checked_at >= CAST(:icp_changed AS timestamptz)
      )
    ORDER BY c.updated_at, c.id
    LIMIT :batch
    """
)


@dataclass(frozen=True, slots=True)
class RoundResult:
    icps: int
    graded: int
    skipped_unindexed: int
    locked_out: bool = False
    ineligible: int = 0


@dataclass(frozen=True, slots=True)
class Verdict:
    eligible: bool
    relevance: float


def verdicts(
    ranker: Ranker, target: Target, leads: list[LeadEvidence], *, min_relevance: float
) -> dict[uuid.UUID, Verdict]:
    """Whether each lead (all in the ranker's index) passes the target's hard filters, as a search
    for it would apply them, and is relevant enough to its product description."""
    if not leads:
        return {}
    store = ranker.index.store
    prepared = prepare(
        store=store, embedder=ranker.index.embedder, parsed=parsed_for(target), filters=target.filters
    )
    rows = np.asarray([store.row_of_domain[lead.domain.lower()] for lead in leads], dtype=np.int64)
    passes = hard_filters(store, prepared, ranker.index.bm25).mask(store, rows)
    relevance = store.doc_vec.get(rows) @ prepared.query_vec.astype(np.float32)
    return {
        lead.company_id: Verdict(
            eligible=bool(passes[i]) and float(relevance[i]) >= min_relevance,
            relevance=round(float(relevance[i]), 4),
        )
        for i, lead in enumerate(leads)
    }


async def _record(
    session: AsyncSession, icp: Icp, leads: list[LeadEvidence], found: dict[uuid.UUID, Verdict]
) -> None:
    if not leads:
        return
    rows = [
        {
            "icp_id": icp.id,
            "company_id": lead.company_id,
            "evidence_version": lead.profile_version,
            "eligible": found[lead.company_id].eligible,
            "relevance": found[lead.company_id].relevance,
        }
        for lead in leads
    ]
    statement = insert(IcpEligibility).values(rows)
    statement = statement.on_conflict_do_update(
        constraint="pk_icp_eligibility",
        set_={
            "eligible": statement.excluded.eligible,
            "relevance": statement.excluded.relevance,
            "checked_at": statement.excluded.checked_at,
        },
    )
    await session.execute(statement)


async def _grade_icp(
    session: AsyncSession, ranker: Ranker, icp: Icp, *, batch: int, bm25_limit: int, min_relevance: float
) -> tuple[int, int, int]:
    """(new grades, companies not indexed yet, companies found ineligible) of one ICP."""
    params = {
        "countries": list(icp.countries),
        "low": icp.employees_min,
        "high": icp.employees_max,
        "icp_id": icp.id,
        "icp_changed": icp.updated_at,
        "batch": batch,
    }
    ids = (await session.execute(_PENDING, params)).scalars().all()
    if not ids:
        return 0, 0, 0
    leads = list((await load_leads(session, ids=ids)).values())
    store = ranker.index.store
    indexed = [lead for lead in leads if store.row_of_domain.get(lead.domain.lower()) is not None]
    target = icp_target(icp)
    found = verdicts(ranker, target, indexed, min_relevance=min_relevance)
    await _record(session, icp, indexed, found)
    eligible = [lead for lead in indexed if found[lead.company_id].eligible]
    _, new = await grade_and_record(
        session,
        ranker=ranker,
        target=target,
        leads=eligible,
        workspace_id=icp.workspace_id,
        api_key_id=None,
        source="worker",
        bm25_limit=bm25_limit,
    )
    return new, len(leads) - len(indexed), len(indexed) - len(eligible)


async def run_round(
    sessionmaker: async_sessionmaker[AsyncSession],
    ranker: Ranker,
    *,
    batch: int,
    bm25_limit: int,
    min_relevance: float = DEFAULT_MIN_RELEVANCE,
) -> RoundResult:
    """One round over every ICP; returns what it did."""
    async with sessionmaker() as session, session.begin():
        got = (
            await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        ).scalar_one()
        if not got:
            return RoundResult(0, 0, 0, locked_out=True)
        icps = list((await session.execute(text("SELECT id FROM icps ORDER BY created_at, id"))).scalars())
        graded = skipped = ineligible = 0
        for icp_id in icps:
            icp = await session.get(Icp, icp_id)
            if icp is None:
                continue
            new, unindexed, refused = await _grade_icp(
                session, ranker, icp, batch=batch, bm25_limit=bm25_limit, min_relevance=min_relevance
            )
            graded += new
            skipped += unindexed
            ineligible += refused
    if graded:
        logger.info("eligibility: %d new grades over %d ICPs", graded, len(icps))
    return RoundResult(len(icps), graded, skipped, ineligible=ineligible)
