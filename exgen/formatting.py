"""Number and math formatting shared by generators (worked solutions) and template filters.

Everything here turns values into text; nothing computes an answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

_TEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "^": r"\^{}",
    "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
}


def num(value: Any, *, digits: int = 6) -> str:
    """Return a number compactly: integers without a decimal point, others to ``digits`` significant."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == round(x) and abs(x) < 1e12:
        return str(int(round(x)))
    text = f"{x:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}e{int(exp)}"
    return text


def points(value: Any) -> str:
    """Return a number of points for display, to at most two decimals (``0.67``, ``1.5``, ``2``)."""
    return num(round(float(value), 2))


def tex_num(value: Any, *, digits: int = 6) -> str:
    """Return a number as LaTeX math (scientific notation as ``\\times 10^{k}``)."""
    text = num(value, digits=digits)
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant} \\times 10^{{{int(exp)}}}"
    return text


def tex_text(text: str) -> str:
    """Escape plain text for LaTeX (every special character, so user text cannot run commands)."""
    return "".join(_TEX_SPECIALS.get(ch, ch) for ch in str(text))


def bmatrix(value: Any, *, digits: int = 6) -> str:
    """Return a vector (as a row) or a matrix as a LaTeX ``bmatrix``."""
    rows: Sequence = value if value and isinstance(value[0], (list, tuple)) else [value]
    body = r" \\ ".join(" & ".join(tex_num(x, digits=digits) for x in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def column(value: Sequence, *, digits: int = 6) -> str:
    """Return a 1-D vector as a LaTeX column ``bmatrix``."""
    return bmatrix([[x] for x in value], digits=digits)


def shape_tex(shape: Sequence) -> str:
    """Return a shape as LaTeX math, e.g. ``(2, 3)``."""
    return "(" + ", ".join(str(d) for d in shape) + ")"


def dims(shape: Sequence) -> str:
    """Return a shape as words-friendly math, e.g. ``2 \\times 3``."""
    return r" \times ".join(str(d) for d in shape)
