"""The campaign form, turned into the JSON API's own `JobCreate` (a campaign job), and what the
campaign pages show of a job: its state and progress, and its results so far."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from pydantic import ValidationError

from app.console.service import TextForm, parse_whole, text_problem, validation_errors
from app.jobs.schemas import TERMINAL_STATES, JobCreate

# Each form carries a random nonce, sent as the job's idempotency key: a form submitted twice
# (a double click, a reload of the POST) starts one campaign.
NONCE = re.compile(r"[0-9a-f]{32}")
# Rows of results the page renders itself; the download has them all.
SHOWN_ROWS = 500


@dataclass(frozen=True, slots=True)
class CampaignForm(TextForm):
    prompt: str = ""
    icp_id: str = ""
    limit: str = "100"
    drafts: str = ""  # a checkbox: "on" when ticked
    nonce: str = ""

    @property
    def idempotency_key(self) -> str | None:
        return f"console-{self.nonce}" if NONCE.fullmatch(self.nonce) else None


@dataclass(frozen=True, slots=True)
class ParsedCampaign:
    body: JobCreate | None
    errors: dict[str, str]


def parse_campaign(form: CampaignForm) -> ParsedCampaign:
    """A campaign of a prompt or a saved ICP (exactly one, as the API requires), `limit` leads,
    drafts on or off."""
    errors = {f.name: p for f in fields(form) if (p := text_problem(getattr(form, f.name))) is not None}
    limit = parse_whole(form.limit)
    if isinstance(limit, str):
        errors.setdefault("limit", limit)
    if errors:
        return ParsedCampaign(None, errors)
    payload: dict[str, Any] = {"kind": "campaign", "options": {"drafts": form.drafts == "on"}}
    if form.prompt.strip():
        payload["prompt"] = form.prompt
    if form.icp_id.strip():
        payload["icp_id"] = form.icp_id.strip()
    if limit is not None:
        payload["limit"] = limit
    try:
        return ParsedCampaign(JobCreate.model_validate(payload), {})
    except ValidationError as exc:  # "exactly one of prompt, icp_id ..." names no field
        return ParsedCampaign(None, validation_errors(exc, default="prompt"))


def is_finished(job: Mapping[str, Any]) -> bool:
    return str(job["state"]) in TERMINAL_STATES


def percent(job: Mapping[str, Any]) -> int:
    """How far the job is, 0-100 (0 until its total is known)."""
    progress = job["progress"]
    total, done = progress["total"], int(progress["done"])
    if not total:
        return 100 if job["state"] == "succeeded" else 0
    return max(0, min(100, round(100 * done / int(total))))


NOT_GRADED = "Too little evidence to grade"  # the same words as the live view's (console.js)


def first_reason(row: Mapping[str, Any]) -> str:
    """A result's first reason; for an ungraded lead, why it has no grade."""
    reasons = row.get("reasons") or []
    if reasons and isinstance(reasons[0], Mapping):
        return str(reasons[0].get("text", ""))
    return NOT_GRADED if row.get("grade") is None and row.get("status", "ok") == "ok" else ""
