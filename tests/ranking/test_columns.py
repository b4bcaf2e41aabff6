"""The lead store's snippet-vector cache (by `snippets.seq`): a company re-read embeds only its new
snippets, and every stored value is the same as without the cache."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pytest

from app.core.config import Settings
from app.ranking.columns import SNIPPET_DIM, CompanyRecord, LeadStore, StoredSnippet
from app.ranking.embedding import Embedder, load_embedder
from tests.leads.world_loader import tiny_world
from tools.ranker_world import company_records

ARRAYS = ("company_features", "snip_weight", "snip_seller", "snip_seq", "employees", "sector")
VECTORS = ("doc_vec", "intent_vec", "self_vec", "snip_vec")


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder(Settings())


@pytest.fixture(scope="module")
def records() -> list[CompanyRecord]:
    recs = company_records(tiny_world())[:60]
    seq = 0
    for rec in recs:
        for s in rec.snippets:
            s.seq = seq
            seq += 1
    return recs


def _rows(store: LeadStore, records: list[CompanyRecord]) -> np.ndarray:
    return np.array([store.row_of_id[r.id] for r in records], dtype=np.int64)


def test_cached_vectors_give_identical_rows(embedder: Embedder, records: list[CompanyRecord]) -> None:
    now = datetime.now(UTC)
    plain = LeadStore(dim=embedder.dim, snippet_cache_entries=0)
    plain.upsert(copy.deepcopy(records), embedder=embedder, now=now)
    cached = LeadStore(dim=embedder.dim)
    cached.upsert(copy.deepcopy(records[::2]), embedder=embedder, now=now)
    cached.upsert(copy.deepcopy(records), embedder=embedder, now=now)  # half from the cache
    total = sum(len(r.snippets) for r in records)
    assert cached.snippets_embedded == total
    cached.upsert(copy.deepcopy(records), embedder=embedder, now=now)  # all from the cache
    assert cached.snippets_embedded == total
    assert plain.snippets_cached == 0

    a, b = _rows(plain, records), _rows(cached, records)
    for name in VECTORS:
        assert np.array_equal(getattr(plain, name).get(a), getattr(cached, name).get(b)), name
    for name in ARRAYS:
        assert np.array_equal(getattr(plain, name)[a], getattr(cached, name)[b]), name


def test_cache_is_bounded_and_skips_rows_without_seq(
    embedder: Embedder, records: list[CompanyRecord]
) -> None:
    store = LeadStore(dim=embedder.dim, snippet_cache_entries=50)
    store.upsert(copy.deepcopy(records), embedder=embedder, now=datetime.now(UTC))
    assert len(store._snippet_cache) == 50
    unsaved = copy.deepcopy(records[:3])
    for rec in unsaved:
        for s in rec.snippets:
            s.seq = -1  # not in PostgreSQL: embedded every time, never cached
    before = store.snippets_embedded
    store.upsert(copy.deepcopy(unsaved), embedder=embedder, now=datetime.now(UTC))
    store.upsert(copy.deepcopy(unsaved), embedder=embedder, now=datetime.now(UTC))
    assert store.snippets_embedded - before == 2 * sum(len(r.snippets) for r in unsaved)


def test_unchanged_records_are_skipped_on_request(embedder: Embedder, records: list[CompanyRecord]) -> None:
    store = LeadStore(dim=embedder.dim)
    first = datetime(2026, 11, 1, tzinfo=UTC)
    assert len(store.upsert(copy.deepcopy(records[:5]), embedder=embedder, now=first)) == 5
    rows = _rows(store, records[:5])
    features = store.company_features[rows].copy()
    later = datetime(2026, 11, 2, tzinfo=UTC)
    again = copy.deepcopy(records[:5])
    assert store.upsert(again, embedder=embedder, now=later, skip_unchanged=True) == []
    assert np.array_equal(store.company_features[rows], features)  # kept from the first upsert

    changed = copy.deepcopy(records[:5])
    changed[1].snippets[0].reputation += 0.1
    changed[3].outcomes["reply"] = changed[3].outcomes.get("reply", 0) + 1
    docs = store.upsert(changed, embedder=embedder, now=later, skip_unchanged=True)
    assert sorted(d.row for d in docs) == sorted(store.row_of_id[changed[i].id] for i in (1, 3))
    # without the flag every record is recomputed (at the new `now`)
    assert len(store.upsert(copy.deepcopy(records[:5]), embedder=embedder, now=later)) == 5


def described(*, domain: str, name: str, employees: int, snippets: Sequence[StoredSnippet]) -> CompanyRecord:
    """A US company known by what it publishes, with no industry, NAICS code or description field."""
    return CompanyRecord(
        id=uuid.uuid4(),
        domain=domain,
        name=name,
        industry=None,
        naics_code=None,
        employees=employees,
        country="US",
        description="",
        snippets=list(snippets),
    )


def test_a_profile_only_company_is_known_by_its_description(embedder: Embedder) -> None:
    """No industry, no signals: its sector comes from its text, its vector from its description
    (not its name alone), and its profile snippet is its evidence."""
    now = datetime(2026, 11, 1, tzinfo=UTC)
    text = "Underwriting software for online lenders and community banks."
    rec = described(
        domain="lendco.example",
        name="Zebra Orange",
        employees=12,
        snippets=[StoredSnippet("profile", text, datetime(2023, 2, 27, tzinfo=UTC), 0.6, seq=41)],
    )
    store = LeadStore(dim=embedder.dim)
    store.upsert([rec], embedder=embedder, now=now)
    row = store.row_of_id[rec.id]
    assert store.sector[row] == 52
    assert store.profile_seq[row] == 41
    doc = store.doc_vec.get(np.array([row]))[0]
    [by_text, by_name] = embedder.embed([text, "Zebra Orange"])
    # Its vector is what its description says, not its name (the name stays a BM25 field).
    assert float(doc @ by_text) > 0.99
    assert float(doc @ by_text) > float(doc @ by_name) + 0.3


def test_own_sentences_fill_the_free_snippet_slots(embedder: Embedder) -> None:
    """Each sentence of a company's own description (>= 4 words) gets a snippet slot of its own,
    marked as a sentence and of weight 0: the snippet features and the evidence never see it, the
    sentence features do."""
    observed = datetime(2026, 10, 1, tzinfo=UTC)
    said = ["Payroll software for restaurants.", "We also run the kitchen scheduling for chains."]
    rec = described(
        domain="payco.example",
        name="Payco",
        employees=8,
        snippets=[
            StoredSnippet("profile", " ".join([*said, "Thanks!"]), observed, 0.6, seq=7),
            StoredSnippet("job_post", "Hiring a payroll specialist for our team", observed, 0.6, seq=8),
        ],
    )
    other = copy.deepcopy(rec)
    other.id, other.domain = uuid.uuid4(), "other.example"
    store = LeadStore(dim=embedder.dim, capacity=1)  # the second company grows every array
    store.upsert([other, rec], embedder=embedder, now=datetime(2026, 11, 1, tzinfo=UTC))
    row = store.row_of_id[rec.id]
    assert store.sentence_norm.shape[0] == store.snip_sentence.shape[0] == store.capacity
    assert store.snip_sentence[row].tolist() == [False, True, True] + [False] * 13
    assert store.snip_weight[row, 1:3].tolist() == [0.0, 0.0]
    assert store.snip_seq[row, 1:3].tolist() == [-1, -1]
    stored = store.snip_vec.get((row, slice(1, 3)))
    expected = embedder.embed(said)[:, :SNIPPET_DIM]
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(stored, expected, atol=0.02)
    assert store.sentence_norm[row] == pytest.approx(float(np.linalg.norm(stored.sum(axis=0))), abs=1e-5)
