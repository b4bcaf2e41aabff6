"""The wire contract of DELETE /v1/contacts."""

from __future__ import annotations

from pydantic import BaseModel

# The address syntax ingestion accepts for a contact (app/ingest/normalize.py), as a schema pattern.
EMAIL_PATTERN = r"^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,253}$"


class Erasure(BaseModel):
    email_sha256: str  # the suppression key kept instead of the address
    contacts_deleted: int
    suppressed: bool
