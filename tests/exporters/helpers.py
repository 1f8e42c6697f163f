"""Helpers shared by the LMS export tests: a bank holding every family, the third-party schemas."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import schema_path  # noqa: F401  (re-exported for the export tests)

REPO = Path(__file__).resolve().parents[2]
#: The families whose exercises are cheap to draw (the calculus types check their formulas with sympy: tens of
#: milliseconds an instance, and an export draws every exercise several times).
CHEAP_TYPES = ("matrix_basics", "dot_product", "matmul", "batch_shapes", "backprop_node")
#: The banks an export test runs on (a module-scoped fixture's params): the quick subset exports
#: quick_families_bank(), the full run also every family's example bank (a whole export: integration).
FAMILY_BANKS = ["quick", pytest.param("every-family", marks=pytest.mark.integration)]


def all_families_bank():
    """Return a bank with every registered type's example-bank exercises (ids prefixed by type)."""
    from exgen.bank.spec import BankSpec, load_bank
    from exgen.resources import banks_dir
    from exgen.types import all_types

    exercises = []
    for name in all_types():
        path = banks_dir() / f"{name}.yaml"
        if path.is_file():
            for ex in load_bank(path).exercises:
                exercises.append(replace(ex, id=f"{name}-{ex.id}"[:64]))
    return BankSpec(id="all-families", title="Every family", seed=11, course={}, exercises=tuple(exercises))


def quick_families_bank():
    """Return every cheap family's exercises, one derivative exercise (formula answers) and one gradient
    exercise (vector answers): every answer kind and every LMS form, at a fraction of the cost."""
    bank = all_families_bank()
    cheap = [e for e in bank.exercises if e.type in CHEAP_TYPES]
    calculus = [next(e for e in bank.exercises if e.type == name) for name in ("derivative", "gradient")]
    return replace(bank, exercises=tuple(cheap + calculus))


def families_bank(which: str):
    """The bank of a FAMILY_BANKS param."""
    return all_families_bank() if which == "every-family" else quick_families_bank()


def one_scalar_bank():
    """Return a bank whose only exercise is drawn with one scalar part (dot_product, value only)."""
    from exgen.bank.spec import BankSpec, ExerciseSpec
    from exgen.types import get_type

    params, problems = get_type("dot_product").resolve_params({"parts": ["value"]})
    assert not problems, problems
    ex = ExerciseSpec(id="dot", type="dot_product", title="Dot", points=2.0, params=params,
                      grading={"tolerance": {"abs": 0.5}})
    return BankSpec(id="one-scalar", title="One scalar", seed=3, course={}, exercises=(ex,))
