"""Tokenisation shared by the BM25 index, the prompt parser and the features (pure)."""

from __future__ import annotations

import re
from functools import lru_cache

# A word of a lower-case text: letters and digits, joined through an inner ".", "+" or "#" ("node.js").
LOWER_WORD = re.compile(r"[a-z0-9]+(?:[.+#][a-z0-9]+)*")
# Where a sentence ends: whitespace after ".", "!" or "?" (highlights, own sentences, drafts).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "via",
        "per",
        "etc",
        "new",
        "get",
        "got",
        "us",
        "one",
        "two",
    ]
)

# Words sellers put in prompts that say nothing about who buys.
PROMPT_NOISE = frozenset(
    [
        "company",
        "companies",
        "business",
        "businesses",
        "firm",
        "firms",
        "organisation",
        "organization",
        "organisations",
        "organizations",
        "find",
        "looking",
        "look",
        "want",
        "need",
        "needs",
        "sell",
        "selling",
        "sells",
        "seller",
        "product",
        "products",
        "service",
        "services",
        "solution",
        "solutions",
        "platform",
        "tool",
        "tools",
        "software",
        "customer",
        "customers",
        "prospect",
        "prospects",
        "lead",
        "leads",
        "target",
        "targeting",
        "buyer",
        "buyers",
        "buy",
        "buying",
        "like",
        "similar",
        "help",
        "helps",
        "offer",
        "offering",
        "provide",
        "provides",
        "who",
        "which",
        "that",
        "might",
        "may",
        "would",
        "could",
        "show",
        "list",
        "give",
        "me",
        "please",
    ]
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English suffix stripper: enough to join plural/singular and -ing/-ed forms."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("shes", "ches", "xes", "zes")):
                continue
            return word[: -len(suffix)] + keep
    return word


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters/digits, keeping inner '.', '+', '#' as in 'c++', 'node.js')."""
    return LOWER_WORD.findall(text.lower())


def tokenize(text: str) -> list[str]:
    """Index tokens: words without stopwords, stemmed, punctuation-free (safe for tantivy's tokenizer)."""
    out: list[str] = []
    for w in words(text):
        if w in STOPWORDS:
            continue
        out.append(stem(w.replace(".", "").replace("+", "p").replace("#", "sharp")))
    return out


def query_tokens(text: str) -> list[str]:
    """Tokens of a prompt for keyword retrieval: index tokens without seller boilerplate, deduplicated."""
    seen: dict[str, None] = {}
    for w in words(text):
        if w in STOPWORDS or w in PROMPT_NOISE:
            continue
        seen.setdefault(stem(w.replace(".", "").replace("+", "p").replace("#", "sharp")), None)
    return list(seen)
