"""Bank grading options reach the parts they apply to, and a key the grader could not check stops generation
(naming the exercise and part) instead of marking every student's answer wrong."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from exgen.answers import grade_part
from exgen.bank.spec import load_bank
from exgen.build.pipeline import build_student, check_bank
from exgen.cli import main
from exgen.errors import GenerationError
from exgen.grading.batch import grade_submission
from exgen.grading.submissions import Submission
from exgen.instance import Instance, Part
from exgen.types.base import Draft, ExerciseType


def _bank(tmp_path, grading: str, params: str = "{m: 2, k: 3, n: 3, decimals: 2}"):
    path = tmp_path / "b.yaml"
    path.write_text(textwrap.dedent(f"""\
        bank: b1
        title: Week 1
        seed: 3
        grading: {grading}
        exercises:
          - id: mm
            type: matmul
            params: {params}
          - id: d
            type: derivative
        """))
    return load_bank(path)


def test_decimals_reach_numeric_parts_only_and_accept_what_the_worksheet_asks(tmp_path):
    bank = _bank(tmp_path, "{decimals: 3}")
    matmul, derivative = build_student(bank, seed=bank.seed, student_id="s1")
    for part in matmul.parts + derivative.parts:
        if part.kind in ("scalar", "matrix"):
            assert part.tolerance["decimals"] == 3
        else:
            assert not part.tolerance or "decimals" not in part.tolerance
    # two-decimal data: products have four decimals; every entry rounded to three is accepted
    product = next(p for p in matmul.parts if p.kind == "matrix" and np.ndim(p.answer) == 2)
    rows = np.asarray(product.answer, dtype=float)
    assert any(round(float(v), 3) != float(v) for v in rows.ravel())  # the test means something
    rounded = "[" + ", ".join("[" + ", ".join(f"{v:.3f}" for v in row) + "]" for row in rows) + "]"
    assert grade_part(product, rounded).verdict == "correct"
    off = rows.copy()
    off[0, 0] += 0.002
    assert grade_part(product, "[" + ", ".join("[" + ", ".join(f"{v:.3f}" for v in row) + "]" for row in off)
                      + "]").verdict != "correct"


def test_significant_figures_and_tolerance_combine(tmp_path):
    bank = _bank(tmp_path, "{tolerance: {abs: 0.5}, significant_figures: 2}")
    matmul, _ = build_student(bank, seed=bank.seed, student_id="s1")
    part = next(p for p in matmul.parts if p.kind == "matrix")
    assert dict(part.tolerance) == {"abs": 0.5, "significant_figures": 2}


def test_the_default_bank_grades_what_its_instructions_ask():
    from exgen.resources import DEFAULT_BANK, builtin_banks

    bank = load_bank(builtin_banks()[DEFAULT_BANK])
    assert "decimals to 3 places" in bank.course["instructions"]
    assert all(ex.grading.get("decimals") == 3 for ex in bank.exercises)


class _BrokenKey(ExerciseType):
    name = "broken"
    title = "Broken"

    def __init__(self, key: str, domain=(-2.0, 2.0)):
        self.key, self.domain = key, domain

    def generate(self, params, *, rng):
        part = Part(id="b", kind="expression", prompt="", answer={"expr": self.key, "latex": ""},
                    options={"variables": ["x"], "domain": {"x": list(self.domain)}})
        return Draft(given={}, parts=[Part(id="a", kind="scalar", prompt="", answer=1.0), part])


@pytest.mark.parametrize("key,domain,message", [
    ("foo(x)", (-2.0, 2.0), "part b: the answer key's formula 'foo(x)' cannot be read by the checker: unknown "
                            "variable or function 'foo'"),
    ("log(x)", (-2.0, -1.0), "part b: the answer key's formula 'log(x)' cannot be evaluated on the domain"),
    ("sqrt(-1 - x^2)", (-2.0, 2.0), "cannot be evaluated on the domain"),
])
def test_a_key_the_grader_cannot_check_is_an_error_when_generated(key, domain, message):
    with pytest.raises(GenerationError) as err:
        _BrokenKey(key, domain).build(exercise_id="ex7", title=None, points=None, params={},
                                      rng=np.random.default_rng(0))
    assert str(err.value).startswith("exercise ex7: ") and message in str(err.value)


def test_a_broken_key_in_a_key_file_is_reported_at_grading_not_a_silent_zero():
    part = Part(id="b", kind="expression", prompt="", answer={"expr": "foo(x)", "latex": ""},
                options={"variables": ["x"]})
    inst = Instance(exercise_id="ex7", type="derivative", title="t", points=1.0, given={}, parts=(part,))
    result, problems = grade_submission("Ada", [inst], Submission(student="s1", answers={"ex7": {"b": "2x"}},
                                                                  source="s1.yaml"))
    assert [p.level for p in problems] == ["error"]
    assert "cannot be read by the checker" in problems[0].message
    assert result.exercises[0].parts[0].verdict == "invalid"


def test_validate_builds_every_exercise_and_reports_what_cannot_be_generated(tmp_path, capsys, monkeypatch):
    bank = _bank(tmp_path, "{decimals: 3}")
    assert check_bank(bank) == []
    from exgen.types import derivative

    def broken(self, params, *, rng):
        raise GenerationError("could not draw a distinguishable function")

    monkeypatch.setattr(derivative.Derivative, "generate", broken)
    assert check_bank(bank) == ["b.yaml: could not draw a distinguishable function"]
    with pytest.raises(SystemExit) as info:
        main(["validate", str(tmp_path / "b.yaml")])
    assert info.value.code == 1 and "b.yaml: could not draw" in capsys.readouterr().err
