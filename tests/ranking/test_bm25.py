"""BM25 query clauses: a term found in most documents is left out of the query (`max_df`)."""

from __future__ import annotations

import numpy as np
import pytest

from app.ranking.bm25 import MAX_DF, MIN_PRUNED_DF, Bm25Index, IndexedDocument, query_clauses

DOCS = 400  # above MIN_PRUNED_DF, so the share of documents decides


def test_query_clauses_drop_common_and_absent_terms() -> None:
    df = {("body", "analytic"): 300, ("body", "fraud"): 12, ("tech", "fraud"): 0, ("name", "fraud"): 3}
    assert query_clauses(df, n_docs=1000, max_df=0.2) == [("body", "fraud"), ("name", "fraud")]
    assert query_clauses(df, n_docs=1000, max_df=1.0) == [
        ("body", "analytic"),
        ("body", "fraud"),
        ("name", "fraud"),
    ]


def test_query_clauses_keep_short_lists_and_common_only_queries() -> None:
    # In a small pool every list is short: nothing is left out.
    assert query_clauses({("body", "cloud"): MIN_PRUNED_DF}, n_docs=MIN_PRUNED_DF * 2, max_df=0.2) == [
        ("body", "cloud")
    ]
    # A query of common words only keeps them all rather than finding nothing.
    common = {("body", "team"): 900, ("body", "data"): 800, ("tech", "data"): 0}
    assert query_clauses(common, n_docs=1000, max_df=0.2) == [("body", "team"), ("body", "data")]
    assert query_clauses({}, n_docs=1000, max_df=0.2) == []


@pytest.fixture(scope="module")
def index() -> Bm25Index:
    idx = Bm25Index(fields=("body",))
    docs = []
    for row in range(DOCS):
        words = ["platform"] * (1 + row % 3)  # in every document
        if row % 10 == 0:
            words += ["fraud"] * (1 + row % 4)
        if row % 50 == 0:
            words.append("lender")
        words += [f"filler{row % 7}"] * (row % 5)
        docs.append(IndexedDocument(row=row, fields={"body": words}))
    idx.upsert(docs)
    idx.commit()
    return idx


def test_a_term_in_more_than_max_df_of_the_documents_is_left_out(index: Bm25Index) -> None:
    assert MAX_DF < 1.0
    rows, scores = index.search(["fraud", "lender", "platform"], limit=DOCS)
    ref_rows, ref_scores = index.search(["fraud", "lender"], limit=DOCS, max_df=1.0)
    assert rows.tolist() == ref_rows.tolist()
    assert np.array_equal(scores, ref_scores)
    assert set(rows.tolist()) == {r for r in range(DOCS) if r % 10 == 0}


def test_max_df_one_keeps_every_clause(index: Bm25Index) -> None:
    rows, _ = index.search(["fraud", "platform"], limit=DOCS, max_df=1.0)
    assert len(rows) == DOCS  # every document has "platform"
    assert set(rows[:10].tolist()) <= {r for r in range(DOCS) if r % 10 == 0}


def test_a_query_of_common_terms_only_still_finds_documents(index: Bm25Index) -> None:
    rows, scores = index.search(["platform"], limit=5)
    full_rows, full_scores = index.search(["platform"], limit=5, max_df=1.0)
    assert rows.tolist() == full_rows.tolist()
    assert np.array_equal(scores, full_scores)
    assert len(rows) == 5
