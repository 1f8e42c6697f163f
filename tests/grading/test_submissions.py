"""Submission readers: the accepted forms, and one-line errors (never other exceptions) for anything else."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exgen.errors import ExgenError
from exgen.grading import submissions as S
from exgen.grading.submissions import (
    WHOLE,
    Submission,
    normalise_answers,
    read_class_csv,
    read_path,
    read_submission_file,
    read_submissions,
)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(call, *words):
    with pytest.raises(ExgenError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    for word in words:
        assert word.lower() in message.lower(), (word, message)
    return message


# -- the accepted forms ---------------------------------------------------------------------------


def test_normalise_accepts_nested_dotted_and_whole_forms():
    got = normalise_answers({"dot": {"a": "3", "b": 4}, "matmul.c": [[1, 2]], "single": "x", "blank": "  ",
                             "none.a": None}, source="f")
    assert got == {"dot": {"a": "3", "b": 4}, "matmul": {"c": [[1, 2]]}, "single": {WHOLE: "x"}}


def test_normalise_resolves_whole_answers_when_parts_are_known():
    got = normalise_answers({"single": 7, "multi": 8}, source="f", exercises={"single": ["a"], "multi": ["a", "b"]})
    assert got == {"single": {"a": 7}, "multi": {WHOLE: 8}}


@pytest.mark.parametrize("mapping, words", [
    ({"dot": {"a": 1}, "dot.a": 2}, ["two answers", "dot.a"]),
    ({"dot.a": {"x": 1}}, ["dot.a", "mapping"]),
    ({"dot": {"a": {"x": 1}}}, ["dot.a", "mapping"]),
    ({".a": 1}, ["'.a'"]),
    ({"dot.": 1}, ["'dot.'"]),
    (["dot.a", 1], ["answers", "mapping"]),
])
def test_normalise_rejects(mapping, words):
    one_line_error(lambda: normalise_answers(mapping, source="s.yaml"), "s.yaml", *words)


def test_yaml_file(tmp_path):
    path = write(tmp_path, "s001.yaml", "student: s001\nname: Ada\nanswers:\n  dot.a: 3/4\n  dot:\n    b: same\n"
                                        "  matmul.a: [[1, 2], [3, 4]]\n  matmul.d: no\n  when.a: 2024-01-02\n")
    sub = read_submission_file(path)
    assert sub == Submission(student="s001", name="Ada", source=str(path),
                             answers={"dot": {"a": "3/4", "b": "same"}, "matmul": {"a": [[1, 2], [3, 4]], "d": "no"},
                                      "when": {"a": "2024-01-02"}})


def test_json_file_and_numeric_student(tmp_path):
    path = write(tmp_path, "x.json", json.dumps({"student": 12345, "answers": {"dot.a": 1.5, "dot.b": True}}))
    sub = read_submission_file(path)
    assert sub.student == "12345" and sub.answers == {"dot": {"a": 1.5, "b": True}}


def test_missing_student_is_none(tmp_path):
    assert read_submission_file(write(tmp_path, "a.yaml", "answers: {dot.a: 1}\n")).student is None


def test_huge_integers_become_infinite(tmp_path):
    sub = read_submission_file(write(tmp_path, "a.yaml", "student: s\nanswers: {dot.a: " + "9" * 400 + "}\n"))
    assert sub.answers["dot"]["a"] == float("inf")


# -- one-line errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, text, words", [
    ("a.yaml", "student: s\nanswers: [1, 2\n", ["a.yaml:", "YAML"]),
    ("a.json", '{"student": "s", "answers": {"dot.a": NaN}}', ["a.json", "NaN"]),
    ("a.json", '{"student": "s", ', ["a.json:1", "JSON"]),
    ("a.yaml", "", ["empty"]),
    ("a.yaml", "student: s\nanswers: {}\n---\nstudent: t\nanswers: {}\n", ["a.yaml:3", "one document"]),
    ("a.yaml", "student: s\nanswer: {dot.a: 1}\n", ["unknown field 'answer'"]),
    ("a.yaml", "student: s\n", ["no 'answers'"]),
    ("a.yaml", "student: [s]\nanswers: {}\n", ["'student'"]),
    ("a.yaml", "student: \"a\\nb\"\nanswers: {}\n", ["'student'", "printable"]),
    ("a.yaml", "student: s\nanswers: {dot.a: !!binary aGVsbG8=}\n", ["a.yaml:2", "tag"]),
    ("a.yaml", "student: s\nanswers: {dot.a: !!python/object:os.system {}}\n", ["YAML"]),
    ("a.yaml", "student: s\nanswers:\n  dot.a: " + "[" * 40 + "]" * 40 + "\n", ["nested deeper"]),
    ("a.json", '{"student": "s", "answers": {"dot.a": ' + "[" * 5000 + "]" * 5000 + "}}", ["nested"]),
])
def test_bad_files_raise_one_line(tmp_path, name, text, words):
    path = write(tmp_path, name, text)
    one_line_error(lambda: read_submission_file(path), *words)


def test_size_is_checked_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(S.MAX_SUBMISSION_BYTES + 1)
    opened = []
    real_open = type(path).open
    monkeypatch.setattr(type(path), "open", lambda self, *a, **k: opened.append(self) or real_open(self, *a, **k))
    one_line_error(lambda: read_submission_file(path), "too large")
    assert opened == []


def test_binary_and_non_utf8(tmp_path):
    (tmp_path / "b.yaml").write_bytes(b"student: s\x00\x01")
    one_line_error(lambda: read_submission_file(tmp_path / "b.yaml"), "binary")
    (tmp_path / "c.yaml").write_bytes(b"student: s\nanswers: {a: \xff}\n")
    one_line_error(lambda: read_submission_file(tmp_path / "c.yaml"), "c.yaml:2", "UTF-8")


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 8) + "]" for i in range(1, 9)]
    path = write(tmp_path, "bomb.yaml", "student: s\nanswers:\n  " + "\n  ".join(lines) + "\n")
    one_line_error(lambda: read_submission_file(path), f"more than {S.MAX_NODES:,} values")
    many = "student: s\nanswers:\n  x: &x 1\n" + "".join(f"  y{i}: *x\n" for i in range(S.MAX_ALIASES + 1))
    one_line_error(lambda: read_submission_file(write(tmp_path, "many.yaml", many)), "aliases")


def test_missing_file_and_folder(tmp_path):
    one_line_error(lambda: read_submission_file(tmp_path / "nope.yaml"), "no such file")
    one_line_error(lambda: read_submission_file(tmp_path), "is a folder, not a regular file")


# -- class CSV and folders ------------------------------------------------------------------------


def test_class_csv(tmp_path):
    path = write(tmp_path, "class.csv", "Student,Name,dot.a,dot.b,single\n"
                                        "s001,\"Lovelace, Ada\",3,same,\"[1, 2]\"\n"
                                        "\n"
                                        "s002,Alan,,opposite,\n"
                                        "s003,Too,many,cells,here,extra\n"
                                        ",Nobody,1,2,3\n"
                                        "s004,Grace,1,\n")
    subs, problems = read_class_csv(path)
    assert [(s.student, s.name, s.source) for s in subs] == [("s001", "Lovelace, Ada", f"{path}:2"),
                                                             ("s002", "Alan", f"{path}:4")]
    assert subs[0].answers == {"dot": {"a": "3", "b": "same"}, "single": {WHOLE: "[1, 2]"}}
    assert subs[1].answers == {"dot": {"b": "opposite"}}
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:5", f"{path}:6", f"{path}:7"]
    assert "expected 5 columns" in problems[0] and "empty" in problems[1]


@pytest.mark.parametrize("text, words", [
    ("", ["empty"]),
    ("name,dot.a\nAda,1\n", ["'student' column"]),
    ("student,dot.a,dot.a\ns,1,2\n", ["appears twice"]),
    ("student,,dot.a\ns,1,2\n", ["column 2 has no header"]),
])
def test_class_csv_bad_header(tmp_path, text, words):
    path = write(tmp_path, "c.csv", text)
    one_line_error(lambda: read_class_csv(path), "c.csv:1", *words)


def test_folder_sorted_recursive_hidden_skipped(tmp_path):
    write(tmp_path, "b.yaml", "student: s002\nanswers: {dot.a: 1}\n")
    write(tmp_path, "a.json", '{"student": "s001", "answers": {"dot.a": 2}}')
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "c.csv", "student,dot.a\ns003,3\n")
    write(tmp_path, ".hidden.yaml", "not: [valid")
    write(tmp_path, "notes.txt", "just words")
    subs, problems = read_path(tmp_path)
    assert [s.student for s in subs] == ["s001", "s002", "s003"]
    assert len(problems) == 1 and "notes.txt" in problems[0]
    more, bad = read_submissions([tmp_path / "b.yaml", tmp_path / "gone.yaml"])
    assert [s.student for s in more] == ["s002"] and len(bad) == 1 and "no such file" in bad[0]


def test_links_and_fifos_in_a_folder_are_one_line_each_and_never_read(tmp_path):
    """The attack suite's links and FIFO at library level (tests/grading/test_hostile_batch.py runs them
    through `exgen grade`): a link to a secret, to another student's file and to a folder, and a FIFO are
    each one problem naming the file, their contents are never read, and the good file is read."""
    import os

    outside = tmp_path / "outside"
    outside.mkdir()
    write(outside, "passwd", "root:x:0:0:TOPSECRET:/root:/bin/bash\n")
    write(outside, "s007.yaml", "student: s007\nanswers: {dot.a: 1}\n")
    subs = tmp_path / "subs"
    subs.mkdir()
    write(subs, "good.yaml", "student: s001\nanswers: {dot.a: 1}\n")
    (subs / "etc-passwd.yaml").symlink_to(outside / "passwd")
    (subs / "borrowed.yaml").symlink_to(outside / "s007.yaml")
    (subs / "linked-folder").symlink_to(outside)
    os.mkfifo(subs / "pipe.yaml")  # opening it to read would block the run
    found, problems = read_submissions([subs])
    assert [s.student for s in found] == ["s001"]
    for name, words in (("etc-passwd.yaml", "symbolic link"), ("borrowed.yaml", "symbolic link"),
                        ("linked-folder", "symbolic link"), ("pipe.yaml", "FIFO")):
        mine = [p for p in problems if name in p]
        assert len(mine) == 1 and words in mine[0] and "\n" not in mine[0], (name, problems)
    assert len(problems) == 4 and "TOPSECRET" not in "".join(problems)


# -- fuzzing: any bytes give a Submission or one ExgenError ----------------------------------------

YAMLISH = st.text(alphabet=st.sampled_from(list("student:answers{}[]&*!|>-.,'\"#\n \t0123456789abxyz\\%@`?")),
                  max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300), YAMLISH.map(str.encode)), suffix=st.sampled_from([".yaml", ".json"]))
def test_any_bytes_read_or_one_error(tmp_path, data, suffix):
    path = tmp_path / f"f{suffix}"
    path.write_bytes(data)
    try:
        sub = read_submission_file(path)
    except ExgenError as err:
        assert "\n" not in str(err)
        return
    assert isinstance(sub.answers, dict)
    assert all(isinstance(parts, dict) and parts for parts in sub.answers.values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=YAMLISH)
def test_any_csv_reads_or_one_error(tmp_path, data):
    path = tmp_path / "c.csv"
    path.write_text("student,dot.a,dot.b\n" + data, encoding="utf-8")
    try:
        subs, problems = read_class_csv(path)
    except ExgenError as err:
        assert "\n" not in str(err)
        return
    assert all("\n" not in p for p in problems)
    assert all(s.student for s in subs)
