"""ICP pages: the workspace's ICPs, create, edit, delete, and a search or campaign from one. The
`search` scope, as `/v1/icps`; the same request models and services, so the same checks, messages,
409 for a taken name and 404 for another workspace's ICP."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import SessionDep
from app.auth.service import Principal
from app.console.icp_form import IcpForm, icp_summary, parse_icp
from app.console.routes.common import ConsoleDep, PageRouter, page_principal, read_form, render
from app.core.errors import ApiError
from app.icps.schemas import IcpCreate, IcpPatch
from app.icps.service import create_icp, delete_icp, get_icp, list_icps, patch_icp

router = PageRouter()
# An ICP's exclusions may list 1,000 domains: its form may be as large as any JSON body
# (MAX_BODY_BYTES, whose default the app-wide limit enforces while the body is read).
MAX_ICP_FORM_BYTES = 1_000_000
NOTICES = {"created": "ICP saved.", "updated": "ICP updated.", "deleted": "ICP deleted."}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such ICP in the workspace"}}


@router.page("/icps", summary="The workspace's ICPs")
async def icps_page(request: Request, console: ConsoleDep, session: SessionDep) -> HTMLResponse:
    principal = await page_principal(request, "search")
    rows = await list_icps(session, workspace_id=principal.workspace_id)
    notice = NOTICES.get(request.query_params.get("notice", ""))
    return render(
        request, console, "icps.html", principal=principal, icps=rows, notice=notice, summary=icp_summary
    )


def _form_page(
    request: Request,
    console: ConsoleDep,
    *,
    principal: Principal,
    form: IcpForm,
    errors: dict[str, str],
    icp_id: uuid.UUID | None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        console,
        "icp_form.html",
        status_code=status_code,
        principal=principal,
        form=form,
        errors=errors,
        icp_id=icp_id,
    )


@router.page("/icps/new", summary="New ICP form")
async def new_icp_page(request: Request, console: ConsoleDep) -> HTMLResponse:
    principal = await page_principal(request, "search")
    return _form_page(request, console, principal=principal, form=IcpForm(), errors={}, icp_id=None)


async def _save(
    request: Request, console: ConsoleDep, session: SessionDep, icp_id: uuid.UUID | None
) -> Response:
    """Create (`icp_id` None) or edit an ICP from its form; a refused form comes back with its
    errors (422, or 409 for a name the workspace already has)."""
    form = IcpForm.from_params(await read_form(request, max_bytes=MAX_ICP_FORM_BYTES))
    principal = await page_principal(request, "search")
    workspace_id = principal.workspace_id
    errors, status = {}, 422
    try:
        if icp_id is None:
            created = parse_icp(form, IcpCreate)
            errors = created.errors
            if created.body is not None:
                await create_icp(session, workspace_id=workspace_id, body=created.body)
        else:
            await get_icp(session, workspace_id=workspace_id, icp_id=icp_id)  # 404 before the form's checks
            patch = parse_icp(form, IcpPatch)
            errors = patch.errors
            if patch.body is not None:
                await patch_icp(session, workspace_id=workspace_id, icp_id=icp_id, body=patch.body)
    except ApiError as exc:
        if exc.status_code not in (409, 422) or exc.field is None:
            raise
        errors, status = {exc.field: exc.message}, exc.status_code
    if not errors:
        notice = "created" if icp_id is None else "updated"
        return RedirectResponse(f"/app/icps?notice={notice}", status_code=303)
    return _form_page(
        request, console, principal=principal, form=form, errors=errors, icp_id=icp_id, status_code=status
    )


@router.form("/icps", summary="Create an ICP", responses={409: {}, 422: {}})
async def create_icp_submit(request: Request, console: ConsoleDep, session: SessionDep) -> Response:
    return await _save(request, console, session, None)


@router.page("/icps/{icp_id}", summary="Edit an ICP", responses=NOT_FOUND)
async def edit_icp_page(
    icp_id: uuid.UUID, request: Request, console: ConsoleDep, session: SessionDep
) -> HTMLResponse:
    principal = await page_principal(request, "search")
    icp = await get_icp(session, workspace_id=principal.workspace_id, icp_id=icp_id)
    return _form_page(
        request, console, principal=principal, form=IcpForm.from_icp(icp), errors={}, icp_id=icp.id
    )


@router.form("/icps/{icp_id}", summary="Save an edited ICP", responses={**NOT_FOUND, 409: {}, 422: {}})
async def edit_icp_submit(
    icp_id: uuid.UUID, request: Request, console: ConsoleDep, session: SessionDep
) -> Response:
    return await _save(request, console, session, icp_id)


@router.form(
    "/icps/{icp_id}/delete",
    summary="Delete an ICP",
    responses={**NOT_FOUND, 422: {}},
    response_class=Response,
)
async def delete_icp_submit(
    icp_id: uuid.UUID, request: Request, console: ConsoleDep, session: SessionDep
) -> Response:
    form = await read_form(request)
    principal = await page_principal(request, "search")
    icp = await get_icp(session, workspace_id=principal.workspace_id, icp_id=icp_id)
    if form.get("confirm") != "yes":
        return _form_page(
            request,
            console,
            principal=principal,
            form=IcpForm.from_icp(icp),
            errors={"confirm": "Tick the box to confirm the deletion."},
            icp_id=icp.id,
            status_code=422,
        )
    await delete_icp(session, workspace_id=principal.workspace_id, icp_id=icp.id)
    return RedirectResponse("/app/icps?notice=deleted", status_code=303)
