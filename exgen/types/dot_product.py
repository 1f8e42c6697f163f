"""Dot product: its value, the direction it reveals (same / orthogonal / opposite), cosine similarity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exgen.answers import CHOICE, MATRIX, SCALAR
from exgen.formatting import num, tex_num
from exgen.instance import Part, WrongAnswer
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.draw import array, clean, size, value_params
from exgen.types.params import IntRange, Subset

PARTS = ("value", "direction", "cosine")
RELATIONS = ("same", "orthogonal", "opposite")
DIRECTION_CHOICES = {"choices": [
    {"key": "same", "label": "Same direction (acute angle)"},
    {"key": "orthogonal", "label": "Orthogonal (right angle)"},
    {"key": "opposite", "label": "Opposite direction (obtuse angle)"},
]}
COSINE_TOLERANCE = {"abs": 0.005, "rel": 0.0, "decimals": 3}  # the prompt asks for 3 decimal places
_SIGN_WORD = {"same": "positive", "orthogonal": "zero", "opposite": "negative"}


def _orthogonal_to(a: np.ndarray, rng: np.random.Generator, params) -> np.ndarray | None:
    """Draw b with a . b == 0: by rejection first, then by a rotation of two entries of a."""
    for _ in range(200):
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


def _paren(x) -> str:
    """Return a term of a sum, in parentheses when negative (``3 + (-4)``)."""
    return f"({tex_num(x)})" if x < 0 else tex_num(x)


class DotProduct(ExerciseType):
    name = "dot_product"
    title = "Dot product"
    topic = "2. Dot product"
    summary = "value of a . b, same / orthogonal / opposite direction, cosine similarity"
    params = {
        "dim": IntRange(default=[3, 4], lo=2, hi=10, doc="length of the vectors a and b"),
        **value_params(default_range=(-5, 5)),
        "parts": Subset(default=list(PARTS), choices=PARTS, doc="which questions to ask, in order"),
    }
    presets = {"easy": {"dim": [2, 3], "value_range": [-3, 3]}, "hard": {"dim": [4, 6], "decimals": 1}}

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        # Orthogonal vectors have cosine 0 = their dot product, which would hide the normalisation mistake.
        allowed = ("same", "opposite") if "cosine" in params["parts"] else RELATIONS
        relation = allowed[int(rng.integers(0, len(allowed)))]

        def draw(rng):
            n = size(rng, params["dim"])
            a = array(rng, (n,), params)
            if not np.any(a != 0):
                return None
            b = _orthogonal_to(a, rng, params) if relation == "orthogonal" else array(rng, (n,), params)
            if b is None or not np.any(b != 0):
                return None
            d = float(clean(np.dot(a, b)))
            if (relation == "same") != (d > 0) or (relation == "opposite") != (d < 0):
                return None
            norms = float(np.linalg.norm(a) * np.linalg.norm(b))
            cos = d / norms
            # Every misconception must give a different number than the key.
            if abs(d - norms) < 1e-9 or abs(d - float(np.sum(a) + np.sum(b))) < 1e-9:
                return None
            if "cosine" in params["parts"] and abs(cos - d) <= COSINE_TOLERANCE["abs"] * 2:
                return None
            return a, b, d, cos, norms
        a, b, d, cos, norms = draw_until(rng, draw, what=f"pair of vectors ({relation})")
        given = {"a": clean(a), "b": clean(b)}
        builders = {"value": lambda: self._value(a, b, d, norms), "direction": lambda: self._direction(d, relation),
                    "cosine": lambda: self._cosine(a, b, d, cos)}
        parts = [Part(**{**builders[name](), "id": chr(ord("a") + k)}) for k, name in enumerate(params["parts"])]
        return Draft(given=given, parts=parts)

    @staticmethod
    def _terms(a: np.ndarray, b: np.ndarray) -> str:
        return " + ".join(f"({tex_num(clean(x))})({tex_num(clean(y))})" for x, y in zip(a, b))

    def _value(self, a, b, d, norms) -> dict:
        elementwise = clean(a * b)
        return dict(
            kind=SCALAR, prompt="Compute the dot product $a \\cdot b$.", answer=clean(d),
            solution=(f"Multiply corresponding entries and add: $a \\cdot b = {self._terms(a, b)}$.",
                      f"$= {' + '.join(_paren(x) for x in elementwise)} = {tex_num(clean(d))}$."),
            wrong_answers=(
                WrongAnswer(elementwise, "elementwise-not-summed",
                            "This is the element-wise product $a \\odot b$ (a vector); the dot product is the "
                            "sum of its entries, a single number.", kind=MATRIX),
                WrongAnswer(clean(float(np.sum(a) + np.sum(b))), "added-entries",
                            "You added the entries; the dot product multiplies corresponding entries, then adds "
                            "the products."),
                WrongAnswer(round(norms, 6), "product-of-lengths",
                            "$|a|\\,|b|$ is the product of the lengths; the dot product also carries "
                            "$\\cos\\theta$: multiply corresponding entries and add.",),
            ))

    def _direction(self, d, relation) -> dict:
        wrongs = tuple(
            WrongAnswer(other, f"direction-{other}",
                        f"$a \\cdot b = {tex_num(clean(d))}$ is {_SIGN_WORD[relation]}: "
                        + {"same": "a positive dot product means an acute angle (same general direction).",
                           "orthogonal": "a zero dot product means the vectors are orthogonal.",
                           "opposite": "a negative dot product means an obtuse angle (opposite "
                                       "directions)."}[relation])
            for other in RELATIONS if other != relation)
        return dict(kind=CHOICE, options=DIRECTION_CHOICES, answer=relation,
                    prompt="Do $a$ and $b$ point in the same direction, are they orthogonal, or do they point in "
                           "opposite directions? Answer same, orthogonal or opposite.",
                    solution=(f"$a \\cdot b = {tex_num(clean(d))}$, which is {_SIGN_WORD[relation]}, and "
                              "$a \\cdot b = |a|\\,|b| \\cos\\theta$ has the sign of $\\cos\\theta$.",
                              f"So the answer is: {DIRECTION_CHOICES['choices'][RELATIONS.index(relation)]['label']}."),
                    wrong_answers=wrongs)

    def _cosine(self, a, b, d, cos) -> dict:
        na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
        return dict(
            kind=SCALAR, tolerance=COSINE_TOLERANCE, answer=round(cos, 6),
            prompt="Compute the cosine similarity $\\cos\\theta = \\dfrac{a \\cdot b}{|a|\\,|b|}$ "
                   "(to 3 decimal places).",
            solution=(f"$|a| = \\sqrt{{{num(clean(np.dot(a, a)))}}} \\approx {tex_num(round(na, 4))}$ and "
                      f"$|b| = \\sqrt{{{num(clean(np.dot(b, b)))}}} \\approx {tex_num(round(nb, 4))}$.",
                      f"$\\cos\\theta = {tex_num(clean(d))} / ({tex_num(round(na, 4))} \\cdot {tex_num(round(nb, 4))})"
                      f" \\approx {tex_num(round(cos, 4))}$."),
            wrong_answers=(WrongAnswer(clean(d), "not-normalised",
                                       "That is the dot product itself; divide it by $|a|\\,|b|$ to get the "
                                       "cosine."),))


TYPE = DotProduct()
