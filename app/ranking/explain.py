"""Plain-words explanations of a ranked lead (pure): what its evidence says, which of the prompt's
words it uses, its firmographics, and the model's main reasons in words, never feature names."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from app.ranking.features import FEATURE_NAMES

PHRASES: dict[str, tuple[str, str]] = {
    # feature -> (when it pushed the lead up, when it pushed it down)
    "bm25": ("its evidence uses the prompt's words", "little of its evidence uses the prompt's words"),
    "bm25_rrf": ("it ranks high on the prompt's keywords", "it ranks low on the prompt's keywords"),
    "ann_rrf": ("its profile is semantically close to the prompt", "its profile is far from the prompt"),
    "cos_doc": ("its profile matches the need described", "its profile does not match the need"),
    "cos_intent": ("recent signals show the need the product serves", "its recent signals show no such need"),
    "cos_self": ("it describes itself in the prompt's terms", "it describes itself in other terms"),
    "intent_minus_self": (
        "it shows the need rather than selling the solution",
        "it looks like a vendor of it",
    ),
    "snippet_match_sum": ("many of its signals match the need", "few of its signals match the need"),
    "snippet_match_max": (
        "one of its signals matches the need closely",
        "none of its signals matches closely",
    ),
    "snippet_match_top3": ("its best signals match the need", "its best signals barely match the need"),
    "snippet_match_seller_share": (
        "its matching signals come from buyers, not sellers",
        "its matching signals read like a seller's",
    ),
    "snippet_match_fit": (
        "its signals show the need and it fits the target",
        "its signals show little need from a company that fits",
    ),
    "snippet_match_max_fit": (
        "a close signal comes from a company that fits",
        "no close signal comes from a company that fits",
    ),
    "sentence_max": (
        "one sentence of its description matches the need",
        "no sentence of its description matches",
    ),
    "sentence_top2": (
        "its description says it in more than one place",
        "its description barely touches the need",
    ),
    "sentence_mean": (
        "its description as a whole matches the need",
        "its description as a whole is elsewhere",
    ),
    "profile_only": ("it is known by its own description", "it has signal evidence beyond its description"),
    "z_cos_doc": ("its profile is among the closest to the need", "its profile is among the furthest"),
    "z_sentence_max": ("one of its sentences is among the closest", "its sentences are among the furthest"),
    "z_bm25": ("it uses the prompt's words more than most", "it uses the prompt's words less than most"),
    "self_match": ("what it says about itself matches the need", "what it says about itself matches less"),
    "fit_product": ("it fits the target industry, size and country", "it fits the target less well"),
    "cos_exemplar": ("it resembles the named example companies", "it differs from the named examples"),
    "exemplar_sector_match": ("it is in the examples' sector", "it is outside the examples' sector"),
    "exemplar_size_ratio_log": ("its size is close to the examples'", "its size is far from the examples'"),
    "industry_match": ("it is in a target industry", "it is outside the target industries"),
    "size_fit": ("its size fits the target", "its size is outside the target"),
    "country_match": ("it is in a target country", "it is outside the target countries"),
    "employees_log": ("its size suits the product", "its size suits the product less"),
    "tech_overlap": ("its tech stack mentions the product's terms", "its tech stack is unrelated"),
    "intent_funding": ("it raised money recently", "it has no recent funding"),
    "intent_hiring": ("it is hiring for related roles", "it is not hiring"),
    "intent_news": ("recent news shows a trigger", "there is little recent news"),
    "intent_tech_add": ("it recently added related technology", "no recent tech adoption"),
    "intent_tech_remove": ("it is replacing part of its stack", "its stack is stable"),
    "intent_voice": ("employees and reviewers describe the pain", "no voices describe the pain"),
    "intent_total": ("it has plenty of fresh evidence", "its evidence is thin or old"),
    "vendor_language": ("it talks like a buyer", "it talks like a seller of this category"),
    "evidence_count_log": ("many sources document it", "few sources document it"),
    "evidence_reputation": ("its sources are reputable", "its sources are less reliable"),
    "evidence_age_days_log": ("its evidence is recent", "its evidence is old"),
    "outcome_rate": ("sellers had good results with it", "past outreach went poorly"),
    "outcome_impressions_log": ("it has a track record with sellers", "it has no track record"),
    "outcome_unsubscribe_rate": ("it rarely unsubscribes", "it unsubscribed before"),
}
KIND_LABELS: dict[str, str] = {
    "profile": "description",
    "job_post": "job post",
    "news": "news",
    "funding": "funding news",
    "tech_stack": "tech stack",
    "social": "social post",
    "review": "review",
    "web": "web page",
}


def top_features(
    names: Sequence[str],
    values: npt.NDArray[np.float32],
    contributions: npt.NDArray[np.float64],
    *,
    limit: int = 5,
) -> list[tuple[str, float, float]]:
    order = np.argsort(-np.abs(contributions))[:limit]
    return [(names[i], float(values[i]), float(contributions[i])) for i in order if contributions[i] != 0]


def _words(ups: Sequence[str], downs: Sequence[str]) -> str:
    text = " and ".join(ups) if ups else "nothing in particular stands out"
    return text + (f", although {downs[0]}" if downs else "")


def model_reasons(top: Sequence[tuple[str, float, float]]) -> str:
    """The model's main reasons as one clause (features without a phrase are left out)."""
    ups = [PHRASES[n][0] for n, _, c in top if c > 0 and n in PHRASES][:2]
    downs = [PHRASES[n][1] for n, _, c in top if c < 0 and n in PHRASES][:1]
    if not ups and not downs:
        return ""
    return _words(ups, downs)


def reasons(
    *,
    name: str,
    evidence: Sequence[tuple[str, str]],
    matched: Sequence[str],
    employees: int | None,
    country: str | None,
    industry: str | None,
    top: Sequence[tuple[str, float, float]],
    probability: float | None,
) -> list[str]:
    """Plain sentences in the seller's terms. `evidence`: (kind, first sentence) of the lead's
    evidence, best first; `matched`: the prompt's words its evidence uses; `probability` only when
    it is calibrated on outcomes."""
    out: list[str] = []
    profile = next((text for kind, text in evidence if kind == "profile"), None)
    if profile:
        out.append(f'{name} describes itself: "{profile}"')
    elif evidence:
        kind, text = evidence[0]
        out.append(f'{name}\'s latest {KIND_LABELS.get(kind, kind)}: "{text}"')
    else:
        out.append(f"{name} has no evidence on file that mentions the need.")
    if matched:
        out.append("Its evidence mentions " + ", ".join(f'"{w}"' for w in matched[:6]) + ".")
    firmographics = [industry or "", f"{employees:,} employees" if employees else "", country or ""]
    facts = "; ".join(f for f in firmographics if f)
    if facts:
        out.append(facts[0].upper() + facts[1:] + ".")
    clause = model_reasons(top)
    if clause:
        out.append(f"Ranked here because {clause}.")
    if probability is not None:
        out.append(f"Estimated {probability:.0%} chance to buy, from past outcomes with similar leads.")
    return out


_IDX = {name: i for i, name in enumerate(FEATURE_NAMES)}


def fit_and_intent(features: npt.NDArray[np.float32]) -> tuple[float, float]:
    """Interpretable sub-scores in [0, 1] of one candidate's features: firmographic fit and current intent."""
    fit = (
        features[_IDX["industry_match"]] + features[_IDX["size_fit"]] + features[_IDX["country_match"]]
    ) / 3.0
    evidence = 1.0 - math.exp(-math.expm1(float(features[_IDX["intent_total"]])))
    similarity = min(1.0, max(0.0, float(features[_IDX["cos_intent"]]) / 0.6))
    return round(float(fit), 4), round(0.5 * evidence + 0.5 * similarity, 4)
