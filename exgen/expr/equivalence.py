"""Decide whether two formulas are equal by evaluating both at random points (no simplification).

This is how WeBWorK and the MITx grading library compare formulas: a computer algebra system can be slow,
can hang and can fail to see that two forms agree, while two different formulas almost never agree at a
couple of dozen random points of a continuous domain.

Points come from a generator seeded by the caller (the answer key's text), never from a global RNG, so a
verdict is reproducible. Points where either formula is undefined are skipped; enough valid points must
remain. Values are compared with ``|a - b| <= abs_tol * scale + rel_tol * max(|a|, |b|)``, where
``scale`` is the median magnitude of the reference formula over the points, so that tiny and huge values
are both judged relative to the formula's own size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from exgen.expr.evaluate import evaluate
from exgen.expr.parser import Node

N_POINTS = 24
MIN_VALID = 10
REL_TOL = 1e-6
ABS_TOL = 1e-9

Domain = Mapping[str, Sequence[float]]


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing a formula with a reference at sample points."""

    equal: bool
    valid: int  # points where both formulas are defined
    reason: str  # "equal", "differs", "undefined" (too few points where both are defined)
    student: np.ndarray  # values at the valid points
    reference: np.ndarray


def seed_from(*labels: str) -> int:
    """Return a stable 64-bit seed from text labels (SHA-256; independent of Python's hash salt)."""
    digest = hashlib.sha256("\x00".join(labels).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little")


def sample_points(domain: Domain, *, seed: int, n: int = N_POINTS) -> dict[str, np.ndarray]:
    """Return ``n`` points drawn uniformly from the box ``domain`` ({variable: [lo, hi]})."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return {var: rng.uniform(float(lo), float(hi), size=n) for var, (lo, hi) in sorted(domain.items())}


def compare(student: Node, reference: Node, domain: Domain, *, seed: int, n: int = N_POINTS,
            rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL, min_valid: int = MIN_VALID) -> Comparison:
    """Compare two formulas at ``n`` seeded random points of ``domain``.

    Args:
        student: the formula to judge.
        reference: the formula it should equal (the key, or a known wrong answer).
        domain: ``{variable: [lo, hi]}`` for every variable either formula may use.
        seed: the seed of the sample points.
        n: how many points to draw.
        rel_tol: relative tolerance per point.
        abs_tol: absolute tolerance, in units of the reference's median magnitude.
        min_valid: how many points must be defined for both formulas (and at least half of the points
            where the reference is defined) for a verdict of "equal".

    Returns:
        A ``Comparison``; ``equal`` is False when there are too few valid points.
    """
    points = sample_points(domain, seed=seed, n=n)
    ref = evaluate(reference, points, n)
    got = evaluate(student, points, n)
    ref_ok = np.isfinite(ref)
    both = ref_ok & np.isfinite(got)
    valid = int(both.sum())
    a, b = got[both], ref[both]
    if valid < max(min_valid, (int(ref_ok.sum()) + 1) // 2):
        return Comparison(False, valid, "undefined", a, b)
    scale = float(np.median(np.abs(b)))
    if scale == 0.0:
        scale = 1.0
    ok = np.abs(a - b) <= abs_tol * scale + rel_tol * np.maximum(np.abs(a), np.abs(b))
    equal = bool(ok.all())
    return Comparison(equal, valid, "equal" if equal else "differs", a, b)


def equivalent(student: Node, reference: Node, domain: Domain, *, seed: int, **options) -> bool:
    """Return whether two formulas agree at the sample points (see ``compare``)."""
    return compare(student, reference, domain, seed=seed, **options).equal
