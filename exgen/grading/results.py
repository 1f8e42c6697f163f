"""Grading results as dataclasses with ``to_dict`` (``results.json``, format ``exgen-results/1``).

The JSON form is described by ``docs/results.schema.json``. Nothing here depends on time or on the order
of processes, so the same inputs give byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exgen.errors import one_line

RESULTS_FORMAT = "exgen-results/1"
#: Longest answer text kept in results (longer answers are cut, with a marker).
MAX_SHOWN_ANSWER = 300


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


@dataclass(frozen=True)
class PartResult:
    """One part of one exercise for one student."""

    id: str
    kind: str
    verdict: str
    points: float
    max_points: float
    feedback: str
    tag: str | None = None
    answer: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "verdict": self.verdict, "points": self.points,
                "max_points": self.max_points, "feedback": self.feedback, "tag": self.tag,
                "answer": self.answer}

    @classmethod
    def from_dict(cls, d: dict) -> PartResult:
        return cls(id=d["id"], kind=d["kind"], verdict=d["verdict"], points=d["points"],
                   max_points=d["max_points"], feedback=d["feedback"], tag=d.get("tag"), answer=d.get("answer"))


@dataclass(frozen=True)
class ExerciseResult:
    """One exercise for one student: its parts and their sum."""

    id: str
    title: str
    points: float
    max_points: float
    parts: tuple[PartResult, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "points": self.points, "max_points": self.max_points,
                "parts": [p.to_dict() for p in self.parts]}

    @classmethod
    def from_dict(cls, d: dict) -> ExerciseResult:
        return cls(id=d["id"], title=d["title"], points=d["points"], max_points=d["max_points"],
                   parts=tuple(PartResult.from_dict(p) for p in d["parts"]))


@dataclass(frozen=True)
class StudentResult:
    """One graded submission."""

    id: str
    name: str
    source: str
    total: float
    max_points: float
    exercises: tuple[ExerciseResult, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "source": self.source, "total": self.total,
                "max_points": self.max_points, "exercises": [e.to_dict() for e in self.exercises],
                "warnings": list(self.warnings)}

    @classmethod
    def from_dict(cls, d: dict) -> StudentResult:
        return cls(id=d["id"], name=d["name"], source=d["source"], total=d["total"],
                   max_points=d["max_points"], exercises=tuple(ExerciseResult.from_dict(e) for e in d["exercises"]),
                   warnings=tuple(d.get("warnings", ())))


@dataclass(frozen=True)
class Problem:
    """A submission item that could not be graded (``error``) or was graded with parts ignored
    (``warning``); ``message`` is one line naming the file, student and field."""

    level: str
    message: str

    def __post_init__(self) -> None:
        # a message quotes file names and ids the grader did not choose; it must stay one printable line
        object.__setattr__(self, "message", one_line(self.message))

    def to_dict(self) -> dict:
        return {"level": self.level, "message": self.message}


@dataclass(frozen=True)
class ExerciseInfo:
    """An exercise of the bank as the key describes it (for column headers and reports)."""

    id: str
    title: str
    max_points: float
    parts: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "max_points": self.max_points, "parts": list(self.parts)}


@dataclass(frozen=True)
class Results:
    """Everything a grading run produced."""

    generator: str
    bank: dict
    exercises: tuple[ExerciseInfo, ...]
    students: tuple[StudentResult, ...]
    problems: tuple[Problem, ...] = ()
    unsubmitted: tuple[str, ...] = ()
    submissions_read: int = 0

    @property
    def errors(self) -> list[str]:
        """Messages of items that could not be graded."""
        return [p.message for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[str]:
        """Messages of graded items with something ignored."""
        return [p.message for p in self.problems if p.level == "warning"]

    def to_dict(self) -> dict:
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
            "students": [s.to_dict() for s in self.students],
            "problems": [p.to_dict() for p in self.problems],
            "unsubmitted": list(self.unsubmitted),
        }
