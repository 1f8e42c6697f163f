"""What the worksheet asks is always accepted: for every scalar part of every exercise type whose prompt
states a precision ("round it to 3 decimal places", "at least 3 decimal places or 4 significant figures",
the sentence of ``exgen.answers.precision``), the key rounded that way (half up, as a student rounds) is
graded correct, and so is the other rounding of a tie (half even). Arrays: tests/answers/test_precision.py."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest

from exgen.answers import grade_part
from exgen.types import all_types
from tests.conftest import build, seed_sweep

DECIMALS = re.compile(r"(?:round it to|at least) (\d+) decimal places")
SIGNIFICANT = re.compile(r"(?:round it to|at least) (\d+) significant figures")


def _roundings(value: float, *, places: int | None = None, figures: int | None = None) -> list[str]:
    d = Decimal(repr(float(value)))
    exponent = -places if places is not None else d.adjusted() - figures + 1  # type: ignore[operator]
    quantum = Decimal(1).scaleb(exponent)
    return sorted({str(d.quantize(quantum, rounding=mode)) for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN)})


def _stated(prompt: str) -> dict | None:
    if m := DECIMALS.search(prompt):
        return {"places": int(m.group(1))}
    if m := SIGNIFICANT.search(prompt):
        return {"figures": int(m.group(1))}
    return None


@pytest.mark.parametrize("type_name", sorted(all_types()))
@seed_sweep(12, 40, together=True)
def test_an_answer_rounded_as_the_prompt_asks_is_correct(type_name, seeds):
    checked = 0
    for seed in seeds:
        for part in build(type_name, seed=seed).parts:
            stated = _stated(part.prompt)
            if stated is None or part.kind != "scalar":
                continue
            for typed in _roundings(part.answer, **stated):
                score = grade_part(part, typed)
                assert score.verdict == "correct", (type_name, seed, part.id, part.answer, typed, score.feedback)
            checked += 1
    if type_name in ("dot_product", "derivative", "chain_rule"):
        assert checked >= len(seeds) // 2  # these types state a precision: the test must reach them
