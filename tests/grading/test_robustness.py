"""A hostile batch: every bad item is reported on one line, the others are graded, nothing escapes --out.

The CLI runs in a subprocess (as a TA would run it), so a traceback anywhere would show in its output.
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
HOSTILE_ID = "a/b \\$&%#_{}~^ ../x"
ESCAPE_ID = "../../etc/x"
GOOD = ["s001", "s002", "s003", HOSTILE_ID, ESCAPE_ID]


def typed_answers(instances) -> dict:
    return {f"{i.exercise_id}.{p.id}": get_kind(p.kind).typed(p.answer, p) for i in instances for p in i.parts}


def snapshot(root: Path, skip: Path) -> dict:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")
            if p.is_file() and skip not in p.parents}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    from exgen.bank.spec import load_bank
    from exgen.build.keyfile import build_key, dumps
    from exgen.build.pipeline import bank_info, build_student
    from exgen.resources import builtin_banks

    tmp = tmp_path_factory.mktemp("hostile")
    bank = load_bank(builtin_banks()["dl-math-basics"])
    students = [({"id": sid, "name": f"Name <{n}> *{n}* $x$"}, build_student(bank, seed=bank.seed, student_id=sid))
                for n, sid in enumerate(GOOD + ["s004"])]
    (tmp / "key.json").write_text(dumps(build_key(bank=bank_info(bank), seed=bank.seed, students=students)),
                                  encoding="utf-8")
    answers = {s["id"]: typed_answers(insts) for s, insts in students}

    work = tmp / "work" / "a" / "b"   # the TA's current folder
    work.mkdir(parents=True)
    subs = tmp / "subs"
    subs.mkdir()
    bad: dict[str, str] = {}          # file name -> a word its one-line message must contain

    def put(name: str, doc) -> None:
        (subs / name).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")

    put("good-s001.yaml", {"student": "s001", "answers": answers["s001"]})
    (subs / "good-s002.json").write_text(json.dumps({"student": "s002", "answers": answers["s002"]}), encoding="utf-8")
    put("hostile-id.yaml", {"student": HOSTILE_ID, "answers": answers[HOSTILE_ID]})
    put("escape-id.yaml", {"student": ESCAPE_ID, "answers": answers[ESCAPE_ID]})
    # s003 answers one part with 10,000 nested brackets (as text): that part is invalid, the rest graded
    deep_text = dict(answers["s003"])
    first = next(iter(deep_text))
    deep_text[first] = "[" * 10_000 + "1" + "]" * 10_000
    put("deep-text.yaml", {"student": "s003", "answers": deep_text})

    (subs / "corrupt.yaml").write_text("student: s004\nanswers: {dot.a: [1, 2\n  : - ]]\n", encoding="utf-8")
    bad["corrupt.yaml"] = "YAML"
    (subs / "junk.bin").write_bytes(bytes(range(256)) * 64)
    bad["junk.bin"] = "binary"
    (subs / "latin1.yaml").write_bytes("student: s004\nanswers: {dot.a: caf\xe9}\n".encode("latin-1"))
    bad["latin1.yaml"] = "UTF-8"
    with (subs / "huge.yaml").open("wb") as handle:  # 50 MB (sparse): refused before reading
        handle.truncate(50 * 1024 * 1024)
    bad["huge.yaml"] = "too large"
    (subs / "deep.json").write_text('{"student": "s004", "answers": {"dot.a": ' + "[" * 10_000 + "]" * 10_000 + "}}",
                                    encoding="utf-8")
    bad["deep.json"] = "nested"
    (subs / "deep.yaml").write_text("student: s004\nanswers: {dot.a: " + "[" * 10_000 + "]" * 10_000 + "}\n",
                                    encoding="utf-8")
    bad["deep.yaml"] = "nested"
    laughs = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    (subs / "laughs.yaml").write_text("student: s004\nanswers:\n  " + "\n  ".join(laughs) + "\n", encoding="utf-8")
    bad["laughs.yaml"] = "alias"
    put("unknown-student.yaml", {"student": "nobody", "answers": {"dot.a": "1"}})
    bad["unknown-student.yaml"] = "not in the answer key"
    put("zz-duplicate.yaml", {"student": "s001", "answers": {"dot.a": "1"}})
    bad["zz-duplicate.yaml"] = "duplicate"
    put("no-student.yaml", {"answers": {"dot.a": "1"}})
    bad["no-student.yaml"] = "student"
    put("not-a-mapping.yaml", ["just", "a", "list"])
    bad["not-a-mapping.yaml"] = "expected"
    (subs / "empty.yaml").write_text("", encoding="utf-8")
    bad["empty.yaml"] = "expected"
    # the path ../../etc/x (relative to the TA's folder) is a submission file outside it: read, not written
    (tmp / "work" / "etc").mkdir()
    (tmp / "work" / "etc" / "x").write_text(yaml.safe_dump({"student": "s004", "answers": answers["s004"]}),
                                            encoding="utf-8")
    out = tmp / "work" / "a" / "b" / "out"
    before = snapshot(tmp, out)
    proc = subprocess.run([sys.executable, "-m", "exgen", "grade", "--key", str(tmp / "key.json"), str(subs),
                           "../../etc/x", str(subs / "missing.yaml"), "--out", "out", "--jobs", "2"],
                          cwd=work, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return {"tmp": tmp, "out": out, "proc": proc, "bad": bad, "before": before, "answers": answers}


@pytest.mark.integration
def test_exit_1_and_no_traceback(batch):
    proc = batch["proc"]
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "Graded 6 submission(s)" in proc.stdout


@pytest.mark.integration
def test_each_bad_item_is_one_line(batch):
    lines = batch["proc"].stderr.splitlines()
    assert all(line.startswith(("error: ", "warning: ")) for line in lines), lines
    for name, word in batch["bad"].items():
        mine = [line for line in lines if f"{name}" in line]
        assert len(mine) == 1, (name, mine)
        assert word.lower() in mine[0].lower(), (name, mine[0])
    assert sum("missing.yaml" in line and "no such file" in line for line in lines) == 1
    assert len(lines) == len(batch["bad"]) + 1


@pytest.mark.integration
def test_all_good_submissions_graded(batch):
    doc = json.loads((batch["out"] / "results.json").read_text(encoding="utf-8"))
    graded = {s["id"]: s for s in doc["students"]}
    assert sorted(graded) == sorted(GOOD + ["s004"])
    for sid, student in graded.items():
        verdicts = [p["verdict"] for e in student["exercises"] for p in e["parts"]]
        if sid == "s003":
            assert verdicts.count("invalid") == 1 and verdicts.count("correct") == len(verdicts) - 1
        else:
            assert set(verdicts) == {"correct"}, sid
            assert student["total"] == student["max_points"]
    assert doc["summary"]["errors"] == len(batch["bad"]) + 1


@pytest.mark.integration
def test_nothing_written_outside_out(batch):
    out = batch["out"]
    assert snapshot(batch["tmp"], out) == batch["before"]
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    feedback = [f for f in files if f.startswith("feedback/")]
    assert len(feedback) == 6 and all(f.count("/") == 1 and ".." not in f for f in feedback)
    assert {"grades.csv", "canvas.csv", "results.json", "report.md"} <= set(files)
    assert not any(name.startswith(".") for name in files)  # no temporary files left


@pytest.mark.integration
def test_hostile_ids_are_escaped_in_markdown(batch):
    from exgen.grading.writers import safe_file_stem

    stem = safe_file_stem(HOSTILE_ID)
    assert "/" not in stem and "\\" not in stem
    text = (batch["out"] / "feedback" / f"{stem}.md").read_text(encoding="utf-8")
    assert f"`{HOSTILE_ID}`" in text  # as code, where nothing is interpreted
    assert "Name \\<3\\> \\*3\\* \\$x\\$" in text


# -- library level: the grader never raises on any answer value --------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.conftest import examples_sweep  # noqa: E402

LEAF = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
                 st.text(max_size=40), st.sampled_from(["[[1, 2], [3, 4]]", "(2, 3)", "3/0", "1e999", "x^2",
                                                        "[" * 50, "yes", "sigma(z)"]))
ANSWER = st.recursive(LEAF, lambda inner: st.lists(inner, max_size=4), max_leaves=12)


@pytest.fixture(scope="module")
def instances():
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import build_student
    from exgen.resources import builtin_banks

    bank = load_bank(builtin_banks()["dl-math-basics"])
    return build_student(bank, seed=bank.seed, student_id="fuzz")


@examples_sweep(10, 40)
def test_any_answer_values_are_graded(instances, max_examples):
    @settings(max_examples=max_examples, deadline=None)
    @given(data=st.data())
    def check(data):
        from exgen.grading.batch import grade_submission
        from exgen.grading.submissions import Submission

        answers = {i.exercise_id: {p.id: data.draw(ANSWER) for p in i.parts} for i in instances}
        result, problems = grade_submission("n", instances, Submission("fuzz", answers, "f"))
        assert [p for p in problems if p.level == "error"] == []
        for ex in result.exercises:
            assert 0 <= ex.points <= ex.max_points
            for part in ex.parts:
                assert part.verdict in ("correct", "partial", "incorrect", "invalid", "missing")
                assert 0 <= part.points <= part.max_points and part.feedback

    check()


def test_whole_answers_unknown_parts_and_internal_errors(instances, monkeypatch):
    from exgen.answers import get_kind
    from exgen.grading.batch import grade_submission
    from exgen.grading.submissions import WHOLE, Submission
    from exgen.instance import replace

    multi = instances[0]
    single = replace(multi, exercise_id="single", parts=multi.parts[:1])
    part = single.parts[0]
    typed = get_kind(part.kind).typed(part.answer, part)
    sub = Submission("s", {"single": {WHOLE: typed}, multi.exercise_id: {WHOLE: "1", "zz": "2"},
                           "nope": {"a": "1"}}, "s.yaml")
    result, problems = grade_submission("n", [single, multi], sub)
    assert result.exercises[0].parts[0].verdict == "correct"
    assert {p.verdict for p in result.exercises[1].parts} == {"missing"}
    messages = [p.message for p in problems]
    assert [p.level for p in problems] == ["warning"] * 3
    assert any("unknown exercise id 'nope'" in m for m in messages)
    assert any(f"answer to {multi.exercise_id!r} as a whole" in m for m in messages)
    assert any(f"unknown part {multi.exercise_id}.zz" in m for m in messages)

    kind = get_kind(part.kind)
    monkeypatch.setattr(type(kind), "parse", lambda self, raw, p: 1 / 0)
    result, problems = grade_submission("n", [single], Submission("s", {"single": {part.id: typed}}, "s.yaml"))
    assert [p.level for p in problems] == ["error"] and "ZeroDivisionError" in problems[0].message
    assert result.exercises[0].parts[0].verdict == "invalid" and result.total == 0


@pytest.mark.parametrize("fork", [True, False])
def test_jobs_give_identical_results(instances, monkeypatch, fork):
    """--jobs N with forked workers (the key inherited) or without fork (instances pickled) equals --jobs 1."""
    import multiprocessing

    from exgen.grading.batch import grade_batch
    from exgen.grading.submissions import Submission

    students = {f"s{i}": {"name": f"N{i}", "exercises": instances} for i in range(7)}
    key = {"bank": {"id": "b", "title": "t"}, "students": students}
    subs = [Submission(sid, {i.exercise_id: {p.id: "1" for p in i.parts[: n % 3]} for i in instances}, sid)
            for n, sid in enumerate(reversed(list(students)))]
    if not fork:
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    ticks = []
    one = grade_batch(key, subs, jobs=1)
    many = grade_batch(key, subs, jobs=3, progress=ticks.append)
    assert many.to_dict() == one.to_dict() and sum(ticks) == len(subs)
    assert [s.id for s in one.students] == list(students)  # key order, whatever the input order


def test_report_without_matplotlib(instances, monkeypatch, tmp_path):
    """Without matplotlib, report.md says the charts were skipped and no PNG is written."""
    import builtins

    from exgen.grading.batch import grade_batch
    from exgen.grading.submissions import Submission
    from exgen.grading.writers import write_outputs
    from exgen.outputs import OutputDir

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    key = {"bank": {"id": "b", "title": "t"}, "students": {"s1": {"name": "N", "exercises": instances}}}
    results = grade_batch(key, [Submission("s1", {}, "s1.yaml")])
    written = write_outputs(results, OutputDir(tmp_path), ["report"])
    assert written == ["misconceptions.md", "report.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["misconceptions.md", "report.md"]
    assert "Charts skipped: matplotlib is not installed" in (tmp_path / "report.md").read_text(encoding="utf-8")
