"""GET /v1/leads/export and `python -m app.cli leads export`: the ICP's graded leads, best first,
with drafts, as CSV or JSON; another workspace's ICP is a 404; every export is audited."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.lists.export import COLUMNS, cell
from tests.lists.conftest import ListsApp
from tests.lists.test_score import make_icp
from tests.workspaces.support import bearer, workspace_key

ITEMS = ["acme-foods.com", "globex-logistics.com", "initech.io"]


async def graded_icp(app: ListsApp, key: str) -> str:
    icp_id = await make_icp(app, key)
    response = await app.client.post(
        "/v1/leads/drafts", json={"icp_id": icp_id, "items": ITEMS}, headers=bearer(key)
    )
    assert response.status_code == 200, response.text
    return icp_id


async def test_csv_and_json_exports(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine, settings: Settings
) -> None:
    icp_id = await graded_icp(lists_app, search_key)
    response = await lists_app.client.get(
        "/v1/leads/export", params={"icp_id": icp_id}, headers=bearer(search_key)
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(COLUMNS)
    body = [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]
    assert [r["domain"] for r in body] == ["acme-foods.com", "initech.io", "globex-logistics.com"]
    acme = body[0]
    assert int(acme["grade"]) >= 50
    assert acme["band"] in {"A", "B"}
    assert acme["draft_subject"].startswith("About ")
    assert "Data Engineers" in acme["draft_body"]
    assert acme["evidence_ids"]
    assert body[2]["grade"] == ""
    assert body[2]["insufficient_evidence"] == "true"

    as_json = await lists_app.client.get(
        "/v1/leads/export",
        params={"icp_id": icp_id, "format": "json", "min_grade": 30},
        headers=bearer(search_key),
    )
    assert as_json.status_code == 200
    data = json.loads(as_json.text)
    assert [r["domain"] for r in data] == ["acme-foods.com", "initech.io"]
    assert isinstance(data[0]["reasons"], list)
    assert data[0]["evidence_ids"] == acme["evidence_ids"].split(" ")

    limited = await lists_app.client.get(
        "/v1/leads/export", params={"icp_id": icp_id, "limit": 1}, headers=bearer(search_key)
    )
    assert len(list(csv.reader(io.StringIO(limited.text)))) == 2

    other = bearer(await workspace_key(engine, settings, "someone-else", "search"))
    assert (
        await lists_app.client.get("/v1/leads/export", params={"icp_id": icp_id}, headers=other)
    ).status_code == 404
    bad = await lists_app.client.get(
        "/v1/leads/export", params={"icp_id": icp_id, "format": "xml"}, headers=bearer(search_key)
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "format"

    audit = await lists_app.client.get("/v1/audit", params={"action": "export"}, headers=bearer(search_key))
    assert [e["detail"]["format"] for e in audit.json()["entries"]] == ["csv", "json", "csv"]


def cli(settings: Settings, icp: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": settings.database_url}
    command = [sys.executable, "-m", "app.cli", "leads", "export", "--icp", icp, *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


async def test_cli_export_matches_the_api(
    lists_app: ListsApp, search_key: str, settings: Settings, tmp_path: Path
) -> None:
    icp_id = await graded_icp(lists_app, search_key)
    api = await lists_app.client.get(
        "/v1/leads/export", params={"icp_id": icp_id}, headers=bearer(search_key)
    )
    out = tmp_path / "leads.csv"
    done = await asyncio.to_thread(
        cli, settings, "Cold chain DE", "--workspace", "acme-sales", "--limit", "10", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "3/3 leads" in done.stderr
    assert out.read_bytes().decode("utf-8") == api.text
    missing = await asyncio.to_thread(cli, settings, "Nope", "--workspace", "acme-sales", "--out", str(out))
    assert missing.returncode == 1
    assert "no ICP named" in missing.stderr


def test_cells_a_spreadsheet_would_run_are_quoted() -> None:
    assert cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert cell("+1") == "'+1"
    assert cell("@SUM") == "'@SUM"
    assert cell("Acme") == "Acme"
    assert cell(None) == ""
    assert cell(["a", "b"]) == "a | b"
