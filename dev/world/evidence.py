"""Miner snippets written from a company's hidden truth, in the exact ingestion contract shape."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import timedelta

from dev.world import noise
from dev.world.catalog import Catalog
from dev.world.config import WORLD_NOW
from dev.world.miners import MinerPool
from dev.world.model import CompanyRef, CompanyTruth, Contact, ContactRef, Need, NeedState, SnippetRecord
from dev.world.names import person_name
from dev.world.rng import rng_for, stable_id, timestamp

_COUNTS = {
    "unaware": (1, 2),
    "problem_aware": (2, 3),
    "researching": (2, 4),
    "evaluating": (3, 5),
    "purchasing": (3, 6),
}
_HOSTS = {
    "news": (
        "www.tradewire-news.com",
        "www.bizjournal-daily.com",
        "www.industry-ledger.com",
        "www.marketpulse-report.com",
        "www.regionalbusinesstimes.com",
    ),
    "job_post": ("jobs.hirepath.io", "careers.talentboard.com", "www.workfinder-jobs.com"),
    "review": ("www.staffvoices.com", "www.peerreview-hub.com"),
    "social": ("www.prosocial.network", "www.chirpline.com"),
    "funding": ("www.fundingtracker.io", "www.venturewire-daily.com"),
    "tech_stack": ("www.stackscan.io", "www.builtwith-index.com"),
    "profile": ("www.firmographics-hub.com", "directory.bizgraph.io"),
}
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class _Draft:
    days: float
    kind: str
    text: str
    miner: str
    full_company: bool = False
    contact: Contact | None = None
    url: str | None = None
    resubmit: bool = False  # the same miner sends this snippet twice (same snippet_id)
    quality: str = "good"


class _Slots(dict[str, str]):
    """Template slots filled on first use, so a value is consistent within one snippet."""

    def __init__(self, rng: random.Random, company: CompanyTruth, need: Need | None, **fixed: str) -> None:
        super().__init__(name=company.name, city=company.city, **fixed)
        self.rng = rng
        self.company = company
        self.need = need

    def __missing__(self, key: str) -> str:
        rng, need = self.rng, self.need
        if need is not None and key in need.slots:
            value = rng.choice(need.slots[key])
        elif key == "legacy" and need is not None and need.legacy:
            mine = [t.name for t in self.company.techs if t.name in need.legacy]
            value = mine[0] if mine else rng.choice(need.legacy)
        elif key == "tech" and need is not None and need.techs:
            value = rng.choice(need.techs)
        elif key == "role" and need is not None:
            value = rng.choice(need.personas)
        else:
            value = _common(rng, key)
        self[key] = value
        return value


_RANGES = {"n": (2, 12), "big": (20, 400), "pct": (15, 90), "months": (3, 18)}
_CHOICES = {"q": ("Q1", "Q2", "Q3", "Q4"), "year": ("2025", "2026")}


def _common(rng: random.Random, key: str) -> str:
    if key in _RANGES:
        return str(rng.randint(*_RANGES[key]))
    if key in _CHOICES:
        return rng.choice(_CHOICES[key])
    if key == "person":
        return " ".join(person_name(rng))
    raise KeyError(f"unknown template slot {{{key}}}")


class EvidenceWriter:
    def __init__(self, seed: int, catalog: Catalog, pool: MinerPool) -> None:
        self.seed = seed
        self.catalog = catalog
        self.pool = pool

    def write(self, company: CompanyTruth) -> list[SnippetRecord]:
        rng = rng_for(self.seed, "evidence", company.index)
        drafts: list[_Draft] = []
        self._profiles(rng, company, drafts)
        for state in company.needs:
            self._need(rng, company, state, drafts)
        for incumbent in company.switching:
            kind, template = rng.choice(noise.SWITCHING)
            text = template.format_map(_Slots(rng, company, None, incumbent=incumbent))
            drafts.append(self._draft(rng, rng.expovariate(1 / 60), kind, text, company))
        if not company.sparse:
            self._tech(rng, company, drafts)
            self._funding_and_hiring(rng, company, drafts)
        self._everyday(rng, company, drafts)
        if company.vendor_of:
            self._vendor(rng, company, drafts)
        self._lazy(rng, company, drafts)
        self._spam(rng, company, drafts)
        return self._records(rng, company, drafts)

    # -- truthful evidence ------------------------------------------------------------------------
    def _draft(
        self, rng: random.Random, days: float, kind: str, text: str, company: CompanyTruth, **extra: object
    ) -> _Draft:
        contact = None
        if company.contacts and kind in ("job_post", "social", "profile") and rng.random() < 0.45:
            contact = rng.choice(company.contacts)
        draft = _Draft(
            days=max(0.01, days), kind=kind, text=text, miner=self.pool.good(rng, kind), contact=contact
        )
        for key, value in extra.items():
            setattr(draft, key, value)
        return draft

    def _profiles(self, rng: random.Random, company: CompanyTruth, drafts: list[_Draft]) -> None:
        count = (1 if rng.random() < 0.6 else 0) if company.sparse else 1 + (rng.random() < 0.4)
        for _ in range(count):
            drafts.append(
                self._draft(
                    rng, rng.uniform(0, 900), "profile", company.description, company, full_company=True
                )
            )

    def _need(
        self, rng: random.Random, company: CompanyTruth, state: NeedState, drafts: list[_Draft]
    ) -> None:
        need = self.catalog.needs[state.need]
        pairs = [(kind, t) for kind, templates in need.evidence.items() for t in templates]
        lo, hi = _COUNTS[state.stage]
        count = rng.randint(lo, hi)
        if company.sparse:
            count = 1 if rng.random() < 0.5 else 0
        if state.resolved_days is not None:
            count = rng.randint(1, 3)
        chosen = rng.sample(pairs, min(count, len(pairs)))
        for kind, template in chosen:
            slots = _Slots(rng, company, need)
            drafts.append(
                self._draft(rng, self._need_days(rng, state), kind, template.format_map(slots), company)
            )
        phrase_slots = _Slots(rng, company, need)
        phrase = rng.choice(need.phrases).format_map(phrase_slots)
        if state.resolved_days is None and state.stage in noise.STAGE_LINES and not company.sparse:
            kind, template = rng.choice(noise.STAGE_LINES[state.stage])
            text = template.format_map(_Slots(rng, company, need, phrase=phrase))
            drafts.append(self._draft(rng, self._need_days(rng, state), kind, text, company))
        if state.resolved_days is not None and state.solution and rng.random() < 0.8:
            kind, template = rng.choice(noise.RESOLUTION)
            text = template.format_map(_Slots(rng, company, need, phrase=phrase, solution=state.solution))
            drafts.append(self._draft(rng, state.resolved_days - rng.uniform(0, 20), kind, text, company))

    @staticmethod
    def _need_days(rng: random.Random, state: NeedState) -> float:
        if state.resolved_days is not None:
            return rng.uniform(state.resolved_days, state.onset_days)
        if state.stage in ("evaluating", "purchasing"):
            return min(state.onset_days, rng.expovariate(1 / 40))
        if state.stage == "researching":
            return min(state.onset_days, rng.expovariate(1 / 90))
        return rng.uniform(0, state.onset_days)

    def _tech(self, rng: random.Random, company: CompanyTruth, drafts: list[_Draft]) -> None:
        scans = [rng.uniform(0, 60)] + ([rng.uniform(200, 700)] if rng.random() < 0.6 else [])
        for day in scans:
            live = [
                t.name
                for t in company.techs
                if t.added_days >= day and (t.removed_days is None or t.removed_days < day)
            ]
            if live:
                month = (WORLD_NOW - timedelta(days=day)).strftime("%B %Y")
                text = f"Technologies detected on {company.domain} ({month} scan): {', '.join(live)}."
                drafts.append(self._draft(rng, day, "tech_stack", text, company))
        for tech in company.techs:
            if tech.removed_days is not None and tech.removed_days < 400 and rng.random() < 0.8:
                text = f"Change detected on {company.domain}: {tech.name} is no longer detected."
                drafts.append(self._draft(rng, tech.removed_days, "tech_stack", text, company))
            if tech.added_days < 300 and rng.random() < 0.7:
                text = f"New technology detected on {company.domain}: {tech.name}."
                drafts.append(self._draft(rng, tech.added_days, "tech_stack", text, company))

    def _funding_and_hiring(self, rng: random.Random, company: CompanyTruth, drafts: list[_Draft]) -> None:
        for r in company.funding:
            if rng.random() < 0.9:
                text = rng.choice(
                    (
                        f"{company.name} raised ${r.amount_musd}M in a {r.round} round led by {r.investor}.",
                        f"{company.name} closes ${r.amount_musd} million {r.round} led by {r.investor} to "
                        f"expand in "
                        f"{company.city}.",
                    )
                )
                drafts.append(self._draft(rng, r.days_ago - rng.uniform(0, 5), "funding", text, company))
        recent = [r.days_ago for r in company.funding if r.days_ago < 365]
        if recent or (company.growth == "scaleup" and rng.random() < 0.6):
            start = min(recent) if recent else 180.0
            jobs = noise.JOBS.get(company.sector, noise.DEFAULT_JOBS)
            for _ in range(rng.randint(1, 4)):
                text = rng.choice(noise.HIRING).format_map(_Slots(rng, company, None, job=rng.choice(jobs)))
                drafts.append(self._draft(rng, rng.uniform(0, start), "job_post", text, company))

    def _everyday(self, rng: random.Random, company: CompanyTruth, drafts: list[_Draft]) -> None:
        count = rng.randint(0, 1) if company.sparse else rng.randint(1, 3) + 2 * (company.employees > 1_000)
        for _ in range(count):
            kind = rng.choice(tuple(noise.GENERIC))
            text = rng.choice(noise.GENERIC[kind]).format_map(_Slots(rng, company, None))
            drafts.append(self._draft(rng, rng.uniform(0, 720), kind, text, company))
        if rng.random() < 0.12:
            category = rng.choice(self.catalog.categories)
            if category.distractors:
                text = rng.choice(category.distractors).format_map(_Slots(rng, company, None))
                drafts.append(
                    self._draft(rng, rng.uniform(0, 500), rng.choice(("news", "web")), text, company)
                )

    def _vendor(self, rng: random.Random, company: CompanyTruth, drafts: list[_Draft]) -> None:
        category = self.catalog.category_by_id[str(company.vendor_of)]
        lines = rng.sample(category.vendor_lines, min(len(category.vendor_lines), rng.randint(2, 4)))
        kinds = ("web", "news", "social", "review")
        for pos, template in enumerate(lines):
            text = template.format_map(_Slots(rng, company, None))
            drafts.append(self._draft(rng, rng.uniform(0, 500), kinds[pos % len(kinds)], text, company))
        kind, template = rng.choice(noise.VENDOR_EXTRA)
        drafts.append(
            self._draft(
                rng, rng.uniform(0, 300), kind, template.format_map(_Slots(rng, company, None)), company
            )
        )

    # -- low-quality miners -------------------------------------------------------------------------
    def _lazy(self, rng: random.Random, company: CompanyTruth, drafts: list[_Draft]) -> None:
        copies: list[_Draft] = []
        for d in drafts:
            roll = rng.random()
            if d.kind == "profile" or roll > 0.15:
                continue
            if roll < 0.10:
                copies.append(
                    _Draft(
                        max(0.01, d.days - rng.uniform(1, 40)),
                        d.kind,
                        noise.near_duplicate(rng, d.text),
                        self.pool.of_class(rng, "lazy"),
                        quality="lazy",
                    )
                )
            elif roll < 0.13:
                copies.append(
                    _Draft(
                        max(0.01, d.days - rng.uniform(0, 10)),
                        d.kind,
                        d.text,
                        self.pool.good(rng, d.kind),
                        url=self._url(rng, company, d),
                    )
                )
                d.url = copies[-1].url
            else:
                d.resubmit = True
        if rng.random() < 0.1:
            text = rng.choice(noise.BOILERPLATE).format(name=company.name)
            copies.append(
                _Draft(
                    rng.uniform(100, 900),
                    "profile",
                    text,
                    self.pool.of_class(rng, "lazy"),
                    full_company=True,
                    quality="lazy",
                )
            )
        drafts.extend(copies)

    def _spam(self, rng: random.Random, company: CompanyTruth, drafts: list[_Draft]) -> None:
        spammer = self.pool.of_class(rng, "spammer")
        roll = rng.random()
        if roll < 0.05:
            need = rng.choice(self.catalog.need_list())
            if all(s.need != need.id for s in company.needs):
                kind = rng.choice(tuple(need.evidence))
                text = rng.choice(need.evidence[kind]).format_map(_Slots(rng, company, need))
                future = rng.random() < 0.05
                days = -rng.uniform(30, 90) if future else rng.uniform(0, 60)
                drafts.append(_Draft(days, kind, text, spammer, quality="spammer"))
        elif roll < 0.08:
            drafts.append(
                _Draft(
                    rng.uniform(0, 30),
                    rng.choice(("social", "web")),
                    rng.choice(noise.OFF_TOPIC),
                    spammer,
                    quality="spammer",
                )
            )
        elif roll < 0.084:
            line = rng.choice(rng.choice(self.catalog.categories).vendor_lines)
            words = [w for w in _SLUG.split(line.lower()) if len(w) > 4] or ["leads", "buyers", "intent"]
            day = rng.uniform(0, 20)
            for _ in range(rng.randint(20, 50)):
                a, b, c = (rng.choice(words) for _ in range(3))
                text = noise.STUFFING.format(name=company.name, a=a, b=b, c=c)
                drafts.append(_Draft(day + rng.uniform(0, 0.05), "web", text, spammer, quality="spammer"))

    # -- output ----------------------------------------------------------------------------------------
    def _url(self, rng: random.Random, company: CompanyTruth, d: _Draft) -> str:
        slug = "-".join(w for w in _SLUG.split(d.text.lower())[:7] if w)[:60] or "post"
        token = f"{rng.getrandbits(32):08x}"
        if d.kind == "web":
            return f"https://{company.domain}/{rng.choice(('blog', 'news', 'careers', 'about'))}/{slug}"
        if d.kind == "profile" and rng.random() < 0.5:
            return f"https://{company.domain}/about"
        host = rng.choice(_HOSTS[d.kind])
        if d.kind in ("tech_stack", "profile"):
            return f"https://{host}/company/{company.domain}?v={token}"
        return f"https://{host}/{slug}-{token}"

    def _company_ref(self, rng: random.Random, company: CompanyTruth, d: _Draft) -> CompanyRef:
        domain = company.domain
        roll = rng.random()
        if roll < 0.03:
            domain = "www." + domain
        elif roll < 0.05:
            domain = domain.upper()
        elif roll < 0.06:
            domain += "."
        ref: CompanyRef = {"domain": domain, "name": company.name}
        if d.quality == "spammer":
            ref["employees"] = rng.randint(1, 100_000)
            return ref
        stale = 0.75 if d.quality == "lazy" else 1.0
        employees = max(1, round(company.employees * stale * rng.uniform(0.92, 1.08)))
        if d.full_company:
            ref["industry"] = company.industry
            ref["employees"] = employees
            ref["country"] = company.country
            ref["description"] = company.description
        elif rng.random() < 0.3:
            ref["country"] = company.country
            ref["employees"] = employees
        return ref

    def _records(
        self, rng: random.Random, company: CompanyTruth, drafts: list[_Draft]
    ) -> list[SnippetRecord]:
        records: list[tuple[float, int, SnippetRecord]] = []
        for seq, d in enumerate(drafts):
            text = d.text
            if d.kind == "web" and rng.random() < 0.2:  # scraped pages keep some markup; ingestion strips it
                text = f'<div class="post"><p>{text}</p></div>'
            record: SnippetRecord = {
                "miner_id": d.miner,
                "company": self._company_ref(rng, company, d),
                "kind": d.kind,
                "text": text,
                "source_url": d.url or self._url(rng, company, d),
                "observed_at": timestamp(d.days),
            }
            keep_id = d.quality == "good" or rng.random() < (0.5 if d.quality == "lazy" else 0.3)
            sid = stable_id("s", self.seed, company.index, seq, length=24) if keep_id else None
            if d.contact is not None:
                contact: ContactRef = {
                    "name": d.contact.name,
                    "title": d.contact.title,
                    "email": d.contact.email,
                }
                if d.contact.linkedin_url:
                    contact["linkedin_url"] = d.contact.linkedin_url
                record["contact"] = contact
            if sid is not None:
                record = {"snippet_id": sid, **record}
            records.append((-d.days, seq, record))
            if d.resubmit:
                records.append((-d.days + 0.5, seq, record.copy()))
        records.sort(key=lambda item: (item[0], item[1]))
        return [r for _, _, r in records]
