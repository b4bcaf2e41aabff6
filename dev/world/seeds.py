"""Real public companies from ``pytickersymbols`` used as seeds (name, domain, industry, country, size).

Only public firmographic facts are used. Needs, evidence and outcomes attached to them in the world are
synthetic, and no contacts are ever generated for them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from dev.world.geo import city_from_text, country_from_text
from dev.world.industries import code_for_seed

_YEAR = re.compile(r"(1[6-9]\d\d|20[0-2]\d)")
_NUMBER = re.compile(r"\d[\d,.]*")


@dataclass(frozen=True)
class SeedCompany:
    name: str
    domain: str
    naics: str
    country: str
    city: str | None
    employees: int | None
    founded: int | None
    products: str | None


def _domain(website: object) -> str | None:
    if not isinstance(website, str) or not website:
        return None
    host = website.strip().lower()
    host = re.sub(r"^[a-z]+://", "", host).split("/")[0].split("?")[0].strip(". ")
    host = host.removeprefix("www.").removeprefix("www2.")
    if "." not in host or " " in host or not re.fullmatch(r"[a-z0-9.-]+", host):
        return None
    return host


def _employees(raw: object) -> int | None:
    if not raw:
        return None
    match = _NUMBER.search(str(raw))
    if not match:
        return None
    digits = match.group(0).replace(",", "").split(".")[0]
    value = int(digits) if digits.isdigit() else 0
    return value if 10 <= value <= 3_000_000 else None


def _founded(raw: object) -> int | None:
    match = _YEAR.search(str(raw or ""))
    return int(match.group(1)) if match else None


def _clean_products(raw: object) -> str | None:
    if not isinstance(raw, str) or raw.lower().startswith("list of"):
        return None
    cleaned = " ".join(raw.split())
    return cleaned[:160] if len(cleaned) >= 8 else None


@functools.cache
def load_seed_companies() -> tuple[SeedCompany, ...]:
    """Unique real companies with a usable website and country, sorted by domain."""
    from pytickersymbols import PyTickerSymbols  # noqa: PLC0415 - large data module, load on demand

    by_domain: dict[str, SeedCompany] = {}
    for stock in PyTickerSymbols().get_all_stocks():
        meta = stock.get("metadata") or {}
        domain = _domain(meta.get("website"))
        country = country_from_text(stock.get("country")) or country_from_text(meta.get("headquarters"))
        if domain is None or country is None or domain in by_domain:
            continue
        by_domain[domain] = SeedCompany(
            name=str(stock["name"]).strip(),
            domain=domain,
            naics=code_for_seed([str(i) for i in stock.get("industries") or []]),
            country=country,
            city=city_from_text(meta.get("headquarters")) or city_from_text(stock.get("country")),
            employees=_employees(meta.get("employees")),
            founded=_founded(meta.get("founded")),
            products=_clean_products(meta.get("products")),
        )
    return tuple(by_domain[d] for d in sorted(by_domain))
