"""`python -m app.cli campaign ...`: campaigns from the command line, through the HTTP API.

    campaign run --prompt "..." | --icp NAME [--limit N] [--drafts] --format csv|json --out FILE
    campaign status JOB_ID
    campaign cancel JOB_ID

The API is LEADPOET_API_URL (default http://127.0.0.1:8000) and the key LEADPOET_API_KEY (or --api,
--key). `run` starts the job, draws a progress bar from its event stream (resuming with
Last-Event-ID if the connection drops), then downloads the results to FILE."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from app.lists.cli import Progress

DEFAULT_API = "http://127.0.0.1:8000"
RECONNECT_S = 1.0
MAX_RECONNECTS = 30


class CliError(Exception):
    pass


def add_parser(sub: Any) -> None:
    campaign = sub.add_parser("campaign", help="campaigns as jobs, through the API").add_subparsers(
        dest="action", required=True
    )
    run = campaign.add_parser("run", help="start a campaign, watch it, write its leads to a file")
    target = run.add_mutually_exclusive_group(required=True)
    target.add_argument("--prompt", help="what you sell, to whom")
    target.add_argument("--icp", help="a saved ICP's name")
    run.add_argument("--limit", type=int, default=100, help="leads (1..10000)")
    run.add_argument("--drafts", action="store_true", help="write outreach drafts")
    run.add_argument("--enrich", action="store_true", help="enrich each lead with every signal")
    run.add_argument("--format", choices=("csv", "json"), default="csv")
    run.add_argument("--out", type=Path, required=True)
    for name in ("status", "cancel"):
        action = campaign.add_parser(name, help=f"{name} of a job")
        action.add_argument("job_id")
    for action in (run, *(campaign.choices[n] for n in ("status", "cancel"))):
        action.add_argument("--api", default=os.environ.get("LEADPOET_API_URL", DEFAULT_API))
        action.add_argument("--key", default=os.environ.get("LEADPOET_API_KEY"))


def command(args: argparse.Namespace) -> int:
    if not args.key:
        print("an API key is needed: --key or LEADPOET_API_KEY", file=sys.stderr)
        return 2
    headers = {"Authorization": f"Bearer {args.key}"}
    try:
        with httpx.Client(base_url=args.api, headers=headers, timeout=30) as client:
            if args.action == "status":
                print(json.dumps(_json(client.get(f"/v1/jobs/{args.job_id}")), indent=2, default=str))
                return 0
            if args.action == "cancel":
                job = _json(client.post(f"/v1/jobs/{args.job_id}/cancel"))
                print(
                    f"{job['job_id']}: {job['state']}"
                    + (" (cancel requested)" if job["cancel_requested"] else "")
                )
                return 0
            return run(client, args)
    except (CliError, httpx.HTTPError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _json(answer: httpx.Response) -> dict[str, Any]:
    if answer.status_code >= 400:
        try:
            error = answer.json()["error"]
            message = f"{error['message']} ({error.get('field') or error['code']})"
        except (ValueError, KeyError, TypeError):
            message = answer.text[:200]
        raise CliError(f"HTTP {answer.status_code}: {message}")
    body: dict[str, Any] = answer.json()
    return body


def icp_id(client: httpx.Client, name: str) -> str:
    icps = _json(client.get("/v1/icps"))
    for icp in icps.get("icps", []):
        if icp["name"] == name:
            return str(icp["id"])
    raise CliError(f"no ICP named {name!r} in this key's workspace")


def run(client: httpx.Client, args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 10_000:
        raise CliError("--limit must be 1..10000")
    body: dict[str, Any] = {"kind": "campaign", "limit": args.limit, "options": {"drafts": args.drafts}}
    if args.enrich:
        body["options"]["signals"] = {}
    if args.icp:
        body["icp_id"] = icp_id(client, args.icp)
    else:
        body["prompt"] = args.prompt
    job_id = _json(client.post("/v1/jobs", json=body))["job_id"]
    print(f"job {job_id}", file=sys.stderr)
    final = watch(client, job_id)
    if final["type"] == "pipeline_error":
        raise CliError(f"the job failed: {final['data'].get('error')}")
    written = 0
    with (
        client.stream("GET", f"/v1/jobs/{job_id}/results", params={"format": args.format}) as answer,
        args.out.open("wb") as out,
    ):
        if answer.status_code >= 400:
            answer.read()
            _json(answer)
        for chunk in answer.iter_bytes():
            written += len(chunk)
            out.write(chunk)
    print(f"wrote {final['data'].get('done', 0)} leads to {args.out} ({written} bytes)", file=sys.stderr)
    return 0 if final["data"].get("state") == "succeeded" else 1


def watch(client: httpx.Client, job_id: str) -> dict[str, Any]:
    """Follow the event stream to pipeline_end / pipeline_error; returns that event."""
    last = 0
    progress: Progress | None = None
    failures = 0  # connections in a row that dropped before an event (the server's close is not one)
    while failures < MAX_RECONNECTS:
        before = last
        dropped = False
        try:
            headers = {"Last-Event-ID": str(last)} if last else {}
            with client.stream("GET", f"/v1/jobs/{job_id}/events", headers=headers, timeout=None) as answer:
                if answer.status_code >= 400:
                    answer.read()
                    _json(answer)
                fields: dict[str, str] = {}
                for line in answer.iter_lines():
                    if line.startswith(":"):
                        continue
                    if line:
                        name, _, value = line.partition(": ")
                        fields[name] = value
                        continue
                    if not fields:
                        continue
                    last = int(fields["id"])
                    event = {"type": fields.get("event", ""), "data": json.loads(fields.get("data", "{}"))}
                    fields = {}
                    progress = _advance(progress, event)
                    if event["type"] in ("pipeline_end", "pipeline_error"):
                        if progress is not None:
                            progress.close()
                        return event
        except httpx.TransportError:
            dropped = True
        failures = failures + 1 if dropped and last == before else 0
        time.sleep(RECONNECT_S)
    raise CliError("the event stream kept dropping")


def _advance(progress: Progress | None, event: dict[str, Any]) -> Progress | None:
    data = event["data"]
    if event["type"] == "pipeline_start":
        return Progress(int(data.get("total") or 0), sys.stderr)
    if progress is not None and "done" in data and data.get("total") is not None:
        progress.total = int(data["total"])
        progress.done = int(data["done"])
        progress.draw()
    return progress
