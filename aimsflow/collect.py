"""Fetching evidence from its sources: files matching a glob, an HTTP GET, the output of a command.

I/O only: the service layer records what comes back. Every source is bounded in size and time.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aimsflow import evidence_store
from aimsflow.errors import AimsflowError, InvalidInput

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
    folder = Path(tempfile.mkdtemp(prefix="aimsflow-collect-"))
    path = folder / name
    path.write_bytes(data)
    return Fetched(str(path), name)


def fetch_http(url: str, name: str) -> Fetched:
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"url {url}: only http and https are fetched")
    return _spool(_get(url, urllib.request.build_opener()), f"{name}.http")


class _HttpsOnly(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to another https:// address."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme != "https":
            raise AimsflowError(f"GET {req.full_url}: redirected to {newurl}, which is not an https:// address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_link(url: str) -> Fetched:
    """An https:// link an owner gives: fetched with the collectors' limits, named after its last path segment."""
    text = url.strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise InvalidInput(f"{text}: only https:// links are fetched", field="evidence", hint="use_inbox")
    last = urllib.parse.unquote(parts.path.rstrip("/").rpartition("/")[2])
    name = re.sub(r"[^A-Za-z0-9._ -]+", "_", last).strip().lstrip("._")[:100] or f"{parts.hostname}.html"
    return _spool(_get(text, urllib.request.build_opener(_HttpsOnly)), name)


def _get(url: str, opener: urllib.request.OpenerDirector) -> bytes:
    """The body of a GET, at most the evidence store's limit plus one byte (so that more is seen as too large)."""
    try:
        with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
            data: bytes = response.read(evidence_store.max_bytes() + 1)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the open response
        raise AimsflowError(f"GET {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise AimsflowError(f"GET {url}: {getattr(exc, 'reason', exc)}") from None
    return data


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
