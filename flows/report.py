"""Markdown artifacts the flows publish: what a run did and where the program's gate stands."""

from __future__ import annotations

import re
from typing import Any, cast
from uuid import UUID

from prefect.artifacts import create_markdown_artifact, create_progress_artifact, update_progress_artifact

PROGRESS_FROM = 10  # runs with at least this many steps publish a progress artifact


def artifact_key(*parts: str) -> str:
    """A key the Artifacts page accepts: lowercase letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")[:120]


def gate_lines(status: dict[str, Any]) -> list[str]:
    """The program's state and gate as markdown lines."""
    gate = status.get("gate") or {}
    lines = [f"**{status['key']}** is in **{status['state']}** (cycle {status['cycle']}, today {status['today']})."]
    if gate.get("name"):
        if gate.get("passes"):
            lines.append(f"Gate `{gate['name']}`: passes.")
        else:
            missing = gate.get("missing") or []
            lines.append(f"Gate `{gate['name']}`: {len(missing)} missing:")
            lines += [f"- {m}" for m in missing[:25]]
            if len(missing) > 25:
                lines.append(f"- ... and {len(missing) - 25} more")
    work = status.get("work") or {}
    if work:
        states = ", ".join(f"{k} {v}" for k, v in sorted((work.get("by_state") or {}).items()))
        lines.append(f"Work items: {work.get('total', 0)} ({states}); late: {work.get('late', 0)}.")
    return lines


def publish(title: str, lines: list[str], *, key: str | None = None, description: str | None = None) -> None:
    """One markdown artifact: a heading and its lines."""
    create_markdown_artifact(markdown="\n".join([f"# {title}", "", *lines, ""]), key=key,
                             description=description or title)


class Progress:
    """A progress artifact for long runs (none for short ones)."""

    def __init__(self, total: int, description: str) -> None:
        self.total = total
        self.done = 0
        self.id = create_progress_artifact(progress=0.0, description=description) if total >= PROGRESS_FROM else None

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.id is not None and (self.done == self.total or self.done % 5 == 0):
            update_progress_artifact(cast(UUID, self.id), progress=100.0 * self.done / self.total)


def delivery_lines(state: Any) -> list[str]:
    """What a delivery (run with `return_state=True`) did: a failure is reported, not raised."""
    if state.is_completed():
        sent = state.result()
        held = sent.get("held", 0)
        return [f"Notices sent: {sent['sent']}" + (f" in {sent['messages']} messages" if "messages" in sent else "")
                + (f"; {held} held until their owner runs exist." if held else ".")]
    return [f"Delivery failed ({state.message or state.name}): the notices stay in the outbox for the next "
            "deliver-notifications run."]
