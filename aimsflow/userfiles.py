"""Files a user hands aimsflow, read and written within bounds: the one way in and out for each.

`read_text` refuses what is not a regular file before reading a byte (a FIFO would block, /dev/zero
never ends), reads at most the limit of its kind (aimsflow/limits.py), and decodes UTF-8 naming the
byte that is not. `load_yaml` parses with a safe loader that refuses aliases. `write_atomically`
writes a whole file or nothing, and never leaves a temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import yaml

from aimsflow.errors import InvalidInput
from aimsflow.limits import FILE_MAX, PATH_SHOWN, clip

_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


def read_bytes(path: str, what: str, kind: str) -> bytes:
    """The bytes of a regular file of at most FILE_MAX[kind] bytes, or InvalidInput naming the file and the limit."""
    limit = FILE_MAX[kind]
    where = f"{what} {clip(path, PATH_SHOWN)}"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InvalidInput(f"{where}: does not exist") from None
    except OSError as exc:
        raise InvalidInput(f"{where}: cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(f"{where}: is {_KINDS.get(stat.S_IFMT(info.st_mode), 'not a regular file')}, "
                               "not a regular file")
        if info.st_size > limit:
            raise InvalidInput(f"{where}: {info.st_size} bytes is over the limit of {limit} bytes")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # the file grew while read
                raise InvalidInput(f"{where}: over the limit of {limit} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise InvalidInput(f"{where}: cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)


def decode(data: bytes, where: str) -> str:
    """UTF-8 text (a byte-order mark dropped), or InvalidInput naming the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{where}: is not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x}); "
                           "save it as UTF-8") from None


def read_text(path: str, what: str, kind: str) -> str:
    """A user's UTF-8 text file within the limit of its kind (see read_bytes and decode)."""
    return decode(read_bytes(path, what, kind), f"{what} {clip(path, PATH_SHOWN)}")


class SafeNoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases: `*a` (and `<<: *a`) is refused, so no expansion can explode."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


def load_yaml(text: str, where: str) -> Any:
    """Parse user YAML (no aliases, bounded nesting), or InvalidInput naming the line and the problem."""
    try:
        return yaml.load(text, Loader=SafeNoAliasLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise InvalidInput(f"{where}: not valid YAML{line}: {clip(problem)}") from None
    except RecursionError:
        raise InvalidInput(f"{where}: nested too deeply") from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: str, data: str | bytes, what: str) -> None:
    """Write a whole file or nothing: a temporary file beside it, renamed; removed again on any error."""
    target = Path(path)
    where = f"{what} {clip(path, PATH_SHOWN)}"
    if target.is_dir():
        raise InvalidInput(f"{where}: is a folder; give a file name inside it")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidInput(f"{where}: folder {clip(folder, PATH_SHOWN)} does not exist")
    tmp: str | None = None
    try:
        handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name[:100]}.", suffix=".tmp")
        os.fchmod(handle, 0o666 & ~_umask())  # what open() would have made, not mkstemp's 0600
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise InvalidInput(f"{where}: cannot be written ({exc.strerror or exc})") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
