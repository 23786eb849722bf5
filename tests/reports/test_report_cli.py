"""aimsflow report: one report to standard output or a file, every report to a folder, and clear refusals."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from aimsflow.reports import FORMATS, KINDS, file_name
from tests.reports.report_sample import DEMO, Sample, golden_path, system_for


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


Runner = Callable[..., Ran]


@pytest.fixture
def report(sample: Sample, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Runner:
    """`aimsflow report ...` in this process, on the sample database."""
    from aimsflow.cli import main

    monkeypatch.setenv("AIMSFLOW_DATABASE_URL", f"sqlite:///{sample.folder / 'demo.db'}")
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Ran:
        out, err = io.StringIO(), io.StringIO()
        code = 0
        monkeypatch.setattr(sys, "argv", ["aimsflow", "report", *args])
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return Ran(code, out.getvalue(), err.getvalue())

    return run


def test_report_list_names_every_kind(report: Runner) -> None:
    ran = report("list")
    assert ran.code == 0
    assert [line.split()[0] for line in ran.out.splitlines()] == list(KINDS)


def test_a_report_goes_to_standard_output_by_default_as_html(sample: Sample, report: Runner) -> None:
    ran = report("soa", DEMO)
    assert ran.code == 0, ran.err
    assert ran.out == golden_path("soa", "html").read_text(encoding="utf-8")


def test_a_report_goes_to_the_file_named_by_o_in_the_format_asked_for(report: Runner, tmp_path: Path) -> None:
    target = tmp_path / "out" / "minutes.md"
    ran = report("management-review", DEMO, "--format", "md", "-o", str(target))
    assert ran.code == 0, ran.err
    assert target.read_text(encoding="utf-8") == golden_path("management-review", "md").read_text(encoding="utf-8")


def test_the_impact_assessment_of_one_system_is_chosen_with_system(report: Runner) -> None:
    ran = report("impact-assessment", DEMO, "--system", "chatbot", "--format", "md")
    assert ran.code == 0, ran.err
    assert ran.out == golden_path("impact-assessment", "md").read_text(encoding="utf-8")


def test_report_all_writes_every_report_in_both_formats_to_the_folder(sample: Sample, report: Runner,
                                                                      tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    ran = report("all", DEMO, "-o", str(folder))
    assert ran.code == 0, ran.err
    systems = [s["name"] for s in sample.data("inventory")["systems"] if s["in_scope"]]
    expected = {file_name(kind, fmt) for kind in KINDS if kind != "impact-assessment" for fmt in FORMATS}
    expected |= {file_name("impact-assessment", fmt, s) for s in systems for fmt in FORMATS}
    assert {p.name for p in folder.iterdir()} == expected
    assert f"wrote {len(expected)} reports" in ran.out
    for kind in KINDS:
        for fmt in FORMATS:
            written = folder / file_name(kind, fmt, system_for(kind))
            assert written.read_text(encoding="utf-8") == golden_path(kind, fmt).read_text(encoding="utf-8"), kind


def test_report_all_with_a_format_writes_that_format_only(report: Runner, tmp_path: Path) -> None:
    ran = report("all", DEMO, "-o", str(tmp_path / "md"), "--format", "md")
    assert ran.code == 0, ran.err
    assert {p.suffix for p in (tmp_path / "md").iterdir()} == {".md"}


def test_system_names_become_safe_file_names_that_stay_apart() -> None:
    assert file_name("impact-assessment", "html", "claims-triage") == "impact-assessment-claims-triage.html"
    hostile = file_name("impact-assessment", "md", "../<script>alert(1)</script>")
    assert "/" not in hostile and "<" not in hostile and hostile.endswith(".md")
    assert file_name("impact-assessment", "md", "Chat bot") != file_name("impact-assessment", "md", "chat-bot")


@pytest.mark.parametrize(("args", "says"), [
    (("bogus", DEMO), "KIND: 'bogus' is not a report (one of: gap-analysis, soa,"),
    (("soa", DEMO, "--format", "pdf"), "--format: 'pdf' is not one of html, md"),
    (("soa",), "PROGRAM: give the program key"),
    (("soa", "nobody"), "program 'nobody' not found"),
    (("all", DEMO), "give the folder with -o DIR"),
    (("impact-assessment", DEMO), "needs --system NAME (systems of merlion-insurance: call-summaries, chatbot,"),
    (("impact-assessment", DEMO, "--system", "nope"), "--system: AI system 'nope' is not in the inventory"),
    (("soa", DEMO, "--system", "chatbot"), "--system applies to impact-assessment only"),
])
def test_a_wrong_request_is_refused_in_one_line_that_says_why(report: Runner, args: tuple[str, ...], says: str) -> None:
    ran = report(*args)
    assert ran.code != 0
    assert ran.out == ""
    lines = [line for line in ran.err.splitlines() if line.strip()]
    assert len(lines) == 1 and says in lines[0], ran.err
