"""tantivy's scores equal Lucene's BM25 formula (app.ranking.bm25.lucene_bm25) on a small corpus."""

from __future__ import annotations

import math

import pytest
from rank_bm25 import BM25Okapi

from app.ranking.bm25 import Bm25Index, IndexedDocument, lucene_bm25
from app.ranking.text import tokenize

CORPUS = [
    "Our AWS bill grew 80 percent this year and finance wants answers",
    "Hiring a cloud cost engineer to own AWS usage reporting and chargeback",
    "Warehouse robots picked ten thousand orders in Ohio",
    "Payroll in twelve countries is a compliance headache for the HR team",
    "Cloud cloud cloud: we sell cost visibility software",
    "The plant manager wants cold chain sensors for every freezer",
    "Data warehouse migration off Teradata before the hardware renewal",
    "New cafeteria menu for employees",
]
QUERIES = [
    "cloud cost",
    "aws bill finance",
    "payroll compliance countries",
    "teradata warehouse",
    "nothing here",
]


@pytest.fixture(scope="module")
def index() -> Bm25Index:
    idx = Bm25Index(fields=("body",))
    idx.upsert(IndexedDocument(row=i, fields={"body": tokenize(t)}) for i, t in enumerate(CORPUS))
    idx.commit()
    return idx


@pytest.mark.parametrize("query", QUERIES)
def test_tantivy_equals_lucene_formula(index: Bm25Index, query: str) -> None:
    docs = [tokenize(t) for t in CORPUS]
    expected = lucene_bm25(docs, tokenize(query))
    rows, scores = index.search(tokenize(query), limit=len(CORPUS), boosts={"body": 1.0})
    got = dict(zip(rows.tolist(), scores.tolist(), strict=True))
    for row, score in enumerate(expected):
        assert got.get(row, 0.0) == pytest.approx(score, rel=1e-5, abs=1e-6)


def test_same_ranking_as_rank_bm25_okapi_when_idf_is_positive(index: Bm25Index) -> None:
    # rank-bm25's BM25Okapi uses idf = ln((N - n + 0.5) / (n + 0.5)); for terms in fewer than half the
    # documents both idfs order documents the same way (the tf part is identical).
    docs = [tokenize(t) for t in CORPUS]
    okapi = BM25Okapi(docs, k1=1.2, b=0.75)
    query = tokenize("teradata warehouse")
    reference = okapi.get_scores(query)
    rows, _ = index.search(query, limit=len(CORPUS), boosts={"body": 1.0})
    ours = list(rows.tolist())
    theirs = [i for i in sorted(range(len(docs)), key=lambda i: -reference[i]) if reference[i] > 0]
    assert ours == theirs


def test_boosts_add_per_field() -> None:
    idx = Bm25Index(fields=("name", "body"))
    idx.upsert(
        [
            IndexedDocument(row=0, fields={"name": ["acme"], "body": ["cloud", "cost"]}),
            IndexedDocument(row=1, fields={"name": ["cloudy"], "body": ["cloud"]}),
        ]
    )
    idx.commit()
    rows, scores = idx.search(["cloud", "acme"], limit=5, boosts={"name": 2.0, "body": 1.0})
    name_score = lucene_bm25([["acme"], ["cloudy"]], ["acme"])[0]
    body = lucene_bm25([["cloud", "cost"], ["cloud"]], ["cloud"])
    got = dict(zip(rows.tolist(), scores.tolist(), strict=True))
    assert got[0] == pytest.approx(2.0 * name_score + body[0], rel=1e-5)
    assert got[1] == pytest.approx(body[1], rel=1e-5)


def test_upsert_replaces_and_delete_removes() -> None:
    idx = Bm25Index(fields=("body",))
    idx.upsert(IndexedDocument(row=i, fields={"body": ["cloud"]}) for i in range(3))
    idx.commit()
    idx.upsert([IndexedDocument(row=1, fields={"body": ["payroll"]})])
    idx.delete([2])
    idx.commit()
    rows, _ = idx.search(["cloud"], limit=10)
    assert rows.tolist() == [0]
    rows, _ = idx.search(["payroll"], limit=10)
    assert rows.tolist() == [1]
    assert idx.num_docs() == 2


def test_empty_query_returns_nothing(index: Bm25Index) -> None:
    rows, scores = index.search([], limit=10)
    assert len(rows) == 0
    assert len(scores) == 0
    assert math.isfinite(float(sum(lucene_bm25([["a"]], []))))
