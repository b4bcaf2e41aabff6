"""Matched passages: spans of the prompt's keywords in evidence text, and the marked excerpt."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.ranking.highlight import excerpt, first_sentence, spans, spans_reference
from app.ranking.text import SENTENCE_END, query_tokens, tokenize


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


_PIECES = st.sampled_from(
    [
        "Payroll",
        "payrolls",
        "clinic",
        "CLINICS",
        "companies",
        "company",
        "node.js",
        "Node.JS",
        "c++",
        "c#",
        "a.b",
        "a..b",
        "x+y",
        "3.5",
        "classes",
        "class",
        "going",
        "the",
        "The",
        "ſervice",
        "Kelvin",
        "İstanbul",
        "e.g.",
        "(",
        ")",
        ",",
        ".",
        " ",
        "  ",
        "\n",
        "-",
        "#",
        "+",
        "ies",
        "studies",
        "study",
        "passes",
        "pass",
    ]
)


@given(
    st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=60),
    st.lists(
        st.one_of(st.text(max_size=6), st.sampled_from(["y", "stud", "clinic", "nodej", "ab", "cpp"])),
        max_size=4,
    ),
    st.integers(min_value=1, max_value=25),
)
def test_spans_match_the_word_by_word_definition(pieces: list[str], extra: list[str], limit: int) -> None:
    text = "".join(pieces)
    tokens = tokenize(text)
    keywords = frozenset(tokens[::3] + [w.lower() for w in extra])
    assert spans(text, keywords, limit=limit) == spans_reference(text, keywords, limit=limit)
    assert spans(text, set(keywords), limit=limit) == spans_reference(text, keywords, limit=limit)


def test_spans_match_the_definition_on_prompts_and_compound_words() -> None:
    text = "We use Node.js and C++ (c#) with .NET, e.g. studies of 3.5 classes; Kelvin's ſervices. a..b+c"
    for prompt in ("node.js developers", "c++ and c#", "study class", "net services", "kelvin", "b c"):
        keywords = frozenset(query_tokens(prompt))
        assert spans(text, keywords) == spans_reference(text, keywords)


@given(
    st.text(alphabet=st.sampled_from("ab .!?\n\t,;:…"), max_size=300), st.integers(min_value=5, max_value=220)
)
def test_first_sentence_is_the_text_before_the_first_sentence_end(text: str, max_chars: int) -> None:
    head = SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    expected = head if len(head) <= max_chars else head[:max_chars].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    assert first_sentence(text, max_chars=max_chars) == expected
