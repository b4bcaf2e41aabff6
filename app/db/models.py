"""Every ORM model, imported in one place so `Base.metadata` is complete (alembic, tests)."""

from app.auth.models import ApiKey
from app.catalog.privacy import AuditEvent, ContactSuppression
from app.db.base import Base
from app.ingest.models import Miner, Outcome, Snippet
from app.leads.models import Company, Contact
from app.registry.models import ModelVersion
from app.search.models import SearchRequest

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Base",
    "Company",
    "Contact",
    "ContactSuppression",
    "Miner",
    "ModelVersion",
    "Outcome",
    "SearchRequest",
    "Snippet",
]
