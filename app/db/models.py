"""Every ORM model, imported in one place so `Base.metadata` is complete (alembic, tests)."""

from app.audit.tables import AuditEntry
from app.auth.models import ApiKey
from app.db.base import Base
from app.drafts.tables import Draft
from app.icps.tables import Icp
from app.ingest.models import Miner, Outcome, Snippet
from app.jobs.tables import Job, JobEvent, JobResult, SearchResultSet, WebhookDelivery
from app.leads.models import Company, Contact
from app.lists.tables import LeadGrade
from app.registry.models import ModelVersion
from app.search.models import SearchRequest
from app.workspaces.tables import Workspace

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "Company",
    "Contact",
    "Draft",
    "Icp",
    "Job",
    "JobEvent",
    "JobResult",
    "LeadGrade",
    "Miner",
    "ModelVersion",
    "Outcome",
    "SearchRequest",
    "SearchResultSet",
    "Snippet",
    "WebhookDelivery",
    "Workspace",
]
