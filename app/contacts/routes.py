"""DELETE /v1/contacts?email=... (scope admin): a data-subject erasure request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import AdminPrincipal, SessionDep
from app.contacts.schemas import EMAIL_PATTERN, Erasure
from app.contacts.service import erase_contact
from app.core.errors import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v1/contacts", tags=["contacts"], responses=error_responses(*AUTHENTICATED))


@router.delete(
    "",
    summary="Erase a person's contact data and suppress the address (admin)",
    response_model=Erasure,
)
async def delete_contacts(
    # The pattern bounds the length (318) and admits no NUL or surrogate: a plain str is enough.
    email: Annotated[str, Query(pattern=EMAIL_PATTERN)],
    principal: AdminPrincipal,
    session: SessionDep,
) -> Erasure:
    """Deletes every contact row with this address (whatever the company), adds it to the
    suppression list that ingestion checks (stored as SHA-256, not as the address) and records the
    request in the audit trail."""
    return await erase_contact(
        session, email=email, api_key_id=principal.key_id, workspace_id=principal.workspace_id
    )
