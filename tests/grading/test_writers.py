"""The grading outputs read back, at library level: the quick form of tests/grading/test_e2e.py and of the
hostile batches (tests/grading/test_robustness.py, test_hostile_batch.py), which run whole classes through
`exgen grade`.

A class of three on two exercises: grades.csv and the Canvas gradebook parse back to the graded points, a
name that looks like a spreadsheet formula stays text, each feedback file names every part with its verdict
and points, and a hostile student id becomes a safe file name and is shown as code.
"""

from __future__ import annotations

import csv
import io

import pytest

from exgen.answers import SCALAR, SHAPE
from exgen.grading.batch import grade_batch
from exgen.grading.submissions import Submission
from exgen.grading.writers import feedback_files, safe_file_stem, write_outputs
from exgen.instance import Instance, Part, WrongAnswer
from exgen.outputs import OutputDir

HOSTILE_ID = "a/b \\$&%#_{}~^ ../x"
FORMULA = "=cmd|' /C calc'!A0"
NAMES = {"s1": "Ada", "s2": FORMULA, HOSTILE_ID: "Name <3> *3* $x$"}
#: student -> (dot points, mm points): what the answers below earn
EXPECTED = {"s1": (2.0, 1.0), "s2": (1.0, 0.0), HOSTILE_ID: (1.0, 0.0)}


def instances() -> list[Instance]:
    dot = Instance(exercise_id="dot", type="dot_product", title="Dot product", points=2, given={}, parts=(
        Part(id="a", kind=SCALAR, prompt="a . b", answer=3, points=1,
             wrong_answers=(WrongAnswer(-3, "sign-error", "Check the signs."),)),
        Part(id="b", kind=SCALAR, prompt="cosine", answer=0.5, points=1, tolerance={"abs": 0.005}),
    ))
    mm = Instance(exercise_id="mm", type="matmul", title="Shapes", points=1, given={}, parts=(
        Part(id="a", kind=SHAPE, prompt="shape", answer=[2, 3], points=1),))
    return [dot, mm]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("graded")
    key = {"bank": {"id": "week3", "title": "Week 3"},
           "students": {sid: {"name": name, "exercises": instances()} for sid, name in NAMES.items()}}
    subs = [Submission("s1", {"dot": {"a": "3", "b": "0.5"}, "mm": {"a": "(2, 3)"}}, "s1.yaml"),
            Submission("s2", {"dot": {"a": "-3", "b": "0.501"}, "mm": {"a": "oops ?"}}, "s2.yaml"),
            Submission(HOSTILE_ID, {"dot": {"a": "3"}}, "hostile.yaml")]
    results = grade_batch(key, subs)
    files = write_outputs(results, OutputDir(out), ["csv", "canvas", "json", "feedback"])
    return out, results, files


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_every_file_is_inside_out_with_a_safe_name(written):
    out, results, _files = written
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    feedback = feedback_files(results)
    assert names == sorted(["grades.csv", "canvas.csv", "results.json", *feedback.values()])
    stem = safe_file_stem(HOSTILE_ID)
    assert feedback[HOSTILE_ID] == f"feedback/{stem}.md" and "/" not in stem and ".." not in stem
    assert safe_file_stem("s1") == "s1"


def test_grades_csv_parses_back_and_a_formula_stays_text(written):
    out, _results, _files = written
    table = rows((out / "grades.csv").read_text(encoding="utf-8"))
    assert table[0] == ["id", "name", "dot", "mm", "total", "max"]
    by_id = {r[0]: r for r in table[1:]}
    assert set(by_id) == set(NAMES)
    for sid, (dot, mm) in EXPECTED.items():
        row = by_id[sid]
        assert [float(x) for x in row[2:]] == [dot, mm, dot + mm, 3.0], sid
    assert by_id["s2"][1] == "'" + FORMULA and by_id["s1"][1] == "Ada"


def test_canvas_gradebook_parses_back(written):
    out, _results, _files = written
    table = rows((out / "canvas.csv").read_text(encoding="utf-8"))
    assert table[0] == ["Student", "ID", "Section", "Week 3"]
    assert table[1][:3] == ["Points Possible", "", ""] and float(table[1][3]) == 3.0
    body = {r[1]: r for r in table[2:]}
    assert set(body) == set(NAMES)
    for sid, (dot, mm) in EXPECTED.items():
        assert float(body[sid][3]) == dot + mm
    assert body["s2"][0] == "'" + FORMULA


def test_feedback_names_every_part_with_its_verdict_and_points(written):
    out, results, _files = written
    paths = feedback_files(results)
    expected = {
        "s1": ["### dot.a: correct (1 / 1)", "### dot.b: correct (1 / 1)", "### mm.a: correct (1 / 1)"],
        "s2": ["### dot.a: incorrect (0 / 1)", "### dot.b: correct (1 / 1)",
               "### mm.a: invalid (could not be read) (0 / 1)"],
        HOSTILE_ID: ["### dot.a: correct (1 / 1)", "### dot.b: missing (0 / 1)", "### mm.a: missing (0 / 1)"],
    }
    for sid, headings in expected.items():
        lines = (out / paths[sid]).read_text(encoding="utf-8").splitlines()
        total = sum(EXPECTED[sid])
        assert f"Total: **{total:g} / 3**" in lines, sid
        assert [line for line in lines if line.startswith("### ")] == headings, sid
    s2 = (out / paths["s2"]).read_text(encoding="utf-8")
    assert "Check the signs." in s2  # the known mistake's feedback
    hostile = (out / paths[HOSTILE_ID]).read_text(encoding="utf-8")
    assert f"`{HOSTILE_ID}`" in hostile  # as code, where nothing is interpreted
    assert "Name \\<3\\> \\*3\\* \\$x\\$" in hostile
