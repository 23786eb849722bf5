"""Jinja2 over templates/: autoescaped HTML, plain text for mail, and undefined variables are errors.

The templates are package data of the top-level `templates` package, found through its import spec
(importlib), so they are found alike in a source checkout, an editable install and a wheel.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

TEMPLATES = "templates"  # the package whose data files are the templates


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader(TEMPLATES, ""),
        autoescape=select_autoescape(["html", "htm", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, /, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def render_mail(kind: str, **context: Any) -> tuple[str, str]:
    """A mail's subject (the template's first line) and body (the rest)."""
    text = render(f"mail/{kind}.txt", **context)
    subject, _, body = text.partition("\n")
    return subject.removeprefix("Subject:").strip(), body.lstrip("\n")
