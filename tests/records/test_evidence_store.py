"""The evidence store: write-once by SHA-256, verified on read, refusing links, traversal and large files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from aimsflow import evidence_store
from aimsflow.collect import fetch_files
from aimsflow.errors import AimsflowError, InvalidInput
from aimsflow.services import evidence
from aimsflow.services.lookup import get_program
from tests.records.conftest import Sample


def test_a_stored_file_lives_under_its_sha256_and_reads_back_verified(sample: Sample, tmp_path: Path) -> None:
    source = tmp_path / "policy.txt"
    source.write_text("AI policy v3\n")
    stored = evidence_store.ingest(str(source))
    assert stored.sha256 == hashlib.sha256(b"AI policy v3\n").hexdigest()
    assert evidence_store.path_for(stored.sha256).is_relative_to(sample.evidence)
    assert evidence_store.read_verified(stored.sha256) == b"AI policy v3\n"


def test_the_same_content_is_stored_once(sample: Sample, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("same")
    b.write_text("same")
    assert evidence_store.ingest(str(a)).sha256 == evidence_store.ingest(str(b)).sha256
    assert len(list(evidence_store.path_for(evidence_store.ingest(str(a)).sha256).parent.glob("*"))) >= 1


def test_evidence_verify_names_a_changed_and_a_missing_file(sample: Sample, tmp_path: Path) -> None:
    with sample.work() as uow:
        checked, problems = evidence.verify_store(uow)
    assert checked > 0 and problems == []
    with sample.work() as uow:
        rows = evidence.list_evidence(uow, get_program(uow.session, sample.key))
    changed, missing = rows[0], rows[1]
    path = evidence_store.path_for(changed["sha256"])
    os.chmod(path, 0o644)
    path.write_bytes(b"tampered")
    evidence_store.path_for(missing["sha256"]).unlink()
    with sample.work() as uow:
        _, problems = evidence.verify_store(uow)
    assert any("content changed" in p and changed["file"] in p for p in problems)
    assert any("missing" in p and missing["file"] in p for p in problems)
    assert len(problems) == 2


def test_a_symbolic_link_is_refused(sample: Sample, tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("x")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with pytest.raises(InvalidInput, match="symbolic link"):
        evidence_store.ingest(str(link))


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_recorded(sample: Sample, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMSFLOW_EVIDENCE_MAX_BYTES", "10")
    big = tmp_path / "big.bin"
    big.write_bytes(b"0123456789ABC")
    with sample.work() as uow:
        before = len(evidence.list_evidence(uow, get_program(uow.session, sample.key)))
    with pytest.raises(InvalidInput, match="over the limit"), sample.work() as uow:
        evidence.add_evidence(uow, get_program(uow.session, sample.key), str(big), refs=["A.2.2"],
                              by="Tan Wei Ming")
    with sample.work() as uow:
        assert len(evidence.list_evidence(uow, get_program(uow.session, sample.key))) == before


def test_a_collector_pattern_cannot_leave_its_folder(tmp_path: Path) -> None:
    inside = tmp_path / "inside"
    inside.mkdir()
    (tmp_path / "secret.txt").write_text("not evidence")
    with pytest.raises(InvalidInput, match="outside"):
        fetch_files(str(inside), "../*.txt")


def test_a_stored_digest_that_is_not_a_digest_is_refused() -> None:
    with pytest.raises(InvalidInput):
        evidence_store.path_for("../../etc/passwd")
    with pytest.raises(AimsflowError, match="missing"):
        evidence_store.read_verified("0" * 64)
