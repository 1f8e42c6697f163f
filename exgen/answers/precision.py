"""The one sentence that states a numeric part's precision, made from the tolerance the checker uses.

``ExerciseType.build`` appends it to the prompt of every part whose kind honours a tolerance, once the
bank's grading options are applied, so the worksheet, the answer key and every LMS export print the same
words; the grader repeats them in the feedback of a wrong number (``exgen.grading.core``). The sentence is
derived from the tolerance fields alone (``abs``, ``rel``, ``decimals``, ``significant_figures``; the model
of ``exgen.answers.tolerance`` and docs/tolerance.md), so it says what the checker accepts: a rounding it
recommends is always accepted, and the margin it quotes is the checker's (``tests/answers/test_precision.py`` grades both
sides of it for every type).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from exgen.formatting import num
from exgen.i18n import N_, _, ngettext

#: A tolerance at or below this (absolute and relative) only absorbs binary noise: the part is exact.
EXACT_BELOW = 1e-6


def _fields(tolerance: Mapping[str, Any] | None) -> tuple[float, float, int | None, int | None]:
    tol = tolerance or {}
    decimals, sig = tol.get("decimals"), tol.get("significant_figures")
    return (float(tol.get("abs", 0.0) or 0.0), float(tol.get("rel", 0.0) or 0.0),
            None if decimals is None else int(decimals), None if sig is None else int(sig))


def decimals_within(tol_abs: float) -> int | None:
    """Return the fewest decimal places whose rounding error (half a unit) stays within ``tol_abs``."""
    if tol_abs <= 0:
        return None
    return max(0, math.ceil(-math.log10(2 * tol_abs) - 1e-12))


def figures_within(tol_rel: float) -> int | None:
    """Return the fewest significant figures whose rounding error stays within ``tol_rel`` of the value."""
    if tol_rel <= 0:
        return None
    return max(1, math.ceil(-math.log10(tol_rel / 5) - 1e-12))


#: The sentences, complete, with named placeholders (``places`` and ``figures`` are counted noun phrases,
#: ``rounding`` one of them; ``margin`` a number or a percentage such as ``0.001 + 0.1%``). They end a part's
#: prompt on the worksheet and the key, and the feedback on a wrong number.
SENTENCES = {
    "exact": N_("Give the exact value."),
    # Translators: %(rounding)s is "a whole number", "3 decimal places" or "3 significant figures".
    "rounded": N_("Give the exact value or round it to %(rounding)s."),
    # Translators: %(rounding)s is "a whole number", "3 decimal places" or "3 significant figures";
    # %(margin)s a number or a percentage such as 0.005 or 0.001 + 0.1%.
    "rounded+margin": N_("Give the exact value or round it to %(rounding)s (any answer within %(margin)s of the "
                         "exact value is accepted too)."),
    # Translators: %(places)s is "a whole number" or "3 decimal places", %(figures)s "4 significant figures";
    # %(margin)s a number or a percentage such as 0.001 + 0.1%.
    "at-least-both": N_("Give at least %(places)s or %(figures)s (answers within %(margin)s of the exact value "
                        "are accepted)."),
    "at-least-places": N_("Give at least %(places)s (answers within %(margin)s of the exact value are accepted)."),
    "at-least-figures": N_("Give at least %(figures)s (answers within %(margin)s of the exact value are "
                           "accepted)."),
}


def _places(d: int) -> str:
    if d == 0:
        # Translators: a precision: "round it to a whole number", "give at least a whole number".
        return _("a whole number")
    return ngettext("%(count)d decimal place", "%(count)d decimal places", d) % {"count": d}


def _figures(n: int) -> str:
    return ngettext("%(count)d significant figure", "%(count)d significant figures", n) % {"count": n}


def _margin(tol_abs: float, tol_rel: float) -> str:
    parts = ([num(tol_abs)] if tol_abs > EXACT_BELOW else []) + ([f"{num(100 * tol_rel)}%"] if tol_rel > EXACT_BELOW
                                                                 else [])
    return " + ".join(parts)


def is_exact(tolerance: Mapping[str, Any] | None) -> bool:
    """Whether a tolerance asks for the exact value (it only absorbs binary noise)."""
    tol_abs, tol_rel, decimals, sig = _fields(tolerance)
    return decimals is None and sig is None and tol_abs <= EXACT_BELOW and tol_rel <= EXACT_BELOW


def precision_sentence(tolerance: Mapping[str, Any] | None) -> str:
    """Return the sentence stating what precision a numeric answer needs under ``tolerance``.

    Examples: "Give the exact value.", "Give at least 3 decimal places or 4 significant figures (answers
    within 0.001 + 0.1% of the exact value are accepted).", "Give the exact value or round it to 3 decimal
    places (any answer within 0.005 of the exact value is accepted too).", "Give the exact value or round it
    to 3 significant figures."
    """
    tol_abs, tol_rel, decimals, sig = _fields(tolerance)
    margin = _margin(tol_abs, tol_rel)
    if sig is not None:  # the instructor's significant-figures mode replaces abs and rel
        return _(SENTENCES["rounded"]) % {"rounding": _figures(sig)}
    if decimals is not None:
        return _(SENTENCES["rounded+margin" if margin else "rounded"]) % {"rounding": _places(decimals),
                                                                          "margin": margin}
    if is_exact(tolerance):
        return _(SENTENCES["exact"])
    d, n = decimals_within(tol_abs), figures_within(tol_rel)
    which = "at-least-both" if d is not None and n is not None else "at-least-places" if d is not None \
        else "at-least-figures"
    return _(SENTENCES[which]) % {"places": _places(d or 0), "figures": _figures(n or 1), "margin": margin}
