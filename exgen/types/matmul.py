"""Matrix multiplication: the product, one entry, the result's shape, and "is it defined?"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exgen.answers import CHOICE, MATRIX, SCALAR, SHAPE
from exgen.answers.choice import yes_no
from exgen.formatting import bmatrix, dims, shape_tex, tex_num
from exgen.i18n import N_, _
from exgen.instance import Part, WrongAnswer
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.draw import array, clean, size, value_params
from exgen.types.mistakes import ELEMENTWISE, Mistake
from exgen.types.params import IntRange, Subset

PARTS = ("product", "entry", "shape", "defined")

MISTAKES = (
    Mistake("product-transposed", N_("Gave the transpose of the product (columns of A with rows of B).")),
    Mistake("order-swapped", N_("Computed BA instead of AB (matrix multiplication does not commute).")),
    ELEMENTWISE,
    Mistake("entry-indices-swapped", N_("Computed entry (j, i) instead of entry (i, j).")),
    Mistake("shape-transposed", N_("Gave the shape of the product columns first.")),
    Mistake("inner-dimensions", N_("Kept the inner dimensions instead of the outer ones.")),
    Mistake("shape-rule", N_("Applied the shape rule wrongly (compared the wrong dimensions).")),
)


class MatMul(ExerciseType):
    name = "matmul"
    title = N_("Matrix multiplication")
    topic = "3. Matrix multiplication"
    summary = "product AB, one entry of AB, shape of AB, is a product defined (the shape rule)"
    params = {
        "m": IntRange(default=[2, 3], lo=1, hi=6, doc="rows of A"),
        "k": IntRange(default=[2, 3], lo=1, hi=6, doc="columns of A = rows of B"),
        "n": IntRange(default=[2, 3], lo=1, hi=6, doc="columns of B"),
        **value_params(default_range=(-4, 4)),
        "parts": Subset(default=list(PARTS), choices=PARTS, doc="which questions to ask, in order"),
    }
    presets = {"easy": {"m": 2, "k": 2, "n": [2, 3], "value_range": [0, 5]},
               "hard": {"m": [2, 4], "k": [3, 5], "n": [2, 4], "decimals": 1}}
    mistakes = MISTAKES

    def check_params(self, params: Mapping[str, Any]) -> list[tuple[str, str]]:
        (m0, m1), (n0, n1) = params["m"], params["n"]
        problems = []
        if "shape" in params["parts"] and m0 == m1 == n0 == n1:
            problems.append(("n", f"m and n are both always {m0}: the shape question needs m != n so a "
                                  "transposed shape is distinguishable"))
        if "entry" in params["parts"] and m1 == 1 and n1 == 1:
            problems.append(("n", "m and n are both 1: AB has a single entry, where swapping the indices of the "
                                  "entry question is not a visible mistake"))
        return problems

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        wants = set(params["parts"])

        def draw(rng):
            m, k, n = (size(rng, params[x]) for x in ("m", "k", "n"))
            if "shape" in wants and m == n:
                return None  # equal sizes hide a transposed shape
            a, b = array(rng, (m, k), params), array(rng, (k, n), params)
            i, j = int(rng.integers(0, m)), int(rng.integers(0, n))
            return a, b, a @ b, i, j
        a, b, c, i, j = draw_until(rng, draw, what="product")
        shapes = self._defined_question(rng, params)
        given = {"A": clean(a), "B": clean(b), "i": i + 1, "j": j + 1,
                 "P_shape": list(shapes[0]), "Q_shape": list(shapes[1]),
                 # Shape questions need only the shapes; printing the entries would be noise.
                 "show_values": bool(wants & {"product", "entry"})}
        builders = {"product": lambda: self._product(a, b, c), "entry": lambda: self._entry(a, b, c, i, j),
                    "shape": lambda: self._shape(a, b), "defined": lambda: self._defined(*shapes)}
        parts = [Part(**{**builders[name](), "id": chr(ord("a") + q)}) for q, name in enumerate(params["parts"])]
        return Draft(given=given, parts=parts)

    def _product(self, a, b, c) -> dict:
        m, n = c.shape
        wrongs = [WrongAnswer(clean(c.T), "product-transposed",
                              _("This is $(AB)^\\top$: entry $(i, j)$ of $AB$ is row $i$ of $A$ times column $j$ of "
                                "$B$, so $AB$ has the %(m)s rows of $A$ and the %(n)s columns of $B$.")
                              % {"m": m, "n": n})]
        if b.shape[1] == a.shape[0]:
            wrongs.append(WrongAnswer(clean(b @ a), "order-swapped",
                                      _("This is $BA$, not $AB$: matrix multiplication is not commutative.")))
        if a.shape == b.shape:
            wrongs.append(WrongAnswer(clean(a * b), "elementwise",
                                      _("This is the element-wise product; a matrix product takes dot products of "
                                        "rows of $A$ with columns of $B$.")))
        rows = [" & ".join(f"{self._row_col(a, b, r, s)}" for s in range(n)) for r in range(m)]
        return dict(kind=MATRIX, prompt=_("Compute $C = AB$."), answer=clean(c),
                    solution=(_("$A$ is $%(a)s$ and $B$ is $%(b)s$, so $AB$ is $%(c)s$; entry $(i, j)$ is row $i$ "
                                "of $A$ times column $j$ of $B$.")
                              % {"a": dims(a.shape), "b": dims(b.shape), "c": dims(c.shape)},
                              "$AB = \\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"
                              f" = {bmatrix(clean(c))}$."),
                    wrong_answers=tuple(wrongs))

    @staticmethod
    def _row_col(a, b, r, s) -> str:
        return " + ".join(f"({tex_num(clean(a[r, t]))})({tex_num(clean(b[t, s]))})" for t in range(a.shape[1]))

    def _entry(self, a, b, c, i, j) -> dict:
        m, n = c.shape
        at = {"i": i + 1, "j": j + 1}
        wrongs = []
        if j < m and i < n:  # entry (j, i) exists; when it is (i, j) itself the draw is redrawn
            wrongs.append(WrongAnswer(clean(c[j, i]), "entry-indices-swapped",
                                      _("That is entry $(%(j)s, %(i)s)$: use row %(i)s of $A$ and column %(j)s of "
                                        "$B$.") % at))
        return dict(kind=SCALAR, answer=clean(c[i, j]),
                    prompt=_("Compute only the entry $(AB)_{%(i)s,%(j)s}$ (row %(i)s, column %(j)s).") % at,
                    solution=(_("Row %(i)s of $A$ times column %(j)s of $B$: $%(terms)s = %(value)s$.")
                              % {**at, "terms": self._row_col(a, b, i, j), "value": tex_num(clean(c[i, j]))},),
                    wrong_answers=tuple(wrongs))

    def _shape(self, a, b) -> dict:
        (m, k), n = a.shape, b.shape[1]
        wrongs = [WrongAnswer([n, m], "shape-transposed", _("Rows come from $A$ and columns from $B$: the result is "
                                                            "(rows of $A$, columns of $B$)."))]
        wrongs.append(WrongAnswer([k, k], "inner-dimensions",
                                  _("The inner dimensions (the %(k)s columns of $A$ and the %(k)s rows of $B$) must "
                                    "match and then disappear; the outer ones remain.") % {"k": k}))
        return dict(kind=SHAPE, prompt=_("What is the shape of $AB$?"), answer=[m, n],
                    # Translators: "the inner 3s": the two inner dimensions, both equal to 3.
                    solution=(_("$(%(m)s, %(k)s) \\times (%(k)s, %(n)s) \\to (%(m)s, %(n)s)$: the inner %(k)ss match "
                                "and disappear.") % {"m": m, "k": k, "n": n},),
                    wrong_answers=tuple(wrongs))

    @staticmethod
    def _defined_question(rng, params) -> tuple[tuple[int, int], tuple[int, int]]:
        lo = min(params["m"][0], params["k"][0], params["n"][0], 2)
        hi = max(params["m"][1], params["k"][1], params["n"][1], 3)

        def draw(rng):
            p, q, r, s = (int(rng.integers(lo, hi + 1)) for _ in range(4))
            defined = bool(rng.integers(0, 2))
            if defined:
                r = q
                return ((p, q), (r, s)) if p != s else None  # p == s would also pass the outer-dims mistake
            s = p  # the tempting outer-dimension match, which is not the rule
            return ((p, q), (r, s)) if q != r else None
        return draw_until(rng, draw, what="pair of shapes")

    def _defined(self, pq, rs) -> dict:
        defined = pq[1] == rs[0]
        answer, other = ("yes", "no") if defined else ("no", "yes")
        sizes = {"cols": pq[1], "rows": rs[0], "shape": shape_tex((pq[0], rs[1]))}
        if defined:
            solution = _("$PQ$ is defined exactly when the columns of $P$ equal the rows of $Q$: here the columns of "
                         "$P$ (%(cols)s) equal the rows of $Q$ (%(rows)s) and $PQ$ has shape $%(shape)s$.") % sizes
            feedback = _("Compare the inner dimensions: the columns of $P$ (%(cols)s) equal the rows of $Q$ "
                         "(%(rows)s).") % sizes
        else:
            solution = _("$PQ$ is defined exactly when the columns of $P$ equal the rows of $Q$: here the columns of "
                         "$P$ (%(cols)s) differ from the rows of $Q$ (%(rows)s).") % sizes
            feedback = _("Compare the inner dimensions: the columns of $P$ (%(cols)s) differ from the rows of $Q$ "
                         "(%(rows)s).") % sizes
        return dict(kind=CHOICE, options=yes_no(), answer=answer,
                    # Translators: the student may answer with the words of "answer words" yes/no.
                    prompt=_("$P$ has shape $%(p)s$ and $Q$ has shape $%(q)s$. Is the product $PQ$ defined? Answer "
                             "yes or no.") % {"p": shape_tex(pq), "q": shape_tex(rs)},
                    solution=(solution,),
                    wrong_answers=(WrongAnswer(other, "shape-rule", feedback),))


TYPE = MatMul()
