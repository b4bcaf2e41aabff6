"""A lead graded against one of the workspace's ICPs, and its outreach draft, for the lead page:
the same services `POST /v1/leads/score` and `POST /v1/leads/drafts` call (so the grade is stored
and audited, the draft stored, exactly as through the API), shaped with every citation numbered and
tied to the evidence it cites."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import Principal
from app.console.service import age, safe_url
from app.core.config import Settings
from app.drafts.schemas import DraftRequest
from app.drafts.service import DraftWriter, make_drafts
from app.leads.startup import Ranker
from app.lists.schemas import ScoreRequest
from app.lists.score import score

SKIPPED = {
    "insufficient_evidence": "No draft: there is too little evidence to grade this company.",
    "below_threshold": "No draft: the grade is below this ICP's draft threshold ({threshold}).",
    "no_usable_evidence": "No draft: none of this company's evidence could be stated in a message.",
    "not_found": "No draft: the company was not found.",
}


@dataclass(frozen=True, slots=True)
class Cited:
    """One evidence snippet cited by a reason or a draft sentence; `number` is its footnote."""

    number: int
    snippet_id: str
    kind: str
    excerpt: str
    source_url: str | None
    source_label: str
    observed_at: str
    age: str


@dataclass(frozen=True, slots=True)
class CitedText:
    text: str
    kind: str  # a reason's kind (fit, intent); "" for draft text
    citations: list[Cited]


@dataclass(frozen=True, slots=True)
class DraftView:
    subject: CitedText
    sentences: list[CitedText]
    word_count: int
    writer: str


@dataclass(frozen=True, slots=True)
class GradeView:
    icp_id: str
    grade: int | None
    band: str | None
    insufficient_evidence: bool
    fit: float | None
    intent: float | None
    reasons: list[CitedText]
    evidence: list[Cited]  # every cited snippet once, in footnote order
    draft: DraftView | None
    draft_note: str | None  # why no draft was written (when one was asked for)


class Footnotes:
    """Numbers the cited snippets in the order they are first cited."""

    def __init__(self, evidence: Iterable[Mapping[str, Any]]) -> None:
        self._known = {str(e["snippet_id"]): e for e in evidence}
        self.cited: dict[str, Cited] = {}

    def cite(self, text: str, ids: Iterable[str], kind: str = "") -> CitedText:
        out: list[Cited] = []
        for snippet_id in dict.fromkeys(str(i) for i in ids):
            found = self._known.get(snippet_id)
            if found is None:
                continue
            if snippet_id not in self.cited:
                url = str(found.get("source_url") or "")
                self.cited[snippet_id] = Cited(
                    number=len(self.cited) + 1,
                    snippet_id=snippet_id,
                    kind=str(found.get("kind", "")),
                    excerpt=str(found.get("excerpt", "")),
                    source_url=safe_url(url),
                    source_label=urlsplit(url).netloc or "source",
                    observed_at=str(found.get("observed_at", "")),
                    age=age(str(found.get("observed_at", ""))),
                )
            out.append(self.cited[snippet_id])
        return CitedText(text=text, kind=kind, citations=out)


async def grade_lead(
    session: AsyncSession,
    *,
    ranker: Ranker,
    writer: DraftWriter | None,
    settings: Settings,
    principal: Principal,
    lead_id: uuid.UUID,
    icp_id: uuid.UUID,
    with_draft: bool,
    any_grade: bool,
) -> GradeView:
    """The lead's grade (0-100, band, reasons with their evidence) against the ICP and, when asked,
    its outreach draft (`any_grade`: also below the ICP's draft threshold). 404 (ApiError) when the
    ICP is not the workspace's."""
    scored = await score(
        session,
        ranker=ranker,
        body=ScoreRequest(icp_id=icp_id, lead_ids=[lead_id]),
        workspace_id=principal.workspace_id,
        api_key_id=principal.key_id,
        max_items=settings.lists_max_items,
        bm25_limit=settings.search_bm25_candidates,
    )
    item: dict[str, Any] = scored["items"][0]
    drafted: dict[str, Any] = {}
    if with_draft and writer is not None:
        answer = await make_drafts(
            session,
            ranker=ranker,
            writer=writer,
            body=DraftRequest(icp_id=icp_id, lead_ids=[lead_id], threshold=0 if any_grade else None),
            workspace_id=principal.workspace_id,
            api_key_id=principal.key_id,
        )
        drafted = answer["items"][0]
        drafted["threshold"] = answer["metadata"]["threshold"]
    notes = Footnotes([*item.get("evidence", []), *drafted.get("evidence", [])])
    reasons = [notes.cite(r["text"], r["snippet_ids"], r["kind"]) for r in item.get("reasons", [])]
    draft: DraftView | None = None
    note: str | None = None
    if drafted.get("draft"):
        d = drafted["draft"]
        draft = DraftView(
            subject=notes.cite(d["subject"], d["subject_citations"]),
            sentences=[notes.cite(s["text"], s["citations"]) for s in d["sentences"]],
            word_count=int(d["word_count"]),
            writer=str(d["writer"]),
        )
    elif with_draft:
        skipped = str(drafted.get("skipped") or "no_usable_evidence") if writer else "unavailable"
        note = SKIPPED.get(skipped, "No draft: the drafts writer is not running.").format(
            threshold=drafted.get("threshold")
        )
    return GradeView(
        icp_id=str(icp_id),
        grade=item.get("grade"),
        band=item.get("band"),
        insufficient_evidence=bool(item.get("insufficient_evidence")),
        fit=item.get("fit"),
        intent=item.get("intent"),
        reasons=reasons,
        evidence=list(notes.cited.values()),
        draft=draft,
        draft_note=note,
    )
