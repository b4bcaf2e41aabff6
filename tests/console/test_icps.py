"""ICP pages over ASGI: create, list, edit, delete, search from an ICP; the API's own checks and
messages; CSRF on every form; another workspace's ICP is a 404 here as through /v1/icps."""

from __future__ import annotations

import re

import httpx

from tests.console.conftest import Keys, csrf, sign_in
from tests.workspaces.support import bearer

ICP = {
    "name": "Cloud FinOps",
    "product_description": "Cloud cost optimization software for engineering teams",
    "industries": "Software",
    "countries": "us, de",
    "employees_min": "10",
    "employees_max": "5000",
    "technologies": "AWS",
    "exclusions": "competitor.example.com, Snowflake",
    "exemplar_domains": "",
    "custom_criteria": "",
    "draft_threshold": "40",
}


async def create(client: httpx.AsyncClient, **changes: str) -> httpx.Response:
    token = await csrf(client, "/app/icps/new")
    return await client.post("/app/icps", data={**ICP, **changes, "csrf_token": token})


async def icp_ids(client: httpx.AsyncClient) -> dict[str, str]:
    page = await client.get("/app/icps")
    assert page.status_code == 200, page.text
    return {
        name: icp_id
        for icp_id, name in re.findall(r'<td><a href="/app/icps/([0-9a-f-]{36})">([^<]+)</a>', page.text)
    }


async def test_create_list_edit_and_delete_an_icp(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.acme)
    created = await create(browser)
    assert created.status_code == 303
    assert created.headers["location"] == "/app/icps?notice=created"
    listing = await browser.get(created.headers["location"])
    assert "ICP saved." in listing.text
    ids = await icp_ids(browser)
    icp_id = ids["Cloud FinOps"]
    # The API sees the same ICP, normalised the same way.
    api = (await browser.get(f"/v1/icps/{icp_id}", headers=bearer(keys.acme))).json()
    assert api["countries"] == ["DE", "US"]
    assert api["exclusions"] == ["competitor.example.com", "Snowflake"]
    assert (api["employees_min"], api["employees_max"], api["draft_threshold"]) == (10, 5000, 40)

    edit = await browser.get(f"/app/icps/{icp_id}")
    assert edit.status_code == 200
    assert 'value="DE, US"' in edit.text
    token = await csrf(browser, f"/app/icps/{icp_id}")
    saved = await browser.post(
        f"/app/icps/{icp_id}",
        data={**ICP, "name": "Cloud FinOps EU", "countries": "DE", "employees_max": "", "csrf_token": token},
    )
    assert saved.status_code == 303
    api = (await browser.get(f"/v1/icps/{icp_id}", headers=bearer(keys.acme))).json()
    assert (api["name"], api["countries"], api["employees_max"]) == ("Cloud FinOps EU", ["DE"], None)

    unconfirmed = await browser.post(f"/app/icps/{icp_id}/delete", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert 'id="confirm-error"' in unconfirmed.text
    deleted = await browser.post(f"/app/icps/{icp_id}/delete", data={"csrf_token": token, "confirm": "yes"})
    assert deleted.status_code == 303
    assert (await browser.get(f"/v1/icps/{icp_id}", headers=bearer(keys.acme))).status_code == 404
    assert (await browser.get(f"/app/icps/{icp_id}")).status_code == 404


async def test_the_form_refuses_what_the_api_refuses_with_the_same_message(
    browser: httpx.AsyncClient, keys: Keys
) -> None:
    await sign_in(browser, keys.acme)
    cases = {
        "countries": {"countries": "Germany"},
        "product_description": {"product_description": "ab"},
        "name": {"name": ""},
        "draft_threshold": {"draft_threshold": "101"},
        "exemplar_domains": {"exemplar_domains": "not a domain"},
        "technologies": {"technologies": "a\x00b"},
    }
    for field, changes in cases.items():
        page = await create(browser, **changes)
        assert page.status_code == 422, (field, page.status_code)
        assert f'id="{field}-error"' in page.text, field
        assert 'aria-invalid="true"' in page.text
    # The same input through the API: 422, and its message is the one the form shows.
    api = await browser.post(
        "/v1/icps",
        json={"name": "x", "product_description": "cloud software", "countries": ["Germany"]},
        headers=bearer(keys.acme),
    )
    assert api.status_code == 422
    reason = api.json()["error"]["details"][0]["reason"]
    page = await create(browser, countries="Germany")
    message = re.search(r'id="countries-error">([^<]+)<', page.text)
    assert message is not None
    assert message.group(1).replace("&#39;", "'") == reason
    # A name the workspace already has: 409, on the name field.
    assert (await create(browser, name="Taken")).status_code == 303
    taken = await create(browser, name="Taken")
    assert taken.status_code == 409
    assert re.search(r'id="name-error">an ICP with this name already exists<', taken.text)


async def test_search_from_an_icp(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.acme)
    created = await create(
        browser, name="Search me", countries="US", industries="", technologies="", exclusions=""
    )
    assert created.status_code == 303
    icp_id = (await icp_ids(browser))["Search me"]
    listing = await browser.get("/app/icps")
    assert f'href="/app/search?icp_id={icp_id}"' in listing.text
    page = await browser.get(f"/app/search?icp_id={icp_id}")
    assert page.status_code == 200
    assert 'data-testid="icp-search"' in page.text
    assert f'<option value="{icp_id}" selected>' in page.text
    countries = re.findall(r'<td data-value="([A-Z]*)">', page.text)
    assert countries
    assert set(countries) == {"US"}  # the ICP's filter
    # The API answers the same search with the same leads.
    api = await browser.post("/v1/leads/search", json={"icp_id": icp_id, "k": 10}, headers=bearer(keys.acme))
    links = re.findall(r'<a href="/app/leads/([0-9a-f-]{36})\?', page.text)
    assert links == [lead["lead_id"] for lead in api.json()["leads"]]
    assert f"icp_id={icp_id}" in page.text  # lead links repeat the ICP search
    first = re.search(r'<a href="(/app/leads/[0-9a-f-]{36}\?[^"]+)">', page.text)
    assert first is not None
    lead = await browser.get(first.group(1).replace("&amp;", "&"))
    assert "ranked #1" in lead.text
    assert "<mark>" in lead.text  # the ICP's own words highlighted in the evidence


async def test_another_workspace_gets_404_like_the_api(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.acme)
    assert (await create(browser, name="Private")).status_code == 303
    icp_id = (await icp_ids(browser))["Private"]
    browser.cookies.clear()
    await sign_in(browser, keys.globex)
    assert "Private" not in (await browser.get("/app/icps")).text
    token = await csrf(browser, "/app/icps")
    answers = {
        "edit page": await browser.get(f"/app/icps/{icp_id}"),
        "edit": await browser.post(f"/app/icps/{icp_id}", data={**ICP, "csrf_token": token}),
        "delete": await browser.post(
            f"/app/icps/{icp_id}/delete", data={"csrf_token": token, "confirm": "yes"}
        ),
        "search": await browser.get(f"/app/search?icp_id={icp_id}"),
    }
    for what, answer in answers.items():
        assert answer.status_code == 404, what
        assert "text/html" in answer.headers["content-type"], what
    assert (await browser.get(f"/v1/icps/{icp_id}", headers=bearer(keys.globex))).status_code == 404
    api = await browser.post("/v1/leads/search", json={"icp_id": icp_id}, headers=bearer(keys.globex))
    assert api.status_code == 404


async def test_icp_forms_need_the_csrf_token_and_the_search_scope(
    browser: httpx.AsyncClient, keys: Keys
) -> None:
    await sign_in(browser, keys.acme)
    assert (await create(browser, name="Guarded")).status_code == 303
    icp_id = (await icp_ids(browser))["Guarded"]
    for path in ("/app/icps", f"/app/icps/{icp_id}", f"/app/icps/{icp_id}/delete"):
        refused = await browser.post(path, data={**ICP, "confirm": "yes"})
        assert refused.status_code == 403, path
        assert "did not come from this site" in refused.text
    assert "Guarded" in (await browser.get("/app/icps")).text
    browser.cookies.clear()
    await sign_in(browser, keys.ingest)
    for path in ("/app/icps", "/app/icps/new", f"/app/icps/{icp_id}"):
        assert (await browser.get(path)).status_code == 403, path
    assert (await browser.get("/v1/icps", headers=bearer(keys.ingest))).status_code == 403
