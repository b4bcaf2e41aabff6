"""One item of a submitted list: a domain, a URL or an e-mail address, reduced to a company domain.

Pure and total: any JSON value gives either a `ListItem` or a `Rejected` with a reason code, so one
bad item never fails the batch.

| reason | when |
|---|---|
| `not_a_string` | the item is not a JSON string |
| `empty` / `too_long` | blank, or longer than 2,048 characters |
| `encoding` | NUL, control characters or lone surrogates |
| `invalid_email` | has an `@` but is not an address with a valid domain |
| `free_mail` | an address (or a domain) of a consumer mail provider: it names no company |
| `invalid_url` | has a scheme or a path but is not an http(s) URL with a valid host |
| `invalid_domain` | anything else that is not a registrable-looking domain |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from app.core.validation import text_problem
from app.ingest.normalize import Invalid, email_domain, is_personal_domain, normalize_domain, normalize_url

MAX_ITEM_CHARS = 2048
ItemKind = Literal["domain", "url", "email"]


@dataclass(frozen=True, slots=True)
class ListItem:
    kind: ItemKind
    domain: str


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str
    message: str


def _free_mail(domain: str, kind: ItemKind) -> Rejected | None:
    if is_personal_domain(domain):
        what = "address" if kind == "email" else "domain"
        return Rejected("free_mail", f"{domain} is a consumer mail provider; the {what} names no company")
    return None


def _shape(raw: object) -> str | Rejected:
    """The trimmed string, or why it is not one worth parsing."""
    if not isinstance(raw, str):
        return Rejected("not_a_string", "each item must be a string: a domain, a URL or an e-mail address")
    problem = text_problem(raw)
    if problem is not None or any(ord(c) < 32 or ord(c) == 127 for c in raw):
        return Rejected("encoding", problem or "control characters are not allowed")
    value = raw.strip()
    if not value:
        return Rejected("empty", "the item is blank")
    if len(value) > MAX_ITEM_CHARS:
        return Rejected("too_long", f"at most {MAX_ITEM_CHARS} characters")
    return value


def parse_item(raw: object) -> ListItem | Rejected:
    value = _shape(raw)
    if isinstance(value, Rejected):
        return value
    kind: ItemKind
    try:
        if "@" in value and "://" not in value:
            kind = "email"
            domain = email_domain(value)
        elif "://" in value or "/" in value:
            kind = "url"
            url = normalize_url(value if "://" in value else "https://" + value)
            domain = normalize_domain(urlsplit(url).hostname or "")
        else:
            kind = "domain"
            domain = normalize_domain(value)
    except Invalid as exc:
        if kind == "url":
            return Rejected("invalid_url", "not an http(s) URL with a valid host")
        return Rejected(exc.reason, exc.detail)
    return _free_mail(domain, kind) or ListItem(kind, domain)
