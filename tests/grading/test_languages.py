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


@pytest.fixture(scope="module")
def korean_class(tmp_path_factory):
    """The Korean example bank, a class CSV headed 학번,이름 whose students answer right (yes/no in Korean),
    with a known mistake, with junk or not at all, graded into every output."""
    from exgen.answers import get_kind
    from exgen.instance import Instance

    tmp = tmp_path_factory.mktemp("ko-class")
    exgen.generate("dl-math-basics-ko", students=8, formats="md", out=tmp / "gen")
    key = _key(tmp / "gen")
    every: list[tuple[str, str, dict]] = []
    for n, student in enumerate(key["students"]):
        answers = {}
        for ex in student["exercises"]:
            inst = Instance.from_dict(ex)
            for part in inst.parts:
                kind = get_kind(part.kind)
                text = kind.typed(part.answer, part)
                if part.answer in ("yes", "no"):
                    text = {"yes": "예", "no": "아니요"}[part.answer]  # what a Korean student types
                if n % 4 == 1 and part.wrong_answers:
                    wrong = part.wrong_answers[0]
                    text = get_kind(wrong.kind or part.kind).typed(wrong.value, part)
                elif n % 4 == 2:
                    text = "모르겠음"
                elif n % 4 == 3:
                    text = ""
                answers[f"{inst.exercise_id}.{part.id}"] = text
        every.append((student["id"], student["name"], answers))
    import csv

    columns = list(dict.fromkeys(column for _, _, answers in every for column in answers))
    rows = [[sid, name, *(answers.get(c, "") for c in columns)] for sid, name, answers in every]

    path = tmp / "class.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["학번", "이름", *columns], *rows])
    result = exgen.grade(path, key=tmp / "gen", out=tmp / "grades", formats="csv,json,feedback,report")
    return tmp / "grades", result


def test_a_korean_class_csv_gives_korean_feedback(korean_class):
    out, result = korean_class
    assert result.ok and len(result.results.students) == 8
    totals = [s.total for s in result.results.students]
    assert totals[0] == result.results.students[0].max_points  # right answers, yes/no typed in Korean
    assert totals[3] == 0 and 0 < totals[1] < totals[0]
    feedback = {n: (out / "feedback" / f"student-00{n}.md").read_text(encoding="utf-8") for n in (1, 2, 3, 4)}
    assert all(text.startswith("# 피드백: 딥러닝의 수학: 연습 문제\n") for text in feedback.values())
    assert "정답 (" in feedback[1] and "오답 (" in feedback[2] and "읽을 수 없음 (" in feedback[3]
    assert "답 없음 (" in feedback[4] and "답이 없습니다." in feedback[4]
    for text in feedback.values():
        assert not any(word in text for word in ("Feedback", "Student:", "Total:", "Your answer", "correct (",
                                                 "No answer given."))


def test_a_korean_class_gets_a_korean_report(korean_class):
    from exgen.grading.report import describe_mistake
    from exgen.i18n import language
    from tests.i18n.english import english_words

    out, result = korean_class
    report = (out / "report.md").read_text(encoding="utf-8")
    misconceptions = (out / "misconceptions.md").read_text(encoding="utf-8")
    assert report.startswith("# 학급 보고서: 딥러닝의 수학: 연습 문제\n")
    for heading in ("## 가장 많이 틀린 소문항", "## 문제별 점수", "## 문항 통계",
                    "| 소문항 | 채점 수 | 정답 | 부분 정답 | 오답 | 읽을 수 없음 | 답 없음 | p | D | r |",
                    "![총점 히스토그램](totals.png)", "확인된 오개념:"):
        assert heading in report, heading
    assert misconceptions.startswith("# 학생별 오개념: ") and "*교수자 전용: " in misconceptions
    assert "- 읽을 수 없는 답: 2명: `student-003` (학생 3), `student-007` (학생 7)" in misconceptions
    # No English left but names exgen keeps in every language: ids, tags, file names, and the types' own
    # descriptions of their mistakes (the type modules' messages, as the catalogue has them).
    results = result.results
    tags = {(ex.id, part.tag) for s in results.students for ex in s.exercises for part in ex.parts if part.tag}
    types = {info.id: info.type for info in results.exercises}
    with language("ko"):
        described = [describe_mistake(types[ex], tag) for ex, tag in tags]
    allowed = [*types, *(tag for _, tag in tags), *described, "report.md", "misconceptions.md",
               "totals.png", "exercises.png", "parts.png"]
    assert english_words(report, "md", also_allowed=allowed) == []
    assert english_words(misconceptions, "md", also_allowed=allowed + [s.id for s in results.students]) == []
    # the gradebooks are for programs and LMSs: their headers stay as documented (docs/submissions.md)
    assert (out / "grades.csv").read_text(encoding="utf-8").startswith("id,name,matrices,")
