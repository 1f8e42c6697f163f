"""Bank + students -> instances: the one place that seeds and builds exercises."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from exgen.answers import get_kind
from exgen.bank.spec import BankSpec, ExerciseSpec
from exgen.build.seeding import rng_for
from exgen.i18n import current_language
from exgen.instance import Instance, Part
from exgen.types import get_type


def _apply_grading(part: Part, grading) -> Part:
    """Return the part with the bank's grading options that its kind honours (the others are ignored)."""
    kind = get_kind(part.kind)
    changes: dict[str, Any] = {}
    if "tolerance" in grading and kind.honours_tolerance:
        changes["tolerance"] = dict(grading["tolerance"])
    if grading.get("partial_credit") and kind.honours_partial_credit:
        changes["options"] = {**dict(part.options), "partial": True}
    return replace(part, **changes) if changes else part


def build_instance(exercise: ExerciseSpec, *, seed: int, student_id: str) -> Instance:
    """Generate one student's instance of one exercise (deterministic in seed, student and exercise id)."""
    typ = get_type(exercise.type)
    rng = rng_for(seed, student_id, exercise.id)
    inst = typ.build(exercise_id=exercise.id, title=exercise.title, points=exercise.points,
                     params=exercise.params, rng=rng)
    grading = dict(exercise.grading)
    parts = tuple(_apply_grading(p, grading) for p in inst.parts)
    context = {**dict(inst.context), "plot": True} if exercise.plot else inst.context
    kept = {k: v for k, v in grading.items() if k == "reveal_answer"}
    return replace(inst, parts=parts, grading=kept, context=context)


def build_student(bank: BankSpec, *, seed: int, student_id: str) -> list[Instance]:
    """Generate every exercise of a bank for one student, in bank order."""
    return [build_instance(ex, seed=seed, student_id=student_id) for ex in bank.exercises]


def bank_info(bank: BankSpec) -> dict:
    """Return the bank fields the documents print, and the language they are written in (the running one,
    ``exgen.i18n.language``: the bank's unless a run chose another)."""
    return {"id": bank.id, "title": bank.title, "course": dict(bank.course), "language": current_language()}


def iter_students(bank: BankSpec, students: Iterable, *, seed: int):
    """Yield (student, instances) for each student."""
    for student in students:
        yield student, build_student(bank, seed=seed, student_id=student.id)
