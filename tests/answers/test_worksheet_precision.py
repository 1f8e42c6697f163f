"""What the worksheet asks is always accepted: for every part of every exercise type whose prompt states a
precision ("to 3 decimal places", "to at least 4 significant digits"), the key rounded that way (half up, as
a student rounds) is graded correct, and so is the other rounding of a tie (half even)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest

from exgen.answers import grade_part
from exgen.types import all_types
from tests.conftest import build

DECIMALS = re.compile(r"to (\d+) decimal places")
SIGNIFICANT = re.compile(r"to at least (\d+) significant (?:digits|figures)")
SEEDS = range(40)


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
def test_an_answer_rounded_as_the_prompt_asks_is_correct(type_name):
    checked = 0
    for seed in SEEDS:
        for part in build(type_name, seed=seed).parts:
            stated = _stated(part.prompt)
            if stated is None:
                continue
            assert part.kind == "scalar", (type_name, part.id, "a stated precision on a non-scalar part")
            for typed in _roundings(part.answer, **stated):
                score = grade_part(part, typed)
                assert score.verdict == "correct", (type_name, seed, part.id, part.answer, typed, score.feedback)
            checked += 1
    if type_name in ("dot_product", "derivative", "chain_rule"):
        assert checked >= len(SEEDS) // 2  # these types state a precision: the test must reach them
