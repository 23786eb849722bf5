"""The Typer application, its sub-commands, and the helpers every command shares.

Start-up is cheap on purpose: this module and the command modules import typer and the standard
library only. A command imports the services, models and database it uses inside its function, so
`aimsflow --help` loads no SQL, and `aimsflow status` no Alembic and no Prefect
(tests/unit/test_cli_start.py holds it; bench/cli_start.py measures it).
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from aimsflow.errors import AimsflowError

if TYPE_CHECKING:
    from aimsflow.uow import UnitOfWork

# The top-level help in panels (typer's rich_help_panel), each listed in this order, instead of the order
# the modules happen to register their commands in. tests/unit/test_cli_start.py: every command has one.
PANELS: dict[str, tuple[str, ...]] = {
    "The journey": ("program", "status", "people", "inventory", "phase", "soa", "risk", "audit", "nc", "incident",
                    "review", "certify", "cycle"),
    "Work": ("work", "evidence", "collectors", "sweep", "deliver"),
    "Records": ("report", "calendar", "export", "import", "trail"),
    "Running on Prefect": ("run", "serve", "demo"),
    "Administration": ("init", "db", "clock", "diagram"),
}
_PANEL_OF = {name: panel for panel, names in PANELS.items() for name in names}
_ORDER = {name: i for i, name in enumerate(_PANEL_OF)}


class PanelledGroup(TyperGroup):
    """The `aimsflow` command: its commands listed panel by panel, in the order of PANELS."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, command in self.commands.items():
            command.rich_help_panel = _PANEL_OF.get(name)  # type: ignore[attr-defined]

    def list_commands(self, ctx: Any) -> list[str]:  # typer's vendored click.Context
        return sorted(super().list_commands(ctx), key=lambda name: _ORDER.get(name, len(_ORDER)))


app = typer.Typer(
    name="aimsflow",
    cls=PanelledGroup,
    help="Run an ISO/IEC 42001 certification journey: phases and gates, audits, nonconformities, "
    "and the three-year certification cycle. The database is ./aimsflow.db unless "
    "AIMSFLOW_DATABASE_URL says otherwise.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
program_app = typer.Typer(help="Create and list certification programs.", no_args_is_help=True)
people_app = typer.Typer(help="People of a program and their roles.", no_args_is_help=True)
inventory_app = typer.Typer(help="The AI system inventory.", no_args_is_help=True)
phase_app = typer.Typer(help="Move a program through its phases and their gates.", no_args_is_help=True)
work_app = typer.Typer(help="Work items: list, complete, review, reassign.", no_args_is_help=True)
soa_app = typer.Typer(help="The Statement of Applicability.", no_args_is_help=True)
risk_app = typer.Typer(help="AI risks: criteria, assessment, treatment, acceptance.", no_args_is_help=True)
audit_app = typer.Typer(help="Internal and certification audits and their findings.", no_args_is_help=True)
nc_app = typer.Typer(help="Nonconformities and corrective actions (10.2).", no_args_is_help=True)
review_app = typer.Typer(help="Management reviews (9.3), and the work waiting for a reviewer (`review list`).",
                         no_args_is_help=True)
clock_app = typer.Typer(help="The clock every process agrees on (simulated or the system's).", no_args_is_help=True)
trail_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
cycle_app = typer.Typer(help="The certification cycle's dates: surveillance, expiry, lapse.", no_args_is_help=True)
for name, sub in (("program", program_app), ("people", people_app), ("inventory", inventory_app),
                  ("phase", phase_app), ("work", work_app), ("soa", soa_app), ("risk", risk_app),
                  ("audit", audit_app), ("nc", nc_app), ("review", review_app), ("clock", clock_app),
                  ("trail", trail_app), ("cycle", cycle_app)):
    app.add_typer(sub, name=name)


class Invocation:
    """What main() must know of the command line it runs, learned while Typer parses it.

    `json`: whether this command was given --json, so that main() prints a refusal as one JSON
    object on stderr (aimsflow/cli/messages.py `refusal`) instead of its one line. The option's
    callback sets it, eagerly: before any other parameter of the command can fail.
    """

    json = False


INVOCATION = Invocation()


def _json_given(value: bool) -> bool:
    INVOCATION.json = INVOCATION.json or bool(value)
    return value


JSON_OPTION = typer.Option(False, "--json", is_eager=True, callback=_json_given,
                           help="Print JSON for scripts instead of text; a refusal is then one JSON object on "
                                "stderr: {\"error\", \"missing\", \"exit\"}.")
PROGRAM_ARG = typer.Argument(..., help="The program's key, as `program create` printed it (see `program list`).")


def ensure_ready() -> None:
    """Open the database as it is: only `aimsflow init` creates one (a mistyped path must not make a new one)."""
    from aimsflow.database import require_database

    require_database()


def cannot_open(exc: BaseException) -> AimsflowError:
    """The one line a user reads when the database does not open."""
    from aimsflow.database import from_database_error

    return from_database_error(exc)


def known_failure(exc: BaseException) -> AimsflowError | None:
    """An exception that is the world's doing, not a bug, as its one line (the database: locked, gone, not
    one, a value out of its range); None for a bug. The one place main() asks before it says "internal error"."""
    import sys

    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError

    from aimsflow.database import driver_errors, from_database_error, is_bug

    if isinstance(exc, (DatabaseError, ArgumentError, NoSuchModuleError, *driver_errors())) and not is_bug(exc):
        return from_database_error(exc)
    return None


def initialize() -> dict[str, Any]:
    """Migrate the schema to the newest revision and load the catalog; safe to repeat."""
    from sqlalchemy.exc import DatabaseError

    from aimsflow import migrate  # Alembic: only `init` pays for it
    from aimsflow.database import parsed_url
    from aimsflow.services import catalog as catalog_service
    from aimsflow.uow import unit_of_work

    parsed_url()  # an unknown scheme or a broken URL: one line, before any driver is asked
    try:
        migrate.upgrade()
    except DatabaseError as exc:
        raise cannot_open(exc) from None
    with unit_of_work() as uow:
        return catalog_service.load_into(uow.session)


@contextmanager
def work() -> Iterator[UnitOfWork]:
    """A unit of work on an initialized database."""
    from aimsflow.uow import unit_of_work

    ensure_ready()
    with unit_of_work() as uow:
        yield uow


def os_user() -> str | None:
    """Who is at the keyboard: the login a step typed in for someone else (`--by`) records beside them.

    None when the system cannot say (no login name in the environment or the password database).
    """
    try:
        return getpass.getuser().strip() or None
    except (OSError, KeyError, ImportError):
        return None


def emit(data: Any, as_json: bool, lines: Iterable[str] | None = None) -> None:
    """JSON for scripts, or the lines for a person; lines are made only when shown (a lazy `table`), one at a
    time, each with control and invisible characters escaped (a stored name cannot drive the terminal)."""
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    else:
        for line in lines if lines is not None else [str(data)]:
            typer.echo(_terminal_safe(line))


def _terminal_safe(line: str) -> str:
    from aimsflow.limits import escape_lines

    return escape_lines(line)


def written(path: str | Path, **about: Any) -> dict[str, Any]:
    """What `--json` prints for a command whose output is a file: where, how big, its SHA-256, and `about`."""
    target = Path(path)
    data = target.read_bytes()
    return {**about, "path": str(target.resolve()), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


CELL_MAX = 60  # a table cell's width (but the last column's): one long name does not pad every row


def table(rows: list[dict[str, Any]], columns: list[str]) -> Iterator[str]:
    """A plain-text table (readable in a terminal, a log and a CI page alike), made line by line as printed."""
    if not rows:
        yield "(none)"
        return
    last = len(columns) - 1
    widths = [len(c) for c in columns]
    for r in rows:
        for i, c in enumerate(columns[:last]):
            widths[i] = max(widths[i], len(_cell(r.get(c))))
    yield "  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
    for r in rows:
        cells = [_cell(r.get(c)) for c in columns[:last]] + [_cell(r.get(columns[last]), None)]
        yield "  ".join(v.ljust(w) for v, w in zip(cells, widths, strict=True)).rstrip()


def _cell(value: Any, limit: int | None = CELL_MAX) -> str:
    from aimsflow.limits import escape

    text = "" if value is None else escape(str(value))
    return text if limit is None or len(text) <= limit else text[:limit - 1] + "…"
