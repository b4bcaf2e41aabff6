"""Facts read from one snippet's text with plain patterns (no model): technologies added, used,
dropped or under evaluation; funding rounds; hiring; news triggers; stated pains; founding year and
headcount. Recall is modest by design; precision matters more because profile fields are evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TECH = r"([A-Z][A-Za-z0-9+#.]*(?:[ -](?:[A-Z0-9][A-Za-z0-9+#.]*|on|for)){0,3})"
_STOP_TECH = frozenset(
    {"The", "We", "Our", "It", "Its", "This", "That", "A", "An", "In", "Q1", "Q2", "Q3", "Q4", "I"}
)

TECH_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dropped", re.compile(r"\b(?:migrat\w*|mov\w*|switch\w*)\s+(?:away\s+)?(?:off|from)\s+" + _TECH)),
    (
        "dropped",
        re.compile(
            r"\b(?:dropp\w*|replac\w*|decommission\w*|sunset\w*|retir\w*|phas\w* out|ditch\w*|"
            r"turn\w* off|cancel\w*|churn\w* from)\s+(?:our\s+|the\s+|its\s+|their\s+)?" + _TECH
        ),
    ),
    ("added", re.compile(r"\b(?:migrat\w*|mov\w*|switch\w*)\s+(?:\w+\s+){0,3}?(?:to|onto)\s+" + _TECH)),
    (
        "added",
        re.compile(
            r"\b(?:adopt\w*|add\w*|deploy\w*|roll\w* out|rolled out|implement\w*|introduc\w*|"
            r"sign\w* (?:up )?(?:with|for)|chose|selected|went live (?:on|with)|standardi[sz]\w* on)\s+"
            r"(?:our\s+|a\s+|the\s+)?" + _TECH
        ),
    ),
    (
        "evaluating",
        re.compile(
            r"\b(?:evaluat\w*|look\w* (?:at|for)|consider\w*|explor\w*|shopping for|RFP for)\s+"
            r"(?:\w+\s+){0,2}?(?:alternatives? to|replacements? for|options beyond)\s+" + _TECH
        ),
    ),
    (
        "uses",
        re.compile(
            r"\b(?:uses|using|runs on|running on|built on|powered by|stack includes|stack:|"
            r"experience with|on top of)\s+(?:our\s+|the\s+)?" + _TECH
        ),
    ),
)

_MONEY = re.compile(
    r"(?:\$|USD\s?|€|EUR\s?|£|GBP\s?)\s?(\d+(?:[.,]\d+)?)\s?(k|K|m|M|mm|MM|million|bn|B|billion)?\b"
)
_ROUND = re.compile(
    r"\b(pre-seed|seed|series [a-h]|growth round|growth equity|bridge round|debt financing|ipo)\b",
    re.IGNORECASE,
)
_FUNDING_HINT = re.compile(r"\b(raise[sd]?|raising|funding|round|investment|financing|closes?)\b", re.I)
_HIRING = re.compile(
    r"\b(?:hiring|recruiting|looking for|seeking|opening for|job opening[s]?:?)\s+"
    r"(?:(?:an?|its first|our first|a new|(\d{1,4})|several|multiple)\s+)?"
    r"([A-Z][A-Za-z/&-]*(?:\s+[A-Z][A-Za-z/&-]*){0,4}s?)"
)
_FOUNDED = re.compile(
    r"\b(?:founded|established|started|incorporated)\s+(?:in\s+)?((?:18|19|20)\d{2})\b", re.I
)
_HEADCOUNT = re.compile(r"\b(\d{1,3}(?:,\d{3})+|\d{1,7})\s+(?:employees|staff|people|team members)\b", re.I)

TRIGGERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "expansion",
            r"\b(expan\w+|new office|opens? (?:a |its )?\w* ?(?:office|site|plant|warehouse)|enter\w* the)\b",
        ),
        ("acquisition", r"\b(acquir\w+|acquisition|merg\w+)\b"),
        ("leadership_change", r"\b(appoint\w*|names? new|new (?:ceo|cfo|cto|cio|ciso|coo|vp)|joins as)\b"),
        ("layoffs", r"\b(layoffs?|lays? off|job cuts|restructur\w+|downsiz\w+)\b"),
        ("product_launch", r"\b(launch\w*|unveil\w*|introduc\w+ (?:a |its )?new)\b"),
        ("partnership", r"\b(partner\w*|alliance)\b"),
        ("regulatory", r"\b(audit|complian\w+|regulat\w+|fined|penalt\w+|gdpr|hipaa|sox|soc 2)\b"),
        ("incident", r"\b(outage|breach|ransomware|incident|downtime|recall)\b"),
        ("growth", r"\b(record (?:revenue|quarter|growth)|doubl\w+|tripl\w+|grew \d+%)\b"),
    )
)
_PAIN = re.compile(
    r"\b(struggl\w+|pain(?:ful)?|frustrat\w+|bottleneck|backlog|too (?:slow|expensive|manual)|"
    r"cost\w* (?:grew|rose|doubled|spiral\w*|explod\w*)|bill (?:grew|rose|doubled|jumped)|"
    r"spend\w* too much|manual(?:ly)?|spreadsheets?|keeps? failing|fail\w*|churn|turnover|"
    r"end[- ]of[- ]life|out of support|legacy|outdated|can't keep up|cannot keep up|overwhelm\w+|"
    r"delays?|errors?|complain\w*|hard to|difficult to)\b",
    re.IGNORECASE,
)


# Literal stems without which a pattern cannot match: checked first (substring tests are far cheaper
# than Python regexes). Case-sensitive patterns test the text, IGNORECASE ones its lower-case form.
_TECH_STEMS: tuple[tuple[str, ...], ...] = (
    ("migrat", "mov", "switch"),
    ("dropp", "replac", "decommission", "sunset", "retir", "phas", "ditch", "turn", "cancel", "churn"),
    ("migrat", "mov", "switch"),
    (
        "adopt",
        "add",
        "deploy",
        "roll",
        "implement",
        "introduc",
        "sign",
        "chose",
        "selected",
        "went live",
        "standardi",
    ),
    ("alternative", "replacement", "options beyond"),
    (
        "uses",
        "using",
        "runs on",
        "running on",
        "built on",
        "powered by",
        "stack includes",
        "stack:",
        "experience with",
        "on top of",
    ),
)
_MONEY_STEMS = ("$", "USD", "€", "EUR", "£", "GBP")
_ROUND_STEMS = ("seed", "series ", "growth round", "growth equity", "bridge round", "debt financing", "ipo")
_FUNDING_STEMS = ("raise", "raising", "funding", "round", "investment", "financing", "close")
_HIRING_STEMS = ("hiring", "recruiting", "looking for", "seeking", "opening for", "job opening")
_FOUNDED_STEMS = ("founded", "established", "started", "incorporated")
_HEADCOUNT_STEMS = ("employees", "staff", "people", "team members")
_TRIGGER_STEMS: dict[str, tuple[str, ...]] = {
    "expansion": ("expan", "new office", "open", "enter"),
    "acquisition": ("acqui", "merg"),
    "leadership_change": ("appoint", "name", "new ", "joins as"),
    "layoffs": ("lay", "job cuts", "restructur", "downsiz"),
    "product_launch": ("launch", "unveil", "introduc"),
    "partnership": ("partner", "alliance"),
    "regulatory": ("audit", "complian", "regulat", "fined", "penalt", "gdpr", "hipaa", "sox", "soc 2"),
    "incident": ("outage", "breach", "ransomware", "incident", "downtime", "recall"),
    "growth": ("record ", "doubl", "tripl", "grew "),
}
_PAIN_STEMS = (
    "struggl",
    "pain",
    "frustrat",
    "bottleneck",
    "backlog",
    "too ",
    "cost",
    "bill ",
    "spend",
    "manual",
    "spreadsheet",
    "keep",
    "fail",
    "churn",
    "turnover",
    "end",
    "out of support",
    "legacy",
    "outdated",
    "overwhelm",
    "delay",
    "error",
    "complain",
    "hard to",
    "difficult to",
)


def _may(haystack: str | None, stems: tuple[str, ...]) -> bool:
    """False when none of the stems occurs, so the pattern cannot match. `haystack` None: unknown
    (non-ASCII text, where `str.lower` and the regex's case folding differ): run the pattern."""
    if haystack is None:
        return True
    for stem in stems:  # noqa: SIM110 - a plain loop: no generator per call (~20 calls per snippet)
        if stem in haystack:
            return True
    return False


# Technographic scans as miners report them: a (possibly truncated) snapshot, an addition, a removal.
_SCAN = re.compile(
    r"Technologies detected on \S+ \([^)]*\):\s*(.+?)\s*(\.\.\.|…)?\s*\.?\s*(?:\(source:[^)]*\))?\s*$"
)
_SCAN_NEW = re.compile(r"New technolog(?:y|ies) detected on \S+?:\s*(.+?)\.?\s*(?:\(source:[^)]*\))?\s*$")
_SCAN_GONE = re.compile(r"Change detected on \S+?:\s*(.+?) (?:is|are) no longer detected")


@dataclass
class Facts:
    techs: list[tuple[str, str]] = field(default_factory=list)  # (event, technology)
    scan: list[str] | None = None  # technologies of a scan snapshot
    scan_full: bool = False  # the snapshot lists everything (not truncated with "...")
    funding: list[tuple[str | None, float | None]] = field(default_factory=list)  # (round, amount usd)
    hiring: list[tuple[str, int]] = field(default_factory=list)  # (role, count)
    triggers: list[str] = field(default_factory=list)
    pain: bool = False
    founded: int | None = None
    headcount: int | None = None


def _clean_tech(raw: str) -> str | None:
    words = raw.strip(" .,;:").split()
    while words and words[-1] in {"on", "for", "to", "and", "with"}:
        words.pop()
    if not words or words[0] in _STOP_TECH:
        return None
    name = " ".join(words).strip(" .,;:")
    return name if 2 <= len(name) <= 60 else None


def tech_key(name: str) -> str:
    return re.sub(r"[^a-z0-9+#]+", " ", name.lower()).strip()


def _amount(number: str, unit: str | None) -> float:
    value = float(number.replace(",", ""))
    scale = {"k": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}
    return value * scale.get((unit or "").lower(), 1.0)


def _scan(facts: Facts, text: str) -> bool:
    snapshot = _SCAN.search(text)
    if snapshot:
        names = [n.strip(" .") for n in snapshot.group(1).split(",")]
        facts.scan = [n for n in names if 1 < len(n) <= 60]
        facts.scan_full = snapshot.group(2) is None
        facts.techs = [("uses", n) for n in facts.scan]
        return True
    added = _SCAN_NEW.search(text)
    if added:
        facts.techs = [("added", n.strip(" .")) for n in added.group(1).split(",") if n.strip(" .")]
        return True
    gone = _SCAN_GONE.search(text)
    if gone:
        facts.techs = [("dropped", gone.group(1).strip())]
        return True
    return False


def _funding_and_hiring(facts: Facts, kind: str, text: str, exact: str | None, lowered: str | None) -> None:
    if kind == "funding" or (_may(lowered, _FUNDING_STEMS) and _FUNDING_HINT.search(text)):
        rounds = _ROUND.findall(text) if _may(lowered, _ROUND_STEMS) else []
        money = _MONEY.search(text) if _may(exact, _MONEY_STEMS) else None
        amount = _amount(money.group(1), money.group(2)) if money else None
        if rounds or (kind == "funding" and amount):
            facts.funding.append((rounds[0].title() if rounds else None, amount))
    for match in _HIRING.finditer(text) if _may(exact, _HIRING_STEMS) else ():
        count = int(match.group(1)) if match.group(1) else 1
        role = match.group(2).strip()
        if role.split()[0] not in _STOP_TECH:
            facts.hiring.append((role, count))


def extract(*, kind: str, text: str) -> Facts:
    facts = Facts()
    if "detected" in text and _scan(facts, text):
        return facts
    seen: set[str] = set()
    exact = text if text.isascii() else None
    lowered = text.lower() if exact is not None else None
    for (event, pattern), stems in zip(TECH_PATTERNS, _TECH_STEMS, strict=True):
        if not _may(exact, stems):
            continue
        for match in pattern.finditer(text):
            name = _clean_tech(match.group(1))
            if name is not None and tech_key(name) not in seen:
                seen.add(tech_key(name))
                facts.techs.append((event, name))
    _funding_and_hiring(facts, kind, text, exact, lowered)
    if kind in ("news", "social", "web", "review", "funding"):
        facts.triggers = [
            name for name, pattern in TRIGGERS if _may(lowered, _TRIGGER_STEMS[name]) and pattern.search(text)
        ]
        if facts.funding:
            facts.triggers.append("funding")
    facts.pain = kind != "profile" and _may(lowered, _PAIN_STEMS) and bool(_PAIN.search(text))
    founded = _FOUNDED.search(text) if _may(lowered, _FOUNDED_STEMS) else None
    if founded:
        facts.founded = int(founded.group(1))
    headcount = _HEADCOUNT.search(text) if _may(lowered, _HEADCOUNT_STEMS) else None
    if headcount and kind in ("profile", "news", "web"):
        facts.headcount = int(headcount.group(1).replace(",", ""))
    return facts
