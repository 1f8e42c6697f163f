"""Bank + students -> instances: the one place that seeds and builds exercises."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from exgen.answers import get_kind
from exgen.bank.spec import BankSpec, ExerciseSpec
from exgen.build.seeding import rng_for
from exgen.errors import ExgenError, GenerationError
from exgen.i18n import current_language
from exgen.instance import Instance, Part, replace
from exgen.types import get_type
from exgen.types.mistakes import effective_tolerance


def _apply_grading(part: Part, grading) -> Part:
    """Return the part with the bank's grading options that its kind honours (the others are ignored)."""
    kind = get_kind(part.kind)
    changes: dict[str, Any] = {}
    if kind.honours_tolerance:
        # the bank's tolerance replaces the type's, and its precision options join it (docs/tolerance.md)
        tolerance = effective_tolerance(part.tolerance, grading) or {}
        if tolerance != dict(part.tolerance or {}):
            changes["tolerance"] = tolerance
    if grading.get("partial_credit") and kind.honours_partial_credit:
        changes["options"] = {**dict(part.options), "partial": True}
    return replace(part, **changes) if changes else part


#: Instances drawn to learn an exercise's parts when the bank gives points per part.
PROBES = 12


def build_instance(exercise: ExerciseSpec, *, seed: int, student_id: str) -> Instance:
    """Generate one student's instance of one exercise (deterministic in seed, student and exercise id).

    Raises:
        GenerationError: the parameters cannot be drawn, or the bank's per-part points do not fit this
            instance's parts (the message starts with the bank's file and line).
    """
    typ = get_type(exercise.type)
    rng = rng_for(seed, student_id, exercise.id)
    grading = dict(exercise.grading)
    # The bank's grading options are applied inside build, before its distinguishability check, so that no
    # common mistake scores under the tolerance the checker will actually use.
    try:
        inst = typ.build(exercise_id=exercise.id, title=exercise.title, points=exercise.points,
                         params=exercise.params, rng=rng, part_points=exercise.part_points,
                         finish=lambda p: _apply_grading(p, grading))
    except GenerationError as err:
        if exercise.part_points is None or not exercise.points_at:
            raise
        raise GenerationError(f"{exercise.points_at}: {err} (student {student_id})") from None
    context = {**dict(inst.context), "plot": True} if exercise.plot else inst.context
    kept = {k: v for k, v in grading.items() if k == "reveal_answer"}
    return replace(inst, grading=kept, context=context)


def part_points_problems(bank: BankSpec) -> list[str]:
    """Return a ``file:line: exercises[i].points: ...`` message for each exercise whose per-part points do
    not fit its parts, learnt from instances drawn for a few probe students."""
    problems = []
    for ex in bank.exercises:
        if ex.part_points is not None:
            problem = _part_points_problem(ex, bank.seed)
            if problem:
                problems.append(f"{ex.points_at}: {problem}")
    return problems


def _part_points_problem(ex: ExerciseSpec, seed: int) -> str:
    plain = dataclasses.replace(ex, part_points=None)  # a bank spec: still a dataclass
    try:
        shapes = [tuple(p.id for p in build_instance(plain, seed=seed, student_id=f"probe-{k}").parts)
                  for k in range(PROBES)]
    except ExgenError:
        return ""  # parameters that cannot be drawn are reported by generate with their own message
    counts = sorted({len(ids) for ids in shapes})
    if isinstance(ex.part_points, tuple):
        if len(counts) > 1:
            return (f"this exercise has {counts[0]} to {counts[-1]} parts depending on the draw; give a total "
                    "(split over the parts) or points by part id")
        if counts[0] != len(ex.part_points):
            return f"expected {counts[0]} numbers, one per part ({', '.join(shapes[0])}), got {len(ex.part_points)}"
        return ""
    ids = sorted({i for s in shapes for i in s})
    given = list(ex.part_points or {})
    unknown = [k for k in given if k not in ids]
    missing = [i for i in ids if i not in given]
    if unknown:
        return f"this exercise has no part {', '.join(unknown)}; its parts are {', '.join(ids)}"
    if missing:
        return f"missing points for part{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
    if len(counts) > 1:
        return (f"this exercise has {counts[0]} to {counts[-1]} parts depending on the draw, so not every "
                "student has every part given; give a total instead")
    return ""


def build_student(bank: BankSpec, *, seed: int, student_id: str) -> list[Instance]:
    """Generate every exercise of a bank for one student, in bank order."""
    return [build_instance(ex, seed=seed, student_id=student_id) for ex in bank.exercises]


#: The student id of the trial build ``validate`` makes (any id works; this one is never a real student).
PROBE_STUDENT = "exgen-validate-probe"


def check_bank(bank: BankSpec, *, seed: int | None = None) -> list[str]:
    """Build every exercise once for a probe student; return one line per exercise that cannot be built.

    This is what ``exgen validate`` adds to reading the file: a key the grader could not check (or
    parameters too tight to draw an instance) is found before any worksheet is handed out.
    """
    problems = []
    for exercise in bank.exercises:
        try:
            build_instance(exercise, seed=bank.seed if seed is None else seed, student_id=PROBE_STUDENT)
        except GenerationError as err:
            problems.append(f"{Path(bank.source).name}: {err}" if bank.source else str(err))
    return problems


def bank_info(bank: BankSpec) -> dict:
    """Return the bank fields the documents print, and the language they are written in (the running one,
    ``exgen.i18n.language``: the bank's unless a run chose another)."""
    return {"id": bank.id, "title": bank.title, "course": dict(bank.course), "language": current_language()}


def iter_students(bank: BankSpec, students: Iterable, *, seed: int):
    """Yield (student, instances) for each student."""
    for student in students:
        yield student, build_student(bank, seed=seed, student_id=student.id)
