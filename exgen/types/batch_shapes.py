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
from exgen.i18n import N_, _
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
    Mistake("shape-of-W", N_("Gave the shape of a weight matrix instead of the asked value's.")),
    Mistake("shape-of-W2", N_("Gave the shape of the second layer's weights instead of the first's.")),
    Mistake("shape-of-x", N_("Gave the shape of the input x instead of the layer's output.")),
    Mistake("shape-of-h", N_("Gave the shape of the hidden layer h instead of the asked value's.")),
    Mistake("shape-of-dy", N_("Gave the shape of the upstream gradient dL/dy instead of the variable's.")),
    Mistake("shape-of-ds", N_("Gave the shape of the upstream gradient dL/ds instead of the variable's.")),
    Mistake("bias-shape", N_("Gave the shape of the bias b, forgetting that it is repeated over the batch.")),
    Mistake("bias-not-summed", N_("Did not sum the bias gradient over the batch (axis 0).")),
    Mistake("wrong-axis", N_("Summed the bias gradient over axis 1 instead of the batch (axis 0).")),
    TRANSPOSED,
    Mistake("inconsistent-shapes", N_("Chose a backward formula whose shapes do not fit.")),
)


def _dims(shape) -> str:
    """Return a shape as TeX: ``N \times H`` or ``3 \times 5``."""
    return r" \times ".join(str(d) for d in shape)


def _m(shape) -> str:
    """Return a shape as inline math: ``$N \times H$``."""
    return f"${_dims(shape)}$"


def _shape_part(pid: str, meaning: str, prompt: str, answer: tuple, wrong: list[tuple[tuple, str, str]],
                solution: list[str]) -> Part:
    # a wrong shape equal to the answer (none, with distinct sizes) would make build draw again
    wa = [WrongAnswer(value=list(v), tag=t, feedback=f) for v, t, f in wrong]
    return Part(id=pid, kind=SHAPE, prompt=prompt, answer=list(answer),
                solution=solution, wrong_answers=wa, options={"means": meaning})


def _shape_of(what: str) -> str:
    """Return the question for the shape of a value written as math (``what`` is rich text: ``$y = xW + b$``)."""
    # Translators: %(what)s is math such as $y = xW + b$ or a gradient $\frac{\partial L}{\partial x}$.
    return _("What is the shape of %(what)s?") % {"what": what}


def _transposed(answer: tuple) -> tuple[tuple, str, str]:
    """The transposed shape: columns listed first."""
    rows, cols = answer
    # Translators: %(shape)s is the student's shape in math, such as $5 \times 3$.
    feedback = _("%(shape)s lists the columns first: a shape is written rows first, (rows, columns).")
    return (cols, rows), "transposed", feedback % {"shape": _m((cols, rows))}


def product_shape(factors: list[tuple[tuple, bool]]) -> tuple[tuple | None, dict[str, str]]:
    """Return (shape of the product or None, the facts a sentence explaining it needs, as TeX) for
    ``[(shape, transposed), ...]``: ``product`` (the factors' shapes), ``left`` and ``right`` (the inner sizes)
    and, when the product is defined, ``shape`` (its shape)."""
    shapes = [tuple(reversed(s)) if t else tuple(s) for s, t in factors]
    a, b = shapes
    facts = {"product": "".join(f"({_dims(s)})" for s in shapes), "left": str(a[1]), "right": str(b[0])}
    if a[1] != b[0]:
        return None, facts
    return (a[0], b[1]), {**facts, "shape": _dims((a[0], b[1]))}


class BatchShapes(ExerciseType):
    name = "batch_shapes"
    title = N_("Shapes in a mini-batch")
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
        # sizes as TeX: the placeholders of the sentences below
        z = {"N": N, "D": D, "H": H, "C": C, "x": _dims((N, D)), "W": _dims((D, H)), "b": _dims((1, H)),
             "y": _dims((N, H)), "W1": _dims((D, H)), "W2": _dims((H, C)), "b2": _dims((1, C)), "dy": DY}
        data = [_(r"$x$ is $%(x)s$ (a batch of $%(N)s$ rows), $W$ is $%(W)s$, $b$ is $%(b)s$, and $y = xW + b$ (the "
                  r"bias is repeated over the $%(N)s$ rows); a scalar loss $L$ is computed from $y$.") % z if layer else
                _(r"$x$ is $%(x)s$ (a batch of $%(N)s$ rows).") % z]
        if "layer" in ask:
            parts += [
                _shape_part(next(ids), "y", _shape_of("$y = xW + b$"), (N, H), [
                    ((D, H), "shape-of-W", _("%(shape)s is the shape of $W$; $xW$ has the rows of $x$ and the columns "
                                             "of $W$.") % {"shape": _m((D, H))}),
                    ((N, D), "shape-of-x", _("%(shape)s is the shape of $x$; $xW$ has the rows of $x$ and the columns "
                                             "of $W$.") % {"shape": _m((N, D))}),
                    ((1, H), "bias-shape", _("%(shape)s is the shape of $b$; it is repeated over the $%(N)s$ rows of "
                                             "the batch, so $y$ has $%(N)s$ rows.") % {**z, "shape": _m((1, H))}),
                    _transposed((N, H))],
                    [_(r"$(%(x)s)(%(W)s) = %(y)s$; adding the repeated $b$ keeps it.") % z]),
                _shape_part(next(ids), "dx", _shape_of(dx), (N, D), [
                    ((N, H), "shape-of-dy", _("%(shape)s is the shape of %(dy)s; a gradient has the shape of its "
                                              "variable, here $x$.") % {"shape": _m((N, H)), "dy": dy}),
                    ((D, H), "shape-of-W", _("%(shape)s is the shape of $W$; %(dx)s has the shape of $x$.")
                     % {"shape": _m((D, H)), "dx": dx}),
                    _transposed((N, D))],
                    [_(r"A gradient has the shape of its variable: $x$ is $%(x)s$; indeed $%(dy)s W^\top$ is "
                       r"$(%(y)s)(%(Wt)s)$.") % {**z, "Wt": _dims((H, D))}]),
                _shape_part(next(ids), "dW", _shape_of(dW), (D, H), [
                    ((H, D), "transposed", _(r"%(shape)s is the shape of $%(dy)s^\top x$, the transpose; "
                                             r"$%(dW)s = x^\top %(dy)s$ has the shape of $W$.")
                     % {**z, "shape": _m((H, D)), "dW": dL("W")}),
                    ((N, H), "shape-of-dy", _("%(shape)s is the shape of %(dy)s; %(dW)s has the shape of $W$.")
                     % {"shape": _m((N, H)), "dy": dy, "dW": dW})],
                    [_(r"$x^\top %(dy)s$ is $(%(xt)s)(%(y)s) = %(W)s$, the shape of $W$.") % {**z, "xt": _dims((D, N))}]),
                _shape_part(next(ids), "db", _shape_of(db), (1, H), [
                    ((N, H), "bias-not-summed", _("%(shape)s is the shape of %(dy)s; $b$ was repeated over the $%(N)s$ "
                                                  "rows, so its gradient sums %(dy)s over the batch (axis 0), which "
                                                  "gives the shape of $b$.") % {**z, "shape": _m((N, H)), "dy": dy}),
                    ((N, 1), "wrong-axis", _("Summing over axis 1 gives %(shape)s; the bias gradient sums over the "
                                             "batch (axis 0), which gives the shape of $b$.") % {"shape": _m((N, 1))}),
                    _transposed((1, H))],
                    [_(r"The repeat node's backward sums over axis 0: $%(db)s = \sum_i %(dy)s_{i,:}$ is $%(b)s$, the "
                       r"shape of $b$.") % {**z, "db": dL("b")}]),
            ]
        if "formula" in ask:
            parts.append(self._formula(next(ids), sizes, rng))
        if "two_layer" in ask:
            data.append(_(r"A two-layer network: $h = \sigma(x W_1 + b_1)$ ($\sigma$ element-wise) with $W_1$ of shape "
                          r"$%(W1)s$, then $s = h W_2 + b_2$ with $W_2$ of shape $%(W2)s$ and $b_2$ of shape $%(b2)s$, "
                          r"and a scalar loss $L$ computed from $s$.") % z)
            parts += [
                _shape_part(next(ids), "s", _("What is the shape of the scores $s$?"), (N, C), [
                    ((H, C), "shape-of-W", _("%(shape)s is the shape of $W_2$; $s$ has the rows of $h$ and the "
                                             "columns of $W_2$.") % {"shape": _m((H, C))}),
                    ((N, H), "shape-of-h", _("%(shape)s is the shape of $h$; multiplying by $W_2$ turns its $%(H)s$ "
                                             "columns into $%(C)s$.") % {**z, "shape": _m((N, H))}),
                    _transposed((N, C))],
                    [_(r"$h$ is $%(h)s$ and $(%(h)s)(%(W2)s) = %(s)s$.") % {**z, "h": _dims((N, H)),
                                                                         "s": _dims((N, C))}]),
                _shape_part(next(ids), "dh", _shape_of(dh), (N, H), [
                    ((N, C), "shape-of-ds", _(r"%(shape)s is the shape of %(ds)s; $%(dh)s = %(dsm)s W_2^\top$ has the "
                                              r"shape of $h$.") % {"shape": _m((N, C)), "ds": ds, "dh": dL("h"),
                                                                   "dsm": dL("s")}),
                    ((H, C), "shape-of-W", _("%(shape)s is the shape of $W_2$; %(dh)s has the shape of $h$.")
                     % {"shape": _m((H, C)), "dh": dh}),
                    _transposed((N, H))],
                    [_(r"$%(dh)s = %(ds)s W_2^\top$: $(%(s)s)(%(W2t)s) = %(h)s$.")
                     % {"dh": dL("h"), "ds": dL("s"), "s": _dims((N, C)), "W2t": _dims((C, H)), "h": _dims((N, H))}]),
                _shape_part(next(ids), "dW1", _shape_of(dW1), (D, H), [
                    ((H, C), "shape-of-W2", _("%(shape)s is the shape of $W_2$; %(dW1)s has the shape of $W_1$.")
                     % {"shape": _m((H, C)), "dW1": dW1}),
                    ((N, H), "shape-of-h", _(r"%(shape)s is the shape of $h$; $%(dW1)s = x^\top %(da)s$ has the shape "
                                             r"of $W_1$.") % {"shape": _m((N, H)), "dW1": dL("W_1"),
                                                              "da": dL("(x W_1 + b_1)")}),
                    _transposed((D, H))],
                    [_(r"$%(dW1)s = x^\top %(da)s$ with $a = xW_1 + b_1$ ($%(h)s$): $(%(xt)s)(%(h)s) = %(W1)s$.")
                     % {**z, "dW1": dL("W_1"), "da": dL("a"), "h": _dims((N, H)), "xt": _dims((D, N))}]),
            ]
        given = {"sizes": sizes, "symbolic": symbolic}
        return Draft(given=given, parts=parts, context={
            "intro": _("A mini-batch flows through an affine layer.") if "two_layer" not in ask or len(ask) > 1
            else _("A mini-batch flows through a two-layer network."), "data": data,
            # built from this student's sizes: a fixed example such as (N, H) could be an answer
            "notation": _(r"A shape is written rows first: $x$ has shape $(%(N)s, %(D)s)$, also written $%(x)s$.") % z})

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
            shape, facts = product_shape([(shapes[m], t) for m, t in factors])
            lines.append(rf"{key}: ${dL(target)} = {tex_f}$")
            if options[int(idx)] is correct:
                answer = key
                continue
            said = {**facts, "formula": tex_f, "want": _dims(want), "target": target}
            if shape is None:
                feedback = _("$%(formula)s$: $%(product)s$: the inner sizes $%(left)s$ and $%(right)s$ differ, so the "
                             "product is undefined.") % said
            else:
                feedback = _("$%(formula)s$: $%(product)s$ gives $%(shape)s$, not $%(want)s$ (the shape of "
                             "$%(target)s$).") % said
            wrong.append(WrongAnswer(value=key, tag="inconsistent-shapes", feedback=feedback))
        _shape, facts = product_shape([(shapes[m], t) for m, t in correct[2]])
        target_shape = {"d": dL(target), "target": target, "want": _dims(want)}
        return Part(id=pid, kind=CHOICE, options={"choices": choices, "means": f"formula-d{target}"},
                    # Translators: %(formulas)s lists the candidates: "A: $...$; B: $...$; C: $...$; D: $...$".
                    prompt=_("Which formula for $%(d)s$ has consistent shapes (a defined product with the shape of "
                             "$%(target)s$)? %(formulas)s.") % {**target_shape, "formulas": "; ".join(lines)},
                    answer=answer, wrong_answers=wrong,
                    solution=[_("$%(d)s$ must have the shape of $%(target)s$, $%(want)s$.") % target_shape,
                              _("$%(formula)s$: $%(product)s$ gives $%(shape)s$; the others are undefined or have the "
                                "wrong shape.") % {**facts, "formula": correct[1]}])


TYPE = BatchShapes()
