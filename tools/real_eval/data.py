"""The real company file (a CSV of directory entries) as typed records.

Columns used: company_id, company_name, short_description, long_description, tags (a Python-style
list literal), country (ISO alpha-2), team_size, website. Other columns are ignored.
"""

from __future__ import annotations

import ast
import csv
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_ENV = "REAL_EVAL_DATA"
DEFAULT_FILE = "yc-companies-2023-even.csv"
_HOST = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$")


@dataclass(frozen=True, slots=True)
class RealCompany:
    company_id: str
    name: str
    text: str  # what the company says about itself: short + long description
    tags: frozenset[str]
    country: str | None
    employees: int | None
    domain: str


def default_data_path() -> Path:
    """`$REAL_EVAL_DATA` when set, else `shared/data/` beside the repository clone (or beside one of
    its parent folders, for a git worktree kept under a subfolder)."""
    override = os.environ.get(DATA_ENV, "").strip()
    if override:
        return Path(override)
    candidates = [folder / "shared" / "data" / DEFAULT_FILE for folder in REPO_ROOT.parents]
    return next((c for c in candidates if c.is_file()), candidates[0])


def _tags(raw: str) -> frozenset[str]:
    raw = raw.strip()
    if not raw:
        return frozenset()
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return frozenset(t.strip() for t in raw.split(",") if t.strip())
    if isinstance(value, (list, tuple, set)):
        return frozenset(str(t).strip() for t in value if str(t).strip())
    return frozenset()


def domain_of(website: str, company_id: str) -> str:
    """The lower-case host of the website without `www.`; a stand-in host when there is none."""
    text = website.strip()
    if text and "://" not in text:
        text = "https://" + text
    host = (urlsplit(text).hostname or "").lower().removeprefix("www.").rstrip(".")
    return host if _HOST.match(host) else f"company-{company_id}.example.com"


def _employees(raw: str) -> int | None:
    digits = raw.strip().replace(",", "")
    if not digits.isdigit():
        return None
    value = int(digits)
    return value if value > 0 else None


def _text(short: str, long: str) -> str:
    short, long = " ".join(short.split()), " ".join(long.split())
    if not long:
        return short
    if not short or long.startswith(short):
        return long
    return f"{short.rstrip('.')}. {long}"


def parse_rows(rows: Iterable[dict[str, str]]) -> list[RealCompany]:
    """Records with a name and a description, one per domain (the first one wins)."""
    out: list[RealCompany] = []
    seen: set[str] = set()
    for row in rows:
        cid = (row.get("company_id") or "").strip()
        name = " ".join((row.get("company_name") or "").split())
        text = _text(row.get("short_description") or "", row.get("long_description") or "")
        if not cid or not name or not text:
            continue
        domain = domain_of(row.get("website") or "", cid)
        if domain in seen:
            continue
        seen.add(domain)
        country = (row.get("country") or "").strip().upper()
        out.append(
            RealCompany(
                company_id=cid,
                name=name,
                text=text,
                tags=_tags(row.get("tags") or ""),
                country=country if len(country) == 2 and country.isalpha() else None,
                employees=_employees(row.get("team_size") or ""),
                domain=domain,
            )
        )
    return out


def load_companies(path: Path, *, limit: int | None = None) -> list[RealCompany]:
    with path.open(newline="", encoding="utf-8") as fh:
        companies = parse_rows(csv.DictReader(fh))
    return companies[:limit] if limit is not None else companies
