"""What the cluster left behind: rows of aimsflow's database and the messages in the mailbox."""

from __future__ import annotations

import mailbox
import re
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from aimsflow.notify import notices_in

CODE = re.compile(r"completion code for this item: ([A-Z0-9]{4}-[A-Z0-9]{4})")


def rows(url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    """The rows of one query on aimsflow's database, as dictionaries."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def duplicates(values: list[Any]) -> dict[Any, int]:
    """The values that occur more than once, with their counts."""
    return {v: n for v, n in Counter(values).items() if n > 1}


def delivered(path: Path) -> list[dict[str, str]]:
    """Every notice in the messages appended to the mbox: its key (program/dedup key), recipient and code, if any."""
    if not path.exists():
        return []
    box = mailbox.mbox(str(path))
    try:
        out = []
        for message in box:
            for notice in notices_in(message):  # a digest carries several notices, each with its own code
                code = CODE.search(notice["body"])
                out.append({"notice": notice["notice"], "to": notice["to"], "code": code.group(1) if code else ""})
        return out
    finally:
        box.close()
