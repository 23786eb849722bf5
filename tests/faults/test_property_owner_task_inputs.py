"""Generated owner-task inputs: completion only with the right code; otherwise an AimsflowError and no write.

What an owner types in the Prefect form (completion code, note, evidence references, assessment)
goes to aimsflow.services.completion.complete_with_code inside a unit of work. Every example starts
from the same saved SQLite file: items of each kind, each with a known one-time code.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from aimsflow import completion_codes, evidence_store
from aimsflow.errors import AimsflowError, Refused
from aimsflow.services import completion, work
from aimsflow.services import evidence as evidence_records
from aimsflow.services.lookup import get_by_ref, get_program
from aimsflow.uow import unit_of_work
from models import WorkItem
from models.db import engine_for
from tests.dumps import dump
from tests.faults.conftest import (
    EXAMPLES,
    PM,
    PROGRAM,
    InProcess,
    assert_unchanged,
    in_process_database,
    start_program,
)

SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
RIGHT = "ABCD-EFGH"


@dataclass(frozen=True)
class Saved:
    url: str
    db: Path
    template: Path
    items: dict[str, str]  # kind -> WI-n (every one carries RIGHT as its code, but "uncoded")
    sha: str
    file: str
    folder: Path


def _copy(source: Path, target: Path) -> None:
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Saved]:
    folder = tmp_path_factory.mktemp("owner-task")
    with in_process_database(folder) as url:
        run = InProcess()
        start_program(run)
        engine = engine_for(url)
        with unit_of_work(engine) as uow:
            program = get_program(uow.session, PROGRAM)
            for kind in ("evidence", "record"):
                work.open_item(uow, program, key=f"bench:{kind}", kind=kind, subject="A.2.2", title=f"a {kind}",
                               role="owner", due=date(2027, 3, 1), phase=program.state, actor="test")
        listed = run.json("work", "list", PROGRAM)
        items: dict[str, str] = {}
        for row in listed:
            items.setdefault(row["kind"], row["id"])
        coded = {k: v for k, v in items.items() if k != "document"}
        items["uncoded"] = items.pop("document")
        with unit_of_work(engine) as uow:
            for ref in coded.values():
                get_by_ref(uow.session, ref, WorkItem).completion_code_hash = completion_codes.hash_code(RIGHT)
        policy = folder / "ai-policy.txt"
        policy.write_text("AI policy v3, approved\n", encoding="utf-8")
        with unit_of_work(engine) as uow:  # evidence of the program: the form names it by its hash
            evidence_records.add_evidence(uow, get_program(uow.session, PROGRAM), str(policy), refs=["A.2.2"], by=PM)
        stored = evidence_store.ingest(str(policy))
        db = folder / "aimsflow.db"
        engine.dispose()
        template = folder / "template.db"
        _copy(db, template)
        yield Saved(url, db, template, items, stored.sha256, str(policy), folder)


def _evidence(s: Saved) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([s.sha, s.sha[:12], s.sha[:11], s.sha.upper(), f" {s.sha} ", s.file, str(s.folder),
                         str(s.folder / "missing.pdf"), "", "  ", "0" * 64, "../../etc/passwd"]),
        st.text(st.sampled_from("0123456789abcdef"), min_size=12, max_size=64),
        st.text(max_size=30),
    )


codes = st.one_of(
    st.sampled_from([RIGHT, RIGHT.lower(), RIGHT.replace("-", ""), " abcd efgh ", "ABCD-EFG", "ABCD-EFGHJ", ""]),
    st.text(st.sampled_from(completion_codes.ALPHABET), min_size=8, max_size=8).map(lambda c: f"{c[:4]}-{c[4:]}"),
    st.text(max_size=20),
)
notes = st.one_of(st.none(), st.sampled_from(["conforms: reviewed the AI policy", "gap - nothing written", " "]),
                  st.text(max_size=40))
assessments = st.one_of(st.none(), st.sampled_from(["conforms", "partial", "gap", "GAP", " partial ", "yes"]),
                        st.text(max_size=12))


@SETTINGS
@given(data=st.data())
def test_owner_task_inputs_complete_only_with_the_right_code_and_otherwise_write_nothing(
    saved: Saved, data: st.DataObject
) -> None:
    s = saved
    kind = data.draw(st.sampled_from(sorted(s.items)), label="kind")
    if data.draw(st.booleans(), label="as the owner would"):  # the right code, sensible fields: mostly succeeds
        ref = s.items[kind]
        code = data.draw(st.sampled_from([RIGHT, RIGHT.lower(), " abcd efgh "]), label="code")
        evidence = data.draw(st.sampled_from([[], [s.sha], [s.sha[:12]]]), label="evidence")
        note = data.draw(st.sampled_from(["conforms: reviewed the AI policy", "done", None]), label="note")
        assessment = data.draw(st.sampled_from([None, "partial"]) if kind == "clause_assessment" else st.none())
    else:
        ref = data.draw(st.one_of(st.just(s.items[kind]), st.sampled_from(["WI-0", "WI-999", "x", ""])),
                        label="item")
        code = data.draw(codes, label="code")
        evidence = data.draw(st.lists(_evidence(s), max_size=3), label="evidence")
        note, assessment = data.draw(notes, label="note"), data.draw(assessments, label="assessment")

    engine_for(s.url).dispose()
    _copy(s.template, s.db)
    before = dump(s.url)
    right = completion_codes.normalize(code) == completion_codes.normalize(RIGHT) and kind != "uncoded"
    try:
        with unit_of_work(engine_for(s.url)) as uow:
            result = completion.complete_with_code(uow, ref, code=code, evidence=evidence, note=note,
                                                   assessment=assessment)
    except AimsflowError as exc:
        assert_unchanged(before, dump(s.url))
        if ref == s.items[kind] and not right:
            assert isinstance(exc, Refused) and "completion code" in str(exc), str(exc)
        event(f"{kind}: {type(exc).__name__}")
        return
    assert right and ref == s.items[kind], f"completed {ref} with the code {code!r}"
    assert result["state"] in ("submitted", "accepted"), result
    with unit_of_work(engine_for(s.url)) as uow:
        assert get_by_ref(uow.session, ref, WorkItem).completion_code_hash is None, "the code works once"
    with pytest.raises(Refused, match="completion code"), unit_of_work(engine_for(s.url)) as uow:
        completion.complete_with_code(uow, ref, code=code, evidence=evidence, note=note, assessment=assessment)
    event(f"{kind}: {result['state']}")
