"""Sharded runs: 4 shards of generate and of grade, merged, give the files of one unsharded run byte for byte;
and --jobs gives the same files as one process."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

import exgen
from exgen.cli import main
from exgen.errors import ExgenError, OptionError

STUDENTS = 9  # 4 shards of 2 or 3


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> sha256."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run(args) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


def submissions(key_json: Path, folder: Path) -> None:
    """Right, wrong and junk answers; a duplicate (in a later shard), an unknown student, a broken file and
    a class CSV, so that merging has to choose across shards exactly as one run does."""
    from exgen.answers import get_kind
    from exgen.instance import Instance

    folder.mkdir()
    key = json.loads(key_json.read_text(encoding="utf-8"))
    for n, student in enumerate(key["students"]):
        answers = {}
        for ex in student["exercises"]:
            inst = Instance.from_dict(ex)
            for part in inst.parts:
                kind = get_kind(part.kind)
                text = kind.typed(part.answer, part)
                if n % 3 == 1 and part.wrong_answers:
                    wrong = part.wrong_answers[0]
                    text = get_kind(wrong.kind or part.kind).typed(wrong.value, part)
                elif n % 3 == 2:
                    text = "no idea ?"
                answers[f"{inst.exercise_id}.{part.id}"] = text
        if n == 4:  # handed in as a row of a class CSV instead
            (folder / "c-class.csv").write_text("student," + ",".join(answers) + "\n" + student["id"] + ","
                                                + ",".join(f'"{v}"' for v in answers.values()) + "\n", encoding="utf-8")
            continue
        (folder / f"a-{student['id']}.yaml").write_text(yaml.safe_dump({"student": student["id"], "answers": answers}),
                                                        encoding="utf-8")
    first = key["students"][0]["id"]
    (folder / f"z-again-{first}.yaml").write_text(yaml.safe_dump({"student": first, "answers": {}}), encoding="utf-8")
    (folder / "y-stranger.yaml").write_text(yaml.safe_dump({"student": "nobody", "answers": {}}), encoding="utf-8")
    (folder / "b-broken.yaml").write_text("student: [unclosed\n", encoding="utf-8")


@pytest.fixture(scope="module")
def unsharded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shards")
    assert run(["generate", "--count", str(STUDENTS), "--format", "md,tex", "--out", str(tmp / "whole"), "-q"]) == 0
    submissions(tmp / "whole" / "answer_key.json", tmp / "subs")
    assert run(["grade", "--key", str(tmp / "whole"), str(tmp / "subs"), "--out", str(tmp / "graded"), "-q"]) == 1
    return tmp


@pytest.mark.integration
def test_four_generate_shards_merged_are_the_unsharded_run(unsharded, tmp_path):
    out = tmp_path / "week1"
    for i in (3, 1, 4, 2):  # any order, one with two jobs
        assert run(["generate", "--count", str(STUDENTS), "--format", "md,tex", "--shard", f"{i}/4", "--out", str(out),
                    "-q", *(["--jobs", "2"] if i == 2 else [])]) == 0
    assert sorted(p.name for p in (out / "parts").iterdir()) == [f"key-{i}-of-4.sqlite" for i in (1, 2, 3, 4)]
    assert not (out / "answer_key.sqlite").exists()
    assert run(["merge", str(out), "-q"]) == 0
    assert tree(out) == tree(unsharded / "whole")


@pytest.mark.integration
def test_four_grade_shards_merged_are_the_unsharded_run(unsharded, tmp_path):
    out = tmp_path / "grades"
    codes = [run(["grade", "--key", str(unsharded / "whole" / "answer_key.sqlite"), str(unsharded / "subs"),
                  "--shard", f"{i}/4", "--out", str(out), "-q", *(["--jobs", "2"] if i == 3 else [])])
             for i in (1, 2, 3, 4)]
    assert 1 in codes  # the broken file, the stranger and the duplicate are each some shard's errors
    assert sorted(p.name for p in (out / "parts").iterdir()) == [f"results-{i}-of-4.json" for i in (1, 2, 3, 4)]
    assert run(["merge", str(out), "-q"]) == 0
    assert tree(out) == tree(unsharded / "graded")
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["summary"]["graded"] == STUDENTS and results["summary"]["errors"] == 3


@pytest.mark.integration
def test_jobs_give_the_files_of_one_process(unsharded, tmp_path):
    assert run(["generate", "--count", str(STUDENTS), "--format", "md,tex", "--jobs", "3", "--out",
                str(tmp_path / "gen"), "-q"]) == 0
    assert tree(tmp_path / "gen") == tree(unsharded / "whole")
    assert run(["grade", "--key", str(tmp_path / "gen"), str(unsharded / "subs"), "--jobs", "2", "--out",
                str(tmp_path / "graded"), "-q"]) == 1
    assert tree(tmp_path / "graded") == tree(unsharded / "graded")


@pytest.mark.integration
def test_grading_against_the_json_key_gives_the_same_files(unsharded, tmp_path):
    assert run(["grade", "--key", str(unsharded / "whole" / "answer_key.json"), str(unsharded / "subs"), "--out",
                str(tmp_path / "g"), "-q"]) == 1
    assert tree(tmp_path / "g") == tree(unsharded / "graded")


@pytest.mark.integration
def test_grading_again_into_the_folder_keeps_identical_files_and_refuses_changes(unsharded, tmp_path):
    import shutil

    out = tmp_path / "g"
    shutil.copytree(unsharded / "graded", out)
    (out / "feedback" / "student-002.md").unlink()  # an interrupted run: the rest is there
    assert run(["grade", "--key", str(unsharded / "whole"), str(unsharded / "subs"), "--out", str(out), "-q"]) == 1
    assert tree(out) == tree(unsharded / "graded")
    (out / "feedback" / "student-003.md").write_text("changed by hand\n", encoding="utf-8")
    before = tree(out)
    with pytest.raises(ExgenError, match="use --force"):
        exgen.grade(unsharded / "subs", key=unsharded / "whole", out=out)
    assert tree(out) == before


@pytest.mark.integration
def test_merge_problems_are_one_line(unsharded, tmp_path, capsys):
    assert run(["merge", str(tmp_path / "none")]) == 1
    (tmp_path / "empty").mkdir()
    assert run(["merge", str(tmp_path / "empty")]) == 1
    assert "nothing to merge" in capsys.readouterr().err
    out = tmp_path / "half"
    for i in (1, 3):
        exgen.generate(students=STUDENTS, formats="md", shard=f"{i}/3", out=out)
    with pytest.raises(ExgenError, match=r"part 2 of 3 is missing \(run exgen generate with --shard 2/3"):
        exgen.merge(out)
    exgen.generate(students=STUDENTS, seed=5, formats="md", shard="2/3", out=tmp_path / "other")
    (tmp_path / "other" / "parts" / "key-2-of-3.sqlite").rename(out / "parts" / "key-2-of-3.sqlite")
    with pytest.raises(ExgenError, match="key part 2/3: another bank or seed than part 1/3"):
        exgen.merge(out)
    with pytest.raises(OptionError, match="combined"):
        exgen.generate(students=2, formats="md", shard="1/2", combined=True, out=tmp_path / "c")


def test_korean_grade_shards_merged_are_the_unsharded_run_problems_included(tmp_path):
    """A key written in Korean is graded in Korean by every shard and by the merge, down to the class's
    problems (a duplicate, a stranger) that only the merge can see."""
    assert run(["generate", "dot_product", "--count", "4", "--lang", "ko", "--format", "md", "--out",
                str(tmp_path / "gen"), "-q"]) == 0
    submissions(tmp_path / "gen" / "answer_key.json", tmp_path / "subs")
    assert run(["grade", "--key", str(tmp_path / "gen"), str(tmp_path / "subs"), "--out", str(tmp_path / "whole"),
                "-q"]) == 1
    for i in (1, 2):
        run(["grade", "--key", str(tmp_path / "gen"), str(tmp_path / "subs"), "--shard", f"{i}/2", "--out",
             str(tmp_path / "parts"), "-q"])
    assert run(["merge", str(tmp_path / "parts"), "-q"]) == 0
    assert tree(tmp_path / "parts") == tree(tmp_path / "whole")
    report = (tmp_path / "whole" / "report.md").read_text(encoding="utf-8")
    assert "## 경고와 오류" in report and "중복 제출입니다 (채점하지 않음)" in report
    assert "정답표에 없는 학생입니다" in report and "duplicate submission" not in report


def test_two_shards_of_a_small_bank_merged_are_the_unsharded_run(tmp_path):
    """The quick form of the tests above (which run the default bank for 9 students in 4 shards, with
    --jobs): one cheap bank, 6 students, 2 shards of generate and of grade, merged, give the files of the
    unsharded runs byte for byte."""
    whole, sharded = tmp_path / "whole", tmp_path / "sharded"
    generate = ["generate", "dot_product", "--count", "6", "--format", "md", "-q"]
    assert run([*generate, "--out", str(whole)]) == 0
    for i in (2, 1):
        assert run([*generate, "--shard", f"{i}/2", "--out", str(sharded)]) == 0
    assert not (sharded / "answer_key.sqlite").exists()
    assert run(["merge", str(sharded), "-q"]) == 0
    assert tree(sharded) == tree(whole)

    submissions(whole / "answer_key.json", tmp_path / "subs")
    grade = ["grade", "--key", str(whole), str(tmp_path / "subs"), "-q"]
    assert run([*grade, "--out", str(tmp_path / "graded")]) == 1  # the broken file, the stranger, the duplicate
    codes = [run([*grade, "--shard", f"{i}/2", "--out", str(tmp_path / "graded-2")]) for i in (1, 2)]
    assert 1 in codes
    assert run(["merge", str(tmp_path / "graded-2"), "-q"]) == 0
    assert tree(tmp_path / "graded-2") == tree(tmp_path / "graded")
    results = json.loads((tmp_path / "graded" / "results.json").read_text(encoding="utf-8"))
    assert results["summary"]["graded"] == 6 and results["summary"]["errors"] == 3
