"""Fetching evidence from its sources: files matching a glob, an HTTP GET, the output of a command.

I/O only: the service layer records what comes back. Every source is bounded in size and time.
"""

from __future__ import annotations

import shlex
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from aimsflow import evidence_store
from aimsflow.errors import AimsflowError, InvalidInput
from aimsflow.safe_names import safe_file_name

TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Fetched:
    path: str  # a local file to ingest
    name: str


def fetch_files(folder: str, pattern: str) -> list[Fetched]:
    root = Path(folder).resolve()
    if not root.is_dir():
        raise AimsflowError(f"folder {folder} does not exist")
    out = []
    for path in sorted(root.glob(pattern)):
        if path.is_symlink() or not path.is_file():
            continue
        resolved = path.resolve()
        if not resolved.is_relative_to(root):  # a pattern with ../ must not leave the folder
            raise InvalidInput(f"pattern {pattern}: {path} lies outside {root}")
        out.append(Fetched(str(resolved), path.name))
    if not out:
        raise AimsflowError(f"no file in {root} matches {pattern}")
    return out


def _spool(data: bytes, name: str) -> Fetched:
    if len(data) > evidence_store.max_bytes():
        raise AimsflowError(f"{name}: {len(data)} bytes is over the limit of {evidence_store.max_bytes()} bytes")
    safe_file_name(name, "collector name")  # checked again here: a row stored before the check existed
    folder = Path(tempfile.mkdtemp(prefix="aimsflow-collect-"))
    path = folder / name
    path.write_bytes(data)
    return Fetched(str(path), name)


def fetch_http(url: str, name: str) -> Fetched:
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"url {url}: only http and https are fetched")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            data = response.read(evidence_store.max_bytes() + 1)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the open response
        raise AimsflowError(f"GET {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise AimsflowError(f"GET {url}: {getattr(exc, 'reason', exc)}") from None
    return _spool(data, f"{name}.http")


def fetch_command(command: str, name: str) -> Fetched:
    try:
        done = subprocess.run(shlex.split(command), capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise AimsflowError(f"command {command!r}: {exc}") from None
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise AimsflowError(f"command {command!r} exited {done.returncode}: {tail[0]}")
    return _spool(done.stdout, f"{name}.out")


def fetch(source: str, target: str, pattern: str | None, name: str) -> list[Fetched]:
    """Fetch one collector's evidence; raises AimsflowError with the reason when the source fails."""
    if source == "files":
        return fetch_files(target, pattern or "*")
    if source == "http":
        return [fetch_http(target, name)]
    if source == "command":
        return [fetch_command(target, name)]
    raise InvalidInput(f"source {source}: not one of files, http, command")
