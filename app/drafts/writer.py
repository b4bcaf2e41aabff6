"""The deterministic outreach writer: a subject and at most 120 words composed from a lead's
evidence, every sentence that states a fact about the lead citing the snippet(s) it came from.

Pure. A fact is a phrase copied from the cited snippet's text (a technology, a role being hired, a
funding round, a clause of a news item, the company's name); the writer checks each one is present
in a cited snippet before using it, so a draft can only say what the evidence says. Sentences in
the seller's voice (from the ICP's product description) and the call to action state no fact about
the lead and cite nothing. No usable fact: no draft.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.lists.evidence import LeadEvidence, SnippetFact
from app.ranking.text import SENTENCE_END

MAX_WORDS = 120
MAX_FACT_SENTENCES = 3
SELLER_WORDS = 30
CLAUSE_WORDS = 18
SUBJECT_WORDS = 8


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    citations: tuple[str, ...] = ()
    facts: tuple[str, ...] = field(default=(), compare=False)  # the copied phrases (for checks)


@dataclass(frozen=True, slots=True)
class DraftText:
    subject: Sentence
    sentences: tuple[Sentence, ...]
    writer: str

    @property
    def body(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def word_count(self) -> int:
        return words(self.body)


def words(text: str) -> int:
    return len(text.split())


def prefix_words(text: str, n: int) -> str:
    """The first `n` words of `text` exactly as written (a prefix, so still found where `text` is)."""
    match = re.match(rf"\s*(\S+(?:\s+\S+){{0,{n - 1}}})", text)
    return match.group(1) if match else text


def _supporting(fact: str, snippets: Iterable[SnippetFact]) -> str | None:
    """The id of a snippet whose text contains `fact` (case-insensitive), newest first."""
    needle = fact.casefold()
    for s in snippets:
        if needle and needle in s.text.casefold():
            return s.id
    return None


def _entry_snippets(lead: LeadEvidence, entry: dict[str, object]) -> list[SnippetFact]:
    ids = entry.get("evidence")
    return lead.cited(ids if isinstance(ids, list) else [])


def _first_clause(text: str) -> str | None:
    """The first sentence of a snippet, cut to a few words, as it appears in the text."""
    first = SENTENCE_END.split(text.strip(), maxsplit=1)[0].rstrip(".!? ")
    cut = " ".join(first.split()[:CLAUSE_WORDS])
    return cut if cut and cut in text else None


def fact_sentences(lead: LeadEvidence, *, technologies: Iterable[str] = ()) -> list[Sentence]:
    """Candidate sentences about the lead, best first; each fact present in the snippet it cites."""
    out: list[Sentence] = []
    profile = lead.profile
    for item in sorted(profile.get("hiring") or [], key=lambda i: str(i.get("date", "")), reverse=True)[:1]:
        role = str(item.get("role") or "").strip()
        sid = _supporting(role, _entry_snippets(lead, item))
        if role and sid:
            out.append(Sentence(f"I noticed you are hiring {role}.", (sid,), (role,)))
    for item in sorted(profile.get("funding") or [], key=lambda i: str(i.get("date", "")), reverse=True)[:1]:
        round_name = str(item.get("round") or "").strip()
        sid = _supporting(round_name, _entry_snippets(lead, item))
        if round_name and sid:
            out.append(Sentence(f"Congratulations on the {round_name}.", (sid,), (round_name,)))
    techs = profile.get("technographics") or {}
    wanted = {t.casefold() for t in technologies}
    current = [t for t in techs.values() if t.get("status") == "current" and t.get("name")]
    current.sort(
        key=lambda t: (str(t["name"]).casefold() not in wanted, str(t.get("last_seen", ""))), reverse=False
    )
    for entry in current[:1]:
        name = str(entry["name"])
        sid = _supporting(name, _entry_snippets(lead, entry))
        if sid:
            out.append(Sentence(f"I saw that your team works with {name}.", (sid,), (name,)))
    for item in sorted(
        profile.get("news_triggers") or [], key=lambda i: str(i.get("date", "")), reverse=True
    )[:1]:
        for s in _entry_snippets(lead, item)[:1]:
            clause = _first_clause(s.text)
            if clause:
                out.append(Sentence(f'I read that "{clause}".', (s.id,), (clause,)))
    return out


def seller_sentence(product_description: str) -> Sentence:
    """The seller's voice: their own product description, first sentence, shortened."""
    first = SENTENCE_END.split(product_description.strip(), maxsplit=1)[0].rstrip(".!? ")
    cut = " ".join(first.split()[:SELLER_WORDS])
    if not cut:
        return Sentence("We help teams like yours.")
    return Sentence(
        f"We build {cut[:1].lower() + cut[1:]}." if not cut.lower().startswith("we ") else cut + "."
    )


def _greeting(lead: LeadEvidence) -> Sentence:
    name = lead.name.strip()
    sid = _supporting(name, lead.snippets.values()) if name else None
    if name and sid:
        return Sentence(f"Hi {name} team,", (sid,), (name,))
    return Sentence("Hi there,")


CLOSING = Sentence("Would a short call next week be useful to see whether it fits?")


def write_draft(
    lead: LeadEvidence, *, product_description: str, technologies: Iterable[str] = ()
) -> DraftText | None:
    facts = fact_sentences(lead, technologies=technologies)[:MAX_FACT_SENTENCES]
    if not facts:
        return None
    subject_fact = prefix_words(facts[0].facts[0], SUBJECT_WORDS)
    subject = Sentence(f"About {subject_fact}", facts[0].citations, (subject_fact,))
    seller = seller_sentence(product_description)
    while True:
        sentences = (_greeting(lead), *facts, seller, CLOSING)
        draft = DraftText(subject=subject, sentences=sentences, writer="deterministic")
        if draft.word_count <= MAX_WORDS or len(facts) == 1:
            break
        facts = facts[:-1]
    if draft.word_count > MAX_WORDS:
        return None
    return draft
