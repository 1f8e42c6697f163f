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
from exgen.types.mistakes import TRANSPOSED, Mistake
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


MISTAKES = (
    Mistake("shape-of-W", "Gave the shape of a weight matrix instead of the asked value's."),
    Mistake("shape-of-W2", "Gave the shape of the second layer's weights instead of the first's."),
    Mistake("shape-of-x", "Gave the shape of the input x instead of the layer's output."),
    Mistake("shape-of-h", "Gave the shape of the hidden layer h instead of the asked value's."),
    Mistake("shape-of-dy", "Gave the shape of the upstream gradient dL/dy instead of the variable's."),
    Mistake("shape-of-ds", "Gave the shape of the upstream gradient dL/ds instead of the variable's."),
    Mistake("bias-shape", "Gave the shape of the bias b, forgetting that it is repeated over the batch."),
    Mistake("bias-not-summed", "Did not sum the bias gradient over the batch (axis 0)."),
    Mistake("wrong-axis", "Summed the bias gradient over axis 1 instead of the batch (axis 0)."),
    TRANSPOSED,
    Mistake("inconsistent-shapes", "Chose a backward formula whose shapes do not fit."),
)


def _dims(shape) -> str:
    """Return a shape as TeX: ``N \times H`` or ``3 \times 5``."""
    return r" \times ".join(str(d) for d in shape)


def _m(shape) -> str:
    """Return a shape as inline math: ``$N \times H$``."""
    return f"${_dims(shape)}$"


def _shape_part(pid: str, meaning: str, what: str, answer: tuple, wrong: list[tuple[tuple, str, str]],
                solution: list[str]) -> Part:
    # a wrong shape equal to the answer (none, with distinct sizes) would make build draw again
    wa = [WrongAnswer(value=list(v), tag=t, feedback=f) for v, t, f in wrong]
    return Part(id=pid, kind=SHAPE, prompt=f"What is the shape of {what}?", answer=list(answer),
                solution=solution, wrong_answers=wa, options={"means": meaning})


def _transposed(answer: tuple) -> tuple[tuple, str, str]:
    """The transposed shape: columns listed first."""
    rows, cols = answer
    return ((cols, rows), "transposed",
            f"{_m((cols, rows))} lists the columns first: a shape is written rows first, (rows, columns).")


def product_shape(factors: list[tuple[tuple, bool]]) -> tuple[tuple | None, str]:
    """Return (shape of the product or None, an explanation in rich text) for ``[(shape, transposed), ...]``."""
    shapes = [tuple(reversed(s)) if t else tuple(s) for s, t in factors]
    text = "".join(f"({_dims(s)})" for s in shapes)
    a, b = shapes
    if a[1] != b[0]:
        return None, f"${text}$: the inner sizes ${a[1]}$ and ${b[0]}$ differ, so the product is undefined"
    return (a[0], b[1]), f"${text}$ gives ${_dims((a[0], b[1]))}$"


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
    mistakes = MISTAKES

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
        dy, dx, dW, db, ds, dh, dW1 = (f"${dL(v)}$" for v in ("y", "x", "W", "b", "s", "h", "W_1"))
        layer = "layer" in ask or "formula" in ask
        data = [rf"$x$ is ${_dims((N, D))}$ (a batch of ${N}$ rows), $W$ is ${_dims((D, H))}$, $b$ is "
                rf"${_dims((1, H))}$, and $y = xW + b$ (the bias is repeated over the ${N}$ rows); a scalar "
                rf"loss $L$ is computed from $y$." if layer else
                rf"$x$ is ${_dims((N, D))}$ (a batch of ${N}$ rows)."]
        if "layer" in ask:
            parts += [
                _shape_part(next(ids), "y", "$y = xW + b$", (N, H), [
                    ((D, H), "shape-of-W", f"{_m((D, H))} is the shape of $W$; $xW$ has the rows of $x$ and the "
                                           "columns of $W$."),
                    ((N, D), "shape-of-x", f"{_m((N, D))} is the shape of $x$; $xW$ has the rows of $x$ and the "
                                           "columns of $W$."),
                    ((1, H), "bias-shape", f"{_m((1, H))} is the shape of $b$; it is repeated over the ${N}$ rows "
                                           f"of the batch, so $y$ has ${N}$ rows."),
                    _transposed((N, H))],
                    [rf"$({_dims((N, D))})({_dims((D, H))}) = {_dims((N, H))}$; adding the repeated $b$ keeps it."]),
                _shape_part(next(ids), "dx", dx, (N, D), [
                    ((N, H), "shape-of-dy", f"{_m((N, H))} is the shape of {dy}; a gradient has the shape of its "
                                            "variable, here $x$."),
                    ((D, H), "shape-of-W", f"{_m((D, H))} is the shape of $W$; {dx} has the shape of $x$."),
                    _transposed((N, D))],
                    [rf"A gradient has the shape of its variable: $x$ is ${_dims((N, D))}$; indeed "
                     rf"${DY} W^\top$ is $({_dims((N, H))})({_dims((H, D))})$."]),
                _shape_part(next(ids), "dW", dW, (D, H), [
                    ((H, D), "transposed", f"{_m((H, D))} is the shape of ${DY}^\\top x$, the transpose; "
                                           f"${dL('W')} = x^\\top {DY}$ has the shape of $W$."),
                    ((N, H), "shape-of-dy", f"{_m((N, H))} is the shape of {dy}; {dW} has the shape of $W$.")],
                    [rf"$x^\top {DY}$ is $({_dims((D, N))})({_dims((N, H))}) = {_dims((D, H))}$, the shape of $W$."]),
                _shape_part(next(ids), "db", db, (1, H), [
                    ((N, H), "bias-not-summed", f"{_m((N, H))} is the shape of {dy}; $b$ was repeated over the "
                                                f"${N}$ rows, so its gradient sums {dy} over the batch (axis 0), "
                                                "which gives the shape of $b$."),
                    ((N, 1), "wrong-axis", f"Summing over axis 1 gives {_m((N, 1))}; the bias gradient sums over "
                                           "the batch (axis 0), which gives the shape of $b$."),
                    _transposed((1, H))],
                    [rf"The repeat node's backward sums over axis 0: ${dL('b')} = \sum_i {DY}_{{i,:}}$ is "
                     rf"${_dims((1, H))}$, the shape of $b$."]),
            ]
        if "formula" in ask:
            parts.append(self._formula(next(ids), sizes, rng))
        if "two_layer" in ask:
            data.append(rf"A two-layer network: $h = \sigma(x W_1 + b_1)$ ($\sigma$ element-wise) with $W_1$ of "
                        rf"shape ${_dims((D, H))}$, then $s = h W_2 + b_2$ with $W_2$ of shape ${_dims((H, C))}$ and "
                        rf"$b_2$ of shape ${_dims((1, C))}$, and a scalar loss $L$ computed from $s$.")
            parts += [
                _shape_part(next(ids), "s", "the scores $s$", (N, C), [
                    ((H, C), "shape-of-W", f"{_m((H, C))} is the shape of $W_2$; $s$ has the rows of $h$ and the "
                                           "columns of $W_2$."),
                    ((N, H), "shape-of-h", f"{_m((N, H))} is the shape of $h$; multiplying by $W_2$ turns its "
                                           f"${H}$ columns into ${C}$."),
                    _transposed((N, C))],
                    [rf"$h$ is ${_dims((N, H))}$ and $({_dims((N, H))})({_dims((H, C))}) = {_dims((N, C))}$."]),
                _shape_part(next(ids), "dh", dh, (N, H), [
                    ((N, C), "shape-of-ds", f"{_m((N, C))} is the shape of {ds}; ${dL('h')} = {dL('s')} W_2^\\top$ "
                                            "has the shape of $h$."),
                    ((H, C), "shape-of-W", f"{_m((H, C))} is the shape of $W_2$; {dh} has the shape of $h$."),
                    _transposed((N, H))],
                    [rf"${dL('h')} = {dL('s')} W_2^\top$: $({_dims((N, C))})({_dims((C, H))}) = {_dims((N, H))}$."]),
                _shape_part(next(ids), "dW1", dW1, (D, H), [
                    ((H, C), "shape-of-W2", f"{_m((H, C))} is the shape of $W_2$; {dW1} has the shape of $W_1$."),
                    ((N, H), "shape-of-h", f"{_m((N, H))} is the shape of $h$; ${dL('W_1')} = x^\\top "
                                           f"{dL('(x W_1 + b_1)')}$ has the shape of $W_1$."),
                    _transposed((D, H))],
                    [rf"${dL('W_1')} = x^\top {dL('a')}$ with $a = xW_1 + b_1$ (${_dims((N, H))}$): "
                     rf"$({_dims((D, N))})({_dims((N, H))}) = {_dims((D, H))}$."]),
            ]
        given = {"sizes": sizes, "symbolic": symbolic}
        return Draft(given=given, parts=parts, context={
            "intro": "A mini-batch flows through an affine layer." if "two_layer" not in ask or len(ask) > 1
            else "A mini-batch flows through a two-layer network.", "data": data,
            # built from this student's sizes: a fixed example such as (N, H) could be an answer
            "notation": rf"A shape is written rows first: $x$ has shape $({N}, {D})$, also written "
                        rf"${_dims((N, D))}$."})

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
                why += f", not ${_dims(want)}$ (the shape of ${target}$)"
            wrong.append(WrongAnswer(value=key, tag="inconsistent-shapes", feedback=f"${tex_f}$: {why}."))
        _, why = product_shape([(shapes[m], t) for m, t in correct[2]])
        return Part(id=pid, kind=CHOICE, options={"choices": choices, "means": f"formula-d{target}"},
                    prompt=f"Which formula for ${dL(target)}$ has consistent shapes (a defined product with the shape "
                           f"of ${target}$)? " + "; ".join(lines) + ".",
                    answer=answer, wrong_answers=wrong,
                    solution=[f"${dL(target)}$ must have the shape of ${target}$, ${_dims(want)}$.",
                              f"${correct[1]}$: {why}; the others are undefined or have the wrong shape."])


TYPE = BatchShapes()
