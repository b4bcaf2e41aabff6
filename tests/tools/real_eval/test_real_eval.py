"""The real-data evaluation's parts, and one whole run over a small fixture (36 companies taken from
the public directory file the evaluation reads, MIT-licensed, see its README) on the local stack."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from app.core.config import Settings
from tools.ranker_dataset import GRADE_CUTS
from tools.real_eval.data import domain_of, load_companies, parse_rows
from tools.real_eval.metrics import ndcg_at, precision_at, recall_at
from tools.real_eval.prompts import Filters, SellerPrompt, load_prompts, parse_prompts
from tools.real_eval.run import evaluate
from tools.real_eval.teacher import graded, pool_texts

FIXTURE = Path(__file__).with_name("companies.csv")


def company_row(**overrides: str) -> dict[str, str]:
    row = {
        "company_id": "1",
        "company_name": "Acme",
        "short_description": "Payroll for clinics",
        "long_description": "Acme runs payroll for dental clinics.",
        "tags": "['Payroll', 'Healthcare']",
        "country": "us",
        "team_size": "12",
        "website": "https://www.acme.io/",
    }
    row.update(overrides)
    return row


def test_rows_become_companies() -> None:
    [c] = parse_rows([company_row()])
    assert c.domain == "acme.io"
    assert c.country == "US"
    assert c.employees == 12
    assert c.tags == {"Payroll", "Healthcare"}
    assert c.text == "Payroll for clinics. Acme runs payroll for dental clinics."


def test_rows_without_text_or_with_a_seen_domain_are_skipped() -> None:
    rows = [
        company_row(),
        company_row(company_id="2"),
        company_row(company_id="3", website="", long_description="", short_description=""),
    ]
    assert [c.company_id for c in parse_rows(rows)] == ["1"]
    assert domain_of("", "7") == "company-7.example.com"
    assert domain_of("acme.io/about", "7") == "acme.io"
    [c] = parse_rows([company_row(team_size="", country="", tags="")])
    assert (c.employees, c.country, c.tags) == (None, None, frozenset())


def test_grades_follow_tags_filters_and_exclusions() -> None:
    [c] = parse_rows([company_row()])
    p = SellerPrompt(id="x", split="test", prompt="p", core=frozenset({"Payroll"}))
    assert p.grade(c) == 2
    related = SellerPrompt(
        id="x", split="test", prompt="p", core=frozenset({"X"}), related=frozenset({"Healthcare"})
    )
    assert related.grade(c) == 1
    excluded = SellerPrompt(
        id="x", split="test", prompt="p", core=frozenset({"Payroll"}), excluded=frozenset({"Healthcare"})
    )
    assert excluded.grade(c) == 0
    for f in (Filters(countries=("GB",)), Filters(employees_max=10), Filters(employees_min=13)):
        assert (
            SellerPrompt(id="x", split="test", prompt="p", core=frozenset({"Payroll"}), filters=f).grade(c)
            == 0
        )
    abroad = SellerPrompt(
        id="x", split="test", prompt="p", core=frozenset({"Payroll"}), excluded_countries=frozenset({"US"})
    )
    assert not abroad.admits(c)


def test_metrics() -> None:
    grades = {"a": 2, "b": 1}
    assert ndcg_at(["a", "b", "c"], grades, 10) == pytest.approx(1.0)
    assert ndcg_at(["c", "b", "a"], grades, 10) == pytest.approx(
        (1 / math.log2(3) + 3 / 2) / (3 + 1 / math.log2(3))
    )
    assert ndcg_at(["a"], {}, 10) == 0.0
    assert precision_at(["a", "c"], grades, 10) == pytest.approx(0.1)
    assert recall_at(["c", "b"], grades, 100) == pytest.approx(0.5)


def test_the_prompt_file_is_well_formed() -> None:
    prompts = load_prompts()
    assert len(prompts) >= 40
    assert {p.split for p in prompts} == {"train", "validation", "test"}
    assert any(p.filters.api() for p in prompts)
    assert any(p.excluded or p.excluded_countries for p in prompts)
    with pytest.raises(ValueError, match="split"):
        parse_prompts({"prompts": [{"id": "a", "split": "dev", "prompt": "x", "core": []}]})


async def test_a_whole_run_over_the_fixture(base_settings: Settings) -> None:
    companies = load_companies(FIXTURE)
    prompts = [p for p in load_prompts() if p.id in {"t01", "t03", "v02", "s02"}]
    ev = await evaluate(base_settings, companies, prompts, database="leadpoet_test_real_eval", redis_db=11)
    assert ev.load is not None
    assert ev.load.accepted == ev.companies == len(companies)
    assert set(ev.results) == {"bm25", "dense", "rrf", "served"}
    for system in ev.results.values():
        assert set(system) == {p.id for p in prompts}
    for answer in ev.answers.values():
        assert answer.domains
    assert "| served |" in ev.table(prompts)


def test_teacher_texts_are_each_company_whole_then_its_sentences_of_four_words_or_more() -> None:
    [c] = parse_rows(
        [company_row(long_description="Acme runs payroll for dental clinics. Fast. It also files taxes.")]
    )
    assert pool_texts([c, c]) == [
        "Acme. Payroll for clinics. Acme runs payroll for dental clinics. Fast. It also files taxes.",
        "Acme runs payroll for dental clinics.",
        "It also files taxes.",
    ]


def test_teacher_grades_are_relative_to_the_pool() -> None:
    pool = np.arange(100, dtype=np.float64)  # the 95th percentile is 94.05, the best 99
    labels = graded(np.array([99.0, 98.0, 96.0, 94.0, 3.0]), pool)
    assert labels.tolist() == [len(GRADE_CUTS), len(GRADE_CUTS), 5, 0, 0]
    assert (np.diff(labels) <= 0).all()
