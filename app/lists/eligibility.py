"""The eligibility worker: grades, against every saved ICP, the companies that match its hard
criteria (countries, employee range) and have evidence not graded yet, exactly once per (ICP,
company, evidence version): the unique constraint of `lead_grades` makes a repeated or concurrent
round a no-op, and a company is picked again only when its evidence changes (`profile_version`).
One round at a time across processes (a transaction-scoped advisory lock); companies the ranker's
index does not hold yet are left for a later round."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.icps.tables import Icp
from app.leads.startup import Ranker
from app.lists.evidence import load_leads
from app.lists.score import grade_and_record, icp_target

logger = logging.getLogger(__name__)
LOCK_KEY = 0x6C697374  # pg advisory lock id of the worker's round
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


async def _grade_icp(
    session: AsyncSession, ranker: Ranker, icp: Icp, *, batch: int, bm25_limit: int
) -> tuple[int, int]:
    ids = (
        (
            await session.execute(
                _PENDING,
                {
                    "countries": list(icp.countries),
                    "low": icp.employees_min,
                    "high": icp.employees_max,
                    "icp_id": icp.id,
                    "batch": batch,
                },
            )
        )
        .scalars()
        .all()
    )
    if not ids:
        return 0, 0
    leads = list((await load_leads(session, ids=ids)).values())
    store = ranker.index.store
    indexed = [lead for lead in leads if store.row_of_domain.get(lead.domain.lower()) is not None]
    _, new = await grade_and_record(
        session,
        ranker=ranker,
        target=icp_target(icp),
        leads=indexed,
        workspace_id=icp.workspace_id,
        api_key_id=None,
        source="worker",
        bm25_limit=bm25_limit,
    )
    return new, len(leads) - len(indexed)


async def run_round(
    sessionmaker: async_sessionmaker[AsyncSession], ranker: Ranker, *, batch: int, bm25_limit: int
) -> RoundResult:
    """One round over every ICP; returns what it did."""
    async with sessionmaker() as session, session.begin():
        got = (
            await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        ).scalar_one()
        if not got:
            return RoundResult(0, 0, 0, locked_out=True)
        icps = list((await session.execute(text("SELECT id FROM icps ORDER BY created_at, id"))).scalars())
        graded = skipped = 0
        for icp_id in icps:
            icp = await session.get(Icp, icp_id)
            if icp is None:
                continue
            new, unindexed = await _grade_icp(session, ranker, icp, batch=batch, bm25_limit=bm25_limit)
            graded += new
            skipped += unindexed
    if graded:
        logger.info("eligibility: %d new grades over %d ICPs", graded, len(icps))
    return RoundResult(len(icps), graded, skipped)
