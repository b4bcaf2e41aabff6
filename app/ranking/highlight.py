"""Where a text says what a prompt asks for (pure): character spans of the words whose index
token is one of the prompt's keywords, and a short excerpt around them with the words marked."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import lru_cache

from app.ranking.text import LOWER_WORD, SENTENCE_END, STOPWORDS, stem

_WORD = re.compile(r"[A-Za-z0-9]+(?:[.+#][A-Za-z0-9]+)*")
MARK_OPEN, MARK_CLOSE = "**", "**"
EXCERPT_CHARS = 240


@lru_cache(maxsize=65536)
def token_of(word: str) -> str:
    """The index token of one word (app.ranking.text.tokenize for a single word); cached: evidence
    texts repeat their words."""
    w = word.lower()
    return stem(w.replace(".", "").replace("+", "p").replace("#", "sharp"))


def spans(text: str, keywords: Collection[str], *, limit: int = 20) -> list[tuple[int, int]]:
    """[start, end) character offsets of the words of `text` whose token is in `keywords`.

    The same result as testing every word (`spans_reference`), but only the words that can have
    such a token are tested: those that start with a keyword's stem prefix (`_prefixes`) and those
    joined by an inner ".", "+" or "#" (normalised before stemming), found by substring scans
    instead of a Python step per word. A text with other than ASCII characters is read word by word."""
    if not keywords:
        return []
    if not text.isascii():
        return spans_reference(text, keywords, limit=limit)
    lowered = text.lower()  # ASCII: the same offsets
    frozen = keywords if isinstance(keywords, frozenset) else frozenset(keywords)
    out: list[tuple[int, int]] = []
    for start in _candidate_starts(lowered, _prefixes(frozen)):
        m = LOWER_WORD.match(lowered, start)  # `_WORD` in a lower-case text
        if m is None:
            continue
        end = m.end()
        word = text[start:end]
        if word.lower() in STOPWORDS:
            continue
        if token_of(word) in keywords:
            out.append((start, end))
            if len(out) >= limit:
                break
    return out


def _candidate_starts(lowered: str, prefixes: Collection[str]) -> list[int]:
    """Where the words of a lower-case ASCII text that start with one of `prefixes` or hold a
    joiner start, in order."""
    found: dict[int, None] = {}
    for prefix in prefixes:
        at = lowered.find(prefix)
        while at >= 0:
            if _starts_word(lowered, at):
                found[at] = None
            at = lowered.find(prefix, at + 1)
    last = len(lowered) - 1
    for joiner in _JOINERS:  # substring scans: a joiner between two letters or digits joins a word
        at = lowered.find(joiner, 1)
        while 0 < at < last:
            if lowered[at - 1] in _ALNUM and lowered[at + 1] in _ALNUM:
                start = at - 1
                while not _starts_word(lowered, start):
                    start -= 1
                found[start] = None
            at = lowered.find(joiner, at + 1)
    return sorted(found)


def spans_reference(text: str, keywords: Collection[str], *, limit: int = 20) -> list[tuple[int, int]]:
    """`spans` testing every word of `text` (the definition)."""
    if not keywords:
        return []
    out: list[tuple[int, int]] = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        if word.lower() in STOPWORDS:
            continue
        if token_of(word) in keywords:
            out.append((m.start(), m.end()))
            if len(out) >= limit:
                break
    return out


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_JOINERS = ".+#"


def _starts_word(lowered: str, i: int) -> bool:
    """Whether `_WORD.finditer` starts a word at `i` of a lower-case ASCII text: a letter or digit
    that neither follows one nor continues a word through an inner joiner ("a.b" is one word)."""
    if lowered[i] not in _ALNUM:
        return False
    if i == 0:
        return True
    before = lowered[i - 1]
    if before in _ALNUM:
        return False
    return not (before in _JOINERS and i >= 2 and lowered[i - 2] in _ALNUM)


@lru_cache(maxsize=1024)
def _prefixes(keywords: frozenset[str]) -> tuple[str, ...]:
    """What a plain word (ASCII letters and digits) whose token is one of `keywords` starts with, in
    lower case: the keyword, or the keyword minus its final "y" (`stem` only cuts a suffix, or turns
    "ies" into "y"; a token is lower-case ASCII letters and digits). A prefix that another one
    starts with is left out (its words are found by the shorter one)."""
    candidates = sorted({k[:-1] if k.endswith("y") else k for k in keywords if k.isascii() and k.isalnum()})
    if candidates and not candidates[0]:  # the keyword "y": any word
        return tuple(sorted(_ALNUM))
    kept: list[str] = []
    for prefix in candidates:  # sorted: a prefix comes right before the words that start with it
        if not kept or not prefix.startswith(kept[-1]):
            kept.append(prefix)
    return tuple(kept)


def first_sentence(text: str, *, max_chars: int = 200) -> str:
    stripped = text.strip()
    end = SENTENCE_END.search(stripped)  # = SENTENCE_END.split(stripped, maxsplit=1)[0], no rest copied
    head = stripped if end is None else stripped[: end.start()]
    if len(head) <= max_chars:
        return head
    cut = head[:max_chars].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def excerpt(text: str, marks: Sequence[tuple[int, int]], *, width: int = EXCERPT_CHARS) -> str:
    """Up to `width` characters of `text` around the densest run of `marks`, the marked words
    between `**`; the text's start when nothing is marked; `…` where the text was cut."""
    if not marks:
        if len(text) <= width:
            return text
        return text[:width].rsplit(" ", 1)[0] + "…"
    best, best_count = 0, 0
    for i, (start, _) in enumerate(marks):
        count = sum(1 for s, e in marks[i:] if e - start <= width)
        if count > best_count:
            best, best_count = i, count
    anchor = marks[best][0]
    start = max(0, anchor - width // 4)
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else 0
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    pieces: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for s, e in marks:
        if s < start or e > end:
            continue
        pieces += [text[cursor:s], MARK_OPEN, text[s:e], MARK_CLOSE]
        cursor = e
    pieces.append(text[cursor:end])
    if end < len(text):
        pieces.append("…")
    return "".join(pieces)
