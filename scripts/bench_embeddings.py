"""Embedding model candidates: size, load time, per-query latency, throughput and retrieval quality.

    python -m scripts.bench_embeddings [--size tiny] [--passages 400]

Quality: snippet-level retrieval on the world's test prompts (a company scores the sum over its
signal snippets of max(0, cos - tau) x recency, centred vectors; NDCG@10 against the qrels), the
way both the student's snippet features and the teacher use the vectors. MiniLM's snippet vectors
come from the teacher cache (tools/ranker_teacher.py) when present, else they are computed
(~5 minutes for the tiny world on this machine).
Not benchmarked: `tokenlearn-static-model` (no licence in its package metadata, so not usable).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from app.core.config import get_settings
from app.ranking.embedding import (
    OnnxMiniLMEmbedder,
    StaticEmbedder,
    StaticTable,
    onnx_model_path,
    static_table_path,
)
from tools.ranker_eval import grades_for, ndcg_at
from tools.ranker_teacher import teacher_for
from tools.ranker_world import WORLD_NOW, build_offline_index, company_records, generate_world


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="tiny")
    parser.add_argument("--passages", type=int, default=400)
    args = parser.parse_args()
    settings = get_settings()
    path = static_table_path(settings.model_dir)
    t = time.perf_counter()
    table = StaticTable.load(path)
    static = StaticEmbedder(table)
    static_load = time.perf_counter() - t
    t = time.perf_counter()
    minilm = OnnxMiniLMEmbedder(table, threads=1)
    minilm_load = time.perf_counter() - t
    world = generate_world(args.size, traffic=False)
    passages = [s["text"] for s in world.snippets[: args.passages]]
    query = "FinOps platform that gives engineering and finance one shared view of cloud spend"
    rows = []
    for name, model, size_mb, load in (
        ("static (distilled, ours)", static, path.stat().st_size / 1e6, static_load),
        ("MiniLM-L6 int8 ONNX", minilm, onnx_model_path().stat().st_size / 1e6, minilm_load),
    ):
        per_query = timed(lambda m=model: m.embed([query]), 200 if model is static else 50)
        started = time.perf_counter()
        model.embed(passages)
        throughput = len(passages) / (time.perf_counter() - started)
        rows.append((name, size_mb, load, per_query, throughput))
    index = build_offline_index(company_records(world), static, now=WORLD_NOW)
    teacher = teacher_for(index, now=WORLD_NOW, settings=settings, tag=f"{args.size}-7")
    owner = teacher.data.owner
    weight = teacher.data.weight
    texts = [s.text for row in range(index.store.size) for s in index.snippets_of(row)]
    static_vecs = static.embed(texts)
    quality = {}
    for name, vecs, embed, tau in (
        ("static (distilled, ours)", static_vecs, lambda q: static.embed([q])[0], 0.1),
        ("MiniLM-L6 int8 ONNX", teacher.data.vectors, teacher.prompt_vector, 0.2),
    ):
        scores = []
        for prompt in world.prompts_in("test"):
            grades = grades_for(index, world.qrels.get(prompt["prompt_id"], {}))
            if not grades:
                continue
            sims = vecs @ embed(prompt["text"])
            company = np.zeros(index.store.size)
            np.add.at(company, owner, np.maximum(sims - tau, 0) * weight)
            scores.append(ndcg_at(list(np.argsort(-company)), grades, 10))
        quality[name] = float(np.mean(scores))
    print(f"{'model':<26} {'size MB':>8} {'load s':>7} {'ms/query':>9} {'passages/s':>11} {'NDCG@10':>8}")
    for name, size_mb, load, per_query, throughput in rows:
        print(
            f"{name:<26} {size_mb:>8.1f} {load:>7.2f} {per_query * 1e3:>9.3f} {throughput:>11.0f} "
            f"{quality[name]:>8.4f}"
        )


if __name__ == "__main__":
    main()
