"""The vendor-language test's literal prefilter changes no answer of the regexes it guards."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.ranking.signals import _PRODUCT_PROOF, _SELLER, _vendor_phrases, seller_language

PHRASES = [
    "We help",
    "OUR PLATFORM",
    "our solutions",
    "customer story",
    "Customer Stories",
    "leading provider of",
    "leading provider of innovative",
    "helps small teams",
    "helps our clinic teams",
    "partners with",
    "Customers cut",
    "users report",
    "clients save",
    "Release:",
    "announces general availability",
    "free trial",
    "sells cameras to businesses",
    "Review of Acme: great",
    "now on 12k sites",
    "now used by 3,400 firms",
    "used by 200 regional fleets",
    "trusted by 40 clinics",
    "is hiring",
    "dropped Teradata",
]
piece = st.one_of(
    st.sampled_from(PHRASES),
    st.text(alphabet=st.characters(codec="ascii"), max_size=12),
    st.text(max_size=6),  # non-ASCII too: the regexes decide alone
)


@settings(max_examples=600)
@given(st.lists(piece, max_size=6).map(" ".join))
def test_prefilter_matches_the_regexes(text: str) -> None:
    assert _vendor_phrases(text) == bool(_SELLER.search(text) or _PRODUCT_PROOF.search(text))


def test_examples() -> None:
    assert seller_language("Acme announces general availability of Flow") == 1.0
    assert seller_language("Acme is hiring three data engineers") == 0.0
    assert seller_language("Now used by 3,400 firms across Europe") == 1.0
    assert seller_language("Acme schedules engineers automatically", "Acme") == 1.0
    assert seller_language("Acme İs now used by 40 firms") == 1.0  # non-ASCII: the regexes alone
