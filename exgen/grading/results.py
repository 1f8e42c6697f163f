"""Grading results as small record classes with ``to_dict`` (``results.json``, format ``exgen-results/1``).

The JSON form is described by ``docs/results.schema.json``. Nothing here depends on time or on the order
of processes, so the same inputs give byte-identical files.
"""

from __future__ import annotations

from typing import Any

from exgen.errors import one_line

RESULTS_FORMAT = "exgen-results/1"
_INF = float("inf")
_encode: Any = None  # json's C string encoder, imported when first needed
#: Longest answer text kept in results (longer answers are cut, with a marker).
MAX_SHOWN_ANSWER = 300


_SHARED: dict[str, str] = {}


def _shared(text: str | None) -> str | None:
    """Return one copy of each distinct text: a class's results repeat the same feedback thousands of
    times, and one copy per batch is what ``--jobs`` workers then send back (pickle keeps a copy per object)."""
    if text is None:
        return None
    if len(_SHARED) > 100_000:
        _SHARED.clear()
    return _SHARED.setdefault(text, text)


def round_points(value: float) -> float:
    """Round points for storage and sums (6 decimals; -0.0 becomes 0.0)."""
    return round(float(value), 6) + 0.0


def answer_text(raw: Any) -> str | None:
    """Return a raw answer as one line of text for results and reports (None when not given)."""
    import json

    if raw is None:
        return None
    if isinstance(raw, str):
        text = " ".join(raw.split())
    elif isinstance(raw, bool):
        text = "yes" if raw else "no"
    else:
        try:
            text = json.dumps(raw, ensure_ascii=False, allow_nan=True)
        except (TypeError, ValueError, RecursionError):
            text = "(unreadable value)"
    if len(text) > MAX_SHOWN_ANSWER:
        text = text[: MAX_SHOWN_ANSWER - 3] + "..."
    return text


class _Record:
    """Equality, hashing and a readable repr from ``__slots__``: what a frozen dataclass gave, without the cost
    of building dataclasses when this module is imported (the one-submission autograder imports it on every
    run) nor of ``object.__setattr__`` for every field of the tens of thousands of results a class makes.
    Fields are set once, in ``__init__``; nothing assigns them afterwards."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple:
        return tuple([getattr(self, name) for name in self.__slots__])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"


class PartResult(_Record):
    """One part of one exercise for one student."""

    __slots__ = ("id", "kind", "verdict", "points", "max_points", "feedback", "tag", "answer")

    def __init__(self, id: str, kind: str, verdict: str, points: float, max_points: float, feedback: str,
                 tag: str | None = None, answer: str | None = None):
        self.id = id
        self.kind = kind
        self.verdict = verdict
        self.points = points
        self.max_points = max_points
        self.feedback = feedback
        self.tag = tag
        self.answer = answer

    def __reduce__(self) -> tuple:
        return PartResult, (_shared(self.id), _shared(self.kind), _shared(self.verdict), self.points,
                            self.max_points, _shared(self.feedback), _shared(self.tag), self.answer)

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "verdict": self.verdict, "points": self.points,
                "max_points": self.max_points, "feedback": self.feedback, "tag": self.tag,
                "answer": self.answer}

    @classmethod
    def from_dict(cls, d: dict) -> PartResult:
        return cls(id=d["id"], kind=d["kind"], verdict=d["verdict"], points=d["points"],
                   max_points=d["max_points"], feedback=d["feedback"], tag=d.get("tag"), answer=d.get("answer"))


class ExerciseResult(_Record):
    """One exercise for one student: its parts and their sum."""

    __slots__ = ("id", "title", "points", "max_points", "parts")

    def __init__(self, id: str, title: str, points: float, max_points: float, parts: tuple[PartResult, ...]):
        self.id = id
        self.title = title
        self.points = points
        self.max_points = max_points
        self.parts = parts

    def __reduce__(self) -> tuple:
        return ExerciseResult, (_shared(self.id), _shared(self.title), self.points, self.max_points, self.parts)

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "points": self.points, "max_points": self.max_points,
                "parts": [p.to_dict() for p in self.parts]}

    @classmethod
    def from_dict(cls, d: dict) -> ExerciseResult:
        return cls(id=d["id"], title=d["title"], points=d["points"], max_points=d["max_points"],
                   parts=tuple(PartResult.from_dict(p) for p in d["parts"]))


class StudentResult(_Record):
    """One graded submission."""

    __slots__ = ("id", "name", "source", "total", "max_points", "exercises", "warnings")

    def __init__(self, id: str, name: str, source: str, total: float, max_points: float,
                 exercises: tuple[ExerciseResult, ...], warnings: tuple[str, ...] = ()):
        self.id = id
        self.name = name
        self.source = source
        self.total = total
        self.max_points = max_points
        self.exercises = exercises
        self.warnings = warnings

    def __reduce__(self) -> tuple:
        return StudentResult, (self.id, self.name, self.source, self.total, self.max_points, self.exercises,
                               self.warnings)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "source": self.source, "total": self.total,
                "max_points": self.max_points, "exercises": [e.to_dict() for e in self.exercises],
                "warnings": list(self.warnings)}

    @classmethod
    def from_dict(cls, d: dict) -> StudentResult:
        return cls(id=d["id"], name=d["name"], source=d["source"], total=d["total"],
                   max_points=d["max_points"], exercises=tuple(ExerciseResult.from_dict(e) for e in d["exercises"]),
                   warnings=tuple(d.get("warnings", ())))


_I1, _I2, _I3, _I4, _I5 = ("\n" + " " * n for n in range(3, 8))


class _Unusual(Exception):
    """A value the direct serialiser leaves to the general one."""


def _scalar(value: Any) -> str:
    """A number, text, null or boolean as ``json.dumps`` writes it."""
    kind = type(value)
    if kind is str:
        return _encode(value)
    if kind is float and value == value and value not in (_INF, -_INF):
        return float.__repr__(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    raise _Unusual


def _part_json(p: PartResult) -> str:
    return (f'{{{_I5}"id": {_scalar(p.id)},{_I5}"kind": {_scalar(p.kind)},{_I5}"verdict": {_scalar(p.verdict)},'
            f'{_I5}"points": {_scalar(p.points)},{_I5}"max_points": {_scalar(p.max_points)},'
            f'{_I5}"feedback": {_scalar(p.feedback)},{_I5}"tag": {_scalar(p.tag)},{_I5}"answer": {_scalar(p.answer)}'
            f'{_I4}}}')


def _exercise_json(e: ExerciseResult) -> str:
    parts = f"[{_I4}" + f",{_I4}".join([_part_json(p) for p in e.parts]) + f"{_I3}]" if e.parts else "[]"
    return (f'{{{_I3}"id": {_scalar(e.id)},{_I3}"title": {_scalar(e.title)},{_I3}"points": {_scalar(e.points)},'
            f'{_I3}"max_points": {_scalar(e.max_points)},{_I3}"parts": {parts}{_I2}}}')


def entry_json(student: StudentResult) -> str:
    """Return the student's entry of results.json's student list: exactly
    ``exgen.build.keyfile.json_item(student.to_dict())``, built directly (a worker makes one per student,
    and the general serialiser walking ``to_dict`` was a tenth of grading's CPU)."""
    global _encode
    if _encode is None:
        from json.encoder import encode_basestring  # the C version, as json.dumps uses

        _encode = encode_basestring
    try:
        exercises = (f"[{_I2}" + f",{_I2}".join([_exercise_json(e) for e in student.exercises]) + f"{_I1}]"
                     if student.exercises else "[]")
        warnings = (f"[{_I2}" + f",{_I2}".join([_scalar(w) for w in student.warnings]) + f"{_I1}]"
                    if student.warnings else "[]")
        return (f'  {{{_I1}"id": {_scalar(student.id)},{_I1}"name": {_scalar(student.name)},'
                f'{_I1}"source": {_scalar(student.source)},{_I1}"total": {_scalar(student.total)},'
                f'{_I1}"max_points": {_scalar(student.max_points)},{_I1}"exercises": {exercises},'
                f'{_I1}"warnings": {warnings}\n  }}')
    except _Unusual:  # (not a result grading makes: anything else json.dumps takes, or refuses, the same way)
        from exgen.build.keyfile import json_item

        return json_item(student.to_dict())


class Problem(_Record):
    """A submission item that could not be graded (``error``) or was graded with parts ignored
    (``warning``); ``message`` is one line naming the file, student and field."""

    __slots__ = ("level", "message")

    def __init__(self, level: str, message: str):
        self.level = level
        # a message quotes file names and ids the grader did not choose; it must stay one printable line
        self.message = one_line(message)

    def __reduce__(self) -> tuple:
        return Problem, (self.level, self.message)

    def to_dict(self) -> dict:
        return {"level": self.level, "message": self.message}


class ExerciseInfo(_Record):
    """An exercise of the bank as the key describes it (for column headers and reports); ``type`` names
    its exercise type, whose declared mistakes the report describes."""

    __slots__ = ("id", "title", "max_points", "parts", "type")

    def __init__(self, id: str, title: str, max_points: float, parts: tuple[str, ...], type: str = ""):
        self.id = id
        self.title = title
        self.max_points = max_points
        self.parts = parts
        self.type = type

    def to_dict(self) -> dict:
        out = {"id": self.id, "title": self.title, "max_points": self.max_points, "parts": list(self.parts)}
        if self.type:
            out["type"] = self.type
        return out


class Results(_Record):
    """Everything a grading run produced."""

    __slots__ = ("generator", "bank", "exercises", "students", "problems", "unsubmitted", "submissions_read")

    def __init__(self, generator: str, bank: dict, exercises: tuple[ExerciseInfo, ...],
                 students: tuple[StudentResult, ...], problems: tuple[Problem, ...] = (),
                 unsubmitted: tuple[str, ...] = (), submissions_read: int = 0):
        self.generator = generator
        self.bank = bank
        self.exercises = exercises
        self.students = students
        self.problems = problems
        self.unsubmitted = unsubmitted
        self.submissions_read = submissions_read

    @property
    def errors(self) -> list[str]:
        """Messages of items that could not be graded."""
        return [p.message for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[str]:
        """Messages of graded items with something ignored."""
        return [p.message for p in self.problems if p.level == "warning"]

    def to_dict(self, *, students: bool = True) -> dict:
        """Return results.json's document; ``students=False`` leaves its student list empty (the summary
        still counts them), for a writer that adds the entries already serialised."""
        return {
            "format": RESULTS_FORMAT,
            "generator": self.generator,
            "bank": self.bank,
            "exercises": [e.to_dict() for e in self.exercises],
            "summary": {
                "submissions_read": self.submissions_read,
                "graded": len(self.students),
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "unsubmitted": len(self.unsubmitted),
            },
            "students": [s.to_dict() for s in self.students] if students else [],
            "problems": [p.to_dict() for p in self.problems],
            "unsubmitted": list(self.unsubmitted),
        }
