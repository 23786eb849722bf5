"""Every bound on what a user hands aimsflow, as data, and the one check of names and keys.

A limit is named in the refusal that applies it ("is 100000 characters; at most 200"), so the user
learns the bound from the message. Output stays bounded because input is: a name longer than
NAME_MAX never reaches a table or a listing.
"""

from __future__ import annotations

import os
import unicodedata

from aimsflow.errors import Conflict, InvalidInput

NAME_MAX = 200  # a person, an AI system, a program, a collector, a risk's title
FIELD_MAX = 10_000  # a free-text field: a scope, a purpose, a note, a reason
KEY_MAX = 64  # a program's key (also the database column)
# Files read whole before parsing, per kind: what a real one holds many times over.
FILE_MAX: dict[str, int] = {
    "inventory": 10 * 1024 * 1024,
    "collectors": 1024 * 1024,
    "export": 512 * 1024 * 1024,
    "scenario": 1024 * 1024,
}
CSV_FIELD_MAX = FIELD_MAX  # a CSV cell (the csv module's own limit is 128 KB and raises)
YAML_ALIASES = False  # anchors and aliases (`&a`, `*a`) are refused: no billion laughs
JSON_DEPTH_MAX = 64  # nesting of an export file (Python's parser recurses)
COLLECTOR_OUTPUT_MAX_DEFAULT = 50 * 1024 * 1024  # bytes read from a command or an HTTP body
COLLECTOR_DEADLINE_SECONDS = 60.0  # one collector's whole run: connect, every read, the command's life
ID_MAX = 2**31 - 1  # a row id (PostgreSQL's integer; SQLite's is wider, the bound is the portable one)
DIGITS_MAX = 9  # digits in a number option: below ID_MAX, and no 5,000-digit int() to convert
CLIP = 60  # characters of a long value echoed in a refusal
PATH_SHOWN = 240  # characters of a file's path in a message (paths are long; a 100 KB one is still cut)


def clip(value: object, keep: int = CLIP) -> str:
    """A value as a refusal echoes it: control characters escaped and at most `keep` characters shown."""
    text = escape(str(value))
    if len(text) <= keep:
        return text
    return f"{text[:keep]}… ({len(str(value))} characters)"


def escape(text: str) -> str:
    """Control, format (bidi, zero-width) and line-break characters as visible escapes: one safe line."""
    return "".join(ch if ch.isprintable() and unicodedata.category(ch) != "Cf" and ch not in "\u2028\u2029"
                   else ch.encode("unicode_escape").decode("ascii") for ch in text)


def escape_lines(text: str) -> str:
    """`escape` line by line: the text's own line breaks (and tabs) kept, every other control made visible."""
    return "\n".join("\t".join(escape(part) for part in line.split("\t")) for line in text.split("\n"))


def max_bytes_env(variable: str, default: int) -> int:
    """A byte limit from an environment variable: a positive whole number, or InvalidInput naming it."""
    raw = os.environ.get(variable)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) <= 0:
        raise InvalidInput(f"{variable}={clip(raw)} is not a positive whole number of bytes")
    return int(text)


def collector_output_max() -> int:
    """The most bytes one collector may return (AIMSFLOW_COLLECTOR_MAX_BYTES)."""
    return max_bytes_env("AIMSFLOW_COLLECTOR_MAX_BYTES", COLLECTOR_OUTPUT_MAX_DEFAULT)


def collector_deadline() -> float:
    """Seconds one collector's run may take in all (AIMSFLOW_COLLECTOR_DEADLINE_SECONDS)."""
    raw = os.environ.get("AIMSFLOW_COLLECTOR_DEADLINE_SECONDS")
    if raw is None or raw.strip() == "":
        return COLLECTOR_DEADLINE_SECONDS
    text = raw.strip()
    if not (text.isascii() and text.replace(".", "", 1).isdigit()) or len(text) > 12 or float(text) <= 0:
        raise InvalidInput(f"AIMSFLOW_COLLECTOR_DEADLINE_SECONDS={clip(raw)} is not a positive number of seconds")
    return float(text)


def _forbidden(ch: str) -> bool:
    # Cc: controls (ESC, BEL, newline); Cf: format (bidi overrides, zero-width); Zl/Zp: line breaks;
    # Cs/Co/Cn: surrogates, private use, unassigned.
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")


def check_text(value: str, field: str, *, limit: int = FIELD_MAX, multiline: bool = False) -> str:
    """A free-text value within its limit and without control characters (tab and newline if multiline)."""
    if len(value) > limit:
        raise InvalidInput(f"{clip(value)} is {len(value)} characters; at most {limit}", field=field)
    allowed = "\t\n\r" if multiline else ""
    bad = next((ch for ch in value if ch not in allowed and _forbidden(ch)), None)
    if bad is not None:
        raise InvalidInput(f"{clip(value)} holds the control or invisible character U+{ord(bad):04X} "
                           f"({unicodedata.name(bad, 'unnamed')})", field=field)
    return value


def check_name(value: str, field: str = "name", *, limit: int = NAME_MAX) -> str:
    """A name or key: stripped, not empty, within its limit, no control, bidi or zero-width character."""
    if not isinstance(value, str):
        raise InvalidInput(f"{clip(value)} is not text (a {type(value).__name__})", field=field)
    check_text(value, field, limit=limit)
    name = value.strip()
    if not name:
        raise InvalidInput("must not be empty", field=field)
    return name


# A few Latin lookalikes in other scripts (Cyrillic, Greek): the confusables people type by accident
# or on purpose. NFKC folds the compatibility forms (full-width letters, ligatures, super/subscripts).
_LOOKALIKE = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H",
    "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "τ": "t", "ι": "i", "κ": "k", "Α": "A", "Β": "B", "Ε": "E",
    "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y",
    "Χ": "X", "ı": "i", "ℓ": "l",
})


def skeleton(name: str) -> str:
    """What a name looks like: NFKC, lookalike letters folded, accents dropped, case and spaces ignored."""
    folded = unicodedata.normalize("NFKC", name).translate(_LOOKALIKE)
    bare = "".join(ch for ch in unicodedata.normalize("NFD", folded) if unicodedata.category(ch) != "Mn")
    return " ".join(bare.casefold().translate(_LOOKALIKE).split())


def refuse_confusable(name: str, existing: list[str], *, what: str, field: str = "name") -> None:
    """Conflict when `name` is not one of `existing` but looks like one of them."""
    if name in existing:
        return
    shape = skeleton(name)
    twin = next((other for other in existing if skeleton(other) == shape), None)
    if twin is not None:
        raise Conflict(f"{clip(name)} looks like the existing {what} '{clip(twin)}' (a lookalike letter, case or "
                       f"spacing); use that name or one that reads differently", field=field)


def check_number(text: str, field: str, *, limit: int = ID_MAX) -> int:
    """A whole number written in ASCII digits, at most `limit` (no 5,000-digit conversion, no ٣)."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput(f"'{clip(text)}' is not a whole number (digits 0-9)", field=field)
    if len(value.lstrip("0")) > len(str(limit)) or int(value) > limit:
        raise InvalidInput(f"'{clip(text)}' is over the largest allowed, {limit}", field=field)
    return int(value)
