"""evidence-collection: due collectors run as tasks; their evidence lands in the store once."""

from __future__ import annotations

from pathlib import Path

from aimsflow.services import collectors
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from flows.evidence_collection import evidence_collection
from tests.flows.builders import create_program


def test_the_collection_flow_stores_new_evidence_then_reconfirms_it_and_skips_collectors_not_due(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "retention.txt").write_text("event logs kept 90 days\n")
    spec = tmp_path / "collectors.yaml"
    spec.write_text(f"""
- name: log-retention
  control: A.6.2.8
  source: {{files: {{folder: "{folder}", pattern: "*.txt"}}}}
  schedule: FREQ=DAILY
- name: broken
  control: A.8.2
  source: {{command: "false"}}
  schedule: FREQ=DAILY
""")
    with unit_of_work() as uow:
        collectors.load_collectors(uow, get_program(uow.session, program_key), str(spec))

    first = {c["collector"]: c for c in evidence_collection(program_key)["collected"]}
    assert len(first["log-retention"]["stored"]) == 1
    assert "exited 1" in first["broken"]["error"]
    assert evidence_collection(program_key)["collected"] == []  # nothing is due again the same day

    with unit_of_work() as uow:
        program = get_program(uow.session, program_key)
        for c in collectors.list_collectors(uow, program):
            assert c["failures"] == (1 if c["name"] == "broken" else 0)


def test_publish_reports_attaches_each_report_as_a_markdown_artifact(
        database: str, program_key: str, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.reports import publish_reports

    create_program(program_key, tmp_path)
    result = publish_reports(program_key, ["gap-analysis", "soa"])
    assert result["reports"] == ["gap-analysis", "soa"]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[f"{program_key}-gap-analysis", f"{program_key}-soa"])))
    assert {a.key for a in artifacts} == {f"{program_key}-gap-analysis", f"{program_key}-soa"}
    soa = next(a for a in artifacts if a.key.endswith("-soa"))
    assert "A.10.4" in str(soa.data)
