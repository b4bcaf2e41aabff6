"""What the /v1/keys routes answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from app.auth.service import Principal
from app.auth.tables import ApiKey


class WhoAmI(BaseModel):
    key_id: str
    name: str
    scopes: list[str]
    rate_limit_per_minute: int | None
    miner_ids: list[str] | None  # the miners an ingest key may post for; null: any
    workspace_id: str
    workspace: str

    @classmethod
    def of(cls, principal: Principal) -> WhoAmI:
        return cls(
            key_id=str(principal.key_id),
            name=principal.name,
            scopes=sorted(principal.scopes),
            rate_limit_per_minute=principal.rate_limit_per_minute,
            miner_ids=sorted(principal.miner_ids) if principal.miner_ids is not None else None,
            workspace_id=str(principal.workspace_id),
            workspace=principal.workspace,
        )


class KeyInfo(BaseModel):
    prefix: str
    name: str
    scopes: list[str]
    rate_limit_per_minute: int | None
    miner_ids: list[str] | None
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool

    @classmethod
    def of(cls, row: ApiKey) -> KeyInfo:
        columns = {name: getattr(row, name) for name in cls.model_fields if name != "revoked"}
        return cls(**columns, revoked=row.revoked_at is not None)
