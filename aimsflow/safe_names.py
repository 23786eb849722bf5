"""The one way a name someone typed becomes a file name: checked and refused, never silently rewritten."""

from __future__ import annotations

import unicodedata

from aimsflow.errors import InvalidInput

MAX_LENGTH = 100
_FORBIDDEN = frozenset('/\\:*?"<>|')  # separators here and on the platforms a store may be copied to


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a file name in one folder (None: it can).

    Refused: empty, over MAX_LENGTH characters, '.' or '..', a leading dot (hidden, or a way up),
    path separators and characters other systems forbid, NUL and every other control or format
    character (a newline, a right-to-left mark), and leading or trailing blanks.
    """
    if not name:
        return "is empty"
    if len(name) > MAX_LENGTH:
        return f"is {len(name)} characters long (at most {MAX_LENGTH})"
    if name.startswith("."):
        return "starts with a dot"
    if name != name.strip():
        return "starts or ends with a blank"
    for char in name:
        if char in _FORBIDDEN:
            return f"contains {char!r} (no path separators or {''.join(sorted(_FORBIDDEN - {'/', chr(92)}))})"
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            return f"contains the control character U+{ord(char):04X}"
    return None


def safe_file_name(name: str, what: str = "name", *, field: str | None = None) -> str:
    """`name` unchanged when it is safe as a file name in one folder, else InvalidInput naming why."""
    problem = name_problem(name)
    if problem is not None:
        shown = repr(name[:40]) + ("..." if len(name) > 40 else "")
        raise InvalidInput(f"{what} {shown} {problem}: it becomes a file name", field=field)
    return name
