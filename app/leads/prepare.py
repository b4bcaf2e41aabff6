"""The prepare stage of a search: the parsed prompt embedded, its named exemplars found.

The parse itself is `app.ranking.prompt.parse_prompt`, refined by the LLM when one is configured
(`app.leads.refine`); the prepared query is what every later stage reads. Pure with respect to I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.leads.schemas import SearchFilters
from app.ranking.columns import LeadStore
from app.ranking.embedding import Embedder, embed_query
from app.ranking.features import Retrieval, compute_features
from app.ranking.prompt import ParsedPrompt

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Prepared:
    parsed: ParsedPrompt
    filters: SearchFilters  # the request's filters (the candidates stage builds the hard filters)
    query_vec: FloatArray
    exemplar_rows: tuple[int, ...]
    exemplar_vecs: FloatArray

    def features(self, store: LeadStore, rows: npt.NDArray[np.int64], retrieval: Retrieval) -> FloatArray:
        """The features of `rows` for this query (app/ranking/features.py)."""
        return compute_features(
            store=store,
            rows=rows,
            parsed=self.parsed,
            query_vec=self.query_vec,
            exemplar_vecs=self.exemplar_vecs,
            exemplar_rows=self.exemplar_rows,
            retrieval=retrieval,
        )


def prepare(
    *, store: LeadStore, embedder: Embedder, parsed: ParsedPrompt, filters: SearchFilters
) -> Prepared:
    # The semantic query drops exemplar names and exclusions: they are handled by their own stages.
    query_text = " ".join(parsed.keywords) or parsed.text
    query_vec = embed_query(embedder, parsed.text + " " + query_text)
    rows = [r for r in (store.find(name) for name in parsed.exemplars) if r is not None]
    ex_vecs = store.doc_vec.get(rows) if rows else np.zeros((0, store.dim), dtype=np.float32)
    return Prepared(parsed, filters, query_vec, tuple(rows), ex_vecs)
