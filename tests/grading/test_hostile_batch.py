"""The attack suite: one student cannot break a class.

A batch of hostile submissions (a lone surrogate, control characters, links to a secret file and to
another student's work, a linked folder, a FIFO, duplicate keys, a file name that forges log lines, a 1 MB
base-60 number, numbers beyond 1e308) is graded by `exgen grade` in a subprocess with an empty $HOME, as a
TA would run it. Every good submission is graded, every output is written and valid UTF-8, every bad item is
one line, the secret appears nowhere, and nothing is written outside --out (not even matplotlib's cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from exgen.answers import get_kind

ROOT = Path(__file__).resolve().parents[2]
SECRET = "root:x:0:0:TOPSECRET:/root:/bin/bash"
GOOD = ["s001", "s002", "s003", "s004", "s005", "s006"]


def typed_answers(instances) -> dict:
    return {f"{i.exercise_id}.{p.id}": get_kind(p.kind).typed(p.answer, p) for i in instances for p in i.parts}


def tree(root: Path, skip: Path | None = None) -> dict:
    return {str(p.relative_to(root)): (p.stat(follow_symlinks=False).st_mtime_ns, p.is_dir())
            for p in root.rglob("*") if skip is None or (p != skip and skip not in p.parents)}


def grade_cmd(tmp: Path, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "exgen", "grade", "--key", str(tmp / "key.json"), *args],
                          cwd=tmp, capture_output=True, text=True, timeout=600, env=env)


@pytest.fixture(scope="module")
def attack(tmp_path_factory):
    from exgen.bank.spec import load_bank
    from exgen.build.keyfile import build_key, dumps
    from exgen.build.pipeline import bank_info, build_student
    from exgen.resources import builtin_banks

    tmp = tmp_path_factory.mktemp("attack")
    bank = load_bank(builtin_banks()["dl-math-basics"])
    ids = GOOD + ["s007", "s008", "s009"]
    students = [({"id": sid, "name": f"Student {sid}"}, build_student(bank, seed=bank.seed, student_id=sid))
                for sid in ids]
    (tmp / "key.json").write_text(dumps(build_key(bank=bank_info(bank), seed=bank.seed, students=students)),
                                  encoding="utf-8")
    answers = {s["id"]: typed_answers(insts) for s, insts in students}
    first = next(iter(answers["s001"]))
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "passwd").write_text(SECRET + "\n", encoding="utf-8")
    (outside / "s007.yaml").write_text(yaml.safe_dump({"student": "s007", "answers": answers["s007"]}))
    subs = tmp / "subs"
    subs.mkdir()
    bad: dict[str, str] = {}  # a file name as shown in messages -> a word its one line must hold

    # good students, each with a hostile twist in one answer: they must all be graded
    lone = dict(answers["s001"], **{first: "\ud800"})
    (subs / "s001.json").write_text(json.dumps({"student": "s001", "answers": lone}), encoding="utf-8")
    controls = dict(answers["s002"], **{first: "\x00\x1b[31m\x85\u2028x", "junk.part": "\x07"})
    (subs / "s002.json").write_text(json.dumps({"student": "s002", "name": "Eve\x00\u202e",
                                                 "answers": controls}), encoding="utf-8")
    huge = dict(answers["s003"])
    for key in list(huge)[:6]:
        huge[key] = int("9" * 400)  # integers beyond 1e308 for the first parts (an expression among them)
    (subs / "s003.yaml").write_text(yaml.safe_dump({"student": "s003", "answers": huge}), encoding="utf-8")
    (subs / "s004.yaml").write_text(yaml.safe_dump({"student": "s004", "answers": answers["s004"]}))
    (subs / "s005.json").write_text(json.dumps({"student": "s005", "answers": answers["s005"]}))
    (subs / "s006 \u2014 \ud55c\uae00.yaml").write_text(yaml.safe_dump({"student": "s006", "answers": answers["s006"]},
                                                                        allow_unicode=True), encoding="utf-8")
    # bad items: each one line, none graded
    (subs / "etc-passwd.yaml").symlink_to(outside / "passwd")
    bad["etc-passwd.yaml"] = "symbolic link"
    (subs / "borrowed.yaml").symlink_to(outside / "s007.yaml")
    bad["borrowed.yaml"] = "symbolic link"
    (subs / "linked-folder").symlink_to(outside)
    bad["linked-folder"] = "symbolic link"
    os.mkfifo(subs / "pipe.yaml")
    bad["pipe.yaml"] = "FIFO"
    (subs / "dup-student.yaml").write_text("student: s008\nanswers: {}\nstudent: s001\n")
    bad["dup-student.yaml"] = "duplicate key 'student' (first on line 1)"
    (subs / "dup-answer.json").write_text('{"student": "s008",\n "answers": {"dot.a": 1,\n  "dot.a": 2}}')
    bad["dup-answer.json"] = "dup-answer.json:3: duplicate key 'dot.a' (first on line 2)"
    forged = "evil\nerror: forged line.yaml"
    (subs / forged).write_text("student: s008\nanswers: [\n")
    bad["evil\\nerror: forged line.yaml"] = "invalid YAML"
    (subs / "sexagesimal.yaml").write_text("student: s008\nanswers:\n  dot.a: " + "1:" * 500_000 + "0\n")
    bad["sexagesimal.yaml"] = "longer than 100,000 characters"
    (subs / "date.yaml").write_text("student: s009\nanswers: {dot.a: 2026-02-30}\nwhen: 2026-02-30\n")
    bad["date.yaml"] = "unknown field 'when'"

    home = tmp / "home"
    home.mkdir()
    out = tmp / "out"
    before = tree(tmp, skip=out)
    proc = grade_cmd(tmp, str(subs), "--out", "out", home=home)
    return {"tmp": tmp, "out": out, "proc": proc, "bad": bad, "before": before, "home": home, "subs": subs}


@pytest.mark.integration
def test_no_traceback_and_every_problem_is_one_line(attack):
    proc = attack["proc"]
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert all(line.startswith(("error: ", "warning: ")) for line in lines), lines
    assert not any(line.startswith("error: forged") for line in lines)
    for name, words in attack["bad"].items():
        mine = [line for line in lines if name in line]
        assert len(mine) == 1, (name, lines)
        assert words in mine[0], (name, mine[0])


@pytest.mark.integration
def test_every_good_submission_is_graded(attack):
    doc = json.loads((attack["out"] / "results.json").read_text(encoding="utf-8"))
    graded = {s["id"]: s for s in doc["students"]}
    assert sorted(graded) == GOOD
    assert set(doc["unsubmitted"]) == {"s007", "s008", "s009"}  # the borrowed link graded nobody
    for sid in ("s004", "s005", "s006"):
        assert graded[sid]["total"] == graded[sid]["max_points"]
    for sid in ("s001", "s002"):  # one hostile answer: that part is not correct, the others are
        verdicts = [p["verdict"] for e in graded[sid]["exercises"] for p in e["parts"]]
        assert verdicts.count("correct") == len(verdicts) - 1
    assert "\ufffd" in json.dumps(graded["s001"], ensure_ascii=False)
    huge = [p for e in graded["s003"]["exercises"] for p in e["parts"]][:6]
    assert all(p["verdict"] in ("incorrect", "invalid") for p in huge)
    assert not [p for p in doc["problems"] if "internal grader error" in p["message"]]


@pytest.mark.integration
def test_all_outputs_are_written_and_clean_utf8(attack):
    out = attack["out"]
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert {"grades.csv", "canvas.csv", "results.json", "report.md", "totals.png", "exercises.png"} <= set(files)
    assert len([f for f in files if f.startswith("feedback/")]) == len(GOOD)
    assert not any(Path(f).name.startswith(".") for f in files)  # no temporary file, no scratch folder
    for name in files:
        data = (out / name).read_bytes()
        if name.endswith(".png"):
            continue
        text = data.decode("utf-8")  # strict: a lone surrogate would not decode
        assert not any(ord(c) < 32 and c not in "\n\r\t" or 0x7F <= ord(c) <= 0x9F for c in text), name


@pytest.mark.integration
def test_the_secret_is_never_read(attack):
    proc = attack["proc"]
    assert "TOPSECRET" not in proc.stdout + proc.stderr
    for path in attack["out"].rglob("*"):
        if path.is_file():
            assert b"TOPSECRET" not in path.read_bytes(), path


@pytest.mark.integration
def test_nothing_is_written_outside_out(attack):
    assert tree(attack["tmp"], skip=attack["out"]) == attack["before"]
    assert list(attack["home"].iterdir()) == []


@pytest.mark.integration
def test_a_rerun_without_force_completes_and_changes_nothing(attack):
    out = attack["out"]
    before = {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    stamps = tree(out)
    proc = grade_cmd(attack["tmp"], str(attack["subs"]), "--out", "out", home=attack["home"])
    assert proc.returncode == 1 and proc.stderr == attack["proc"].stderr  # the same problems, no "--force"
    assert {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert tree(out) == stamps  # files written identically are not even touched


def test_api_handles_numbers_of_any_size():
    """The Python API: integers beyond 1e308 (and -1e308), floats, nested lists of them: no exception."""
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import build_student
    from exgen.grading.batch import grade_submission
    from exgen.grading.submissions import Submission
    from exgen.resources import builtin_banks

    bank = load_bank(builtin_banks()["dl-math-basics"])
    instances = build_student(bank, seed=1, student_id="big")
    for value in (10**400, -(10**400), [10**400, 1], [[10**400]], 10**5000, 1e308, [float("inf")]):
        answers = {i.exercise_id: {p.id: value for p in i.parts} for i in instances}
        result, problems = grade_submission("n", instances, Submission("big", answers, "api"))
        assert [p.message for p in problems if p.level == "error"] == [], value
        assert all(p.verdict != "correct" for e in result.exercises for p in e.parts)


# -- library level: duplicate keys in JSON, and a fuzz of the submission reader ---------------------


@pytest.mark.parametrize("text, message", [
    ('{"student": "s1",\n "answers": {"dot.a": 1},\n "student": "s2"}',
     "a.json:3: duplicate key 'student' (first on line 1)"),
    ('{"student": "s1", "answers": {\n "d\\u006ft.a": 1,\n\n "dot.a": 2}}', "a.json:4: duplicate key 'dot.a' (first on line 2)"),
    ('{"answers": {"x": {"a": 1}, "y": {"a": 2}, "z": {"b": 1,\n "b": 2}}}', "a.json:2: duplicate key 'b' (first on line 1)"),
    ('{"answers": {"a b/c": 1, "a b/c": 2}}', "a.json:1: duplicate key (first on line 1)"),
])
def test_json_duplicate_keys_name_both_lines(tmp_path, text, message):
    from exgen.errors import ExgenError
    from exgen.grading.submissions import read_submission_file

    (tmp_path / "a.json").write_text(text, encoding="utf-8")
    with pytest.raises(ExgenError) as info:
        read_submission_file(tmp_path / "a.json")
    assert str(info.value).split("/")[-1].startswith(message), str(info.value)


def test_json_keys_with_the_same_name_in_different_objects_are_fine(tmp_path):
    from exgen.grading.submissions import read_submission_file

    (tmp_path / "a.json").write_text('{"student": "s1", "answers": {"x": {"a": 1}, "y": {"a": [{"a": 1}]}}}')
    assert read_submission_file(tmp_path / "a.json").answers == {"x": {"a": 1}, "y": {"a": [{"a": 1}]}}


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.conftest import examples_sweep  # noqa: E402

FRAGMENTS = st.sampled_from(['{', '}', '[', ']', ':', ',', '"', "'", "student", "answers", "dot.a", " ", "\n", "- ",
                             "&a", "*a", "<<", "!!str", "1:0:0", "9" * 50, "\\ud800", '"\\ud800"', "\x00", "\xff",
                             "\u2028", "\ufeff", "#", "---", "yes", "2026-02-30", "1e999", "NaN", "true"])


@examples_sweep(80, 400)
def test_fuzz_submission_reader(tmp_path, max_examples):
    """Any file: a Submission whose text is all writable, or one ExgenError line naming the file."""
    @settings(max_examples=max_examples, deadline=None)  # a closure over tmp_path: no fixture per example
    @given(parts=st.lists(FRAGMENTS, max_size=30), suffix=st.sampled_from(["yaml", "json"]))
    def check(parts, suffix):
        from exgen.errors import ExgenError
        from exgen.grading.submissions import read_submission_file
        from exgen.outputs import clean_text

        path = tmp_path / f"fuzz.{suffix}"
        path.write_bytes("".join(parts).encode("utf-8", "surrogatepass"))
        try:
            sub = read_submission_file(path)
        except ExgenError as err:
            assert "\n" not in str(err) and str(err).startswith(str(path)), str(err)
            return
        text = json.dumps(sub.answers, ensure_ascii=False)
        assert clean_text(text).encode("utf-8") and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)

    check()


def test_writers_take_any_text_from_a_key_built_by_the_api(tmp_path):
    """Names and ids that the CLI's readers refuse can still come from a key built in Python: every file
    is written, as clean UTF-8."""
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import build_student
    from exgen.grading.batch import grade_batch
    from exgen.grading.submissions import Submission
    from exgen.grading.writers import write_outputs
    from exgen.outputs import OutputDir
    from exgen.resources import builtin_banks

    bank = load_bank(builtin_banks()["dl-math-basics"])
    instances = build_student(bank, seed=1, student_id="x")
    weird = "a\x00b\ud800\x1b[2J\r\n=cmd()"
    key = {"bank": {"id": "b", "title": weird}, "students": {weird: {"name": weird, "exercises": instances}}}
    results = grade_batch(key, [Submission(weird, {"dot": {"a": weird}}, "api")])
    written = write_outputs(results, OutputDir(tmp_path), ["csv", "canvas", "json", "feedback", "report"])
    assert len(written) >= 5
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix != ".png":
            text = path.read_bytes().decode("utf-8")
            assert "\x00" not in text and "\x1b" not in text, path
