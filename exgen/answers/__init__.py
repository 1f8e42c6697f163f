"""Answer kinds, found by name: each module here defines ``KIND``.

Other modules name a kind only through the constants exported here (``Part(kind=CHOICE)``) and ask it
about its capabilities (``get_kind(part.kind).lms_form``, ``.honours_tolerance``, ...), never by comparing
its name.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from exgen.answers.base import (
    AnswerKind,
    AnswerSpace,
    LmsForm,
    Score,
    SpaceForm,
    misconception_score,
    own_wrong_answers,
)
from exgen.answers.choice import CHOICE
from exgen.answers.expression import EXPRESSION
from exgen.answers.matrix import MATRIX
from exgen.answers.scalar import SCALAR
from exgen.answers.shape import SHAPE
from exgen.discovery import discover
from exgen.errors import FormatError
from exgen.i18n import _
from exgen.instance import KindName, Part

__all__ = ["AnswerKind", "AnswerSpace", "KindName", "LmsForm", "Score", "SpaceForm", "get_kind", "all_kinds",
           "grade_part", "own_wrong_answers", "CHOICE", "EXPRESSION", "MATRIX", "SCALAR", "SHAPE"]


@cache
def all_kinds() -> dict[str, AnswerKind]:
    """Return every answer kind by name (imports each module of this package once)."""
    return discover(__name__, __path__, "KIND", AnswerKind)


def get_kind(name: str) -> AnswerKind:
    """Return the answer kind called ``name``; raises KeyError naming the known kinds."""
    kinds = all_kinds()
    if name not in kinds:
        raise KeyError(f"unknown answer kind {name!r}; known: {', '.join(sorted(kinds))}")
    return kinds[name]


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def grade_part(part: Part, raw: Any) -> Score:
    """Parse and check one student answer for one part; never raises on bad input.

    A blank answer is *missing*; text that cannot be read is *invalid* (unless it is a known wrong answer
    of another kind, such as a vector where a scalar is asked), and shows the expected form.
    """
    if _blank(raw):
        return Score(0.0, part.points, "missing", _("No answer given."))
    kind = get_kind(part.kind)
    try:
        value = kind.parse(raw, part)
    except FormatError as err:
        for wrong in part.wrong_answers:
            if wrong.kind and wrong.kind != kind.name:
                other = get_kind(wrong.kind)
                try:
                    if other.equals(other.parse(raw, part), wrong.value, part):
                        return misconception_score(wrong, part)
                except FormatError:
                    pass
        return Score(0.0, part.points, "invalid", _("Could not read the answer: %(problem)s. Expected %(form)s.")
                     % {"problem": err, "form": kind.expected_form(part)})
    return kind.check(value, part)
