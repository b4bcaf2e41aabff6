"""Validation of the two contracts (docs/INGESTION.md): a raw JSON value in, a clean record or the
first rejection (field + reason) out. Pure: the clock and the limits are arguments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from app.catalog.tables import OUTCOME_TYPES, SNIPPET_KINDS
from app.core.validation import first_unstorable
from app.ingest.dedup import content_hash, default_snippet_id
from app.ingest.normalize import (
    Invalid,
    clean_field,
    clean_text,
    email_domain,
    is_personal_domain,
    looks_like_personal_data,
    normalize_domain,
    normalize_url,
    parse_timestamp,
)


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_chars: int = 20_000
    future_skew: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Rejection:
    field: str
    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CleanContact:
    name: str
    title: str
    email: str | None
    linkedin_url: str | None


@dataclass(frozen=True, slots=True)
class CleanSnippet:
    snippet_id: str
    miner_id: str
    domain: str
    company_name: str
    industry: str | None
    employees: int | None
    country: str | None
    description: str
    contact: CleanContact | None
    kind: str
    text: str
    source_url: str
    observed_at: datetime
    content_hash: bytes
    # Why a contact was dropped (counted in contacts_dropped_total), if it was.
    contact_dropped: str | None = None
    domain_from_email: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class CleanOutcome:
    event_id: str
    request_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    domain: str | None
    type: str
    occurred_at: datetime
    position: int | None


def _str(obj: dict[str, Any], key: str, *, where: str, required: bool, max_len: int) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _Reject(f"{where}{key}", "missing")
        return None
    if not isinstance(value, str):
        raise _Reject(f"{where}{key}", "wrong_type", "expected a string")
    if len(value) > max_len:
        raise _Reject(f"{where}{key}", "too_long", f"at most {max_len} characters")
    return value


class _Reject(Exception):
    def __init__(self, field_name: str, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.rejection = Rejection(field=field_name, reason=reason, detail=detail or reason)


def _check(field_name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except Invalid as exc:
        raise _Reject(field_name, exc.reason, exc.detail) from exc


def _company(raw: Any, contact: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _Reject("company", "wrong_type", "expected an object")
    domain_raw = _str(raw, "domain", where="company.", required=False, max_len=500)
    from_email = False
    if not domain_raw or not domain_raw.strip():
        # The contract requires a domain; derive it from a business e-mail when there is one.
        email = contact.get("email") if contact else None
        if isinstance(email, str) and email.strip():
            try:
                derived = email_domain(email)
            except Invalid:
                derived = ""
            if derived and not is_personal_domain(derived):
                domain_raw, from_email = derived, True
        if not domain_raw:
            raise _Reject("company.domain", "missing", "company.domain is required")
    domain = _check("company.domain", normalize_domain, domain_raw)
    name = _str(raw, "name", where="company.", required=False, max_len=1000) or ""
    industry = _str(raw, "industry", where="company.", required=False, max_len=1000)
    description = _str(raw, "description", where="company.", required=False, max_len=20_000) or ""
    country = _str(raw, "country", where="company.", required=False, max_len=10)
    employees = raw.get("employees")
    if employees is not None and (
        isinstance(employees, bool) or not isinstance(employees, int) or not 0 <= employees <= 10_000_000
    ):
        raise _Reject("company.employees", "wrong_type", "expected an integer between 0 and 10,000,000")
    if country:
        country = country.strip().upper()
        if len(country) != 2 or not country.isalpha() or not country.isascii():
            raise _Reject("company.country", "invalid_country", "expected ISO 3166 alpha-2")
    return {
        "domain": domain,
        "name": clean_field(name, max_chars=300),
        "industry": clean_field(industry, max_chars=200) or None if industry else None,
        "employees": employees or None,
        "country": country or None,
        "description": clean_field(description, max_chars=5000),
    }, from_email


def _contact(raw: Any, *, domain: str) -> tuple[CleanContact | None, str | None]:  # noqa: PLR0911
    """A B2B contact, or None with the reason it was dropped (never a rejection of the snippet)."""
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        return None, "malformed"
    fields = {k: raw.get(k) for k in ("name", "title", "email", "linkedin_url")}
    if any(v is not None and not isinstance(v, str) for v in fields.values()):
        return None, "malformed"
    name = clean_field(fields["name"] or "", max_chars=200)
    title = clean_field(fields["title"] or "", max_chars=200)
    email = (fields["email"] or "").strip().lower() or None
    linkedin = (fields["linkedin_url"] or "").strip() or None
    if email is not None:
        try:
            mail_domain = email_domain(email)
        except Invalid:
            return None, "invalid_email"
        if is_personal_domain(mail_domain):
            return None, "personal_email"
        if mail_domain != domain and not mail_domain.endswith("." + domain):
            return None, "email_domain_mismatch"
    if looks_like_personal_data(f"{name} {title}"):
        return None, "personal_data"
    if linkedin is not None:
        try:
            url = normalize_url(linkedin)
        except Invalid:
            url = ""
        linkedin = url if "linkedin.com/" in url else None
    if not name and email is None:
        return None, "empty"
    return CleanContact(name=name, title=title, email=email, linkedin_url=linkedin), None


def validate_snippet(raw: Any, *, now: datetime, limits: Limits) -> CleanSnippet | Rejection:
    try:
        return _validate_snippet(raw, now=now, limits=limits)
    except _Reject as exc:
        return exc.rejection


def _storable(raw: Any) -> None:
    """Every string of the item (the raw item is also what is published to Kafka) must be storable.
    Fast path: orjson refuses lone surrogates and writes NUL as the escape `\\u0000`, so an item it
    encodes without that sequence is storable (a text holding a literal backslash-u0000 only takes
    the slow path, which names the field)."""
    try:
        if b"\\u0000" not in orjson.dumps(raw):
            return
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate, a non-string key, a huge integer
        pass
    bad = first_unstorable(raw)
    if bad is not None:
        raise _Reject(bad[:200], "invalid_text", "text must not contain NUL or lone surrogates")


def _validate_snippet(raw: Any, *, now: datetime, limits: Limits) -> CleanSnippet:
    if not isinstance(raw, dict):
        raise _Reject("", "not_object", "each snippet must be a JSON object")
    _storable(raw)
    miner_id = _str(raw, "miner_id", where="", required=True, max_len=64)
    assert miner_id is not None
    miner_id = miner_id.strip()
    if not miner_id or not miner_id.isprintable():
        raise _Reject("miner_id", "invalid", "miner_id must be 1..64 printable characters")
    kind = _str(raw, "kind", where="", required=True, max_len=32)
    if kind not in SNIPPET_KINDS:
        raise _Reject("kind", "invalid_kind", f"kind must be one of {', '.join(SNIPPET_KINDS)}")
    text_raw = _str(raw, "text", where="", required=True, max_len=limits.max_text_chars * 4)
    assert text_raw is not None
    if len(text_raw) > limits.max_text_chars:
        raise _Reject("text", "too_long", f"text longer than {limits.max_text_chars} characters")
    text = _check("text", clean_text, text_raw, max_chars=limits.max_text_chars)
    url_raw = _str(raw, "source_url", where="", required=True, max_len=4096)
    assert url_raw is not None
    source_url = _check("source_url", normalize_url, url_raw)
    observed_raw = _str(raw, "observed_at", where="", required=True, max_len=64)
    assert observed_raw is not None
    observed_at = _check(
        "observed_at", parse_timestamp, observed_raw, now=now, future_skew=limits.future_skew
    )
    contact_raw = raw.get("contact")
    company, from_email = _company(raw.get("company"), contact_raw if isinstance(contact_raw, dict) else None)
    contact, dropped = _contact(contact_raw, domain=company["domain"])
    snippet_id = _str(raw, "snippet_id", where="", required=False, max_len=128)
    if snippet_id is not None:
        snippet_id = snippet_id.strip()
        if not snippet_id or not snippet_id.isprintable():
            raise _Reject("snippet_id", "invalid", "snippet_id must be 1..128 printable characters")
    else:
        snippet_id = default_snippet_id(miner_id=miner_id, source_url=url_raw, text=text_raw)
    return CleanSnippet(
        snippet_id=snippet_id,
        miner_id=miner_id,
        domain=company["domain"],
        company_name=company["name"],
        industry=company["industry"],
        employees=company["employees"],
        country=company["country"],
        description=company["description"],
        contact=contact,
        kind=kind,
        text=text,
        source_url=source_url,
        observed_at=observed_at,
        content_hash=content_hash(domain=company["domain"], text=text),
        contact_dropped=dropped,
        domain_from_email=from_email,
    )


def validate_outcome(raw: Any, *, now: datetime, limits: Limits) -> CleanOutcome | Rejection:
    try:
        return _validate_outcome(raw, now=now, limits=limits)
    except _Reject as exc:
        return exc.rejection


def _uuid(raw: dict[str, Any], key: str) -> uuid.UUID | None:
    value = _str(raw, key, where="", required=False, max_len=64)
    if value is None or not value.strip():
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError as exc:
        raise _Reject(key, "invalid", f"{key} must be a UUID") from exc


def _validate_outcome(raw: Any, *, now: datetime, limits: Limits) -> CleanOutcome:
    if not isinstance(raw, dict):
        raise _Reject("", "not_object", "each outcome must be a JSON object")
    _storable(raw)
    event_id = (_str(raw, "event_id", where="", required=True, max_len=128) or "").strip()
    if not event_id or not event_id.isprintable():
        raise _Reject("event_id", "invalid", "event_id must be 1..128 printable characters")
    kind = _str(raw, "type", where="", required=True, max_len=32)
    if kind not in OUTCOME_TYPES:
        raise _Reject("type", "invalid_type", f"type must be one of {', '.join(OUTCOME_TYPES)}")
    occurred_raw = _str(raw, "occurred_at", where="", required=True, max_len=64)
    assert occurred_raw is not None
    occurred_at = _check(
        "occurred_at", parse_timestamp, occurred_raw, now=now, future_skew=limits.future_skew
    )
    request_id = _uuid(raw, "request_id")
    lead_id = _uuid(raw, "lead_id")
    domain_raw = _str(raw, "domain", where="", required=False, max_len=500)
    domain = _check("domain", normalize_domain, domain_raw) if domain_raw else None
    if lead_id is None and domain is None:
        raise _Reject("lead_id", "missing", "one of lead_id or domain is required")
    position = raw.get("position")
    if position is not None and (
        isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 10_000
    ):
        raise _Reject("position", "wrong_type", "position must be an integer between 0 and 10000")
    return CleanOutcome(
        event_id=event_id,
        request_id=request_id,
        lead_id=lead_id,
        domain=domain,
        type=kind,
        occurred_at=occurred_at,
        position=position,
    )
