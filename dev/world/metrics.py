"""World quality measures: vocabulary overlap between prompts and evidence, and the BM25 floor.

Used by ``scripts/world_report.py`` and by the world's own tests.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable
from typing import Any

from dev.world.reader import WorldFiles, normalize_domain
from dev.world.words import words

_TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    words(
        """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just let me more most my no
    nor not now of off on once only or other our ours out over own per same she should so some such than
    that the their theirs them then there these they this those through to too under until up us very
    via was we were what when where which while who whom why will with would you your yours"""
    )
)


def tokenize(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS and len(t) > 1]


def content_tokens(text: str) -> set[str]:
    return {t for t in tokenize(text) if len(t) > 2 and not t.isdigit()}


def ndcg_at_k(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(pos + 2) for pos, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(pos + 2) for pos, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def company_texts(world: WorldFiles) -> dict[str, list[str]]:
    """Normalised domain -> texts of all its snippets (as a naive ranker would see them)."""
    texts: dict[str, list[str]] = {}
    for snippet in world.snippets():
        texts.setdefault(normalize_domain(snippet["company"]["domain"]), []).append(snippet["text"])
    return texts


def _passes(truth: dict[str, Any], prompt: dict[str, Any]) -> bool:
    f = prompt.get("filters")
    if not f:
        return True
    techs = set(truth["current_techs"])
    return (
        (not f["countries"] or truth["country"] in f["countries"])
        and (not f["industries"] or truth["industry"] in f["industries"])
        and (f["employees_min"] is None or truth["employees"] >= f["employees_min"])
        and (f["employees_max"] is None or truth["employees"] <= f["employees_max"])
        and all(t in techs for t in f["technologies"])
        and truth["domain"] not in f["exclude_domains"]
    )


def overlap_report(
    world: WorldFiles,
    texts: dict[str, list[str]],
    *,
    split: str = "test",
    min_grade: int = 2,
    seed: int = 0,
    sample: int = 50,
) -> dict[str, float]:
    """Share of a prompt's content words found in the snippets of relevant, random and vendor companies."""
    vocab = {d: content_tokens(" ".join(t)) for d, t in texts.items()}
    vendors: dict[str, list[str]] = {}
    for truth in world.truth():
        if truth["vendor_of"]:
            vendors.setdefault(truth["vendor_of"], []).append(truth["domain"])
    qrels = world.qrels(split)
    domains = sorted(vocab)
    rng = random.Random(seed)
    sums = {"relevant": 0.0, "random": 0.0, "vendor": 0.0}
    counted = {"relevant": 0, "random": 0, "vendor": 0}
    for prompt in world.prompts(split):
        tokens = content_tokens(prompt["text"])
        if not tokens:
            continue
        groups = {
            "relevant": [d for d, g in qrels.get(prompt["prompt_id"], {}).items() if g >= min_grade],
            "random": rng.sample(domains, min(sample, len(domains))),
            "vendor": vendors.get(prompt["category"], []),
        }
        for name, group in groups.items():
            members = [d for d in group if d in vocab]
            if members:
                share = sum(len(tokens & vocab[d]) / len(tokens) for d in members) / len(members)
                sums[name] += share
                counted[name] += 1
    return {name: round(sums[name] / counted[name], 4) if counted[name] else 0.0 for name in sums}


def bm25_report(
    world: WorldFiles, texts: dict[str, list[str]], *, split: str = "test", k: int = 10
) -> dict[str, float]:
    """NDCG@k of rank-bm25 BM25Okapi over per-company concatenated snippets (API filters applied)."""
    from rank_bm25 import BM25Okapi  # noqa: PLC0415 - optional heavy import

    truths = {t["domain"]: t for t in world.truth()}
    domains = sorted(texts)
    index = BM25Okapi([tokenize(" ".join(texts[d])) for d in domains])
    qrels = world.qrels(split)
    values: list[float] = []
    vendor_hits = 0
    shown = 0
    for prompt in world.prompts(split):
        grades = qrels.get(prompt["prompt_id"], {})
        if not any(g > 0 for g in grades.values()):
            continue
        scores = index.get_scores(tokenize(prompt["text"]))
        order = sorted(range(len(domains)), key=lambda i: (-scores[i], domains[i]))
        ranked: list[str] = []
        for i in order:
            truth = truths.get(domains[i])
            if truth is not None and _passes(truth, prompt):
                ranked.append(domains[i])
                if len(ranked) == k:
                    break
        values.append(ndcg_at_k(ranked, grades, k))
        vendor_hits += sum(1 for d in ranked if truths[d]["vendor_of"] == prompt["category"])
        shown += len(ranked)
    return {
        f"ndcg@{k}": round(sum(values) / len(values), 4) if values else 0.0,
        "prompts": float(len(values)),
        f"vendor_share@{k}": round(vendor_hits / shown, 4) if shown else 0.0,
    }


def mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0
