"""POST /v1/leads/search with `icp_id`: the saved ICP stands in for the prompt and filters."""

from __future__ import annotations

import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.icps.schemas import DOMAIN_PATTERN, IcpCreate
from app.icps.service import icp_prompt, split_exclusions
from app.icps.tables import Icp
from app.ranking.prompt import parse_prompt
from tests.lists.conftest import ListsApp
from tests.lists.test_score import make_icp
from tests.workspaces.support import bearer, workspace_key


async def test_search_by_icp(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine, settings: Settings
) -> None:
    icp_id = await make_icp(lists_app, search_key)
    headers = bearer(search_key)
    response = await lists_app.client.post(
        "/v1/leads/search", json={"icp_id": icp_id, "k": 5}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert [lead["domain"] for lead in response.json()["leads"]] == ["acme-foods.com"]  # the ICP's DE filter

    # A filter in the request replaces the ICP's; a prompt is added to its text.
    other_filters = await lists_app.client.post(
        "/v1/leads/search",
        json={
            "icp_id": icp_id,
            "prompt": "expansion news",
            "filters": {"countries": ["US"], "industries": ["Software"], "technologies": ["PostgreSQL"]},
            "k": 5,
        },
        headers=headers,
    )
    assert [lead["domain"] for lead in other_filters.json()["leads"]] == ["initech.io"]

    other = bearer(await workspace_key(engine, settings, "other-team", "search"))
    foreign = await lists_app.client.post("/v1/leads/search", json={"icp_id": icp_id}, headers=other)
    assert foreign.status_code == 404
    assert foreign.json()["error"]["field"] == "icp_id"
    neither = await lists_app.client.post("/v1/leads/search", json={"k": 5}, headers=headers)
    assert neither.status_code == 422
    assert neither.json()["error"]["field"] == "prompt"


def test_icp_prompt_and_exclusions() -> None:
    icp = Icp(
        name="x",
        product_description="Payroll software.",
        custom_criteria="Remote-first teams",
        exemplar_domains=["acme.com", "globex.io"],
        exclusions=["rival.io", "Workday", "bad domain.com"],
        industries=[],
        countries=[],
        technologies=[],
    )
    assert split_exclusions(icp.exclusions) == (["rival.io"], ["Workday", "bad domain.com"])
    prompt = icp_prompt(icp)
    assert prompt == (
        "Payroll software. Remote-first teams Companies not using Workday, not using Bad domain.com; "
        "companies like Acme.com, like Globex.io."
    )
    # The prompt parser reads the exclusions and exemplars back (what a search by the ICP uses).
    parsed = parse_prompt(prompt)
    assert parsed.excluded_terms[0] == "Workday"
    assert [e.rstrip(".").lower() for e in parsed.exemplars] == ["acme.com", "globex.io"]


@settings(max_examples=300)
@given(st.from_regex(DOMAIN_PATTERN, fullmatch=True))
def test_every_string_the_domain_pattern_allows_is_a_domain(raw: str) -> None:
    """What the schema promises is accepted (fuzzers, generated clients) is accepted."""
    assume("xn--" not in raw.lower())  # punycode labels are decoded, and may not decode
    host = re.sub(r"^[Hh][Tt][Tt][Pp][Ss]?://", "", raw).split("/", 1)[0].lower()
    assume(host.removeprefix("www.").count(".") >= 1)  # "www.com" names no company
    assert IcpCreate(name="x", product_description="abc", exemplar_domains=[raw]).exemplar_domains
