"""The geometry of a time chart (Gantt rows of bars and milestone points) for an inline SVG.

Everything is computed here as plain numbers, so the template only draws rectangles and polygons
and the chart is the same for the same dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta

from aimsflow.reports.common import Data

WIDTH = 960
LABEL_WIDTH = 230
ROW_HEIGHT = 26
AXIS_HEIGHT = 30
PAD_RIGHT = 16


@dataclass(frozen=True)
class Bar:
    start: date
    end: date
    kind: str  # a CSS class: planned | actual | ongoing | window | validity | restoration
    title: str
    slot: str = "full"  # upper | lower | full


@dataclass(frozen=True)
class Point:
    on: date
    kind: str  # audit | decision | deadline | today
    title: str


@dataclass(frozen=True)
class Row:
    label: str
    bars: list[Bar] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _ticks(start: date, end: date) -> list[tuple[date, str, bool]]:
    """Axis ticks: years with quarters between them over long spans, months over short ones."""
    months = (end.year - start.year) * 12 + end.month - start.month
    ticks = []
    d = start
    while d <= end:
        if months > 30:
            if d.month == 1:
                ticks.append((d, str(d.year), True))
            elif d == start:  # the axis starts mid-year: say which month it starts in
                ticks.append((d, d.strftime("%Y-%m"), False))
            elif d.month in (4, 7, 10):
                ticks.append((d, "", False))
        else:
            ticks.append((d, d.strftime("%Y-%m") if d.month in (1, 4, 7, 10) or months <= 12 else "", d.month == 1))
        d += relativedelta(months=1)
    return ticks


def chart(rows: list[Row], today: date) -> Data:
    """Rows placed one under the other on a shared date axis from the first to the last date shown."""
    dates = [today, *(d for r in rows for b in r.bars for d in (b.start, b.end)),
             *(p.on for r in rows for p in r.points)]
    start = _month_start(min(dates))
    end = _month_start(max(dates)) + relativedelta(months=1)
    span = max((end - start).days, 1)
    x0, x1 = LABEL_WIDTH, WIDTH - PAD_RIGHT

    def x(d: date) -> float:
        return round(x0 + (d - start).days / span * (x1 - x0), 1)

    placed = []
    for i, r in enumerate(rows):
        top = AXIS_HEIGHT + i * ROW_HEIGHT
        bars = []
        for b in r.bars:
            y, h = {"upper": (top + 4, 8), "lower": (top + 13, 9)}.get(b.slot, (top + 6, 14))
            left = x(b.start)
            bars.append({"x": left, "y": y, "width": max(round(x(b.end) - left, 1), 1.5), "height": h,
                         "kind": b.kind, "title": b.title})
        mid = top + ROW_HEIGHT / 2
        points = [{"x": x(p.on), "y": mid, "kind": p.kind, "title": p.title,
                   "shape": f"{x(p.on)},{mid - 6} {round(x(p.on) + 6, 1)},{mid} {x(p.on)},{mid + 6} "
                            f"{round(x(p.on) - 6, 1)},{mid}"} for p in r.points]
        placed.append({"label": r.label, "top": top, "text_y": round(mid + 4, 1), "bars": bars, "points": points,
                       "stripe": i % 2 == 1})
    height = AXIS_HEIGHT + len(rows) * ROW_HEIGHT + 8
    return {
        "width": WIDTH, "height": height, "label_width": LABEL_WIDTH, "plot_left": x0, "plot_right": x1,
        "rows": placed, "row_height": ROW_HEIGHT, "axis_y": AXIS_HEIGHT,
        "ticks": [{"x": x(d), "label": label if x(d) < x1 - 30 else "", "major": major}
                  for d, label, major in _ticks(start, end)],
        "today": {"x": x(today), "label": today.isoformat()},
        "start": start.isoformat(), "end": end.isoformat(),
    }
