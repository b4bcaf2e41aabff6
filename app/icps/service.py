"""ICPs of a workspace: CRUD (another workspace's ICP is a 404) and an ICP turned into a search."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import ApiError
from app.icps.schemas import IcpCreate, IcpPatch
from app.icps.tables import Icp
from app.ingest.normalize import Invalid, normalize_domain
from app.leads.schemas import SearchFilters, SearchRequestBody, SearchRequestIn
from app.ranking.columns import sector_of_label

MAX_PROMPT = 2000


def _not_found() -> ApiError:
    return ApiError(status_code=404, code="not_found", message="no ICP with this id", field="icp_id")


def _conflict() -> ApiError:
    return ApiError(
        status_code=409, code="conflict", message="an ICP with this name already exists", field="name"
    )


async def _commit_unique(session: AsyncSession) -> None:
    """Commit; a taken name (the unique constraint) is a 409."""
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise _conflict() from None
    await session.commit()


async def create_icp(session: AsyncSession, *, workspace_id: uuid.UUID, body: IcpCreate) -> Icp:
    row = Icp(workspace_id=workspace_id, **body.model_dump())
    session.add(row)
    await _commit_unique(session)
    return row


async def list_icps(session: AsyncSession, *, workspace_id: uuid.UUID) -> list[Icp]:
    query = select(Icp).where(Icp.workspace_id == workspace_id).order_by(Icp.created_at, Icp.id)
    return list((await session.execute(query)).scalars())


async def get_icp(session: AsyncSession, *, workspace_id: uuid.UUID, icp_id: uuid.UUID) -> Icp:
    row = await session.get(Icp, icp_id)
    if row is None or row.workspace_id != workspace_id:
        raise _not_found()
    return row


async def find_icp_by_name(session: AsyncSession, *, workspace_id: uuid.UUID | None, name: str) -> Icp | None:
    """An ICP by name (the CLI); `workspace_id` None searches every workspace (first match)."""
    query = select(Icp).where(Icp.name == name)
    if workspace_id is not None:
        query = query.where(Icp.workspace_id == workspace_id)
    return (await session.execute(query.order_by(Icp.created_at).limit(1))).scalar_one_or_none()


async def patch_icp(
    session: AsyncSession, *, workspace_id: uuid.UUID, icp_id: uuid.UUID, body: IcpPatch
) -> Icp:
    row = await get_icp(session, workspace_id=workspace_id, icp_id=icp_id)
    changes = body.model_dump(exclude_unset=True)
    nullable = {"employees_min", "employees_max"}
    for name, value in changes.items():
        if value is None and name not in nullable:
            raise ApiError(status_code=422, code="validation_error", message="must not be null", field=name)
        setattr(row, name, value)
    await _commit_unique(session)
    await session.refresh(row)
    return row


async def delete_icp(session: AsyncSession, *, workspace_id: uuid.UUID, icp_id: uuid.UUID) -> None:
    row = await get_icp(session, workspace_id=workspace_id, icp_id=icp_id)
    await session.delete(row)
    await session.commit()


def split_exclusions(exclusions: list[str]) -> tuple[list[str], list[str]]:
    """(domains, terms): an exclusion that is a domain excludes that company; any other names a
    technology or vendor the buyer must not already use."""
    domains, terms = [], []
    for item in exclusions:
        if "." in item and " " not in item:
            try:
                domains.append(normalize_domain(item))
                continue
            except Invalid:
                pass
        terms.append(item)
    return domains, terms


def icp_prompt(icp: Icp, *, extra: str | None = None) -> str:
    """The ICP as the free text the prompt parser reads: the product, the custom criteria, the
    excluded technologies ("Companies not using ...;") and the exemplar customers ("Companies like
    ..., like ..."). The parser reads a name as capitalised words (dots included): each clause ends where no
    name can run on into the next one (";", or the end)."""
    parts = [extra.strip()] if extra else []
    parts.append(icp.product_description.strip())
    if icp.custom_criteria.strip():
        parts.append(icp.custom_criteria.strip())
    _, terms = split_exclusions(icp.exclusions)
    if terms:
        # A lower-case "not using" before each capitalised name.
        parts.append("Companies not using " + ", not using ".join(t[:1].upper() + t[1:] for t in terms) + ";")
    if icp.exemplar_domains:
        # The parser reads exemplar names that start with a capital; the store finds them by domain.
        names = (d[:1].upper() + d[1:] for d in icp.exemplar_domains)
        parts.append("companies like " + ", like ".join(names) + ".")
    return " ".join(parts)[:MAX_PROMPT]


def industry_filters(industries: list[str]) -> list[str]:
    """Industry labels NAICS knows become their 2-digit sector code (matching every label of the
    sector); codes and other labels are kept as they are (matched exactly, case-insensitive)."""
    out = [i if i.isdigit() else (sector_of_label(i) or i) for i in industries]
    return list(dict.fromkeys(out))


def icp_filters(icp: Icp, request: SearchFilters | None = None) -> SearchFilters:
    """The ICP's hard filters; a filter set in the request replaces the ICP's for that field, and
    excluded domains are the union of both."""
    domains, _ = split_exclusions(icp.exclusions)
    req = request or SearchFilters()
    return SearchFilters(
        industries=req.industries or industry_filters(list(icp.industries)),
        countries=req.countries or list(icp.countries),
        employees_min=req.employees_min if req.employees_min is not None else icp.employees_min,
        employees_max=req.employees_max if req.employees_max is not None else icp.employees_max,
        technologies=req.technologies or list(icp.technologies),
        exclude_domains=sorted(set(domains) | set(req.exclude_domains)),
    )


def icp_search_body(
    icp: Icp, *, prompt: str | None, k: int, filters: SearchFilters | None, explain: bool
) -> SearchRequestBody:
    return SearchRequestBody(
        prompt=icp_prompt(icp, extra=prompt), k=k, filters=icp_filters(icp, filters), explain=explain
    )


async def search_body(
    session: AsyncSession, *, workspace_id: uuid.UUID, body: SearchRequestIn
) -> SearchRequestBody:
    """The search to run: the request itself, or the request merged into its ICP."""
    if body.icp_id is not None:
        icp = await get_icp(session, workspace_id=workspace_id, icp_id=body.icp_id)
        return icp_search_body(icp, prompt=body.prompt, k=body.k, filters=body.filters, explain=body.explain)
    direct = direct_search_body(body)
    if direct is None:
        raise ApiError(
            status_code=422, code="validation_error", message="prompt or icp_id is required", field="prompt"
        )
    return direct


def direct_search_body(body: SearchRequestIn) -> SearchRequestBody | None:
    """The search a request without an ICP runs (no database read); None for an ICP's request or
    one without a prompt (`search_body` says which)."""
    if body.icp_id is not None or body.prompt is None:
        return None
    return SearchRequestBody(
        prompt=body.prompt, k=body.k, filters=body.filters or SearchFilters(), explain=body.explain
    )
