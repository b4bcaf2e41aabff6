"""The prior's fill from the store's intent order picks exactly what scoring every company picks
(`best_admissible` over `prior_scores`), whatever the ties, filters, exclusions and writes since the
order was built."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.config import Settings
from app.leads import prior
from app.leads.candidates import HardFilters, best_admissible, hard_filters
from app.leads.prepare import prepare
from app.leads.prior import INTENT_COLUMN, intent_order, prior_picks, prior_scores
from app.leads.schemas import SearchFilters
from app.ranking.columns import LeadStore
from app.ranking.embedding import load_embedder
from app.ranking.prompt import ParsedPrompt, parse_prompt
from tests.leads.world_loader import tiny_world
from tools.ranker_world import WORLD_NOW, OfflineIndex, build_offline_index, company_records


def reference(
    store: LeadStore, parsed: ParsedPrompt, filters: HardFilters, taken: list[int], count: int
) -> list[int]:
    """Every company scored, the taken ones ruled out, the best admissible ones (the former fill)."""
    score = prior_scores(store, parsed)
    if taken:
        score[np.asarray(taken, dtype=np.int64)] = -np.inf
    picked: list[int] = best_admissible(store=store, score=score, filters=filters, count=count).tolist()
    return picked


def no_filters(excluded: frozenset[int] = frozenset()) -> HardFilters:
    return HardFilters(
        countries=frozenset(),
        excluded_countries=frozenset(),
        employees_min=None,
        employees_max=None,
        industries=(),
        technologies=(),
        excluded_terms=(),
        excluded_rows=excluded,
    )


def synthetic_store(intent: list[float], sectors: list[int], employees: list[int]) -> LeadStore:
    n = len(intent)
    store = LeadStore(dim=4, capacity=max(n, 1))
    store.size = n
    store.company_features[:n, INTENT_COLUMN] = intent
    store.sector[:n] = sectors
    store.employees[:n] = employees
    return store


PROMPTS = [
    ParsedPrompt(text="a"),
    ParsedPrompt(text="b", industries=("52",)),
    ParsedPrompt(text="c", employees_min=50, employees_max=500),
    ParsedPrompt(text="d", industries=("52", "31"), employees_max=20),
]


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0, 3.5, -1.0]),
            st.sampled_from([0, 31, 52, 54]),
            st.sampled_from([-1, 5, 40, 300, 5000]),
        ),
        min_size=1,
        max_size=300,
    ),
    prompt=st.sampled_from(PROMPTS),
    count=st.integers(min_value=0, max_value=120),
    data=st.data(),
)
def test_picks_equal_scoring_every_row(
    rows: list[tuple[float, int, int]], prompt: ParsedPrompt, count: int, data: st.DataObject
) -> None:
    intent, sectors, employees = (list(c) for c in zip(*rows, strict=True))
    store = synthetic_store(intent, sectors, employees)
    n = len(rows)
    taken = data.draw(st.lists(st.integers(0, n - 1), max_size=20))
    excluded = frozenset(data.draw(st.lists(st.integers(0, n - 1), max_size=40)))
    filters = no_filters(excluded)
    picked = prior_picks(store=store, parsed=prompt, filters=filters, taken=taken, count=count)
    assert picked.tolist() == reference(store, prompt, filters, taken, count)
    # Writes after the order was built: changed rows are scored apart, then the order is rebuilt.
    changes = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from([0.0, 0.7, 9.0]))))
    for row, value in changes:
        store.company_features[row, INTENT_COLUMN] = value
    store.generation += 1
    picked = prior_picks(store=store, parsed=prompt, filters=filters, taken=taken, count=count)
    assert picked.tolist() == reference(store, prompt, filters, taken, count)


@pytest.fixture(scope="module")
def index(base_settings: Settings) -> OfflineIndex:
    return build_offline_index(company_records(tiny_world()), load_embedder(base_settings), now=WORLD_NOW)


@pytest.mark.parametrize(
    ("prompt", "filters"),
    [
        ("Accounts payable automation for mid-size manufacturers in the US", SearchFilters()),
        ("Payroll software for small software companies", SearchFilters(countries=["US"])),
        ("CRM for banks with 200-2000 employees, not in Germany", SearchFilters(employees_min=100)),
        ("Security training for hospitals", SearchFilters(technologies=["salesforce"])),
        ("Cloud cost tools for retailers", SearchFilters(industries=["44"], countries=["GB", "DE"])),
    ],
)
def test_picks_on_the_tiny_world(
    index: OfflineIndex, base_settings: Settings, prompt: str, filters: SearchFilters
) -> None:
    store = index.store
    parsed = parse_prompt(prompt)
    prepared = prepare(store=store, embedder=load_embedder(base_settings), parsed=parsed, filters=filters)
    hard = hard_filters(store, prepared, index.bm25)
    taken = list(range(0, store.size, 7))[:300]
    for count in (1, 200, 500, store.size):
        picked = prior_picks(store=store, parsed=parsed, filters=hard, taken=taken, count=count)
        assert picked.tolist() == reference(store, parsed, hard, taken, count)


def test_writes_are_seen_and_the_order_rebuilt(
    index: OfflineIndex, base_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upsert (the index refresh's write) bumps the store's generation: its rows are scored from
    their new values at once, and many changed rows rebuild the order."""
    store = index.store
    records = list(index.records.values())
    embedder = load_embedder(base_settings)
    parsed = parse_prompt("Payroll software for small software companies")
    filters = no_filters()
    before = intent_order(store)
    # A company with no evidence gains a lot of it: it must now lead the fill.
    quiet = min(records, key=lambda r: float(store.company_features[store.row_of_id[r.id], INTENT_COLUMN]))
    loud = max(records, key=lambda r: float(store.company_features[store.row_of_id[r.id], INTENT_COLUMN]))
    quiet.snippets = [*quiet.snippets, *loud.snippets]
    store.upsert([quiet], embedder=embedder, now=WORLD_NOW)
    order = intent_order(store)
    assert order.rows is before.rows  # a few changed rows: the same order, those rows apart
    assert store.row_of_id[quiet.id] in order.changed.tolist()
    picked = prior_picks(store=store, parsed=parsed, filters=filters, taken=[], count=50)
    assert picked.tolist() == reference(store, parsed, filters, [], 50)
    # Every row changed: rebuilt (however small the store).
    monkeypatch.setattr(prior, "REBUILD_MIN_ROWS", 0)
    store.company_features[: store.size, INTENT_COLUMN] += 1.0
    store.generation += 1
    rebuilt = intent_order(store)
    assert rebuilt.rows is not before.rows
    assert len(rebuilt.changed) == 0
    picked = prior_picks(store=store, parsed=parsed, filters=filters, taken=[], count=50)
    assert picked.tolist() == reference(store, parsed, filters, [], 50)
