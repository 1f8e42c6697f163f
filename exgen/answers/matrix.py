"""Vector and matrix answers: ``[[1,2],[3,4]]``, ``1 2; 3 4``, or one row per line.

The checker names a wrong shape and a transposed answer before it compares entries.
"""

from __future__ import annotations

import re
from typing import Any, Final

import numpy as np

from exgen.answers.base import AnswerKind, AnswerSpace, LmsForm, Score, SpaceForm, require_text
from exgen.answers.numbers import close, normalise, parse_number, plain
from exgen.errors import FormatError
from exgen.i18n import _, ngettext
from exgen.instance import KindName, Part, thaw

MATRIX: Final = KindName("matrix")

MAX_ENTRIES = 10_000
MAX_DEPTH = 2
_TOKEN_RE = re.compile(r"\s*(?:([\[\]();,\n])|([^\s\[\]();,]+))")

Rows = tuple[tuple[float, ...], ...]


def _shape_of(target: Any) -> tuple[int, ...]:
    if not isinstance(target, (list, tuple)) or not target:
        return (3,)
    if target and isinstance(target[0], (list, tuple)):
        return (len(target), len(target[0]))
    return (len(target),)


def _rows(target: Any) -> Rows:
    """Return a stored vector or matrix as rows (a vector is one row)."""
    if target and isinstance(target[0], (list, tuple)):
        return tuple(tuple(float(x) for x in row) for row in target)
    return (tuple(float(x) for x in target),)


def _dims(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return ngettext("a vector of %(count)d entry", "a vector of %(count)d entries", shape[0]) % {"count": shape[0]}
    return _("a %(rows)d x %(cols)d matrix (%(rows)d rows, %(cols)d columns)") % {"rows": shape[0], "cols": shape[1]}


def _example(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return "[" + ", ".join(str(i + 1) for i in range(min(shape[0], 3))) + "]"
    r, c = min(shape[0], 2), min(shape[1], 3)
    return "[" + ", ".join("[" + ", ".join(str(i * c + j + 1) for j in range(c)) + "]" for i in range(r)) + "]"


def _tokens(text: str) -> list[str]:
    # Every match takes at least one character, and a match fails only on trailing spaces (with no new
    # line), so scanning the whole text finds exactly the tokens a match-by-match loop would.
    return [bracket or other for bracket, other in _TOKEN_RE.findall(text)]


def _parse_bracketed(tokens: list[str]) -> list:
    """Parse ``[ ... ]`` (or parentheses) into nested lists of number tokens; depth-bounded."""
    pos = 0

    def parse_list(depth: int) -> list:
        nonlocal pos
        if depth > MAX_DEPTH:
            raise FormatError(_("brackets nested deeper than %(limit)d levels") % {"limit": MAX_DEPTH})
        opener = tokens[pos]
        closer = "]" if opener == "[" else ")"
        pos += 1
        groups: list[list] = [[]]  # split by ';' (MATLAB-style rows)
        while True:
            if pos >= len(tokens):
                raise FormatError(_("missing closing '%(bracket)s'") % {"bracket": closer})
            tok = tokens[pos]
            if tok == closer:
                pos += 1
                break
            if tok in "[(":
                groups[-1].append(parse_list(depth + 1))
            elif tok == ";" or tok == "\n":
                if groups[-1]:
                    groups.append([])
                pos += 1
            elif tok == ",":
                pos += 1
            elif tok in "])":
                raise FormatError(_("unexpected '%(token)s'") % {"token": tok})
            else:
                groups[-1].append(tok)
                pos += 1
        groups = [g for g in groups if g]
        if len(groups) > 1:
            if any(isinstance(x, list) for g in groups for x in g):
                raise FormatError(_("mixing ';' rows and nested brackets"))
            return groups
        return groups[0] if groups else []

    if not tokens or tokens[0] not in "[(":
        raise FormatError(_("expected an opening '['"))
    result = parse_list(1)
    if pos != len(tokens) and any(t != "\n" for t in tokens[pos:]):
        raise FormatError(_("unexpected text after the closing bracket: %(token)r") % {"token": tokens[pos]})
    return result


def _parse_plain(text: str) -> list:
    """Parse rows separated by ';' or new lines, entries by commas or spaces."""
    rows = [r for r in re.split(r"[;\n]", text) if r.strip()]
    parsed = [[t for t in re.split(r"[,\s]+", r.strip()) if t] for r in rows]
    return parsed[0] if len(parsed) == 1 else parsed


def _to_rows(nested: Any) -> tuple[Rows, bool]:
    """Return (rows of floats, typed-as-flat-vector) from nested lists of numbers or number text."""
    if not isinstance(nested, (list, tuple)) or not nested:
        raise FormatError(_("expected at least one entry"))
    if all(not isinstance(x, (list, tuple)) for x in nested):
        if len(nested) > MAX_ENTRIES:
            raise FormatError(_("too many entries (at most %(limit)d)") % {"limit": MAX_ENTRIES})
        return (tuple(parse_number(x) for x in nested),), True
    if not all(isinstance(x, (list, tuple)) for x in nested):
        raise FormatError(_("mixing numbers and rows at the same level"))
    if sum(len(r) for r in nested) > MAX_ENTRIES:
        raise FormatError(_("too many entries (at most %(limit)d)") % {"limit": MAX_ENTRIES})
    rows = []
    for i, row in enumerate(nested, start=1):
        if any(isinstance(x, (list, tuple)) for x in row):
            raise FormatError(_("brackets nested deeper than %(limit)d levels") % {"limit": MAX_DEPTH})
        if not row:
            raise FormatError(_("row %(row)d is empty") % {"row": i})
        rows.append(tuple(parse_number(x) for x in row))
    width = len(rows[0])
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise FormatError(_("row %(row)d has %(count)d entries but row 1 has %(width)d; rows must be equally long")
                              % {"row": i, "count": len(row), "width": width})
    return tuple(rows), False


class MatrixKind(AnswerKind):
    """Reads vectors and matrices; a stored 1-D answer accepts a row, a column or a flat list."""

    name = MATRIX
    lms_form = LmsForm.ARRAY
    numeric = True
    honours_tolerance = True
    honours_partial_credit = True

    def answer_space(self, part: Part) -> AnswerSpace:
        shape = _shape_of(part.answer)
        rows, cols = shape if len(shape) == 2 else (1, shape[0])
        return AnswerSpace(SpaceForm.GRID, rows=rows, cols=cols)

    def expected_form(self, part: Part) -> str:
        shape = _shape_of(part.answer)
        return (_("%(what)s like %(example)s (rows may also be separated by ';' or new lines)")
                % {"what": _dims(shape), "example": _example(shape)})

    def parse(self, raw: Any, part: Part) -> tuple[Rows, bool]:
        if isinstance(raw, (list, tuple)):
            return _to_rows(raw)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return _to_rows([raw])
        text = normalise(require_text(raw, example=_example(_shape_of(part.answer))))
        if text[0] in "[(":
            return _to_rows(_parse_bracketed(_tokens(text)))
        if any(c in text for c in "[]()"):
            raise FormatError(_("unbalanced brackets"))
        return _to_rows(_parse_plain(text))

    def _comparable(self, value: tuple[Rows, bool], target: Any) -> Rows | None:
        rows, _flat = value
        want = _shape_of(target)
        if len(want) == 1:
            flat = [x for row in rows for x in row]
            if len(rows) == 1 or all(len(r) == 1 for r in rows):
                return (tuple(flat),)
            return None
        return rows

    def equals(self, value: Any, target: Any, part: Part) -> bool:
        if not isinstance(target, (list, tuple)) or not target:
            return False
        rows = self._comparable(value, target)
        want = _rows(target)
        if rows is None or len(rows) != len(want) or len(rows[0]) != len(want[0]):
            return False
        return all(close(a, b, part.tolerance) for ra, rb in zip(rows, want) for a, b in zip(ra, rb))

    def diagnose(self, value: Any, part: Part) -> Score | None:
        want = _rows(part.answer)
        shape = _shape_of(part.answer)
        rows = self._comparable(value, part.answer)
        got = (len(value[0]), len(value[0][0]))
        if rows is None or len(rows) != len(want) or len(rows[0]) != len(want[0]):
            transposed = tuple(zip(*value[0]))
            if (len(shape) == 2 and len(transposed) == len(want) and len(transposed[0]) == len(want[0])
                    and all(close(a, b, part.tolerance) for ra, rb in zip(transposed, want)
                            for a, b in zip(ra, rb))):
                return Score(0.0, part.points, "incorrect",
                             _("This is the transpose of the answer: expected %(what)s, got %(rows)d x %(cols)d.")
                             % {"what": _dims(shape), "rows": got[0], "cols": got[1]}, "transposed")
            return Score(0.0, part.points, "incorrect",
                         _("Wrong shape: expected %(what)s, got %(rows)d x %(cols)d.")
                         % {"what": _dims(shape), "rows": got[0], "cols": got[1]}, "wrong-shape")
        wrong = [(i, j) for i, (ra, rb) in enumerate(zip(rows, want)) for j, (a, b) in enumerate(zip(ra, rb))
                 if not close(a, b, part.tolerance)]
        total = sum(len(r) for r in want)
        i, j = wrong[0]
        if len(shape) == 1:
            feedback = ngettext("%(count)d of %(total)d entries is wrong (entry %(entry)d).",
                                "%(count)d of %(total)d entries are wrong (the first is entry %(entry)d).",
                                len(wrong)) % {"count": len(wrong), "total": total, "entry": j + 1}
        else:
            feedback = ngettext("%(count)d of %(total)d entries is wrong (in row %(row)d, column %(col)d).",
                                "%(count)d of %(total)d entries are wrong (the first in row %(row)d, column %(col)d).",
                                len(wrong)) % {"count": len(wrong), "total": total, "row": i + 1, "col": j + 1}
        if part.options.get("partial"):
            points = round(part.points * (total - len(wrong)) / total, 6)
            return Score(points, part.points, "partial" if points > 0 else "incorrect", feedback)
        return Score(0.0, part.points, "incorrect", feedback)

    def typed(self, value: Any, part: Part) -> str:
        if value and isinstance(value[0], (list, tuple)):
            return "[" + ", ".join("[" + ", ".join(plain(x) for x in row) + "]" for row in value) + "]"
        return "[" + ", ".join(plain(x) for x in value) + "]"

    def to_array(self, value: Any, part: Part) -> np.ndarray:
        """Return the typed rows in the stored answer's shape: flat for a stored vector, else rows."""
        rows, _flat = value
        stored = thaw(part.answer)
        if stored and not isinstance(stored[0], list):
            return np.asarray([x for row in rows for x in row], dtype=float)
        return np.asarray([list(r) for r in rows], dtype=float)

    def from_array(self, array: np.ndarray, part: Part) -> list:
        return array.tolist() if array.ndim >= 1 else [float(array)]

    def latex(self, value: Any, part: Part) -> str:
        from exgen.formatting import bmatrix

        return bmatrix(value)


KIND = MatrixKind()
