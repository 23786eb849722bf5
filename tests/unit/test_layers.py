"""The layer rule of DESIGN.md, read from the imports of every module with `ast`."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("states", "models", "aimsflow", "tasks", "flows")
CORE_LAYERS = ("states", "models", "aimsflow")  # these exist from the start; their absence means a wrong root

# states may import the standard library and `transitions` only (and itself).
STATES_ALLOWED = frozenset(sys.stdlib_module_names) | {"__future__", "transitions", "states"}
FORBIDDEN: dict[str, frozenset[str]] = {
    "states": frozenset(
        {"prefect", "sqlmodel", "sqlalchemy", "jinja2", "models", "aimsflow", "tasks", "flows"}
    ),
    "models": frozenset({"prefect", "jinja2", "aimsflow", "tasks", "flows"}),
    "aimsflow": frozenset({"prefect", "tasks", "flows"}),
    "aimsflow/cli": frozenset(),  # the CLI starts flows: it may import prefect, tasks and flows
    "tasks": frozenset({"flows"}),
    "flows": frozenset({"sqlmodel", "sqlalchemy", "models"}),
}


@dataclass(frozen=True)
class Imported:
    path: Path
    line: int
    module: str  # the full dotted name as resolved
    text: str  # the import as written

    @property
    def top(self) -> str:
        return self.module.split(".")[0]


@dataclass(frozen=True)
class Violation:
    where: str
    text: str
    rule: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text}  ({self.rule})"


def python_files(root: Path, layer: str) -> list[Path]:
    folder = root / layer
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _resolve_relative(path: Path, root: Path, level: int, module: str | None) -> str:
    """The absolute module a relative import reaches; empty when it climbs above the top level."""
    package = list(path.relative_to(root).parts[:-1])
    base = package[: max(len(package) - (level - 1), 0)]
    return ".".join([*base, module] if module else base)


def imports_of(path: Path, root: Path) -> Iterator[Imported]:
    """Every import of a module, at any depth (functions, TYPE_CHECKING blocks, try/except)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Imported(path, node.lineno, alias.name, f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            names = ", ".join(a.name for a in node.names)
            written = f"from {'.' * node.level}{node.module or ''} import {names}"
            if not node.level:
                yield Imported(path, node.lineno, node.module or "", written)
                continue
            resolved = _resolve_relative(path, root, node.level, node.module)
            if resolved:
                yield Imported(path, node.lineno, resolved, written)
            else:  # beyond the top level: each imported name is a top-level module
                for alias in node.names:
                    yield Imported(path, node.lineno, alias.name, written)
        elif (
            isinstance(node, ast.Call)
            and _is_dynamic_import(node.func)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            name = node.args[0].value
            yield Imported(path, node.lineno, name, f"{ast.unparse(node.func)}({name!r})")


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in {"__import__", "import_module"}
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def rule_for(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    if parts[0] == "aimsflow" and len(parts) > 2 and parts[1] == "cli":
        return "aimsflow/cli"
    return parts[0]


def violations(root: Path) -> list[Violation]:
    """Every import under `root` that breaks the layer rule, as file:line, import and the rule broken."""
    found: list[Violation] = []
    for layer in LAYERS:
        for path in python_files(root, layer):
            rule = rule_for(path, root)
            for imp in imports_of(path, root):
                where = f"{path.relative_to(root).as_posix()}:{imp.line}"
                if imp.top in FORBIDDEN[rule]:
                    found.append(Violation(where, imp.text, f"{rule} must not import {imp.top}"))
                elif rule == "states" and imp.top not in STATES_ALLOWED:
                    only = "states imports the standard library and transitions only"
                    found.append(Violation(where, imp.text, only))
    return found


def test_no_module_imports_across_the_layer_rule() -> None:
    broken = violations(REPO_ROOT)
    assert not broken, "imports that break the layer rule of DESIGN.md:\n" + "\n".join(map(str, broken))


def test_every_layer_folder_that_exists_holds_python_modules_the_rule_can_read() -> None:
    for layer in CORE_LAYERS:
        assert (REPO_ROOT / layer).is_dir(), f"{layer}/ not found under {REPO_ROOT}: is the repo root right?"
    for layer in LAYERS:
        folder = REPO_ROOT / layer
        # An empty folder is not in git and holds nothing to check; one with files must hold modules.
        has_files = folder.is_dir() and any(
            p.is_file() and "__pycache__" not in p.parts for p in folder.rglob("*")
        )
        if layer in CORE_LAYERS or has_files:
            assert python_files(REPO_ROOT, layer), f"no .py file found under {layer}/"


def write(root: Path, relative: str, *lines: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


@pytest.fixture
def bad_tree(tmp_path: Path) -> Path:
    write(
        tmp_path,
        "states/good.py",
        "from __future__ import annotations",
        "import enum",
        "from transitions import Machine",
    )
    write(
        tmp_path,
        "states/bad.py",
        "import os",
        "",
        "",
        "def later():",
        "    from prefect import flow",
        "    return flow",
    )
    write(tmp_path, "states/third_party.py", "import yaml")
    write(
        tmp_path, "models/bad.py", "from states.program import ProgramState", "from aimsflow.clock import now"
    )
    write(tmp_path, "aimsflow/__init__.py")
    write(tmp_path, "aimsflow/services/bad.py", "from ... import tasks", "from ..rules import gates")
    write(tmp_path, "aimsflow/services/sneaky.py", "import importlib", "importlib.import_module('prefect')")
    write(
        tmp_path,
        "aimsflow/cli/main.py",
        "import prefect",
        "from flows.demo import demo",
        "from tasks import work",
    )
    write(tmp_path, "tasks/bad.py", "import prefect", "from flows import demo")
    write(
        tmp_path,
        "flows/bad.py",
        "from tasks import work",
        "import sqlalchemy.orm",
        "from models.db import engine",
    )
    return tmp_path


def test_the_rule_checker_catches_every_kind_of_wrong_arrow(bad_tree: Path) -> None:
    found = {(v.where, v.text) for v in violations(bad_tree)}
    assert found == {
        ("states/bad.py:5", "from prefect import flow"),
        ("states/third_party.py:1", "import yaml"),
        ("models/bad.py:2", "from aimsflow.clock import now"),
        ("aimsflow/services/bad.py:1", "from ... import tasks"),
        ("aimsflow/services/sneaky.py:2", "importlib.import_module('prefect')"),
        ("tasks/bad.py:2", "from flows import demo"),
        ("flows/bad.py:2", "import sqlalchemy.orm"),
        ("flows/bad.py:3", "from models.db import engine"),
    }


def test_the_rule_checker_lets_a_tree_that_keeps_the_rule_pass(tmp_path: Path) -> None:
    write(tmp_path, "states/ok.py", "import enum", "from transitions import Machine", "from . import machine")
    write(
        tmp_path, "models/ok.py", "from sqlmodel import SQLModel", "from states.program import ProgramState"
    )
    write(
        tmp_path,
        "aimsflow/ok.py",
        "import jinja2",
        "from dateutil import rrule",
        "import models",
        "import states",
    )
    write(tmp_path, "aimsflow/rules/ok.py", "from .. import clock", "from ..services import work")
    write(tmp_path, "tasks/ok.py", "from prefect import task", "from aimsflow.services import work")
    write(
        tmp_path,
        "flows/ok.py",
        "from prefect import flow",
        "from tasks.ok import t",
        "from aimsflow.config import Settings",
    )
    assert violations(tmp_path) == []
