"""Erasure of a person's B2B contact data: their contact rows go, their address is suppressed for
future ingestion, and the operation is written to the audit trail (without the address)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import AuditEvent, append
from app.catalog.companies import Contact
from app.catalog.privacy import SUPPRESSION_LOCK, ContactSuppression, email_digest
from app.contacts.schemas import Erasure

ERASE_ACTION = "contact.erase"


async def erase_contact(
    session: AsyncSession, *, email: str, api_key_id: uuid.UUID | None, workspace_id: uuid.UUID
) -> Erasure:
    """In one transaction: suppress the address, delete every contact row with it (any company),
    and append an audit event. Idempotent: erasing again deletes nothing and keeps the suppression."""
    address = email.strip().lower()
    digest = email_digest(address)
    async with session.begin():
        # Exclusive against ingestion's shared lock: no contact insert is in flight past this point
        # and every later one sees the suppression.
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SUPPRESSION_LOCK})
        await session.execute(
            pg_insert(ContactSuppression).values(email_sha256=digest).on_conflict_do_nothing()
        )
        deleted = await session.execute(
            delete(Contact).where(func.lower(Contact.email) == address).returning(Contact.id)
        )
        count = len(deleted.all())
        event = AuditEvent(
            action=ERASE_ACTION,
            object_type="contact",
            object_id=digest,
            detail={"contacts_deleted": count},
        )
        await append(session, workspace_id=workspace_id, api_key_id=api_key_id, events=[event])
    return Erasure(email_sha256=digest, contacts_deleted=count, suppressed=True)


async def is_suppressed(session: AsyncSession, *, email: str) -> bool:
    digest = email_digest(email)
    row = await session.execute(select(ContactSuppression).where(ContactSuppression.email_sha256 == digest))
    return row.scalar_one_or_none() is not None
