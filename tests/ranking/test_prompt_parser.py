"""The rule-based prompt parser: examples from the world's phrasing, and properties on any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ranking.gazetteer import COUNTRIES, REGIONS, TARGET_NOUNS
from app.ranking.prompt import (
    _INDUSTRY_FORMS,
    ParsedPrompt,
    _industries,
    _places,
    merge_parsed,
    parse_prompt,
)
from app.ranking.text import words

COUNTRY_CODES = st.sampled_from(["US", "GB", "DE", "FR", "CA", "NL"])


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        (
            "Mid-size software companies that would pay to reduce wasted cloud spend",
            {"industries": ("51",), "employees_min": 100, "employees_max": 5000},
        ),
        (
            "Companies like Snowflake that are trying to get cloud spend under control",
            {"exemplars": ("Snowflake",)},
        ),
        (
            "Find lookalikes of Acme Robotics: businesses that run large manual back-office operations",
            {"exemplars": ("Acme Robotics",)},
        ),
        (
            "Payroll for German manufacturers with 50-500 employees, not already using Workday",
            {"countries": ("DE",), "employees_min": 50, "employees_max": 500, "excluded_terms": ("Workday",)},
        ),
        ("EOR for startups, outside the US", {"excluded_countries": ("US",), "employees_max": 500}),
        (
            "Cloud cost tools for companies with big AWS bills, not companies based in India",
            {
                "countries": (),
                "excluded_countries": ("IN",),
                "keywords": ("cloud", "cost", "big", "aws", "bill"),
            },
        ),
        (
            "Payroll for firms in Germany, not from France",
            {"countries": ("DE",), "excluded_countries": ("FR",)},
        ),
        (
            "Large retailers and banks needing a modern analytics platform",
            {"industries": ("44", "45", "52"), "employees_min": 2000},
        ),
        ("DRaaS for companies with up to 500 employees", {"employees_max": 500}),
        # "small" / "large" describe the buyer only before a word naming organisations.
        (
            "GPU cloud capacity for teams training and serving large language models",
            {"employees_min": None, "employees_max": None},
        ),
        ("Cloud cost optimisation for companies with large AWS bills", {"employees_min": None}),
        ("Backup storage for large files and small images", {"employees_min": None, "employees_max": None}),
        ("precision ag for large growers in Spain", {"employees_min": 2000}),
        ("service management for small trades businesses", {"employees_max": 500}),
        ("CRM for small and mid-size businesses", {"employees_min": 100, "employees_max": 5000}),
        ("Sales engagement, excluding existing Outreach customers", {"excluded_terms": ("Outreach",)}),
        (
            "monitoring for cloud-native apps — not companies already using Datadog",
            {"excluded_terms": ("Datadog",)},
        ),
        ("Security training. Skip anyone already on KnowBe4.", {"excluded_terms": ("KnowBe4",)}),
        ("Fleet charging (no current ChargePoint users)", {"excluded_terms": ("ChargePoint",)}),
        ("cloud cost optimization software", {"industries": (), "exemplars": (), "excluded_terms": ()}),
        (
            "Clinic scheduling — DACH region only, reach the COO",
            {"countries": ("DE", "AT", "CH"), "roles": ("coo",)},
        ),
        # A targeted place is a filter, not a word the buyers' text should hold.
        (
            "Storefront design for direct-to-consumer brands selling online in the United States",
            {
                "countries": ("US",),
                "keywords": ("storefront", "design", "direct", "consumer", "brand", "online"),
            },
        ),
        # "Latin America" is the region, not also "America" (US).
        (
            "Corporate cards for lending startups in Latin America",
            {"countries": ("BR", "MX", "AR", "CL", "CO"), "keywords": ("corporate", "card", "lend")},
        ),
        ("Image labelling for perception teams, US companies only", {"countries": ("US",)}),
        ("KYC for UK-based fintechs", {"countries": ("GB",), "keywords": ("kyc", "fintech")}),
        ("Sales tools that help us grow", {"countries": ()}),
        ("SSO for larger companies with at least 50 employees", {"employees_min": 50, "keywords": ("sso",)}),
    ],
)
def test_examples(prompt: str, expected: dict[str, object]) -> None:
    parsed = parse_prompt(prompt)
    for key, value in expected.items():
        assert getattr(parsed, key) == value, (key, parsed)


@pytest.mark.parametrize("name", [*REGIONS, *COUNTRIES])
def test_a_place_name_means_its_own_codes_only(name: str) -> None:
    """A name inside a longer one is not read again ("north american" is not also "america")."""
    expected = REGIONS[name] if name in REGIONS else (COUNTRIES[name],)
    assert tuple(_places(f"companies in {name}")) == expected


def test_keywords_drop_exemplar_names_and_boilerplate() -> None:
    parsed = parse_prompt("Companies like Snowflake that are trying to get cloud spend under control")
    assert "snowflake" not in parsed.keywords
    assert "cloud" in parsed.keywords
    assert "companies" not in parsed.keywords


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_to_well_formed_output(text: str) -> None:
    parsed = parse_prompt(text)
    assert parsed.text == text
    for field in (
        "keywords",
        "industries",
        "countries",
        "excluded_countries",
        "roles",
        "exemplars",
        "excluded_terms",
    ):
        values = getattr(parsed, field)
        assert isinstance(values, tuple)
        assert len(values) == len(set(values)), field
    assert all(len(c) == 2 and c.isupper() for c in parsed.countries + parsed.excluded_countries)
    assert all(s.isdigit() and len(s) == 2 for s in parsed.industries)
    assert not set(parsed.countries) & set(parsed.excluded_countries)
    if parsed.employees_min is not None and parsed.employees_max is not None:
        assert parsed.employees_min <= parsed.employees_max
    assert parse_prompt(text) == parsed  # deterministic


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(categories=("L", "N", "Zs")), min_size=3, max_size=60), COUNTRY_CODES)
def test_outside_a_country_is_never_a_target(prefix: str, code: str) -> None:
    names = {
        "US": "the US",
        "GB": "the UK",
        "DE": "Germany",
        "FR": "France",
        "CA": "Canada",
        "NL": "the Netherlands",
    }
    parsed = parse_prompt(f"{prefix}, outside {names[code]}")
    assert code in parsed.excluded_countries
    assert code not in parsed.countries


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=90_000), st.integers(min_value=1, max_value=90_000))
def test_employee_ranges_are_ordered(a: int, b: int) -> None:
    parsed = parse_prompt(f"HR software for firms with {a}-{b} employees")
    assert (parsed.employees_min, parsed.employees_max) == (min(a, b), max(a, b))


@given(
    st.lists(st.sampled_from(["US", "DE", "FR"]), max_size=3),
    st.lists(st.sampled_from(["51", "52"]), max_size=2),
)
def test_merge_only_adds(countries: list[str], industries: list[str]) -> None:
    base = parse_prompt("payroll for startups in France")
    refined = ParsedPrompt(
        text=base.text, countries=tuple(dict.fromkeys(countries)), industries=tuple(dict.fromkeys(industries))
    )
    merged = merge_parsed(base, refined)
    assert set(base.countries) <= set(merged.countries)
    assert set(refined.countries) <= set(merged.countries)
    assert set(base.industries) | set(refined.industries) == set(merged.industries)
    assert merged.source == "rules+llm"


def _industries_reference(lowered: str) -> list[str]:
    """The industry matching as first written: every term and form searched in the prompt."""
    tokens = words(lowered.replace("-", " "))
    joined = " " + " ".join(tokens) + " "
    sectors: list[str] = []
    for term_words, codes in _INDUSTRY_FORMS:
        for form in (term_words, term_words + "s", term_words + "es"):
            idx = joined.find(f" {form} ")
            if idx < 0:
                continue
            after = joined[idx + len(form) + 2 :].split(" ", 2)
            plural = form != term_words or term_words.endswith(("ies", "ers", "ks", "ls", "es"))
            target = plural or (after and after[0] in TARGET_NOUNS)
            before = joined[:idx].split()
            target = target or bool(before and before[-1] in {"for", "in", "to", "at", "across"})
            if target:
                sectors.extend(codes)
            break
    return sectors


_TERM_WORDS = sorted({w for term, _ in _INDUSTRY_FORMS for w in term.split()})
_FILLERS = ["for", "in", "to", "companies", "firms", "s", "es", "the", "-", " ", "  ", "x"]


@given(st.lists(st.sampled_from(_TERM_WORDS + [w + "s" for w in _TERM_WORDS[::7]] + _FILLERS), max_size=12))
def test_industries_match_every_term_searched(pieces: list[str]) -> None:
    lowered = " ".join(pieces)
    assert _industries(lowered) == _industries_reference(lowered)
