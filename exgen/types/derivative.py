"""Derivative as a slope: f'(x) as a formula, its value at a point, and the central-difference estimate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from exgen.answers import EXPRESSION, SCALAR
from exgen.formatting import tex_num
from exgen.i18n import N_, _
from exgen.instance import Part
from exgen.types._calculus import (
    POINT_TOLERANCE,
    clean_float,
    expression_options,
    formula_wrongs,
    part_ids,
    stored,
    value_of,
    value_wrongs,
)
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.mistakes import DROPPED_FACTOR, FORGOT_INNER, FUNCTION_FOR_DERIVATIVE, Mistake
from exgen.types.mistakes import SIGN as SIGN_ERROR
from exgen.types.params import Float, IntRange, Subset
from exgen.types.plotspec import tangent_spec

FAMILIES = ("polynomial", "power", "exp", "log", "sigmoid", "tanh", "product", "quotient")
PARTS = ("formula", "value", "central_difference")
REAL = (-2.0, 2.0)
POSITIVE = (0.5, 3.0)
_POINTS = {REAL: (-1.5, -1.0, -0.5, 0.5, 1.0, 1.5), POSITIVE: (1.0, 1.5, 2.0, 2.5)}
#: The smallest step h of the central-difference question: below it the forward difference, (h/2) f''
#: away, falls within the answer's tolerance for too many functions to draw from.
MIN_H = 0.005

SIGN = N_("Check the sign: differentiate term by term and keep each minus sign.")
INNER = N_("You forgot the inner derivative: by the chain rule, d/dx of $f(kx)$ is $k\\,f'(kx)$.")
INNER_AFFINE = N_("You forgot the inner derivative: by the chain rule, d/dx of $f(bx + c)$ is $b\\,f'(bx + c)$.")


FUNCTION = N_("That is $f$ itself; the question asks for its derivative $f'$.")
FUNCTION_VALUE = N_("That is the value $f(x_0)$ of the function; the question asks for the slope $f'(x_0)$.")

MISTAKES = (
    Mistake("exponent-not-reduced", N_("Power rule: kept the exponent instead of lowering it by one.")),
    DROPPED_FACTOR,
    Mistake("constant-kept", N_("Kept a constant term, whose derivative is 0.")),
    Mistake("exponent-increased", N_("Power rule with a negative exponent: moved the exponent towards zero.")),
    SIGN_ERROR,
    FORGOT_INNER,
    Mistake("power-rule-on-exp", N_("Applied the power rule to an exponential.")),
    Mistake("log-of-argument", N_("Differentiated ln(g(x)) as 1/x.")),
    Mistake("derivative-is-itself", N_("Treated the sigmoid like e^x, as its own derivative.")),
    Mistake("forgot-square", N_("Forgot the square in tanh' = 1 - tanh^2.")),
    Mistake("product-of-derivatives", N_("Took the product of the derivatives for the derivative of a product.")),
    Mistake("product-rule-half", N_("Kept only one of the two terms of the product rule.")),
    Mistake("quotient-of-derivatives", N_("Took the quotient of the derivatives for the derivative of a quotient.")),
    Mistake("denominator-not-squared", N_("Quotient rule: divided by v instead of v^2.")),
    FUNCTION_FOR_DERIVATIVE,
    Mistake("forward-difference", N_("Used the forward difference instead of the central difference.")),
)


def _paren(x: float) -> str:
    """A number to subtract: in parentheses when negative (``2 - (-3)``, never ``2 - -3``)."""
    return f"({tex_num(x)})" if x < 0 else tex_num(x)


def _pick(rng: np.random.Generator, values) -> Any:
    return values[int(rng.integers(0, len(values)))]


def _nonzero(rng: np.random.Generator, lo: int, hi: int) -> int:
    values = [v for v in range(lo, hi + 1) if v != 0]
    return int(_pick(rng, values))


class _Draw:
    """One family's draw: f, the domain where f and f' are defined, and known wrong derivatives."""

    def __init__(self, f, domain, wrongs: Callable[[Any], list]):
        self.f, self.domain, self.wrongs = f, domain, wrongs


def _families():
    import sympy as sp

    from exgen.expr.symbolic import sigmoid

    x = sp.Symbol("x")
    half = sp.Rational(1, 2)

    def polynomial(rng, lo, hi):
        deg = int(rng.integers(2, 5))
        coeffs = [_nonzero(rng, lo, hi) for _ in range(deg + 1)]
        f = sum(c * x ** k for k, c in enumerate(coeffs))
        return _Draw(f, REAL, lambda fp: [
            (sum(k * c * x ** k for k, c in enumerate(coeffs)), "exponent-not-reduced",
             _("Power rule: $\\frac{d}{dx} x^n = n x^{n-1}$; the exponent goes down by one.")),
            (sum(c * x ** (k - 1) for k, c in enumerate(coeffs) if k), "dropped-constant-factor",
             _("Power rule: multiply by the old exponent, $\\frac{d}{dx} x^n = n x^{n-1}$.")),
            (fp + coeffs[0], "constant-kept", _("The derivative of a constant term is 0.")),
        ])

    def power(rng, lo, hi):
        p = _pick(rng, (-3, -2, -1, -half, half, sp.Rational(3, 2), 3, 4, 5))
        a = _nonzero(rng, lo, hi)
        wrongs = lambda fp: [  # noqa: E731
            (a * p * x ** p, "exponent-not-reduced",
             _("Power rule: $\\frac{d}{dx} x^n = n x^{n-1}$; lower the exponent.")),
            (a * x ** (p - 1), "dropped-constant-factor", _("Power rule: multiply by the exponent $n$ as well.")),
        ] + ([(a * p * x ** (p + 1), "exponent-increased",
               _("For a negative exponent, $n - 1$ is further from zero: $x^{-2} \\to -2x^{-3}$.")),
              (-a * p * x ** (p - 1), "sign-error", _("The exponent is negative, so $n x^{n-1}$ changes sign."))]
             if p < 0 else [])
        return _Draw(a * x ** p, POSITIVE, wrongs)

    def exp(rng, lo, hi):
        k = _pick(rng, (-3, -2, -half, half, 2, 3))
        a = _nonzero(rng, lo, hi)
        return _Draw(a * sp.exp(k * x), REAL, lambda fp: [
            (a * sp.exp(k * x), "forgot-inner-derivative", _(INNER)),
            (a * k * x * sp.exp(k * x - 1), "power-rule-on-exp",
             _("$e^{kx}$ is not a power of $x$: $\\frac{d}{dx} e^{kx} = k e^{kx}$.")),
        ] + ([(-fp, "sign-error", _(SIGN))] if k < 0 else []))

    def log(rng, lo, hi):
        b, c = int(_pick(rng, (2, 3, 4))), int(_pick(rng, (1, 2, 3)))
        a = _nonzero(rng, lo, hi)
        f = a * sp.log(b * x + c)
        return _Draw(f, POSITIVE, lambda fp: [
            (a / (b * x + c), "forgot-inner-derivative", _(INNER_AFFINE)),
            (a / x, "log-of-argument", _("$\\frac{d}{dx}\\ln(g(x)) = g'(x)/g(x)$, not $1/x$.")),
            (-fp, "sign-error", _(SIGN)),
        ])

    def sigmoid_(rng, lo, hi):
        k = _pick(rng, (-2, -half, half, 2, 3))
        a = _nonzero(rng, lo, hi)
        s = sigmoid(k * x)
        return _Draw(a * s, REAL, lambda fp: [
            (a * s * (1 - s), "forgot-inner-derivative", _(INNER)),
            (a * k * s, "derivative-is-itself", _("Unlike $e^x$, $\\sigma' = \\sigma(1 - \\sigma)$.")),
            (a * k * s * (1 + s), "sign-error", _("$\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$, with a minus sign.")),
        ])

    def tanh(rng, lo, hi):
        k = _pick(rng, (-2, -half, half, 2, 3))
        a = _nonzero(rng, lo, hi)
        t = sp.tanh(k * x)
        return _Draw(a * t, REAL, lambda fp: [
            (a * (1 - t ** 2), "forgot-inner-derivative", _(INNER)),
            (a * k * (1 + t ** 2), "sign-error", _("$\\tanh'(z) = 1 - \\tanh^2(z)$, with a minus sign.")),
            (a * k * (1 - t), "forgot-square", _("$\\tanh'(z) = 1 - \\tanh^2(z)$: the tanh is squared.")),
        ])

    def _factor(rng, lo, hi):
        n = int(rng.integers(1, 4))
        return _nonzero(rng, lo, hi) * x ** n

    def product(rng, lo, hi):
        u = _factor(rng, lo, hi)
        v, domain = _pick(rng, ((sp.exp(x), REAL), (sp.exp(-x), REAL), (sp.log(x), POSITIVE), (sp.tanh(x), REAL),
                                (sigmoid(x), REAL)))
        du, dv = sp.diff(u, x), sp.diff(v, x)
        return _Draw(u * v, domain, lambda fp: [
            (du * dv, "product-of-derivatives",
             _("The derivative of a product is not the product of the derivatives: $(uv)' = u'v + uv'$.")),
            (du * v, "product-rule-half", _("Product rule: $(uv)' = u'v + uv'$; you kept only $u'v$.")),
            (u * dv, "product-rule-half", _("Product rule: $(uv)' = u'v + uv'$; you kept only $uv'$.")),
            (du * v - u * dv, "sign-error", _("Product rule: $(uv)' = u'v + uv'$, with a plus sign.")),
        ])

    def quotient(rng, lo, hi):
        u = _pick(rng, (_factor(rng, lo, hi), _nonzero(rng, lo, hi) * sp.exp(x)))
        d = int(rng.integers(1, 4))
        v = _pick(rng, (x ** 2 + d, sp.exp(x) + d, x + d))
        du, dv = sp.diff(u, x), sp.diff(v, x)
        return _Draw(u / v, POSITIVE if v == x + d else REAL, lambda fp: [
            ((u * dv - du * v) / v ** 2, "sign-error",
             _("Quotient rule: $(u/v)' = (u'v - uv')/v^2$; the order in the numerator matters.")),
            (du / dv, "quotient-of-derivatives",
             _("The derivative of a quotient is not $u'/v'$: use $(u'v - uv')/v^2$.")),
            ((du * v - u * dv) / v, "denominator-not-squared", _("Quotient rule: divide by $v^2$, not $v$.")),
        ])

    return x, {"polynomial": polynomial, "power": power, "exp": exp, "log": log, "sigmoid": sigmoid_,
               "tanh": tanh, "product": product, "quotient": quotient}


class Derivative(ExerciseType):
    name = "derivative"
    title = N_("Derivative as a slope")
    topic = "4. Derivative and slope"
    summary = "f'(x) of polynomials, powers, exp, log, sigmoid, tanh, products, quotients; value; central difference"
    params = {
        "families": Subset(default=["polynomial", "power", "exp", "log", "sigmoid", "tanh", "product"],
                           choices=FAMILIES, doc="function families to draw f from (one is picked per instance)"),
        "coefficient_range": IntRange(default=[-4, 4], lo=-20, hi=20, doc="range of the integer coefficients"),
        "h": Float(default=0.1, lo=0.001, hi=0.5, doc="step h of the central difference"),
        "parts": Subset(default=list(PARTS), choices=PARTS, doc="which questions to ask, in order"),
    }
    presets = {"easy": {"families": ["polynomial", "power", "exp"], "coefficient_range": [-3, 3]},
               "hard": {"families": list(FAMILIES), "coefficient_range": [-6, 6]}}
    mistakes = MISTAKES

    def check_params(self, params: Mapping[str, Any]) -> list[tuple[str, str]]:
        if "central_difference" in params["parts"] and params["h"] < MIN_H:
            return [("h", f"a step h of {params['h']:g} makes the forward difference agree with the central "
                          "difference to the tolerance of the answer, so the forward difference would score; "
                          f"use h of at least {MIN_H:g}")]
        return []

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        import sympy as sp

        x, families = _families()
        lo, hi = params["coefficient_range"]
        if lo == hi == 0:
            lo, hi = 1, 1
        h = float(params["h"])

        def draw(rng):
            fam = params["families"][int(rng.integers(0, len(params["families"])))]
            d = families[fam](rng, lo, hi)
            fp = sp.factor_terms(sp.diff(d.f, x))
            x0 = float(_pick(rng, _POINTS[d.domain]))
            domain = {"x": d.domain}
            answer = stored(fp, ["x"])
            wrong_formulas = formula_wrongs(answer, [*d.wrongs(fp), (d.f, "function-not-derivative", _(FUNCTION))],
                                            ["x"], domain)
            if wrong_formulas is None:
                return None
            f_stored = stored(d.f, ["x"])
            value = value_of(answer, {"x": x0})
            fvals = [value_of(f_stored, {"x": x0 + s * h}) for s in (-1, 0, 1)]
            defined = [v for v in fvals if v is not None]
            if value is None or len(defined) < 3 or abs(value) > 1e5:
                return None
            f_minus, f_at, f_plus = defined
            central = (f_plus - f_minus) / (2 * h)
            point_wrongs = value_wrongs(value, [
                *((value_of(w.value, {"x": x0}), w.tag, w.feedback) for w in wrong_formulas
                  if w.tag != "function-not-derivative"),
                (f_at, "function-not-derivative", _(FUNCTION_VALUE))], POINT_TOLERANCE)
            cd_wrongs = value_wrongs(central, [
                ((f_plus - f_at) / h, "forward-difference",
                 _("That is the forward difference $(f(x_0+h) - f(x_0))/h$; the central difference uses "
                   "$f(x_0+h)$ and $f(x_0-h)$.")),
                ((f_plus - f_minus) / h, "dropped-constant-factor",
                 _("The central difference divides by $2h$, the distance between $x_0 - h$ and $x_0 + h$.")),
                ((f_minus - f_plus) / (2 * h), "sign-error",
                 _("The order is $f(x_0 + h) - f(x_0 - h)$: the later point first, as in a slope.")),
            ], POINT_TOLERANCE)
            if point_wrongs is None or cd_wrongs is None:
                return None
            return d, f_stored, x0, answer, wrong_formulas, value, fvals, central, point_wrongs, cd_wrongs

        d, f_stored, x0, answer, wrong_formulas, value, fvals, central, point_wrongs, cd_wrongs = draw_until(
            rng, draw, what="function")
        x0s, hs = tex_num(x0), tex_num(h)
        builders = {
            "formula": lambda: dict(
                kind=EXPRESSION, answer=answer, options=expression_options(["x"], {"x": d.domain}),
                prompt=_("Find the derivative $f'(x)$ as a formula in $x$ (you may write exp, log, sigmoid, tanh)."),
                solution=(f"$f'(x) = {answer['latex']}$.",), wrong_answers=tuple(wrong_formulas)),
            "value": lambda: dict(
                kind=SCALAR, answer=clean_float(value), tolerance=POINT_TOLERANCE,
                prompt=_("Compute the slope $f'(%(x0)s)$.") % {"x0": x0s},
                solution=(f"$f'(x) = {answer['latex']}$.", f"$f'({x0s}) \\approx {tex_num(value)}$."),
                wrong_answers=tuple(point_wrongs)),
            "central_difference": lambda: dict(
                kind=SCALAR, answer=clean_float(central), tolerance=POINT_TOLERANCE,
                prompt=_("Estimate $f'(%(x0)s)$ with the central difference $\\dfrac{f(x_0 + h) - f(x_0 - h)}{2h}$ "
                         "for $x_0 = %(x0)s$ and $h = %(h)s$.") % {"x0": x0s, "h": hs},
                solution=(_("$f(%(right)s) \\approx %(f_right)s$ and $f(%(left)s) \\approx %(f_left)s$.")
                          % {"right": tex_num(x0 + h), "f_right": tex_num(fvals[2]), "left": tex_num(x0 - h),
                             "f_left": tex_num(fvals[0])},
                          # Translators: a worked-solution step; %(quotient)s is the central difference with its numbers
                          # (TeX), %(central)s its value, %(slope)s the exact derivative.
                          _("$%(quotient)s \\approx %(central)s$, close to the exact slope $%(slope)s$.")
                          % {"quotient": f"({tex_num(fvals[2])} - {_paren(fvals[0])}) / {tex_num(2 * h)}",
                             "central": tex_num(central), "slope": tex_num(value)}),
                wrong_answers=tuple(cd_wrongs)),
        }
        ids = part_ids(len(params["parts"]))
        parts = [Part(id=i, **builders[name]()) for i, name in zip(ids, params["parts"])]
        given = {"f": f_stored, "x0": x0, "h": h}
        return Draft(given=given, parts=parts)

    def plot_spec(self, instance: Mapping[str, Any]) -> dict | None:
        """The curve of f near x0 and its tangent there."""
        given = instance.get("given") or {}
        f = given.get("f")
        if not isinstance(f, Mapping) or "expr" not in f or "x0" not in given:
            return None
        return tangent_spec(f["expr"], x0=given["x0"])


TYPE = Derivative()
