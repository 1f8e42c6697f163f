"""End to end: generate for a 30-student roster, synthesize submissions from the key, grade, check it all.

The expected verdict, points and feedback of every part are computed here from the key alone (the
answers, the known wrong answers with their feedback and credit, the kinds' expected forms), not by
calling the grader; the gradebooks are parsed back and compared with those expectations.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml

from exgen.answers import get_kind
from exgen.cli import cli
from exgen.errors import ExgenError
from exgen.instance import Instance, thaw
from exgen.resources import builtin_banks

N_STUDENTS = 30
CORRECT = [f"s{i:03d}" for i in range(1, 6)]          # s001-s005 (s004: within tolerance, s005: partial matrix)
MISTAKES = [f"s{i:03d}" for i in range(6, 16)]        # known mistakes, cycling through each part's list
GARBAGE = [f"s{i:03d}" for i in range(16, 19)]        # unreadable text for every part
MISSING = [f"s{i:03d}" for i in range(19, 22)]        # only the first part of each exercise answered
CSV_CLASS = [f"s{i:03d}" for i in range(22, 29)]      # one class CSV (s028: one answer only)
UNSUBMITTED = ["s029", "s030"]
REVEAL_EXERCISE = "dot"
TOLERANCE_EXERCISE = "dot"
GARBAGE_TEXT = "@#?! {}"
VERDICT_WORDS = {"correct": "correct", "partial": "partially correct", "incorrect": "incorrect",
                 "invalid": "invalid (could not be read)", "missing": "missing"}


def r6(x: float) -> float:
    return round(float(x), 6) + 0.0


def fmt(x: float) -> str:
    return f"{round(float(x), 4):.4f}".rstrip("0").rstrip(".")


def typed(part, value=None, kind=None) -> str:
    return get_kind(kind or part.kind).typed(part.answer if value is None else value, part)


def reveal(inst: Instance, part, verdict: str, feedback: str) -> str:
    if inst.grading.get("reveal_answer") and verdict != "correct":
        return f"{feedback} The correct answer is {get_kind(part.kind).display(part.answer, part)}."
    return feedback


def stated(part, verdict: str, feedback: str) -> str:
    """A wrong number's feedback ends with the part's precision sentence (the worksheet's words)."""
    from exgen.answers.precision import precision_sentence

    if verdict in ("incorrect", "partial") and get_kind(part.kind).honours_tolerance:
        return f"{feedback} {precision_sentence(part.tolerance)}"
    return feedback


def pairs(inst: Instance) -> list:
    return [(part, wrong) for part in inst.parts for wrong in part.wrong_answers]


def exercise_points(instances, by_ex: dict, ex_id: str) -> float:
    """The exercise's points times the fraction of its parts' points the plan expects."""
    inst = next(i for i in instances if i.exercise_id == ex_id)
    earned = sum(exp[1] for _raw, exp in by_ex[ex_id].values())
    return r6(inst.points * earned / sum(p.points for p in inst.parts))


def has_ecf(inst: Instance) -> bool:
    return any(part.options.get("ecf") for part in inst.parts)


def matrix_part(inst: Instance):
    """A matrix part with at least two entries (for partial credit), or None."""
    for part in inst.parts:
        if part.kind == "matrix":
            flat = [x for row in part.answer for x in (row if isinstance(row, (list, tuple)) else [row])]
            if len(flat) >= 2:
                return part
    return None


def plan(sid: str, inst: Instance) -> dict:
    """Return {part id: (raw answer or None, expected (verdict, points, feedback or regex, tag))}."""
    out = {}
    index = MISTAKES.index(sid) if sid in MISTAKES else None
    chosen = pairs(inst)[index % len(pairs(inst))] if index is not None and pairs(inst) else None
    if index is not None and not has_ecf(inst):  # every part with known mistakes gets one
        wrong_of = {p.id: p.wrong_answers[index % len(p.wrong_answers)] for p in inst.parts if p.wrong_answers}
    elif chosen is not None:  # error carried forward: one wrong part, so no error is carried
        wrong_of = {chosen[0].id: chosen[1]}
    else:
        wrong_of = {}
    partial = matrix_part(inst) if sid == "s005" else None
    for n, part in enumerate(inst.parts):
        correct = (typed(part), ("correct", part.points, "Correct.", None))
        if sid in CORRECT or sid in CSV_CLASS[:-1]:
            out[part.id] = correct
            if sid == "s003" and part.kind in ("scalar", "matrix", "shape"):  # JSON numbers and lists
                out[part.id] = (thaw(part.answer), correct[1])
            if (sid == "s004" and inst.exercise_id == TOLERANCE_EXERCISE and part.kind == "scalar"):
                out[part.id] = (repr(float(part.answer) + 0.004), correct[1])
            if part is partial:
                rows = [list(r) if isinstance(r, (list, tuple)) else r for r in thaw(part.answer)]
                total = sum(len(r) if isinstance(r, list) else 1 for r in rows)
                if isinstance(rows[0], list):
                    rows[0][0] += 1000
                else:
                    rows[0] += 1000
                points = r6(part.points * (total - 1) / total)
                out[part.id] = (typed(part, rows),
                                ("partial", points, re.compile(rf"1 of {total} entries is wrong"), None))
        elif sid in MISTAKES:
            out[part.id] = correct
            if part.id in wrong_of:
                wrong = wrong_of[part.id]
                points = r6(part.points * wrong.credit)
                verdict = "partial" if points > 0 else "incorrect"
                out[part.id] = (typed(part, wrong.value, wrong.kind),
                                (verdict, points, reveal(inst, part, verdict, stated(part, verdict, wrong.feedback)),
                                 wrong.tag))
        elif sid in GARBAGE:
            form = get_kind(part.kind).expected_form(part)
            pattern = re.escape(reveal(inst, part, "invalid", f"Expected {form}."))
            out[part.id] = (GARBAGE_TEXT, ("invalid", 0.0, re.compile(rf"^Could not read the answer: .*{pattern}$"),
                                           None))
        elif sid in MISSING or sid == CSV_CLASS[-1]:
            answered = n == 0
            out[part.id] = correct if answered else (None, ("missing", 0.0,
                                                            reveal(inst, part, "missing", "No answer given."), None))
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from click.testing import CliRunner

    tmp = tmp_path_factory.mktemp("e2e")
    bank = yaml.safe_load(builtin_banks()["dl-math-basics"].read_text(encoding="utf-8"))
    bank["grading"] = {"partial_credit": True}
    for ex in bank["exercises"]:
        if ex["id"] == REVEAL_EXERCISE:
            ex["grading"] = {"reveal_answer": True, "tolerance": {"abs": 0.01}}
    (tmp / "bank.yaml").write_text(yaml.safe_dump(bank, sort_keys=False), encoding="utf-8")
    names = {f"s{i:03d}": f"Student {i}" for i in range(1, N_STUDENTS + 1)}
    names["s002"] = "Zoë O'Brien, Jr."
    names["s022"] = "=cmd|' /C calc'!A0"  # a formula-looking name must not become a formula
    with (tmp / "roster.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name"])
        writer.writerows(names.items())
    runner = CliRunner()
    gen = runner.invoke(cli, ["generate", str(tmp / "bank.yaml"), "--roster", str(tmp / "roster.csv"),
                              "--format", "md", "--out", str(tmp / "gen")])
    assert gen.exit_code == 0, gen.output
    key_doc = json.loads((tmp / "gen" / "answer_key.json").read_text(encoding="utf-8"))
    key = {s["id"]: [Instance.from_dict(e) for e in s["exercises"]] for s in key_doc["students"]}
    plans = {sid: {inst.exercise_id: plan(sid, inst) for inst in insts}
             for sid, insts in key.items() if sid not in UNSUBMITTED}

    subs = tmp / "subs"
    subs.mkdir()
    for sid, by_ex in plans.items():
        if sid in CSV_CLASS:
            continue
        if sid == "s002":  # grouped by exercise
            answers = {ex: {p: raw for p, (raw, _) in parts.items() if raw is not None} for ex, parts in by_ex.items()}
        else:  # dotted ids
            answers = {f"{ex}.{p}": raw for ex, parts in by_ex.items() for p, (raw, _) in parts.items()
                       if raw is not None}
        doc = {"student": sid, "answers": answers}
        if sid == "s003":
            (subs / f"{sid}.json").write_text(json.dumps(doc), encoding="utf-8")
        else:
            (subs / f"{sid}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    columns = list(dict.fromkeys(f"{i.exercise_id}.{p.id}" for sid in CSV_CLASS for i in key[sid] for p in i.parts))
    with (tmp / "class.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "name"] + columns)
        for sid in CSV_CLASS:
            cells = {f"{ex}.{p}": raw for ex, parts in plans[sid].items() for p, (raw, _) in parts.items()}
            writer.writerow([sid, names[sid]] + [cells.get(c) if cells.get(c) is not None else "" for c in columns])

    graded = runner.invoke(cli, ["grade", "--key", str(tmp / "gen" / "answer_key.json"), str(subs),
                                 str(tmp / "class.csv"), "--out", str(tmp / "out")])
    return {"tmp": tmp, "key": key, "key_doc": key_doc, "plans": plans, "names": names, "result": graded,
            "runner": runner}


@pytest.mark.integration
def test_exit_and_summary(run):
    result = run["result"]
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert result.stderr == ""  # no problems at all
    assert f"Graded {N_STUDENTS - len(UNSUBMITTED)} submission(s)" in result.stdout
    assert f"{len(UNSUBMITTED)} student(s) in the key have no submission." in result.stdout


@pytest.mark.integration
def test_results_json_every_part(run):
    from jsonschema import Draft202012Validator

    doc = json.loads((run["tmp"] / "out" / "results.json").read_text(encoding="utf-8"))
    schema = json.loads((Path(__file__).parents[2] / "docs" / "results.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema).validate(doc)
    assert doc["format"] == "exgen-results/1"
    assert doc["unsubmitted"] == UNSUBMITTED and doc["problems"] == []
    by_id = {s["id"]: s for s in doc["students"]}
    assert list(by_id) == [sid for sid in run["key"] if sid not in UNSUBMITTED]  # key order
    checked = 0
    for sid, by_ex in run["plans"].items():
        student = by_id[sid]
        assert student["name"] == run["names"][sid]
        for ex in student["exercises"]:
            for part in ex["parts"]:
                raw, (verdict, points, feedback, tag) = by_ex[ex["id"]][part["id"]]
                where = (sid, ex["id"], part["id"], raw)
                assert part["verdict"] == verdict, (where, part)
                assert part["points"] == pytest.approx(r6(points), abs=1e-9), (where, part)
                if isinstance(feedback, re.Pattern):
                    assert feedback.search(part["feedback"]), (where, part["feedback"])
                else:
                    assert part["feedback"] == feedback, where
                if tag is not None:
                    assert part["tag"] == tag, where
                checked += 1
            assert ex["points"] == pytest.approx(exercise_points(run["key"][sid], by_ex, ex["id"]), abs=1e-6)
        expected_total = sum(exercise_points(run["key"][sid], by_ex, ex) for ex in by_ex)
        assert student["total"] == pytest.approx(expected_total, abs=1e-5)
        assert student["max_points"] == sum(i.points for i in run["key"][sid])
    assert checked == sum(len(i.parts) for sid in run["plans"] for i in run["key"][sid])


@pytest.mark.integration
def test_every_known_mistake_was_exercised(run):
    """Every known mistake of every part (of exercises without error carried forward) was submitted by some
    mistake student and graded with its misconception tag; every verdict occurs."""
    doc = json.loads((run["tmp"] / "out" / "results.json").read_text(encoding="utf-8"))
    seen = {(s["id"], e["id"], p["id"], p["tag"]) for s in doc["students"] if s["id"] in MISTAKES
            for e in s["exercises"] for p in e["parts"] if p["tag"]}
    for sid in MISTAKES:
        for inst in run["key"][sid]:
            if has_ecf(inst):
                assert sum(1 for k in seen if k[:2] == (sid, inst.exercise_id)) == 1
                continue
            for part in inst.parts:
                if part.wrong_answers:
                    tag = part.wrong_answers[MISTAKES.index(sid) % len(part.wrong_answers)].tag
                    assert (sid, inst.exercise_id, part.id, tag) in seen, (sid, inst.exercise_id, part.id)
    for inst in run["key"][MISTAKES[0]]:
        if not has_ecf(inst):
            for part in inst.parts:
                if 0 < len(part.wrong_answers) <= len(MISTAKES):
                    used = {MISTAKES.index(sid) % len(part.wrong_answers) for sid in MISTAKES}
                    assert used == set(range(len(part.wrong_answers)))
    verdicts = {p["verdict"] for s in doc["students"] for e in s["exercises"] for p in e["parts"]}
    assert verdicts == {"correct", "partial", "incorrect", "invalid", "missing"}


@pytest.mark.integration
def test_grades_and_canvas_csv_parse_back(run):
    out = run["tmp"] / "out"
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    exercises = [i.exercise_id for i in run["key"]["s001"]]
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["id", "name"] + exercises + ["total", "max"]
    expected = {}
    for sid, by_ex in run["plans"].items():
        per_ex = {ex: exercise_points(run["key"][sid], by_ex, ex) for ex in by_ex}
        expected[sid] = (per_ex, sum(per_ex.values()), sum(i.points for i in run["key"][sid]))
    assert [r["id"] for r in rows] == [s["id"] for s in doc["students"]]
    for row in rows:
        per_ex, total, top = expected[row["id"]]
        for ex in exercises:
            assert float(row[ex]) == pytest.approx(per_ex[ex], abs=1e-4), (row["id"], ex)
        assert float(row["total"]) == pytest.approx(total, abs=1e-4)
        assert float(row["max"]) == pytest.approx(top, abs=1e-4)
    assert next(r for r in rows if r["id"] == "s022")["name"] == "'" + run["names"]["s022"]

    with (out / "canvas.csv").open(newline="", encoding="utf-8") as handle:
        canvas = list(csv.reader(handle))
    title = run["key_doc"]["bank"]["title"]
    assert canvas[0] == ["Student", "ID", "Section", title]
    assert canvas[1][0] == "Points Possible" and canvas[1][1:3] == ["", ""]
    assert float(canvas[1][3]) == pytest.approx(expected["s001"][2])
    body = {row[1]: row for row in canvas[2:]}
    assert list(body) == [r["id"] for r in rows]
    for sid, row in body.items():
        name = run["names"][sid]
        assert row[0] == ("'" + name if name.startswith("=") else name)
        assert float(row[3]) == pytest.approx(expected[sid][1], abs=1e-4)


@pytest.mark.integration
def test_feedback_files_every_line(run):
    out = run["tmp"] / "out" / "feedback"
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(f"{sid}.md" for sid in run["plans"])
    for sid, by_ex in run["plans"].items():
        text = (out / f"{sid}.md").read_text(encoding="utf-8")
        lines = text.splitlines()
        total = round(sum(exercise_points(run["key"][sid], by_ex, ex) for ex in by_ex), 6)
        top = sum(i.points for i in run["key"][sid])
        assert f"Total: **{fmt(total)} / {fmt(top)}**" in lines
        pos = 0
        for inst in run["key"][sid]:
            for part in inst.parts:
                raw, (verdict, points, feedback, _tag) = by_ex[inst.exercise_id][part.id]
                heading = (f"### {inst.exercise_id}.{part.id}: {VERDICT_WORDS[verdict]} "
                           f"({fmt(points)} / {fmt(part.points)})")
                pos = lines.index(heading, pos)
                block = lines[pos + 1: pos + 6]
                has_answer = any(line.startswith("Your answer: ") for line in block[:2])
                assert has_answer == (raw is not None), (sid, heading, block)
                body = block[3] if has_answer else block[1]
                if isinstance(feedback, re.Pattern):
                    assert feedback.search(body), (sid, heading, body)
                else:
                    assert body == feedback, (sid, heading)


@pytest.mark.integration
def test_report_means_and_misconceptions(run):
    report = (run["tmp"] / "out" / "report.md").read_text(encoding="utf-8")
    n = len(run["plans"])
    for inst in run["key"]["s001"]:
        ex = inst.exercise_id
        mean = sum(exercise_points(run["key"][sid], run["plans"][sid], ex) for sid in run["plans"]) / n
        assert f"| {ex} | {inst.title} | {fmt(mean)} | {fmt(inst.points)} |" in report, ex
        for part in inst.parts:
            verdicts = [run["plans"][sid][ex][part.id][1][0] for sid in run["plans"] if part.id in run["plans"][sid][ex]]
            counts = " | ".join(str(verdicts.count(v)) for v in ("correct", "partial", "incorrect", "invalid", "missing"))
            assert f"| {part.id} | {counts} |" in report, (ex, part.id)
    tags = {exp[3] for sid in MISTAKES for by_part in run["plans"][sid].values()
            for _raw, exp in by_part.values() if exp[3]}
    for tag in tags:
        assert f"`{tag}`" in report
    import matplotlib  # noqa: F401  (the charts need it; it is in the test extra)
    for png in ("totals.png", "exercises.png"):
        data = (run["tmp"] / "out" / png).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000


@pytest.mark.integration
def test_jobs_2_and_rerun_are_byte_identical(run):
    tmp = run["tmp"]
    again = run["runner"].invoke(cli, ["grade", "--key", str(tmp / "gen"), str(tmp / "subs"), str(tmp / "class.csv"),
                                       "--out", str(tmp / "out2"), "--jobs", "2"])
    assert again.exit_code == 0, again.output
    first = {p.relative_to(tmp / "out"): p.read_bytes() for p in (tmp / "out").rglob("*") if p.is_file()}
    second = {p.relative_to(tmp / "out2"): p.read_bytes() for p in (tmp / "out2").rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name
    refused = run["runner"].invoke(cli, ["grade", "--key", str(tmp / "gen"), str(tmp / "subs"), "--out",
                                         str(tmp / "out2")])
    assert isinstance(refused.exception, ExgenError) and "--force" in str(refused.exception)  # files kept


def test_every_family_key_answer_scores_full_marks(tmp_path):
    """For every exercise of dl-math-basics, the key typed as a student would (through a YAML file and a
    class CSV) scores full marks, for several students."""
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import build_student
    from exgen.grading.batch import grade_submission
    from exgen.grading.submissions import read_class_csv, read_submission_file

    bank = load_bank(builtin_banks()["dl-math-basics"])
    types = set()
    for n in range(8):
        sid = f"s{n:03d}"
        instances = build_student(bank, seed=bank.seed + n, student_id=sid)
        answers = {f"{i.exercise_id}.{p.id}": typed(p) for i in instances for p in i.parts}
        path = tmp_path / f"{sid}.yaml"
        path.write_text(yaml.safe_dump({"student": sid, "answers": answers}), encoding="utf-8")
        buf = io.StringIO()
        csv.writer(buf).writerows([["student"] + list(answers), [sid] + list(answers.values())])
        (tmp_path / f"{sid}.csv").write_text(buf.getvalue(), encoding="utf-8")
        csv_subs, problems = read_class_csv(tmp_path / f"{sid}.csv")
        assert problems == [] and len(csv_subs) == 1
        for sub in (read_submission_file(path), csv_subs[0]):
            result, found = grade_submission("x", instances, sub)
            assert found == []
            for ex in result.exercises:
                types.add(next(i.type for i in instances if i.exercise_id == ex.id))
                for part in ex.parts:
                    assert part.verdict == "correct" and part.points == part.max_points, (sid, ex.id, part)
            assert result.total == result.max_points == sum(i.points for i in instances)
    assert types == {e.type for e in bank.exercises}
