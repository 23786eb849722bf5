"""Reports are safe to open: well-formed, self-contained, and user input never comes through as markup."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError
from markupsafe import escape

from aimsflow.reports import FORMATS, KINDS, render_report
from aimsflow.reports.rendering import md_escape
from tests.reports.report_sample import (
    ADDED_TITLE,
    AUDITOR,
    HOSTILE,
    JUSTIFICATION,
    PAYLOADS,
    PERSON,
    PROGRAM_NAME,
    SCOPE,
    SYSTEM,
    TEXT,
    Sample,
    check_page,
    outside_references,
    system_for,
)

# Where the hostile program's markup shows up: every header names the program and its scope.
SHOWN = {
    "gap-analysis": {PERSON, TEXT},
    "soa": {JUSTIFICATION, ADDED_TITLE, SYSTEM},
    "risk-register": {PERSON, SYSTEM, TEXT},
    "inventory": {PERSON, SYSTEM, TEXT},
    "impact-assessment": {PERSON, SYSTEM, TEXT},
    "internal-audit": {AUDITOR, TEXT},
    "stage-1-pack": {PERSON, AUDITOR, TEXT},
    "surveillance-pack": {SYSTEM},
    "evidence-portfolio": {PERSON, TEXT},
    "management-review": {PERSON, TEXT},
    "nonconformities": {PERSON, AUDITOR, TEXT},
    "roadmap": set(),
    "certification-calendar": set(),
}
KIND_FORMATS = [(kind, fmt) for kind in KINDS for fmt in FORMATS]


def hostile(sample: Sample, kind: str, fmt: str) -> str:
    return sample.render(kind, fmt, HOSTILE, system=SYSTEM if kind == "impact-assessment" else None)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_html_report_parses_with_balanced_tags_and_nothing_that_fetches_or_runs(sample: Sample,
                                                                                     kind: str) -> None:
    for text in (sample.render(kind, "html", system=system_for(kind)), hostile(sample, kind, "html")):
        page = check_page(text)
        assert not page.problems, "\n".join(page.problems)
        assert text.startswith("<!DOCTYPE html>")
        assert page.tags["html"] == page.tags["head"] == page.tags["body"] == page.tags["style"] == 1


@pytest.mark.parametrize(("kind", "fmt"), KIND_FORMATS)
def test_no_report_points_outside_itself(sample: Sample, kind: str, fmt: str) -> None:
    demo = sample.render(kind, fmt, system=system_for(kind))
    assert outside_references(demo) == []
    assert "src=" not in demo
    assert outside_references(hostile(sample, kind, fmt)) == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_hostile_names_and_text_appear_escaped_in_html_and_never_raw(sample: Sample, kind: str) -> None:
    text = hostile(sample, kind, "html")
    for payload in PAYLOADS:
        assert payload not in text, f"raw {payload!r} in the {kind} report"
    for payload in SHOWN[kind] | {PROGRAM_NAME, SCOPE}:
        assert str(escape(payload)) in text, f"{payload!r} not shown (escaped) in the {kind} report"


@pytest.mark.parametrize("kind", list(KINDS))
def test_hostile_names_and_text_appear_as_inert_text_in_markdown(sample: Sample, kind: str) -> None:
    text = hostile(sample, kind, "md")
    for payload in PAYLOADS:
        assert payload not in text, f"raw {payload!r} in the {kind} Markdown report"
    for payload in SHOWN[kind] | {PROGRAM_NAME, SCOPE}:
        assert md_escape(payload) in text, f"{payload!r} not shown (escaped) in the {kind} Markdown report"


def test_markdown_escaping_turns_markup_into_text_on_one_line() -> None:
    assert md_escape("<script>alert(1)</script>") == r"\<script\>alert(1)\</script\>"
    assert md_escape("a | b\nc *d* [e](f) `g` _h_ #i") == r"a \| b c \*d\* \[e\](f) \`g\` \_h\_ \#i"
    assert md_escape(None) == "—"
    assert md_escape(3) == "3"


@pytest.mark.parametrize(("kind", "fmt"), KIND_FORMATS)
def test_a_template_given_data_without_a_variable_it_uses_raises(sample: Sample, kind: str, fmt: str) -> None:
    data = sample.data(kind, system=system_for(kind))
    some_key = next(k for k in data if k != "header")
    for missing in ("header", some_key):
        with pytest.raises(UndefinedError):
            render_report(kind, {k: v for k, v in data.items() if k != missing}, fmt)


def test_a_missing_field_of_a_row_raises_too(sample: Sample) -> None:
    data = sample.data("soa")
    data["controls"] = [{k: v for k, v in c.items() if k != "justification"} for c in data["controls"]]
    for fmt in FORMATS:
        with pytest.raises(UndefinedError):
            render_report("soa", data, fmt)
