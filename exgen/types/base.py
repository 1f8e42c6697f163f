"""The exercise-type seam: declared parameters plus a seeded generator of parts.

A type is one module in ``exgen/types/`` defining ``TYPE = SomeType()``. Its module name, its ``name``,
its YAML ``type:`` and its template stem (``templates/<format>/<name>.<ext>.j2``) are the same word.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np

from exgen.errors import FormatError, GenerationError, InvalidParams
from exgen.instance import Instance, Part
from exgen.types.params import DIFFICULTY, Param

T = TypeVar("T")

#: How many draws a generator may reject (for being ambiguous) before giving up.
MAX_DRAWS = 2000


@dataclass(frozen=True)
class Draft:
    """What a generator returns: the given data, the parts (points are relative weights) and context."""

    given: Mapping[str, Any]
    parts: list[Part]
    context: Mapping[str, Any] = field(default_factory=dict)


class ExerciseType:
    """Base class for exercise types.

    Subclasses set ``name``, ``title``, ``topic``, ``summary``, ``params`` (and optionally ``presets``,
    per difficulty) and implement ``generate``; a type with a plot also implements ``plot_spec``.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    topic: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    params: ClassVar[dict[str, Param]] = {}
    presets: ClassVar[dict[str, dict[str, Any]]] = {}

    def all_params(self) -> dict[str, Param]:
        """Return the declared params plus the shared ``difficulty``."""
        return {"difficulty": DIFFICULTY, **self.params}

    def resolve_params(self, given: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Validate an author's params; return (resolved params, [(param name, problem)]).

        Defaults come from the declarations, then the difficulty preset, then the author's values.
        """
        declared = self.all_params()
        problems: list[tuple[str, str]] = []
        values: dict[str, Any] = {}
        for key, raw in given.items():
            if key not in declared:
                problems.append((str(key), f"unknown parameter; known: {', '.join(sorted(declared))}"))
                continue
            try:
                values[key] = declared[key].validate(raw)
            except InvalidParams as err:
                problems.append((key, str(err)))
        difficulty = values.get("difficulty", DIFFICULTY.default)
        resolved = {k: (p.validate(p.default) if p.default is not None else None) for k, p in declared.items()}
        resolved.update({k: declared[k].validate(v) for k, v in self.presets.get(difficulty, {}).items()})
        resolved.update(values)
        if not problems:
            for key, message in self.check_params(resolved):
                problems.append((key, message))
        return resolved, problems

    def check_params(self, params: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Return cross-parameter problems (e.g. a range too small to draw a distinguishable instance)."""
        return []

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        """Draw one instance's given data and parts from ``rng`` (the only source of randomness)."""
        raise NotImplementedError

    def plot_spec(self, instance: Mapping[str, Any]) -> dict | None:
        """Return what a plot of one instance (as a dict) shows, or None when the type has no plot.

        A spec is made by ``exgen.types.plotspec`` (a curve with its tangent, descent steps); it is drawn,
        in every format, only when the bank asks for it (``plot: true``).
        """
        return None

    def build(self, *, exercise_id: str, title: str | None, points: float | None,
              params: Mapping[str, Any], rng: np.random.Generator,
              part_points: Sequence[float] | Mapping[str, float] | None = None) -> Instance:
        """Generate and assemble a frozen instance with each part's points.

        Args:
            points: the exercise's total, split over the parts by their weights into whole or half points
                (``split_points``); None is the sum of the weights.
            part_points: each part's points as the bank gives them, in order or by part id; they replace
                ``points`` (the total is their sum).

        Raises:
            GenerationError: no usable instance could be drawn, a key the grader could not check (a
                formula its parser cannot read or that is undefined on the part's domain), naming the
                exercise and part, or ``part_points`` does not match this instance's parts.
        """
        try:
            draft = self.generate(params, rng=rng)
        except FormatError as err:  # a formula we built that the answer parser cannot read
            raise GenerationError(f"exercise {exercise_id}: a generated formula cannot be read by the grader: "
                                  f"{err}") from None
        _check_kinds(self.name, draft.parts)
        if part_points is not None:
            shares = given_points(part_points, [p.id for p in draft.parts])
        else:
            weights = [float(p.points) for p in draft.parts]
            shares = split_points(float(points) if points is not None else sum(weights), weights)
        parts = tuple(_with_points(p, share) for p, share in zip(draft.parts, shares))
        _check_keys(exercise_id, parts)
        return Instance(exercise_id=exercise_id, type=self.name, title=title or self.title,
                        points=_round(sum(shares)), given=draft.given, parts=parts, context=draft.context)


#: Units a total is split into, coarsest first: whole points, else halves (finer only for totals that are
#: not a multiple of one half).
UNITS = (1.0, 0.5, 0.25, 0.1, 0.05, 0.01)


def _round(value: float) -> float:
    return round(value, 2) + 0.0


def split_points(total: float, weights: Sequence[float]) -> list[float]:
    """Split ``total`` over parts by weight into whole points, or halves when there are more parts than points,
    adding up to ``total`` exactly.

    The unit is the coarsest of ``UNITS`` that divides ``total`` and leaves every part at least one (else
    the finest that divides it). Each part gets its proportional number of units, rounded down; the units
    left go to the largest remainders (earlier parts first on a tie); a part left with none then takes one
    from the part holding the most (the last of them on a tie). 6 points over 9 parts: three parts of 1 and
    six of 0.5.
    """
    n = len(weights)
    if n == 0:
        return []
    dividing = [u for u in UNITS if abs(total / u - round(total / u)) < 1e-9]
    unit = next((u for u in dividing if round(total / u) >= n), dividing[-1] if dividing else UNITS[-1])
    units = round(total / unit)
    weight = sum(weights) or float(n)
    quota = [units * (w if sum(weights) else 1.0) / weight for w in weights]
    counts = [int(q + 1e-9) for q in quota]
    order = sorted(range(n), key=lambda i: (-(quota[i] - counts[i]), i))
    for i in order[:units - sum(counts)]:
        counts[i] += 1
    for i in range(n):
        if counts[i] == 0 and units >= n:
            donor = max(range(n), key=lambda j: (counts[j], j))
            counts[donor] -= 1
            counts[i] += 1
    return [_round(c * unit) for c in counts]


def given_points(given: Sequence[float] | Mapping[str, float], part_ids: Sequence[str]) -> list[float]:
    """Return each part's points from the bank's list (in part order) or mapping (by part id).

    Raises:
        GenerationError: the list's length or the mapping's ids are not this instance's parts.
    """
    ids = ", ".join(part_ids)
    if isinstance(given, Mapping):
        if set(given) != set(part_ids):
            raise GenerationError(f"points are given for parts {', '.join(map(str, given))} but this instance's "
                                  f"parts are {ids}")
        return [_round(float(given[i])) for i in part_ids]
    if len(given) != len(part_ids):
        raise GenerationError(f"points are given for {len(given)} parts but this instance has {len(part_ids)} "
                              f"({ids})")
    return [_round(float(v)) for v in given]


def _check_keys(exercise_id: str, parts) -> None:
    """Fail loudly here when the grader could not check a part's key (never a silent 0 at grading)."""
    from exgen.answers import get_kind

    for part in parts:
        found = get_kind(part.kind).check_key(part)
        if found:
            raise GenerationError(f"exercise {exercise_id}: {'; '.join(found)}")


def _check_kinds(type_name: str, parts: list[Part]) -> None:
    """Raise ValueError (a bug in the type) for a part or wrong answer naming no registered answer kind."""
    from exgen.answers import all_kinds

    known = all_kinds()
    for part in parts:
        for kind in (part.kind, *(w.kind for w in part.wrong_answers if w.kind is not None)):
            if kind not in known:
                raise ValueError(f"type {type_name!r}, part {part.id!r}: unknown answer kind {kind!r}; "
                                 f"known: {', '.join(sorted(known))}")


def _with_points(part: Part, points: float) -> Part:
    from dataclasses import replace

    return replace(part, points=points)


def draw_until(rng: np.random.Generator, draw: Callable[[np.random.Generator], T | None], *,
               what: str) -> T:
    """Call ``draw(rng)`` until it returns something other than None (a rejected, ambiguous draw).

    Raises:
        GenerationError: after ``MAX_DRAWS`` rejections, naming ``what`` was being drawn.
    """
    for _ in range(MAX_DRAWS):
        result = draw(rng)
        if result is not None:
            return result
    raise GenerationError(f"could not draw a distinguishable {what} in {MAX_DRAWS} tries; "
                          "widen the value range or sizes")
