"""BM25 retrieval over company documents with tantivy (Lucene's BM25), plus the reference formula.

Chosen by measurement (docs/BENCHMARKS.md, "Search"): tantivy answers a query over 100k documents in
about a millisecond from an inverted index and supports incremental adds and deletes; `rank-bm25`
scans every document per query, `bm25s` has no incremental updates.

Scoring (tantivy = Lucene >= 6): for each query term t in field f with boost w_f,
    idf(t)   = ln(1 + (N - n_t + 0.5) / (n_t + 0.5))
    score    = w_f * idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)),  k1 = 1.2, b = 0.75
where N and n_t count documents having field f, dl is the field length in tokens (tantivy encodes it
exactly up to 40 tokens, then on a log scale) and avgdl the mean field length.
`lucene_bm25` below computes the same from token lists; tests/ranking/test_bm25_parity.py compares.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

K1 = 1.2
B = 0.75
# Field weights of the company document. The body already holds the name once; the name field adds
# only a little on top, so that a word in a company's name ("... Analytics") never outweighs what
# its description says it does (technologies are short and precise).
FIELD_BOOSTS: Mapping[str, float] = {"name": 0.25, "industry": 1.0, "tech": 1.5, "body": 1.0}
# A query clause (a term in a field) found in more than MAX_DF of the documents is left out: its idf
# is at most ln(1 + (1 - MAX_DF) / MAX_DF) = 1.6 (a term in 1 % of them: 4.6), and its posting list
# is the longest to walk (tantivy-py collects through a MultiCollector, which never prunes: every
# posting of every clause is scored). 0.2 by measurement: BM25 at 1M -19 %, real and world NDCG@10
# not lower (0.1: -39 %, real validation -0.014; docs/BENCHMARKS.md, docs/EVALUATION.md). Lists of at
# most MIN_PRUNED_DF documents are always kept (small pools, tests).
MAX_DF = 0.2
MIN_PRUNED_DF = 100


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    """One company, already tokenised per field (see app.ranking.text.tokenize)."""

    row: int
    fields: Mapping[str, Sequence[str]]


def lucene_bm25(
    corpus: Sequence[Sequence[str]], query: Sequence[str], *, k1: float = K1, b: float = B
) -> list[float]:
    """Reference Lucene BM25 of one field: the score of every document of `corpus` for `query`."""
    n_docs = len(corpus)
    avgdl = sum(len(d) for d in corpus) / max(n_docs, 1)
    df: Counter[str] = Counter()
    for doc in corpus:
        df.update(set(doc))
    scores = []
    for doc in corpus:
        tf = Counter(doc)
        total = 0.0
        for term in dict.fromkeys(query):
            if tf[term] == 0:
                continue
            idf = math.log(1.0 + (n_docs - df[term] + 0.5) / (df[term] + 0.5))
            norm = k1 * (1.0 - b + b * len(doc) / avgdl)
            total += idf * tf[term] * (k1 + 1.0) / (tf[term] + norm)
        scores.append(total)
    return scores


def query_clauses(
    doc_freq: Mapping[tuple[str, str], int], *, n_docs: int, max_df: float
) -> list[tuple[str, str]]:
    """The (field, term) clauses a query keeps, in `doc_freq`'s order: those found in some document
    and in at most `max_df` of `n_docs` (or at most MIN_PRUNED_DF); all found ones when that would
    leave none (a prompt of common words only keeps its full query)."""
    found = [clause for clause, df in doc_freq.items() if df > 0]
    cap = max(max_df * n_docs, MIN_PRUNED_DF)
    kept = [clause for clause in found if doc_freq[clause] <= cap]
    return kept or found


class Bm25Index:
    """A tantivy index keyed by store row; thread-safe; writes become visible on commit.

    In memory, or in `path` (an index already there is opened: tantivy maps its files)."""

    def __init__(
        self,
        *,
        fields: Iterable[str] = tuple(FIELD_BOOSTS),
        heap_bytes: int = 64_000_000,
        path: Path | None = None,
    ) -> None:
        import tantivy  # noqa: PLC0415

        self._tantivy = tantivy
        builder = tantivy.SchemaBuilder()
        self.fields = tuple(fields)
        for name in self.fields:
            builder.add_text_field(name, stored=False, tokenizer_name="default", index_option="freq")
        builder.add_unsigned_field("row", stored=False, indexed=False, fast=True)
        # Deletes by a u64 term do not match from Python (ints arrive as i64): delete by a raw text key.
        builder.add_text_field("key", stored=False, tokenizer_name="raw", index_option="basic")
        self._schema = builder.build()
        self.path = path
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        self._index = tantivy.Index(self._schema, path=None if path is None else str(path), reuse=True)
        self._writer = self._index.writer(heap_size=heap_bytes, num_threads=1)
        self._lock = threading.Lock()
        self._pending = 0

    def upsert(self, docs: Iterable[IndexedDocument]) -> int:
        """Replace the documents of the given rows (call `commit` to make them searchable)."""
        count = 0
        with self._lock:
            for doc in docs:
                self._writer.delete_documents_by_term("key", str(doc.row))
                document = self._tantivy.Document()
                document.add_unsigned("row", doc.row)
                document.add_text("key", str(doc.row))
                for name in self.fields:
                    tokens = doc.fields.get(name, ())
                    if tokens:
                        document.add_text(name, " ".join(tokens))
                self._writer.add_document(document)
                count += 1
            self._pending += count
        return count

    def delete(self, rows: Iterable[int]) -> None:
        with self._lock:
            for row in rows:
                self._writer.delete_documents_by_term("key", str(row))
                self._pending += 1

    def commit(self) -> bool:
        """Make pending writes searchable; returns whether anything was committed."""
        with self._lock:
            if self._pending == 0:
                return False
            self._writer.commit()
            self._pending = 0
        self._index.reload()
        return True

    def finish(self) -> None:
        """Commit, then wait for the background segment merges (the writer cannot be used after)."""
        with self._lock:
            self._writer.commit()
            self._pending = 0
            self._writer.wait_merging_threads()
        self._index.reload()

    def num_docs(self) -> int:
        return int(self._index.searcher().num_docs)

    def search(
        self,
        tokens: Sequence[str],
        *,
        limit: int,
        boosts: Mapping[str, float] = FIELD_BOOSTS,
        max_df: float = MAX_DF,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Top `limit` rows by the summed, boosted BM25 of every field; empty arrays when no term matches.

        A (field, term) clause found in more than `max_df` of the documents (and more than
        `MIN_PRUNED_DF`) is left out (`query_clauses`); 1.0 keeps every clause."""
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        terms = [t for t in dict.fromkeys(tokens) if t]
        if not terms or limit <= 0:
            return empty
        searcher = self._index.searcher()
        df = self._doc_freqs(searcher, terms, boosts)
        clauses = query_clauses(df, n_docs=int(searcher.num_docs), max_df=max_df)
        if not clauses:
            return empty
        query_cls, occur = self._tantivy.Query, self._tantivy.Occur
        query = []
        for name, term in clauses:
            boost = boosts[name]
            q = query_cls.term_query(self._schema, name, term, index_option="freq")
            query.append((occur.Should, q if boost == 1.0 else query_cls.boost_query(q, boost)))
        result = searcher.search(query_cls.boolean_query(query), limit=limit, count=False)
        if not result.hits:
            return empty
        scores = np.fromiter((h[0] for h in result.hits), dtype=np.float32, count=len(result.hits))
        rows = searcher.fast_field_values("row", [h[1] for h in result.hits])
        return np.asarray(rows, dtype=np.int64), scores

    def doc_freqs(
        self, tokens: Sequence[str], *, boosts: Mapping[str, float] = FIELD_BOOSTS
    ) -> dict[tuple[str, str], int]:
        """How many documents hold each (field, term) a search for `tokens` would query."""
        return self._doc_freqs(self._index.searcher(), [t for t in dict.fromkeys(tokens) if t], boosts)

    def _doc_freqs(
        self, searcher: Any, terms: Sequence[str], boosts: Mapping[str, float]
    ) -> dict[tuple[str, str], int]:
        fields = [name for name in self.fields if boosts.get(name, 0.0) > 0]
        return {(name, term): int(searcher.doc_freq(name, term)) for name in fields for term in terms}

    def rows_with_all(self, tokens: Sequence[str], *, field: str = "body", limit: int = 100_000) -> list[int]:
        """Rows whose `field` holds every one of `tokens` (a conjunctive term query, unscored order)."""
        terms = [t for t in dict.fromkeys(tokens) if t]
        if not terms or field not in self.fields:
            return []
        query_cls, occur = self._tantivy.Query, self._tantivy.Occur
        clauses = [
            (occur.Must, query_cls.term_query(self._schema, field, t, index_option="freq")) for t in terms
        ]
        searcher = self._index.searcher()
        result = searcher.search(query_cls.boolean_query(clauses), limit=limit, count=False)
        if not result.hits:
            return []
        rows = searcher.fast_field_values("row", [h[1] for h in result.hits])
        return np.asarray(rows, dtype=np.int64).tolist()  # type: ignore[no-any-return]
