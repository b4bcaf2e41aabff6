"""`/v1/icps`: saved ideal-customer profiles of the caller's workspace (scope `search`)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.api.deps import SearchPrincipal, SessionDep
from app.core.errors import AUTHENTICATED, error_responses
from app.icps.schemas import IcpCreate, IcpList, IcpOut, IcpPatch
from app.icps.service import create_icp, delete_icp, get_icp, list_icps, patch_icp

router = APIRouter(prefix="/v1/icps", tags=["icps"])


@router.post(
    "",
    status_code=201,
    summary="Save an ICP",
    response_model=IcpOut,
    responses=error_responses(*AUTHENTICATED, 400, 409),
)
async def create(body: IcpCreate, principal: SearchPrincipal, session: SessionDep) -> IcpOut:
    row = await create_icp(session, workspace_id=principal.workspace_id, body=body)
    return IcpOut.model_validate(row)


@router.get(
    "", summary="The workspace's ICPs", response_model=IcpList, responses=error_responses(*AUTHENTICATED)
)
async def list_all(principal: SearchPrincipal, session: SessionDep) -> IcpList:
    rows = await list_icps(session, workspace_id=principal.workspace_id)
    return IcpList(icps=[IcpOut.model_validate(r) for r in rows])


@router.get(
    "/{icp_id}", summary="One ICP", response_model=IcpOut, responses=error_responses(*AUTHENTICATED, 404)
)
async def get_one(icp_id: uuid.UUID, principal: SearchPrincipal, session: SessionDep) -> IcpOut:
    row = await get_icp(session, workspace_id=principal.workspace_id, icp_id=icp_id)
    return IcpOut.model_validate(row)


@router.patch(
    "/{icp_id}",
    summary="Change some fields of an ICP",
    response_model=IcpOut,
    responses=error_responses(*AUTHENTICATED, 400, 404, 409),
)
async def patch(icp_id: uuid.UUID, body: IcpPatch, principal: SearchPrincipal, session: SessionDep) -> IcpOut:
    row = await patch_icp(session, workspace_id=principal.workspace_id, icp_id=icp_id, body=body)
    return IcpOut.model_validate(row)


@router.delete(
    "/{icp_id}", status_code=204, summary="Delete an ICP", responses=error_responses(*AUTHENTICATED, 404)
)
async def delete(icp_id: uuid.UUID, principal: SearchPrincipal, session: SessionDep) -> Response:
    await delete_icp(session, workspace_id=principal.workspace_id, icp_id=icp_id)
    return Response(status_code=204)
