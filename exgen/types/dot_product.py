"""Dot product: its value, the angle its sign reveals (acute / right / obtuse), cosine similarity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exgen.answers import CHOICE, MATRIX, SCALAR
from exgen.answers.choice import option
from exgen.formatting import num, tex_num
from exgen.i18n import N_, NP_, _
from exgen.instance import Part, WrongAnswer
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.draw import array, clean, size, value_params
from exgen.types.mistakes import SIGN, Mistake
from exgen.types.params import IntRange, Subset

PARTS = ("value", "direction", "cosine")
RELATIONS = ("acute", "right", "obtuse")
DIRECTION_LABELS = {
    "acute": N_("Acute angle (a positive dot product)"),
    "right": N_("Right angle: orthogonal (a zero dot product)"),
    "obtuse": N_("Obtuse angle (a negative dot product)"),
}
# Translators: the words a student may type for each angle, separated by | (예각, 직각, 둔각).
DIRECTION_WORDS = (NP_("answer words", "acute"), NP_("answer words", "right"), NP_("answer words", "obtuse"))
COSINE_TOLERANCE = {"abs": 0.005, "rel": 0.0, "decimals": 3}  # 3 decimal places, rounded, always score
#: Why the sign gives the angle, one whole sentence per relation (%(value)s: the dot product, as TeX).
_ANGLE_RULE = {
    "acute": N_("$a \\cdot b = %(value)s$ is positive: a positive dot product means an acute angle (less than 90 "
                "degrees)."),
    "right": N_("$a \\cdot b = %(value)s$ is zero: a zero dot product means a right angle: the vectors are "
                "orthogonal."),
    "obtuse": N_("$a \\cdot b = %(value)s$ is negative: a negative dot product means an obtuse angle (more than 90 "
                 "degrees)."),
}
_SIGN_OF_COSINE = {
    "acute": N_("$a \\cdot b = %(value)s$, which is positive, and $a \\cdot b = |a|\\,|b| \\cos\\theta$ has the "
                "sign of $\\cos\\theta$."),
    "right": N_("$a \\cdot b = %(value)s$, which is zero, and $a \\cdot b = |a|\\,|b| \\cos\\theta$ has the sign "
                "of $\\cos\\theta$."),
    "obtuse": N_("$a \\cdot b = %(value)s$, which is negative, and $a \\cdot b = |a|\\,|b| \\cos\\theta$ has the "
                 "sign of $\\cos\\theta$."),
}

MISTAKES = (
    Mistake("elementwise-not-summed", N_("Stopped at the element-wise product: did not add the products.")),
    Mistake("added-entries", N_("Added the entries of a and b instead of multiplying them.")),
    Mistake("product-of-lengths", N_("Gave |a| |b|, leaving out the cosine.")),
    SIGN,
    Mistake("angle-from-sign", N_("Did not read the angle from the sign of the dot product.")),
    Mistake("not-normalised", N_("Gave the dot product itself as the cosine, not divided by |a| |b|.")),
    Mistake("squared-lengths", N_("Divided by the squared lengths |a|^2 |b|^2 (forgot the square roots).")),
)


def _orthogonal_to(a: np.ndarray, rng: np.random.Generator, params) -> np.ndarray | None:
    """Draw b with a . b == 0: by rejection first, then by a rotation of two entries of a."""
    for _attempt in range(200):
        b = array(rng, a.shape, params)
        if np.any(b != 0) and float(np.dot(a, b)) == 0.0:
            return b
    idx = np.flatnonzero(a)
    if len(idx) == 0:
        return None
    i = int(idx[0])
    j = int(rng.choice([k for k in range(len(a)) if k != i]))
    b = np.zeros_like(a)
    b[i], b[j] = a[j], -a[i]
    return b if np.any(b != 0) else None


class DotProduct(ExerciseType):
    name = "dot_product"
    title = N_("Dot product")
    topic = "2. Dot product"
    summary = "value of a . b, the angle its sign reveals (acute / right / obtuse), cosine similarity"
    params = {
        "dim": IntRange(default=[3, 4], lo=2, hi=10, doc="length of the vectors a and b"),
        **value_params(default_range=(-5, 5)),
        "parts": Subset(default=list(PARTS), choices=PARTS, doc="which questions to ask, in order"),
    }
    presets = {"easy": {"dim": [2, 3], "value_range": [-3, 3]}, "hard": {"dim": [4, 6], "decimals": 1}}

    mistakes = MISTAKES

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        # A zero dot product hides a sign error (-0 = 0) and makes the cosine 0 = the dot product, so a
        # right angle is asked only when neither the value nor the cosine is.
        numeric = {"value", "cosine"} & set(params["parts"])
        allowed = ("acute", "obtuse") if numeric else RELATIONS
        relation = allowed[int(rng.integers(0, len(allowed)))]

        def draw(rng):
            n = size(rng, params["dim"])
            a = array(rng, (n,), params)
            if not np.any(a != 0):
                return None
            b = _orthogonal_to(a, rng, params) if relation == "right" else array(rng, (n,), params)
            if b is None or not np.any(b != 0):
                return None
            d = float(clean(np.dot(a, b)))
            if (relation == "acute") != (d > 0) or (relation == "obtuse") != (d < 0):
                return None
            return a, b, d
        a, b, d = draw_until(rng, draw, what=f"pair of vectors ({relation} angle)")
        norms = float(np.linalg.norm(a) * np.linalg.norm(b))
        given = {"a": clean(a), "b": clean(b)}
        builders = {"value": lambda: self._value(a, b, d, norms), "direction": lambda: self._direction(d, relation),
                    "cosine": lambda: self._cosine(a, b, d, norms)}
        parts = [Part(**{**builders[name](), "id": chr(ord("a") + k)}) for k, name in enumerate(params["parts"])]
        return Draft(given=given, parts=parts)

    @staticmethod
    def _terms(a: np.ndarray, b: np.ndarray) -> str:
        return " + ".join(f"({tex_num(clean(x))})({tex_num(clean(y))})" for x, y in zip(a, b))

    def _value(self, a, b, d, norms) -> dict:
        elementwise = clean(a * b)
        return dict(
            kind=SCALAR, prompt=_("Compute the dot product $a \\cdot b$."), answer=clean(d),
            solution=(_("Multiply corresponding entries and add: $a \\cdot b = %(terms)s$.")
                      % {"terms": self._terms(a, b)},
                      f"$= {_sum_tex(elementwise)} = {tex_num(clean(d))}$."),
            wrong_answers=(
                WrongAnswer(elementwise, "elementwise-not-summed",
                            _("This is the element-wise product $a \\odot b$ (a vector); the dot product is the "
                              "sum of its entries, a single number."), kind=MATRIX),
                WrongAnswer(clean(float(np.sum(a) + np.sum(b))), "added-entries",
                            _("You added the entries; the dot product multiplies corresponding entries, then adds "
                              "the products.")),
                WrongAnswer(round(norms, 6), "product-of-lengths",
                            _("$|a|\\,|b|$ is the product of the lengths; the dot product also carries "
                              "$\\cos\\theta$: multiply corresponding entries and add."),),
                WrongAnswer(clean(-d), "sign-error",
                            _("The sign is wrong: check the sign of each product (a negative times a negative is "
                              "positive) before adding.")),
            ))

    def _direction(self, d, relation) -> dict:
        value = {"value": tex_num(clean(d))}
        feedback = _(_ANGLE_RULE[relation]) % value
        wrongs = tuple(WrongAnswer(other, "angle-from-sign", feedback) for other in RELATIONS if other != relation)
        return dict(kind=CHOICE, answer=relation,
                    options={"choices": [option(key, DIRECTION_LABELS[key]) for key in RELATIONS]},
                    # Translators: the student may answer with the words of "answer words" acute/right/obtuse.
                    prompt=_("Is the angle between $a$ and $b$ acute, a right angle (the vectors are orthogonal), "
                             "or obtuse? Answer acute, right or obtuse."),
                    solution=(_(_SIGN_OF_COSINE[relation]) % value,
                              _("So the answer is: %(label)s.") % {"label": _(DIRECTION_LABELS[relation])}),
                    wrong_answers=wrongs)

    def _cosine(self, a, b, d, norms) -> dict:
        cos = d / norms
        na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
        return dict(
            kind=SCALAR, tolerance=COSINE_TOLERANCE, answer=round(cos, 6),
            prompt=_("Compute the cosine similarity $\\cos\\theta = \\dfrac{a \\cdot b}{|a|\\,|b|}$."),
            solution=(_("$|a| = %(a)s$ and $|b| = %(b)s$.") % {"a": _root(np.dot(a, a)), "b": _root(np.dot(b, b))},
                      f"$\\cos\\theta = {tex_num(clean(d))} / ({_approx(na)} \\cdot {_approx(nb)})"
                      f" \\approx {tex_num(round(cos, 4))}$."),
            wrong_answers=(
                WrongAnswer(clean(d), "not-normalised",
                            _("That is the dot product itself; divide it by $|a|\\,|b|$ to get the cosine.")),
                WrongAnswer(round(d / norms ** 2, 6), "squared-lengths",
                            _("You divided by $|a|^2\\,|b|^2$; the lengths are square roots: "
                              "$|a| = \\sqrt{a \\cdot a}$.")),
                WrongAnswer(round(-cos, 6), "sign-error",
                            _("The sign is wrong: the cosine has the sign of $a \\cdot b$.")),
            ))


def _sum_tex(terms) -> str:
    """Return the products of a dot product as a sum: ``-4 + 5 - 4`` (a negative term is subtracted)."""
    out = ""
    for k, x in enumerate(terms):
        if k == 0:
            out = tex_num(x)
        else:
            out += f" - {tex_num(-x)}" if x < 0 else f" + {tex_num(x)}"
    return out


def _root(square) -> str:
    """Return a length as TeX: ``\\sqrt{49} = 7`` when exact, ``\\sqrt{35} \\approx 5.9161`` otherwise."""
    sq = clean(square)
    root = float(np.sqrt(float(sq)))
    if root == round(root) and float(sq) == round(root) ** 2:
        return f"\\sqrt{{{num(sq)}}} = {num(round(root))}"
    return f"\\sqrt{{{num(sq)}}} \\approx {tex_num(round(root, 4))}"


def _approx(x: float) -> str:
    return tex_num(round(x, 4))


TYPE = DotProduct()
