"""Export and import: the whole program moves by its key; status and trail are the same afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimsflow import clock
from aimsflow.errors import Conflict, InvalidInput
from aimsflow.services import programs
from aimsflow.services.catalog import load_into
from aimsflow.services.lookup import get_program
from aimsflow.services.portability import export_program, import_program, read_export, write_export
from aimsflow.services.status import program_status
from aimsflow.trail import verify_trail
from aimsflow.uow import unit_of_work
from models.db import create_tables, engine_for
from tests.records.conftest import Sample


def fresh(path: Path) -> str:
    url = f"sqlite:///{path}"
    create_tables(engine_for(url))
    with unit_of_work(engine_for(url)) as uow:
        load_into(uow.session)
    return url


def status_at(url: str, key: str, day: str) -> dict[str, object]:
    with unit_of_work(engine_for(url)) as uow:
        clock.set_simulated(uow.session, clock.at_noon(clock.parse_date(day)))
    with unit_of_work(engine_for(url)) as uow:
        return program_status(uow, get_program(uow.session, key))


def exported(sample: Sample, tmp_path: Path) -> Path:
    with sample.work() as uow:
        data = export_program(uow, get_program(uow.session, sample.key))
    target = tmp_path / "program.json"
    write_export(data, str(target))
    return target


def test_an_import_into_an_empty_database_gives_the_same_status_and_a_trail_that_verifies(
        sample: Sample, tmp_path: Path) -> None:
    target = exported(sample, tmp_path)
    url = fresh(tmp_path / "empty.db")
    with unit_of_work(engine_for(url)) as uow:
        import_program(uow, read_export(str(target)))
    assert status_at(url, sample.key, "2031-01-05") == status_at(sample.url, sample.key, "2031-01-05")
    with unit_of_work(engine_for(url)) as uow:
        checked, problems = verify_trail(uow.session)
    assert problems == [] and checked > 500


def test_an_import_beside_another_program_renumbers_rows_and_keeps_them_together(
        sample: Sample, tmp_path: Path) -> None:
    target = exported(sample, tmp_path)
    url = fresh(tmp_path / "busy.db")
    with unit_of_work(engine_for(url)) as uow:
        programs.create_program(uow, name="Other Org", scope="s", start=clock.parse_date("2027-01-01"))
    with unit_of_work(engine_for(url)) as uow:
        import_program(uow, read_export(str(target)))
    original = status_at(sample.url, sample.key, "2031-01-05")
    moved = status_at(url, sample.key, "2031-01-05")
    assert moved["work"] == original["work"]
    assert moved["certificate"] == original["certificate"]
    assert [a["kind"] for a in moved["audits"]] == [a["kind"] for a in original["audits"]]  # type: ignore[union-attr]
    with unit_of_work(engine_for(url)) as uow:
        assert verify_trail(uow.session)[1] == []


def test_importing_a_program_twice_is_refused_and_changes_nothing(sample: Sample, tmp_path: Path) -> None:
    target = exported(sample, tmp_path)
    url = fresh(tmp_path / "twice.db")
    with unit_of_work(engine_for(url)) as uow:
        import_program(uow, read_export(str(target)))
    with unit_of_work(engine_for(url)) as uow:
        before = verify_trail(uow.session)[0]
    with pytest.raises(Conflict, match="already exists"), unit_of_work(engine_for(url)) as uow:
        import_program(uow, read_export(str(target)))
    with unit_of_work(engine_for(url)) as uow:
        assert verify_trail(uow.session)[0] == before


def test_a_file_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(InvalidInput, match="not an aimsflow program export"):
        read_export(str(bad))
    bad.write_text("{not json")
    with pytest.raises(InvalidInput, match="not a JSON export"):
        read_export(str(bad))


def test_an_imported_program_renders_the_same_reports(sample: Sample, tmp_path: Path) -> None:
    from aimsflow.reports import compile_report, render_report

    target = exported(sample, tmp_path)
    url = fresh(tmp_path / "reports.db")
    with unit_of_work(engine_for(url)) as uow:
        import_program(uow, read_export(str(target)))

    def rendered(database: str) -> dict[str, str]:
        status_at(database, sample.key, "2031-01-05")  # the same simulated day on both sides
        out = {}
        with unit_of_work(engine_for(database)) as uow:
            program = get_program(uow.session, sample.key)
            for kind in ("soa", "nonconformities", "evidence-portfolio", "roadmap", "risk-register"):
                out[kind] = render_report(kind, compile_report(uow, program, kind), "md")
        return out

    assert rendered(url) == rendered(sample.url)
