"""Every public service function says in one line what it does (DESIGN.md's house style).

Read with `ast`, so the services are not imported: a service module that grows a public function
without a docstring fails here, by module, line and name.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "aimsflow" / "services"


def undocumented(source: str, name: str) -> list[str]:
    """`module:line name` of each public module-level function in `source` without a docstring."""
    tree = ast.parse(source)
    return [f"{name}:{node.lineno} {node.name}" for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_")
            and not ast.get_docstring(node)]


def test_every_public_service_function_has_a_docstring() -> None:
    missing = [line for path in sorted(SERVICES.glob("*.py"))
               for line in undocumented(path.read_text(encoding="utf-8"), path.name)]
    assert not missing, "public service functions without a one-line docstring:\n" + "\n".join(missing)


def test_the_check_names_a_public_function_without_a_docstring_and_ignores_private_ones() -> None:
    source = 'def shown(): pass\n\ndef _private(): pass\n\ndef told():\n    """Says what it does."""\n'
    assert undocumented(source, "m.py") == ["m.py:1 shown"]
