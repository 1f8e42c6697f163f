"""The gradient of a scalar loss with respect to a matrix: dL/dW has the shape of W."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exgen.answers import MATRIX, SHAPE
from exgen.formatting import bmatrix, dims, shape_tex
from exgen.i18n import N_, _
from exgen.instance import Part, WrongAnswer
from exgen.types._calculus import part_ids
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.mistakes import DROPPED_FACTOR, FORGOT_INNER, TRANSPOSED, Mistake
from exgen.types.params import IntRange, Subset

LOSSES = ("sum_product", "bilinear", "squared")
PARTS = ("shape", "entries")
EXACT = {"abs": 1e-6, "rel": 1e-9}

TRANSPOSED_FEEDBACK = N_("This is the transpose: $\\partial L / \\partial W$ has the shape of $W$, and its entry "
                         "$(i, j)$ is $\\partial L / \\partial W_{ij}$.")
MISTAKES = (
    TRANSPOSED,
    Mistake("transposed-shape", N_("Gave the shape of the transpose of W.")),
    Mistake("shape-of-loss", N_("Gave the shape of the scalar loss instead of the shape of W.")),
    DROPPED_FACTOR,
    FORGOT_INNER,
)

LOSS_TEX = {
    "sum_product": "L = \\sum_{i,j} W_{ij} A_{ij}",
    "bilinear": "L = a^{\\top} W b = \\sum_{i,j} a_i W_{ij} b_j",
    "squared": "L = \\sum_j \\big((x W)_j\\big)^2",
}


def _ints(rng: np.random.Generator, shape, lo: int, hi: int, nonzero: bool = True) -> np.ndarray:
    values = [v for v in range(lo, hi + 1) if v != 0 or not nonzero] or [1]
    return np.array(values)[rng.integers(0, len(values), size=shape)].astype(float)


def _matrix(a: np.ndarray) -> list:
    return [[float(v) for v in row] for row in np.atleast_2d(a)]


class MatrixGradient(ExerciseType):
    name = "matrix_gradient"
    title = N_("Gradient with respect to a matrix")
    topic = "5. Gradient"
    summary = "shape and entries of dL/dW for L = sum(W*A), a^T W b, sum((xW)^2)"
    params = {
        "losses": Subset(default=list(LOSSES), choices=LOSSES,
                         doc="losses to draw from: sum(W*A), a^T W b, sum((x W)^2)"),
        "rows": IntRange(default=[2, 3], lo=1, hi=5, doc="rows m of W"),
        "cols": IntRange(default=[2, 3], lo=1, hi=5, doc="columns n of W"),
        "value_range": IntRange(default=[-3, 3], lo=-9, hi=9, doc="range of the integer entries"),
        "parts": Subset(default=list(PARTS), choices=PARTS, doc="which questions to ask, in order"),
    }
    presets = {"easy": {"losses": ["sum_product", "bilinear"], "rows": [2, 2], "cols": [2, 3]},
               "hard": {"rows": [2, 4], "cols": [2, 4], "value_range": [-5, 5]}}
    mistakes = MISTAKES

    def check_params(self, params: Mapping[str, Any]) -> list[tuple[str, str]]:
        (r0, r1), (c0, c1) = params["rows"], params["cols"]
        if r1 == 1 and c1 == 1:
            return [("rows", "W must have more than one entry (rows or cols above 1)")]
        if "shape" in params["parts"] and r0 == r1 == c0 == c1:
            return [("cols", f"rows and cols are both always {r0}: a square W hides a transposed shape in the "
                             "shape question; allow different sizes")]
        return []

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        lo, hi = params["value_range"]

        def draw(rng):
            loss = params["losses"][int(rng.integers(0, len(params["losses"])))]
            m = int(rng.integers(params["rows"][0], params["rows"][1] + 1))
            n = int(rng.integers(params["cols"][0], params["cols"][1] + 1))
            if m * n == 1 or ("shape" in params["parts"] and m == n):
                return None  # a 1 x 1 gradient equals its transpose; a square W hides a transposed shape
            given: dict[str, Any] = {"loss": loss, "loss_tex": LOSS_TEX[loss], "shape": [m, n]}
            wrongs: list[tuple[np.ndarray, str, str]] = []
            if loss == "sum_product":
                A = _ints(rng, (m, n), lo, hi, nonzero=False)
                grad = A
                given["A"] = _matrix(A)
            elif loss == "bilinear":
                a, b = _ints(rng, (m,), lo, hi), _ints(rng, (n,), lo, hi)
                grad = np.outer(a, b)
                given.update(a=[float(v) for v in a], b=[float(v) for v in b])
            else:
                x, W = _ints(rng, (m,), lo, hi), _ints(rng, (m, n), lo, hi, nonzero=False)
                y = x @ W
                if not np.any(y):
                    return None
                grad = 2 * np.outer(x, y)
                given.update(x=[float(v) for v in x], W=_matrix(W))
                wrongs += [
                    (np.outer(x, y), "dropped-constant-factor",
                     _("The derivative of $(xW)_j^2$ is $2 (xW)_j$: the factor 2 is missing.")),
                    (2 * y, "forgot-inner-derivative",
                     _("$2(xW)$ is the derivative of $L$ with respect to $xW$; by the chain rule, multiply by the "
                       "derivative of $(xW)_j$ with respect to $W_{ij}$, which is $x_i$: "
                       "$\\partial L / \\partial W = 2 x^{\\top} (x W)$.")),
                ]
            if not np.any(grad):
                return None
            if loss != "sum_product" and any(np.size(v) == grad.size and np.allclose(np.ravel(v), grad.ravel())
                                             for k, v in given.items() if k in ("a", "b", "x", "W")):
                return None  # a b^T with b = [1] is a itself: the answer would be printed in the statement
            wrongs.insert(0, (grad.T, "transposed", _(TRANSPOSED_FEEDBACK)))
            return given, grad, wrongs, m, n

        given, grad, wrongs, m, n = draw_until(rng, draw, what="loss and matrices")
        parts = []
        if "shape" in params["parts"]:
            scalar = _("$L$ is a scalar, but $\\partial L / \\partial W$ has one entry per entry of $W$: it has the "
                       "shape of $W$.")
            shape_wrongs = [WrongAnswer([n, m], "transposed-shape", _(TRANSPOSED_FEEDBACK)),
                            WrongAnswer([1], "shape-of-loss", scalar), WrongAnswer([1, 1], "shape-of-loss", scalar)]
            parts.append(dict[str, Any](
                kind=SHAPE, answer=[m, n], prompt=_("What is the shape of $\\partial L / \\partial W$?"),
                solution=(_("$W$ is $%(dims)s$ and $L$ is a scalar, so $\\partial L / \\partial W$ is $%(dims)s$: "
                            "$%(shape)s$.") % {"dims": dims([m, n]), "shape": shape_tex([m, n])},),
                wrong_answers=tuple(shape_wrongs)))
        if "entries" in params["parts"]:
            entries = []
            for value, tag, feedback in wrongs:  # one equal to the key makes build draw again
                entries.append(WrongAnswer(_matrix(value) if value.ndim == 2 else [float(v) for v in value],
                                           tag, feedback))
            parts.append(dict(
                kind=MATRIX, answer=_matrix(grad), tolerance=EXACT,
                prompt=_("Compute $\\partial L / \\partial W$, the matrix of the partial derivatives "
                         "$\\partial L / \\partial W_{ij}$."),
                solution=(_solution(given), f"$\\dfrac{{\\partial L}}{{\\partial W}} = {bmatrix(_matrix(grad))}$."),
                wrong_answers=tuple(entries)))
        return Draft(given=given, parts=[Part(id=i, **p) for i, p in zip(part_ids(len(parts)), parts)])


def _solution(given: Mapping[str, Any]) -> str:
    loss = given["loss"]
    if loss == "sum_product":
        return _("$W_{ij}$ appears once in $L$, multiplied by $A_{ij}$, so $\\partial L / \\partial W_{ij} = A_{ij}$.")
    if loss == "bilinear":
        return _("$W_{ij}$ appears once, in the term $a_i W_{ij} b_j$, so $\\partial L / \\partial W_{ij} = a_i b_j$: "
                 "$\\partial L / \\partial W = a b^{\\top}$.")
    return _("With $y = xW$, $\\partial L / \\partial y_j = 2 y_j$ and $\\partial y_j / \\partial W_{ij} = x_i$, so "
             "$\\partial L / \\partial W_{ij} = 2 x_i y_j$: $\\partial L / \\partial W = 2 x^{\\top} (x W)$.")


TYPE = MatrixGradient()
