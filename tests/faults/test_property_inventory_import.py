"""Generated inventory files: imported whole, or refused with an error that names the row, field or file.

CSV and YAML files with random headers and values, missing and extra columns, duplicates, odd
unicode, other encodings, garbage bytes and empty files go to the inventory import service inside
a unit of work on a SQLite file. The outcome is success, or InvalidInput, NotFound or Conflict
naming what is wrong; never another exception; and after an error the database is unchanged.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from aimsflow.errors import AimsflowError, Conflict, InvalidInput, NotFound
from aimsflow.services import inventory
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from models.db import engine_for
from tests.dumps import dump
from tests.faults.conftest import (
    EXAMPLES,
    OWNER,
    PM,
    PROGRAM,
    InProcess,
    assert_unchanged,
    in_process_database,
    start_program,
)

SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
COLUMNS = [*inventory.REQUIRED, *inventory.OPTIONAL]
CLEAR = (InvalidInput, NotFound, Conflict)
_names = itertools.count()

ANY_CHARACTER = st.characters(blacklist_categories=["Cs"])
odd = st.text(ANY_CHARACTER, max_size=20)  # anything, NUL and RTL marks included
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "purpose": st.sampled_from(["scores claims", "ranks résumés", "翻訳する", ""]),
    "status": st.sampled_from(["deployed", "in-development", "planned", "retired", "DEPLOYED", "live", ""]),
    "risk_level": st.sampled_from(["high", "limited", "minimal", "unacceptable", "HIGH", "severe", ""]),
    "owner": st.sampled_from([OWNER, PM, OWNER.upper(), "Nobody", ""]),
    "in_scope": st.sampled_from(["yes", "no", "Y", "true", "FALSE", "maybe", ""]),
    "ai_role": st.sampled_from(["provider", "deployer", ""]),
    "description": odd,
}


def _fresh_name() -> str:
    return f"system-{next(_names)}"


@st.composite
def cell(draw: st.DrawFn, column: str) -> Any:
    if column == "name":
        return draw(st.one_of(st.builds(_fresh_name), st.sampled_from(["dup", "dup", " ", ""]), odd))
    return draw(st.one_of(VALUES.get(column, odd), odd))


VALID: dict[str, st.SearchStrategy[Any]] = {
    "name": st.builds(_fresh_name),
    "purpose": st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=20).filter(str.strip),
    "status": st.sampled_from(["deployed", "in-development", "planned", "retired", "Deployed"]),
    "risk_level": st.sampled_from(["high", "limited", "minimal", "unacceptable", "HIGH"]),
    "owner": st.sampled_from([OWNER, PM]),
    "in_scope": st.sampled_from(["yes", "no", "Y", "true", "FALSE"]),
    "ai_role": st.sampled_from(["provider", "deployer", ""]),
    "description": odd,
}


@st.composite
def table(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    """A header and rows: half the time a valid inventory with at most one flaw, else anything goes."""
    if draw(st.booleans()):
        header = [c for c in draw(st.permutations(COLUMNS)) if c in inventory.REQUIRED or draw(st.booleans())]
        rows = [[draw(VALID[c]) for c in header] for _ in range(draw(st.integers(1, 4)))]
        flaw = draw(st.sampled_from(["none", "none", "cell", "repeat", "short", "long", "drop", "extra"]))
        at = draw(st.integers(0, len(rows) - 1))
        if flaw == "cell":
            column = draw(st.integers(0, len(header) - 1))
            rows[at][column] = draw(cell(header[column]))
        elif flaw == "repeat":
            rows.append(list(rows[at]))
        elif flaw == "short":
            rows[at] = rows[at][:-1]
        elif flaw == "long":
            rows[at] = [*rows[at], draw(odd)]
        elif flaw == "drop":
            column = draw(st.integers(0, len(header) - 1))
            header = header[:column] + header[column + 1:]
            rows = [r[:column] + r[column + 1:] for r in rows]
        elif flaw == "extra":
            header = [*header, draw(odd)]
            rows = [[*r, draw(odd)] for r in rows]
        return header, rows
    header = draw(st.one_of(
        st.permutations(COLUMNS).map(list),
        st.lists(st.one_of(st.sampled_from(COLUMNS), odd), max_size=9),
        st.just([*inventory.REQUIRED, "name"]),
        st.just([f" {c.upper()} " for c in inventory.REQUIRED]),
    ))
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        row = [draw(cell(column)) for column in header]
        if draw(st.integers(0, 5)) == 0:  # now and then a row too short or too long
            row = row[:-1] if draw(st.booleans()) else [*row, draw(odd)]
        rows.append(row)
    return header, rows


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])


@st.composite
def csv_file(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["table"] * 6 + ["empty", "bytes"]))
    if kind == "empty":
        return ".csv", b""
    if kind == "bytes":
        return ".csv", draw(st.binary(max_size=200))
    header, rows = draw(table())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    return draw(st.sampled_from([".csv", ".CSV"])), encode(buffer.getvalue(), draw(ENCODINGS))


yaml_scalar = st.one_of(odd, st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(), st.dates())


@st.composite
def yaml_file(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from([".yaml", ".yml"]))
    kind = draw(st.sampled_from(["table"] * 6 + ["shape", "text", "empty"]))
    if kind == "empty":
        return suffix, b""
    if kind == "text":  # arbitrary text: mostly not YAML, sometimes a scalar or a broken document
        return suffix, encode(draw(st.text(ANY_CHARACTER, max_size=120)), "utf-8")
    if kind == "shape":  # valid YAML of the wrong shape
        data: Any = draw(st.one_of(yaml_scalar, st.lists(yaml_scalar, max_size=3),
                                   st.dictionaries(odd, yaml_scalar, max_size=3),
                                   st.lists(st.lists(yaml_scalar, max_size=2), max_size=2)))
    else:
        header, rows = draw(table())
        data = [dict(zip(header, row, strict=False)) for row in rows]
        if data and data[0] and draw(st.integers(0, 2)) == 0:  # YAML brings types CSV cannot: numbers, lists
            key = draw(st.sampled_from(sorted(data[0])))
            data[0][key] = draw(st.one_of(yaml_scalar, st.lists(yaml_scalar, max_size=2)))
    text = yaml.safe_dump(data, allow_unicode=draw(st.booleans()), default_flow_style=draw(st.booleans()))
    return suffix, encode(text, draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16"])))


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("inventory-import")
    with in_process_database(folder) as url:
        start_program(InProcess())
        yield url, folder


def _import(url: str, folder: Path, suffix: str, content: bytes) -> None:
    path = folder / f"inventory-{next(_names)}{suffix}"
    path.write_bytes(content)
    before = dump(url)
    try:
        with unit_of_work(engine_for(url)) as uow:
            result = inventory.import_inventory(uow, get_program(uow.session, PROGRAM), str(path))
    except AimsflowError as exc:
        message = str(exc)
        assert isinstance(exc, CLEAR), f"{type(exc).__name__} is not a clear input error: {message}"
        assert str(path) in message or re.search(r"\brow \d+\b|\bfield\b", message), message
        assert_unchanged(before, dump(url))
        event(f"{suffix.lower()}: {type(exc).__name__}")
        return
    assert result["imported"] == len(result["systems"]) > 0
    event(f"{suffix.lower()}: imported")


@SETTINGS
@given(file=csv_file())
def test_a_generated_csv_inventory_is_imported_or_refused_by_row_and_field(
    database: tuple[str, Path], file: tuple[str, bytes]
) -> None:
    _import(*database, *file)


@SETTINGS
@given(file=yaml_file())
def test_a_generated_yaml_inventory_is_imported_or_refused_by_row_and_field(
    database: tuple[str, Path], file: tuple[str, bytes]
) -> None:
    _import(*database, *file)


def test_an_inventory_path_that_is_a_folder_or_missing_is_refused_by_name(database: tuple[str, Path]) -> None:
    url, folder = database
    for path in (folder, folder / "missing.csv", folder / "inventory.xlsx"):
        before = dump(url)
        with pytest.raises(InvalidInput, match=re.escape(str(path))), unit_of_work(engine_for(url)) as uow:
            inventory.import_inventory(uow, get_program(uow.session, PROGRAM), str(path))
        assert_unchanged(before, dump(url))

