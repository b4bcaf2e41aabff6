"""Every ORM model, imported in one place so `Base.metadata` is complete (alembic, tests)."""

from app.auth.models import ApiKey
from app.db.base import Base
from app.icps.tables import Icp
from app.ingest.models import Miner, Outcome, Snippet
from app.leads.models import Company, Contact
from app.registry.models import ModelVersion
from app.search.models import SearchRequest
from app.workspaces.tables import Workspace

__all__ = [
    "ApiKey",
    "Base",
    "Company",
    "Contact",
    "Icp",
    "Miner",
    "ModelVersion",
    "Outcome",
    "SearchRequest",
    "Snippet",
    "Workspace",
]
