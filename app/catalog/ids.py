"""Stable identifiers shared by every writer and reader of the catalog."""

from __future__ import annotations

import uuid

LEAD_NAMESPACE = uuid.UUID("6f1c1f9e-3b0e-5d2a-9a51-1e5c0c7b9d10")


def lead_id_for_domain(domain: str) -> uuid.UUID:
    """Stable lead id: the same normalized domain gives the same id in every environment."""
    return uuid.uuid5(LEAD_NAMESPACE, domain)
