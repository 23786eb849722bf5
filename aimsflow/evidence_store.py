"""Evidence files stored by SHA-256 under one folder: write-once, verified on every read."""

from __future__ import annotations

import errno
import hashlib
import mimetypes
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aimsflow.errors import AimsflowError, InvalidInput
from aimsflow.limits import max_bytes_env

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    file_name: str
    media_type: str
    size: int


def store_root() -> Path:
    return Path(os.environ.get("AIMSFLOW_EVIDENCE_DIR", "./evidence")).resolve()


def max_bytes() -> int:
    """The largest evidence file stored (AIMSFLOW_EVIDENCE_MAX_BYTES), or InvalidInput naming the variable."""
    return max_bytes_env("AIMSFLOW_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES)


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise InvalidInput(f"'{sha256}' is not a SHA-256 digest")
    return store_root() / sha256[:2] / sha256


# Pseudo-filesystems: their files claim to be regular but are made up as they are read.
_PSEUDO = ("/proc", "/sys", "/dev")
_CHUNK = 1 << 20


def _refuse(path: str, problem: str) -> InvalidInput:
    shown = path if path.isprintable() else repr(path)  # a line break in a name must not break the line
    return InvalidInput(f"evidence file {shown}: {problem}")


def _no_link_on_the_way(path: str) -> int:
    """Refuse a symbolic link at any component of the path, not only its last one; the file's mode."""
    parts = Path(path) if os.path.isabs(path) else Path(os.getcwd()) / path
    current = Path(parts.anchor)
    mode = 0
    for part in parts.parts[1:]:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            raise _refuse(path, "does not exist") from None
        except OSError as exc:
            raise _refuse(path, f"cannot be read ({exc.strerror})") from None
        if stat.S_ISLNK(mode):
            where = "is a symbolic link" if current == parts else f"has a symbolic link in its path ({current})"
            raise _refuse(path, f"{where}; give the file itself")
    return mode


def _not_regular(path: str, mode: int) -> InvalidInput | None:
    if stat.S_ISREG(mode):
        return None
    kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return _refuse(path, f"is {kind}, not a regular file")


def _open_source(path: str) -> int:
    """An open descriptor on the regular file `path`, after refusing links, special and pseudo files."""
    mode = _no_link_on_the_way(path)
    real = os.path.realpath(path)
    for top in _PSEUDO:
        if real == top or real.startswith(top + "/"):
            raise _refuse(path, f"lies under {top}, whose files are generated as they are read; "
                                "copy it to a regular file first")
    if (problem := _not_regular(path, mode)) is not None:
        raise problem
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)  # a FIFO must not block
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise _refuse(path, "does not exist") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse(path, "is a symbolic link; give the file itself") from None
        raise _refuse(path, f"cannot be read ({exc.strerror})") from None
    if (problem := _not_regular(path, os.fstat(fd).st_mode)) is not None:  # replaced since it was looked at
        os.close(fd)
        raise problem
    return fd


def check_source(path: str) -> Path:
    """The file a person hands in: a regular file, no link anywhere in its path, not special, not too large."""
    fd = _open_source(path)
    try:
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if size > max_bytes():
        raise _refuse(path, f"{size} bytes is over the limit of {max_bytes()} bytes")
    return Path(path)


def ingest(path: str, *, allow_empty: bool = False) -> StoredFile:
    """Copy a file into the store under the hash of exactly the bytes copied (one read, one descriptor).

    The bytes are hashed while they are copied into a temporary file in the store, which is then
    renamed to its hash: a file that changes meanwhile is stored under the hash of what was read.
    Refused: links anywhere in the path, special and pseudo files, files over the size limit, and
    empty files unless `allow_empty`. The same content is stored one time.
    """
    fd = _open_source(path)
    limit = max_bytes()
    digest = hashlib.sha256()
    size = 0
    partial: str | None = None
    try:
        root = store_root()
        try:
            root.mkdir(parents=True, exist_ok=True)
            tmp = tempfile.NamedTemporaryFile(dir=root, prefix=".ingest-", delete=False)  # noqa: SIM115
        except OSError as exc:
            raise _unwritable(exc) from None
        partial = tmp.name
        with tmp:
            while True:
                try:
                    chunk = os.read(fd, _CHUNK)
                except OSError as exc:
                    raise _refuse(path, f"cannot be read ({exc.strerror})") from None
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise _refuse(path, f"more than {limit} bytes: over the limit of {limit} bytes")
                digest.update(chunk)
                try:
                    tmp.write(chunk)
                except OSError as exc:
                    raise _unwritable(exc) from None
            if size == 0 and not allow_empty:
                raise _refuse(path, "is empty (an empty file is evidence of nothing)")
            try:
                tmp.flush()
                os.fsync(tmp.fileno())
            except OSError as exc:
                raise _unwritable(exc) from None
        sha = digest.hexdigest()
        target = path_for(sha)
        try:
            if target.exists():
                Path(partial).unlink()  # the same content is already stored (and verified on read)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(partial, 0o444)
                os.replace(partial, target)
        except OSError as exc:
            raise _unwritable(exc) from None
        partial = None
    finally:
        os.close(fd)
        if partial is not None:
            Path(partial).unlink(missing_ok=True)  # a refusal or a full disk leaves no partial file behind
    name = Path(path).name
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return StoredFile(sha, name, media_type, size)


def _unwritable(exc: OSError) -> AimsflowError:
    return AimsflowError(f"evidence store {store_root()}: cannot write ({exc.strerror}); nothing was saved")


def read_verified(sha256: str) -> bytes:
    """The stored content, after checking it still hashes to its name."""
    target = path_for(sha256)
    if not target.exists():
        raise AimsflowError(f"evidence {sha256[:12]}: file missing from the store")
    data = target.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise AimsflowError(f"evidence {sha256[:12]}: file content changed (hash mismatch)")
    return data

