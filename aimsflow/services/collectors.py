"""Evidence collectors: declared in YAML, run on a schedule, their results recorded in the evidence store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dateutil.rrule import rrulestr
from sqlmodel import col, select

from aimsflow import evidence_store
from aimsflow.clock import parse_duration
from aimsflow.collect import Fetched
from aimsflow.errors import InvalidInput
from aimsflow.limits import FIELD_MAX, PATH_SHOWN, check_name, check_text, clip
from aimsflow.rules import working_days
from aimsflow.safe_names import name_problem
from aimsflow.services.evidence import is_known_ref
from aimsflow.services.work import open_item
from aimsflow.uow import UnitOfWork
from aimsflow.userfiles import load_yaml, read_text
from models import Collector, Evidence, EvidenceLink, Program
from states.evidence import EvidenceState

SOURCES = ("files", "http", "command")
FAILURE_LIMIT = 3  # consecutive failures before a person is asked to supply the evidence by hand


def load_collectors(uow: UnitOfWork, program: Program, path: str, *, actor: str = "cli") -> list[str]:
    """Declare collectors from a YAML list; all entries are checked first, then all are saved or none."""
    where = f"collectors file {clip(path, PATH_SHOWN)}"
    entries = load_yaml(read_text(path, "collectors file", "collectors"), where)
    if isinstance(entries, dict) and "collectors" in entries:
        entries = entries["collectors"]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidInput(f"{where}: expected a list of collectors (mappings)")
    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    for number, e in enumerate(entries, start=1):
        where = f"collector {number}"
        name = ""
        try:
            if isinstance(e.get("name"), (list, dict)):
                raise InvalidInput(f"is a {type(e['name']).__name__}, not a single value")
            raw = "" if e.get("name") is None else str(e.get("name"))  # not stripped: blanks are refused
            problem = name_problem(raw)  # the name becomes the file name of what the collector fetches
            if problem is not None:  # refused when it has blanks around it, not trimmed
                raise InvalidInput(f"{raw[:40]!r} {problem}")
            name = check_name(raw, "name")
        except InvalidInput as exc:
            errors.append(f"{where}, field name: {exc.message}")
        ref = _scalar(e.get("control") or e.get("clause"))
        source = e.get("source")
        if not is_known_ref(uow, program, ref):
            errors.append(f"{where}, field control: '{clip(ref)}' is not a clause or control")
        if not isinstance(source, dict) or len(source) != 1 or next(iter(source)) not in SOURCES:
            errors.append(f"{where}, field source: give exactly one of {', '.join(SOURCES)}")
            continue
        kind, spec = next(iter(source.items()))
        if kind == "files" and not (isinstance(spec, dict) and isinstance(spec.get("folder"), str)
                                    and isinstance(spec.get("pattern"), str) and spec["folder"] and spec["pattern"]):
            errors.append(f"{where}, field source.files: needs folder and pattern (text)")
            continue
        if kind != "files" and not isinstance(spec, str):
            errors.append(f"{where}, field source.{kind}: give the {'URL' if kind == 'http' else 'command'} as text")
            continue
        problem = _source_problem(kind, spec)
        if problem:
            errors.append(f"{where}, field source.{kind}: {problem}")
            continue
        schedule = _scalar(e.get("schedule")) or "FREQ=DAILY"
        try:
            rrulestr(schedule, ignoretz=True)
        except (ValueError, TypeError):
            errors.append(f"{where}, field schedule: '{clip(schedule)}' is not an RRULE (e.g. FREQ=WEEKLY;BYDAY=MO)")
        valid_for = _scalar(e.get("valid_for")) or "12m"
        try:
            parse_duration(valid_for)
        except InvalidInput as exc:
            errors.append(f"{where}, field valid_for: {exc.message}")
        rows.append({"name": name, "ref": ref, "source": kind,
                     "target": spec["folder"] if kind == "files" else str(spec),
                     "pattern": spec.get("pattern") if kind == "files" else None,
                     "schedule": schedule, "valid_for": valid_for})
    names = [r["name"] for r in rows]
    errors += [f"collector name '{clip(n)}' repeats" for n in sorted({n for n in names if names.count(n) > 1})]
    if errors:
        shown = "; ".join(errors[:10]) + (f"; and {len(errors) - 10} more" if len(errors) > 10 else "")
        raise InvalidInput(f"{where}: nothing loaded: {shown}")
    loaded = []
    for r in rows:
        row = uow.session.exec(select(Collector).where(
            Collector.program_id == program.id, Collector.name == r["name"])).first()
        row = row or Collector(program_id=program.id, **r)  # type: ignore[arg-type]
        for k, v in r.items():
            setattr(row, k, v)
        uow.session.add(row)
        uow.record(program, actor=actor, lifecycle="collector", row_ref=f"collector:{r['name']}", trigger="load",
                   payload=r)
        loaded.append(r["name"])
    return loaded


def _scalar(value: Any) -> str:
    """A YAML value that should be one piece of text: a list or a mapping becomes nothing (refused as empty)."""
    if value is None or isinstance(value, (list, dict)):
        return ""
    return str(value).strip()


def _source_problem(kind: str, spec: Any) -> str | None:
    """Why a collector's source cannot work, found at load rather than at every run (None: it can)."""
    texts = [spec["folder"], spec["pattern"]] if kind == "files" else [spec]
    for text in texts:
        try:
            check_text(text, f"source.{kind}", limit=FIELD_MAX)
        except InvalidInput as exc:
            return exc.message
    if kind == "files":
        pattern = spec["pattern"]
        if pattern.startswith(("/", "\\")) or Path(pattern).is_absolute():
            return f"pattern '{clip(pattern)}' is absolute; give it relative to the folder"
        if ".." in Path(pattern).parts:
            return f"pattern '{clip(pattern)}' leaves the folder (..)"
    if kind == "http" and not spec.startswith(("http://", "https://")):
        return f"'{clip(spec)}': only http and https URLs are fetched"
    return None


def list_collectors(uow: UnitOfWork, program: Program) -> list[dict[str, Any]]:
    """The program's evidence collectors by name, with their failure counts."""
    return [{"id": c.id, "name": c.name, "ref": c.ref, "source": c.source, "target": c.target,
             "pattern": c.pattern, "schedule": c.schedule, "failures": c.consecutive_failures,
             "last_error": c.last_error}
            for c in uow.session.exec(select(Collector).where(Collector.program_id == program.id)
                                      .order_by(col(Collector.name)))]


def record_collection(uow: UnitOfWork, collector_id: int, fetched: list[Fetched] | None,
                      error: str | None = None) -> dict[str, Any]:
    """Store what a collector fetched (or count its failure); unchanged content is re-confirmed, not stored."""
    collector = uow.session.get_one(Collector, collector_id)
    program = uow.session.get_one(Program, collector.program_id)
    collector.last_run_at = uow.stamp
    stored_files: list[evidence_store.StoredFile] = []
    if error is None and fetched is not None:
        try:  # what the store refuses (empty, too large, not a regular file) is a failed collection
            stored_files = [evidence_store.ingest(f.path) for f in fetched]
        except InvalidInput as exc:
            error, fetched = str(exc), None
    result: dict[str, Any] = {"collector": collector.name, "stored": [], "reconfirmed": [], "opened": None,
                              "error": error}
    if error is not None or fetched is None:
        collector.consecutive_failures += 1
        collector.last_error = error
        uow.session.add(collector)
        uow.record(program, actor="evidence-collection", lifecycle="collector", row_ref=f"collector:{collector.name}",
                   trigger="fail", payload={"error": error, "consecutive": collector.consecutive_failures})
        if collector.consecutive_failures >= FAILURE_LIMIT:
            streak = f"collector:{collector.id}:failing:{collector.last_run_at.date().isoformat()}"
            result["opened"] = open_item(
                uow, program, key=streak, kind="evidence", subject=collector.ref, role="owner",
                title=f"Collector {collector.name} keeps failing ({error}): supply evidence for {collector.ref}",
                due=working_days.due_from(uow.now, 7, program.timezone, program.country), phase=program.state,
                actor="evidence-collection")
        return result
    collector.consecutive_failures, collector.last_error = 0, None
    uow.session.add(collector)
    valid_until = uow.today(program) + parse_duration(collector.valid_for)
    for f, stored in zip(fetched, stored_files, strict=True):
        same = uow.session.exec(select(Evidence).join(EvidenceLink, EvidenceLink.evidence_id == Evidence.id)  # type: ignore[arg-type]
                                .where(Evidence.program_id == program.id, Evidence.sha256 == stored.sha256,
                                       EvidenceLink.ref == collector.ref,
                                       Evidence.state != EvidenceState.EXPIRED)).first()
        if same is not None:
            same.reconfirmed_at = uow.stamp
            uow.session.add(same)
            uow.record(program, actor="evidence-collection", lifecycle="evidence", row_ref=f"EV-{same.id}",
                       trigger="reconfirm", payload={"sha256": stored.sha256, "collector": collector.name})
            result["reconfirmed"].append(f"EV-{same.id}")
            continue
        ev = Evidence(program_id=program.id, sha256=stored.sha256, file_name=f.name,  # type: ignore[arg-type]
                      media_type=stored.media_type, size=stored.size, refs=[collector.ref], collected_at=uow.stamp,
                      valid_until=valid_until, state=EvidenceState.SUBMITTED.value, collector_id=collector.id)
        uow.session.add(ev)
        uow.session.flush()
        uow.session.add(EvidenceLink(program_id=program.id, evidence_id=ev.id, ref=collector.ref))  # type: ignore[arg-type]
        uow.record(program, actor="evidence-collection", lifecycle="evidence", row_ref=f"EV-{ev.id}",
                   trigger="collect", to_state=ev.state,
                   payload={"sha256": stored.sha256, "file": f.name, "collector": collector.name})
        result["stored"].append(f"EV-{ev.id}")
    return result




def collector_specs(uow: UnitOfWork, program: Program) -> list[tuple[int, str, str, str | None, str]]:
    """(id, source, target, pattern, name) of each collector: what a fetch needs, outside any transaction."""
    return [(c.id, c.source, c.target, c.pattern, c.name) for c in uow.session.exec(  # type: ignore[misc]
        select(Collector).where(Collector.program_id == program.id).order_by(col(Collector.id)))]


def due_collectors(uow: UnitOfWork, program: Program) -> list[tuple[int, str, str, str | None, str]]:
    """The collectors whose own RRULE has an occurrence since their last run (never run: due now)."""
    now = uow.now.replace(tzinfo=None)
    due: list[tuple[int, str, str, str | None, str]] = []
    for c in uow.session.exec(select(Collector).where(Collector.program_id == program.id)
                              .order_by(col(Collector.id))):
        if c.last_run_at is not None:
            last = c.last_run_at.replace(tzinfo=None)
            upcoming = rrulestr(c.schedule, dtstart=last, ignoretz=True).after(last)
            if upcoming is None or upcoming > now:
                continue
        assert c.id is not None
        due.append((c.id, c.source, c.target, c.pattern, c.name))
    return due
