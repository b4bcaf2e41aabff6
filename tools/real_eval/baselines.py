"""Reference rankings of the same companies: plain BM25 (rank-bm25 over name + description), dense
cosine of the prompt to the company text, and their reciprocal-rank fusion; optionally the fusion
of BM25 with all-MiniLM-L6-v2 cosine (`rrf-minilm`, the transformer the static table is distilled
from). Filters as the API's structured filters (a plain retriever cannot read a NOT-clause, so it
gets none)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi

from app.ranking.embedding import Embedder, OnnxMiniLMEmbedder, l2_normalise
from app.ranking.text import tokenize
from tools.real_eval.data import RealCompany
from tools.real_eval.prompts import SellerPrompt

RRF_K = 60.0


def company_text(company: RealCompany) -> str:
    return f"{company.name}. {company.text}"


@dataclass
class Baselines:
    companies: Sequence[RealCompany]
    bm25: BM25Okapi
    vectors: npt.NDArray[np.float32]  # unit rows, one per company
    embedder: Embedder

    @classmethod
    def build(cls, companies: Sequence[RealCompany], embedder: Embedder) -> Baselines:
        texts = [company_text(c) for c in companies]
        bm25 = BM25Okapi([tokenize(t) or ["_"] for t in texts])
        return cls(companies, bm25, embedder.embed(texts), embedder)

    def _allowed(self, prompt: SellerPrompt) -> npt.NDArray[np.bool_]:
        f = prompt.filters
        return np.array(
            [
                (not f.countries or c.country in f.countries)
                and (f.employees_min is None or (c.employees or 0) >= f.employees_min)
                and (f.employees_max is None or (c.employees is not None and c.employees <= f.employees_max))
                for c in self.companies
            ],
            dtype=bool,
        )

    def _top(self, scores: npt.NDArray[np.float64], prompt: SellerPrompt, k: int) -> list[int]:
        scores = np.where(self._allowed(prompt), scores, -np.inf)
        order = np.lexsort((np.arange(len(scores)), -scores))
        return [int(i) for i in order[:k] if np.isfinite(scores[i])]

    def bm25_rows(self, prompt: SellerPrompt, k: int) -> list[int]:
        scores = np.asarray(self.bm25.get_scores(tokenize(prompt.prompt)), dtype=np.float64)
        return self._top(scores, prompt, k)

    def dense_rows(self, prompt: SellerPrompt, k: int) -> list[int]:
        embed_queries = getattr(self.embedder, "embed_queries", self.embedder.embed)  # asymmetric models
        q = embed_queries([prompt.prompt])[0]
        return self._top((self.vectors @ q).astype(np.float64), prompt, k)

    def rrf_rows(self, prompt: SellerPrompt, k: int, *, depth: int = 1000) -> list[int]:
        return self._fused(prompt, k, self.bm25_rows(prompt, depth), self.dense_rows(prompt, depth))

    def rrf_minilm_rows(
        self, prompt: SellerPrompt, k: int, minilm: MiniLMCosine, *, depth: int = 1000
    ) -> list[int]:
        """RRF of plain BM25 and the MiniLM cosine of the prompt to name + description."""
        dense = self._top(minilm.scores(prompt.prompt), prompt, depth)
        return self._fused(prompt, k, self.bm25_rows(prompt, depth), dense)

    def scored_rows(
        self, prompt: SellerPrompt, k: int, scores: Callable[[str], npt.NDArray[np.float64]]
    ) -> list[int]:
        """The top `k` companies by any per-company score of the prompt (a teacher's), filters applied."""
        return self._top(scores(prompt.prompt), prompt, k)

    def _fused(self, prompt: SellerPrompt, k: int, *rankings: list[int]) -> list[int]:
        fused = np.zeros(len(self.companies), dtype=np.float64)
        for rows in rankings:
            for rank, row in enumerate(rows):
                fused[row] += 1.0 / (RRF_K + rank + 1)
        fused[fused == 0] = -np.inf
        return self._top(fused, prompt, k)

    def domains(self, rows: Sequence[int]) -> list[str]:
        return [self.companies[r].domain for r in rows]


@dataclass
class MiniLMCosine:
    """Cosine of a prompt to each company's name + description with all-MiniLM-L6-v2 (384-d)."""

    model: OnnxMiniLMEmbedder
    vectors: npt.NDArray[np.float32]  # unit rows, one per company

    def scores(self, prompt: str) -> npt.NDArray[np.float64]:
        q = l2_normalise(self.model.embed_raw([prompt]))[0]
        out: npt.NDArray[np.float64] = (self.vectors @ q).astype(np.float64)
        return out
