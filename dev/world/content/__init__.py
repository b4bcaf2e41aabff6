"""The hand-written catalogue: needs (buyer pains with evidence templates) and product categories."""

from __future__ import annotations

from dev.world.content import (
    backoffice,
    finance,
    it,
    operations,
    people,
    revenue,
    security,
    sustainability,
    verticals,
)
from dev.world.model import Category, Need

_MODULES = (it, backoffice, security, revenue, finance, people, operations, verticals, sustainability)

NEEDS: tuple[Need, ...] = tuple(n for m in _MODULES for n in m.NEEDS)
CATEGORIES: tuple[Category, ...] = tuple(c for m in _MODULES for c in m.CATEGORIES)

__all__ = ["CATEGORIES", "NEEDS"]
