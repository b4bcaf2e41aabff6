"""Pure parts of the console's service: form parsing into the API's request model, highlighting,
ages and link safety (property tests for the parser and the highlighter)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st

from app.console.service import SearchForm, age, highlight, parse_search, safe_url
from app.ranking.text import query_tokens, stem, words

FIELD_NAMES = {f.name for f in fields(SearchForm)}


def test_a_full_form_becomes_the_api_request() -> None:
    form = SearchForm(
        prompt="payroll software for remote teams",
        k="25",
        industries="Software, Fintech ,",
        countries="us, de",
        employees_min="10",
        employees_max="500",
        technologies="AWS",
        exclude_domains="www.Acme.com",
    )
    parsed = parse_search(form)
    assert parsed.errors == {}
    assert parsed.body is not None
    assert parsed.body.k == 25
    filters = parsed.body.filters
    assert filters is not None
    assert filters.industries == ["Fintech", "Software"]
    assert filters.countries == ["DE", "US"]
    assert (filters.employees_min, filters.employees_max) == (10, 500)
    assert filters.exclude_domains == ["acme.com"]


def test_errors_are_keyed_by_the_form_field() -> None:
    cases = {
        SearchForm(prompt="ab"): "prompt",
        SearchForm(prompt="cloud", k="0"): "k",
        SearchForm(prompt="cloud", k="ten"): "k",
        SearchForm(prompt="cloud", countries="Germany"): "countries",
        SearchForm(prompt="cloud", employees_min="9", employees_max="3"): "employees_max",
        SearchForm(prompt="cloud", employees_max="-3"): "employees_max",
        SearchForm(prompt="cloud", technologies="a\x00b"): "technologies",
        SearchForm(prompt="cloud", industries="x" * 6000): "industries",
        SearchForm(prompt="cloud \ud800"): "prompt",
    }
    for form, field in cases.items():
        parsed = parse_search(form)
        assert parsed.body is None, form
        assert field in parsed.errors, (form, parsed.errors)


@given(st.fixed_dictionaries({name: st.text(max_size=60) for name in FIELD_NAMES}))
def test_any_form_parses_or_names_its_fields(values: dict[str, str]) -> None:
    parsed = parse_search(SearchForm(**values))
    assert (parsed.body is None) == bool(parsed.errors)
    assert set(parsed.errors) <= FIELD_NAMES


@given(st.fixed_dictionaries({name: st.text(max_size=30) for name in FIELD_NAMES}))
def test_the_query_string_round_trips(values: dict[str, str]) -> None:
    form = SearchForm(**values)
    again = SearchForm.from_params(dict(parse_qsl(form.query_string(), keep_blank_values=True)))
    for name in FIELD_NAMES:
        original = getattr(form, name)
        assert getattr(again, name) == (original if original.strip() else getattr(SearchForm(), name))


def test_highlight_marks_prompt_terms_and_joins_adjacent_ones() -> None:
    segments = highlight("We run large AWS bills; cloud costs keep growing.", "cloud cost optimisation")
    marked = [s.text for s in segments if s.marked]
    assert marked == ["cloud costs"]
    assert highlight("anything", "") == [type(segments[0])("anything", False)]


VOCAB = ["cloud", "Clouds", "cost", "costs", "AWS", "c++", "node.js", "the", "and", "payroll", "teams", "x"]
ASCII_TEXT = st.lists(
    st.one_of(st.sampled_from(VOCAB), st.text(alphabet=" .,;+#-\n", max_size=3)), max_size=40
).map("".join)


def _token(word: str) -> str:
    return stem(word.replace(".", "").replace("+", "p").replace("#", "sharp"))


@given(st.one_of(ASCII_TEXT, st.text(max_size=120)), st.one_of(ASCII_TEXT, st.text(max_size=40)))
def test_highlight_keeps_the_text_and_marks_exactly_the_matching_words(text: str, prompt: str) -> None:
    segments = highlight(text, prompt)
    assert "".join(s.text for s in segments) == text
    assert all(s.text for s in segments)
    if not text.isascii():
        return  # lower-casing may change lengths outside ASCII; the join property above still holds
    terms = set(query_tokens(prompt))
    for segment in segments:
        tokens = [_token(w) for w in words(segment.text)]
        if segment.marked:
            assert tokens
            assert all(t in terms for t in tokens), (segment, terms)
        else:
            assert not any(t in terms for t in tokens), (segment, terms)


def test_age_and_safe_url() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert age("2026-05-29T00:00:00Z", now=now) == "3 days ago"
    assert age("2026-05-31T23:00:00+00:00", now=now) == "1 hour ago"
    assert age("2024-05-01T00:00:00", now=now) == "2 years ago"
    assert age("not a date", now=now) == ""
    assert age(None, now=now) == ""
    assert safe_url("https://example.com/a?b=1") == "https://example.com/a?b=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//example.com", "http://[::1", "", None):
        assert safe_url(bad) is None
