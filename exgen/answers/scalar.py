"""Scalar answers: one number, compared with absolute + relative tolerance."""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from exgen.answers.base import AnswerKind, LmsForm, require_text
from exgen.answers.numbers import NUMBER_FORM, close, parse_number, plain
from exgen.i18n import _
from exgen.instance import KindName, Part

SCALAR: Final = KindName("scalar")


class ScalarKind(AnswerKind):
    name = SCALAR
    lms_form = LmsForm.NUMBER
    numeric = True
    honours_tolerance = True

    def expected_form(self, part: Part) -> str:
        return _(NUMBER_FORM)

    def parse(self, raw: Any, part: Part) -> float:
        if isinstance(raw, str):
            raw = require_text(raw, example="3/4")
        return parse_number(raw)

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
