"""Incidents, complaints and monitoring results (10.2, A.3.3, A.8.4, Art. 73).

An incident names its AI system, when it was found and when the organization became aware, its
severity and whether it is a serious incident under the EU AI Act. An incident is a significant change
of its system: the impact assessment goes stale and a reassessment opens (the path a deployment takes).
A serious incident's report to the market surveillance authority becomes a work item due on the Act's
deadline (aimsflow.rules.incident_reporting), with the reminders and escalation every work item has.
Any of them can raise a nonconformity (10.2).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, select

from aimsflow.catalog import load_catalog
from aimsflow.errors import InvalidInput, NotFound, Refused
from aimsflow.limits import check_text
from aimsflow.rules.deliverables import Kind
from aimsflow.rules.incident_reporting import CAUSES, reporting_days, reporting_deadline
from aimsflow.services import work
from aimsflow.services.inventory import record_significant_change
from aimsflow.services.lookup import get_by_ref, ref
from aimsflow.services.nonconformities import open_nonconformity
from aimsflow.uow import UnitOfWork
from models import AISystem, Incident, Nonconformity, Program, WorkItem
from states.incident import INCIDENT, IncidentKind, IncidentSeverity, IncidentState
from states.nonconformity import Severity

KINDS = [k.value for k in IncidentKind]
SEVERITIES = [s.value for s in IncidentSeverity]
NC_SEVERITIES = [Severity.MAJOR.value, Severity.MINOR.value]
REPORT_KEY = "incident-report:{id}"


def _choice(value: str, allowed: list[str], field: str, what: str) -> str:
    if value not in allowed:
        raise InvalidInput(f"'{value}' is not {what}: one of {', '.join(allowed)}", field=field)
    return value


def add_incident(uow: UnitOfWork, program: Program, *, system: str, found_on: date, severity: str,
                 description: str | None = None, kind: str = IncidentKind.INCIDENT.value, serious: bool = False,
                 serious_cause: str | None = None, aware_on: date | None = None,
                 actor: str = "cli") -> dict[str, Any]:
    """Record an incident, complaint or monitoring result on an AI system of the inventory.

    An incident makes the system's impact assessment stale; a serious one opens its Art. 73 report as a
    work item due on the Act's deadline, counted from awareness.
    """
    _choice(kind, KINDS, "kind", "a kind of incident")
    _choice(severity, SEVERITIES, "severity", "a severity")
    if description is None:  # not given: the record says so rather than refusing the report of an incident
        description = f"{kind} on {system}, severity {severity} (no description given yet)"
    description = check_text(description, "description", multiline=True).strip()
    if not description:
        raise InvalidInput("an incident needs its description: say what happened", field="description")
    if serious_cause is not None:
        _choice(serious_cause, list(CAUSES), "serious_cause", "a cause with a shorter reporting deadline")
        if not serious:
            raise InvalidInput(f"a cause ({serious_cause}) is given only for a serious incident",
                               field="serious_cause")
    if serious and kind != IncidentKind.INCIDENT:
        raise InvalidInput(f"a {kind} is not a serious incident under the EU AI Act: record the incident itself",
                           field="serious")
    aware_on = aware_on or found_on
    today = uow.today(program)
    if found_on > today:
        raise InvalidInput(f"found on {found_on} is after today ({today}): record an incident once it is found",
                           field="found_on")
    if aware_on < found_on:
        raise InvalidInput(f"aware on {aware_on} is before it was found ({found_on})", field="aware_on")
    if aware_on > today:
        raise InvalidInput(f"aware on {aware_on} is after today ({today})", field="aware_on")
    row = uow.session.exec(select(AISystem).where(AISystem.program_id == program.id,
                                                  AISystem.name == system.strip())).first()
    if row is None:
        raise NotFound(f"AI system '{system.strip()}' is not in the inventory of {program.key}", field="system")
    if row.status == "retired":
        raise Refused(f"AI system {row.name} is retired: an incident is recorded on a system in use",
                      field="system", state=row.status)
    incident = Incident(program_id=program.id, system_id=row.id, kind=kind, severity=severity,  # type: ignore[arg-type]
                        serious=serious, serious_cause=serious_cause if serious else None, found_on=found_on,
                        aware_on=aware_on, description=description)
    uow.session.add(incident)
    uow.session.flush()
    inc = ref(incident)
    uow.record(program, actor=actor, lifecycle=INCIDENT.name, row_ref=inc, trigger="add",
               to_state=incident.state,
               payload={"system": row.name, "kind": kind, "severity": severity, "serious": serious,
                        "serious_cause": incident.serious_cause, "found_on": found_on, "aware_on": aware_on,
                        "description": description})
    result: dict[str, Any] = {"incident": inc, "system": row.name, "kind": kind, "severity": severity,
                              "serious": serious, "state": incident.state, "report_by": None,
                              "report_item": None, "impact_assessment": None, "opened": None}
    if kind == IncidentKind.INCIDENT:
        change = record_significant_change(uow, program, row.name, reason=f"incident {inc}: {description}",
                                           actor=actor)
        result["impact_assessment"], result["opened"] = change["impact_assessment"], change.get("opened")
    if serious:
        due = reporting_deadline(aware_on, incident.serious_cause)
        result["report_by"] = due.isoformat()
        result["report_item"] = work.open_item(
            uow, program, key=REPORT_KEY.format(id=incident.id), kind=Kind.DELIVERABLE.value, subject="A.8.4",
            title=(f"Report serious incident {inc} on AI system {row.name} to the market surveillance authority "
                   f"(Art. 73: within {reporting_days(incident.serious_cause)} days of awareness, by {due})"),
            role="program-manager", due=due, phase=program.state, actor=actor)
    return result


def incident_view(uow: UnitOfWork, incident: Incident) -> dict[str, Any]:
    """An incident as listed: its system, kind, severity, dates, report deadline and nonconformity."""
    system = uow.session.get_one(AISystem, incident.system_id)
    nc = uow.session.get(Nonconformity, incident.nonconformity_id) if incident.nonconformity_id else None
    item = uow.session.exec(select(WorkItem).where(
        WorkItem.program_id == incident.program_id, WorkItem.key == REPORT_KEY.format(id=incident.id))).first()
    return {"incident": ref(incident), "system": system.name, "kind": incident.kind, "severity": incident.severity,
            "serious": incident.serious, "serious_cause": incident.serious_cause,
            "found_on": incident.found_on.isoformat(), "aware_on": incident.aware_on.isoformat(),
            "report_by": (reporting_deadline(incident.aware_on, incident.serious_cause).isoformat()
                          if incident.serious else None),
            "report_item": ref(item) if item else None,
            "reported_on": incident.reported_on.isoformat() if incident.reported_on else None,
            "state": incident.state, "nonconformity": ref(nc) if nc else None,
            "description": incident.description}


def list_incidents(uow: UnitOfWork, program: Program) -> list[dict[str, Any]]:
    """The program's incidents, complaints and monitoring results, oldest first."""
    rows = uow.session.exec(select(Incident).where(Incident.program_id == program.id).order_by(col(Incident.id)))
    return [incident_view(uow, i) for i in rows]


def raise_incident(uow: UnitOfWork, incident_ref: str, *, severity: str = Severity.MINOR.value,
                   ref_id: str = "10.2", actor: str = "cli") -> dict[str, Any]:
    """Open a nonconformity from an incident (10.2), once; its finding's source is the incident's kind."""
    incident = get_by_ref(uow.session, incident_ref, Incident)
    program = uow.session.get_one(Program, incident.program_id)
    inc = ref(incident)
    _choice(severity, NC_SEVERITIES, "severity", "a nonconformity's severity")
    ref_id = ref_id.strip()
    if not load_catalog().knows(ref_id):
        raise NotFound(f"'{ref_id}' is not a clause (4.1 ... 10.2) or a control (A.2.2 ... A.10.4)", field="ref_id")
    if incident.nonconformity_id is not None:
        raise Refused(f"{inc} already raised NC-{incident.nonconformity_id}", state=incident.state)
    if incident.state == IncidentState.CLOSED:
        raise Refused(f"{inc} is closed: a nonconformity is raised from an open incident", state=incident.state)
    system = uow.session.get_one(AISystem, incident.system_id)
    nc = open_nonconformity(uow, program, source=incident.kind, source_label=f"the {incident.kind} {inc}",
                            severity=severity, ref_id=ref_id,
                            text=f"{incident.kind} {inc} on {system.name}: {incident.description}",
                            raised_on=uow.today(program), actor=actor)
    incident.nonconformity_id = nc.id
    uow.session.add(incident)
    uow.record(program, actor=actor, lifecycle=INCIDENT.name, row_ref=inc, trigger="raise",
               payload={"nonconformity": ref(nc)})
    return {"incident": inc, "nonconformity": ref(nc), "severity": severity, "ref": ref_id}


def report_incident(uow: UnitOfWork, incident_ref: str, *, reported_on: date, actor: str = "cli") -> dict[str, Any]:
    """Record that a serious incident was reported to the market surveillance authority (Art. 73)."""
    incident = get_by_ref(uow.session, incident_ref, Incident)
    program = uow.session.get_one(Program, incident.program_id)
    inc = ref(incident)
    if not incident.serious:
        raise Refused(f"{inc} is not a serious incident: only serious incidents are reported under Art. 73",
                      state=incident.state)
    if reported_on < incident.aware_on:
        raise InvalidInput(f"reported on {reported_on} is before awareness ({incident.aware_on})",
                           field="reported_on")
    if reported_on > uow.today(program):
        raise InvalidInput(f"reported on {reported_on} is after today ({uow.today(program)})", field="reported_on")
    uow.transition(program, INCIDENT, incident, "report", row_ref=inc, actor=actor,
                   payload={"reported_on": reported_on})
    incident.reported_on = reported_on
    uow.session.add(incident)
    due = reporting_deadline(incident.aware_on, incident.serious_cause)
    return {"incident": inc, "state": incident.state, "reported_on": reported_on.isoformat(),
            "report_by": due.isoformat(), "late": reported_on > due}
