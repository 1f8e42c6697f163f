"""Vectors and matrices: shape, row vs column vector, transpose and its shape, entry (i, j)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exgen.answers import CHOICE, MATRIX, SCALAR, SHAPE
from exgen.answers.choice import option
from exgen.formatting import bmatrix, dims, shape_tex, tex_num
from exgen.i18n import N_, NP_, _
from exgen.instance import Part, WrongAnswer
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.draw import array, clean, size, value_params
from exgen.types.mistakes import Mistake
from exgen.types.params import IntRange, Subset

PARTS = ("shape", "vector_kind", "transpose", "transpose_shape", "entry")
VECTOR_LABELS = {"row": N_("Row vector"), "column": N_("Column vector")}
# Translators: the words a student may type for "row vector" and "column vector", separated by | (행벡터|행).
VECTOR_WORDS = (NP_("answer words", "row"), NP_("answer words", "column"))

MISTAKES = (
    Mistake("shape-cols-first", N_("Wrote a shape columns first instead of (rows, columns).")),
    Mistake("row-column-confused", N_("Confused a row vector with a column vector.")),
    Mistake("not-transposed", N_("Copied the matrix instead of transposing it.")),
    Mistake("transpose-shape-unchanged", N_("Gave the shape of the matrix for the shape of its transpose.")),
    Mistake("entry-indices-swapped", N_("Read entry (i, j) as row j, column i.")),
    Mistake("entry-zero-based", N_("Counted rows and columns from 0 instead of from 1.")),
)


class MatrixBasics(ExerciseType):
    name = "matrix_basics"
    title = N_("Vectors and matrices")
    topic = "1. Vectors and matrices"
    summary = "shape of a matrix, row vs column vector, transpose and its shape, entry (i, j)"
    params = {
        "rows": IntRange(default=[2, 4], lo=1, hi=8, doc="number of rows of A"),
        "cols": IntRange(default=[2, 4], lo=1, hi=8, doc="number of columns of A"),
        "vector_length": IntRange(default=[2, 5], lo=2, hi=8, doc="length of the vector v"),
        **value_params(default_range=(-9, 9)),
        "parts": Subset(default=list(PARTS), choices=PARTS, doc="which questions to ask, in order"),
    }
    presets = {
        "easy": {"rows": [2, 3], "cols": [2, 3], "value_range": [0, 9]},
        "hard": {"rows": [3, 6], "cols": [3, 6], "decimals": 1},
    }
    mistakes = MISTAKES

    def check_params(self, params: Mapping[str, Any]) -> list[tuple[str, str]]:
        (r0, r1), (c0, c1) = params["rows"], params["cols"]
        if r0 == r1 == c0 == c1:
            return [("cols", f"rows and cols are both always {r0}: a square matrix hides a transposed shape; "
                             "allow different sizes")]
        return []

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        def draw(rng):
            r, c = size(rng, params["rows"]), size(rng, params["cols"])
            if r == c:
                return None
            a = array(rng, (r, c), params)
            i, j = int(rng.integers(0, r)), int(rng.integers(0, c))
            if j < r and i < c and i == j:
                return None  # ask an off-diagonal entry, where swapping the indices is a visible mistake
            return a, i, j
        a, i, j = draw_until(rng, draw, what="matrix with a non-symmetric entry")
        r, c = a.shape
        n = size(rng, params["vector_length"])
        as_column = bool(rng.integers(0, 2))
        v = array(rng, (n,), params)
        given = {"A": clean(a), "v": clean(v), "v_is_column": as_column, "i": i + 1, "j": j + 1}
        builders = {
            "shape": lambda: self._shape(a),
            "vector_kind": lambda: self._vector_kind(v, as_column),
            "transpose": lambda: self._transpose(a),
            "transpose_shape": lambda: self._transpose_shape(a),
            "entry": lambda: self._entry(a, i, j),
        }
        drafts = [builders[name]() for name in params["parts"]]
        parts = [Part(**{**p, "id": chr(ord("a") + k)}) for k, p in enumerate(drafts)]
        return Draft(given=given, parts=parts)

    def _shape(self, a: np.ndarray) -> dict:
        r, c = a.shape
        return dict(kind=SHAPE, prompt=_("What is the shape of $A$ (rows, columns)?"), answer=[r, c],
                    solution=(_("$A$ has %(rows)s rows and %(cols)s columns, so its shape is $%(shape)s$, written "
                                "$%(dims)s$.") % {"rows": r, "cols": c, "shape": shape_tex((r, c)),
                                                  "dims": dims((r, c))},),
                    wrong_answers=(WrongAnswer([c, r], "shape-cols-first",
                                               _("You listed the columns before the rows: a shape is (rows, "
                                                 "columns). Count the rows of $A$ first.")),))

    def _vector_kind(self, v: np.ndarray, as_column: bool) -> dict:
        n = len(v)
        answer, other = ("column", "row") if as_column else ("row", "column")
        shape = {"dims": dims((n, 1) if as_column else (1, n)), "count": n}
        if as_column:
            solution = _("$v$ is written as one column of %(count)s entries: its shape is $%(dims)s$, a column "
                         "vector.") % shape
            feedback = _("A row vector would be laid out as one row; $v$ has shape $%(dims)s$.") % shape
        else:
            solution = _("$v$ is written as one row of %(count)s entries: its shape is $%(dims)s$, a row "
                         "vector.") % shape
            feedback = _("A column vector would be laid out as one column; $v$ has shape $%(dims)s$.") % shape
        return dict(kind=CHOICE, prompt=_("Is $v$ a row vector or a column vector?"), answer=answer,
                    options={"choices": [option(key, label) for key, label in VECTOR_LABELS.items()]},
                    solution=(solution,),
                    wrong_answers=(WrongAnswer(other, "row-column-confused", feedback),))

    def _transpose(self, a: np.ndarray) -> dict:
        at = a.T
        return dict(kind=MATRIX, prompt=_("Write out the transpose $A^\\top$."), answer=clean(at),
                    solution=(_("Row $i$ of $A$ becomes column $i$ of $A^\\top$: $A^\\top = %(matrix)s$.")
                              % {"matrix": bmatrix(clean(at))},),
                    wrong_answers=(WrongAnswer(clean(a), "not-transposed",
                                               _("This is $A$ itself: transposing turns each row of $A$ into a "
                                                 "column.")),))

    def _transpose_shape(self, a: np.ndarray) -> dict:
        r, c = a.shape
        return dict(kind=SHAPE, prompt=_("What is the shape of $A^\\top$?"), answer=[c, r],
                    solution=(_("Transposing swaps rows and columns: $%(shape)s$ becomes $%(transposed)s$.")
                              % {"shape": dims((r, c)), "transposed": dims((c, r))},),
                    wrong_answers=(WrongAnswer([r, c], "transpose-shape-unchanged",
                                               _("That is the shape of $A$; the transpose swaps rows and "
                                                 "columns.")),))

    def _entry(self, a: np.ndarray, i: int, j: int) -> dict:
        r, c = a.shape
        at = {"i": i + 1, "j": j + 1}
        wrongs = []
        if j < r and i < c:
            wrongs.append(WrongAnswer(clean(a[j, i]), "entry-indices-swapped",
                                      _("That is entry $A_{%(j)s,%(i)s}$ (row %(j)s, column %(i)s): the first "
                                        "index is the row, the second the column.") % at))
        if i + 1 < r and j + 1 < c:  # A_{i,j} read with indices counted from 0 (as in numpy)
            wrongs.append(WrongAnswer(clean(a[i + 1, j + 1]), "entry-zero-based",
                                      _("That is row %(i1)s, column %(j1)s: you counted from 0, as numpy does; "
                                        "here rows and columns are counted from 1, so $A_{%(i)s,%(j)s}$ is in row "
                                        "%(i)s.") % {**at, "i1": i + 2, "j1": j + 2}))
        return dict(kind=SCALAR, prompt=_("What is the entry $A_{%(i)s,%(j)s}$ (row %(i)s, column %(j)s, counting "
                                          "from 1)?") % at, answer=clean(a[i, j]),
                    solution=(_("Go to row %(i)s, then column %(j)s: $A_{%(i)s,%(j)s} = %(value)s$.")
                              % {**at, "value": tex_num(clean(a[i, j]))},),
                    wrong_answers=tuple(wrongs))


TYPE = MatrixBasics()
