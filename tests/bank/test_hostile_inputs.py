"""Hostile banks and rosters: every one is a located one-line message (never a traceback, never a hang),
and a fuzz of both readers."""

from __future__ import annotations

import os
import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from exgen.bank.roster import MAX_NAME_CHARS, MAX_STUDENTS, read_roster
from exgen.bank.spec import MAX_EXERCISES, load_bank
from exgen.errors import BankError, ExgenError
from tests.conftest import examples_sweep

HEAD = "bank: b1\ntitle: Week 1\n"
ONE = "exercises:\n  - {id: a, type: matmul}\n"


def bank_problems(tmp_path, text: str, name: str = "b.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BankError) as info:
        load_bank(path)
    for line in info.value.problems:
        assert "\n" not in line and "Traceback" not in line
    return info.value.problems


@pytest.mark.parametrize("text, expected", [
    (HEAD + "seed: " + "9" * 5000 + "\n" + ONE, "b.yaml:3: seed: expected an integer in [0, 2^63-1], got '99999"),
    (HEAD + "seed: 1:0:0:0:0\n" + ONE, "b.yaml:3: seed: expected an integer in [0, 2^63-1], got '1:0:0:0:0'"),
    (HEAD + "course: {date: 2026-02-30}\n" + ONE, "b.yaml:3: course.date: 2026-02-30 is not a date of the calendar"),
    (HEAD + "course:\n  date: 2026-13-01\n" + ONE, "b.yaml:4: course.date: 2026-13-01 is not a date"),
    (HEAD + "x: " + "[" * 5000 + "]" * 5000 + "\n", "b.yaml:3: nested deeper than 50 levels"),
    (HEAD + "x:\n" + "".join("  " * i + "- \n" for i in range(1000)), "b.yaml:53: nested deeper than 50 levels"),
    (HEAD + "title: again\n" + ONE, "b.yaml:3: duplicate key 'title' (first on line 2)"),
    (HEAD + "seed: 1\n" + ONE + "  - {id: b, type: matmul, id: c}\n", "b.yaml:6: duplicate key 'id' (first on line 6)"),
    (HEAD + "exercises: [" + ", ".join(["{id: a, type: matmul}"]) + "]\nx: " + "'" + "y" * 100_001 + "'\n",
     "b.yaml:4: a value longer than 100,000 characters"),
    (HEAD + "tag: !!python/object/new:os.system [ls]\n" + ONE, "b.yaml:3: a tag"),
])
def test_hostile_banks_are_located_messages(tmp_path, text, expected):
    problems = bank_problems(tmp_path, text)
    assert problems[0].startswith(expected), problems


def test_too_many_exercises_is_refused_before_any_is_built(tmp_path):
    entries = "".join(f"  - {{id: e{i}, type: matmul}}\n" for i in range(MAX_EXERCISES + 1))
    started = time.monotonic()
    problems = bank_problems(tmp_path, HEAD + "exercises:\n" + entries)
    assert problems == [f"b.yaml:3: exercises: {MAX_EXERCISES + 1:,} exercises; a bank holds at most "
                        f"{MAX_EXERCISES:,} (split it into several banks)"]
    assert time.monotonic() - started < 60  # generous: the point is that 40,000 no longer takes minutes


def test_a_valid_iso_date_and_free_text_dates_are_fine(tmp_path):
    for date in ("2026-09-07", "Fall 2026", "7 September", "2026-9-7"):
        path = tmp_path / "b.yaml"
        path.write_text(HEAD + f"course: {{date: {date}}}\n" + ONE)
        assert load_bank(path).course["date"] == date


def test_bank_links_fifos_and_devices(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(HEAD + ONE)
    (tmp_path / "link.yaml").symlink_to(good)
    assert "symbolic link" in bank_error(tmp_path / "link.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    assert "FIFO" in bank_error(tmp_path / "pipe.yaml")
    if os.path.exists("/dev/zero"):
        assert "device" in bank_error("/dev/zero")
    name = tmp_path / "evil\nError: forged.yaml"
    name.write_text(HEAD + "seed: -1\n" + ONE)
    problems = bank_problems(tmp_path, HEAD + "seed: -1\n" + ONE, name=name.name)
    assert problems[0].startswith("evil\\nError: forged.yaml:3: seed:")


def bank_error(path) -> str:
    with pytest.raises(BankError) as info:
        load_bank(path)
    assert len(info.value.problems) == 1 and "\n" not in info.value.problems[0]
    return info.value.problems[0]


# -- rosters ---------------------------------------------------------------------------------------


def roster_error(path) -> str:
    with pytest.raises(ExgenError) as info:
        read_roster(path)
    message = str(info.value)
    assert "Traceback" not in message
    return message


@pytest.mark.parametrize("rows, expected", [
    ("s001," + "x" * 131_073 + "\n", "r.csv:2: not a CSV line (a field longer than 131,072 characters"),
    ("s001," + "x" * (MAX_NAME_CHARS + 1) + "\n", f"r.csv:2: student s001: expected a name of 1 to {MAX_NAME_CHARS}"),
    ("s001,Ada\x00Lovelace\n", "r.csv:2: student s001: the name holds a control character"),
    ("s001,Ada\x1b[31mRed\n", "r.csv:2: student s001: the name holds a control character"),
    ('s001,"Ada\nLovelace"\ns001,Bob\n', "r.csv:4: duplicate student id 's001' (first on line 2)"),
    ("../x,Bob\n", "r.csv:2: student id is not safe as a file name"),
])
def test_hostile_rosters(tmp_path, rows, expected):
    path = tmp_path / "r.csv"
    path.write_text("id,name\n" + rows, encoding="utf-8")
    message = roster_error(path)
    assert message.startswith(expected), message
    assert "x" * 100 not in message


def test_roster_caps(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,name\n" + "".join(f"s{i},N\n" for i in range(MAX_STUDENTS + 1)))
    assert f"more than {MAX_STUDENTS:,} students" in roster_error(path)
    path.write_text("id,name\n" + "".join("bad/id,N\n" for _ in range(500)))
    message = roster_error(path)
    assert len(message.splitlines()) == 51 and "stopped after 50" in message


def test_roster_links_fifos_and_devices(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("id,name\ns1,A\n")
    (tmp_path / "link.csv").symlink_to(good)
    assert "symbolic link" in roster_error(tmp_path / "link.csv")
    os.mkfifo(tmp_path / "pipe.csv")
    assert "FIFO" in roster_error(tmp_path / "pipe.csv")
    if os.path.exists("/dev/zero"):
        assert "device" in roster_error("/dev/zero")


def test_roster_header_is_not_quoted(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("root:x:0:0:root:/root:/bin/bash\n")
    message = roster_error(path)
    assert "root:x" not in message and "r.csv:1: expected a header" in message


# -- fuzz ------------------------------------------------------------------------------------------

CELL = st.one_of(st.text(max_size=12), st.sampled_from(["s001", "../x", "a,b", '"', "\x00", "\r", "\u2028",
                                                        "x" * 300, "=cmd()", "\ufeff"]))


@examples_sweep(60, 300)
def test_fuzz_roster_reader(tmp_path, max_examples):
    """Any roster text: students with safe ids and clean names, or one-line located messages."""
    @settings(max_examples=max_examples, deadline=None)  # a closure over tmp_path: no fixture per example
    @given(rows=st.lists(st.lists(CELL, max_size=4), max_size=8), header=st.sampled_from(["id,name", "name,id", "id"]),
           sep=st.sampled_from([",", "\n", "\r\n"]))
    def check(rows, header, sep):
        path = tmp_path / "fuzz.csv"
        path.write_bytes((header + "\n" + "\n".join(sep.join(r) for r in rows)).encode("utf-8", "surrogatepass"))
        try:
            students = read_roster(path)
        except ExgenError as err:
            for line in str(err).splitlines():
                assert line.startswith("fuzz.csv"), line
            return
        for s in students:
            assert s.id and "/" not in s.id and ".." not in s.id and len(s.name) <= MAX_NAME_CHARS
            assert not any(c in s.name for c in "\x00\x1b\n\r")

    check()


BANK_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**30), st.floats(), st.text(max_size=10),
                      st.sampled_from(["matmul", "dot_product", "1:0:0", "2026-02-30", "easy", "[1, 2]", "<<"]))
BANK_VALUE = st.recursive(BANK_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["id", "type", "params", "points", "grading", "dim", "m", "tolerance", "abs", "x"]), inner, max_size=3)),
    max_leaves=12)


@examples_sweep(40, 200)
def test_fuzz_bank_reader(tmp_path, max_examples):
    """Any bank text (structured, then cut at a random point): a spec or BankError lines naming the file."""
    @settings(max_examples=max_examples, deadline=None)  # a closure over tmp_path: no fixture per example
    @given(doc=st.dictionaries(st.sampled_from(["bank", "title", "seed", "course", "grading", "exercises", "x"]),
                               BANK_VALUE, max_size=6),
           exercises=st.lists(st.dictionaries(st.sampled_from(["id", "type", "params", "points", "grading", "plot"]),
                                              BANK_VALUE, max_size=5), max_size=3),
           mangle=st.integers(0, 400))
    def check(doc, exercises, mangle):
        doc = {**doc, "exercises": exercises} if exercises else doc
        text = yaml.safe_dump(doc, allow_unicode=True)
        if mangle < len(text):
            text = text[:mangle] + "]" + text[mangle:]
        path = tmp_path / "fuzz.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_bank(path)
        except BankError as err:
            assert err.problems and all(p.startswith("fuzz.yaml") and "\n" not in p for p in err.problems), err.problems

    check()


@pytest.mark.parametrize("text", ['bank: b1\ntitle: "Week\\x00 1"\n' + ONE,
                                  'bank: b1\ncourse: {name: "A\\x1b[31mB"}\ntitle: T\n' + ONE])
def test_control_characters_in_bank_text_are_refused(tmp_path, text):
    problems = bank_problems(tmp_path, text)
    assert len(problems) == 1 and "control character" in problems[0] and problems[0].startswith("b.yaml:2:")
