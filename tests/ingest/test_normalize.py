"""Parsers and validators: examples plus hypothesis properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ingest.normalize import (
    Invalid,
    clean_text,
    message_key,
    normalize_domain,
    normalize_url,
    parse_timestamp,
)
from app.ingest.validate import Limits, Rejection, validate_snippet
from tests.ingest.factory import snippet

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)
label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
domain = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(label, min_size=1, max_size=3),
    st.sampled_from(["com", "io", "de", "co"]),
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme.COM", "acme.com"),
        ("www.acme.com.", "acme.com"),
        ("  https://www.Acme.com/about  ", "acme.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("WWW.Bücher.DE.", "xn--bcher-kva.de"),
    ],
)
def test_domain_examples(raw: str, expected: str) -> None:
    assert normalize_domain(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "localhost", "a..com", "-a.com", "acme", "acme .com", "x@acme.com", "acme.c0m"]
)
def test_domain_rejects(raw: str) -> None:
    with pytest.raises(Invalid):
        normalize_domain(raw)


@given(domain, st.sampled_from(["", "www.", "WWW."]), st.sampled_from(["", "."]), st.booleans())
def test_every_spelling_of_a_domain_has_one_message_key(d: str, prefix: str, dot: str, upper: bool) -> None:
    raw = prefix + (d.upper() if upper else d) + dot
    assert message_key(raw) == message_key(d) == normalize_domain(d)


def test_message_key_of_an_invalid_domain_is_the_raw_value() -> None:
    assert message_key("not a domain") == "not a domain"


@given(domain, st.sampled_from(["", "www.", "WWW."]), st.sampled_from(["", "."]), st.booleans())
def test_domain_normalisation_is_idempotent_and_canonical(d: str, prefix: str, dot: str, upper: bool) -> None:
    raw = prefix + (d.upper() if upper else d) + dot
    out = normalize_domain(raw)
    assert out == normalize_domain(out)
    assert out == out.lower()
    assert not out.startswith("www.")
    assert not out.endswith(".")


@given(st.text(max_size=60))
def test_domain_never_crashes(raw: str) -> None:
    try:
        out = normalize_domain(raw)
    except Invalid as exc:
        assert exc.reason == "invalid_domain"  # noqa: PT017 - property test: either outcome is fine
    else:
        assert out.isascii()
        assert len(out) <= 253


@given(st.text(max_size=80))
def test_url_never_crashes(raw: str) -> None:
    try:
        out = normalize_url(raw)
    except Invalid as exc:
        assert exc.reason == "invalid_url"  # noqa: PT017 - property test: either outcome is fine
    else:
        assert out.startswith(("http://", "https://"))


@given(st.datetimes(min_value=datetime(1990, 1, 2), max_value=datetime(2026, 11, 20), timezones=st.just(UTC)))
def test_timestamp_round_trip(value: datetime) -> None:
    value = value.replace(microsecond=0)
    assert parse_timestamp(value.strftime("%Y-%m-%dT%H:%M:%SZ"), now=NOW, future_skew=SKEW) == value
    shifted = value.astimezone(datetime.now().astimezone().tzinfo).isoformat()
    assert parse_timestamp(shifted, now=NOW, future_skew=SKEW) == value


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2026-11-21", "invalid_timestamp"),
        ("2026-11-21T10:00:00", "invalid_timestamp"),  # no offset
        ("2026-02-30T10:00:00Z", "invalid_timestamp"),
        ("2026-11-21T12:10:00Z", "future_timestamp"),
        ("1970-01-01T00:00:00Z", "invalid_timestamp"),
    ],
)
def test_timestamp_rejects(raw: str, reason: str) -> None:
    with pytest.raises(Invalid) as info:
        parse_timestamp(raw, now=NOW, future_skew=SKEW)
    assert info.value.reason == reason


def test_small_future_skew_is_allowed() -> None:
    assert parse_timestamp("2026-11-21T12:04:00Z", now=NOW, future_skew=SKEW) > NOW


def test_html_is_stripped() -> None:
    raw = "<div><script>alert(1)</script><p>Acme&nbsp;raised <b>$5M</b></p><style>p{}</style></div>"
    assert clean_text(raw, max_chars=100) == "Acme raised $5M"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("<p> </p>", "empty"),
        ("Ã©tÃ© bad", "encoding"),
        ("abc\ufffd", "encoding"),
        ("1234 5678 %%%% ####", "not_prose"),
    ],
)
def test_text_rejects(raw: str, reason: str) -> None:
    with pytest.raises(Invalid) as info:
        clean_text(raw, max_chars=100)
    assert info.value.reason == reason


@given(st.text(max_size=300))
def test_clean_text_never_crashes_and_is_bounded(raw: str) -> None:
    try:
        out = clean_text(raw, max_chars=200)
    except Invalid:
        return
    assert 0 < len(out) <= 200
    assert out == out.strip()
    assert "  " not in out


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)


@given(
    st.dictionaries(
        st.sampled_from(
            ["miner_id", "company", "kind", "text", "source_url", "observed_at", "contact", "snippet_id"]
        ),
        JSONISH,
    )
)
def test_validate_snippet_never_crashes(raw: dict[str, object]) -> None:
    out = validate_snippet(raw, now=NOW, limits=Limits())
    assert isinstance(out, Rejection) or out.miner_id


def test_personal_email_drops_the_contact_not_the_snippet() -> None:
    raw = snippet(contact={"name": "Jo Doe", "title": "CFO", "email": "jo.doe@gmail.com"})
    out = validate_snippet(raw, now=datetime.now(UTC), limits=Limits())
    assert not isinstance(out, Rejection)
    assert out.contact is None
    assert out.contact_dropped == "personal_email"


def test_business_email_keeps_the_contact_and_gives_a_missing_domain() -> None:
    raw = snippet(
        company={"name": "Acme"}, contact={"name": "Jo Doe", "title": "CFO", "email": "Jo.Doe@Acme.com"}
    )
    out = validate_snippet(raw, now=datetime.now(UTC), limits=Limits())
    assert not isinstance(out, Rejection)
    assert out.domain == "acme.com"
    assert out.domain_from_email
    assert out.contact is not None
    assert out.contact.email == "jo.doe@acme.com"


def test_consumer_personal_data_in_a_contact_is_dropped() -> None:
    raw = snippet(contact={"name": "Jo Doe, born 1980, +1 555 123 4567", "title": "", "email": None})
    out = validate_snippet(raw, now=datetime.now(UTC), limits=Limits())
    assert not isinstance(out, Rejection)
    assert out.contact_dropped == "personal_data"


def test_default_snippet_id_is_stable() -> None:
    raw = snippet()
    a = validate_snippet(raw, now=datetime.now(UTC), limits=Limits())
    b = validate_snippet(dict(raw), now=datetime.now(UTC), limits=Limits())
    assert not isinstance(a, Rejection)
    assert not isinstance(b, Rejection)
    assert a.snippet_id == b.snippet_id
    assert len(a.snippet_id) == 40


def test_huge_text_is_rejected() -> None:
    out = validate_snippet(snippet(text="word " * 5000), now=datetime.now(UTC), limits=Limits())
    assert isinstance(out, Rejection)
    assert (out.field, out.reason) == ("text", "too_long")
