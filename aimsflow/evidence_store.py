"""Evidence files stored by SHA-256 under one folder: write-once, verified on every read."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
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


def check_source(path: str) -> Path:
    """The file a person hands in: it must exist, be a regular file, not a symlink, and not too large."""
    source = Path(path)
    if source.is_symlink():
        raise InvalidInput(f"evidence file {path}: is a symbolic link; give the file itself")
    if not source.exists():
        raise InvalidInput(f"evidence file {path}: does not exist")
    if not source.is_file():
        raise InvalidInput(f"evidence file {path}: is not a regular file")
    size = source.stat().st_size
    if size > max_bytes():
        raise InvalidInput(f"evidence file {path}: {size} bytes is over the limit of {max_bytes()} bytes")
    return source


def ingest(path: str) -> StoredFile:
    """Copy a file into the store under its hash (once: the same content is stored one time)."""
    source = check_source(path)
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    sha = digest.hexdigest()
    target = path_for(sha)
    if not target.exists():
        partial: str | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write beside the target and rename: a crash leaves no half-written evidence file.
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
                partial = tmp.name
                with source.open("rb") as handle:
                    shutil.copyfileobj(handle, tmp)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp.name, 0o444)
            os.replace(tmp.name, target)
        except OSError as exc:
            if partial is not None:
                Path(partial).unlink(missing_ok=True)  # a full disk leaves no partial file behind
            raise AimsflowError(
                f"evidence store {store_root()}: cannot write ({exc.strerror}); nothing was saved") from None
    media_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    return StoredFile(sha, source.name, media_type, source.stat().st_size)


def read_verified(sha256: str) -> bytes:
    """The stored content, after checking it still hashes to its name."""
    target = path_for(sha256)
    if not target.exists():
        raise AimsflowError(f"evidence {sha256[:12]}: file missing from the store")
    data = target.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise AimsflowError(f"evidence {sha256[:12]}: file content changed (hash mismatch)")
    return data

