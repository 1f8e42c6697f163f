"""Chain rule: inner and outer function of a composite, its derivative formula and its value at a point."""

from __future__ import annotations

from collections.abc import Mapping
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
    values_on,
)
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.mistakes import DROPPED_FACTOR, FORGOT_INNER, FUNCTION_FOR_DERIVATIVE, Mistake
from exgen.types.mistakes import SIGN as SIGN_ERROR
from exgen.types.params import IntRange, Subset

OUTERS = ("power", "exp", "log", "sqrt", "sigmoid", "tanh")
INNERS = ("linear", "quadratic", "softplus")
PARTS = ("inner", "outer", "derivative", "value")
_NEEDS_POSITIVE = ("log", "sqrt")
_POINTS = (-1.0, -0.5, 0.5, 1.0)

INNER_FEEDBACK = N_("You forgot the inner derivative: $\\frac{d}{dx} f(g(x)) = f'(g(x))\\,g'(x)$; multiply by "
                     "$g'(x)$.")
INNERMOST_FEEDBACK = N_("You stopped one level early: the innermost function also contributes its derivative to "
                         "the product.")
AT_X_FEEDBACK = N_("The outer derivative must be evaluated at the inner function: $f'(g(x))$, not $f'(x)$.")
FACTOR_FEEDBACK = N_("A constant factor is missing: check the factor from each derivative (exponents, inner slopes).")
SIGN_FEEDBACK = N_("Check the sign: a minus sign from one of the derivatives was lost or added.")
STATEMENT = N_("Write $h(x) = f(g(x))$, where $f$ is the last function applied (a power $u^n$, $e^u$, $\\ln u$, "
               "$\\sqrt{u}$, $\\sigma(u)$ or $\\tanh u$, without extra constants) and $g(x)$ is everything inside it.")


FUNCTION_VALUE_FEEDBACK = N_("That is the value $h(x_0)$ of the function; the question asks for $h'(x_0)$.")

MISTAKES = (
    FORGOT_INNER,
    Mistake("forgot-innermost-derivative", N_("Stopped the chain rule one level early (three nested functions).")),
    Mistake("outer-derivative-at-x", N_("Evaluated the outer derivative at x instead of at the inner function.")),
    DROPPED_FACTOR,
    SIGN_ERROR,
    Mistake("swapped-inner-outer", N_("Swapped the inner and the outer function.")),
    Mistake("innermost-only", N_("Took only the innermost expression as the inner function.")),
    Mistake("derivative-not-function", N_("Gave the derivative of the outer function instead of the function.")),
    FUNCTION_FOR_DERIVATIVE,
)


def _pick(rng: np.random.Generator, values) -> Any:
    return values[int(rng.integers(0, len(values)))]


def _library():
    import sympy as sp

    from exgen.expr.symbolic import sigmoid

    x, u = sp.symbols("x u")
    half = sp.Rational(1, 2)

    def outer(name, rng):
        if name == "power":
            n = int(rng.integers(2, 6))
            return lambda z: z ** n
        return {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "sigmoid": sigmoid, "tanh": sp.tanh}[name]

    def inner(name, rng, positive: bool):
        if name == "softplus" or (positive and name == "linear"):
            return 1 + sp.exp(_pick(rng, (1, -1, 2, half)) * x)
        if name == "linear":
            return _pick(rng, (-3, -2, -half, half, 2, 3)) * x + int(rng.integers(-3, 4))
        a = _pick(rng, (1, 2, 3) if positive else (-2, -1, 1, 2, 3))
        if positive:
            return a * x ** 2 + int(rng.integers(1, 4))
        return a * x ** 2 + int(rng.integers(-2, 3)) * x + int(rng.integers(-2, 4))

    return sp, x, u, outer, inner


class ChainRule(ExerciseType):
    name = "chain_rule"
    title = N_("The chain rule")
    topic = "6. Chain rule"
    summary = "inner / outer function of f(g(x)), the derivative by the chain rule, its value at a point"
    params = {
        "levels": IntRange(default=[2, 2], lo=2, hi=3, doc="how many functions are composed (2: f(g(x)))"),
        "outer": Subset(default=list(OUTERS), choices=OUTERS, doc="outer functions to draw from"),
        "inner": Subset(default=list(INNERS), choices=INNERS,
                        doc="innermost functions: linear w x + b, quadratic, softplus 1 + exp(c x)"),
        "parts": Subset(default=list(PARTS), choices=PARTS, doc="which questions to ask, in order"),
    }
    presets = {"easy": {"outer": ["power", "exp"], "inner": ["linear", "quadratic"]},
               "hard": {"levels": [2, 3]}}
    mistakes = MISTAKES

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        sp, x, u, outer, inner = _library()

        def draw(rng):
            levels = int(rng.integers(params["levels"][0], params["levels"][1] + 1))
            out_name = _pick(rng, params["outer"])
            positive = out_name in _NEEDS_POSITIVE
            f = outer(out_name, rng)
            k = inner(_pick(rng, params["inner"]), rng, positive and levels == 2)
            if levels == 3:
                m = outer(_pick(rng, ("exp", "sigmoid") if positive else ("power", "exp", "sigmoid", "tanh")), rng)
                g = m(k)
            else:
                m, g = None, k
            h = f(g)
            lo, hi = (-1.5, 1.5) if levels == 2 else (-1.0, 1.0)
            domain = {"x": (lo, hi)}
            hp = sp.diff(h, x)
            h_s, hp_s, g_s = stored(h, ["x"]), stored(hp, ["x"]), stored(g, ["x"])
            if g_s["expr"] not in h_s["expr"] or h_s["expr"].startswith("-") or g_s["expr"].startswith("-"):
                # sympy rewrote the argument (tanh(-z) -> -tanh(z)): h = -tanh(z)^5 reads as f = -u^5 of
                # g = tanh(z), a natural split the key would not accept
                return None
            grid = np.linspace(lo, hi, 41)
            vals = [values_on(s_, "x", grid) for s_ in (h_s, hp_s, g_s)]
            if not all(np.isfinite(v).all() for v in vals) or np.abs(vals[1]).max() > 1e5:
                return None
            u_dom = (float(vals[2].min()), float(vals[2].max()))
            if u_dom[1] - u_dom[0] < 0.05:
                return None
            fprime = sp.diff(f(u), u)
            gp = sp.diff(g, x)
            wrongs = [(fprime.subs(u, g), "forgot-inner-derivative", _(INNER_FEEDBACK))]
            if m is not None:
                wrongs.append((fprime.subs(u, g) * sp.diff(m(u), u).subs(u, k), "forgot-innermost-derivative",
                               _(INNERMOST_FEEDBACK)))
            wrongs.append((fprime.subs(u, x) * gp, "outer-derivative-at-x", _(AT_X_FEEDBACK)))
            coeff, _rest = sp.factor_terms(hp).as_coeff_Mul()
            if coeff.is_number and abs(coeff) not in (0, 1):
                wrongs.append((hp / abs(coeff), "dropped-constant-factor", _(FACTOR_FEEDBACK)))
            wrongs.append((-hp, "sign-error", _(SIGN_FEEDBACK)))
            d_wrongs = formula_wrongs(hp_s, wrongs, ["x"], domain)
            if d_wrongs is None or not {"forgot-inner-derivative", "outer-derivative-at-x"} <= {w.tag for w in d_wrongs}:
                return None
            inner_wrongs = [(f(x), "swapped-inner-outer", _("That is the outer function written in $x$; $g$ is the "
                                                            "expression inside it."))]
            if m is not None:
                inner_wrongs.append((k, "innermost-only", _("$g(x)$ is everything inside the outer function, not only "
                                                            "the innermost expression.")))
            i_wrongs = formula_wrongs(g_s, inner_wrongs, ["x"], domain)
            f_s = stored(f(u), ["u"])
            o_wrongs = formula_wrongs(f_s, [
                (g.subs(x, u), "swapped-inner-outer",
                 _("That is the inner function; $f$ is the last function applied.")),
                (fprime, "derivative-not-function", _("That is $f'(u)$; the question asks for $f(u)$ itself.")),
            ], ["u"], {"u": u_dom})
            x0 = float(_pick(rng, [p for p in _POINTS if lo <= p <= hi]))
            value = value_of(hp_s, {"x": x0})
            if value is None:
                return None
            v_wrongs = value_wrongs(value, [
                *((value_of(w.value, {"x": x0}), w.tag, w.feedback) for w in d_wrongs),
                (value_of(h_s, {"x": x0}), "function-not-derivative", _(FUNCTION_VALUE_FEEDBACK))], POINT_TOLERANCE)
            if None in (i_wrongs, o_wrongs, v_wrongs) or not (i_wrongs and o_wrongs and v_wrongs):
                return None
            return dict(h=h_s, g=g_s, f=f_s, hp=hp_s, domain=domain, u_dom=u_dom, x0=x0, value=value,
                        d_wrongs=d_wrongs, i_wrongs=i_wrongs, o_wrongs=o_wrongs, v_wrongs=v_wrongs,
                        levels=levels)

        d = draw_until(rng, draw, what="composite function")
        x0s = tex_num(d["x0"])
        chain = (_("$h'(x) = f'(g(x))\\,g'(x)$ with $f(u) = %(f)s$ and $g(x) = %(g)s$.")
                 % {"f": d["f"]["latex"], "g": d["g"]["latex"]})
        builders = {
            "inner": lambda: dict(
                kind=EXPRESSION, answer=d["g"], options=expression_options(["x"], d["domain"]),
                prompt=_(STATEMENT) + " " + _("Give the inner function $g(x)$, a formula in $x$."),
                solution=(_("The last operation is $f$; inside it is $g(x) = %(g)s$.") % {"g": d["g"]["latex"]},),
                wrong_answers=tuple(d["i_wrongs"])),
            "outer": lambda: dict(
                kind=EXPRESSION, answer=d["f"], options=expression_options(["u"], {"u": d["u_dom"]}),
                prompt=_("With $h(x) = f(g(x))$ as above, give the outer function $f(u)$, a formula in $u$."),
                solution=(_("$f(u) = %(f)s$, so that $h(x) = f(g(x))$.") % {"f": d["f"]["latex"]},),
                wrong_answers=tuple(d["o_wrongs"])),
            "derivative": lambda: dict(
                kind=EXPRESSION, answer=d["hp"], options=expression_options(["x"], d["domain"]),
                prompt=_("Find $h'(x)$ as a formula in $x$ (you may write exp, log, sigmoid, tanh)."),
                solution=(chain, f"$h'(x) = {d['hp']['latex']}$."), wrong_answers=tuple(d["d_wrongs"])),
            "value": lambda: dict(
                kind=SCALAR, answer=clean_float(d["value"]), tolerance=POINT_TOLERANCE,
                prompt=_("Compute $h'(%(x0)s)$.") % {"x0": x0s},
                solution=(f"$h'(x) = {d['hp']['latex']}$.", f"$h'({x0s}) \\approx {tex_num(d['value'])}$."),
                wrong_answers=tuple(d["v_wrongs"])),
        }
        parts = [Part(id=i, **builders[name]()) for i, name in zip(part_ids(len(params["parts"])), params["parts"])]
        return Draft(given={"h": d["h"], "x0": d["x0"], "levels": d["levels"]}, parts=parts)


TYPE = ChainRule()

