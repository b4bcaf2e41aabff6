"""Matched passages: spans of the prompt's keywords in evidence text, and the marked excerpt."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.ranking.highlight import excerpt, first_sentence, spans
from app.ranking.text import query_tokens


def test_spans_find_stemmed_keywords() -> None:
    text = "Acme runs payroll for dental clinics. Clinic owners love it."
    keywords = set(query_tokens("payroll software for a clinic"))
    marked = [text[a:b] for a, b in spans(text, keywords)]
    assert marked == ["payroll", "clinics", "Clinic"]
    assert spans(text, set()) == []


def test_excerpt_marks_the_matches_and_cuts_long_text() -> None:
    text = "Intro words. " * 40 + "We sell payroll for clinics." + " Outro words." * 40
    marks = spans(text, set(query_tokens("payroll clinics")))
    out = excerpt(text, marks)
    assert "**payroll**" in out
    assert "**clinics**" in out
    assert out.startswith("…")
    assert out.endswith("…")
    assert len(out.replace("**", "")) <= 240 + 2
    assert excerpt("short text", []) == "short text"


def test_first_sentence() -> None:
    assert first_sentence("One thing. Another.") == "One thing."
    long = "word " * 100
    assert first_sentence(long, max_chars=50).endswith("…")
    assert len(first_sentence(long, max_chars=50)) <= 51


@given(st.text(max_size=400), st.lists(st.sampled_from(["payrol", "clinic", "a", "x"]), max_size=3))
def test_spans_are_inside_the_text_and_ordered(text: str, keywords: list[str]) -> None:
    marks = spans(text, set(keywords))
    previous = 0
    for start, end in marks:
        assert previous <= start < end <= len(text)
        previous = end
    out = excerpt(text, marks)
    assert isinstance(out, str)
