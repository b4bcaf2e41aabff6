"""`GET /v1/audit`: the caller's workspace's gradings, drafts and exports, newest first."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.api.deps import SearchPrincipal, SessionDep
from app.audit.schemas import AuditEntryOut, AuditPage
from app.audit.service import entries
from app.core.errors import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v1/audit", tags=["audit"])
MAX_BIGINT = 2**63 - 1


@router.get(
    "",
    summary="The workspace's audit log",
    response_model=AuditPage,
    responses=error_responses(*AUTHENTICATED),
)
async def audit_log(
    principal: SearchPrincipal,
    session: SessionDep,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_BIGINT, description="entries older than this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Annotated[Literal["grade", "draft", "export"] | None, Query()] = None,
) -> AuditPage:
    rows = await entries(
        session, workspace_id=principal.workspace_id, before=before, limit=limit, action=action
    )
    out = [
        AuditEntryOut(
            id=r.id,
            api_key_id=str(r.api_key_id) if r.api_key_id else None,
            action=r.action,
            object_type=r.object_type,
            object_id=r.object_id,
            detail=r.detail,
            created_at=r.created_at,
        )
        for r in rows
    ]
    return AuditPage(entries=out, next_cursor=out[-1].id if len(out) == limit else None)
