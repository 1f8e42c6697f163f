"""Decide whether two formulas are equal by evaluating both at random points (no simplification).

This is how WeBWorK and the MITx grading library compare formulas: a computer algebra system can be slow,
can hang and can fail to see that two forms agree, while two different formulas almost never agree at a
couple of dozen random points of a continuous domain. What we add (``docs/tolerance.md``):

- **The key's domain decides.** Points are drawn from the part's box, narrowed to where the key's
  logarithms and roots can be defined, and drawn again until enough points where the key is defined
  exist. There the student's formula must be defined too (``exp(log(x))`` is not ``x`` on [-2, 2]) and
  equal. Points where the key is undefined are not asked about (``sqrt(x)*sqrt(y)`` and ``sqrt(x*y)``
  agree wherever the first is real). A key undefined almost everywhere is reported, never guessed at.
- **Negative bases.** Where a variable occurs in an exponent, extra points give it whole and half-whole
  values, at which a negative base has a real power: ``(a^b)^c`` differs from ``a^(b*c)`` there.
- **Exact comparison, honest rounding.** Values are compared to 10 significant digits, plus the rounding
  error the evaluator bounds for each point; a point whose rounding error is too large to decide
  (overflow, underflow, cancellation) is evaluated again in arbitrary precision. So a slip of 1 in a
  constant of 2,680,000,000 is caught, and a correct ``sigmoid'`` on a logit domain of [-60, 60] is not
  rejected for the digits double precision loses.
- **Several scales.** Half of the points have log-uniform magnitudes, so a wide domain still probes
  small values (``x^10 + 1000`` is not ``x^10`` on [-10, 10]).

Points come from a generator seeded by the caller (the answer key's text), never from a global RNG, so a
verdict is reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

import numpy as np

from exgen.expr import domain as dom
from exgen.expr.evaluate import Bounded, bounded
from exgen.expr.parser import Node
from exgen.expr.stable import stable
from exgen.expr.stream import Stream, text_seed
from exgen.records import Record

#: Points per batch; batches are drawn until ``WANTED`` points decide, at most ``MAX_BATCHES``.
N_POINTS = 32
WANTED = 24
MAX_BATCHES = 8
#: The fewest deciding points for a verdict of "equal".
MIN_VALID = 12
#: Default relative tolerance: 10 significant digits.
REL_TOL = 1e-10
#: How much the bounded rounding errors are trusted: a point decides when they are this many times
#: smaller than the tolerance.
SAFETY = 8.0
#: At most this many points per comparison are evaluated in arbitrary precision.
MAX_PRECISE = 24
#: At most this many points with whole and half-whole exponents, when a variable occurs in an exponent.
N_LATTICE = 256

Domain = Mapping[str, Sequence[float]]
PointRule = Callable[[float, float], bool]


class Comparison(Record):
    """The outcome of comparing a formula with a reference at sample points.

    ``reason`` is "equal"; "differs" (a point where both are defined and differ); "undefined" (the formula
    is undefined at a point where the reference is defined); "key-undefined" (the reference is defined at
    too few points of the domain to decide); or "unsure" (too few points could be decided).
    """

    __slots__ = ("equal", "valid", "reason", "student", "reference", "point", "sample")
    _defaults = {"point": None, "sample": None}
    equal: bool
    valid: int  # deciding points: both defined, values compared
    reason: str
    student: np.ndarray  # values at the deciding points
    reference: np.ndarray
    point: Mapping[str, float] | None  # where they differ, if they do
    #: (formula, reference) values at the first batch of points (nan where undefined), for diagnosis
    sample: tuple[np.ndarray, np.ndarray] | None


def seed_from(*labels: str) -> int:
    """Return a stable 64-bit seed from text labels (independent of Python's hash salt)."""
    return text_seed(*labels)


def sample_points(domain: Domain, *, seed: int, n: int = N_POINTS) -> dict[str, np.ndarray]:
    """Return the first batch of ``n`` points drawn from the box ``domain`` ({variable: [lo, hi]})."""
    return dom.draw(_rng(seed, 0), dom.box_of(domain, domain.keys()), n)


def _rng(seed: int, stream: int) -> Stream:
    """Return the draws that depend only on (seed, stream)."""
    return Stream(seed, stream)


@lru_cache(maxsize=1024)
def _reference_batch(reference: Node, box: dom.Box, seed: int, n: int, batch: int) -> tuple:
    """One batch of the key's sample points and its bounded values, shared by every answer checked
    against the same key."""
    points = dom.draw(_rng(seed, batch), box, n)
    with np.errstate(all="ignore"):
        return points, bounded(reference, points, n)


class _Tally:
    """What the points found so far: deciding values, a counterexample, and the precise-evaluation budget."""

    def __init__(self, rel_tol: float, abs_tol: float, rule: PointRule | None):
        self.rel_tol, self.abs_tol, self.rule = rel_tol, abs_tol, rule
        self.student: list[float] = []
        self.reference: list[float] = []
        self.key_defined = 0
        self.budget = MAX_PRECISE
        self.verdict: str | None = None  # "differs" or "undefined" once a counterexample is found
        self.point: dict[str, float] | None = None

    def window(self, a, b):
        return self.rel_tol * np.maximum(np.abs(a), np.abs(b)) + self.abs_tol

    def counterexample(self, reason: str, points: Mapping[str, np.ndarray], i: int) -> None:
        self.verdict = reason
        self.point = {k: float(v[i]) for k, v in points.items()}

    def keep(self, a: float, b: float) -> None:
        self.student.append(a)
        self.reference.append(b)


def _float_pass(tally: _Tally, points, s: Bounded, k: Bounded, *, generic: bool) -> list[int]:
    """Decide what double precision can at one batch; return the points to evaluate precisely."""
    key_bad, key_known = k.undefined, k.known
    stu_bad, stu_known = s.undefined, s.known
    if generic:
        tally.key_defined += int(key_known.sum())
        # the answer is undefined where the key is defined (both definite: no rounding decides a domain)
        hole = key_known & stu_bad
        if hole.any():
            tally.counterexample("undefined", points, int(np.argmax(hole)))
            return []
    both = key_known & stu_known
    a, b = s.value, k.value
    slack = SAFETY * (s.error + k.error)
    window = tally.window(a, b)
    diff = np.abs(a - b)
    wrong = both & (diff > window + slack)
    if wrong.any():
        tally.counterexample("differs", points, int(np.argmax(wrong)))
        return []
    decisive = both & (slack <= 0.5 * window)
    if tally.rule is None:
        outside = decisive & (diff > window)
        if outside.any():
            tally.counterexample("differs", points, int(np.argmax(outside)))
            return []
        tally.student.extend(a[decisive].tolist())
        tally.reference.extend(b[decisive].tolist())
    else:
        for i in np.flatnonzero(decisive):
            ai, bi = float(a[i]), float(b[i])
            if not tally.rule(ai, bi):
                tally.counterexample("differs", points, int(i))
                return []
            tally.keep(ai, bi)
    unsure = ~key_bad & ~decisive
    if not generic:
        unsure &= ~stu_bad
    return np.flatnonzero(unsure).tolist() if unsure.any() else []


def _precise_pass(tally: _Tally, student: Node, reference: Node, points, indices: list[int], *,
                  generic: bool) -> None:
    from exgen.expr import precise  # mpmath: imported only for the rare points floats cannot decide

    for i in indices:
        if tally.budget <= 0 or tally.verdict is not None:
            return
        tally.budget -= 1
        point = {k: float(v[i]) for k, v in points.items()}
        kv = precise.value_at(reference, point)
        if not isinstance(kv, precise.Precise):
            continue  # undefined here (not in the key's domain) or beyond what can be computed
        sv = precise.value_at(student, point)
        if sv == precise.UNDEFINED:
            if generic:
                tally.counterexample("undefined", points, i)
            continue
        if not isinstance(sv, precise.Precise):
            continue
        a, b = sv.value, kv.value
        window = tally.rel_tol * max(abs(a), abs(b)) + tally.abs_tol
        slack = SAFETY * (sv.error + kv.error)
        if abs(a - b) > window + slack:
            tally.counterexample("differs", points, i)
            return
        # a point decides when the error bounds are small against the tolerance, or when both values are
        # zero within bounds that are tiny against the terms that cancelled (sin(x)^2 + cos(x)^2 - 1 and 0)
        both_zero = (kv.value == 0 or precise.zero(kv)) and (sv.value == 0 or precise.zero(sv))
        if slack > 0.5 * window and not both_zero:
            continue
        fa, fb = _to_float(a), _to_float(b)
        if tally.rule is not None and math.isfinite(fa) and math.isfinite(fb) and not tally.rule(fa, fb):
            tally.counterexample("differs", points, i)
            return
        tally.keep(fa, fb)


def _to_float(x) -> float:
    try:
        return float(x)
    except (OverflowError, ValueError):  # pragma: no cover - mpmath returns inf
        return math.inf


def compare(student: Node, reference: Node, domain: Domain, *, seed: int, n: int = N_POINTS,
            rel_tol: float = REL_TOL, abs_tol: float = 0.0, rule: PointRule | None = None,
            min_valid: int = MIN_VALID) -> Comparison:
    """Compare two formulas at seeded random points of the reference's domain.

    Args:
        student: the formula to judge.
        reference: the formula it should equal (the key, or a known wrong answer).
        domain: ``{variable: [lo, hi]}``; variables not named get [-2, 2].
        seed: the seed of the sample points.
        n: points per batch.
        rel_tol: relative tolerance per point (default: 10 significant digits).
        abs_tol: absolute tolerance per point, in the formula's own units.
        rule: an exact per-point acceptance rule ``rule(student value, reference value)`` (a decimal
            tolerance) applied where the values are known precisely; ``rel_tol``/``abs_tol`` must then
            bound its window from above.
        min_valid: how many deciding points a verdict of "equal" needs.

    Returns:
        A ``Comparison``; ``equal`` is False unless enough points decide and none differs.
    """
    with np.errstate(all="ignore"):
        return _compare(student, reference, domain, seed=seed, n=n, rel_tol=rel_tol, abs_tol=abs_tol, rule=rule,
                        min_valid=min_valid)


def _compare(student: Node, reference: Node, domain: Domain, *, seed: int, n: int, rel_tol: float,
             abs_tol: float, rule: PointRule | None, min_valid: int) -> Comparison:
    reference, student = stable(reference), stable(student)
    names = sorted(set(domain) | reference.variables() | student.variables())
    box = dom.implied_box(reference, dom.box_of(domain, names))
    tally = _Tally(rel_tol, abs_tol, rule)
    sample = None
    for batch in range(MAX_BATCHES):
        points, k = _reference_batch(reference, box, seed, n, batch)
        s = bounded(student, points, n)
        if sample is None:
            sample = (s.value, k.value)
        unsure = _float_pass(tally, points, s, k, generic=True)
        if tally.verdict is None and len(tally.student) < WANTED:
            _precise_pass(tally, student, reference, points, unsure, generic=True)
        if tally.verdict is not None or len(tally.student) >= WANTED:
            break
    exponents = dom.exponent_variables(student, reference)
    if tally.verdict is None and exponents:
        points = dom.lattice(_rng(seed, MAX_BATCHES), box, exponents, N_LATTICE)
        size = len(next(iter(points.values())))
        s, k = bounded(student, points, size), bounded(reference, points, size)
        unsure = _float_pass(tally, points, s, k, generic=False)
        if tally.verdict is None:
            tally.budget = MAX_PRECISE
            _precise_pass(tally, student, reference, points, unsure, generic=False)
    got, want = np.array(tally.student), np.array(tally.reference)
    if tally.verdict is not None:
        return Comparison(False, len(got), tally.verdict, got, want, tally.point, sample)
    if tally.key_defined < min_valid and len(got) < min_valid:
        return Comparison(False, len(got), "key-undefined", got, want, sample=sample)
    if len(got) < min_valid:
        return Comparison(False, len(got), "unsure", got, want, sample=sample)
    return Comparison(True, len(got), "equal", got, want, sample=sample)


def equivalent(student: Node, reference: Node, domain: Domain, *, seed: int, **options) -> bool:
    """Return whether two formulas agree at the sample points (see ``compare``)."""
    return compare(student, reference, domain, seed=seed, **options).equal
