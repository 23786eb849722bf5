"""Fetching evidence from its sources: files matching a glob, an HTTP GET, the output of a command.

I/O only: the service layer records what comes back. Every source is bounded in size and time.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aimsflow.errors import AimsflowError, InvalidInput
from aimsflow.limits import PATH_SHOWN, clip, collector_deadline, collector_output_max
from aimsflow.safe_names import safe_file_name


@dataclass(frozen=True)
class Fetched:
    path: str  # a local file to ingest
    name: str


def fetch_files(folder: str, pattern: str) -> list[Fetched]:
    root = Path(folder).resolve()
    if not root.is_dir():
        raise AimsflowError(f"folder {clip(folder, PATH_SHOWN)} does not exist")
    if Path(pattern).is_absolute() or pattern.startswith("\\"):
        raise InvalidInput(f"pattern {clip(pattern)}: is absolute; give it relative to the folder")
    out = []
    try:
        matches = sorted(root.glob(pattern))
    except (ValueError, NotImplementedError, OSError) as exc:
        raise InvalidInput(f"pattern {clip(pattern)}: {clip(exc)}") from None
    for path in matches:
        if path.is_symlink() or not path.is_file():
            continue
        resolved = path.resolve()
        if not resolved.is_relative_to(root):  # a pattern with ../ must not leave the folder
            raise InvalidInput(f"pattern {clip(pattern)}: {clip(path, PATH_SHOWN)} lies outside "
                               f"{clip(root, PATH_SHOWN)}")
        out.append(Fetched(str(resolved), path.name))
    if not out:
        raise AimsflowError(f"no file in {clip(root, PATH_SHOWN)} matches {clip(pattern)}")
    return out


def _spool_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="aimsflow-collect-"))


def _over(what: str, limit: int) -> AimsflowError:
    return AimsflowError(f"{what}: more than the limit of {limit} bytes (stopped; AIMSFLOW_COLLECTOR_MAX_BYTES)")


class _Watch:
    """The connections of one HTTP fetch, shut down when its deadline passes (a read in progress ends)."""

    def __init__(self) -> None:
        self.connections: list[http.client.HTTPConnection] = []
        self.expired = False

    def factory(self, cls: Any) -> Any:
        def make(*args: Any, **kwargs: Any) -> Any:
            connection = cls(*args, **kwargs)
            self.connections.append(connection)
            return connection
        return make

    def expire(self) -> None:
        self.expired = True
        for connection in self.connections:
            sock = connection.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _WatchedHttp(urllib.request.HTTPHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self.watch = watch

    def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
        return super().do_open(self.watch.factory(http_class), req, **kwargs)


class _WatchedHttps(urllib.request.HTTPSHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self.watch = watch

    def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
        return super().do_open(self.watch.factory(http_class), req, **kwargs)


def fetch_http(url: str, name: str) -> Fetched:
    """GET a URL within the collector's deadline (all of it, not per read) and its byte limit."""
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"url {clip(url)}: only http and https are fetched")
    return _spooling(lambda path: _get(url, path), f"{name}.http")


def _spooling(fetch_into: Callable[[Path], None], file_name: str) -> Fetched:
    """Fetch into a new temporary folder; on any failure the folder (and what was read) is removed."""
    safe_file_name(file_name, "collector name")  # checked again here: a row stored before the check existed
    folder = _spool_folder()
    try:
        fetch_into(folder / file_name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Fetched(str(folder / file_name), file_name)


class _HttpsOnly(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to another https:// address."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme != "https":
            raise AimsflowError(f"GET {clip(req.full_url)}: redirected to {clip(newurl)}, which is not an https:// "
                                "address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_link(url: str) -> Fetched:
    """An https:// link an owner gives: fetched with the collectors' limits, named after its last path segment."""
    text = url.strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise InvalidInput(f"{clip(text)}: only https:// links are fetched", field="evidence", hint="use_inbox")
    last = urllib.parse.unquote(parts.path.rstrip("/").rpartition("/")[2])
    name = re.sub(r"[^A-Za-z0-9._ -]+", "_", last).strip().lstrip("._")[:100] or f"{parts.hostname}.html"
    return _spooling(lambda path: _get(text, path, https_only=True), name)


def _get(url: str, path: Path, *, https_only: bool = False) -> None:
    limit, seconds = collector_output_max(), collector_deadline()
    watch = _Watch()
    timer = threading.Timer(seconds, watch.expire)
    timer.daemon = True
    handlers: list[Any] = [_WatchedHttp(watch), _WatchedHttps(watch)] + ([_HttpsOnly()] if https_only else [])
    opener = urllib.request.build_opener(*handlers)
    size = 0
    deadline = time.monotonic() + seconds
    timer.start()  # shuts the socket while connecting and reading the headers
    try:
        with opener.open(url, timeout=seconds) as response, path.open("wb") as out:
            while True:  # each read waits at most `seconds`: the body's deadline is checked between reads
                if time.monotonic() > deadline:
                    watch.expired = True
                    break
                chunk = response.read1(1 << 16)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise _over(f"GET {clip(url)}", limit)
                out.write(chunk)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the open response
        raise AimsflowError(f"GET {clip(url)}: HTTP {exc.code}") from None
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError, ValueError) as exc:
        if watch.expired:
            raise AimsflowError(f"GET {clip(url)}: not done within {seconds:g} seconds (stopped)") from None
        raise AimsflowError(f"GET {clip(url)}: {clip(getattr(exc, 'reason', exc))}") from None
    finally:
        timer.cancel()
    if watch.expired:
        raise AimsflowError(f"GET {clip(url)}: not done within {seconds:g} seconds (stopped)")


def fetch_command(command: str, name: str) -> Fetched:
    """Run a command within the collector's deadline; its output read as a stream, stopped at the byte limit."""
    return _spooling(lambda path: _run(command, path), f"{name}.out")


def _run(command: str, path: Path) -> None:
    limit, seconds = collector_output_max(), collector_deadline()
    what = f"command {clip(command)!r}"
    try:
        args = shlex.split(command)
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except (OSError, ValueError) as exc:
        raise AimsflowError(f"{what}: {clip(exc)}") from None
    assert proc.stdout is not None and proc.stderr is not None
    deadline = time.monotonic() + seconds
    tail = b""  # the end of its error output, for the message
    size = 0
    try:
        with path.open("wb") as out:
            open_pipes = {proc.stdout.fileno(): "out", proc.stderr.fileno(): "err"}
            while open_pipes:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AimsflowError(f"{what}: still running after {seconds:g} seconds (stopped)")
                ready, _, _ = select.select(list(open_pipes), [], [], min(remaining, 1.0))
                for fd in ready:
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        del open_pipes[fd]
                    elif open_pipes[fd] == "err":
                        tail = (tail + chunk)[-4096:]
                    else:
                        size += len(chunk)
                        if size > limit:
                            raise _over(what, limit)
                        out.write(chunk)
            try:
                code = proc.wait(max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                raise AimsflowError(f"{what}: still running after {seconds:g} seconds (stopped)") from None
    finally:
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    if code != 0:
        last = tail.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise AimsflowError(f"{what} exited {code}: {clip(last[0])}")


def fetch(source: str, target: str, pattern: str | None, name: str) -> list[Fetched]:
    """Fetch one collector's evidence; raises AimsflowError with the reason when the source fails."""
    if source == "files":
        return fetch_files(target, pattern or "*")
    if source == "http":
        return [fetch_http(target, name)]
    if source == "command":
        return [fetch_command(target, name)]
    raise InvalidInput(f"source {clip(source)}: not one of files, http, command")
