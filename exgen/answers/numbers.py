"""Whitelisted reading of one number: integers, decimals, fractions ``3/4`` and scientific notation."""

from __future__ import annotations

import math
import re

from exgen.errors import FormatError
from exgen.formatting import exact as plain  # noqa: F401  (the name the scalar and matrix kinds import)
from exgen.i18n import N_, _

MAX_NUMBER_CHARS = 64

_DECIMAL = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?"
_NUMBER_RE = re.compile(rf"^{_DECIMAL}$")
_FRACTION_RE = re.compile(rf"^({_DECIMAL})\s*/\s*({_DECIMAL})$")
# Students paste these from documents; they mean the ASCII characters.
_LOOKALIKES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u00a0": " ", "\u2009": " "})

NUMBER_FORM = N_("a number such as 3, -0.25, 3/4 or 1.5e-3")


def normalise(text: str) -> str:
    """Map typographic minus signs and spaces to ASCII."""
    return text.translate(_LOOKALIKES)


def parse_number(raw: object) -> float:
    """Return the value of one number (text or a JSON/YAML number).

    Raises:
        FormatError: not a finite number in one of the accepted forms.
    """
    if isinstance(raw, bool):
        raise FormatError(_("expected %(form)s, got %(value)r") % {"form": _(NUMBER_FORM), "value": raw})
    if isinstance(raw, (int, float)):
        try:
            value = float(raw)
        except OverflowError:
            raise FormatError(_("number is too large")) from None
        if not math.isfinite(value):
            raise FormatError(_("expected a finite number, got %(value)r") % {"value": raw})
        return value
    if not isinstance(raw, str):
        raise FormatError(_("expected %(form)s") % {"form": _(NUMBER_FORM)})
    text = normalise(raw).strip()
    if len(text) > MAX_NUMBER_CHARS:
        raise FormatError(_("number is too long (at most %(limit)d characters)") % {"limit": MAX_NUMBER_CHARS})
    if _NUMBER_RE.match(text):
        value = float(text)
    else:
        frac = _FRACTION_RE.match(text)
        if not frac:
            shown = text if len(text) <= 20 else text[:17] + "..."
            raise FormatError(_("expected %(form)s, got %(value)r") % {"form": _(NUMBER_FORM), "value": shown})
        den = float(frac.group(2))
        if den == 0:
            raise FormatError(_("division by zero in a fraction"))
        value = float(frac.group(1)) / den
    if not math.isfinite(value):
        raise FormatError(_("number is too large"))
    return value


def close(a: float, b: float, tolerance) -> bool:
    """Return whether ``a`` is within ``abs + rel * |b|`` of ``b`` (tolerance mapping or None)."""
    tol_abs = float(tolerance.get("abs", 0.0)) if tolerance else 0.0
    tol_rel = float(tolerance.get("rel", 0.0)) if tolerance else 0.0
    # A floor of a few ulps keeps exactly-typed answers from failing on binary rounding (0.1 + 0.2).
    return abs(a - b) <= max(tol_abs + tol_rel * abs(b), 1e-9 * max(1.0, abs(b)))
