"""The program manager's view in the Prefect UI: one keyed markdown artifact per program, `<key>-progress`.

Every start-phase, owner run, review run and sweep publishes it again under the same key, so the
Artifacts page shows its latest version (and its history) rather than a snapshot per run.
"""

from __future__ import annotations

from typing import Any

from flows.report import artifact_key, publish
from tasks import programs

SHOWN = 20  # rows of a list before "... and N more"


def progress_key(program: str) -> str:
    """The artifact key of a program's progress: `<key>-progress`, lowercase letters, digits and dashes."""
    return artifact_key(program, "progress")


def _rows(rows: list[dict[str, Any]], header: str, line: str) -> list[str]:
    if not rows:
        return []
    out = [header, "|---|---|---|---|"] + [line.format(**r) for r in rows[:SHOWN]]
    if len(rows) > SHOWN:
        out.append(f"| ... and {len(rows) - SHOWN} more | | | |")
    return out


def progress_lines(p: dict[str, Any]) -> list[str]:
    """The progress as markdown lines."""
    gate = p["gate"]
    lines = [f"**{p['name']}** (`{p['key']}`) is in **{p['state']}**, cycle {p['cycle']}; today {p['today']}.", ""]
    lines.append("## Gate")
    if not gate.get("name"):
        lines.append("No gate in this state.")
    elif gate["passes"]:
        lines.append(f"`{gate['name']}` passes.")
    else:
        lines.append(f"`{gate['name']}`: {len(gate['missing'])} missing.")
        lines += [f"- {m}" for m in gate["missing"][:SHOWN]]
        if len(gate["missing"]) > SHOWN:
            lines.append(f"- ... and {len(gate['missing']) - SHOWN} more")
    states = sorted(p["by_state"])
    lines += ["", "## Work items by state", " | ".join(["| state", *states]) + " |",
              "|---" * (len(states) + 1) + "|", " | ".join(["| all", *(str(p["by_state"][s]) for s in states)]) + " |"]
    lines += ["", "## By owner", " | ".join(["| owner", *states]) + " |", "|---" * (len(states) + 1) + "|"]
    lines += [" | ".join([f"| {owner}", *(str(counts.get(s, 0)) for s in states)]) + " |"
              for owner, counts in p["by_owner"].items()]
    lines += ["", f"## Late: {len(p['late'])}"]
    lines += _rows(p["late"], "| item | owner | due | days late |", "| {id} {title} | {owner} | {due} | {days_late} |")
    lines += ["", f"## Escalated: {len(p['escalated'])}"]
    lines += _rows(p["escalated"], "| item | owner | due | level |",
                   "| {id} {title} | {owner} | {due} | {escalation_level} |")
    audit = p["next_audit"]
    lines += ["", "## Next audit"]
    if audit is None:
        lines.append("None scheduled or due yet.")
    else:
        lines.append(f"{audit['what']}: {audit['start']} (in {audit['days']} days). Readiness: "
                     f"{audit['open_items_due_before']} open items due before it; the current gate lacks "
                     f"{audit['gate_missing']}.")
    if p["flags"]:
        lines += ["", "## Flags", *[f"- {f}" for f in p["flags"]]]
    return lines


def publish_progress(program: str) -> None:
    """Publish the program's progress artifact again under its key `<key>-progress`."""
    publish(f"{program}: progress", progress_lines(programs.program_progress(program)), key=progress_key(program),
            description=f"{program}: phase, gate, work by state and owner, late and escalated items, next audit")
