"""SQLModel tables: the record of every journey. No rules live here."""

from models.audit import Audit, AuditAuditor, CorrectiveAction, Finding, Nonconformity
from models.catalog import AnnexCItem, Clause, Control, CrosswalkEntry
from models.certificate import Certificate
from models.collector import Collector
from models.event import Event, TrailHead
from models.evidence import Evidence, EvidenceLink
from models.incident import Incident
from models.inventory import AISystem, ImpactAssessment
from models.notification import Notification
from models.people import CommitteeFunction, CommitteeSeat, Person, Role, RoleAssignment
from models.program import CertificationBodySettings, PhaseRecord, Program, Setting, Waiver
from models.review import ManagementReview
from models.risk import Risk
from models.soa import SoAEntry
from models.work import ClauseAssessment, WorkItem

__all__ = [
    "AISystem",
    "AnnexCItem",
    "Audit",
    "AuditAuditor",
    "Certificate",
    "CertificationBodySettings",
    "Clause",
    "ClauseAssessment",
    "Collector",
    "CommitteeFunction",
    "CommitteeSeat",
    "Control",
    "CorrectiveAction",
    "CrosswalkEntry",
    "Event",
    "Evidence",
    "EvidenceLink",
    "Finding",
    "ImpactAssessment",
    "Incident",
    "ManagementReview",
    "Nonconformity",
    "Notification",
    "Person",
    "PhaseRecord",
    "Program",
    "Risk",
    "Role",
    "RoleAssignment",
    "Setting",
    "SoAEntry",
    "TrailHead",
    "Waiver",
    "WorkItem",
]
