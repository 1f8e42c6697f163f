"""Grading in the key's language: a key written with --lang ko gives Korean feedback, in any number of
worker processes; Korean spreadsheet headers are read; a key from before languages stays English."""

from __future__ import annotations

import json

import pytest

import exgen
from exgen.errors import ExgenError
from exgen.grading.submissions import read_class_csv


@pytest.fixture(scope="module")
def korean_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ko")
    exgen.generate("dot_product", students=3, lang="ko", formats="md", out=out / "gen")
    return out / "gen"


def _key(folder):
    return json.loads((folder / "answer_key.json").read_text(encoding="utf-8"))


def _csv(folder, rows):
    key = _key(folder)
    parts = [f"{ex['id']}.{p['id']}" for ex in key["students"][0]["exercises"] for p in ex["parts"]]
    lines = ["학번,이름," + ",".join(parts)]
    lines += [",".join([sid, name, *answers(parts)]) for sid, name, answers in rows]
    path = folder.parent / "class.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_key_records_its_language(korean_run):
    assert _key(korean_run)["bank"]["language"] == "ko"


def test_korean_headers_are_read(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("학번,이름,dot.a\ns001,김민준,3\n", encoding="utf-8")
    subs, problems = read_class_csv(path)
    assert not problems and subs[0].student == "s001" and subs[0].name == "김민준"
    assert subs[0].answers == {"dot": {"a": "3"}}


def test_feedback_files_are_korean(korean_run, tmp_path):
    csv = _csv(korean_run, [("student-001", "김민준", lambda parts: ["" for _ in parts]),
                            ("student-002", "이서연", lambda parts: ["모름" for _ in parts])])
    result = exgen.grade(csv, key=korean_run, out=tmp_path / "grades", formats="feedback,json")
    assert result.ok
    first = (tmp_path / "grades" / "feedback" / "student-001.md").read_text(encoding="utf-8")
    second = (tmp_path / "grades" / "feedback" / "student-002.md").read_text(encoding="utf-8")
    assert first.startswith("# 피드백: ") and "학생: 학생 1 (`student-001`)" in first and "총점: " in first
    assert "답 없음" in first and "답이 없습니다." in first
    assert "읽을 수 없음" in second and "답을 읽을 수 없습니다" in second


def test_workers_grade_in_the_key_language(korean_run, tmp_path):
    rows = [(f"student-00{i}", f"학생{i}", lambda parts: ["1" for _ in parts]) for i in (1, 2, 3)]
    csv = _csv(korean_run, rows)
    one = exgen.grade(csv, key=korean_run, out=None, jobs=1).results.to_dict()
    two = exgen.grade(csv, key=korean_run, out=None, jobs=2).results.to_dict()
    assert one == two
    feedback = [p["feedback"] for s in one["students"] for e in s["exercises"] for p in e["parts"]]
    assert any(f in ("정답입니다.", "틀렸습니다.") or "정답" in f or "틀렸" in f for f in feedback)
    assert not any(f in ("Correct.", "Not correct.") for f in feedback)


def test_a_key_without_a_language_is_english(korean_run, tmp_path):
    key = _key(korean_run)
    del key["bank"]["language"]
    (tmp_path / "answer_key.json").write_text(json.dumps(key), encoding="utf-8")
    sub = tmp_path / "s.yaml"
    sub.write_text("student: student-001\nanswers: {}\n", encoding="utf-8")
    result = exgen.grade(sub, key=tmp_path / "answer_key.json", out=None)
    assert result.results.students[0].exercises[0].parts[0].feedback == "No answer given."


def test_a_key_in_a_language_this_exgen_lacks_is_one_line(korean_run, tmp_path):
    key = _key(korean_run)
    key["bank"]["language"] = "xx\nforged"
    (tmp_path / "answer_key.json").write_text(json.dumps(key), encoding="utf-8")
    with pytest.raises(ExgenError) as err:
        exgen.grade(tmp_path / "answer_key.json", key=tmp_path / "answer_key.json", out=None)
    assert "\n" not in str(err.value) and "en, ko" in str(err.value)
