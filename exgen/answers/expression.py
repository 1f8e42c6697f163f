"""Formula answers (``2*x*exp(x^2)``, ``2x e^(x²)``), judged equal to the key by evaluation at random points.

Stored form: ``part.answer = {"expr": canonical text, "latex": LaTeX}``; known wrong answers the same.
``part.options``: ``variables`` (names the formula may use), ``domain`` (``{variable: [lo, hi]}``, chosen
by the generator so that the key is defined there) and ``implicit_multiplication`` (default true).
``part.tolerance`` may set ``rel``, ``abs``, ``decimals`` or ``significant_figures`` per point (see
``exgen.answers.tolerance``); without it two formulas must agree to 10 significant digits.

A key the checker cannot read or evaluate is an error (raised, so the grader reports it), never a silent
"incorrect" for every student; ``check_key`` finds it when the key is generated. Student text is read only
by the whitelist parser; sympy is never imported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

import numpy as np

from exgen.answers.base import AnswerKind, AnswerSpace, LmsForm, Score, SpaceForm, misconception_score, require_text
from exgen.answers.tolerance import accepts, outer_window
from exgen.errors import ExgenError, FormatError
from exgen.expr.equivalence import REL_TOL, Comparison, compare, seed_from
from exgen.expr.functions import COMMON
from exgen.expr.parser import Node, parse
from exgen.expr.printing import to_text
from exgen.i18n import N_, _
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


def _options(part: Part) -> dict:
    """Return compare()'s tolerance options for the part (exact to 10 digits unless a tolerance is set)."""
    return _tolerance_options(part.tolerance)


def _tolerance_options(tol: Mapping | None) -> dict:
    if not tol:
        return {}
    rel, absolute = outer_window(tol)

    def rule(student: float, key: float) -> bool:
        return abs(student - key) <= REL_TOL * max(abs(student), abs(key)) or accepts(student, key, tol)

    return {"rel_tol": max(rel, REL_TOL), "abs_tol": absolute, "rule": rule}


@lru_cache(maxsize=4096)
def _compared(value: Node, reference: Node, domain: tuple, answer_text: str, tolerance: tuple | None) -> Comparison:
    """``compare`` of a formula with a stored one, remembered: a comparison depends only on the two formulas,
    the domain, the key's text (the seed of the sample points) and the tolerance, and a class gives the same
    answers to the same keys again and again. (The result is shared: nobody writes into its arrays.)"""
    seed = sample_seed(answer_text, [name for name, _ in domain])
    return compare(value, reference, dict(domain), seed=seed, **_tolerance_options(dict(tolerance or {})))


PRECEDENCE_HINT = N_("Not correct as written: a product without * is as strong as / and read left to right, so "
                      "1/2x means (1/2)x. Your answer would be right with the denominator in parentheses, "
                      "like 1/(2x).")


def _regroup(node: Node) -> Node:
    """Return the formula with (a/b)*c read as a/(b*c) everywhere: the other reading of ``1/2x``."""
    args = tuple(_regroup(a) for a in node.args)
    if node.op == "mul" and args[0].op == "div":
        num, den = args[0].args
        return Node("div", (num, Node("mul", (den, args[1]))))
    return Node(node.op, args, node.value) if args != node.args else node


def _shape_of_error(got: np.ndarray, want: np.ndarray, part: Part) -> Score | None:
    """Name an answer off by a sign, a constant factor or a constant term (values at the first sample batch)."""
    with np.errstate(all="ignore"):
        ok = np.isfinite(got) & np.isfinite(want)
        got, want = got[ok], want[ok]
        if len(got) < 6:
            return None
        nonzero = np.abs(want) > 1e-12 * max(1.0, float(np.abs(want).max()))
        if nonzero.sum() >= 3:
            ratios = got[nonzero] / want[nonzero]
            r0 = float(ratios[0])
            if (np.isfinite(ratios).all() and abs(r0) > 1e-12
                    and np.abs(ratios - r0).max() <= 1e-6 * max(1.0, abs(r0))):
                if abs(r0 + 1) <= 1e-6:
                    return Score(0.0, part.points, "incorrect", _("Not correct: the sign is wrong."), "sign")
                return Score(0.0, part.points, "incorrect",
                             _("Not correct: your formula is a constant multiple of the answer; check the constant "
                               "factors."), "constant-factor")
        diff = got - want
        d0 = float(diff[0])
        if abs(diff - d0).max() <= 1e-6 * max(1.0, float(np.abs(want).max())):
            return Score(0.0, part.points, "incorrect",
                         _("Not correct: your formula differs from the answer by a constant term."), "constant-offset")
    return None


class KeyFormulaError(ExgenError):
    """A stored key formula that the checker cannot read or evaluate (a broken key, not a wrong answer)."""


def _where(point: Mapping[str, float] | None) -> str:
    return ", ".join(f"{k} = {v:.4g}" for k, v in sorted((point or {}).items()))


class ExpressionKind(AnswerKind):
    """Formulas in the part's variables, with the whitelisted functions and constants ``e``, ``pi``."""

    name = EXPRESSION
    lms_form = LmsForm.FORMULA

    def answer_space(self, part: Part) -> AnswerSpace:
        return AnswerSpace(SpaceForm.BOX, rows=1)

    def expected_form(self, part: Part) -> str:
        return (_("a formula in %(names)s such as 2x exp(x^2) (juxtaposition or * for products, ^ for powers; "
                  "functions such as %(functions)s; constants e, pi)")
                % {"names": ", ".join(_variables(part)), "functions": ", ".join(COMMON)})

    def parse(self, raw: Any, part: Part) -> Node:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            try:
                raw = repr(float(raw))
            except OverflowError:  # an integer beyond 1e308 from the Python API
                raise FormatError(_("number is too large")) from None
        text = require_text(raw, example="2*x*exp(x^2)")
        return parse(text, _variables(part), implicit_multiplication=_implicit(part))

    def key(self, part: Part) -> Node:
        """Return the part's key formula.

        Raises:
            KeyFormulaError: the stored key is missing or cannot be read.
        """
        text = _stored_text(part.answer)
        if text is None:
            raise KeyFormulaError(f"part {part.id}: the answer key has no formula text")
        try:
            return parse(text, _variables(part))
        except FormatError as err:
            raise KeyFormulaError(f"part {part.id}: the answer key's formula {text[:60]!r} cannot be read by the "
                                  f"checker: {err}") from None

    def _reference(self, target: Any, part: Part) -> Node | None:
        text = _stored_text(target)
        if text is None:
            return None
        try:
            return parse(text, _variables(part))
        except FormatError:
            return None

    def compare(self, value: Node, reference: Node, part: Part) -> Comparison:
        """Compare a formula with a stored one on the part's domain, with the key's sample points."""
        domain = _domain(part)
        try:
            return _compared(value, reference, tuple(domain.items()), str(_stored_text(part.answer)),
                             tuple(part.tolerance.items()) if part.tolerance else None)
        except TypeError:  # a tolerance or domain that cannot be a cache key (not one exgen writes)
            return compare(value, reference, domain, seed=_seed(part), **_options(part))

    def equals(self, value: Any, target: Any, part: Part) -> bool:
        ref = self._reference(target, part)
        if ref is None or not isinstance(value, Node):
            return False
        return self.compare(value, ref, part).equal

    def check(self, value: Any, part: Part) -> Score:
        """Score a formula: the key, known wrong answers, then what kind of mistake it is."""
        key = self.key(part)
        result = self.compare(value, key, part)
        if result.equal:
            return Score(part.points, part.points, "correct", _("Correct."))
        if result.reason == "key-undefined":
            raise KeyFormulaError(f"part {part.id}: the answer key's formula is undefined on the part's domain, "
                                  "so no answer can be checked")
        for wrong in part.wrong_answers:
            if wrong.kind in (None, self.name) and self.equals(value, wrong.value, part):
                return misconception_score(wrong, part)
        return self._diagnose(value, result, part)

    def _diagnose(self, value: Node, result: Comparison, part: Part) -> Score:
        if result.reason == "undefined":
            where = _where(result.point)
            return Score(0.0, part.points, "incorrect",
                         _("Not correct: your formula is undefined at points where the answer is defined (for "
                           "example at %(point)s).") % {"point": where} if where else
                         _("Not correct: your formula is undefined at points where the answer is defined."),
                         "undefined")
        if result.reason == "unsure":
            return Score(0.0, part.points, "incorrect",
                         _("Not correct: your formula could not be compared with the answer at enough points; "
                           "check that it is defined and not too large on the domain."))
        if result.reason == "differs":
            regrouped = _regroup(value)
            if regrouped != value and self.compare(regrouped, self.key(part), part).equal:
                return Score(0.0, part.points, "incorrect", _(PRECEDENCE_HINT), "precedence")
        if result.reason == "differs" and result.sample is not None:
            found = _shape_of_error(*result.sample, part)
            if found is not None:
                return found
        return Score(0.0, part.points, "incorrect", _("Not correct."))

    def diagnose(self, value: Any, part: Part) -> Score | None:
        """Name an answer that is undefined on the domain, off by a sign, a constant factor or a constant."""
        result = self.compare(value, self.key(part), part)
        return None if result.equal else self._diagnose(value, result, part)

    def check_key(self, part: Part) -> list[str]:
        """Return why the part's key (or a known wrong formula) cannot be checked; empty when it can."""
        try:
            key = self.key(part)
        except KeyFormulaError as err:
            return [str(err)]
        found = []
        itself = self.compare(key, key, part)
        if not itself.equal:
            found.append(f"part {part.id}: the answer key's formula {to_text(key)[:60]!r} cannot be evaluated on "
                         f"the domain {_domain(part)} ({itself.reason}: it is defined at {itself.valid} sample "
                         "points)")
        for wrong in part.wrong_answers:
            if wrong.kind in (None, self.name) and self._reference(wrong.value, part) is None:
                found.append(f"part {part.id}: the known wrong answer {wrong.tag!r} cannot be read by the checker")
        return found

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
