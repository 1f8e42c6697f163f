"""Grading results: the direct serialiser of a student's results.json entry writes what the general one does.

Workers serialise every graded student's entry with ``entry_json`` (built field by field); results.json must
stay the text ``json_item(result.to_dict())`` gives, byte for byte, for any text a student or a key holds.
"""

from __future__ import annotations

import json
import math

import pytest

from exgen.build.keyfile import json_item
from exgen.grading.results import ExerciseResult, PartResult, StudentResult, entry_json

ODD_TEXT = ["", "plain", 'quote " and \\ backslash', "line\nbreak\ttab", "\u00e9\u00e8 \ud55c\uae00 \u2212", "\x00\x1f",
            "</script>", "emoji \U0001F600"]


def part(n: int, text: str) -> PartResult:
    return PartResult(id=f"p{n}", kind="scalar", verdict=("correct", "partial", "missing")[n % 3],
                      points=[0.0, 0.5, 1.0, 1 / 3, 1e-7, 123456.789][n % 6], max_points=1.0, feedback=text,
                      tag=None if n % 2 else text, answer=None if n % 4 == 3 else text)


def students() -> list[StudentResult]:
    out = [StudentResult(id="s0", name="Nobody", source="s0.yaml", total=0.0, max_points=0.0, exercises=())]
    for k, text in enumerate(ODD_TEXT):
        exercises = tuple(ExerciseResult(id=f"e{j}", title=text, points=float(j), max_points=2.0,
                                         parts=tuple(part(k + i, text) for i in range(j)))
                          for j in range(k % 4))
        out.append(StudentResult(id=f"s{k}-{text}", name=text, source=f"{text}.yaml", total=k / 7,
                                 max_points=10.0, exercises=exercises, warnings=tuple(ODD_TEXT[:k % 3])))
    return out


@pytest.mark.parametrize("student", students(), ids=lambda s: f"{len(s.exercises)}-exercises")
def test_entry_json_is_json_item_of_to_dict(student):
    text = entry_json(student)
    assert text == json_item(student.to_dict())
    assert json.loads(text) == student.to_dict()


def test_unusual_values_are_written_or_refused_as_json_dumps_does():
    # points as an int or a boolean (a result made by hand), a list where text belongs, and a NaN (refused, as
    # json.dumps refuses it with allow_nan=False)
    whole = StudentResult(id="s", name="n", source="s.yaml", total=3, max_points=True, exercises=())
    assert entry_json(whole) == json_item(whole.to_dict())
    listed = StudentResult(id="s", name=["a", 1], source="s.yaml", total=1.0, max_points=1.0, exercises=())  # type: ignore[arg-type]
    assert entry_json(listed) == json_item(listed.to_dict())
    broken = StudentResult(id="s", name="n", source="s.yaml", total=math.nan, max_points=1.0, exercises=())
    with pytest.raises(ValueError, match="not JSON compliant"):
        entry_json(broken)
