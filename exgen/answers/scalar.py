"""Scalar answers: one number (``0.25``, ``3/4``, ``1.5e-3``) or an exact value (``sqrt(2)/2``, ``e^2``),
compared with the part's tolerance (``exgen.answers.tolerance``)."""

from __future__ import annotations

import re
from typing import Any, Final

import numpy as np

from exgen.answers.base import AnswerKind, LmsForm, require_text
from exgen.answers.numbers import NUMBER_FORM, close, parse_number, plain
from exgen.errors import FormatError
from exgen.i18n import _
from exgen.instance import KindName, Part

SCALAR: Final = KindName("scalar")

#: Text that is meant as a formula rather than a plain number: a letter, a root, a power or parentheses.
_FORMULA_HINT = re.compile(r"[A-Za-z\u221a\u03c0^()*\u00b2\u00b3]|[^\x00-\x7f]")
_NAMED = re.compile(r"[A-Za-z]|[^\x00-\x7f]")


def exact_value(text: str) -> float:
    """Return the value of a variable-free formula such as ``sqrt(2)/2`` (whitelist parser, exact value).

    Raises:
        FormatError: not a formula without variables, or undefined, or beyond the float range.
    """
    from exgen.expr.parser import parse
    from exgen.expr.precise import constant

    node = parse(text, ())
    value = constant(node)
    if value is None:
        raise FormatError(_("the value is undefined or too large"))
    return value


class ScalarKind(AnswerKind):
    name = SCALAR
    lms_form = LmsForm.NUMBER
    numeric = True
    honours_tolerance = True

    def expected_form(self, part: Part) -> str:
        return _("%(form)s, or an exact value such as sqrt(2)/2") % {"form": _(NUMBER_FORM)}

    def parse(self, raw: Any, part: Part) -> float:
        if not isinstance(raw, str):
            return parse_number(raw)
        text = require_text(raw, example="3/4")
        try:
            return parse_number(text)
        except FormatError as number_error:
            if not _FORMULA_HINT.search(text):
                raise
            try:
                return exact_value(text)
            except FormatError as formula_error:
                if _NAMED.search(text):
                    raise formula_error from None
                raise number_error from None

    def equals(self, value: Any, target: Any, part: Part) -> bool:
        if not isinstance(target, (int, float)) or isinstance(target, bool):
            return False
        return close(float(value), float(target), part.tolerance)

    def typed(self, value: Any, part: Part) -> str:
        return plain(value)

    def to_array(self, value: Any, part: Part) -> np.ndarray:
        return np.asarray(float(value))

    def from_array(self, array: np.ndarray, part: Part) -> float | None:
        return float(array.reshape(())) if array.size == 1 else None

    def latex(self, value: Any, part: Part) -> str:
        from exgen.formatting import tex_num

        return tex_num(value)


KIND = ScalarKind()
