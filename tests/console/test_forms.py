"""The ICP and campaign forms parsed into the API's request models (property tests: any text parses
or names its fields, never raises), the workspace name shown for a key, and what a campaign page
computes of a job."""

from __future__ import annotations

import uuid
from dataclasses import fields

from hypothesis import given
from hypothesis import strategies as st

from app.auth.service import Principal
from app.console.campaign import CampaignForm, parse_campaign, percent
from app.console.icp_form import IcpForm, icp_summary, parse_icp
from app.console.service import display_name
from app.icps.schemas import IcpCreate, IcpPatch
from app.icps.tables import Icp

ICP_FIELDS = {f.name for f in fields(IcpForm)}
CAMPAIGN_FIELDS = {f.name for f in fields(CampaignForm)}


def principal(workspace: str) -> Principal:
    return Principal(
        key_id=uuid.uuid4(),
        name="sales-key",
        scopes=frozenset({"search"}),
        rate_limit_per_minute=None,
        workspace_id=uuid.uuid4(),
        workspace=workspace,
    )


def test_the_workspace_name_is_shown_for_a_key() -> None:
    assert display_name(principal("acme")) == "acme"
    assert display_name(principal("")) == "sales-key"


@given(st.fixed_dictionaries({name: st.text(max_size=40) for name in ICP_FIELDS}))
def test_any_icp_form_parses_or_names_its_fields(values: dict[str, str]) -> None:
    for model in (IcpCreate, IcpPatch):
        parsed = parse_icp(IcpForm(**values), model)
        assert (parsed.body is None) == bool(parsed.errors)
        assert set(parsed.errors) <= ICP_FIELDS


@given(st.fixed_dictionaries({name: st.text(max_size=40) for name in CAMPAIGN_FIELDS}))
def test_any_campaign_form_parses_or_names_its_fields(values: dict[str, str]) -> None:
    parsed = parse_campaign(CampaignForm(**values))
    assert (parsed.body is None) == bool(parsed.errors)
    assert set(parsed.errors) <= CAMPAIGN_FIELDS


def test_an_icp_round_trips_through_its_edit_form() -> None:
    icp = Icp(
        name="Cold chain",
        product_description="Cold chain sensors for food distributors",
        industries=["Wholesale Trade"],
        countries=["DE", "FR"],
        employees_min=50,
        employees_max=None,
        technologies=["Snowflake"],
        exclusions=["competitor.com", "SAP"],
        exemplar_domains=["acme-foods.com"],
        custom_criteria="",
        draft_threshold=60,
    )
    parsed = parse_icp(IcpForm.from_icp(icp), IcpPatch)
    assert parsed.errors == {}
    assert parsed.body is not None
    body = parsed.body.model_dump()
    for name in ICP_FIELDS:
        assert body[name] == getattr(icp, name), name
    assert icp_summary(icp) == "Wholesale Trade · DE, FR · 50–… employees · Snowflake"


def test_form_errors_name_the_field_with_the_api_message() -> None:
    parsed = parse_icp(IcpForm(name="x", product_description="cloud tools", employees_min="many"), IcpCreate)
    assert parsed.errors == {"employees_min": "Input should be a valid integer"}
    parsed = parse_icp(IcpForm(name="x", product_description="cloud tools", countries="Germany"), IcpCreate)
    assert "is not an ISO 3166 alpha-2 country code" in parsed.errors["countries"]
    both = parse_campaign(CampaignForm(prompt="cloud tools", icp_id=str(uuid.uuid4())))
    assert both.errors == {
        "prompt": "Value error, a campaign takes exactly one of prompt, icp_id and business_context"
    }
    ok = parse_campaign(CampaignForm(prompt="cloud tools", limit="25", drafts="on", nonce="ab" * 16))
    assert ok.body is not None
    assert (ok.body.limit, ok.body.options.drafts, ok.body.kind) == (25, True, "campaign")
    assert CampaignForm(nonce="ab" * 16).idempotency_key == "console-" + "ab" * 16
    assert CampaignForm(nonce="not-a-nonce").idempotency_key is None


def test_progress_percent() -> None:
    def job(state: str, done: int, total: int | None) -> dict[str, object]:
        return {"state": state, "progress": {"done": done, "total": total}}

    assert percent(job("queued", 0, None)) == 0
    assert percent(job("running", 25, 100)) == 25
    assert percent(job("succeeded", 0, 0)) == 100
    assert percent(job("failed", 0, None)) == 0
    assert percent(job("running", 150, 100)) == 100
