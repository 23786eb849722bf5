"""The program manager's view: a `<key>-progress` artifact kept current; start-phase by key or display name."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

from flows.deadline_sweep import deadline_sweep
from flows.start_phase import start_phase
from tests.flows.builders import LEGAL, TECH, complete_open_work, create_program, set_today, work_items


def progress_of(key: str) -> str:
    """The latest version of the program's progress artifact, as the Artifacts page shows it."""
    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts(artifact_filter=ArtifactCollectionFilter(
            key=ArtifactCollectionFilterKey(any_=[f"{key}-progress"])))
    assert len(found) == 1, f"no artifact {key}-progress"
    assert found[0].type == "markdown"
    return str(found[0].data)


def test_start_phase_publishes_the_programs_progress_with_its_gate_and_items_by_state_and_owner(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    start_phase(program_key, deliver=False)

    text = progress_of(program_key)
    assert f"(`{program_key}`) is in **gap_analysis**" in text
    assert "clause 4.1: not assessed" in text, "the gate's missing items, as the gate rule names them"
    assert "## Work items by state" in text and "| all | 30 |" in text
    by_owner = text.split("## By owner", 1)[1].split("##", 1)[0]
    assert f"| {TECH} |" in by_owner and f"| {LEGAL} |" in by_owner
    assert "## Late: 0" in text


def test_a_sweep_republishes_the_progress_under_the_same_key_with_late_items(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    start_phase(program_key, deliver=False)
    clause = next(i for i in work_items(program_key) if i["key"] == "clause:4.1")
    complete_open_work(program_key, keep={"clause:4.1"})
    set_today(date.fromisoformat(clause["due"]) + timedelta(days=4))
    deadline_sweep(program_key, deliver=False)

    text = progress_of(program_key)
    assert "## Late: 1" in text and f"| {clause['id']} " in text
    assert "## Escalated: 1" in text
    assert "clause 4.1: not assessed" in text


def test_start_phase_takes_the_programs_display_name_as_well_as_its_key(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    result = start_phase(f"merlion {program_key.upper()}", deliver=False)
    assert isinstance(result, dict) and result["program"] == program_key and result["phase"] == "gap_analysis"


def test_start_phase_for_an_unknown_program_fails_with_one_line_listing_the_known_ones(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    state = start_phase("Lion City Insurance", return_state=True)
    assert state.is_failed()
    assert state.message == (f"program 'Lion City Insurance' not found; known programs: {program_key} "
                             f"(Merlion {program_key})")


def test_the_start_phase_form_explains_each_parameter_and_offers_the_phases_as_a_choice() -> None:
    schema = start_phase.parameters.model_dump()
    props = schema["properties"]
    assert all(props[name].get("description") for name in ("program", "phase", "deliver")), json.dumps(props)
    choices = json.dumps(schema)
    for phase in ("gap_analysis", "foundation_building", "controls_implementation", "testing_and_refinement",
                  "certification_stage_1"):
        assert f'"{phase}"' in choices
    assert "display name" in props["program"]["description"]
