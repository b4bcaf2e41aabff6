"""The list-item parser is total (any JSON value gives an item or a reason) and agrees with the
ingestion normaliser on the domain it extracts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.ingest.normalize import PERSONAL_EMAIL_DOMAINS, normalize_domain
from app.lists.items import ListItem, Rejected, parse_item

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)
labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
domains = st.builds(lambda a, b, tld: f"{a}.{b}.{tld}", labels, labels, st.sampled_from(["com", "io", "de"]))


@given(json_values)
def test_any_value_parses_to_an_item_or_a_reason(value: object) -> None:
    result = parse_item(value)
    assert isinstance(result, ListItem | Rejected)
    if isinstance(result, ListItem):
        assert normalize_domain(result.domain) == result.domain
    else:
        assert result.reason
        assert result.message


@given(domains, st.sampled_from(["", "www.", "WWW."]), st.sampled_from(["", "/", "/about?x=1"]))
def test_domain_url_and_address_give_the_same_company(domain: str, www: str, path: str) -> None:
    expected = normalize_domain(domain)
    assert parse_item(www + domain) == ListItem("domain", expected)
    assert parse_item(f"https://{www}{domain}{path}") == ListItem("url", expected)
    assert parse_item(f"jane.doe@{domain}") == ListItem("email", expected)


@given(st.sampled_from(sorted(PERSONAL_EMAIL_DOMAINS)), st.sampled_from(["jane@", "", "https://"]))
def test_free_mail_is_rejected(provider: str, prefix: str) -> None:
    result = parse_item(prefix + provider)
    assert isinstance(result, Rejected)
    assert result.reason == "free_mail"
