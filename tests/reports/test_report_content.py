"""What the reports say: every control in the SoA, unjustified exclusions flagged, heat maps, the Gantt chart."""

from __future__ import annotations

import re

import pytest

from aimsflow.catalog import load_catalog
from aimsflow.reports import FORMATS, KINDS
from tests.reports.report_sample import HOSTILE, Sample, system_for

KIND_FORMATS = [(kind, fmt) for kind in KINDS for fmt in FORMATS]


@pytest.mark.parametrize(("kind", "fmt"), KIND_FORMATS)
def test_every_report_names_the_program_the_day_it_was_generated_and_the_catalog_version(
        sample: Sample, kind: str, fmt: str) -> None:
    text = sample.render(kind, fmt, system=system_for(kind))
    version = load_catalog().version
    # The demo ends on its recertification day: the unit of work's (simulated) clock, not the machine's.
    if fmt == "html":
        assert "<dt>Program</dt><dd>Merlion Insurance (<code>merlion-insurance</code>)</dd>" in text
        assert "<dt>Generated</dt><dd>2030-12-22 (simulated clock)" in text
        assert f"<dt>Catalog</dt><dd>{version}</dd>" in text
    else:
        assert "| Program | Merlion Insurance (merlion-insurance) |" in text
        assert "| Generated | 2030-12-22 (simulated clock)" in text
        assert f"| Catalog | {version} |" in text


@pytest.mark.parametrize(("kind", "fmt"), KIND_FORMATS)
def test_every_date_in_a_report_is_written_year_month_day(sample: Sample, kind: str, fmt: str) -> None:
    text = sample.render(kind, fmt, system=system_for(kind))
    assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text), "a timestamp where a date belongs"
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", text), "a date not written YYYY-MM-DD"


def test_the_soa_lists_every_control_of_the_catalog_and_every_added_control_in_both_formats(sample: Sample) -> None:
    html, md = sample.render("soa", "html"), sample.render("soa", "md")
    for control in load_catalog().control_ids:
        assert f'<tr id="{control}">' in html or f'<tr class="standout" id="{control}">' in html, control
        assert f"\n| {control} |" in md or f"\n| **⚠ {control}** |" in md, control
    assert '<tr id="ORG-1">' in sample.render("soa", "html", HOSTILE)
    assert "\n| ORG-1 |" in sample.render("soa", "md", HOSTILE)


def test_an_exclusion_without_a_justification_stands_out_in_the_soa(sample: Sample) -> None:
    data = sample.data("soa", HOSTILE)
    assert data["summary"]["unjustified_exclusions"] == ["A.10.4"]
    html, md = sample.render("soa", "html", HOSTILE), sample.render("soa", "md", HOSTILE)
    assert ('<p class="alert"><strong>Exclusions without a justification (a nonconformity):</strong> '
            "<code>A.10.4</code></p>") in html
    row = html[html.index('id="A.10.4"') - 40:html.index('id="A.10.4"') + 400]
    assert 'class="standout"' in row and '<span class="bad">no justification</span>' in row
    assert "> **Exclusions without a justification (a nonconformity):** A.10.4" in md
    assert ("| **⚠ A.10.4** | customers | third-party and customer relationships | excluded | **no justification** |"
            in md)
    # The demo's single exclusion carries its justification: nothing stands out there.
    assert "Exclusions without a justification" not in sample.render("soa", "html")


def test_the_soa_links_each_control_to_its_evidence_and_to_the_risks_that_rely_on_it(sample: Sample) -> None:
    controls = {c["control"]: c for c in sample.data("soa")["controls"]}
    assert [r["id"] for r in controls["A.6.2.6"]["risks"]] == ["RISK-1", "RISK-2", "RISK-3"]
    assert controls["A.2.2"]["evidence"] and all(len(ev["sha256"]) == 64 for ev in controls["A.2.2"]["evidence"])
    assert controls["A.10.4"]["decision"] == "excluded" and controls["A.10.4"]["evidence"] == []


def test_the_heat_maps_count_each_risk_in_the_cell_of_its_likelihood_and_impact(sample: Sample) -> None:
    data = sample.data("risk-register")
    inherent, residual = data["heat_maps"]
    axes = (("likelihood", "impact"), ("residual_likelihood", "residual_impact"))
    for heat, (lk, im) in zip((inherent, residual), axes, strict=True):
        cells = {(c["likelihood"], c["impact"]): c for row in heat["rows"] for c in row["cells"]}
        assert len(cells) == data["criteria"]["scale"] ** 2
        for risk in data["risks"]:
            assert risk["id"] in cells[(risk[lk], risk[im])]["risks"]
        assert sum(c["count"] for c in cells.values()) == len(data["risks"]) == heat["placed"]
    html = sample.render("risk-register", "html")
    assert html.count('<table class="heat">') == 2
    # RISK-1: likelihood 4 x impact 4 = 16, above the criteria of 8.
    assert ('<td class="high" title="likelihood 4 × impact 4 = 16"><strong>1</strong><small>RISK-1</small></td>'
            in html)
    assert "| **4** | (4) low | (8) medium | (12) HIGH | **1** RISK-1 HIGH | (20) HIGH |" in sample.render(
        "risk-register", "md")


def test_the_roadmap_draws_each_phase_planned_against_actual_and_each_milestone_in_inline_svg(sample: Sample) -> None:
    data = sample.data("roadmap")
    html = sample.render("roadmap", "html")
    assert html.count("<svg ") == 1
    phases, milestones = len(data["phases"]), len(data["milestones"])
    assert phases == 5 and milestones == 11  # 9 audits (3 internal ones kept up before the cycle audits), 2 decisions
    assert html.count('<rect class="planned"') == phases
    assert html.count('<rect class="actual"') + html.count('<rect class="ongoing"') == phases
    assert html.count('<polygon class="audit"') + html.count('<polygon class="decision"') == milestones
    gap = data["phases"][0]
    assert (gap["planned_start"], gap["planned_end"], gap["started"], gap["ended"], gap["slip_days"]) == (
        "2027-01-04", "2027-03-04", "2027-01-04", "2027-03-06", 2)


def test_the_certification_calendar_shows_each_cycle_with_its_windows(sample: Sample) -> None:
    cycles = sample.data("certification-calendar")["cycles"]
    assert [c["cycle"] for c in cycles] == [1, 2]
    first = {w["name"].split(" (")[0]: w for w in cycles[0]["windows"]}
    assert (first["certificate valid"]["from"], first["certificate valid"]["to"]) == ("2028-03-02", "2031-03-02")
    assert first["surveillance audit 1"]["to"] == "2029-03-02"
    assert (first["surveillance audit 2"]["from"], first["surveillance audit 2"]["to"]) == ("2030-01-01", "2030-12-31")
    assert all(first[k]["status"] == "done" for k in ("surveillance audit 1", "surveillance audit 2",
                                                      "recertification audit and decision"))
    assert cycles[1]["windows"][0]["to"] == "2034-03-02"  # the old expiry plus three years
    assert "<svg " in sample.render("certification-calendar", "html")


def test_the_nonconformity_report_shows_every_round_of_the_loop(sample: Sample) -> None:
    major = next(n for n in sample.data("nonconformities")["nonconformities"] if n["severity"] == "major")
    assert [(r["round"], r["effective"]) for r in major["rounds"]] == [(1, False), (2, True)]
    assert major["rounds"][0]["verified_by"] == "Helena Berg" and major["rounds"][0]["implemented_by"] == "Tan Wei Ming"


def test_the_management_review_lists_inputs_a_to_e_and_its_actions_with_owner_and_due_date(sample: Sample) -> None:
    review, *later = sample.data("management-review")["reviews"]
    assert len(later) == 3, "one review in the year before each cycle audit (audit readiness)"
    assert "Explainability report for claims-triage" in later[0]["inputs"][0]["text"], "(a) names the earlier action"
    assert [i["key"] for i in review["inputs"]] == ["a", "b", "c", "d", "e"]
    assert all(i["text"] for i in review["inputs"])
    (action,) = review["actions"]
    assert (action["title"], action["owner"], action["due"]) == (
        "Explainability report for claims-triage", "Tan Wei Ming", "2027-11-29")
