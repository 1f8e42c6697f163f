"""The tolerance model for numeric answers (described for instructors in ``docs/tolerance.md``).

A part's ``tolerance`` is a mapping with any of:

- ``abs``, ``rel``: accepted when ``|answer - key| <= abs + rel * |key|``. The boundary counts as inside and
  is decided in decimal arithmetic on the numbers as written, so ``1.05`` against ``1`` at ``rel: 0.05`` is
  accepted (binary floating point would put it a hair outside).
- ``decimals: d``: what the worksheet asks ("to 3 decimal places"): an answer that is the key correctly
  rounded to ``d`` decimals is accepted in addition to the above.
- ``significant_figures: n``: the instructor's significant-figures mode, replacing ``abs``/``rel``: the
  answer must agree with the key to ``n`` significant figures.

Without ``abs``/``rel`` an answer must equal the key up to float noise: a relative floor of 1e-9 of the
key, never an absolute one (an absolute floor of 1e-9 would credit 0 for a key of 1e-12). "Correctly
rounded" accepts every answer strictly within half a unit of the last asked digit, and on an exact tie
only the half-up rounding taught in school (0.04985 to 3 significant figures is 0.0499, not 0.0498).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from types import MappingProxyType

KEYS = ("abs", "rel", "decimals", "significant_figures")
#: Float noise forgiven without any tolerance: a relative floor, never an absolute one.
REL_FLOOR = 1e-9
#: Bounds instructors may set.
MAX_DECIMALS = 12
MAX_SIGNIFICANT = 15


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


#: The fields of frozen tolerances already read, by identity (each entry holds its tolerance, so an id is not
#: reused while it is here): a matrix answer checks every entry against the same tolerance.
_READ: dict[int, tuple[Mapping, tuple[float, float, int | None, int | None]]] = {}


def _fields(tolerance: Mapping | None) -> tuple[float, float, int | None, int | None]:
    if type(tolerance) is MappingProxyType:  # read-only: what it says cannot change
        found = _READ.get(id(tolerance))
        if found is not None and found[0] is tolerance:
            return found[1]
        if len(_READ) >= 4096:
            _READ.clear()
        fields = _read_fields(tolerance)
        _READ[id(tolerance)] = (tolerance, fields)
        return fields
    return _read_fields(tolerance)


def _read_fields(tolerance: Mapping | None) -> tuple[float, float, int | None, int | None]:
    tol = tolerance or {}
    decimals = tol.get("decimals")
    sig = tol.get("significant_figures")
    return (float(tol.get("abs", 0.0) or 0.0), float(tol.get("rel", 0.0) or 0.0),
            int(decimals) if decimals is not None else None, int(sig) if sig is not None else None)


def _within(student: float, key: float, tol_abs: float, tol_rel: float) -> bool:
    margin = max(tol_abs + tol_rel * abs(key), REL_FLOOR * abs(key))
    diff = abs(student - key)
    if diff <= margin * (1 - 1e-12):
        return True
    if diff > margin * (1 + 1e-12) + 1e-300:
        return False
    # on the boundary: decide in decimal arithmetic on the numbers as written
    with localcontext() as ctx:
        ctx.prec = 60
        exact = max(_dec(tol_abs) + _dec(tol_rel) * abs(_dec(key)), _dec(REL_FLOOR) * abs(_dec(key)))
        return abs(_dec(student) - _dec(key)) <= exact


def _rounds_to(student: float, key: float, unit_exponent: int) -> bool:
    """Whether student is key rounded at 10^unit_exponent: strictly within half a unit, or the half-up
    rounding on an exact tie."""
    with localcontext() as ctx:
        ctx.prec = 60
        s, k = _dec(student), _dec(key)
        half = Decimal(5).scaleb(unit_exponent - 1)
        if abs(s - k) < half:
            return True
        try:
            rounded = k.quantize(Decimal(1).scaleb(unit_exponent), rounding=ROUND_HALF_UP)
        except InvalidOperation:  # pragma: no cover - a quantum far beyond the precision
            return False
        return s == rounded


def rounded_to_decimals(student: float, key: float, decimals: int) -> bool:
    """Whether ``student`` is ``key`` correctly rounded to ``decimals`` places (see the module notes)."""
    return _rounds_to(student, key, -decimals)


def agrees_to_significant_figures(student: float, key: float, figures: int) -> bool:
    """Whether ``student`` is ``key`` to ``figures`` significant figures (a key of 0 needs exactly 0)."""
    if key == 0:
        return student == 0
    exponent = _dec(key).adjusted() - figures + 1
    return _rounds_to(student, key, exponent)


def accepts(student: float, key: float, tolerance: Mapping | None) -> bool:
    """Return whether a numeric answer matches a key value under a part's tolerance."""
    if not (math.isfinite(student) and math.isfinite(key)):
        return False
    tol_abs, tol_rel, decimals, sig = _fields(tolerance)
    if sig is not None:
        return agrees_to_significant_figures(student, key, sig)
    if _within(student, key, tol_abs, tol_rel):
        return True
    return decimals is not None and rounded_to_decimals(student, key, decimals)


def margin(value: float, tolerance: Mapping | None) -> float:
    """Return the absolute margin around ``value`` that ``accepts`` allows (for LMS numeric questions)."""
    tol_abs, tol_rel, decimals, sig = _fields(tolerance)
    value = abs(float(value))
    if sig is not None:
        return 0.0 if value == 0 else 0.5 * 10.0 ** (math.floor(math.log10(value)) - sig + 1)
    out = tol_abs + tol_rel * value
    if decimals is not None:
        out = max(out, 0.5 * 10.0 ** -decimals)
    return out


def outer_window(tolerance: Mapping | None) -> tuple[float, float]:
    """Return (relative, absolute) tolerances at least as wide as ``accepts`` at every key value, for
    checks that first compare in floating point and decide exactly only near the boundary."""
    tol_abs, tol_rel, decimals, sig = _fields(tolerance)
    grow = 1 + 1e-9
    if sig is not None:
        return 5.0 * 10.0 ** -sig * grow, 0.0
    rel = max(tol_rel, REL_FLOOR) * grow
    absolute = tol_abs * grow
    if decimals is not None:
        absolute = max(absolute, 0.5 * 10.0 ** -decimals * grow)
    return rel, absolute


def problems(tolerance: object) -> list[str]:
    """Return what is wrong with a tolerance mapping an instructor wrote (empty when it is fine)."""
    if not isinstance(tolerance, Mapping) or not tolerance:
        return ["expected a mapping like {abs: 0.01, rel: 0.001}"]
    out = []
    for key, value in tolerance.items():
        if key not in KEYS:
            out.append(f"unknown tolerance {key!r}; expected {', '.join(KEYS)}")
        elif key in ("abs", "rel"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1e6:
                out.append(f"{key}: expected a non-negative number, got {value!r}")
        elif key == "decimals":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DECIMALS:
                out.append(f"decimals: expected a whole number from 0 to {MAX_DECIMALS}, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIGNIFICANT:
            out.append(f"significant_figures: expected a whole number from 1 to {MAX_SIGNIFICANT}, got {value!r}")
    return out
