"""Compact word lists: ``words(\"\"\"a b c\"\"\")`` keeps long vocabularies readable."""

from __future__ import annotations


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())
