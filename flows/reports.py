"""publish-reports: attach a program's reports to the run as Markdown artifacts (on demand)."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from flows.report import artifact_key
from tasks import reports


def attach_report(program: str, kind: str) -> str:
    """One report as an artifact, keyed by program and kind so the Artifacts page keeps its history."""
    create_markdown_artifact(markdown=reports.render_markdown(program, kind), key=artifact_key(program, kind),
                             description=f"{kind} report of {program}")
    return kind


@flow(name="publish-reports")
def publish_reports(program: str, kinds: list[str] | None = None) -> dict[str, Any]:
    """Attach every report of a program (or the kinds given) as Markdown artifacts."""
    chosen = kinds or reports.program_report_kinds()
    return {"program": program, "reports": [attach_report(program, kind) for kind in chosen]}
