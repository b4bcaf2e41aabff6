"""The real-data teacher: a slower, stronger offline scorer of (prompt, company) pairs over the
real pool, which reads no tag and no grade.

score = z(MiniLM cosine of the prompt to the company's name + description)
      + z(MiniLM cosine of the prompt to the description's best-matching sentence)
      + BM25_WEIGHT x z(plain BM25 over name + description),
z-scored over the whole pool per prompt. MiniLM is all-MiniLM-L6-v2 int8 at its full 384
dimensions (transformer, not the served static table; its vectors are cached under .dev/cache/ like
the world teacher's). `mpnet_teacher`: the same with all-mpnet-base-v2 (768-d, 110M parameters)
and no sentence term, the stronger of the two on the real train + validation prompts. Its grades
for a candidate list are the score above the pool's TOP_SHARE quantile relative to the prompt's
best, cut like the world teacher's (GRADE_CUTS).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi

from app.core.config import Settings
from app.ranking.documents import sentences
from app.ranking.embedding import OnnxMiniLMEmbedder, StaticTable, l2_normalise, static_table_path
from app.ranking.text import tokenize
from tools.ranker_dataset import GRADE_CUTS
from tools.ranker_teacher import cached_vectors
from tools.real_eval.data import RealCompany

BM25_WEIGHT = 0.5
TOP_SHARE = 0.95  # scores below the pool's 95th percentile grade 0

FloatArray = npt.NDArray[np.float64]


def company_text(company: RealCompany) -> str:
    return f"{company.name}. {company.text}"


def pool_texts(companies: Sequence[RealCompany]) -> list[str]:
    """Each company's name + description, then each of its sentences: the texts MiniLM embeds
    (also the real part of the static table's distillation corpus, scripts/distill_embeddings.py)."""
    out: list[str] = []
    for c in companies:
        out.append(company_text(c))
        out.extend(sentences(c.text))
    return list(dict.fromkeys(out))


def _z(x: FloatArray) -> FloatArray:
    out: FloatArray = (x - x.mean()) / max(float(x.std()), 1e-9)
    return out


Embed = Callable[[list[str]], npt.NDArray[np.float32]]


@dataclass
class RealTeacher:
    """score = z(cosine to the whole text) + sentence_weight x z(best sentence) + BM25_WEIGHT x z(BM25)."""

    companies: Sequence[RealCompany]
    embed: Embed  # L2-normalised sentence vectors of the teacher's model
    whole: npt.NDArray[np.float32]  # (companies, dim)
    sentence_vecs: npt.NDArray[np.float32]  # (sentences, dim)
    sentence_owner: npt.NDArray[np.int64]
    bm25: BM25Okapi
    sentence_weight: float = 1.0
    model_name: str = "minilm"
    dim: int = 384
    prompt_vecs: dict[str, npt.NDArray[np.float32]] = field(default_factory=dict)

    @classmethod
    def build(cls, companies: Sequence[RealCompany], model: OnnxMiniLMEmbedder) -> RealTeacher:
        """The MiniLM teacher (cached vectors `teacher-minilm-real-pool-*`)."""
        return cls.of(companies, model.embed_raw, model_name="minilm", dim=384)

    @classmethod
    def of(
        cls,
        companies: Sequence[RealCompany],
        embed: Embed,
        *,
        model_name: str,
        dim: int,
        sentence_weight: float = 1.0,
    ) -> RealTeacher:
        texts = pool_texts(companies)
        raw = cached_vectors(embed, texts, "real-pool", model=model_name, dim=dim)
        at = {t: i for i, t in enumerate(texts)}
        whole = raw[[at[company_text(c)] for c in companies]]
        owner, idx = [], []
        for i, c in enumerate(companies):
            for s in sentences(c.text):
                owner.append(i)
                idx.append(at[s])
        bm25 = BM25Okapi([tokenize(company_text(c)) or ["_"] for c in companies])
        owners = np.array(owner, dtype=np.int64)
        return cls(companies, embed, whole, raw[idx], owners, bm25, sentence_weight, model_name, dim)

    def prime(self, prompts: Sequence[str], tag: str) -> None:
        """Embed `prompts` at once, cached under .dev/cache/ like the pool (`teacher-MODEL-TAG-*`), so
        repeated training runs do not re-embed the same prompts (~1 s each with mpnet)."""
        texts = list(dict.fromkeys(prompts))
        raw = cached_vectors(self.embed, texts, tag, model=self.model_name, dim=self.dim)
        self.prompt_vecs.update(zip(texts, raw, strict=True))

    def _query(self, prompt: str) -> npt.NDArray[np.float32]:
        cached = self.prompt_vecs.get(prompt)
        raw = cached[None, :] if cached is not None else self.embed([prompt])
        q: npt.NDArray[np.float32] = l2_normalise(raw)[0]
        return q

    def scores(self, prompt: str) -> FloatArray:
        """One score per company of the pool."""
        q = self._query(prompt)
        whole = (self.whole @ q).astype(np.float64)
        out = _z(whole)
        if self.sentence_weight:
            best = whole.copy()  # a company without a sentence of its own: its whole text
            has = np.zeros(len(whole), dtype=bool)
            sims = (self.sentence_vecs @ q).astype(np.float64)
            top = np.full(len(whole), -np.inf)
            np.maximum.at(top, self.sentence_owner, sims)
            has[self.sentence_owner] = True
            best[has] = top[has]
            out = out + self.sentence_weight * _z(best)
        bm25 = np.asarray(self.bm25.get_scores(tokenize(prompt)), dtype=np.float64)
        return out + BM25_WEIGHT * _z(bm25)


def mpnet_teacher(companies: Sequence[RealCompany]) -> RealTeacher:
    """The all-mpnet-base-v2 teacher (tools/real_eval/mpnet.py; wheels in requirements-eval.txt):
    z(cosine to the whole text) + BM25_WEIGHT x z(BM25), no sentence term (chosen on the real train +
    validation prompts; docs/EVALUATION.md "A larger teacher"). Its pool vectors are cached
    (`teacher-mpnet-real-pool-*`); the first run embeds ~11k texts (~15 min on two idle cores)."""
    from tools.real_eval.mpnet import cached_model  # noqa: PLC0415 - 440 MB of weights

    model = cached_model()
    return RealTeacher.of(companies, model.embed, model_name="mpnet", dim=model.dim, sentence_weight=0.0)


def real_teacher(name: str, settings: Settings, companies: Sequence[RealCompany]) -> RealTeacher:
    """The real-data teacher of `name` ("minilm" or "mpnet") over the pool."""
    if name == "mpnet":
        return mpnet_teacher(companies)
    model = OnnxMiniLMEmbedder(StaticTable.load(static_table_path(settings.model_dir)), threads=2)
    return RealTeacher.build(companies, model)


def graded(scores: FloatArray, pool: FloatArray) -> npt.NDArray[np.int32]:
    """Lambdarank labels 0..len(GRADE_CUTS) for `scores` (a candidate list) against the pool's scores."""
    floor = float(np.quantile(pool, TOP_SHARE))
    top = float(pool.max())
    rel = np.clip((scores - floor) / max(top - floor, 1e-9), 0.0, 1.0)
    return np.digitize(rel, GRADE_CUTS).astype(np.int32)
