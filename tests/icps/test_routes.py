"""/v1/icps on the real stack: create, list, get, patch, delete; validation; another workspace's
ICP is a 404 for every verb."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from tests.workspaces.support import bearer, workspace_key

ICP: dict[str, Any] = {
    "name": "Cold chain EU",
    "product_description": "IoT sensors that watch refrigeration temperatures for food distributors",
    "industries": ["Food Distribution", "42"],
    "countries": ["de", "FR"],
    "employees_min": 50,
    "employees_max": 5000,
    "technologies": ["SAP"],
    "exclusions": ["competitor.com", "Sensitech"],
    "exemplar_domains": ["https://www.Example-Foods.com/about"],
    "custom_criteria": "Runs its own fleet of refrigerated trucks",
    "draft_threshold": 60,
}


async def test_crud_round_trip(
    app_client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    headers = bearer(await workspace_key(engine, settings, "acme", "search"))
    created = await app_client.post("/v1/icps", json=ICP, headers=headers)
    assert created.status_code == 201, created.text
    icp = created.json()
    assert icp["countries"] == ["DE", "FR"]
    assert icp["exemplar_domains"] == ["example-foods.com"]
    assert icp["draft_threshold"] == 60

    listed = await app_client.get("/v1/icps", headers=headers)
    assert [i["id"] for i in listed.json()["icps"]] == [icp["id"]]
    one = await app_client.get(f"/v1/icps/{icp['id']}", headers=headers)
    assert one.json() == icp

    patched = await app_client.patch(
        f"/v1/icps/{icp['id']}", json={"employees_max": None, "draft_threshold": 70}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["employees_max"] is None
    assert patched.json()["draft_threshold"] == 70
    assert patched.json()["name"] == ICP["name"]

    duplicate = await app_client.post("/v1/icps", json=ICP, headers=headers)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["field"] == "name"

    deleted = await app_client.delete(f"/v1/icps/{icp['id']}", headers=headers)
    assert deleted.status_code == 204
    gone = await app_client.get(f"/v1/icps/{icp['id']}", headers=headers)
    assert gone.status_code == 404


async def test_other_workspace_gets_404_everywhere(
    app_client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    mine = bearer(await workspace_key(engine, settings, "acme", "search"))
    theirs = bearer(await workspace_key(engine, settings, "globex", "search"))
    icp = (await app_client.post("/v1/icps", json=ICP, headers=mine)).json()
    url = f"/v1/icps/{icp['id']}"
    for response in (
        await app_client.get(url, headers=theirs),
        await app_client.patch(url, json={"name": "mine now"}, headers=theirs),
        await app_client.delete(url, headers=theirs),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "not_found",
            "message": "no ICP with this id",
            "field": "icp_id",
        }
    assert (await app_client.get("/v1/icps", headers=theirs)).json() == {"icps": []}
    # The same name is free in another workspace.
    assert (await app_client.post("/v1/icps", json=ICP, headers=theirs)).status_code == 201
    assert (await app_client.get(url, headers=mine)).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"product_description": "ab"}, "product_description"),
        ({"product_description": "sensors\x00"}, "product_description"),
        ({"countries": ["Germany"]}, "countries"),
        ({"employees_min": -1}, "employees_min"),
        ({"name": " \u3000 "}, "name"),
        ({"countries": [" DE"]}, "countries"),
        ({"employees_max": 10**12}, "employees_max"),
        ({"exemplar_domains": ["not a domain"]}, "exemplar_domains"),
        ({"draft_threshold": 101}, "draft_threshold"),
        ({"colour": "red"}, "colour"),
        ({"technologies": ["x" * 101]}, "technologies.0"),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(
    app_client: httpx.AsyncClient,
    engine: AsyncEngine,
    settings: Settings,
    change: dict[str, Any],
    field: str | None,
) -> None:
    headers = bearer(await workspace_key(engine, settings, "acme", "search"))
    response = await app_client.post("/v1/icps", json={**ICP, **change}, headers=headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    if field is not None:
        assert error["field"] == field


async def test_patch_validation_and_auth(
    app_client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    headers = bearer(await workspace_key(engine, settings, "acme", "search"))
    icp = (await app_client.post("/v1/icps", json=ICP, headers=headers)).json()
    url = f"/v1/icps/{icp['id']}"
    null_name = await app_client.patch(url, json={"name": None}, headers=headers)
    assert null_name.status_code == 422
    assert null_name.json()["error"]["field"] == "name"
    null_threshold = await app_client.patch(url, json={"draft_threshold": None}, headers=headers)
    assert null_threshold.status_code == 422
    assert null_threshold.json()["error"]["field"] == "draft_threshold"
    # An inverted employee range is kept (it matches no company), as in a search's filters.
    inverted = await app_client.patch(url, json={"employees_max": 10}, headers=headers)
    assert inverted.status_code == 200
    assert (inverted.json()["employees_min"], inverted.json()["employees_max"]) == (50, 10)
    assert (await app_client.get(url)).status_code == 401
    ingest_only = bearer(await workspace_key(engine, settings, "acme", "ingest"))
    assert (await app_client.get(url, headers=ingest_only)).status_code == 403
    assert (await app_client.get("/v1/icps/not-a-uuid", headers=headers)).status_code == 422
