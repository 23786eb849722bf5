"""The Prefect API's refusals, for whoever runs `aimsflow serve` or `run --remote`: one line that says what to set.

Without this a server that requires an auth string answers 401 and the command ends with
"internal error: PrefectHTTPStatusError"; a server that is not running, after half a minute of
retries, with "ConnectError".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from prefect.exceptions import PrefectHTTPStatusError
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL

from aimsflow.errors import ServiceError


def unauthorized_message(url: str | None, auth_string_set: bool) -> str:
    """What a 401 from the Prefect API means, and the setting that fixes it."""
    where = f"the Prefect server at {url}" if url else "the Prefect server"
    if auth_string_set:
        return (f"{where} refused the auth string in PREFECT_API_AUTH_STRING (401 Unauthorized): set "
                "PREFECT_API_AUTH_STRING to the server's PREFECT_SERVER_API_AUTH_STRING ('user:password')")
    return (f"{where} requires an auth string and none is set (401 Unauthorized): set PREFECT_API_AUTH_STRING "
            "to the server's PREFECT_SERVER_API_AUTH_STRING ('user:password'), e.g. with `prefect config set "
            "PREFECT_API_AUTH_STRING=...`")


@contextmanager
def prefect_api() -> Iterator[None]:
    """Turn the Prefect API's 401 and an unreachable server into a ServiceError naming the setting to fix."""
    try:
        yield
    except PrefectHTTPStatusError as exc:
        if exc.response.status_code != 401:
            raise
        raise ServiceError(unauthorized_message(PREFECT_API_URL.value(), bool(PREFECT_API_AUTH_STRING.value()))
                           ) from None
    except httpx.ConnectError as exc:
        url = PREFECT_API_URL.value() or "its local address"
        raise ServiceError(f"cannot reach the Prefect server at {url} ({exc}): start it (`prefect server start`) "
                           "or set PREFECT_API_URL to its address") from None
