"""A finished sample program (the demo journey) on a SQLite file, shared by the record tests of a module."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from aimsflow.demo import KEY, run_demo
from aimsflow.uow import UnitOfWork, unit_of_work
from models.db import engine_for


class Sample:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db = folder / "sample.db"
        self.url = f"sqlite:///{self.db}"
        self.key = KEY
        self.evidence = folder / "sample-evidence"

    def work(self) -> AbstractContextManager[UnitOfWork]:
        return unit_of_work(engine_for(self.url))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    folder = tmp_path_factory.mktemp("sample")
    s = Sample(folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIMSFLOW_EVIDENCE_DIR", str(s.evidence))
        run_demo(echo=lambda _line: None, db_path=str(s.db))
        mp.setenv("AIMSFLOW_EVIDENCE_DIR", str(s.evidence))
        yield s
