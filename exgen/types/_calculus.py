"""Shared pieces of the calculus types (derivative, gradient, matrix_gradient, chain_rule).

Formulas are built with sympy (imported inside functions: listing types must stay quick) and stored as
``{"expr": canonical text, "latex": LaTeX}``. Known wrong formulas are compared with the key by the same
sampling check the grader uses, so a draw in which a misconception gives the right answer is rejected.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from exgen.expr.equivalence import compare
from exgen.expr.parser import parse
from exgen.expr.printing import formula, sympy_latex, sympy_to_text
from exgen.formatting import significant as clean_float  # the name the calculus types import
from exgen.instance import WrongAnswer

if TYPE_CHECKING:
    import numpy as np

#: Tolerance for a numeric value at a point (students work with a calculator).
POINT_TOLERANCE = {"abs": 0.001, "rel": 0.001}
#: Tolerance for gradient vectors and update steps.
VECTOR_TOLERANCE = {"abs": 0.001, "rel": 0.001}

Wrong = tuple[Any, str, str]  # (sympy formula or number, tag, feedback)


def stored(expr, variables: Sequence[str]) -> dict:
    """Return a sympy formula in its stored form ``{"expr": ..., "latex": ...}``."""
    return formula(expr, variables)


def _agree(a: dict, b: dict, variables: Sequence[str], domain: Mapping[str, Sequence[float]], seed: int) -> bool:
    ta, tb = parse(a["expr"], variables), parse(b["expr"], variables)
    return compare(ta, tb, domain, seed=seed).equal


def formula_wrongs(answer: dict, wrongs: Iterable[Wrong], variables: Sequence[str],
                   domain: Mapping[str, Sequence[float]]) -> list[WrongAnswer] | None:
    """Return the known wrong formulas as WrongAnswers, or None if one of them equals the key.

    The check uses the grader's own sample points. A wrong formula the grader could not recognise (undefined
    at too many points) or that coincides with an earlier one is dropped (the first feedback wins).
    """
    from exgen.answers.expression import sample_seed

    seed = sample_seed(answer["expr"], variables)
    out: list[WrongAnswer] = []
    kept: list[dict] = []
    for expr, tag, feedback in wrongs:
        value = {"expr": sympy_to_text(expr, variables)}
        if _agree(value, answer, variables, domain, seed):
            return None
        if not _agree(value, value, variables, domain, seed):
            continue
        if any(_agree(value, k, variables, domain, seed) for k in kept):
            continue
        kept.append(value)
        out.append(WrongAnswer({"expr": value["expr"], "latex": sympy_latex(expr)}, tag, feedback))
    return out


def far_apart(a: float, b: float, tolerance: Mapping[str, float], factor: float = 3.0) -> bool:
    """Return whether two numbers are clearly distinguishable under ``tolerance``."""
    return abs(a - b) > factor * (tolerance["abs"] + tolerance["rel"] * max(abs(a), abs(b)))


def value_wrongs(correct: float, wrongs: Iterable[tuple[float | None, str, str]],
                 tolerance: Mapping[str, float]) -> list[WrongAnswer] | None:
    """Return wrong values as WrongAnswers, or None when one is within reach of the key (or not finite)."""
    out: list[WrongAnswer] = []
    for value, tag, feedback in wrongs:
        if value is None or not math.isfinite(value) or abs(value) > 1e9:
            continue
        if not far_apart(value, correct, tolerance):
            return None
        if any(not far_apart(value, float(w.value), tolerance) for w in out):
            continue
        out.append(WrongAnswer(clean_float(value), tag, feedback))
    return out


def value_of(stored_formula: Mapping, point: Mapping[str, float]) -> float | None:
    """Return a stored formula's value at a point (float64; None where undefined)."""
    from exgen.expr.evaluate import evaluate_scalar

    return evaluate_scalar(parse(stored_formula["expr"], tuple(point)), point)


def values_on(stored_formula: Mapping, variable: str, grid) -> np.ndarray:
    """Return a stored formula's values on a grid of one variable (nan/inf where undefined)."""
    import numpy as np

    from exgen.expr.evaluate import evaluate

    grid = np.asarray(grid, dtype=float)
    return evaluate(parse(stored_formula["expr"], (variable,)), {variable: grid}, len(grid))


def expression_options(variables: Sequence[str], domain: Mapping[str, Sequence[float]]) -> dict:
    """Return ``part.options`` of an expression part."""
    return {"variables": list(variables), "domain": {v: [float(lo), float(hi)] for v, (lo, hi) in domain.items()},
            "implicit_multiplication": True}


def tex(expr) -> str:
    """Return LaTeX for one of our sympy formulas."""
    from exgen.expr.printing import sympy_latex

    return sympy_latex(expr)


def part_ids(n: int) -> list[str]:
    """Return part ids a, b, c, ..."""
    return [chr(ord("a") + k) for k in range(n)]
