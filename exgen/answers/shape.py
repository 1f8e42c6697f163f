"""Shape answers: ``(2, 3)``, ``2x3``, ``2 by 3``, ``[2, 3]``; dimensions may be symbols (``N x H``)."""

from __future__ import annotations

import re
from typing import Any, Final

from exgen.answers.base import AnswerKind, AnswerSpace, LmsForm, Score, SpaceForm, require_text
from exgen.answers.numbers import normalise
from exgen.errors import FormatError
from exgen.i18n import N_, _, ngettext
from exgen.instance import KindName, Part

SHAPE: Final = KindName("shape")

MAX_SHAPE_CHARS = 80
_DIM_RE = re.compile(r"^(?:\d{1,6}|[A-Za-z][A-Za-z0-9_]{0,15})$")
SHAPE_FORM = N_("a shape such as (2, 3), 2x3 or 2 by 3")


def _dim(token: str) -> int | str:
    if not _DIM_RE.match(token):
        raise FormatError(_("expected %(form)s; %(token)r is not a dimension") % {"form": _(SHAPE_FORM), "token": token})
    return int(token) if token.isdigit() else token


def _split(text: str) -> list[str]:
    body = text
    if body[:1] in "([" and body[-1:] in ")]":
        body = body[1:-1]
    body = body.strip()
    for sep in (",", "\u00d7", "*"):
        if sep in body:
            return [t.strip() for t in body.split(sep)]
    if re.search(r"\s+by\s+", body, re.IGNORECASE):
        return [t.strip() for t in re.split(r"\s+by\s+", body, flags=re.IGNORECASE)]
    if re.search(r"\s[xX]\s", body):
        return [t.strip() for t in re.split(r"\s[xX]\s", body)]
    pieces = re.split(r"[xX]", body)
    if len(pieces) > 1 and all(_DIM_RE.match(p.strip()) and (p.strip().isdigit() or len(p.strip()) == 1)
                               for p in pieces):
        return [p.strip() for p in pieces]
    tokens = body.split()
    if all(t.isdigit() or len(t) == 1 for t in tokens):
        return tokens
    raise FormatError(_("expected %(form)s, got %(text)r") % {"form": _(SHAPE_FORM), "text": text[:20]})


class ShapeKind(AnswerKind):
    name = SHAPE
    lms_form = LmsForm.SHAPE

    def answer_space(self, part: Part) -> AnswerSpace:
        return AnswerSpace(SpaceForm.TUPLE, cols=len(part.answer) if isinstance(part.answer, (list, tuple)) else 2)

    def expected_form(self, part: Part) -> str:
        return _(SHAPE_FORM)

    def parse(self, raw: Any, part: Part) -> tuple:
        if isinstance(raw, (list, tuple)) and 0 < len(raw) <= 4:
            return tuple(_dim(str(d).strip()) for d in raw)
        text = normalise(require_text(raw, example="(2, 3)"))
        if len(text) > MAX_SHAPE_CHARS:
            raise FormatError(_("a shape is at most %(limit)d characters") % {"limit": MAX_SHAPE_CHARS})
        tokens = [t for t in _split(text)]
        if tokens and tokens[-1] == "":  # "(3,)" is a 1-D shape
            tokens = tokens[:-1]
        if not tokens or len(tokens) > 4 or any(t == "" for t in tokens):
            raise FormatError(_("expected %(form)s, got %(text)r") % {"form": _(SHAPE_FORM), "text": text[:20]})
        return tuple(_dim(t) for t in tokens)

    def equals(self, value: Any, target: Any, part: Part) -> bool:
        if not isinstance(target, (list, tuple)):
            return False
        return tuple(value) == tuple(int(d) if isinstance(d, int) else d for d in target)

    def diagnose(self, value: Any, part: Part) -> Score | None:
        want = tuple(part.answer)
        if len(value) != len(want):
            return Score(0.0, part.points, "incorrect",
                         ngettext("Expected %(count)d dimension, got %(got)d.", "Expected %(count)d dimensions, got %(got)d.",
                                  len(want)) % {"count": len(want), "got": len(value)},
                         "wrong-rank")
        if len(want) == 2 and tuple(reversed(value)) == want:
            return Score(0.0, part.points, "incorrect",
                         _("Rows and columns are swapped: a shape lists the number of rows first."), "swapped-dims")
        return None

    def typed(self, value: Any, part: Part) -> str:
        return "(" + ", ".join(str(d) for d in value) + ")"

    def latex(self, value: Any, part: Part) -> str:
        from exgen.formatting import shape_tex

        return shape_tex(value)


KIND = ShapeKind()
