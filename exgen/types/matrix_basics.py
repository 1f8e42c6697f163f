"""Vectors and matrices: shape, row vs column vector, transpose and its shape, entry (i, j)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exgen.answers import CHOICE, MATRIX, SCALAR, SHAPE
from exgen.formatting import bmatrix, dims, shape_tex, tex_num
from exgen.instance import Part, WrongAnswer
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.draw import array, clean, size, value_params
from exgen.types.mistakes import Mistake
from exgen.types.params import IntRange, Subset

PARTS = ("shape", "vector_kind", "transpose", "transpose_shape", "entry")
VECTOR_CHOICES = {"choices": [{"key": "row", "label": "Row vector"}, {"key": "column", "label": "Column vector"}]}

MISTAKES = (
    Mistake("shape-cols-first", "Wrote a shape columns first instead of (rows, columns)."),
    Mistake("row-column-confused", "Confused a row vector with a column vector."),
    Mistake("not-transposed", "Copied the matrix instead of transposing it."),
    Mistake("transpose-shape-unchanged", "Gave the shape of the matrix for the shape of its transpose."),
    Mistake("entry-indices-swapped", "Read entry (i, j) as row j, column i."),
    Mistake("entry-zero-based", "Counted rows and columns from 0 instead of from 1."),
)


class MatrixBasics(ExerciseType):
    name = "matrix_basics"
    title = "Vectors and matrices"
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
        return dict(kind=SHAPE, prompt="What is the shape of $A$ (rows, columns)?", answer=[r, c],
                    solution=(f"$A$ has {r} rows and {c} columns, so its shape is ${shape_tex((r, c))}$, "
                              f"written ${dims((r, c))}$.",),
                    wrong_answers=(WrongAnswer([c, r], "shape-cols-first",
                                               "You listed the columns before the rows: a shape is (rows, "
                                               "columns). Count the rows of $A$ first."),))

    def _vector_kind(self, v: np.ndarray, as_column: bool) -> dict:
        n = len(v)
        answer, other = ("column", "row") if as_column else ("row", "column")
        shape = (n, 1) if as_column else (1, n)
        return dict(kind=CHOICE, prompt="Is $v$ a row vector or a column vector?", answer=answer,
                    options=VECTOR_CHOICES,
                    solution=(f"$v$ is written as {'one column' if as_column else 'one row'} of {n} entries: "
                              f"its shape is ${dims(shape)}$, a {answer} vector.",),
                    wrong_answers=(WrongAnswer(other, "row-column-confused",
                                               f"A {other} vector would be laid out as one {other}; $v$ has shape "
                                               f"${dims(shape)}$."),))

    def _transpose(self, a: np.ndarray) -> dict:
        at = a.T
        return dict(kind=MATRIX, prompt="Write out the transpose $A^\\top$.", answer=clean(at),
                    solution=("Row $i$ of $A$ becomes column $i$ of $A^\\top$: "
                              f"$A^\\top = {bmatrix(clean(at))}$.",),
                    wrong_answers=(WrongAnswer(clean(a), "not-transposed",
                                               "This is $A$ itself: transposing turns each row of $A$ into a "
                                               "column."),))

    def _transpose_shape(self, a: np.ndarray) -> dict:
        r, c = a.shape
        return dict(kind=SHAPE, prompt="What is the shape of $A^\\top$?", answer=[c, r],
                    solution=(f"Transposing swaps rows and columns: ${dims((r, c))}$ becomes ${dims((c, r))}$.",),
                    wrong_answers=(WrongAnswer([r, c], "transpose-shape-unchanged",
                                               "That is the shape of $A$; the transpose swaps rows and "
                                               "columns."),))

    def _entry(self, a: np.ndarray, i: int, j: int) -> dict:
        r, c = a.shape
        wrongs = []
        if j < r and i < c:
            wrongs.append(WrongAnswer(clean(a[j, i]), "entry-indices-swapped",
                                      f"That is entry $A_{{{j + 1},{i + 1}}}$ (row {j + 1}, column {i + 1}): the "
                                      "first index is the row, the second the column."))
        if i + 1 < r and j + 1 < c:  # A_{i,j} read with indices counted from 0 (as in numpy)
            wrongs.append(WrongAnswer(clean(a[i + 1, j + 1]), "entry-zero-based",
                                      f"That is row {i + 2}, column {j + 2}: you counted from 0, as numpy "
                                      f"does; here rows and columns are counted from 1, so $A_{{{i + 1},{j + 1}}}$ "
                                      f"is in row {i + 1}."))
        return dict(kind=SCALAR, prompt=f"What is the entry $A_{{{i + 1},{j + 1}}}$ (row {i + 1}, column "
                                          f"{j + 1}, counting from 1)?", answer=clean(a[i, j]),
                    solution=(f"Go to row {i + 1}, then column {j + 1}: $A_{{{i + 1},{j + 1}}} = "
                              f"{tex_num(clean(a[i, j]))}$.",),
                    wrong_answers=tuple(wrongs))


TYPE = MatrixBasics()
