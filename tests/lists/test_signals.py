"""Property: the signals of any profile show only evidence the company has, and every requested
signal is either found (with evidence) or listed as missed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.lists.evidence import LeadEvidence, SnippetFact
from app.lists.signals import SIGNALS, SignalName, profile_of, signals_of

NOW = datetime(2026, 11, 1, tzinfo=UTC)
IDS = [f"s{i}" for i in range(6)]


@st.composite
def leads(draw: st.DrawFn) -> LeadEvidence:
    present = draw(st.lists(st.sampled_from(IDS), unique=True))
    snippets = {
        sid: SnippetFact(
            sid,
            draw(st.sampled_from(["news", "social", "tech_stack", "profile"])),
            draw(st.text(min_size=1, max_size=400)),
            f"https://example.com/{sid}",
            NOW - timedelta(days=draw(st.integers(0, 3000))),
            draw(st.floats(0, 1)),
        )
        for sid in present
    }
    cites = st.lists(st.sampled_from([*IDS, "gone"]), max_size=3)
    entry = st.fixed_dictionaries(
        {
            "value": st.one_of(st.text(max_size=20), st.integers(0, 10**6)),
            "evidence": cites,
            "confidence": st.floats(0, 0.99),
        }
    )
    items = st.lists(
        st.fixed_dictionaries(
            {"date": st.text(max_size=25), "evidence": cites, "confidence": st.floats(0, 0.99)}
        ),
        max_size=3,
    )
    profile: dict[str, Any] = {
        "firmographics": draw(
            st.dictionaries(st.sampled_from(["name", "industry", "employees", "country"]), entry)
        ),
        "technographics": draw(
            st.dictionaries(
                st.text(min_size=1, max_size=8),
                st.fixed_dictionaries(
                    {
                        "name": st.text(max_size=8),
                        "status": st.sampled_from(["current", "removed"]),
                        "evidence": cites,
                    }
                ),
                max_size=3,
            )
        ),
        "funding": draw(items),
        "hiring": draw(items),
        "news_triggers": draw(items),
    }
    return LeadEvidence(
        uuid.uuid4(), "example.com", "Example", None, None, None, None, "", profile, 1, snippets
    )


@given(leads(), st.lists(st.sampled_from(SIGNALS), unique=True))
def test_signals_cite_only_the_companys_evidence(lead: LeadEvidence, wanted: list[SignalName]) -> None:
    found, missed = signals_of(lead, wanted, now=NOW)
    assert set(found) | set(missed) == set(wanted)
    assert not set(found) & set(missed)
    for signal in found.values():
        assert signal.evidence
        assert all(s.id in lead.snippets and lead.snippets[s.id] is s for s in signal.evidence)
        assert 0 <= signal.confidence <= 1
    profile = profile_of(lead)
    for name, value in profile.items():
        if name in ("domain", "lead_id") or value is None:
            continue
        assert any(i in lead.snippets for i in lead.profile["firmographics"][name]["evidence"])
