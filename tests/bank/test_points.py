"""Points per part: a total split into whole or half points that add up exactly, or each part's points as
the bank gives them (a list in part order or a mapping by part id), checked against the parts drawn."""

from __future__ import annotations

import pytest

from exgen.api import generate, resolve_bank
from exgen.bank.spec import load_bank
from exgen.build.pipeline import build_student
from exgen.errors import BankError
from exgen.types.base import split_points

HEAD = "bank: p1\ntitle: Points\nseed: 3\nexercises:\n"


def _bank(tmp_path, body: str):
    path = tmp_path / "b.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("total", [1, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10, 12, 20, 40, 99.5, 100])
@pytest.mark.parametrize("n", range(1, 14))
def test_a_split_adds_up_exactly_in_the_coarsest_unit(total, n):
    shares = split_points(total, [1.0] * n)
    assert len(shares) == n and abs(sum(shares) - total) < 1e-9 and min(shares) > 0
    if float(total).is_integer() and total >= n:
        unit = 1.0  # whole points whenever every part can have one
    elif float(2 * total).is_integer() and 2 * total >= n:
        unit = 0.5  # else halves
    else:  # more parts than halves: the coarsest of quarters, tenths, twentieths, hundredths that fits
        unit = next(u for u in (0.25, 0.1, 0.05, 0.01) if abs(total / u - round(total / u)) < 1e-9
                    and total / u >= n)
    assert all(abs(s / unit - round(s / unit)) < 1e-9 for s in shares), shares
    assert max(shares) - min(shares) <= unit + 1e-9  # as even as the unit allows
    if unit >= 0.5:
        assert sum(shares) == total  # halves add up exactly, even in floating point


def test_six_points_over_nine_parts_are_ones_and_halves():
    shares = split_points(6, [1.0] * 9)
    assert shares == [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5] and sum(shares) == 6


def test_a_split_follows_the_weights():
    assert split_points(8, [5, 1, 1, 1]) == [5, 1, 1, 1]
    assert split_points(12, [2, 1, 1]) == [6, 3, 3]
    assert split_points(0.3, [1, 1]) == [0.2, 0.1]  # a total in tenths is split in tenths


def test_points_given_per_part_are_printed_as_given(tmp_path):
    path = _bank(tmp_path, "  - id: dot\n    type: dot_product\n    points: [1, 2, 2]\n"
                           "  - id: mm\n    type: matmul\n    points: {a: 1, b: 1.5, c: 0.5, d: 1}\n"
                           "  - id: g\n    type: backprop_graph\n    points: 6\n")
    bank = resolve_bank(path)
    dot, mm, graph = build_student(bank, seed=3, student_id="s1")
    assert [p.points for p in dot.parts] == [1, 2, 2] and dot.points == 5
    assert {p.id: p.points for p in mm.parts} == {"a": 1, "b": 1.5, "c": 0.5, "d": 1} and mm.points == 4
    assert sum(p.points for p in graph.parts) == 6 and all((2 * p.points).is_integer() for p in graph.parts)
    generate(bank, students=1, formats="md", out=tmp_path / "out")
    sheet = (tmp_path / "out" / "md" / "student-001-worksheet.md").read_text(encoding="utf-8")
    assert "## Exercise 1. Dot product (5 points)" in sheet
    assert "*(1.5 pt)*" in sheet and "*(0.5 pt)*" in sheet and "0.67" not in sheet


@pytest.mark.parametrize("body,expected", [
    ("  - id: dot\n    type: dot_product\n    points: [1, 2]\n",
     "b.yaml:7: exercises[0].points: expected 3 numbers, one per part (a, b, c), got 2"),
    ("  - id: mm\n    type: matmul\n    points: {a: 1, b: 1, c: 1, z: 2}\n",
     "b.yaml:7: exercises[0].points: this exercise has no part z; its parts are a, b, c, d"),
    ("  - id: mm\n    type: matmul\n    points: {a: 1, b: 1}\n",
     "b.yaml:7: exercises[0].points: missing points for parts c, d"),
    ("  - id: g\n    type: backprop_graph\n    params: {family: [scalar]}\n    points: [1, 2, 3]\n",
     "b.yaml:8: exercises[0].points: this exercise has * parts depending on the draw; give a total "
     "(split over the parts) or points by part id"),
], ids=["list-length", "unknown-part", "missing-parts", "varying-parts"])
def test_points_that_do_not_fit_the_parts_are_located(tmp_path, body, expected):
    load_bank(_bank(tmp_path, body))  # the form is right; the parts are checked against drawn instances
    with pytest.raises(BankError) as info:
        resolve_bank(_bank(tmp_path, body))
    [got] = info.value.problems
    head, _, tail = expected.partition("*")
    assert got == expected if not tail else (got.startswith(head) and got.endswith(tail)), got


@pytest.mark.parametrize("points,expected", [
    ("[1, -2, x]", ["b.yaml:7: exercises[0].points[1]: expected a number in (0, 1000] with at most 2 decimals, "
                    "got -2",
                    "b.yaml:7: exercises[0].points[2]: expected a number in (0, 1000] with at most 2 decimals, "
                    "got 'x'"]),
    ("{a: 1, B: 2}", ["b.yaml:7: exercises[0].points.B: expected a part id like a or b, got 'B'"]),
    ("[]", ["b.yaml:7: exercises[0].points: expected 1 to 26 numbers, one per part, got 0"]),
    ("6.333", ["b.yaml:7: exercises[0].points: expected a number in (0, 1000] with at most 2 decimals, a list "
               "with one per part, or a mapping from part id to points, got 6.333"]),
    ("{a: true}", ["b.yaml:7: exercises[0].points.a: expected a number in (0, 1000] with at most 2 decimals, "
                   "got true"]),
])
def test_malformed_points_are_located(tmp_path, points, expected):
    with pytest.raises(BankError) as info:
        load_bank(_bank(tmp_path, f"  - id: dot\n    type: dot_product\n    points: {points}\n"))
    assert info.value.problems == expected


def test_validate_reports_points_that_do_not_fit(tmp_path, capsys):
    from exgen.cli import main

    path = _bank(tmp_path, "  - id: dot\n    type: dot_product\n    points: [1, 2]\n")
    with pytest.raises(SystemExit) as info:
        main(["validate", str(path)])
    assert info.value.code == 1
    assert "b.yaml:7: exercises[0].points: expected 3 numbers" in capsys.readouterr().err
