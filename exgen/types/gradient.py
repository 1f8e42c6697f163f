"""Partial derivatives and the gradient of a 2-3 variable function; one gradient-descent step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exgen.answers import EXPRESSION, MATRIX
from exgen.formatting import bmatrix, tex_num
from exgen.i18n import N_, _
from exgen.instance import Part, WrongAnswer
from exgen.types._calculus import (
    VECTOR_TOLERANCE,
    clean_float,
    expression_options,
    formula_wrongs,
    part_ids,
    stored,
    value_of,
)
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.mistakes import ASCENT, NO_STEP, SIGN, SWAPPED_ORDER, Mistake, effective_tolerance, widened
from exgen.types.params import Float, Int, IntRange, Subset
from exgen.types.plotspec import line_spec, numeric_gradient

TERMS = ("polynomial", "exp", "log")
PARTS = ("partials", "gradient", "step")
NAMES = ("x", "y", "z")
DOMAIN = (-2.0, 2.0)
#: Coordinates of the point where the gradient is taken.
_COORDS = (-2, -1, 1, 2)


def _pick(rng: np.random.Generator, values) -> Any:
    return values[int(rng.integers(0, len(values)))]


MISTAKES = (
    Mistake("wrong-variable", N_("Differentiated with respect to another variable.")),
    Mistake("dropped-mixed-terms", N_("Dropped the terms that contain another variable as well.")),
    Mistake("dropped-other-factor", N_("Dropped the other variables' constant factors from a mixed term.")),
    SIGN,
    SWAPPED_ORDER,
    ASCENT,
    Mistake("forgot-learning-rate", N_("Subtracted the whole gradient, without the learning rate.")),
    Mistake("step-not-point", N_("Gave the change -eta grad f instead of the new point.")),
    NO_STEP,
)

_GRADIENT_FEEDBACK = {
    "sign-error": N_("Check the signs of the partial derivatives."),
    "dropped-mixed-terms": N_("Terms with two variables depend on both: each contributes to both partial "
                              "derivatives."),
    "dropped-other-factor": N_("When differentiating with respect to one variable, the others are constant factors "
                               "that stay in the derivative ($\\partial (x^2 y)/\\partial x = 2xy$)."),
}


def _vector(value, tag: str, feedback: str) -> WrongAnswer:
    return WrongAnswer([clean_float(v) for v in value], tag, feedback)


def _reversed_feedback(names: list[str]) -> str:
    order = ", ".join(f"\\partial f/\\partial {v}" for v in names)
    return _("The components are in the wrong order: $\\nabla f = [%(order)s]$, in the order of the variables "
             "$%(names)s$.") % {"order": order, "names": ", ".join(names)}


def _min_learning_rate(tolerance: Mapping[str, Any]) -> float:
    """The smallest learning rate at which a unit gradient moves the point (coordinates up to 2) by more than
    twice the tolerance band, so that the start point never scores as the new point."""
    band = widened(tolerance) or {"abs": 0.0, "rel": 0.0}
    return float(band["abs"] + band["rel"] * max(abs(c) for c in _COORDS))


class Gradient(ExerciseType):
    name = "gradient"
    title = N_("Partial derivatives and the gradient")
    topic = "5. Gradient"
    summary = "partial derivatives of f(x, y[, z]), the gradient at a point, one gradient-descent step"
    params = {
        "variables": Int(default=2, lo=2, hi=3, doc="number of variables (x, y, and z)"),
        "terms": Subset(default=["polynomial", "exp"], choices=TERMS,
                        doc="kinds of terms: monomials, c*v*exp(a*w), c*log(1 + v^2)"),
        "n_terms": IntRange(default=[3, 3], lo=2, hi=5, doc="number of terms of f"),
        "coefficient_range": IntRange(default=[-4, 4], lo=-12, hi=12, doc="range of integer coefficients"),
        "learning_rate": Float(default=0.1, lo=0.001, hi=0.9, doc="learning rate of the gradient-descent step"),
        "parts": Subset(default=list(PARTS), choices=PARTS, doc="which questions to ask, in order"),
    }
    presets = {"easy": {"terms": ["polynomial"], "coefficient_range": [-3, 3]},
               "hard": {"variables": 3, "terms": list(TERMS), "n_terms": [3, 4]}}
    mistakes = MISTAKES

    def check_grading(self, params: Mapping[str, Any], grading: Mapping[str, Any]) -> list[tuple[str, str]]:
        if "step" not in params["parts"]:
            return []
        lr = float(params["learning_rate"])
        floor = _min_learning_rate(effective_tolerance(VECTOR_TOLERANCE, grading) or {})
        if lr <= floor:
            tol = effective_tolerance(VECTOR_TOLERANCE, grading) or {}
            told = ", ".join(f"{k} {v:g}" for k, v in tol.items())
            return [("learning_rate", f"a learning rate of {lr:g} moves a coordinate by only {lr:g} for a gradient "
                                      f"component of 1, within twice the tolerance ({told}) of the start point, "
                                      "so submitting the start point could score as the new point; use a learning "
                                      f"rate above {floor:g} or a smaller tolerance")]
        return []

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        import sympy as sp

        names = list(NAMES[: params["variables"]])
        syms = sp.symbols(names)
        lo, hi = params["coefficient_range"]
        coeffs = [c for c in range(lo, hi + 1) if c != 0] or [1]
        lr = float(params["learning_rate"])
        domain = {v: DOMAIN for v in names}

        def term(rng, kind, first, second):
            c = int(_pick(rng, coeffs))
            if kind == "exp":
                return c * second * sp.exp(_pick(rng, (-1, 1, sp.Rational(1, 2))) * first)
            if kind == "log":
                return c * second ** int(rng.integers(0, 2)) * sp.log(1 + first ** 2)
            return c * first ** int(rng.integers(1, 3)) * second ** int(rng.integers(1, 3))

        def draw(rng):
            n = int(rng.integers(params["n_terms"][0], params["n_terms"][1] + 1))
            # one mixed term per variable (with the next one), so that every partial has a term whose other
            # factor must be kept; then free terms
            f = 0
            for i, v in enumerate(syms):
                f += term(rng, "polynomial", v, syms[(i + 1) % len(syms)])
            for _extra in range(max(0, n - len(syms))):
                a, b = rng.permutation(len(syms))[:2]
                f += term(rng, _pick(rng, params["terms"]), syms[a], syms[b])
            f = sp.expand(f)
            if len(f.free_symbols) != len(syms) or len(sp.Add.make_args(f)) < max(2, n - 1):
                return None
            point = [float(_pick(rng, _COORDS)) for _ in syms]
            at = dict(zip(names, point))
            partials = [sp.diff(f, v) for v in syms]
            stored_partials, part_wrongs, grad, raw = [], [], [], []
            for i, (v, d) in enumerate(zip(syms, partials)):
                others = [w for w in syms if w != v]
                own = sum((t for t in sp.Add.make_args(f) if t.free_symbols == {v}), sp.Integer(0))
                which = {"v": str(v), "other": str(others[0] if i + 1 < len(syms) else syms[0])}
                wrongs = [
                    (partials[(i + 1) % len(syms)], "wrong-variable",
                     _("That is the derivative with respect to $%(other)s$; differentiate with respect to $%(v)s$.")
                     % which),
                    (sp.diff(own, v), "dropped-mixed-terms",
                     _("Terms that contain $%(v)s$ together with another variable also depend on $%(v)s$: keep them, "
                       "treating the other variable as a constant factor.") % which),
                    (d.subs({w: 1 for w in others}), "dropped-other-factor",
                     _("The other variables are constants, but constant factors stay in the derivative "
                       "($\\partial (x^2 y)/\\partial x = 2xy$).")),
                    (-d, "sign-error", _("Check the signs of the terms.")),
                ]
                key = stored(d, names)
                found = formula_wrongs(key, wrongs, names, domain)
                if found is None or len(found) < 3:
                    return None
                value = value_of(key, at)
                if value is None or value == 0:
                    return None
                stored_partials.append(key)
                part_wrongs.append(found)
                grad.append(value)
                raw.append({tag: w for w, tag, _ in wrongs})
            # each mistake applied to every partial at the point (the formulas as made, not as kept above)
            wrong_grads = {tag: [value_of(stored(r[tag], names), at) for r in raw]
                           for tag in ("dropped-mixed-terms", "dropped-other-factor")}
            if any(v is None for vals in wrong_grads.values() for v in vals):
                return None
            return f, point, stored_partials, part_wrongs, grad, wrong_grads

        f, point, stored_partials, part_wrongs, grad, wrong_grads = draw_until(rng, draw, what="function")
        point_tex = ", ".join(tex_num(p) for p in point)
        args = ", ".join(names)
        step = [p - lr * g for p, g in zip(point, grad)]
        rows = [clean_float(g) for g in grad]
        at = {"args": args, "point": point_tex, "first": names[0], "lr": tex_num(lr)}
        parts: list[dict] = []
        if "partials" in params["parts"]:
            for v, key, wrongs in zip(names, stored_partials, part_wrongs):
                parts.append(dict(
                    kind=EXPRESSION, answer=key, options=expression_options(names, {n: DOMAIN for n in names}),
                    prompt=_("Find the partial derivative $\\partial f / \\partial %(v)s$ as a formula in "
                             "$%(args)s$.") % {"v": v, "args": args},
                    solution=(_("Treat the other variables as constants: $\\dfrac{\\partial f}{\\partial %(v)s} = "
                                "%(formula)s$.") % {"v": v, "formula": key["latex"]},),
                    wrong_answers=tuple(wrongs)))
        if "gradient" in params["parts"]:
            wrongs = [_vector([-g for g in grad], "sign-error", _(_GRADIENT_FEEDBACK["sign-error"])),
                      _vector(grad[::-1], "swapped-order", _reversed_feedback(names))]
            wrongs += [_vector(vals, tag, _(_GRADIENT_FEEDBACK[tag])) for tag, vals in wrong_grads.items()]
            parts.append(dict(
                kind=MATRIX, answer=rows, tolerance=VECTOR_TOLERANCE,
                prompt=_("Compute the gradient $\\nabla f$ at $(%(args)s) = (%(point)s)$, as a vector "
                         "$[\\partial f/\\partial %(first)s, \\dots]$.") % at,
                solution=(_("Evaluate each partial derivative at $(%(point)s)$: $\\nabla f = %(gradient)s$.")
                          % {**at, "gradient": bmatrix(rows)},),
                wrong_answers=tuple(wrongs)))
        if "step" in params["parts"]:
            wrongs = [
                _vector([p + lr * g for p, g in zip(point, grad)], "ascent",
                        _("Gradient descent moves against the gradient: subtract $\\eta \\nabla f$, do not add it.")),
                _vector([p - g for p, g in zip(point, grad)], "forgot-learning-rate",
                        _("Multiply the gradient by the learning rate $\\eta = %(lr)s$ before subtracting.") % at),
                _vector([-lr * g for g in grad], "step-not-point",
                        _("That is the change $-\\eta \\nabla f$; add it to the current point to get the new "
                          "point.")),
                _vector(point, "no-step", _("That is the starting point $(%(point)s)$: take the step "
                                            "$-\\eta \\nabla f$ from it.") % at),
                _vector([p - lr * g for p, g in zip(point, grad[::-1])], "swapped-order",
                        _("The gradient's components are in the wrong order: subtract "
                          "$\\eta\\,\\partial f/\\partial %(first)s$ from $%(first)s$, and so on.") % at),
            ]
            parts.append(dict(
                kind=MATRIX, answer=[clean_float(s) for s in step], tolerance=VECTOR_TOLERANCE,
                prompt=_("Take one gradient-descent step from $(%(point)s)$ with learning rate $\\eta = %(lr)s$: "
                         "give the new point $(%(args)s) - \\eta \\nabla f$ as a vector.") % at,
                solution=(f"${bmatrix(point)} - {tex_num(lr)} \\cdot {bmatrix(rows)} = "
                          f"{bmatrix([clean_float(s) for s in step])}$.",),
                wrong_answers=tuple(wrongs)))
        parts_built = [Part(id=i, **p) for i, p in zip(part_ids(len(parts)), parts)]
        given = {"f": stored(f, names), "variables": names, "point": point, "learning_rate": lr}
        return Draft(given=given, parts=parts_built)

    def plot_spec(self, instance: Mapping[str, Any]) -> dict | None:
        """f along the descent direction -grad f from the point, and the step of length eta."""
        given = instance.get("given") or {}
        f = given.get("f")
        if not isinstance(f, Mapping) or "expr" not in f or not {"variables", "point", "learning_rate"} <= set(given):
            return None
        grad = numeric_gradient(f["expr"], given["variables"], given["point"])
        return line_spec(f["expr"], variables=given["variables"], point=given["point"],
                         direction=[-g for g in grad], step=given["learning_rate"])


TYPE = Gradient()
