"""Property: a deterministic draft states no fact about the lead that its evidence does not contain.

Leads are generated with profile entries citing snippets whose texts may or may not contain the
fact the entry names (a stale or wrong profile, a quarantined snippet that is gone): every fact in
a draft must still be found in a snippet the sentence cites, and every citation must be the lead's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.drafts.writer import MAX_WORDS, write_draft
from app.lists.evidence import LeadEvidence, SnippetFact

NOW = datetime(2026, 11, 1, tzinfo=UTC)
words = st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=12)
phrases = st.lists(words, min_size=1, max_size=4).map(" ".join)
texts = st.lists(words, min_size=0, max_size=40).map(" ".join)


@st.composite
def leads(draw: st.DrawFn) -> LeadEvidence:
    n = draw(st.integers(min_value=0, max_value=6))
    snippets: dict[str, SnippetFact] = {}
    facts = draw(st.lists(phrases, min_size=4, max_size=4))
    for i in range(n):
        body = draw(texts)
        if draw(st.booleans()):  # sometimes the text really contains one of the facts
            body = f"{body} {draw(st.sampled_from(facts))} {draw(texts)}".strip()
        snippets[f"s{i}"] = SnippetFact(
            id=f"s{i}",
            kind=draw(st.sampled_from(["news", "job_post", "funding", "tech_stack", "social"])),
            text=body or "x",
            source_url=f"https://example.com/{i}",
            observed_at=NOW - timedelta(days=i),
            reputation=0.5,
        )
    ids = [*snippets, "gone-1", "gone-2"]  # the profile may cite snippets that are no longer evidence

    def cites() -> list[str]:
        return draw(st.lists(st.sampled_from(ids), min_size=0, max_size=3, unique=True))

    profile: dict[str, Any] = {
        "hiring": [{"role": facts[0], "count": 2, "date": "2026-10-01", "evidence": cites()}],
        "funding": [{"round": facts[1], "amount_usd": 1.0, "date": "2026-09-01", "evidence": cites()}],
        "technographics": {
            facts[2].lower(): {
                "name": facts[2],
                "status": "current",
                "last_seen": "2026-10-01",
                "evidence": cites(),
            }
        },
        "news_triggers": [{"trigger": "expansion", "text": "", "date": "2026-10-02", "evidence": cites()}],
    }
    return LeadEvidence(
        company_id=uuid.uuid4(),
        domain="example.com",
        name=draw(st.sampled_from([facts[3], "Example"])),
        industry=None,
        employees=None,
        country=None,
        founded_year=None,
        description="",
        profile=profile,
        profile_version=1,
        snippets=snippets,
    )


@settings(max_examples=300, deadline=None)
@given(leads(), st.text(max_size=400))
def test_no_fact_absent_from_the_evidence(lead: LeadEvidence, product: str) -> None:
    draft = write_draft(lead, product_description=product)
    if draft is None:
        return
    assert draft.word_count <= MAX_WORDS
    assert any(s.citations for s in draft.sentences)
    for sentence in (draft.subject, *draft.sentences):
        assert set(sentence.citations) <= set(lead.snippets)
        if not sentence.citations:
            assert not sentence.facts
        for fact in sentence.facts:
            assert fact in sentence.text
            assert any(fact.casefold() in lead.snippets[c].text.casefold() for c in sentence.citations)


@given(leads())
def test_no_draft_without_usable_evidence(lead: LeadEvidence) -> None:
    lead.snippets.clear()
    assert write_draft(lead, product_description="We sell sensors.") is None
