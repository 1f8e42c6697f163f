"""Grade many submissions against an answer key: in worker processes (``--jobs``) and in shards (``--shard``).

The grading of one submission is a pure function of the submission and the student's key entry, so
``--jobs N`` only changes who does the work. A run makes two rounds over the same worker processes: the
submission files are read (round 1); this process then picks the submission that counts for each student
(the first one; a duplicate, an unknown student or an unreadable file is a problem, in input order); the
chosen submissions are graded (round 2). Each worker reads its own students from the key (a key store is
opened once per worker and read one student at a time) and, when the outputs go to a folder, serialises
their entries of results.json and writes their feedback files itself, so that the work left to this
process is small and ``--jobs 2`` runs nearly twice as fast.

A shard (``--shard i/n``) is the same run over slice i of the submission files: its :class:`PartResults`
is saved (``parts/results-i-of-n.json``), and :func:`merge_parts` joins the parts of all shards into the
results an unsharded run gives; an unsharded run is the merge of its one part.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
from exgen.grading.submissions import WHOLE, Item, Submission
from exgen.i18n import N_, _, current_language, language
from exgen.instance import Instance
from exgen.parallel import WHOLE_RUN, Shard, Workers, chunks

if TYPE_CHECKING:
    from exgen.outputs import OutputDir

#: Most submissions per task sent to a worker process.
CHUNK = 64
#: Most files per reading task.
READ_CHUNK = 32
#: Threads per worker that write feedback files to disk while the worker grades on.
WRITERS = 4
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
            parts = tuple([PartResult(p.id, p.kind, s.verdict, round_points(s.points), round_points(s.max_points),
                                      s.feedback, s.tag, answer_text(given.get(p.id)))
                           for p, s in [(p, scores[p.id]) for p in inst.parts]])
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


def _proxy(mapping: dict) -> Any:
    from types import MappingProxyType

    return MappingProxyType(mapping)


def _reduce_proxy(proxy: Any) -> tuple:
    return _proxy, (dict(proxy),)


def _allow_pickling_instances() -> None:
    """Let multiprocessing pickle frozen instances (read-only mappings) as they are: ~10x cheaper than a
    JSON round trip through ``to_dict``/``from_dict``, and only for the pool's own pickler. Needed only
    where workers are spawned and the key was loaded from JSON (a key store is sent as its path)."""
    from multiprocessing.reduction import ForkingPickler
    from types import MappingProxyType

    ForkingPickler.register(MappingProxyType, _reduce_proxy)


# --- what a run finds ---------------------------------------------------------------------------------------

# Plain classes, not dataclasses: building a dataclass costs most of a millisecond at import, and the
# one-submission autograder imports this module on every run.
class Seen:
    """A submission as the choice of who counts sees it: its student, where it came from, whether the
    student is in the key."""

    __slots__ = ("student", "source", "in_key")

    def __init__(self, student: str | None, source: str, in_key: bool):
        self.student, self.source, self.in_key = student, source, in_key

    def __reduce__(self) -> tuple:
        return Seen, (self.student, self.source, self.in_key)

    def who(self) -> str:
        return f"{self.source}: student {self.student!r}" if self.student is not None else self.source


class Graded:
    """One graded submission: the student's position in the key, the result and its problems, and what
    the worker made of it for the outputs (results.json entry, feedback text or a failure to build it)."""

    __slots__ = ("pos", "result", "problems", "json", "feedback", "failure")

    def __init__(self, pos: int, result: StudentResult, problems: list[Problem], json: str | None = None,
                 feedback: str | None = None, failure: str | None = None):
        self.pos, self.result, self.problems = pos, result, problems
        self.json, self.feedback, self.failure = json, feedback, failure

    def __reduce__(self) -> tuple:
        return Graded, (self.pos, self.result, self.problems, self.json, self.feedback, self.failure)


class PartResults:
    """What grading one shard (or a whole run) found.

    Attributes:
        shard: which slice of the submission files this is.
        read_problems: items that could not be read, in input order.
        seen: every submission read, in input order.
        graded: the first submission of each key student in this part, graded.
        key_ids: this shard's slice of the key's students (for the list of those without a submission).
        paths: the feedback file of each graded student, when the outputs go to a folder.
        written: the feedback files the workers wrote themselves.
    """

    def __init__(self, shard: Shard, read_problems: list[str], seen: list[Seen], graded: dict[str, Graded],
                 key_ids: list[str]):
        self.shard, self.read_problems, self.seen, self.graded, self.key_ids = \
            shard, read_problems, seen, graded, key_ids
        self.paths: dict[str, str] = {}
        self.written: list[str] = []


class _Writing:
    """What a worker does with each graded submission besides grading it: serialise its results.json entry
    (``json``); ``feedback``: "write" its feedback file into ``root`` (with ``writers`` background threads
    waiting for the disk) or "return" the text for this process to check and write."""

    __slots__ = ("json", "feedback", "root", "force", "bank", "writers", "language")

    def __init__(self, json: bool = False, feedback: str | None = None, root: str = "", force: bool = False,
                 bank: Mapping[str, Any] | None = None, writers: int = 0, language: str | None = None):
        self.json, self.feedback, self.root, self.force = json, feedback, root, force
        # the run's language goes with each task: a worker may have run another run's tasks before
        self.bank, self.writers, self.language = dict(bank or {}), writers, language or current_language()

    def __reduce__(self) -> tuple:
        return _Writing, (self.json, self.feedback, self.root, self.force, self.bank, self.writers, self.language)


# --- the workers ---------------------------------------------------------------------------------------------

_key: Mapping[str, Any] | None = None
_out: OutputDir | None = None


def _setup(key: Mapping[str, Any]) -> None:
    global _key
    _key = key


def _teardown() -> None:
    global _key, _out
    try:
        if _out is not None:
            _out.close()
    except Exception:  # noqa: S110  (only after a task failed: its error is the one reported)
        pass
    _key = _out = None


def _read(batch: Sequence[Item]) -> list[tuple[list[Submission], list[str]]]:
    """Worker task (round 1): read some submission files."""
    from exgen.grading.submissions import read_item

    return [read_item(item) for item in batch]


def _output(writing: _Writing) -> OutputDir:
    global _out
    from exgen.outputs import OutputDir

    if _out is None or str(_out.root) != writing.root or _out.force != writing.force:
        _out = OutputDir(writing.root, force=writing.force, background=writing.writers, clean=False)
    return _out


def _grade(task: tuple[_Writing, Sequence[tuple[int, Submission, str | None]]]) -> list[Graded]:
    """Worker task (round 2): grade some chosen submissions against the key, in the run's language; make
    their outputs."""
    writing, batch = task
    assert _key is not None, "the pool's initializer sets the key"  # noqa: S101
    with language(writing.language):
        return _grade_in(writing, batch)


def _grade_in(writing: _Writing, batch: Sequence[tuple[int, Submission, str | None]]) -> list[Graded]:
    from exgen.grading.results import entry_json
    from exgen.grading.writers import feedback_text

    assert _key is not None  # noqa: S101
    students = _key["students"]
    out = _output(writing) if writing.feedback == "write" else None
    done = []
    for pos, sub, path in batch:
        entry = students[sub.student]
        result, problems = grade_submission(entry["name"], entry["exercises"], sub)
        graded = Graded(pos=pos, result=result, problems=problems)
        if writing.json:
            graded.json = entry_json(result)
        if path is not None:
            try:
                text = feedback_text(writing.bank, result)
            except Exception as err:  # one student's file must not stop the class's; reported at the end
                graded.failure = f"{path}: not written (internal error: {type(err).__name__})"
            else:
                if out is not None:
                    out.write(path, text)
                else:
                    graded.feedback = text
        done.append(graded)
    if out is not None:
        out.flush()
    return done


# --- a run ---------------------------------------------------------------------------------------------------

def key_ids(key: Mapping[str, Any]) -> list[str]:
    """Return the key's student ids in key order (one query for a key store)."""
    store = key.get("store")
    return list(store.ids()) if store is not None else list(key["students"])


def grade_run(key: Mapping[str, Any], items: Sequence[Item], *, jobs: int = 1, shard: Shard = WHOLE_RUN,
              out: OutputDir | None = None, formats: Sequence[str] = (),
              progress: Callable[[int, int], None] | None = None) -> PartResults:
    """Read and grade the submissions of ``items`` (slice ``shard`` of them) against ``key``.

    Args:
        key: as ``exgen.build.keyfile.load_key`` returns it (a key store is read one student at a time).
        items: what to read, from ``exgen.grading.submissions.list_items``.
        jobs: worker processes (the results do not depend on it).
        shard: the slice of ``items`` to grade.
        out, formats: where the grading outputs will go and which (``write_outputs``): the workers then
            prepare each student's results.json entry and feedback file (writing the feedback files
            themselves when none of the outputs exists yet, or with ``force``). None: results only.
        progress: ``progress(done, total)`` as submissions are graded.

    Returns:
        The part: pass it (with the other shards' parts) to :func:`merge_parts`.
    """
    ids = key_ids(key)
    positions = {sid: pos for pos, sid in enumerate(ids)}
    span = shard.range(len(items))
    mine = list(items[span.start:span.stop])
    if jobs > 1 and key.get("store") is None:
        _allow_pickling_instances()
    with Workers(jobs, initializer=_setup, initargs=(key,), finalizer=_teardown) as workers:
        return _run(workers, key, mine, ids, positions, shard, jobs, out, formats, progress)


def _run(workers: Workers, key: Mapping[str, Any], mine: Sequence[Item], ids: list[str], positions: dict[str, int],
         shard: Shard, jobs: int, out: OutputDir | None, formats: Sequence[str],
         progress: Callable[[int, int], None] | None) -> PartResults:
    files = sum(1 for item in mine if item.path is not None)
    if jobs > 1 and files > READ_CHUNK:
        read = [r for batch in workers.map(_read, chunks(mine, READ_CHUNK)) for r in batch]
    else:
        read = _read(mine)
    part = PartResults(shard=shard, read_problems=[], seen=[], graded={},
                       key_ids=ids[shard.range(len(ids)).start:shard.range(len(ids)).stop])
    first: dict[str, Submission] = {}
    for subs, problems in read:
        part.read_problems += problems
        for sub in subs:
            in_key = sub.student is not None and sub.student in positions
            part.seen.append(Seen(sub.student, sub.source, in_key))
            if in_key and sub.student not in first:
                first[str(sub.student)] = sub
    todo = sorted(first.values(), key=lambda sub: positions[str(sub.student)])
    writing = _Writing()
    if out is not None:
        writing = _plan_outputs(part, todo, out, formats, key)
    size = max(1, min(CHUNK, -(-len(todo) // (4 * jobs))))
    tasks = [(writing, [(positions[str(s.student)], s, part.paths.get(str(s.student))) for s in batch])
             for batch in chunks(todo, size)]
    # this process mostly waits while the workers grade: it loads the report's charting library meanwhile
    # (after the workers were forked, and after the output folder was checked: it uses a scratch folder there)
    charting = _load_charting(out) if jobs > 1 and out is not None and "report" in formats and todo else None
    done = 0
    try:
        for batch in workers.map(_grade, tasks):
            for graded in batch:
                part.graded[graded.result.id] = graded
                if writing.feedback == "write" and graded.failure is None and graded.result.id in part.paths:
                    part.written.append(part.paths[graded.result.id])
            done += len(batch)
            if progress:
                progress(done, len(todo))
    finally:
        if charting is not None:
            charting.join()
    return part


def _load_charting(out: OutputDir) -> Any:
    """Start a thread that imports the report's charting library (its caches in a scratch folder of ``out``)."""
    import threading

    def load() -> None:
        try:
            with out.scratch() as scratch:
                from exgen.grading.report import load_charting

                load_charting(scratch)
        except Exception:  # noqa: S110  (no matplotlib, or no scratch folder: the report says so when it draws)
            pass

    thread = threading.Thread(target=load, name="exgen-charting", daemon=True)
    thread.start()
    return thread


def _plan_outputs(part: PartResults, todo: Sequence[Submission], out: OutputDir, formats: Sequence[str],
                  key: Mapping[str, Any]) -> _Writing:
    """Decide what the workers make for the outputs: results.json entries, feedback files (written by the
    workers when no output exists yet or with ``force``; otherwise built for ``write_outputs`` to check
    against what is there and write)."""
    from exgen.grading.writers import feedback_paths, output_files

    want_json = "json" in formats
    if "feedback" not in formats:
        return _Writing(json=want_json)
    part.paths = feedback_paths([str(s.student) for s in todo])
    planned = output_files(formats, part.paths.values())
    out.check_free(planned)
    fresh = out.force or not any(os.path.lexists(out.path(p)) for p in planned)
    return _Writing(json=want_json, feedback="write" if fresh else "return", root=str(out.root), force=out.force,
                    bank=dict(key["bank"]), writers=WRITERS if len(todo) > 2 * WRITERS else 0)


def merge_parts(key: Mapping[str, Any], parts: Sequence[PartResults]) -> tuple[Results, list[Graded]]:
    """Join the parts of a run (every shard's, in shard order) into its results.

    The submission that counts for a student is their first in input order over all parts; the others
    are problems, as are submissions without a student or of a student not in the key.

    Returns:
        (the results, the chosen gradings in key order).
    """
    from exgen import __version__

    problems = [Problem("error", message) for part in parts for message in part.read_problems]
    chosen: dict[str, tuple[int, Seen]] = {}
    for k, part in enumerate(parts):
        for seen in part.seen:
            if seen.student is None:
                problems.append(Problem("error", _("%(file)s: no 'student' field; expected student: <id> as in the "
                                                   "answer key") % {"file": seen.source}))
            elif not seen.in_key:
                problems.append(Problem("error", _("%(who)s is not in the answer key (not graded)")
                                        % {"who": seen.who()}))
            elif seen.student in chosen:
                problems.append(Problem("error", _("%(who)s: duplicate submission (not graded); the first one is "
                                                   "%(file)s") % {"who": seen.who(),
                                                                  "file": chosen[seen.student][1].source}))
            else:
                chosen[seen.student] = (k, seen)
    graded = sorted((parts[k].graded[sid] for sid, (k, _) in chosen.items()), key=lambda g: g.pos)
    for entry in graded:
        problems.extend(entry.problems)
    results = Results(generator=f"exgen {__version__}", bank=dict(key["bank"]), exercises=exercise_infos(key),
                      students=tuple(g.result for g in graded), problems=tuple(problems),
                      unsubmitted=tuple(sid for part in parts for sid in part.key_ids if sid not in chosen),
                      submissions_read=sum(len(part.seen) for part in parts))
    return results, graded


def exercise_infos(key: Mapping[str, Any]) -> tuple[ExerciseInfo, ...]:
    """Return the exercises of a loaded key in bank order (the union over students, first seen first)."""
    if key.get("exercises") is not None:  # a key store keeps this outline, so no student need be read
        return tuple(ExerciseInfo(id=e["id"], title=e["title"], max_points=round_points(e["points"]),
                                  parts=tuple(e["parts"]), type=e.get("type", "")) for e in key["exercises"])
    seen: dict[str, ExerciseInfo] = {}
    for entry in key["students"].values():
        for inst in entry["exercises"]:
            if inst.exercise_id not in seen:
                seen[inst.exercise_id] = ExerciseInfo(
                    id=inst.exercise_id, title=inst.title, max_points=round_points(inst.points),
                    parts=tuple(p.id for p in inst.parts), type=inst.type)
    return tuple(seen.values())


def grade_batch(key: Mapping[str, Any], submissions: Sequence[Submission], *, jobs: int = 1,
                read_problems: Sequence[str] = (), progress: Callable[[int], None] | None = None) -> Results:
    """Grade submissions already read against a key loaded with :func:`exgen.build.keyfile.load_key`.

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
    last = [0]

    def advance(done: int, _total: int) -> None:
        if progress:
            progress(done - last[0])
        last[0] = done

    part = grade_run(key, [Item(submission=s) for s in submissions], jobs=jobs, progress=advance)
    part.read_problems = list(read_problems) + part.read_problems
    return merge_parts(key, [part])[0]
