"""Evidence handed in with a completion: what the owner's form names, as content in the store, recorded once.

The form names evidence three ways: a file of the evidence inbox (by its name), an https:// link
(fetched with the collectors' limits), or the SHA-256 (or a 12+ character prefix) of evidence this
program already has. A path on the server is not one of them: the command line, whose user has a
shell, gives paths. `record_handed_in` then writes each piece for the item: content the program
already has as submitted evidence that no work item has taken (a file added with the evidence
command and passed on by its hash) is linked to the item, not recorded a second time; anything
else becomes a new evidence row under its original file name.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from aimsflow import collect, evidence_inbox, evidence_store
from aimsflow.errors import AimsflowError, InvalidInput
from aimsflow.evidence_store import StoredFile
from aimsflow.uow import UnitOfWork
from models import Evidence, EvidenceLink
from states.evidence import EvidenceState

HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class HandedIn:
    stored: list[StoredFile]  # the content, now in the store
    inbox_files: list[str]  # inbox names to move into .claimed once the completion has committed


def store_form_evidence(uow: UnitOfWork, program_id: int, *, files: Sequence[str],
                        refs: Sequence[str]) -> HandedIn:
    """Put what a form names into the store: inbox files by name, https:// links, hashes of the program's evidence."""
    names = [n for n in dict.fromkeys(files) if n.strip()]
    paths = [evidence_inbox.open_choice(n) for n in names]  # every name is checked before anything is read
    texts = [r.strip() for r in refs if r.strip()]
    known = [_known(uow, program_id, t) for t in texts if "://" not in t]
    links = [t for t in texts if "://" in t]
    stored = [evidence_store.ingest(str(p)) for p in paths]
    for link in links:
        fetched = collect.fetch_link(link)
        try:
            stored.append(evidence_store.ingest(fetched.path))
        finally:
            shutil.rmtree(Path(fetched.path).parent, ignore_errors=True)  # the spool folder of this one fetch
    return HandedIn([*known, *stored], names)


def _known(uow: UnitOfWork, program_id: int, text: str) -> StoredFile:
    """Evidence the program already has, named by its SHA-256 or a prefix of 12 or more characters."""
    digest = text.lower()
    if not (12 <= len(digest) <= 64 and set(digest) <= HEX):
        raise InvalidInput(f"{text}: neither an https:// link nor the SHA-256 of stored evidence", field="evidence",
                           hint="use_inbox")
    rows = uow.session.exec(select(Evidence).where(Evidence.program_id == program_id,
                                                   col(Evidence.sha256).startswith(digest))
                            .order_by(col(Evidence.id).desc())).all()
    if len({r.sha256 for r in rows}) > 1:
        raise InvalidInput(f"evidence {text}: the prefix matches {len({r.sha256 for r in rows})} stored files; "
                           "give more of the hash", field="evidence")
    if not rows:
        raise InvalidInput(f"evidence {text}: no evidence of this program has this hash", field="evidence",
                           hint="add_evidence")
    row = rows[0]
    if not evidence_store.path_for(row.sha256).is_file():
        raise AimsflowError(f"evidence {row.sha256[:12]}: file missing from the store")
    return StoredFile(row.sha256, row.file_name, row.media_type, row.size)


def unclaimed_submission(uow: UnitOfWork, program_id: int, sha256: str, item_id: int) -> Evidence | None:
    """Submitted evidence of the program with this content that no other work item has taken: to link, not copy."""
    return uow.session.exec(select(Evidence).where(
        Evidence.program_id == program_id, Evidence.sha256 == sha256, Evidence.state == EvidenceState.SUBMITTED,
        (col(Evidence.work_item_id).is_(None)) | (Evidence.work_item_id == item_id))
        .order_by(col(Evidence.id))).first()


def link_to_item(uow: UnitOfWork, ev: Evidence, *, item_id: int, ref: str) -> bool:
    """Make submitted evidence part of a work item and of its reference; False if it already was."""
    changed = ev.work_item_id != item_id
    ev.work_item_id = item_id
    if ref not in ev.refs:
        ev.refs = [*ev.refs, ref]
        changed = True
    uow.session.add(ev)
    linked = uow.session.exec(select(EvidenceLink.id).where(EvidenceLink.evidence_id == ev.id,
                                                            EvidenceLink.ref == ref)).first()
    if linked is None:
        uow.session.add(EvidenceLink(program_id=ev.program_id, evidence_id=ev.id, ref=ref))  # type: ignore[arg-type]
    return changed
