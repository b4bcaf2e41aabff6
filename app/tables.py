"""Every ORM model, imported in one place so `Base.metadata` is complete (alembic, tests)."""

from app.auth.tables import ApiKey
from app.catalog.companies import Company, Contact
from app.catalog.privacy import AuditEvent, ContactSuppression
from app.catalog.tables import Miner, Outcome, Snippet
from app.core.orm import Base
from app.ingest.tables import ChurnEvent, EmbeddingQueue, JobState, SnippetCorroboration
from app.leads.tables import ModelVersion, SearchRequest

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Base",
    "ChurnEvent",
    "Company",
    "Contact",
    "ContactSuppression",
    "EmbeddingQueue",
    "JobState",
    "Miner",
    "ModelVersion",
    "Outcome",
    "SearchRequest",
    "Snippet",
    "SnippetCorroboration",
]
