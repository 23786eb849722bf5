"""The evidence inbox offers the files owners dropped there and opens nothing else by the names a form sends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aimsflow import evidence_inbox
from aimsflow.errors import InvalidInput


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "ai-policy v3.pdf").write_bytes(b"policy")
    (folder / "b.csv").write_bytes(b"a,b\n")
    (folder / ".DS_Store").write_bytes(b"finder")
    (folder / "empty.txt").touch()
    (folder / "drafts").mkdir()
    (folder / "drafts" / "draft.txt").write_bytes(b"draft")
    (folder / evidence_inbox.CLAIMED).mkdir()
    (folder / evidence_inbox.CLAIMED / "old.pdf").write_bytes(b"old")
    outside = tmp_path / "server-secret.txt"
    outside.write_bytes(b"secret")
    (folder / "secret.txt").symlink_to(outside)
    os.mkfifo(folder / "pipe")
    return folder


def test_the_inbox_offers_only_visible_regular_non_empty_files_at_its_top_sorted(inbox: Path) -> None:
    assert evidence_inbox.list_unclaimed(inbox) == ["ai-policy v3.pdf", "b.csv"]


def test_the_list_is_bounded(tmp_path: Path) -> None:
    for i in range(evidence_inbox.MAX_LISTED + 5):
        (tmp_path / f"f{i:04d}.txt").write_bytes(b"x")
    listed = evidence_inbox.list_unclaimed(tmp_path)
    assert len(listed) == evidence_inbox.MAX_LISTED and listed[0] == "f0000.txt"


def test_no_inbox_configured_offers_nothing_and_refuses_every_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(evidence_inbox.ENV, raising=False)
    assert evidence_inbox.inbox_root() is None and evidence_inbox.list_unclaimed() == []
    with pytest.raises(InvalidInput, match="no evidence inbox"):
        evidence_inbox.open_choice("ai-policy v3.pdf")


def test_a_missing_inbox_folder_offers_nothing(tmp_path: Path) -> None:
    assert evidence_inbox.list_unclaimed(tmp_path / "not-mounted") == []


def test_an_offered_name_opens_its_file_in_the_inbox(inbox: Path) -> None:
    assert evidence_inbox.open_choice("ai-policy v3.pdf", inbox) == inbox / "ai-policy v3.pdf"


@pytest.mark.parametrize("name", [
    "../server-secret.txt", "/etc/passwd", "drafts/draft.txt", "drafts", "secret.txt", "pipe", ".DS_Store",
    ".claimed", ".claimed/old.pdf", "..", ".", "", "a\x00b", "missing.pdf", "..\\server-secret.txt",
    str(Path("/etc/passwd").resolve()),
])
def test_a_name_that_is_not_a_regular_file_at_the_inbox_top_is_refused(inbox: Path, name: str) -> None:
    with pytest.raises(InvalidInput, match="evidence inbox") as refused:
        evidence_inbox.open_choice(name, inbox)
    assert refused.value.field == "files" and "\x00" not in refused.value.message


def test_a_claimed_file_moves_into_claimed_and_is_no_longer_offered(inbox: Path) -> None:
    assert evidence_inbox.claim("b.csv", inbox)
    assert (inbox / ".claimed" / "b.csv").read_bytes() == b"a,b\n"
    assert evidence_inbox.list_unclaimed(inbox) == ["ai-policy v3.pdf"]
    assert not evidence_inbox.claim("b.csv", inbox), "a file already claimed is not there to claim"
    assert not evidence_inbox.claim("../server-secret.txt", inbox)
    assert (inbox.parent / "server-secret.txt").exists()
