"""`python -m app.cli campaign run|status|cancel` against the app served on loopback."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from tests.jobs.conftest import JobsApp, open_jobs_app
from tests.jobs.support import serve
from tests.workspaces.support import workspace_key

ROOT = Path(__file__).resolve().parents[2]


async def cli(base: str, key: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "LEADPOET_API_URL": base, "LEADPOET_API_KEY": key}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "campaign", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_campaign_run_status_and_cancel(
    jobs_app: JobsApp, auth: dict[str, str], tmp_path: Path
) -> None:
    key = auth["Authorization"].removeprefix("Bearer ")
    icp = {
        "name": "Food distributors",
        "product_description": "A cloud data warehouse for food distributors.",
        "countries": ["DE"],
    }
    assert (await jobs_app.client.post("/v1/icps", json=icp, headers=auth)).status_code == 201
    async with serve(jobs_app.app) as base:
        out = tmp_path / "leads.csv"
        code, _, err = await cli(
            base,
            key,
            "run",
            "--prompt",
            "Freight software",
            "--limit",
            "150",
            "--format",
            "csv",
            "--out",
            str(out),
        )
        assert code == 0, err
        assert "150/150 leads" in err
        with out.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == 150
        job_id = err.split()[1]
        code, text, err = await cli(base, key, "status", job_id)
        assert code == 0, err
        assert json.loads(text)["state"] == "succeeded"

        as_json = tmp_path / "icp.json"
        code, _, err = await cli(
            base,
            key,
            "run",
            "--icp",
            "Food distributors",
            "--limit",
            "10",
            "--drafts",
            "--format",
            "json",
            "--out",
            str(as_json),
        )
        assert code == 0, err
        leads = json.loads(as_json.read_text())
        assert leads
        assert {lead["country"] for lead in leads} == {"DE"}

        code, _, err = await cli(base, key, "run", "--icp", "Nobody", "--format", "csv", "--out", str(out))
        assert code == 1
        assert "no ICP named 'Nobody'" in err
        code, text, _ = await cli(base, key, "cancel", job_id)
        assert code == 0
        assert "succeeded" in text
        code, _, err = await cli(base, key, "status", "00000000-0000-0000-0000-000000000000")
        assert code == 1
        assert "HTTP 404" in err


async def test_campaign_run_follows_a_stream_the_server_keeps_closing(
    bulk_world: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    """JOBS_SSE_MAX_STREAM_S: the CLI resumes with Last-Event-ID each time the server closes the
    stream, and a close is not counted as a failure (MAX_RECONNECTS)."""
    async with open_jobs_app(settings, bulk_world, jobs_chunk=20, jobs_sse_max_stream_s=0.2) as app:
        key = await workspace_key(bulk_world, app.settings, "acme-sales", "search")
        async with serve(app.app) as base:
            out = tmp_path / "leads.csv"
            code, _, err = await cli(
                base, key, "run", "--prompt", "Freight software", "--limit", "400",
                "--format", "csv", "--out", str(out),
            )  # fmt: skip
        assert code == 0, err
        assert "400/400 leads" in err
        with out.open(newline="") as handle:
            assert len(list(csv.DictReader(handle))) == 400
