"""The session's sample record (see report_sample): the demo journey and the hostile program, built once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from aimsflow.demo import Demo
from aimsflow.uow import unit_of_work
from models.db import engine_for
from tests.reports.report_sample import Sample, build_hostile


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    """The demo journey and the hostile program in one SQLite file, built once."""
    folder = tmp_path_factory.mktemp("reports")
    db = folder / "demo.db"
    saved = os.environ.get("AIMSFLOW_EVIDENCE_DIR")
    os.environ["AIMSFLOW_EVIDENCE_DIR"] = str(folder / "evidence")
    demo = Demo(db, folder / "evidence", lambda _line: None)
    try:
        demo.run()
        engine = demo.engine

        def uow_of() -> Any:
            return unit_of_work(engine)

        build_hostile(uow_of, folder)
    finally:
        shutil.rmtree(demo.files, ignore_errors=True)
        if saved is None:
            os.environ.pop("AIMSFLOW_EVIDENCE_DIR", None)
        else:
            os.environ["AIMSFLOW_EVIDENCE_DIR"] = saved
    yield Sample(engine, folder)
    engine.dispose()
    engine_for.cache_clear()
