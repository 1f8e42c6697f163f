"""Grade many submissions against a loaded answer key, optionally across processes.

The grading of one submission is a pure function of the submission and the student's key entry, so
``--jobs N`` only changes who does the work: chunks are graded in worker processes and collected in the
order they were sent, and the results are identical to a single-process run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from exgen.grading.results import (
    ExerciseInfo,
    ExerciseResult,
    PartResult,
    Problem,
    Results,
    StudentResult,
    answer_text,
    round_points,
)
from exgen.grading.submissions import WHOLE, Submission
from exgen.i18n import N_, _, current_language, language
from exgen.instance import Instance

#: Most submissions per task sent to a worker process.
CHUNK = 64
INTERNAL_ERROR_FEEDBACK = N_("This answer could not be graded because of an error in the grader; "
                              "your instructor has been told and will check it by hand.")


def _who(sub: Submission) -> str:
    return f"{sub.source}: student {sub.student!r}" if sub.student is not None else sub.source


def _ids(values: Sequence[str]) -> str:
    shown = ", ".join(values[:12])
    if len(values) <= 12:
        return shown
    # Translators: a list of ids cut short: "a, b, c, ... and 5 more".
    return _("%(ids)s and %(count)d more") % {"ids": shown, "count": len(values) - 12}


def grade_submission(name: str, instances: Sequence[Instance],
                     sub: Submission) -> tuple[StudentResult, list[Problem]]:
    """Grade one submission against the student's instances from the key.

    Args:
        name: the student's name from the key.
        instances: the student's exercises from the key, in bank order.
        sub: the submission (its ``student`` must be the key's id for these instances).

    Returns:
        (the result, problems: ``warning`` for ignored answers, ``error`` for an internal grader error).
        Never raises on bad answers.
    """
    from exgen.grading.core import grade_instance

    problems: list[Problem] = []
    known = {inst.exercise_id: inst for inst in instances}
    for ex_id in sub.answers:
        if ex_id not in known:
            problems.append(Problem("warning", _("%(who)s: unknown exercise id %(id)r (ignored); expected one of "
                                                 "%(ids)s") % {"who": _who(sub), "id": ex_id,
                                                               "ids": _ids(list(known))}))
    exercises = []
    for inst in instances:
        given = dict(sub.answers.get(inst.exercise_id, {}))
        part_ids = [p.id for p in inst.parts]
        if WHOLE in given:
            whole = given.pop(WHOLE)
            if len(part_ids) == 1 and part_ids[0] not in given:
                given[part_ids[0]] = whole
            else:
                problems.append(Problem("warning", _("%(who)s: answer to %(id)r as a whole (ignored); it has parts "
                                                     "%(parts)s: answer %(first)s and so on")
                                        % {"who": _who(sub), "id": inst.exercise_id, "parts": ", ".join(part_ids),
                                           "first": f"{inst.exercise_id}.{part_ids[0]}"}))
        for part_id in given:
            if part_id not in part_ids:
                problems.append(Problem("warning", _("%(who)s: unknown part %(part)s (ignored); %(id)s has parts "
                                                     "%(parts)s") % {"who": _who(sub),
                                                                     "part": f"{inst.exercise_id}.{part_id}",
                                                                     "id": inst.exercise_id,
                                                                     "parts": ", ".join(part_ids)}))
        try:
            scores = grade_instance(inst, given)
            parts = tuple(PartResult(id=p.id, kind=p.kind, verdict=scores[p.id].verdict,
                                     points=round_points(scores[p.id].points),
                                     max_points=round_points(scores[p.id].max_points),
                                     feedback=scores[p.id].feedback, tag=scores[p.id].tag,
                                     answer=answer_text(given.get(p.id)))
                          for p in inst.parts)
        except Exception as err:  # a bug in a kind must not stop a class's grading; it is reported
            problems.append(Problem("error", _("%(who)s: exercise %(id)s: internal grader error (%(error)s); graded "
                                               "as invalid") % {"who": _who(sub), "id": inst.exercise_id,
                                                                "error": f"{type(err).__name__}: {str(err)[:120]}"}))
            parts = tuple(PartResult(id=p.id, kind=p.kind, verdict="invalid", points=0.0,
                                     max_points=round_points(p.points), feedback=_(INTERNAL_ERROR_FEEDBACK),
                                     answer=answer_text(given.get(p.id)))
                          for p in inst.parts)
        exercises.append(ExerciseResult(id=inst.exercise_id, title=inst.title, points=_scaled(inst, parts),
                                        max_points=round_points(inst.points), parts=parts))
    result = StudentResult(id=sub.student or "", name=name, source=sub.source,
                           total=round_points(sum(e.points for e in exercises)),
                           max_points=round_points(sum(e.max_points for e in exercises)),
                           exercises=tuple(exercises), warnings=tuple(p.message for p in problems))
    return result, problems


def _scaled(inst: Instance, parts: Sequence[PartResult]) -> float:
    """The exercise's points times the fraction of its part points earned (part weights are rounded in the
    key, so their sum can miss the exercise's points by a little; full marks give exactly its points)."""
    earned = sum(p.points for p in parts)
    possible = sum(p.max_points for p in parts)
    return round_points(inst.points * earned / possible) if possible > 0 else 0.0


#: The key, for worker processes forked while it is set (they share it copy-on-write; nothing is pickled).
_SHARED_KEY: Mapping[str, Any] | None = None


def _grade_shared(task: tuple[str, list[Submission]]) -> list[tuple[StudentResult, list[Problem]]]:
    """Worker task (forked workers): grade submissions against the key inherited from the parent, in the
    parent's language (sent with each task: a worker may have run another run's tasks before)."""
    assert _SHARED_KEY is not None, "the parent sets the key before forking"  # noqa: S101
    lang, chunk = task
    students = _SHARED_KEY["students"]
    with language(lang):
        return [grade_submission(students[sub.student]["name"], students[sub.student]["exercises"], sub)
                for sub in chunk]


def _in_workers(key: Mapping[str, Any], todo: list[Submission], jobs: int):
    """Yield the graded chunks in order. Workers are forked where possible so that the key need not be
    sent to them (pickling instances costs about as much as grading them); elsewhere instances are sent."""
    global _SHARED_KEY
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, min(CHUNK, -(-len(todo) // (4 * jobs))))  # a few chunks per worker, at most CHUNK
    slices = [todo[i:i + size] for i in range(0, len(todo), size)]
    task: Callable[[Any], list[tuple[StudentResult, list[Problem]]]]
    chunks: list[Any]
    lang = current_language()
    if "fork" in multiprocessing.get_all_start_methods():
        task, context = _grade_shared, multiprocessing.get_context("fork")
        chunks = [(lang, chunk) for chunk in slices]
    else:
        _allow_pickling_instances()
        students = key["students"]
        chunks = [(lang, [(sub, students[sub.student]["name"], students[sub.student]["exercises"]) for sub in chunk])
                  for chunk in slices]
        task, context = _grade_chunk, None
    import gc

    _SHARED_KEY = key
    gc.freeze()  # the children's collector then skips (and does not copy) the inherited key
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            yield from pool.map(task, chunks)
    finally:
        _SHARED_KEY = None
        gc.unfreeze()


def _grade_chunk(task: tuple[str, list[tuple[Submission, str, list[Instance]]]]
                 ) -> list[tuple[StudentResult, list[Problem]]]:
    """Worker task: grade each submission of a chunk, in the parent's language."""
    lang, chunk = task
    with language(lang):
        return [grade_submission(name, instances, sub) for sub, name, instances in chunk]


def _proxy(mapping: dict) -> Any:
    from types import MappingProxyType

    return MappingProxyType(mapping)


def _reduce_proxy(proxy: Any) -> tuple:
    return _proxy, (dict(proxy),)


def _allow_pickling_instances() -> None:
    """Let multiprocessing pickle frozen instances (read-only mappings) as they are: ~10x cheaper than a
    JSON round trip through ``to_dict``/``from_dict``, and only for the pool's own pickler."""
    from multiprocessing.reduction import ForkingPickler
    from types import MappingProxyType

    ForkingPickler.register(MappingProxyType, _reduce_proxy)


def exercise_infos(key: Mapping[str, Any]) -> tuple[ExerciseInfo, ...]:
    """Return the exercises of a loaded key in bank order (the union over students, first seen first)."""
    seen: dict[str, ExerciseInfo] = {}
    for entry in key["students"].values():
        for inst in entry["exercises"]:
            if inst.exercise_id not in seen:
                seen[inst.exercise_id] = ExerciseInfo(
                    id=inst.exercise_id, title=inst.title, max_points=round_points(inst.points),
                    parts=tuple(p.id for p in inst.parts))
    return tuple(seen.values())


def select(key: Mapping[str, Any], submissions: Sequence[Submission]) -> tuple[list[Submission], list[Problem]]:
    """Keep the submissions that can be graded: a student id, in the key, first submission per student.

    Returns:
        (submissions to grade, in key order; one ``error`` per submission left out).
    """
    students = key["students"]
    problems: list[Problem] = []
    first: dict[str, Submission] = {}
    for sub in submissions:
        if sub.student is None:
            problems.append(Problem("error", f"{sub.source}: no 'student' field; expected student: <id> "
                                              "as in the answer key"))
        elif sub.student not in students:
            problems.append(Problem("error", f"{_who(sub)} is not in the answer key (not graded)"))
        elif sub.student in first:
            problems.append(Problem("error", f"{_who(sub)}: duplicate submission (not graded); the first one "
                                              f"is {first[sub.student].source}"))
        else:
            first[sub.student] = sub
    ordered = [first[sid] for sid in students if sid in first]
    return ordered, problems


def grade_batch(key: Mapping[str, Any], submissions: Sequence[Submission], *, jobs: int = 1,
                read_problems: Sequence[str] = (), progress: Callable[[int], None] | None = None) -> Results:
    """Grade submissions against a key loaded with :func:`exgen.keyfile.load_key`.

    Args:
        key: ``{"bank": ..., "students": {id: {"name", "exercises": [Instance]}}}``.
        submissions: as read by :mod:`exgen.grading.submissions`, in input order.
        jobs: worker processes (1 grades in this process); results do not depend on it.
        read_problems: one-line messages of items that could not be read (kept as errors).
        progress: called with the number of submissions graded since the last call.

    Returns:
        Results: students in key order, problems in input order, and the key's students without a
        submission.
    """
    from exgen import __version__

    todo, problems = select(key, submissions)
    problems = [Problem("error", m) for m in read_problems] + problems
    students = key["students"]
    graded: list[tuple[StudentResult, list[Problem]]] = []
    if jobs <= 1 or len(todo) < 2:
        for sub in todo:
            entry = students[sub.student]
            graded.append(grade_submission(entry["name"], entry["exercises"], sub))
            if progress:
                progress(1)
    else:
        for done in _in_workers(key, todo, jobs):
            graded.extend(done)
            if progress:
                progress(len(done))
    for _result, more in graded:
        problems.extend(more)
    submitted = {sub.student for sub in todo}
    return Results(generator=f"exgen {__version__}", bank=dict(key["bank"]), exercises=exercise_infos(key),
                   students=tuple(r for r, _ in graded), problems=tuple(problems),
                   unsubmitted=tuple(sid for sid in students if sid not in submitted),
                   submissions_read=len(submissions))
