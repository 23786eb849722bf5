"""Rendering report data: self-contained HTML (autoescaped) and Markdown (every value escaped).

Both formats go through the house environment of `aimsflow.render` (StrictUndefined, autoescape for
.html), overlaid with a `finalize` hook that every `{{ value }}` passes through. For Markdown the hook
escapes the characters that would turn user text into markup (a raw `<script>` in a .md file is live
HTML in most viewers), so no template can forget to escape a value.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from jinja2 import Environment, TemplateNotFound
from markupsafe import Markup

from aimsflow.errors import InvalidInput
from aimsflow.render import environment

FORMATS = ("html", "md")
NONE = "—"
# Backslash escapes of CommonMark: each of these, unescaped, can open markup (emphasis, links,
# tables, headings, raw HTML). Escaped, they show as the character itself.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def md_escape(value: Any) -> str:
    """One value as inert Markdown text: specials backslash-escaped, on one line (tables need that)."""
    if value is None:
        return NONE
    if isinstance(value, Markup):
        return str(value)
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def _html_finalize(value: Any) -> Any:
    return NONE if value is None else value


def human(value: Any) -> str:
    """An enum-like value for reading: 'certification_stage_1' -> 'certification stage 1'."""
    return NONE if value is None else str(value).replace("_", " ")


def yes_no(value: Any) -> str:
    return NONE if value is None else ("yes" if value else "no")


@cache
def report_environment(fmt: str) -> Environment:
    if fmt not in FORMATS:
        raise InvalidInput(f"--format: '{fmt}' is not one of {', '.join(FORMATS)}")
    # A cache of its own: the base environment's compiled templates lack this finalize hook.
    env = environment().overlay(finalize=md_escape if fmt == "md" else _html_finalize, cache_size=100)
    env.filters.update(human=human, yes_no=yes_no)
    return env


def render_report(kind: str, data: dict[str, Any], fmt: str = "html") -> str:
    """The report of one kind, from the data its service function compiled, as HTML or Markdown."""
    try:
        template = report_environment(fmt).get_template(f"reports/{kind}.{fmt}")
    except TemplateNotFound:
        raise InvalidInput(f"KIND: no report template for '{kind}' in {fmt}") from None
    return template.render(**data)
