"""Metric names referenced by a PromQL expression (a tokenizer good enough for our own rules and
dashboards; not a PromQL parser)."""

from __future__ import annotations

import re

from prometheus_client import REGISTRY

import app.observability.meters  # noqa: F401  (registers every meter in REGISTRY)

FUNCTIONS_AND_KEYWORDS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
    "group", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
    "offset", "rate", "irate", "increase", "delta", "idelta", "deriv", "histogram_quantile", "absent",
    "absent_over_time", "avg_over_time", "max_over_time", "min_over_time", "sum_over_time", "clamp_min",
    "clamp_max", "vector", "scalar", "time", "label_replace", "predict_linear", "inf", "nan",
}  # fmt: skip

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_RANGE = re.compile(r"\[[^\]]*\]")
_VARIABLE = re.compile(r"\$\{?\w+\}?")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_:.])\d+(\.\d+)?([eE][+-]?\d+)?[smhdwy]?(?![A-Za-z0-9_:])")
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def referenced_metrics(expr: str) -> set[str]:
    text = _VARIABLE.sub(" ", expr)
    text = _STRING.sub('""', text)
    text = _MATCHERS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _NUMBER.sub(" ", text)
    names = set()
    for match in _IDENT.finditer(text):
        name = match.group(0)
        following = text[match.end() :].lstrip()
        if following.startswith("(") or name.lower() in FUNCTIONS_AND_KEYWORDS:
            continue
        names.add(name)
    return names


def exposed_names() -> set[str]:
    """Every sample name the service's meters expose (loads app.observability.meters)."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.update(sample.name for sample in family.samples)
        names.add(family.name)
        if family.type == "histogram":
            names.update({f"{family.name}_bucket", f"{family.name}_count", f"{family.name}_sum"})
        if family.type == "counter":
            names.add(f"{family.name}_total")
    return names
