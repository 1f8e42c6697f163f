"""Formula answers (``2*x*exp(x^2)``), judged equal to the key by evaluation at random points.

Stored form: ``part.answer = {"expr": canonical text, "latex": LaTeX}``; known wrong answers the same.
``part.options``: ``variables`` (names the formula may use), ``domain`` (``{variable: [lo, hi]}``, chosen
by the generator so that the key is defined there) and ``implicit_multiplication`` (default true).
``part.tolerance`` may set ``rel`` and ``abs`` (see ``exgen.expr.equivalence.compare``).

Student text is read only by the whitelist parser; sympy is never imported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np

from exgen.answers.base import AnswerKind, AnswerSpace, LmsForm, Score, SpaceForm, require_text
from exgen.errors import FormatError
from exgen.expr.equivalence import ABS_TOL, REL_TOL, compare, seed_from
from exgen.expr.parser import FUNCTIONS, Node, parse
from exgen.expr.printing import to_text
from exgen.instance import KindName, Part

EXPRESSION: Final = KindName("expression")


def _variables(part: Part) -> tuple[str, ...]:
    return tuple(part.options.get("variables", ("x",)))


def _implicit(part: Part) -> bool:
    return bool(part.options.get("implicit_multiplication", True))


def _domain(part: Part) -> dict[str, tuple[float, float]]:
    given = part.options.get("domain") or {}
    return {v: tuple(given.get(v, (-2.0, 2.0))) for v in _variables(part)}


def _stored_text(target: Any) -> str | None:
    if isinstance(target, Mapping) and isinstance(target.get("expr"), str):
        return target["expr"]
    return None


def sample_seed(answer_text: str, variables) -> int:
    """Return the seed of a part's sample points: from the key's text and the variables (no global RNG)."""
    return seed_from("exgen-expression/1", str(answer_text), ",".join(variables))


def _seed(part: Part) -> int:
    return sample_seed(str(_stored_text(part.answer)), _variables(part))


def _tolerances(part: Part) -> tuple[float, float]:
    """Return the part's (relative, absolute) tolerance."""
    tol = part.tolerance or {}
    return float(tol.get("rel", REL_TOL)), float(tol.get("abs", ABS_TOL))


class ExpressionKind(AnswerKind):
    """Formulas in the part's variables, with the whitelisted functions and constants ``e``, ``pi``."""

    name = EXPRESSION
    lms_form = LmsForm.FORMULA

    def answer_space(self, part: Part) -> AnswerSpace:
        return AnswerSpace(SpaceForm.BOX, rows=1)

    def expected_form(self, part: Part) -> str:
        names = ", ".join(_variables(part))
        return (f"a formula in {names} such as 2*x*exp(x^2) (use * or juxtaposition for products, ^ for powers; "
                f"functions: {', '.join(FUNCTIONS)}; constants e, pi)")

    def parse(self, raw: Any, part: Part) -> Node:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raw = repr(float(raw))
        text = require_text(raw, example="2*x*exp(x^2)")
        return parse(text, _variables(part), implicit_multiplication=_implicit(part))

    def _reference(self, target: Any, part: Part) -> Node | None:
        text = _stored_text(target)
        if text is None:
            return None
        try:
            return parse(text, _variables(part))
        except FormatError:
            return None

    def equals(self, value: Any, target: Any, part: Part) -> bool:
        ref = self._reference(target, part)
        if ref is None or not isinstance(value, Node):
            return False
        return compare(value, ref, _domain(part), seed=_seed(part), rel_tol=_tolerances(part)[0], abs_tol=_tolerances(part)[1]).equal

    def diagnose(self, value: Any, part: Part) -> Score | None:
        """Name an answer that is undefined on the domain, off by a constant factor, or off by a constant."""
        ref = self._reference(part.answer, part)
        if ref is None:
            return None
        result = compare(value, ref, _domain(part), seed=_seed(part), rel_tol=_tolerances(part)[0], abs_tol=_tolerances(part)[1])
        if result.reason == "undefined":
            return Score(0.0, part.points, "incorrect",
                         "Not correct: your formula is undefined at most points where the answer is defined.",
                         "undefined")
        with np.errstate(all="ignore"):
            return self._shape_of_error(result.student, result.reference, part)

    def _shape_of_error(self, got: np.ndarray, want: np.ndarray, part: Part) -> Score | None:
        nonzero = abs(want) > 1e-12
        if nonzero.sum() >= 3:
            ratios = got[nonzero] / want[nonzero]
            r0 = float(ratios[0])
            if np.isfinite(ratios).all() and abs(r0) > 1e-12 and abs(ratios - r0).max() <= 1e-6 * max(1.0, abs(r0)):
                if abs(r0 + 1) <= 1e-6:
                    return Score(0.0, part.points, "incorrect", "Not correct: the sign is wrong.", "sign")
                return Score(0.0, part.points, "incorrect",
                             "Not correct: your formula is a constant multiple of the answer; check the constant "
                             "factors.", "constant-factor")
        diff = got - want
        d0 = float(diff[0])
        if np.isfinite(diff).all() and abs(diff - d0).max() <= 1e-6 * max(1.0, float(abs(want).max())):
            return Score(0.0, part.points, "incorrect",
                         "Not correct: your formula differs from the answer by a constant term.", "constant-offset")
        return None

    def typed(self, value: Any, part: Part) -> str:
        text = _stored_text(value)
        if text is not None:
            return text
        if isinstance(value, Node):
            return to_text(value)
        raise TypeError(f"not a formula: {value!r}")

    def latex(self, value: Any, part: Part) -> str:
        if isinstance(value, Mapping) and isinstance(value.get("latex"), str):
            return value["latex"]
        return super().latex(value, part)


KIND = ExpressionKind()
