"""Number and math formatting shared by generators (worked solutions, keys), templates, exporters and reports.

Everything here turns values into text or into JSON-native numbers; nothing computes an answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

# Quotes and the circumflex too, so that text comes back from the PDF as typed (pdftotext, search, copy):
# TeX would print ' and ` as curly quotes and \^{} as a modifier letter.
_TEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "'": r"\textquotesingle{}",
    "`": r"\textasciigrave{}",
}


# -- the number family ------------------------------------------------------------------------------
# Every "integer if integral" rule of exgen lives here. The members differ on purpose, by reader:
#   text for people:      num (6 significant digits), tex_num (the same as LaTeX math), points (2 decimals),
#                         score (a grade report's means: 4 decimals, never an exponent)
#   text for programs:    exact (shortest text that parses back: formulas, typed answers), decimal (no
#                         exponent, at most 17 decimals: LMS number fields)
#   JSON numbers:         json_numbers (ints where integral, entry by entry), json_rounded (decimal noise
#                         rounded away; an array is all ints or all floats), significant (a float rounded)
# They are not merged because their outputs differ on the values they get, and answer keys, worksheets
# and LMS files depend on those bytes.

#: Below these magnitudes an integral float is written as an integer. Text for people switches to
#: scientific notation sooner (1e12) than text that must parse back exactly (1e15, still exact in a float).
DISPLAY_LIMIT = 1e12
EXACT_LIMIT = 1e15


def whole(x: float, *, below: float) -> int | None:
    """Return ``x`` as an int when it is integral and ``|x| < below``, else None (nan and inf never are)."""
    if math.isfinite(x) and x == math.floor(x) and abs(x) < below:
        return int(x)
    return None


def num(value: Any, *, digits: int = 6) -> str:
    """Return a number compactly: integers without a decimal point, others to ``digits`` significant."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    n = whole(x, below=DISPLAY_LIMIT)
    if n is not None:
        return str(n)
    text = f"{x:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}e{int(exp)}"
    return text


def points(value: Any) -> str:
    """Return a number of points for display, to at most two decimals (``0.67``, ``1.5``, ``2``)."""
    return num(round(float(value), 2))


def score(value: Any) -> str:
    """Return points in a grade report (means too): at most 4 decimals, never an exponent (``0.3333``)."""
    text = f"{round(float(value), 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def tex_num(value: Any, *, digits: int = 6) -> str:
    """Return a number as LaTeX math (scientific notation as ``\\times 10^{k}``)."""
    text = num(value, digits=digits)
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant} \\times 10^{{{int(exp)}}}"
    return text


def exact(value: Any) -> str:
    """Return the shortest text that parses back to the same float: integers bare, others by ``repr``."""
    x = float(value)
    n = whole(x, below=EXACT_LIMIT)
    return str(n) if n is not None else repr(x)


def decimal(value: Any) -> str:
    """Return ``exact(value)`` without an exponent, the number form every LMS parses (at most 17 decimals)."""
    x = float(value)
    n = whole(x, below=EXACT_LIMIT)
    if n is not None:
        return str(n)
    text = repr(x)
    # 17 decimals keep every digit a tolerance needs and read short (1.0099999999999999e-06 -> 0.00000101)
    return f"{x:.17f}".rstrip("0").rstrip(".") if "e" in text else text


def json_numbers(value: Any) -> Any:
    """Return an array as nested lists of numbers (ints where integral, entry by entry), a 0-d array as one."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        x = float(arr)
        n = whole(x, below=DISPLAY_LIMIT)
        return n if n is not None else x
    return [json_numbers(v) for v in arr]


def json_rounded(value: Any) -> Any:
    """Return JSON numbers rounded to 10 decimals (binary noise of decimal arithmetic removed).

    A scalar is an int when integral; an array is all ints when every entry is integral, else all floats.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        r = round(float(value), 10)
        n = whole(r, below=2**53)
        return n if n is not None else r
    rounded = np.round(np.asarray(value, dtype=float), 10)
    if np.all(rounded == np.round(rounded)):
        return np.round(rounded).astype(np.int64).tolist()
    return rounded.tolist()


def significant(value: Any, digits: int = 10) -> float:
    """Return ``value`` rounded to ``digits`` significant digits (a float; zero, nan and inf unchanged)."""
    x = float(value)
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.{digits}g}")


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
