"""Whitelisted reading of one number: integers, decimals, fractions ``3/4`` and scientific notation."""

from __future__ import annotations

import math
import re
import unicodedata

from exgen.answers.tolerance import accepts
from exgen.errors import FormatError
from exgen.formatting import exact as plain  # noqa: F401  (the name the scalar and matrix kinds import)
from exgen.i18n import N_, _

MAX_NUMBER_CHARS = 64

_DECIMAL = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?"
_NUMBER_RE = re.compile(rf"^{_DECIMAL}$")
_FRACTION_RE = re.compile(rf"^({_DECIMAL})\s*/\s*({_DECIMAL})$")
# Students paste these from documents; they mean the ASCII characters.
_LOOKALIKES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u00a0": " ", "\u2009": " ", "\u2215": "/",
                             "\u00f7": "/"})

#: Number texts already read, with their values (a class types the same entries again and again); only
#: texts that were read are kept: an error's message is in the running language.
_READ: dict[str, float] = {}
MAX_REMEMBERED = 100_000

NUMBER_FORM = N_("a number such as 3, -0.25, 3/4 or 1.5e-3")


def normalise(text: str) -> str:
    """Map typographic minus signs, spaces and fullwidth digits (an East Asian input method) to ASCII."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text.translate(_LOOKALIKES)).translate(_LOOKALIKES)


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
    known = _READ.get(raw) if type(raw) is str else None
    if known is not None:
        return known
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
    if len(_READ) < MAX_REMEMBERED and type(raw) is str:
        _READ[raw] = value
    return value


def close(a: float, b: float, tolerance) -> bool:
    """Return whether answer ``a`` matches key ``b`` under a tolerance mapping (or None): see
    ``exgen.answers.tolerance``."""
    return accepts(float(a), float(b), tolerance)
