"""Mini-batch shapes: shapes of an affine layer's values and gradients, which backward formula has
consistent shapes, and shapes through a two-layer network (topics.md section 8).

Sizes are concrete (distinct integers, so a swapped shape is never right by accident) or symbolic
(distinct letters such as N, D, H); shape answers are read by the ``shape`` kind, which keeps symbols.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exgen.answers import CHOICE, SHAPE
from exgen.instance import Part, WrongAnswer
from exgen.types._backprop import dL
from exgen.types.base import Draft, ExerciseType
from exgen.types.params import Choice, Int, Subset

ASK = ("layer", "formula", "two_layer")
#: Symbol pools per role (no x/X: "N x H" must stay readable as a shape).
SYMBOLS = {"N": ("N", "B"), "D": ("D", "M"), "H": ("H", "K"), "C": ("C", "P")}
DY = dL("y")

# Candidate backward formulas: (label as typed, TeX, factors as (matrix, transposed)).
FORMULAS = {
    "W": [("x^T dL/dy", rf"x^\top {DY}", (("x", True), ("dy", False))),
          ("dL/dy x^T", rf"{DY}\, x^\top", (("dy", False), ("x", True))),
          ("W^T dL/dy", rf"W^\top {DY}", (("W", True), ("dy", False))),
          ("dL/dy^T x", rf"{DY}^\top x", (("dy", True), ("x", False))),
          ("x dL/dy^T", rf"x\, {DY}^\top", (("x", False), ("dy", True)))],
    "x": [("dL/dy W^T", rf"{DY}\, W^\top", (("dy", False), ("W", True))),
          ("dL/dy W", rf"{DY}\, W", (("dy", False), ("W", False))),
          ("W^T dL/dy", rf"W^\top {DY}", (("W", True), ("dy", False))),
          ("W dL/dy^T", rf"W {DY}^\top", (("W", False), ("dy", True))),
          ("x^T dL/dy", rf"x^\top {DY}", (("x", True), ("dy", False)))],
}


def _plain_dims(shape) -> str:
    return " x ".join(str(d) for d in shape)


def _dims(shape) -> str:
    return r" \times ".join(str(d) for d in shape)


def _shape_part(pid: str, meaning: str, what: str, answer: tuple, wrong: list[tuple[tuple, str, str]], solution: list[str]) -> Part:
    wa = [WrongAnswer(value=list(v), tag=t, feedback=f) for v, t, f in wrong if tuple(v) != tuple(answer)]
    return Part(id=pid, kind=SHAPE, prompt=f"What is the shape of {what}?", answer=list(answer),
                solution=solution, wrong_answers=wa, options={"means": meaning})


def product_shape(factors: list[tuple[tuple, bool]], *, tex: bool = False) -> tuple[tuple | None, str]:
    """Return (shape of the product or None, an explanation) for ``[(shape, transposed), ...]``.

    The explanation is plain text (``(N x H)(D x H)``) or, with ``tex``, rich text with math.
    """
    shapes = [tuple(reversed(s)) if t else tuple(s) for s, t in factors]
    if tex:
        dims, m = _dims, "$"
    else:
        dims, m = _plain_dims, ""
    text = "".join(f"{m}({dims(s)}){m}" for s in shapes)
    a, b = shapes
    if a[1] != b[0]:
        return None, f"{text}: the inner sizes {m}{a[1]}{m} and {m}{b[0]}{m} differ, so the product is undefined"
    return (a[0], b[1]), f"{text} gives {m}{dims((a[0], b[1]))}{m}"


class BatchShapes(ExerciseType):
    name = "batch_shapes"
    title = "Shapes in a mini-batch"
    topic = "8. Mini-batch shapes"
    summary = "Shapes of x W, its gradients and the bias gradient; which backward formula fits; a two-layer net."
    params = {
        "sizes": Choice(default="any", doc="concrete sizes, symbols (N, D, H), or either",
                        choices=("any", "concrete", "symbolic")),
        "ask": Subset(default=ASK, doc="question groups: one layer, the consistent formula, two layers",
                      choices=ASK),
        "max_size": Int(default=9, doc="largest concrete size (sizes are distinct, from 2)", lo=5, hi=64),
    }
    presets = {"easy": {"sizes": "concrete", "ask": ("layer", "formula")}}

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        mode = params["sizes"]
        symbolic = mode == "symbolic" or (mode == "any" and bool(rng.integers(2)))
        N: str | int
        D: str | int
        H: str | int
        C: str | int
        if symbolic:
            N, D, H, C = (SYMBOLS[r][int(rng.integers(2))] for r in "NDHC")
        else:
            N, D, H, C = (int(v) for v in rng.choice(np.arange(2, params["max_size"] + 1), size=4, replace=False))
        sizes = {"N": N, "D": D, "H": H, "C": C}
        ask = params["ask"]
        parts: list[Part] = []
        ids = iter("abcdefghij")
        data = [rf"$x$ is ${_dims((N, D))}$ (a batch of ${N}$ rows), $W$ is ${_dims((D, H))}$, $b$ is "
                rf"${_dims((1, H))}$, and $y = xW + b$ (the bias is repeated over the ${N}$ rows)."]
        if "layer" in ask:
            parts += [
                _shape_part(next(ids), "y", "$y = xW + b$", (N, H), [
                    ((D, H), "shape-of-W", "That is the shape of W; xW has the rows of x and the columns of W."),
                    ((N, D), "shape-of-x", "That is the shape of x; xW has the rows of x and the columns of W."),
                    ((1, H), "bias-shape", "That is the shape of b; it is repeated over the batch, so y has N rows.")],
                    [rf"$({_dims((N, D))})({_dims((D, H))}) = {_dims((N, H))}$; adding the repeated $b$ keeps it."]),
                _shape_part(next(ids), "dx", f"${dL('x')}$", (N, D), [
                    ((N, H), "shape-of-dy", "That is the shape of dL/dy; a gradient has the shape of its variable, x."),
                    ((D, H), "shape-of-W", "That is the shape of W; dL/dx has the shape of x.")],
                    [rf"A gradient has the shape of its variable: $x$ is ${_dims((N, D))}$; indeed "
                     rf"${DY} W^\top$ is $({_dims((N, H))})({_dims((H, D))})$."]),
                _shape_part(next(ids), "dW", f"${dL('W')}$", (D, H), [
                    ((H, D), "transposed", "H x D is the shape of dL/dy^T x, the transpose; dL/dW = x^T dL/dy has "
                     "the shape of W."),
                    ((N, H), "shape-of-dy", "That is the shape of dL/dy; dL/dW has the shape of W.")],
                    [rf"$x^\top {DY}$ is $({_dims((D, N))})({_dims((N, H))}) = {_dims((D, H))}$, the shape of $W$."]),
                _shape_part(next(ids), "db", f"${dL('b')}$", (1, H), [
                    ((N, H), "bias-not-summed", "That is the shape of dL/dy; b was repeated over the N rows, so its "
                     "gradient sums dL/dy over the batch (axis 0) to 1 x H."),
                    ((N, 1), "wrong-axis", "Summing over axis 1 gives N x 1; the bias gradient sums over the batch "
                     "(axis 0), giving b's shape.")],
                    [rf"The repeat node's backward sums over axis 0: ${dL('b')} = \sum_i {DY}_{{i,:}}$ is "
                     rf"${_dims((1, H))}$, the shape of $b$."]),
            ]
        if "formula" in ask:
            parts.append(self._formula(next(ids), sizes, rng))
        if "two_layer" in ask:
            data.append(rf"A two-layer network: $h = \sigma(x W_1 + b_1)$ with $W_1$ ${_dims((D, H))}$ "
                        rf"($\sigma$ element-wise), then $s = h W_2 + b_2$ with $W_2$ ${_dims((H, C))}$, "
                        rf"$b_2$ ${_dims((1, C))}$, and a scalar loss $L$.")
            parts += [
                _shape_part(next(ids), "s", "the scores $s$", (N, C), [
                    ((H, C), "shape-of-W", "That is the shape of W2; s has the rows of h and the columns of W2."),
                    ((N, H), "shape-of-h", "That is the shape of h; multiplying by W2 changes H columns to C.")],
                    [rf"$h$ is ${_dims((N, H))}$ and $({_dims((N, H))})({_dims((H, C))}) = {_dims((N, C))}$."]),
                _shape_part(next(ids), "dh", f"${dL('h')}$", (N, H), [
                    ((N, C), "shape-of-ds", "That is the shape of dL/ds; dL/dh = dL/ds W2^T has the shape of h."),
                    ((H, C), "shape-of-W", "That is the shape of W2; dL/dh has the shape of h.")],
                    [rf"${dL('h')} = {dL('s')} W_2^\top$: $({_dims((N, C))})({_dims((C, H))}) = {_dims((N, H))}$."]),
                _shape_part(next(ids), "dW1", f"${dL('W_1')}$", (D, H), [
                    ((H, C), "shape-of-W2", "That is the shape of W2; dL/dW1 has the shape of W1."),
                    ((N, H), "shape-of-h", "That is the shape of h; dL/dW1 = x^T (gradient at the pre-activation) "
                     "has the shape of W1.")],
                    [rf"${dL('W_1')} = x^\top {dL('a')}$ with $a = xW_1 + b_1$ (${_dims((N, H))}$): "
                     rf"$({_dims((D, N))})({_dims((N, H))}) = {_dims((D, H))}$."]),
            ]
        given = {"sizes": sizes, "symbolic": symbolic}
        return Draft(given=given, parts=parts, context={
            "intro": "A mini-batch flows through an affine layer." if "two_layer" not in ask or len(ask) > 1
            else "A mini-batch flows through a two-layer network.", "data": data})

    def _formula(self, pid: str, sizes: Mapping[str, Any], rng: np.random.Generator) -> Part:
        N, D, H = sizes["N"], sizes["D"], sizes["H"]
        shapes = {"x": (N, D), "W": (D, H), "dy": (N, H)}
        target = "W" if rng.integers(2) else "x"
        want = shapes[target]
        correct, *others = FORMULAS[target]
        picks = [others[int(i)] for i in rng.permutation(len(others))[:3]]
        options = [correct, *picks]
        order = rng.permutation(len(options))
        keys = "ABCD"
        choices, wrong, lines = [], [], []
        answer = ""
        for key, idx in zip(keys, order):
            label, tex_f, factors = options[int(idx)]
            choices.append({"key": key, "label": label, "tex": f"{dL(target)} = {tex_f}"})
            shape, why = product_shape([(shapes[m], t) for m, t in factors])
            lines.append(rf"{key}: ${dL(target)} = {tex_f}$")
            if options[int(idx)] is correct:
                answer = key
                continue
            if shape is not None:
                why += f", not {' x '.join(map(str, want))} (the shape of {target})"
            wrong.append(WrongAnswer(value=key, tag="inconsistent-shapes", feedback=f"{label}: {why}."))
        _, why = product_shape([(shapes[m], t) for m, t in correct[2]], tex=True)
        return Part(id=pid, kind=CHOICE, options={"choices": choices, "means": f"formula-d{target}"},
                    prompt=f"Which formula for ${dL(target)}$ has consistent shapes (a defined product with the shape "
                           f"of ${target}$)? " + "; ".join(lines) + ".",
                    answer=answer, wrong_answers=wrong,
                    solution=[f"${dL(target)}$ must have the shape of ${target}$, ${_dims(want)}$.",
                              f"${correct[1]}$: {why}; the others are undefined or have the wrong shape."])


TYPE = BatchShapes()
