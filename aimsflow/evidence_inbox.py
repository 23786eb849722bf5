"""The evidence inbox: a folder (local or a mounted share) where owners drop the files they hand in.

The Prefect form has no upload, so an owner drops a file into the folder named by
`AIMSFLOW_EVIDENCE_INBOX` and chooses it by name in their form. Nothing else on the server is
readable through the form: a chosen name goes through `open_choice` only, which takes a bare name
(no separator, no '..', no NUL, no dotfile), refuses a symbolic link or anything but a regular
file, and checks that the resolved file still lies directly in the inbox.

Claimed, without a second data model: once a completion that used a file has committed, the file
is moved into `<inbox>/.claimed/` (a rename on the same filesystem), so the folder itself says
what is still to be claimed and the form offers only the files left at its top level. A rename
that fails (the share went read-only) leaves the file offered again; the evidence is stored and
recorded either way. Hashing every file each time a form is shown, to compare with stored
evidence, would cost a read of every file per form; the rename costs nothing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from aimsflow.errors import InvalidInput

ENV = "AIMSFLOW_EVIDENCE_INBOX"
CLAIMED = ".claimed"
MAX_LISTED = 200  # a dropdown of more names helps nobody; the oldest-named beyond it wait for the next form


def inbox_root() -> Path | None:
    """The inbox folder, or None when none is configured."""
    value = os.environ.get(ENV, "").strip()
    return Path(value).resolve() if value else None


def _offered(entry: os.DirEntry[str]) -> bool:
    if entry.name.startswith(".") or "\n" in entry.name or "\r" in entry.name:
        return False
    try:
        return entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_size > 0
    except OSError:
        return False


def list_unclaimed(root: Path | None = None) -> list[str]:
    """The names of the files an owner may choose: regular, non-empty, not hidden, at the top level, sorted."""
    folder = root or inbox_root()
    if folder is None:
        return []
    try:
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if _offered(e))
    except OSError:
        return []
    return names[:MAX_LISTED]


def open_choice(name: str, root: Path | None = None) -> Path:
    """The inbox file an owner chose, by its bare name; anything that is not one is refused."""
    folder = root or inbox_root()
    shown = repr(name) if any(c in name for c in "\x00\n\r") else name
    if folder is None:
        raise InvalidInput("this server has no evidence inbox: give a link or the hash of stored evidence instead",
                           field="files")
    if (not name or name in (".", "..") or name.startswith(".") or any(c in name for c in "/\\\x00\n\r")
            or Path(name).name != name):
        raise InvalidInput(f"{shown} is not the name of a file in the evidence inbox", field="files",
                           hint="use_inbox")
    path = folder / name
    try:
        info = path.lstat()
    except OSError:
        raise InvalidInput(f"{shown} is not in the evidence inbox (already handed in, or moved)", field="files",
                           hint="use_inbox") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise InvalidInput(f"{shown} in the evidence inbox is not a regular file (a link or a folder)",
                           field="files", hint="use_inbox")
    if path.resolve().parent != folder:
        raise InvalidInput(f"{shown} lies outside the evidence inbox", field="files", hint="use_inbox")
    return path


def claim(name: str, root: Path | None = None) -> bool:
    """Move a handed-in file into `.claimed/` so that no form offers it again; False if it could not be moved."""
    folder = root or inbox_root()
    if folder is None:
        return False
    try:
        source = open_choice(name, folder)
        target = folder / CLAIMED
        target.mkdir(exist_ok=True)
        os.replace(source, target / name)  # the stored copy is the record; an older claimed namesake is replaced
    except (OSError, InvalidInput):
        return False
    return True
