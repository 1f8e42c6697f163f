"""Common mistakes: what a type declares it checks, and the rule that no draw lets one of them score.

Every exercise type declares the common mistakes of its topic (``ExerciseType.mistakes``), each a
``Mistake``: the tag its wrong answers carry and one sentence for instructors (the class report). A
generator applies the mistakes to its draw and stores the results as the parts' wrong answers; the seam
(``ExerciseType.build``) then redraws whenever one of them would score full marks: read by the part's
answer kind, it lands within the part's tolerance of the key (see ``lands_on_key``).

The shared vocabulary below names the mistakes several topics have in common; a type lists these and
its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from exgen.errors import FormatError
from exgen.i18n import N_
from exgen.instance import Part, WrongAnswer, replace


@dataclass(frozen=True)
class Mistake:
    """A common mistake: the tag of the wrong answers it produces and what the student did (a sentence).

    ``description`` is a message marked with ``N_`` where the mistake is declared; it is translated where
    it is shown (the class report).
    """

    tag: str
    description: str


TRANSPOSED = Mistake("transposed", N_("Transposed the result: rows and columns swapped."))
SIGN = Mistake("sign-error", N_("Lost or added a minus sign."))
FORGOT_INNER = Mistake("forgot-inner-derivative", N_("Forgot the inner derivative of the chain rule."))
ELEMENTWISE = Mistake("elementwise", N_("Used an element-wise product where a matrix product is needed."))
FUNCTION_FOR_DERIVATIVE = Mistake("function-not-derivative",
                                  N_("Gave the function (or its value) where the derivative was asked."))
ASCENT = Mistake("ascent", N_("Added the gradient step (gradient ascent) instead of subtracting it."))
NO_STEP = Mistake("no-step", N_("Did not move: gave the starting point as the new point."))
SWAPPED_ORDER = Mistake("swapped-order", N_("Put the components or factors in the wrong order."))
DROPPED_FACTOR = Mistake("dropped-constant-factor", N_("Dropped a constant factor."))
BATCH_AVERAGED = Mistake("batch-averaged", N_("Averaged over the batch where the contributions are summed."))
LOCAL_ONLY = Mistake("local-only", N_("Gave only the local derivative, not multiplied by the upstream gradient."))
FORWARD_VALUE = Mistake("forward-value", N_("Gave a forward value where a gradient was asked."))


def declared(mistakes: tuple[Mistake, ...]) -> dict[str, Mistake]:
    """Return a type's mistakes by tag (a tag declared twice is a bug in the type)."""
    out: dict[str, Mistake] = {}
    for m in mistakes:
        if m.tag in out:
            raise ValueError(f"mistake {m.tag!r} is declared twice")
        out[m.tag] = m
    return out


#: The bank grading options that become part of a numeric part's tolerance.
PRECISION_OPTIONS = ("decimals", "significant_figures")


def effective_tolerance(own: Mapping[str, Any] | None, grading: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the tolerance the checker uses for a numeric part: the bank's ``tolerance`` if it sets one,
    else the type's own, with the bank's precision options added."""
    tolerance = dict(grading["tolerance"]) if "tolerance" in grading else dict(own or {})
    tolerance.update({k: grading[k] for k in PRECISION_OPTIONS if k in grading})
    return tolerance or None


def widened(tolerance: Mapping[str, Any] | None) -> dict[str, float] | None:
    """Return twice the band the checker accepts: the test for a mistake landing "within tolerance".

    A student who made a mistake may round its value as much as the key may be rounded, so a mistake is
    told apart from the key only when the two accepted bands do not touch: when the mistake's value lies
    outside twice the key's band.
    """
    from exgen.answers.tolerance import outer_window

    if not tolerance:
        return None
    tol_rel, tol_abs = outer_window(tolerance)  # the checker's own band (decimals, significant figures included)
    return {"abs": 2 * tol_abs, "rel": 2 * tol_rel}


def _read(part: Part, wrong: WrongAnswer, kind_name: str) -> tuple[bool, Any]:
    """Return (readable, value): the wrong answer typed as a student would and read by ``kind_name``."""
    from exgen.answers import get_kind

    try:
        return True, get_kind(kind_name).parse(get_kind(wrong.kind or part.kind).typed(wrong.value, part), part)
    except FormatError:
        return False, None


def lands_on_key(part: Part, wrong: WrongAnswer) -> bool:
    """Return whether a student who made this mistake could score full marks on the part.

    The mistake's value is typed as a student would type it and read by the part's kind; it lands on the
    key when the kind accepts it under twice the part's tolerance (``widened``). A value the part's kind
    cannot read (a vector where a number is asked) is graded invalid or as its misconception, never as
    the key.
    """
    return screen(replace(part, wrong_answers=(wrong,)))[0] != []


def screen(part: Part) -> tuple[list[str], Part]:
    """Return (tags of the wrong answers that land on the key, the part keeping one wrong answer of each
    group the checker cannot tell apart). Each wrong answer is typed and read once."""
    from exgen.answers import get_kind

    kind = get_kind(part.kind)
    probe = replace(part, tolerance=widened(part.tolerance)) if kind.honours_tolerance else part
    landing: list[str] = []
    kept: list[tuple[WrongAnswer, Any]] = []
    for wrong in part.wrong_answers:
        own = wrong.kind or part.kind
        readable, value = _read(part, wrong, part.kind)
        if readable and kind.equals(value, part.answer, probe):
            landing.append(wrong.tag)
        if own != part.kind:
            readable, value = _read(part, wrong, own)
        if any((k.kind or part.kind) == own
               and (k.value == wrong.value or (readable and get_kind(own).equals(value, k.value, part)))
               for k, _ in kept):
            continue
        kept.append((wrong, value))
    if len(kept) < len(part.wrong_answers):
        part = replace(part, wrong_answers=tuple(w for w, _ in kept))
    return landing, part
