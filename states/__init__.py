"""Lifecycle definitions: states, transitions and guard names, as data. Imports only `transitions`."""

from states.ai_system import AI_SYSTEM
from states.audit import AUDIT
from states.evidence import EVIDENCE
from states.impact_assessment import IMPACT_ASSESSMENT
from states.incident import INCIDENT
from states.machine import Lifecycle
from states.nonconformity import NONCONFORMITY
from states.program import PROGRAM
from states.risk import RISK
from states.work_item import WORK_ITEM

LIFECYCLES: dict[str, Lifecycle] = {
    lc.name: lc
    for lc in (PROGRAM, AUDIT, NONCONFORMITY, WORK_ITEM, EVIDENCE, RISK, IMPACT_ASSESSMENT, AI_SYSTEM, INCIDENT)
}
