"""`POST /v1/leads/score`: a list graded against an ICP or a prompt; every grading is stored (one row
per ICP, company and evidence version) and appended to the audit log."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import AuditEvent, append
from app.icps.service import get_icp, icp_filters, icp_prompt
from app.icps.tables import Icp
from app.leads.schemas import SearchFilters
from app.leads.startup import Ranker
from app.lists.answer import SubmittedList, assemble, check_list_size, counts
from app.lists.calibration import FORMULA, Calibration, current
from app.lists.evidence import LeadEvidence, load_leads
from app.lists.grading import Grade, Target, grade_leads
from app.lists.items import ListItem, Rejected, parse_item
from app.lists.schemas import ScoreRequest
from app.lists.signals import evidence_item
from app.lists.tables import LeadGrade
from app.observability.cost import CostMeter

# Rows per INSERT: 12 parameters each, well under PostgreSQL's 32,767 per statement.
INSERT_ROWS = 1000


def icp_target(icp: Icp) -> Target:
    return Target(
        prompt=icp_prompt(icp), filters=icp_filters(icp), technologies=tuple(icp.technologies), icp_id=icp.id
    )


def prompt_target(prompt: str) -> Target:
    return Target(prompt=prompt, filters=SearchFilters())


async def record_grades(
    session: AsyncSession,
    *,
    workspace_id: uuid.UUID,
    api_key_id: uuid.UUID | None,
    target: Target,
    leads: list[LeadEvidence],
    grades: dict[uuid.UUID, Grade],
    source: str,
    model_version: str,
    calibration: Calibration = FORMULA,
) -> int:
    """Store the grades (an ICP's grade at an evidence version already stored is kept, not redone)
    and audit the new ones; returns how many were new. The caller commits."""
    if not leads:
        return 0
    rows = [
        {
            "workspace_id": workspace_id,
            "icp_id": target.icp_id,
            "company_id": lead.company_id,
            "evidence_version": lead.profile_version,
            "grade": grades[lead.company_id].grade,
            "band": grades[lead.company_id].band,
            "insufficient_evidence": grades[lead.company_id].insufficient_evidence,
            "fit": grades[lead.company_id].fit,
            "intent": grades[lead.company_id].intent,
            "reasons": grades[lead.company_id].reasons,
            "source": source,
            "model_version": model_version,
            "calibration": calibration.mapping,
        }
        for lead in leads
    ]
    new: list[Any] = []
    for first in range(0, len(rows), INSERT_ROWS):
        statement = (
            insert(LeadGrade)
            .values(rows[first : first + INSERT_ROWS])
            .on_conflict_do_nothing(constraint="uq_lead_grades_icp_company_version")
            .returning(LeadGrade.company_id, LeadGrade.id)
        )
        new.extend((await session.execute(statement)).all())
    by_company = {lead.company_id: lead for lead in leads}
    await append(
        session,
        workspace_id=workspace_id,
        api_key_id=api_key_id,
        events=[
            AuditEvent(
                action="grade",
                object_type="company",
                object_id=str(company_id),
                detail={
                    "grade_id": grade_id,
                    "domain": by_company[company_id].domain,
                    "icp_id": str(target.icp_id) if target.icp_id else None,
                    "grade": grades[company_id].grade,
                    "band": grades[company_id].band,
                    "evidence_version": by_company[company_id].profile_version,
                    "source": source,
                    "calibration": calibration.mapping,
                },
            )
            for company_id, grade_id in new
        ],
    )
    return len(new)


def scored_item(lead: LeadEvidence, grade: Grade, now: datetime) -> dict[str, Any]:
    cited_ids = [i for r in grade.reasons for i in r["snippet_ids"]]
    return {
        "domain": lead.domain,
        "lead_id": str(lead.company_id),
        "found": True,
        "grade": grade.grade,
        "band": grade.band,
        "insufficient_evidence": grade.insufficient_evidence,
        "fit": grade.fit,
        "intent": grade.intent,
        "reasons": grade.reasons,
        "evidence": [evidence_item(s, now) for s in lead.cited(dict.fromkeys(cited_ids))],
        "evidence_version": lead.profile_version,
    }


async def resolve_target(
    session: AsyncSession, *, workspace_id: uuid.UUID, icp_id: uuid.UUID | None, prompt: str | None
) -> Target:
    if icp_id is not None:
        return icp_target(await get_icp(session, workspace_id=workspace_id, icp_id=icp_id))
    assert prompt is not None  # the request model requires one of the two
    return prompt_target(prompt)


@dataclass(frozen=True, slots=True)
class GradedList:
    items: list[Any]  # as submitted
    lead_ids: list[uuid.UUID]  # as submitted
    parsed: list[ListItem | Rejected]
    leads: dict[uuid.UUID, LeadEvidence]
    grades: dict[uuid.UUID, Grade]
    calibration: Calibration = FORMULA

    @property
    def by_domain(self) -> dict[str, uuid.UUID]:
        return {lead.domain: company_id for company_id, lead in self.leads.items()}

    def answer(
        self, results: Mapping[uuid.UUID, dict[str, Any]], *, missing: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """The answer items, in the submitted order (`assemble`)."""
        return assemble(
            items=self.items,
            parsed=self.parsed,
            lead_ids=self.lead_ids,
            by_domain=self.by_domain,
            results=results,
            missing=missing,
        )


async def grade_and_record(
    session: AsyncSession,
    *,
    ranker: Ranker,
    target: Target,
    leads: list[LeadEvidence],
    workspace_id: uuid.UUID,
    api_key_id: uuid.UUID | None,
    source: str,
    bm25_limit: int,
    meter: CostMeter | None = None,
    calibration: Calibration | None = None,
) -> tuple[dict[uuid.UUID, Grade], int]:
    """Grade `leads` and store the grades (the caller commits); the grades and how many were new.
    `calibration`: the workspace's current one when not given."""
    if calibration is None:
        calibration = await current(session, workspace_id=workspace_id)
    with meter.cpu() if meter is not None else contextlib.nullcontext():
        grades = grade_leads(
            ranker, target, leads, bm25_limit=bm25_limit, now=datetime.now(UTC), calibration=calibration
        )
    new = await record_grades(
        session,
        workspace_id=workspace_id,
        api_key_id=api_key_id,
        target=target,
        leads=leads,
        grades=grades,
        source=source,
        model_version=ranker.models.current.version,
        calibration=calibration,
    )
    return grades, new


async def grade_list(
    session: AsyncSession,
    submitted: SubmittedList,
    *,
    ranker: Ranker,
    target: Target,
    workspace_id: uuid.UUID,
    api_key_id: uuid.UUID | None,
    bm25_limit: int,
    meter: CostMeter | None = None,
) -> GradedList:
    """A submitted list parsed, its known companies loaded, graded and the grades stored."""
    parsed = [parse_item(raw) for raw in submitted.items]
    domains = {p.domain for p in parsed if isinstance(p, ListItem)}
    leads = await load_leads(session, domains=domains, ids=submitted.lead_ids)
    calibration = await current(session, workspace_id=workspace_id)
    grades, _ = await grade_and_record(
        session,
        ranker=ranker,
        target=target,
        leads=list(leads.values()),
        workspace_id=workspace_id,
        api_key_id=api_key_id,
        source="api",
        bm25_limit=bm25_limit,
        meter=meter,
        calibration=calibration,
    )
    return GradedList(submitted.items, submitted.lead_ids, parsed, leads, grades, calibration)


async def score(
    session: AsyncSession,
    *,
    ranker: Ranker,
    body: ScoreRequest,
    workspace_id: uuid.UUID,
    api_key_id: uuid.UUID | None,
    max_items: int,
    bm25_limit: int,
) -> dict[str, Any]:
    started = time.perf_counter()
    check_list_size(body, limit=max_items)
    now = datetime.now(UTC)
    target = await resolve_target(session, workspace_id=workspace_id, icp_id=body.icp_id, prompt=body.prompt)
    graded = await grade_list(
        session,
        body,
        ranker=ranker,
        target=target,
        workspace_id=workspace_id,
        api_key_id=api_key_id,
        bm25_limit=bm25_limit,
    )
    await session.commit()
    results = {cid: scored_item(lead, graded.grades[cid], now) for cid, lead in graded.leads.items()}
    items = graded.answer(results, missing={"found": False})
    return {
        "icp_id": target.icp_id,
        "calibration": graded.calibration.out(),
        "items": items,
        "metadata": counts(items, started),
    }
