"""The exercise-type seam: declared parameters plus a seeded generator of parts.

A type is one module in ``exgen/types/`` defining ``TYPE = SomeType()``. Its module name, its ``name``,
its YAML ``type:`` and its template stem (``templates/<format>/<name>.<ext>.j2``) are the same word.

A type declares the common mistakes of its topic (``mistakes``, see ``exgen.types.mistakes``) and stores
each one, applied to its draw, as a wrong answer of the parts it concerns; ``build`` redraws whenever one
of them would score full marks (the distinguishability rule).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np

from exgen.errors import FormatError, GenerationError, InvalidParams
from exgen.i18n import _
from exgen.instance import Instance, Part
from exgen.types.mistakes import Mistake, declared, screen
from exgen.types.params import DIFFICULTY, Param

T = TypeVar("T")

#: How many draws a generator may reject (for being ambiguous) before giving up.
MAX_DRAWS = 2000
#: How many whole instances ``build`` may draw before giving up because a common mistake scores.
MAX_REDRAWS = 200


@dataclass(frozen=True)
class Draft:
    """What a generator returns: the given data, the parts (points are relative weights) and context."""

    given: Mapping[str, Any]
    parts: list[Part]
    context: Mapping[str, Any] = field(default_factory=dict)


class ExerciseType:
    """Base class for exercise types.

    Subclasses set ``name``, ``title``, ``topic``, ``summary``, ``params`` (and optionally ``presets``,
    per difficulty), ``mistakes`` (the common mistakes of the topic, whose tags the wrong answers carry)
    and implement ``generate``; a type with a plot also implements ``plot_spec``. ``title`` is a message
    (marked ``N_``): an instance's default title is it in the run's language, as are the prompts, solutions
    and feedback ``generate`` writes (docs/translating.md).
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    topic: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    params: ClassVar[dict[str, Param]] = {}
    presets: ClassVar[dict[str, dict[str, Any]]] = {}
    mistakes: ClassVar[tuple[Mistake, ...]] = ()

    def mistake(self, tag: str) -> Mistake | None:
        """Return the declared mistake with this tag (None for a tag the type does not declare)."""
        return declared(self.mistakes).get(tag)

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

    def check_grading(self, params: Mapping[str, Any], grading: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Return (param name, problem) for parameters under which a common mistake would always score.

        ``grading`` is the exercise's grading options from the bank (its ``tolerance`` replaces the type's
        own; see ``exgen.types.mistakes.effective_tolerance``). The bank reader reports each problem at the
        parameter, so an instructor learns when the bank is read, not from a failed draw, that e.g. a
        learning rate is too small for the tolerance.
        """
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
              part_points: Sequence[float] | Mapping[str, float] | None = None,
              finish: Callable[[Part], Part] | None = None) -> Instance:
        """Generate and assemble a frozen instance with each part's points.

        The distinguishability rule: an instance in which a common mistake (a wrong answer of a part)
        would score full marks is drawn again. ``finish`` adjusts each part before that check (the bank's
        grading options, such as its tolerance), so the rule holds for the tolerance the checker will use.
        Of wrong answers the checker cannot tell apart, the first is kept. A numeric part's prompt ends with
        its precision, stated from that tolerance (``exgen.answers.precision``).

        Args:
            points: the exercise's total, split over the parts by their weights into whole or half points
                (``split_points``); None is the sum of the weights.
            part_points: each part's points as the bank gives them, in order or by part id; they replace
                ``points`` (the total is their sum).
            finish: applied to each part before the rule is checked (the bank's grading options).

        Raises:
            GenerationError: no instance without a scoring mistake in ``MAX_REDRAWS`` draws, naming the
                mistake that kept scoring; no usable instance could be drawn; a key the grader could not
                check (a formula its parser cannot read or that is undefined on the part's domain), naming
                the exercise and part; or ``part_points`` does not match this instance's parts.
        """
        scoring: Counter[tuple[str, str]] = Counter()
        for _redraw in range(MAX_REDRAWS):
            try:
                draft = self.generate(params, rng=rng)
            except FormatError as err:  # a formula we built that the answer parser cannot read
                raise GenerationError(f"exercise {exercise_id}: a generated formula cannot be read by the "
                                      f"grader: {err}") from None
            _check_kinds(self.name, draft.parts)
            self._check_tags(draft.parts)
            screened = [screen(finish(p) if finish else p) for p in draft.parts]
            found = [(p.id, tag) for tags, p in screened for tag in tags]
            if not found:
                break
            scoring.update(found)
        else:
            (part_id, tag), _count = scoring.most_common(1)[0]
            mistake = self.mistake(tag)
            what = f" ({mistake.description.rstrip('.').lower()})" if mistake else ""
            raise GenerationError(f"exercise {exercise_id}: could not draw an instance in which every common "
                                  f"mistake is wrong: in {MAX_REDRAWS} draws the mistake {tag!r}{what} kept "
                                  f"scoring full marks on part ({part_id}); widen the value ranges or sizes, "
                                  "or narrow the tolerance")
        final = [_with_precision(p) for _, p in screened]
        if part_points is not None:
            shares = given_points(part_points, [p.id for p in final])
        else:
            weights = [float(p.points) for p in final]
            shares = split_points(float(points) if points is not None else sum(weights), weights)
        parts = tuple(_with_points(p, share) for p, share in zip(final, shares))
        _check_keys(exercise_id, parts)
        return Instance(exercise_id=exercise_id, type=self.name, title=title or _(self.title),
                        points=_round(sum(shares)), given=draft.given, parts=parts, context=draft.context)

    def _check_tags(self, parts: list[Part]) -> None:
        """Raise ValueError (a bug in the type) for a wrong answer whose tag the type does not declare."""
        known = declared(self.mistakes)
        for part in parts:
            for wrong in part.wrong_answers:
                if wrong.tag not in known:
                    raise ValueError(f"type {self.name!r}, part {part.id!r}: wrong answer tag {wrong.tag!r} is not "
                                     f"among the declared mistakes: {', '.join(sorted(known))}")


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


def _with_precision(part: Part) -> Part:
    """Return the part with its precision stated after the prompt, from the tolerance the checker uses."""
    from exgen.answers import get_kind
    from exgen.answers.precision import precision_sentence
    from exgen.instance import replace

    if not get_kind(part.kind).honours_tolerance:
        return part
    return replace(part, prompt=f"{part.prompt} {precision_sentence(part.tolerance)}")


def _with_points(part: Part, points: float) -> Part:
    from exgen.instance import replace

    return replace(part, points=points)


def draw_until(rng: np.random.Generator, draw: Callable[[np.random.Generator], T | None], *,
               what: str) -> T:
    """Call ``draw(rng)`` until it returns something other than None (a rejected, ambiguous draw).

    Raises:
        GenerationError: after ``MAX_DRAWS`` rejections, naming ``what`` was being drawn.
    """
    for _attempt in range(MAX_DRAWS):
        result = draw(rng)
        if result is not None:
            return result
    raise GenerationError(f"could not draw a distinguishable {what} in {MAX_DRAWS} tries; "
                          "widen the value range or sizes")
