"""Cold-start category: the NAICS 2-digit sector a company's own text points to (pure).

A company known only by its description has no industry or NAICS code; the sector terms of the
prompt gazetteer (`INDUSTRY_TERMS`, the same words a seller uses to name target industries) are
counted in its text, and the sector with most mentions wins. Terms that are everywhere in company
descriptions or mean something else there ("software", "tech", "powered by", "plant-based",
"store data") do not vote.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from app.ranking.gazetteer import INDUSTRY_TERMS
from app.ranking.text import words

AMBIGUOUS = frozenset(
    [
        "software",
        "saas",
        "tech",
        "technology",
        "internet",
        "media",
        "power",
        "plant",
        "store",
        "distribution",
        "carrier",
        "fleet",
        "builder",
        "provider group",
        "agency",
        "agencies",
        "shop",
        "industrial",
    ]
)


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    out = []
    for term, codes in INDUSTRY_TERMS.items():
        if term in AMBIGUOUS:
            continue
        phrase = r"\s+".join(re.escape(w) for w in words(term.replace("-", " ")))
        out.append((re.compile(rf"\b{phrase}(?:s|es)?\b"), codes))
    return tuple(out)


def infer_sector(text: str) -> str:
    """The NAICS 2-digit sector most mentioned in `text`; "" when none is (ties: first term)."""
    if not text:
        return ""
    lowered = " ".join(words(text.lower().replace("-", " ")))
    votes: Counter[str] = Counter()
    for pattern, codes in _patterns():
        hits = len(pattern.findall(lowered))
        if hits:
            for code in codes:
                votes[code] += hits
    if not votes:
        return ""
    return votes.most_common(1)[0][0]
