"""Every report of the demo program, in both formats, is exactly its golden file.

Every test session runs the demo journey afresh on the simulated clock, so this comparison is also the
check that the journey and its reports are deterministic: the same code gives the same bytes. After
a deliberate change, rewrite the files with AIMSFLOW_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import difflib
import os

import pytest

from aimsflow.reports import FORMATS, KINDS
from tests.reports.report_sample import Sample, golden_path, system_for

UPDATE = os.environ.get("AIMSFLOW_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_report_of_the_demo_matches_its_golden_file(sample: Sample, kind: str, fmt: str) -> None:
    text = sample.render(kind, fmt, system=system_for(kind))
    path = golden_path(kind, fmt)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: create it with AIMSFLOW_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = list(difflib.unified_diff(expected.splitlines(), text.splitlines(), f"golden/{path.name}",
                                         "rendered", lineterm="", n=1))
        shown = "\n".join(diff[:80]) + (f"\n... {len(diff) - 80} more diff lines" if len(diff) > 80 else "")
        pytest.fail(f"{path.name} differs from the rendered report (if the change is meant, rewrite the golden "
                    f"files with AIMSFLOW_UPDATE_GOLDEN=1):\n{shown}", pytrace=False)


def test_every_golden_file_belongs_to_a_report() -> None:
    expected = {golden_path(kind, fmt).name for kind in KINDS for fmt in FORMATS}
    present = {p.name for p in golden_path("x", "html").parent.glob("*.*")}
    assert present <= expected, f"golden files of no report: {sorted(present - expected)}"
