"""The exercise-type seam: declared parameters plus a seeded generator of parts.

A type is one module in ``exgen/types/`` defining ``TYPE = SomeType()``. Its module name, its ``name``,
its YAML ``type:`` and its template stem (``templates/<format>/<name>.<ext>.j2``) are the same word.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
              params: Mapping[str, Any], rng: np.random.Generator) -> Instance:
        """Generate and assemble a frozen instance, scaling part weights to the exercise's points.

        Raises:
            GenerationError: no usable instance could be drawn, or a key the grader could not check (a
                formula its parser cannot read or that is undefined on the part's domain), naming the
                exercise and part.
        """
        try:
            draft = self.generate(params, rng=rng)
        except FormatError as err:  # a formula we built that the answer parser cannot read
            raise GenerationError(f"exercise {exercise_id}: a generated formula cannot be read by the grader: "
                                  f"{err}") from None
        _check_kinds(self.name, draft.parts)
        total_weight = sum(p.points for p in draft.parts)
        target = float(points) if points is not None else float(total_weight)
        shares = [round(target * p.points / total_weight, 4) for p in draft.parts]
        # The last part absorbs the rounding so that the parts add up to the exercise's points exactly.
        shares[-1] = round(target - sum(shares[:-1]), 4)
        parts = tuple(_with_points(p, share) for p, share in zip(draft.parts, shares))
        _check_keys(exercise_id, parts)
        return Instance(exercise_id=exercise_id, type=self.name, title=title or self.title,
                        points=target, given=draft.given, parts=parts, context=draft.context)


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
