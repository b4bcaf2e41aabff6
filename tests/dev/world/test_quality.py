"""The world is realistic and hard in the intended ways (issue 3, "Quality of the world itself")."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from dev.world import PERSONAL_EMAIL_DOMAINS, World, WorldFiles
from dev.world.content import CATEGORIES, NEEDS
from dev.world.metrics import bm25_report, company_texts, content_tokens, overlap_report


def _need_vocabulary(need_ids: tuple[str, ...]) -> set[str]:
    needs = {n.id: n for n in NEEDS}
    text = " ".join(
        " ".join([*needs[n].phrases, *(t for ts in needs[n].evidence.values() for t in ts)]) for n in need_ids
    )
    return content_tokens(text) - {"name"}


def test_catalogue_size_and_split(tiny_world: World) -> None:
    assert len(tiny_world.categories) >= 40
    split = Counter(c["split"] for c in tiny_world.categories)
    assert split["test"] >= 8
    assert split["validation"] >= 5
    assert split["train"] >= 25
    category_split = {c["category"]: c["split"] for c in tiny_world.categories}
    for prompt in tiny_world.prompts:
        assert prompt["split"] == category_split[prompt["category"]]
    train_categories = {p["category"] for p in tiny_world.prompts if p["split"] == "train"}
    test_categories = {p["category"] for p in tiny_world.prompts if p["split"] == "test"}
    assert test_categories
    assert not test_categories & train_categories


def test_vendors_exist_for_every_category(tiny_world: World) -> None:
    vendors = Counter(c.truth.vendor_of for c in tiny_world.companies if c.truth.vendor_of)
    assert {c["category"] for c in tiny_world.categories} <= set(vendors)


def test_vendor_copy_shares_vocabulary_with_its_buyers() -> None:
    """Vendors talk like their buyers' pains (the trap): much more than like other categories' buyers."""
    for category in CATEGORIES:
        vendor = content_tokens(" ".join(category.vendor_lines)) - {"name", "pct", "big", "city", "n"}
        own = len(vendor & _need_vocabulary(category.needs)) / len(vendor)
        others = [
            len(vendor & _need_vocabulary(o.needs)) / len(vendor) for o in CATEGORIES if o.id != category.id
        ]
        assert own >= 0.2, category.id
        assert own >= 3 * (sum(others) / len(others)), category.id


def test_vendors_are_never_relevant_for_their_own_category(tiny_world: World) -> None:
    prompt_category = {p["prompt_id"]: p["category"] for p in tiny_world.prompts}
    vendor_rows = 0
    for bundle in tiny_world.companies:
        for qrel in bundle.qrels:
            if bundle.truth.vendor_of == prompt_category[qrel["prompt_id"]]:
                assert qrel["grade"] == 0
                vendor_rows += 1
    assert vendor_rows > 0


def test_test_prompts_share_little_vocabulary_with_their_buyers(tiny_files: WorldFiles) -> None:
    texts = company_texts(tiny_files)
    overlap = overlap_report(tiny_files, texts, split="test")
    assert overlap["relevant"] < 0.35
    # Vendors echo the seller's words far more than the buyers do.
    assert overlap["vendor"] > overlap["relevant"] + 0.05
    assert overlap["random"] < overlap["relevant"]


def test_bm25_floor_is_clearly_below_the_ceiling(tiny_files: WorldFiles) -> None:
    report = bm25_report(tiny_files, company_texts(tiny_files), split="test")
    assert report["prompts"] >= 60
    assert 0.0 < report["ndcg@10"] < 0.5
    assert report["vendor_share@10"] > 0.05  # lexical ranking pulls competitors in


def test_miner_population_and_behaviour(tiny_world: World) -> None:
    quality = {m["miner_id"]: m["quality"] for m in tiny_world.miners}
    assert set(quality.values()) == {"good", "lazy", "spammer"}
    by_class = Counter(quality[s["miner_id"]] for s in tiny_world.snippets)
    assert by_class["good"] > by_class["lazy"] > by_class["spammer"] > 0
    ids = Counter(s.get("snippet_id") for s in tiny_world.snippets if "snippet_id" in s)
    assert any(n > 1 for n in ids.values())  # exact resubmissions (ingestion must deduplicate)
    assert any("snippet_id" not in s for s in tiny_world.snippets)  # ids defaulted by ingestion
    texts = Counter((s["company"]["domain"].lower(), s["text"]) for s in tiny_world.snippets)
    corroborated = [key for key, n in texts.items() if n > 1]
    assert corroborated


def test_contacts_are_business_contacts_except_marked_personal_ones(tiny_world: World) -> None:
    personal = 0
    for bundle in tiny_world.companies:
        truth = bundle.truth
        if truth.real:
            assert not truth.contacts  # never invent people at real companies
        for contact in truth.contacts:
            domain = contact.email.rsplit("@", 1)[1]
            if contact.personal:
                personal += 1
                assert domain in PERSONAL_EMAIL_DOMAINS
            else:
                assert domain == truth.domain
    assert personal > 0
    emails = [s["contact"].get("email", "") for s in tiny_world.snippets if "contact" in s]
    assert any(e.rsplit("@", 1)[-1] in PERSONAL_EMAIL_DOMAINS for e in emails)


def test_evidence_has_history_churn_and_gaps(tiny_world: World) -> None:
    kinds = Counter(s["kind"] for s in tiny_world.snippets)
    assert set(kinds) == {"profile", "news", "job_post", "tech_stack", "funding", "review", "social", "web"}
    assert any("no longer detected" in s["text"] for s in tiny_world.snippets)
    assert any("New technology detected" in s["text"] for s in tiny_world.snippets)
    counts = [len(c.snippets) for c in tiny_world.companies]
    assert min(counts) <= 2
    assert max(counts) >= 30
    # Stale evidence: needs solved months ago still have old snippets (and never make a company relevant).
    resolved = [(c, n) for c in tiny_world.companies for n in c.truth.needs if n.resolved_days is not None]
    assert resolved
    real = sum(c.truth.real for c in tiny_world.companies)
    assert real >= 50


def test_relevance_tracks_active_needs(tiny_world: World, truth_by_domain: dict[str, Any]) -> None:
    prompt_category = {p["prompt_id"]: p["category"] for p in tiny_world.prompts}
    needs_of = {c.id: set(c.needs) for c in CATEGORIES}
    for qrel in tiny_world.qrel_records:
        if qrel["grade"] > 0:
            truth = truth_by_domain[qrel["domain"]]
            active = {n.need for n in truth.needs if n.resolved_days is None}
            assert active & needs_of[prompt_category[qrel["prompt_id"]]]


def test_every_template_fills_and_need_tools_are_not_solutions(tiny_world: World) -> None:
    """Content consistency: each template's slots resolve; a need's own tools never solve it."""
    from dev.world import noise  # noqa: PLC0415
    from dev.world.evidence import _Slots  # noqa: PLC0415

    company = next(c.truth for c in tiny_world.companies if not c.truth.real)
    rng = random.Random(0)
    fixed = {"phrase": "x", "incumbent": "x", "solution": "x", "job": "x"}
    generic = [t for ts in noise.GENERIC.values() for t in ts] + list(noise.HIRING)
    generic += [t for pairs in noise.STAGE_LINES.values() for _, t in pairs]
    generic += [t for _, t in (*noise.SWITCHING, *noise.RESOLUTION, *noise.VENDOR_EXTRA)]
    generic += [t for c in CATEGORIES for t in (*c.vendor_lines, *c.distractors)]
    for template in generic:
        assert "{" not in template.format_map(_Slots(rng, company, None, **fixed)), template
    for need in NEEDS:
        for template in [*need.phrases, *(t for ts in need.evidence.values() for t in ts)]:
            assert "{" not in template.format_map(_Slots(rng, company, need, **fixed)), template
    incumbents = {c.id: set(c.incumbents) for c in CATEGORIES}
    needs = {n.id: n for n in NEEDS}
    for category in CATEGORIES:
        for need_id in category.needs:
            assert not set(needs[need_id].techs) & incumbents[category.id], (category.id, need_id)
