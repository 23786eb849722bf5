"""The bounds on input (aimsflow/limits.py) and the one way a user's file is read (aimsflow/userfiles.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aimsflow.errors import Conflict, InvalidInput
from aimsflow.limits import NAME_MAX, check_name, clip, escape, escape_lines, refuse_confusable, skeleton
from aimsflow.userfiles import load_yaml, read_text, write_atomically


@given(st.text(max_size=300))
def test_an_echoed_value_is_one_short_printable_line_whatever_it_held(value: str) -> None:
    shown = clip(value)
    assert shown.isprintable() and len(shown) <= 60 + len(f"… ({len(value)} characters)")


@pytest.mark.parametrize("bad", ["\x1b]0;x\x07", "\x1b[2J", "\n", "\r", "\u202e", "\u200b", "\u2066", "\ufeff",
                                 "\u2028", "\x00"])
def test_a_name_with_a_control_bidi_or_zero_width_character_is_refused_naming_it(bad: str) -> None:
    with pytest.raises(InvalidInput, match=r"U\+[0-9A-F]{4}") as refused:
        check_name(f"Ada{bad}Lovelace", "name")
    assert refused.value.field == "name" and bad not in refused.value.message


def test_a_name_over_the_limit_is_refused_with_the_limit_named() -> None:
    with pytest.raises(InvalidInput, match=f"at most {NAME_MAX}"):
        check_name("x" * (NAME_MAX + 1))
    assert check_name(" " + "x" * (NAME_MAX - 1)) == "x" * (NAME_MAX - 1)


@pytest.mark.parametrize("lookalike", ["Pаt Manager", "pat manager", "Pat  Manager", "Ｐａｔ Manager", "Pát Manager",
                                       "Ρat Manager"])
def test_a_lookalike_of_an_existing_name_is_confusable(lookalike: str) -> None:
    assert skeleton(lookalike) == skeleton("Pat Manager")
    with pytest.raises(Conflict, match="looks like the existing person 'Pat Manager'"):
        refuse_confusable(lookalike, ["Pat Manager", "Olu Owner"], what="person")
    refuse_confusable("Pat Manager", ["Pat Manager"], what="person")  # the same name: not a lookalike
    refuse_confusable("Pam Manager", ["Pat Manager"], what="person")  # another name


def test_escaping_keeps_the_lines_of_a_text_and_shows_every_other_control() -> None:
    assert escape("a\x1b[2Jb\u202e") == "a\\x1b[2Jb\\u202e"
    assert escape_lines("line one\x07\nline\ttwo") == "line one\\x07\nline\ttwo"


def test_yaml_aliases_are_refused_and_plain_yaml_reads() -> None:
    with pytest.raises(InvalidInput, match="aliases"):
        load_yaml("a: &a [1, 2]\nb: *a\n", "collectors file c.yaml")
    with pytest.raises(InvalidInput, match=r"nested too deeply|not valid YAML"):
        load_yaml("[" * 50_000, "f.yaml")
    assert load_yaml("- name: x\n  start: 2027-01-04\n", "f.yaml")[0]["name"] == "x"


def test_a_fifo_is_refused_before_it_is_opened_for_a_blocking_read(tmp_path: Path) -> None:
    fifo = tmp_path / "feed.csv"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInput, match="is a FIFO"):
        read_text(str(fifo), "inventory file", "inventory")


def test_text_that_is_not_utf8_is_refused_naming_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"name: Caf\xe9")
    with pytest.raises(InvalidInput, match="byte 9 is 0xe9"):
        read_text(str(path), "inventory file", "inventory")


def test_writing_over_a_folder_is_refused_and_a_file_is_written_whole(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="is a folder"):
        write_atomically(str(tmp_path), "data", "export file")
    write_atomically(str(tmp_path / "out.json"), "data", "export file")
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"] and (tmp_path / "out.json").read_text() == "data"
