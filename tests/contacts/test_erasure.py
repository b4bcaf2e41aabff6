"""DELETE /v1/contacts?email=...: the person's contact rows go, the address is suppressed for
ingestion (checked by the storage code) and the request is in the audit trail."""

from __future__ import annotations

import httpx
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.catalog.privacy import email_digest
from tests.ingest.factory import snippet
from tests.ingest.support import MakeKey
from tests.workspaces.support import bearer

EMAIL = "jane.roe@acme.com"


async def scalar(engine: AsyncEngine, sql: str) -> object:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


def jane(domain: str = "acme.com", email: str = EMAIL) -> dict[str, object]:
    return snippet(domain=domain, contact={"name": "Jane Roe", "title": "CFO", "email": email})


async def test_erasure_deletes_suppresses_and_audits(
    client: httpx.AsyncClient, make_key: MakeKey, engine: AsyncEngine
) -> None:
    ingest, admin = await make_key("ingest"), await make_key("admin")
    other = snippet(domain="acme.com", contact={"name": "Sam Poe", "title": "CTO", "email": "sam@acme.com"})
    body = {"snippets": [jane(), jane(domain="sub.acme.com", email="Jane.Roe@sub.acme.com"), other]}
    assert (await client.post("/v1/snippets", json=body, headers=bearer(ingest))).json()["accepted"] == 3
    assert await scalar(engine, "SELECT count(*) FROM contacts") == 3

    response = await client.delete(
        "/v1/contacts", params={"email": "Jane.Roe@ACME.com"}, headers=bearer(admin)
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"email_sha256": email_digest(EMAIL), "contacts_deleted": 1, "suppressed": True}
    assert await scalar(engine, f"SELECT count(*) FROM contacts WHERE email = '{EMAIL}'") == 0
    assert await scalar(engine, "SELECT count(*) FROM contacts") == 2  # other people stay
    audit = await scalar(
        engine, "SELECT action || ' ' || object_id || ' ' || (detail->>'contacts_deleted') FROM audit_log"
    )
    assert audit == f"contact.erase {email_digest(EMAIL)} 1"
    assert EMAIL not in str(
        await scalar(engine, "SELECT string_agg(email_sha256, ',') FROM contact_suppressions")
    )

    before = REGISTRY.get_sample_value("contacts_dropped_total", {"reason": "suppressed"}) or 0.0
    again = {"snippets": [jane(), jane()]}
    answer = await client.post("/v1/snippets", json=again, headers=bearer(ingest))
    assert answer.json()["accepted"] == 2  # the evidence is kept, the contact is not
    assert await scalar(engine, f"SELECT count(*) FROM contacts WHERE email = '{EMAIL}'") == 0
    assert REGISTRY.get_sample_value("contacts_dropped_total", {"reason": "suppressed"}) == before + 2


async def test_erasure_is_admin_only_and_validates_the_address(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    search = await make_key("search", "ingest")
    assert (
        await client.delete("/v1/contacts", params={"email": EMAIL}, headers=bearer(search))
    ).status_code == 403
    assert (await client.delete("/v1/contacts", params={"email": EMAIL})).status_code == 401
    admin = await make_key("admin")
    for bad in ["not-an-address", "a\x00b@acme.com", ""]:
        response = await client.delete("/v1/contacts", params={"email": bad}, headers=bearer(admin))
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["error"]["field"] == "email"
    unknown = await client.delete("/v1/contacts", params={"email": "nobody@acme.com"}, headers=bearer(admin))
    assert unknown.json() == {
        "email_sha256": email_digest("nobody@acme.com"),
        "contacts_deleted": 0,
        "suppressed": True,
    }
