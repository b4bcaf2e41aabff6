"""Where a text says what a prompt asks for (pure): character spans of the words whose index
token is one of the prompt's keywords, and a short excerpt around them with the words marked."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import lru_cache

from app.ranking.text import SENTENCE_END, STOPWORDS, stem

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
    """[start, end) character offsets of the words of `text` whose token is in `keywords`."""
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


def first_sentence(text: str, *, max_chars: int = 200) -> str:
    head = SENTENCE_END.split(text.strip(), maxsplit=1)[0]
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
