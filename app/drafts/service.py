"""`POST /v1/leads/drafts`: grade a list against an ICP and write outreach for the leads graded at or
above the threshold; each draft stored and audited. The writer is the LLM one when LLM_BASE_URL is
set (falling back per draft to the deterministic one), else the deterministic one."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import AuditEvent, append
from app.catalog.companies import Company
from app.core.config import Settings
from app.drafts.llm import llm_draft
from app.drafts.schemas import DraftRequest
from app.drafts.tables import Draft
from app.drafts.writer import DraftText, write_draft
from app.icps.service import get_icp
from app.icps.tables import Icp
from app.leads.startup import Ranker
from app.lists.answer import check_list_size, counts
from app.lists.evidence import LeadEvidence
from app.lists.grading import Grade
from app.lists.score import grade_list, icp_target
from app.lists.signals import evidence_item
from app.llm.client import LlmClient
from app.observability.cost import CostMeter


@dataclass
class DraftWriter:
    """The drafts component (app/drafts/startup.py): the LLM client when configured."""

    settings: Settings
    llm: LlmClient | None

    async def write(self, lead: LeadEvidence, icp: Icp, meter: CostMeter) -> tuple[DraftText | None, int]:
        """The draft (None without usable evidence) and the LLM calls made."""
        if self.llm is None:
            draft = write_draft(
                lead, product_description=icp.product_description, technologies=icp.technologies
            )
            return draft, 0
        result = await llm_draft(
            self.llm, lead, product_description=icp.product_description, technologies=list(icp.technologies)
        )
        if result is None:
            return None, 0
        meter.add_llm_tokens(input_tokens=result.input_tokens, output_tokens=result.output_tokens)
        return result.draft, result.calls


def sentence_dicts(draft: DraftText) -> list[dict[str, Any]]:
    """The draft's sentences as stored and answered: text and the snippet ids it cites."""
    return [{"text": s.text, "citations": list(s.citations)} for s in draft.sentences]


def draft_row(
    draft: DraftText,
    *,
    workspace_id: uuid.UUID,
    icp_id: uuid.UUID,
    company_id: uuid.UUID,
    evidence_version: int,
    grade: int,
) -> Draft:
    """The stored form of a draft (API drafts and campaign drafts alike)."""
    return Draft(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        icp_id=icp_id,
        company_id=company_id,
        evidence_version=evidence_version,
        grade=grade,
        subject=draft.subject.text,
        subject_citations=list(draft.subject.citations),
        body=draft.body,
        sentences=sentence_dicts(draft),
        writer=draft.writer,
    )


def draft_out(row: Draft, draft: DraftText) -> dict[str, Any]:
    return {
        "id": row.id,
        "subject": draft.subject.text,
        "subject_citations": list(draft.subject.citations),
        "body": draft.body,
        "sentences": sentence_dicts(draft),
        "word_count": draft.word_count,
        "writer": draft.writer,
    }


def _skip(grade: Grade, threshold: int) -> str | None:
    if grade.insufficient_evidence or grade.grade is None:
        return "insufficient_evidence"
    if grade.grade < threshold:
        return "below_threshold"
    return None


async def make_drafts(
    session: AsyncSession,
    *,
    ranker: Ranker,
    writer: DraftWriter,
    body: DraftRequest,
    workspace_id: uuid.UUID,
    api_key_id: uuid.UUID | None,
) -> dict[str, Any]:
    started = time.perf_counter()
    settings = writer.settings
    check_list_size(body, limit=settings.lists_max_items)
    meter = CostMeter(settings)
    now = datetime.now(UTC)
    icp = await get_icp(session, workspace_id=workspace_id, icp_id=body.icp_id)
    threshold = body.threshold if body.threshold is not None else icp.draft_threshold
    graded = await grade_list(
        session,
        body,
        ranker=ranker,
        target=icp_target(icp),
        workspace_id=workspace_id,
        api_key_id=api_key_id,
        bm25_limit=settings.search_bm25_candidates,
        meter=meter,
    )
    ordered, grades = list(graded.leads.values()), graded.grades
    results: dict[uuid.UUID, dict[str, Any]] = {}
    events: list[AuditEvent] = []
    llm_calls = 0
    for lead in ordered:
        grade = grades[lead.company_id]
        out: dict[str, Any] = {
            "domain": lead.domain,
            "lead_id": str(lead.company_id),
            "grade": grade.grade,
            "band": grade.band,
        }
        results[lead.company_id] = out
        skipped = _skip(grade, threshold)
        if skipped is not None or grade.grade is None:  # _skip answers every ungraded lead
            out["skipped"] = skipped
            continue
        draft, calls = await writer.write(lead, icp, meter)
        llm_calls += calls
        if draft is None:
            out["skipped"] = "no_usable_evidence"
            continue
        row = draft_row(
            draft,
            workspace_id=workspace_id,
            icp_id=icp.id,
            company_id=lead.company_id,
            evidence_version=lead.profile_version,
            grade=grade.grade,
        )
        session.add(row)
        cited = dict.fromkeys([*draft.subject.citations, *(c for s in draft.sentences for c in s.citations)])
        out["draft"] = draft_out(row, draft)
        out["evidence"] = [evidence_item(s, now) for s in lead.cited(cited)]
        events.append(
            AuditEvent(
                action="draft",
                object_type="draft",
                object_id=str(row.id),
                detail={
                    "domain": lead.domain,
                    "icp_id": str(icp.id),
                    "grade": grade.grade,
                    "writer": draft.writer,
                    "citations": list(cited),
                },
            )
        )
    await append(session, workspace_id=workspace_id, api_key_id=api_key_id, events=events)
    await session.commit()
    items = graded.answer(results, missing={"skipped": "not_found"})
    written = len(events)
    meter.record(leads=written)
    metadata = {
        **counts(items, started),
        "drafts": written,
        "threshold": threshold,
        "llm_calls": llm_calls,
        "cost_usd": round(meter.cost_usd(), 10),
    }
    # `found` in the counts means "graded": an item is found when it was not skipped as not found.
    metadata["found"] = sum(1 for i in items if i["status"] == "ok" and i.get("skipped") != "not_found")
    metadata["not_found"] = sum(1 for i in items if i.get("skipped") == "not_found")
    return {"icp_id": icp.id, "items": items, "metadata": metadata}


async def stored_drafts(
    session: AsyncSession,
    *,
    workspace_id: uuid.UUID,
    draft_id: uuid.UUID | None = None,
    icp_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The workspace's drafts, newest first (another workspace's are never returned)."""
    query = (
        select(Draft, Company.domain)
        .join(Company, Company.id == Draft.company_id)
        .where(Draft.workspace_id == workspace_id)
    )
    if draft_id is not None:
        query = query.where(Draft.id == draft_id)
    if icp_id is not None:
        query = query.where(Draft.icp_id == icp_id)
    if lead_id is not None:
        query = query.where(Draft.company_id == lead_id)
    rows = (await session.execute(query.order_by(Draft.created_at.desc(), Draft.id).limit(limit))).all()
    return [
        {
            "id": d.id,
            "subject": d.subject,
            "subject_citations": d.subject_citations,
            "body": d.body,
            "sentences": d.sentences,
            "word_count": len(d.body.split()),
            "writer": d.writer,
            "icp_id": d.icp_id,
            "lead_id": d.company_id,
            "domain": domain,
            "grade": d.grade,
            "evidence_version": d.evidence_version,
            "created_at": d.created_at,
        }
        for d, domain in rows
    ]
