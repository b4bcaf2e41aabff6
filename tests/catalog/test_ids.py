"""Lead ids: stable per normalised domain, the same in every environment."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from app.catalog.ids import LEAD_NAMESPACE, lead_id_for_domain


def test_known_id_is_stable() -> None:
    assert lead_id_for_domain("acme.com") == uuid.uuid5(LEAD_NAMESPACE, "acme.com")
    assert lead_id_for_domain("acme.com").version == 5


@given(st.text(min_size=1, max_size=60), st.text(min_size=1, max_size=60))
def test_same_domain_same_id_and_different_domains_differ(a: str, b: str) -> None:
    assert lead_id_for_domain(a) == lead_id_for_domain(a)
    assert (lead_id_for_domain(a) == lead_id_for_domain(b)) == (a == b)
