"""Every ORM model, imported in one place so `Base.metadata` is complete (alembic, tests)."""

from app.audit.tables import AuditEntry
from app.auth.tables import ApiKey
from app.catalog.companies import Company, Contact
from app.catalog.privacy import ContactSuppression
from app.catalog.tables import Miner, Outcome, Snippet
from app.core.orm import Base
from app.drafts.tables import Draft
from app.icps.tables import Icp
from app.ingest.tables import ChurnEvent, EmbeddingQueue, JobState, SnippetCorroboration
from app.jobs.tables import Job, JobEvent, JobResult, SearchResultSet, WebhookDelivery
from app.leads.tables import ModelVersion, SearchRequest
from app.lists.tables import GradeCalibration, IcpEligibility, LeadGrade
from app.workspaces.tables import Workspace

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "ChurnEvent",
    "Company",
    "Contact",
    "ContactSuppression",
    "Draft",
    "EmbeddingQueue",
    "GradeCalibration",
    "Icp",
    "IcpEligibility",
    "Job",
    "JobEvent",
    "JobResult",
    "JobState",
    "LeadGrade",
    "Miner",
    "ModelVersion",
    "Outcome",
    "SearchRequest",
    "SearchResultSet",
    "Snippet",
    "SnippetCorroboration",
    "WebhookDelivery",
    "Workspace",
]
