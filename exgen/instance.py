"""Frozen exercise instances and their JSON form.

An instance is everything a worksheet, an answer key and the grader need about one exercise for one
student: the given data, and one or more parts, each with its answer kind, points, the correct answer, a
tolerance where numeric, worked solution steps and the known wrong answers (misconceptions) with the
feedback a student should read.

Values stored here are JSON-native (numbers, strings, nested lists, dicts) so that the answer key is the
instance's ``to_dict`` and ``from_dict(to_dict(x)) == x`` holds exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, NewType, TypeVar

from exgen.records import Record, replace  # noqa: F401 (replace: the name callers import from here)

#: The name of an answer kind (``exgen.answers``). Types write the constants ``exgen.answers`` exports
#: (``Part(kind=CHOICE)``), never bare strings; ``ExerciseType.build`` checks them against the registry.
KindName = NewType("KindName", str)
_T = TypeVar("_T")


# Exact types checked first: a key store loads every graded student's instances, and the generic checks
# (isinstance against the Mapping ABC) cost most of that time.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_MAPPINGS = frozenset({dict, MappingProxyType})
_SEQUENCES = frozenset({list, tuple})


def freeze(value: Any) -> Any:
    """Return a deeply immutable copy: lists become tuples and dicts read-only mappings."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple:
        # leaves (most of a key's values) are kept without a call: a key store freezes every graded
        # student's instances, and the calls were most of that time
        return tuple([v if type(v) in _PLAIN else freeze(v) for v in value])
    if kind is dict or kind is MappingProxyType:
        return MappingProxyType({k if type(k) is str else str(k): v if type(v) in _PLAIN else freeze(v)
                                 for k, v in value.items()})
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return freeze(value.tolist())
    return value


def thaw(value: Any) -> Any:
    """Return the JSON-native (mutable) copy of a frozen value."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind in _SEQUENCES:
        return [thaw(v) for v in value]
    if kind in _MAPPINGS or isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


class _Frozen(Record):
    """A record whose fields live in the instance's ``__dict__`` (no ``__slots__``): ``__init__`` and
    :func:`_built` fill it at once, which is the cheapest way to build the many instances a key store loads;
    equality, hashing, repr and immutability come from :class:`exgen.records.Record`."""


class WrongAnswer(_Frozen):
    """A known wrong answer: the value a misconception produces and what to tell the student.

    ``kind`` names the answer kind that reads this value when it differs from the part's (e.g. the
    element-wise product *vector* given where the dot product *scalar* is asked).
    """

    _FIELDS = ("value", "tag", "feedback", "kind", "credit")
    value: Any
    tag: str
    feedback: str
    kind: KindName | None
    credit: float

    def __init__(self, value: Any, tag: str, feedback: str, kind: KindName | None = None, credit: float = 0.0):
        self.__dict__.update(value=freeze(value), tag=tag, feedback=feedback, kind=kind, credit=credit)

    def to_dict(self) -> dict:
        out = {"tag": self.tag, "value": thaw(self.value), "feedback": self.feedback}
        if self.kind is not None:
            out["kind"] = self.kind
        if self.credit:
            out["credit"] = self.credit
        return out

    @classmethod
    def from_dict(cls, d: Mapping) -> WrongAnswer:
        # built as __init__ would build it, field by field (see _built)
        return _built(cls, {"value": freeze(d["value"]), "tag": d["tag"], "feedback": d["feedback"],
                            "kind": d.get("kind"), "credit": float(d.get("credit", 0.0))})


class Part(_Frozen):
    """One answerable question of an exercise."""

    _FIELDS = ("id", "kind", "prompt", "answer", "points", "tolerance", "options", "solution", "wrong_answers")
    id: str
    kind: KindName
    prompt: str
    answer: Any
    points: float
    tolerance: Any
    options: Any
    solution: Sequence[str]  # stored as a tuple
    wrong_answers: Sequence[WrongAnswer]  # stored as a tuple

    def __init__(self, id: str, kind: KindName, prompt: str, answer: Any, points: float = 1.0,
                 tolerance: Any = None, options: Any = None, solution: Sequence[str] = (),
                 wrong_answers: Sequence[WrongAnswer] = ()):
        self.__dict__.update(id=id, kind=kind, prompt=prompt, answer=freeze(answer), points=points,
                             tolerance=freeze(tolerance), options=freeze(options or {}), solution=tuple(solution),
                             wrong_answers=tuple(wrong_answers))

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "prompt": self.prompt,
            "points": self.points,
            "answer": thaw(self.answer),
            "tolerance": thaw(self.tolerance),
            "options": thaw(self.options),
            "solution": list(self.solution),
            "wrong_answers": [w.to_dict() for w in self.wrong_answers],
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> Part:
        return _built(cls, {
            "id": d["id"], "kind": d["kind"], "prompt": d["prompt"], "answer": freeze(d["answer"]),
            "points": float(d["points"]), "tolerance": freeze(d.get("tolerance")),
            "options": freeze(d.get("options") or {}), "solution": tuple(d.get("solution", ())),
            "wrong_answers": tuple([WrongAnswer.from_dict(w) for w in d.get("wrong_answers", ())]),
        })


class Instance(_Frozen):
    """One exercise as one student sees it.

    ``given`` holds the data the statement shows (matrices, vectors, numbers, formulas) by name, and
    ``context`` any further facts the templates print (e.g. a diagram description); both JSON-native.
    ``grading`` holds the bank's grading options for this exercise (e.g. ``reveal_answer``).
    """

    _FIELDS = ("exercise_id", "type", "title", "points", "given", "parts", "context", "grading")
    exercise_id: str
    type: str
    title: str
    points: float
    given: Any
    parts: tuple[Part, ...]
    context: Any
    grading: Any

    def __init__(self, exercise_id: str, type: str, title: str, points: float, given: Any,
                 parts: Sequence[Part], context: Any = None, grading: Any = None):
        self.__dict__.update(exercise_id=exercise_id, type=type, title=title, points=points,
                             given=freeze(given or {}), parts=tuple(parts), context=freeze(context or {}),
                             grading=freeze(grading or {}))

    def part(self, part_id: str) -> Part:
        """Return the part with this id; raises KeyError when there is none."""
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    def to_dict(self) -> dict:
        return {
            "id": self.exercise_id,
            "type": self.type,
            "title": self.title,
            "points": self.points,
            "given": thaw(self.given),
            "context": thaw(self.context),
            "grading": thaw(self.grading),
            "parts": [p.to_dict() for p in self.parts],
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> Instance:
        return _built(cls, {
            "exercise_id": d["id"], "type": d["type"], "title": d["title"], "points": float(d["points"]),
            "given": freeze(d.get("given") or {}), "context": freeze(d.get("context") or {}),
            "grading": freeze(d.get("grading") or {}), "parts": tuple([Part.from_dict(p) for p in d["parts"]]),
        })


def _built(cls: type[_T], fields: dict[str, Any]) -> _T:
    """Return an instance of ``cls`` with ``fields`` (every field, already in the form its ``__init__`` gives):
    the key store builds every graded student's instances, and this skips the freezing they need not."""
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj
