"""Evidence signals of one company from its snippets (pure): intent counts with recency decay,
seller language (is it a vendor?), evidence strength and source reputation."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

HALF_LIFE_DAYS = 120.0
# How much a snippet of each kind says about a need right now (profile text describes, not intends).
KIND_WEIGHT: dict[str, float] = {
    "job_post": 1.0,
    "news": 0.9,
    "funding": 0.8,
    "tech_stack": 0.9,
    "social": 0.7,
    "review": 0.7,
    "web": 0.6,
    "profile": 0.2,
}
SIGNAL_KINDS = ("funding", "job_post", "news", "tech_stack", "social", "review", "web")
_SELLER = re.compile(
    r"\b(?:we (?:help|sell|build|make)|our (?:platform|product|solution)s?\b|customer stor(?:y|ies)|"
    r"leading provider of (?!innovative)|helps (?:\w+ ){0,3}(?:teams|companies|customers|businesses|firms|"
    r"organi[sz]ations)|partners with|(?:users|customers|clients) (?:cut|save|reduce|report)|release:|"
    r"announces? general availability|free trial)\b",
    re.IGNORECASE,
)
_REMOVAL = re.compile(
    r"\b(?:dropp|remov|replac|retir|sunset|migrat\w* (?:off|away)|moving off|cancel|churn|"
    r"switch\w* from|alternatives? to|evaluat)",
    re.IGNORECASE,
)
_ADDITION = re.compile(
    r"\b(?:adopt|add|deploy|roll(?:ed|s|ing)? out|implement|selected|chose|standardi[sz]|"
    r"migrat\w* to|moving to|now (?:on|using|runs))",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SnippetView:
    """What the ranker needs of one snippet."""

    kind: str
    text: str
    observed_at: datetime
    reputation: float


def recency(observed_at: datetime, now: datetime, *, half_life_days: float = HALF_LIFE_DAYS) -> float:
    age = max(0.0, (now - observed_at).total_seconds() / 86400.0)
    return float(0.5 ** (age / half_life_days))


def snippet_weight(s: SnippetView, now: datetime) -> float:
    """Weight of a snippet as evidence of current intent: kind x recency x source reputation."""
    return KIND_WEIGHT.get(s.kind, 0.5) * recency(s.observed_at, now) * (0.25 + 0.75 * s.reputation)


# Present-tense product claims right after the company's name ("Acme schedules engineers
# automatically", "Acme dash cams reduce crashes") mark a seller; buyers' evidence reads
# "Acme is hiring", "Acme seeks", "Acme plans", "Acme confirms".
_CLAIM_VERBS = frozenset(
    [
        "sells",
        "cuts",
        "reduces",
        "reduce",
        "cut",
        "schedules",
        "shows",
        "helps",
        "help",
        "stops",
        "automates",
        "automate",
        "moves",
        "converts",
        "lets",
        "gives",
        "tracks",
        "track",
        "makes",
        "turns",
        "keeps",
        "finds",
        "find",
        "saves",
        "save",
        "replaces",
        "replace",
        "connects",
        "connect",
        "manages",
        "manage",
        "simplifies",
        "simplify",
        "protects",
        "protect",
        "detects",
        "detect",
        "monitors",
        "monitor",
        "powers",
        "power",
        "delivers",
        "deliver",
        "provides",
        "provide",
        "enables",
        "enable",
        "streamlines",
        "streamline",
        "eliminates",
        "eliminate",
        "prevents",
        "prevent",
        "predicts",
        "predict",
        "routes",
        "route",
        "digitises",
        "digitizes",
        "unifies",
        "unify",
    ]
)
_PRODUCT_PROOF = re.compile(
    r"\b(?:sells\b.*\bto (?:businesses|companies|enterprises)|review of \w.*: "
    r"(?:easy|great|solid|good)|now (?:on|in|at|used by) \d[\d,.]*k?\s+\w+|(?:used|trusted) by \d[\d,.]*k?\s+"
    r"(?:\w+\s+)?(?:firms|companies|businesses|customers|teams|sites|clinics|restaurants|fleets))",
    re.IGNORECASE,
)


# Every alternative of _SELLER / _PRODUCT_PROOF contains one of these (lowercase) literals: an ASCII text
# without any cannot match, and the substring tests cost far less than the regexes (~33 us per snippet
# on the bench world, most of the index refresh's feature time).
_SELLER_HINTS = (
    "we ",
    "our ",
    "customer stor",
    "leading provider of ",
    "helps ",
    "partners with",
    "users ",
    "customers ",
    "clients ",
    "release:",
    "general availability",
    "free trial",
)
_PROOF_HINTS = ("sells", "review of ", "now ", "used by ", "trusted by ")


def _vendor_phrases(text: str) -> bool:
    """`_SELLER.search(text) or _PRODUCT_PROOF.search(text)`, skipping the regexes when an ASCII text has
    none of their literals (for ASCII, lower() is exactly what IGNORECASE compares)."""
    if text.isascii():
        low = text.lower()
        seller = any(h in low for h in _SELLER_HINTS)
        proof = any(h in low for h in _PROOF_HINTS)
        return bool((seller and _SELLER.search(text)) or (proof and _PRODUCT_PROOF.search(text)))
    return bool(_SELLER.search(text) or _PRODUCT_PROOF.search(text))


def seller_language(text: str, name: str | None = None) -> float:
    """1.0 when the text reads like a vendor talking about its product, else 0.0."""
    if _vendor_phrases(text):
        return 1.0
    if name:
        rest = text.strip()
        if rest.lower().startswith(name.lower()):
            words = [w.lower().strip(",.:;") for w in rest[len(name) :].split()[:3]]
            # "Acme schedules ..." (a singular claim first) or "Acme dash cams reduce ..." (after a noun)
            if words and words[0].endswith("s") and words[0] in _CLAIM_VERBS:
                return 1.0
            if any(w in _CLAIM_VERBS and not w.endswith("s") for w in words[1:]):
                return 1.0
    return 0.0


# Names of the per-company evidence features, in the order `evidence_features` returns them.
EVIDENCE_FEATURES = (
    "intent_funding",
    "intent_hiring",
    "intent_news",
    "intent_tech_add",
    "intent_tech_remove",
    "intent_voice",
    "intent_total",
    "vendor_language",
    "evidence_count_log",
    "evidence_reputation",
    "evidence_age_days_log",
)


def evidence_features(
    snippets: Sequence[SnippetView], now: datetime, *, name: str | None = None
) -> list[float]:
    """Company-level evidence features (see EVIDENCE_FEATURES); all zeros for a company without evidence."""
    if not snippets:
        return [0.0] * len(EVIDENCE_FEATURES)
    funding = hiring = news = add = remove = voice = total = 0.0
    seller = 0.0
    reps = 0.0
    newest = min((now - s.observed_at).total_seconds() / 86400.0 for s in snippets)
    for s in snippets:
        w = snippet_weight(s, now)
        total += w
        reps += s.reputation
        seller += seller_language(s.text, name) * (0.25 + 0.75 * s.reputation)
        if s.kind == "funding":
            funding += w
        elif s.kind == "job_post":
            hiring += w
        elif s.kind == "news":
            news += w
        elif s.kind == "tech_stack":
            if _REMOVAL.search(s.text):
                remove += w
            elif _ADDITION.search(s.text):
                add += w
        elif s.kind in ("social", "review"):
            voice += w
    n = len(snippets)
    return [
        math.log1p(funding),
        math.log1p(hiring),
        math.log1p(news),
        math.log1p(add),
        math.log1p(remove),
        math.log1p(voice),
        math.log1p(total),
        seller / n,
        math.log1p(n),
        reps / n,
        math.log1p(max(0.0, newest)),
    ]
