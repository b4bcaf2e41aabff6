"""Prompt understanding without an LLM: targets, exemplars and exclusions from a seller's free text.

Pure and total: any string parses (the worst case is a prompt with only keywords). The optional LLM
refinement (app/llm) returns the same `ParsedPrompt` shape and is merged by `merge_parsed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from app.ranking.gazetteer import COUNTRIES, INDUSTRY_TERMS, REGIONS, ROLE_TERMS, SIZE_TERMS, TARGET_NOUNS
from app.ranking.text import query_tokens, words

_NAME = r"([A-Z0-9][\w&.'-]*(?:\s+(?:[A-Z0-9][\w&.'-]*|&|of|and))*)"
_EXEMPLAR = re.compile(
    r"\b(?:companies|firms|businesses|organi[sz]ations|teams|brands|customers|accounts)?\s*"
    r"(?:like|such as|similar to|resembling|lookalikes? of|look-alikes? of|the likes of)\s+" + _NAME
)
_EXCLUDE_TECH = re.compile(
    r"\b(?:not|n't|never)\s+"
    r"(?:(?:companies|firms|businesses|anyone|those|teams)\s+(?:that are\s+|who are\s+)?)?"
    r"(?:already\s+|currently\s+|yet\s+)?(?:using|use|on|running|customers of|"
    r"with)\s+"
    + _NAME
    + r"|\b(?:without|excluding|except|other than|no)\s+(?:existing\s+|current\s+)?"
    + _NAME
    + r"(?:\s+(?:users|customers|shops))?"
    r"|\b[Ss]kip\s+(?:anyone|any|companies|those|firms)?\s*(?:already\s+|currently\s+)?(?:on|using|with)\s+"
    + _NAME,
)
_OUTSIDE = re.compile(
    r"\b(?:outside(?:\s+of)?|not in|excluding|except(?:\s+in)?|ex-|not from|"
    r"not\s+(?:\w+\s+){0,2}?(?:based|located|headquartered|registered)\s+in)\s+(?:the\s+)?([a-zA-Z. ]{2,30})"
)
_INSIDE = re.compile(
    r"\b(?:in|across|from|based in|headquartered in|throughout)\s+(?:the\s+)?([a-zA-Z. ]{2,30})"
)
# A NOT-clause in plain words, from a clause boundary to the end of the clause: "..., but not
# crypto or blockchain companies" (a "not" inside a sentence describes the need: "could not ...").
_NOT_TOPIC = re.compile(
    r"(?:^|[,;:(\u2014\u2013]\s*|\s-\s|\bbut\s+)(?:not|excluding|except(?:\s+for)?|other than)\s+"
    r"([a-z][a-z0-9 /&'-]{1,80})"
)
_TOPIC_SPLIT = re.compile(r"\s+(?:or|and|nor)\s+|/|,|&")
_TOPIC_NOISE = frozenset(
    [
        "companies",
        "company",
        "firms",
        "firm",
        "businesses",
        "business",
        "startups",
        "startup",
        "apps",
        "app",
        "ones",
        "those",
        "anyone",
        "players",
        "vendors",
        "providers",
        "teams",
        "people",
        "platforms",
        "any",
    ]
)


def _excluded_topics(text: str, taken: list[tuple[int, int]]) -> tuple[list[str], list[str]]:
    """Phrases of plain-word NOT-clauses that no other rule (countries, technologies) read, as
    space-separated index tokens, and all their tokens."""
    lowered = text.lower()
    topics: list[str] = []
    tokens: list[str] = []
    for m in _NOT_TOPIC.finditer(lowered):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        clause = re.split(r"[.;:!?()\u2014]|,\s*(?:but|and|with)\b", m.group(1))[0]
        for phrase in _TOPIC_SPLIT.split(clause):
            toks = [t for t in query_tokens(phrase) if t not in _TOPIC_NOISE_STEMS and not t.isdigit()]
            if toks:
                topics.append(" ".join(toks))
                tokens.extend(toks)
    return topics, tokens


_EMPLOYEES = re.compile(
    r"(?:(?P<op>up to|under|below|fewer than|less than|<|more than|over|above|at least|>)\s*)?"
    r"(?P<a>\d[\d,.]*\s*k?)(?:\s*(?:-|–|to)\s*(?P<b>\d[\d,.]*\s*k?))?\+?\s*(?:employees|staff|people|fte|headcount|"
    r"workers|seats)"
)
_NOT_KEYWORDS = frozenset(
    [
        "employee",
        "staff",
        "people",
        "headcount",
        "already",
        "using",
        "use",
        "outside",
        "excluding",
        "exclude",
        "except",
        "across",
        "based",
        "mid",
        "size",
        "sized",
        "large",
        "small",
        # the words of an employee range or a size comparison ("at least 50", "larger companies")
        "least",
        "most",
        "fewer",
        "larger",
        "smaller",
        "bigger",
        "midsize",
        "enterprise",
        "smb",
        "startup",
        "reach",
        "pay",
        "want",
        "try",
        "company",
    ]
)
_STOP_NAMES = frozenset({"The", "A", "An", "We", "Our", "I", "Who", "That", "This", "And", "Or"})


@dataclass(frozen=True, slots=True)
class ParsedPrompt:
    """What a prompt asks for. Tuples are ordered and duplicate-free; codes are upper case."""

    text: str
    keywords: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()  # NAICS 2-digit sectors
    countries: tuple[str, ...] = ()
    excluded_countries: tuple[str, ...] = ()
    employees_min: int | None = None
    employees_max: int | None = None
    roles: tuple[str, ...] = ()
    exemplars: tuple[str, ...] = ()
    excluded_terms: tuple[str, ...] = ()  # technologies / vendors / names to exclude
    # Topics the seller rules out in words ("..., not crypto exchanges"): each is the index tokens of
    # one phrase, space-separated; a company whose text has every token of one is excluded.
    excluded_topics: tuple[str, ...] = ()
    source: str = "rules"
    notes: tuple[str, ...] = field(default_factory=tuple)


_NOT_STEMS = frozenset(_NOT_KEYWORDS) | frozenset(t for w in _NOT_KEYWORDS for t in query_tokens(w))
_TOPIC_NOISE_STEMS = _TOPIC_NOISE | frozenset(t for w in _TOPIC_NOISE for t in query_tokens(w))


def _uniq(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _number(raw: str) -> int | None:
    raw = raw.strip().lower().replace(",", "")
    mult = 1000 if raw.endswith("k") else 1
    raw = raw.rstrip("k").strip()
    try:
        value = float(raw) * mult
    except ValueError:
        return None
    return int(value) if 0 <= value < 1e8 else None


def _place_names(fragment: str) -> list[tuple[str, tuple[str, ...]]]:
    """The gazetteer's places named in `fragment`, each as (name, codes), regions first, in the
    gazetteer's order. A name inside a longer one already found is not found again: "latin america"
    is not also "america" (US), "north american" not also "america"."""
    low = " " + re.sub(r"[^a-z. ]", " ", fragment.lower()) + " "
    found: set[str] = set()
    for padded, name, _codes in _PLACE_FORMS_LONGEST_FIRST:
        if padded in low:
            found.add(name)
            low = low.replace(padded, " " * len(padded))
    return [(name, codes) for _padded, name, codes in _PLACE_FORMS if name in found]


def _places(fragment: str) -> list[str]:
    """Country codes named in `fragment` ("the US and Canada" -> US, CA)."""
    return [code for _name, codes in _place_names(fragment) for code in codes]


# The gazetteer's place names between spaces, as `_place_names` looks for them (computed once):
# regions, then countries (the order of the codes found), and the same by length, longest first.
_PLACE_FORMS: list[tuple[str, str, tuple[str, ...]]] = [
    *((f" {name} ", name, codes) for name, codes in REGIONS.items()),
    *((f" {name} ", name, (code,)) for name, code in COUNTRIES.items()),
]
_PLACE_FORMS_LONGEST_FIRST = sorted(_PLACE_FORMS, key=lambda form: -len(form[1]))
# Abbreviations a prompt writes in capitals before the companies it means ("US companies only",
# "UK-based", "EU fintechs"): in lower case "us" is a pronoun, so only these forms are read.
_ABBREVIATED_PLACE = re.compile(
    r"\b(US|USA|UK|EU|UAE)"  # then "-based", " based", " only", or the (up to two) words that follow
    r"(?:-based\b|\s+(?:based|only)\b|\s+([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)?))"
)


def _triggers(term_words: str) -> frozenset[str] | None:
    """A form of a term is found only as whole words of the prompt, so the prompt holds its first
    word: a one-word term's forms are single words, the others' all start with the term's first."""
    if not term_words:
        return None
    if " " not in term_words:
        return frozenset((term_words, term_words + "s", term_words + "es"))
    return frozenset((term_words.split(" ", 1)[0],))


# Each industry term as the words a prompt is matched on, with its sectors (computed once).
_INDUSTRY_FORMS = [(" ".join(words(term.replace("-", " "))), codes) for term, codes in INDUSTRY_TERMS.items()]
# The same, with what `_industries` needs of each: the words one of which a prompt has to hold for
# a form to be found (None: no words, always looked for), and the forms, bare and between spaces.
_INDUSTRY_SEARCH = [
    (
        term_words,
        codes,
        _triggers(term_words),
        [(form, f" {form} ") for form in (term_words, term_words + "s", term_words + "es")],
    )
    for term_words, codes in _INDUSTRY_FORMS
]
# One pattern per role term: the term, optionally plural, as whole words.
_ROLE_PATTERNS = [(role, re.compile(rf"\b{re.escape(role)}s?\b")) for role in ROLE_TERMS]


def _industries(lowered: str) -> list[str]:
    tokens = words(lowered.replace("-", " "))
    joined = " " + " ".join(tokens) + " "
    present = frozenset(tokens)
    sectors: list[str] = []
    for term_words, codes, triggers, forms in _INDUSTRY_SEARCH:
        if triggers is not None and present.isdisjoint(triggers):
            continue  # a cheap test that skips most terms
        for form, padded in forms:
            idx = joined.find(padded)
            if idx < 0:
                continue
            after = joined[idx + len(form) + 2 :].split(" ", 2)
            plural = form != term_words or term_words.endswith(("ies", "ers", "ks", "ls", "es"))
            target = plural or (after and after[0] in TARGET_NOUNS)
            before = joined[:idx].split()
            target = target or bool(before and before[-1] in {"for", "in", "to", "at", "across"})
            if target:
                sectors.extend(codes)
            break
    return sectors


def _sizes(text: str, lowered: str) -> tuple[int | None, int | None]:
    low: int | None = None
    high: int | None = None
    match = _EMPLOYEES.search(lowered)
    if match:
        a = _number(match.group("a"))
        b = _number(match.group("b")) if match.group("b") else None
        op = (match.group("op") or "").strip()
        if b is not None and a is not None:
            low, high = min(a, b), max(a, b)
        elif a is not None and op in {"up to", "under", "below", "fewer than", "less than", "<"}:
            high = a
        elif a is not None:
            low = a
        return low, high
    for term, pattern, (lo, hi) in _SIZE_PATTERNS:
        if term not in lowered:
            continue
        for m in pattern.finditer(lowered):
            if term not in SIZE_ADJECTIVES or _sizes_an_organisation(lowered[m.end() :]):
                return lo, hi
    return None, None


# The size terms, longest first, each as a whole-word pattern (compiled once).
_SIZE_PATTERNS = [
    (term, re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])"), bounds)
    for term, bounds in sorted(SIZE_TERMS.items(), key=lambda kv: -len(kv[0]))
]


# Size words that are plain adjectives elsewhere: "large language models", "large AWS bills", "small
# files" say nothing of the buyer's size; they count only before a word naming organisations.
SIZE_ADJECTIVES = frozenset({"small", "large"})
# Organisation nouns beyond the gazetteer's target nouns and industry terms (those count too).
_BUYER_NOUNS = (
    "charity",
    "client",
    "corporate",
    "corporation",
    "customer",
    "developer",
    "district",
    "employer",
    "fund",
    "grower",
    "institution",
    "lab",
    "law",
    "merchant",
    "municipality",
    "org",
    "practice",
    "producer",
    "seller",
    "shipper",
    "studio",
)


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"


_ORGANISATION_WORDS = frozenset(
    {*TARGET_NOUNS, *INDUSTRY_TERMS, *(f"{t}s" for t in INDUSTRY_TERMS)}
    | {*_BUYER_NOUNS, *map(_plural, _BUYER_NOUNS)}
)
_SIZE_CONNECTORS = frozenset({"and", "or", "to"})  # "small and medium businesses", "small to mid-size"


def _sizes_an_organisation(after: str) -> bool:
    """Whether the noun a size adjective describes names organisations ("large retailers"), skipping
    connectors and other size words ("small and medium businesses")."""
    content = [
        w
        for w in re.findall(r"[a-z][a-z-]*", after)[:5]
        if w not in _SIZE_CONNECTORS and w not in SIZE_TERMS and w != "medium"
    ]
    # The noun may follow one modifier: "small trades businesses", "large grocery chains".
    return any(w in _ORGANISATION_WORDS for w in content[:2])


def _names(pattern: re.Pattern[str], text: str) -> list[str]:
    out: list[str] = []
    for match in pattern.finditer(text):
        for group in match.groups():
            if not group:
                continue
            name = group.strip(" .,'")
            # Keep the leading run of capitalised words: "Snowflake that are ..." -> "Snowflake".
            kept: list[str] = []
            for w in name.split():
                if w[0].isupper() or w[0].isdigit() or (kept and w in {"&", "of", "and"}):
                    kept.append(w)
                else:
                    break
            while kept and kept[-1] in {"&", "of", "and"}:
                kept.pop()
            candidate = " ".join(kept)
            if candidate and candidate not in _STOP_NAMES:
                out.append(candidate)
    return out


def parse_prompt(text: str) -> ParsedPrompt:
    """Parse a seller's prompt. Never raises; an empty or odd prompt yields empty targets."""
    lowered = text.lower()
    exemplars = _names(_EXEMPLAR, text)
    excluded = [n for n in _names(_EXCLUDE_TECH, text) if n not in exemplars]
    excluded_countries: list[str] = []
    for match in _OUTSIDE.finditer(text):
        excluded_countries.extend(_places(match.group(1)))
    countries: list[str] = []
    targeted: list[str] = []  # names of the places targeted: filters, not words the buyers' text holds

    def target(name: str, codes: tuple[str, ...]) -> None:
        kept = [c for c in codes if c not in excluded_countries]
        if kept:
            countries.extend(kept)
            targeted.append(name)

    for m in _INSIDE.finditer(text):
        for name, codes in _place_names(m.group(1)):
            target(name, codes)
    # Demonyms and regions anywhere ("German manufacturers", "DACH region only") count as targets too.
    for name, codes in _place_names(text):
        if name in REGIONS or len(name) > 3:
            target(name, codes)
    # Capitalised abbreviations before the companies meant ("US companies only", "UK-based").
    for m in _ABBREVIATED_PLACE.finditer(text):
        after = (m.group(2) or "").lower().split()
        if m.group(2) is None or any(w in _ORGANISATION_WORDS for w in after):
            for name, codes in _place_names(m.group(1)):
                target(name, codes)
    # Excluded names are not also countries ("outside the US" would otherwise match "US").
    excluded = [n for n in excluded if not _places(n)]
    low, high = _sizes(text, lowered)
    roles = [role for role, pattern in _ROLE_PATTERNS if pattern.search(lowered)]
    # Names of exemplars, exclusions and places (excluded or targeted) are not what the buyers' text
    # should say: the places are filters and the country fit.
    outside = [m.group(1) for m in _OUTSIDE.finditer(text) if _places(m.group(1))]
    taken = [m.span() for m in _OUTSIDE.finditer(text) if _places(m.group(1))]
    taken += [m.span() for m in _EXCLUDE_TECH.finditer(text)]
    topics, topic_tokens = _excluded_topics(text, taken)
    removed = {t for name in exemplars + excluded + outside + targeted for t in query_tokens(name)}
    removed |= set(topic_tokens)
    keywords = [t for t in query_tokens(text) if t not in removed and t not in _NOT_STEMS and not t.isdigit()]
    return ParsedPrompt(
        text=text,
        keywords=_uniq(keywords),
        industries=_uniq(sorted(set(_industries(lowered)))),
        countries=_uniq(countries),
        excluded_countries=_uniq(excluded_countries),
        employees_min=low,
        employees_max=high,
        roles=_uniq(roles),
        exemplars=_uniq(exemplars),
        excluded_terms=_uniq(excluded),
        excluded_topics=_uniq(topics),
    )


def merge_parsed(base: ParsedPrompt, refined: ParsedPrompt) -> ParsedPrompt:
    """Union of the rules' parse and an LLM's parse (the LLM may only add targets, never drop them)."""
    return replace(
        base,
        keywords=_uniq([*base.keywords, *refined.keywords]),
        industries=_uniq([*base.industries, *refined.industries]),
        countries=_uniq([*base.countries, *refined.countries]),
        excluded_countries=_uniq([*base.excluded_countries, *refined.excluded_countries]),
        employees_min=base.employees_min if base.employees_min is not None else refined.employees_min,
        employees_max=base.employees_max if base.employees_max is not None else refined.employees_max,
        roles=_uniq([*base.roles, *refined.roles]),
        exemplars=_uniq([*base.exemplars, *refined.exemplars]),
        excluded_terms=_uniq([*base.excluded_terms, *refined.excluded_terms]),
        excluded_topics=_uniq([*base.excluded_topics, *refined.excluded_topics]),
        source="rules+llm",
    )
