"""Search over companies known only by their own description (one `profile` snippet each, no
industry): every lead carries evidence with the matched passage marked and plain-language reasons."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.ranking.features import FEATURE_NAMES
from tools.real_eval.data import load_companies
from tools.real_eval.served import eval_settings, fresh_database, load, mint_key, serve

FIXTURE = Path(__file__).parents[1] / "tools" / "real_eval" / "companies.csv"
PROMPTS = [
    "Video visit software for clinics that see patients online",
    "Payout API for platforms where independent sellers list goods",
    "Anti-cheat and server hosting for multiplayer game studios",
    "Fraud checks for lenders and money apps",
]


@pytest.fixture(scope="module")
async def profile_pool(base_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    settings = eval_settings(base_settings, database="leadpoet_test_profile_only", redis_db=10)
    await fresh_database(settings)
    key = await mint_key(settings)
    async with (
        serve(settings) as url,
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60.0) as client,
    ):
        report = await load(client, load_companies(FIXTURE), settings=settings)
        assert report.rejected == 0
        yield client


@pytest.mark.parametrize("prompt", PROMPTS)
async def test_every_lead_has_evidence_and_plain_reasons(
    profile_pool: httpx.AsyncClient, prompt: str
) -> None:
    response = await profile_pool.post("/v1/leads/search", json={"prompt": prompt, "k": 20})
    assert response.status_code == 200, response.text
    leads = response.json()["leads"]
    assert len(leads) == 20
    feature_name = re.compile(r"\b(?:" + "|".join(map(re.escape, FEATURE_NAMES)) + r")\b")
    for lead in leads:
        assert lead["signals"], lead["name"]
        for signal in lead["signals"]:
            assert signal["kind"] == "profile"
            assert signal["source_url"].startswith("https://")
            assert signal["age_days"] > 0
            for span in signal["highlights"]:
                assert 0 <= span["start"] < span["end"] <= len(signal["text"])
        assert lead["score_kind"] == "match"
        assert 0 <= lead["score"] == lead["match_score"] <= 100
        explanation = lead["explanation"]
        assert explanation["reasons"]
        assert explanation["summary"].startswith(lead["name"])
        for text in (explanation["summary"], *explanation["reasons"]):
            assert not feature_name.search(text), text
    # the best lead's evidence marks at least one of the prompt's words
    assert any(s["highlights"] for s in leads[0]["signals"])
    assert "**" in leads[0]["signals"][0]["excerpt"]


async def test_a_not_clause_in_plain_words_excludes_the_companies_naming_it(
    profile_pool: httpx.AsyncClient,
) -> None:
    body = {
        "prompt": "Payments infrastructure for money apps, but not crypto or blockchain companies",
        "k": 30,
    }
    response = await profile_pool.post("/v1/leads/search", json=body)
    assert response.status_code == 200, response.text
    leads = response.json()["leads"]
    assert leads
    for lead in leads:
        text = " ".join(s["text"] for s in lead["signals"]).lower()
        assert "crypto" not in text
        assert "blockchain" not in text
