"""``generate`` student by student: each student is built, rendered, written and added to the key store,
then forgotten, in this process or in ``--jobs`` worker processes, so memory stays flat for any class size.

The output folder exists from the start and fills one student at a time. Worker processes write their
students' documents themselves (waiting for the disk in background threads while they render the next
student) and send back only the key record; this process adds the records to the key store in roster order,
so the files are the same for any number of jobs. The key (``answer_key.sqlite`` and its export
``answer_key.json``) is written last, once every student is in it.

A format whose program is missing (pdflatex) or whose compilation fails is reported, never a reason to
lose the rest: the key and the other formats are written, and the run ends with an :class:`IncompleteRun`
naming what to install. Running the same command again (after installing it) writes only what is missing:
the files already written are identical, so they are kept without ``--force``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from exgen.errors import ExgenError, IncompleteRun
from exgen.outputs import OutputDir
from exgen.parallel import WHOLE_RUN, Shard, Workers, chunks

if TYPE_CHECKING:
    from exgen.bank.roster import Student
    from exgen.bank.spec import BankSpec
    from exgen.render.formats import Compiler, DocumentFormat

#: Threads per process that write finished files to disk (flushing a file waits for the disk, not the CPU).
WRITERS = 4
#: Most students a worker handles per task (their files are flushed to disk at the end of each task).
CHUNK = 8
#: Most failures listed in the message of an incomplete run.
MAX_SHOWN = 10


@dataclass(frozen=True)
class Plan:
    """What every worker needs to make a student (inherited by forked workers, else pickled once each)."""

    bank: BankSpec
    info: dict
    seed: int
    formats: tuple[DocumentFormat, ...]
    root: str
    force: bool
    dictionaries: dict[str, bytes]
    skipped: frozenset[str] = frozenset()
    cover: bool = False
    #: The run's language (a worker process sets it for each task).
    language: str = "en"
    #: TeX runs at once in each worker (while it renders the next students).
    tex_workers: int = 1


@dataclass
class Made:
    """One student done by a worker: their key record and the files written."""

    pos: int
    id: str
    name: str
    record: bytes
    outline: list[dict]
    files: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)


_plan: Plan | None = None
_out: OutputDir | None = None
#: Each compiled format's session in this worker (its format files are made once, for all its students).
_sessions: dict[str, Any] = {}


def _setup(plan: Plan) -> None:
    global _plan, _out
    _plan = plan
    # the parent cleaned the folders before the workers started; a worker must not take another's
    # temporary file for a stale one
    _out = OutputDir(plan.root, force=plan.force, background=WRITERS, clean=False)
    # a worker process ends without running atexit hooks; multiprocessing's own finalizers do run there
    from multiprocessing.util import Finalize

    Finalize(None, _close_sessions, exitpriority=10)


def _close_sessions() -> None:
    while _sessions:
        _sessions.popitem()[1].close()


def _session(fmt: DocumentFormat) -> Any:
    assert _plan is not None and fmt.compiler is not None  # noqa: S101
    if fmt.name not in _sessions:
        _sessions[fmt.name] = fmt.compiler.session(_plan.tex_workers)
    return _sessions[fmt.name]


def _teardown() -> None:
    global _plan, _out
    try:
        _close_sessions()
        if _out is not None:
            _out.close()  # every task flushes its files, so this only waits when a task stopped with an error
    except ExgenError:
        pass  # that task's error is the one reported
    _plan = _out = None


def _make(chunk: Sequence[tuple[int, Student]]) -> list[Made]:
    from exgen.i18n import language

    assert _plan is not None, "the pool's initializer sets the plan"  # noqa: S101
    with language(_plan.language):
        return _make_in(chunk)


def _make_in(chunk: Sequence[tuple[int, Student]]) -> list[Made]:
    """Worker task: build, render and write each student of a chunk; return their key records.

    Compiled documents are queued as they are rendered, so TeX runs while the next students are built,
    and collected (in order) at the end of the chunk."""
    from exgen.build.keystore import encode_record, outline
    from exgen.build.pipeline import build_student
    from exgen.render.documents import document_assets, render_document

    plan, out = _plan, _out
    assert plan is not None and out is not None, "the pool's initializer sets the plan"  # noqa: S101
    done = []
    queued: list[tuple[Made, Any]] = []
    for pos, student in chunk:
        instances = build_student(plan.bank, seed=plan.seed, student_id=student.id)
        who = student.to_dict()
        made = Made(pos=pos, id=student.id, name=student.name, record=encode_record(instances, plan.dictionaries),
                    outline=outline(instances))
        texts: dict[tuple[str, bool], str] = {}  # tex and pdf share their LaTeX text
        for fmt in plan.formats:
            if fmt.name in plan.skipped:
                continue
            for name, is_key in zip(fmt.paths(student.id), (False, True)):
                if (fmt.template, is_key) not in texts:
                    texts[(fmt.template, is_key)] = render_document(fmt=fmt.template, key=is_key, bank=plan.info,
                                                                    student=who, instances=instances,
                                                                    cover=plan.cover)
                if fmt.compiler:
                    queued.append((made, _session(fmt).submit(name, texts[(fmt.template, is_key)])))
                    continue
                out.write(name, texts[(fmt.template, is_key)])
                made.files.append(name)
                for asset, content in document_assets(fmt=fmt.template, key=is_key, student=who,
                                                      instances=instances).items():
                    out.write(f"{fmt.name}/{asset}", content)
                    made.files.append(f"{fmt.name}/{asset}")
        done.append(made)
    for made, future in queued:
        compiled = future.result()
        if compiled.pdf is None:
            made.failures.append((compiled.error or compiled.name).splitlines()[0])
        else:
            out.write(compiled.name, compiled.pdf)
            made.files.append(compiled.name)
            made.pages[compiled.name] = compiled.pages
    for session in _sessions.values():
        list(session.finished(wait=True))  # the results were taken from their futures above
    out.flush()
    # the files go back to the main process in ``Made.files``; the worker's own list of them would grow
    # with the class (about 9 MB a worker for 10,000 students)
    out.written.clear()
    return done


def _checked(compilers: dict[str, tuple[Compiler, bool]], texts: Sequence[str]) -> dict[str, str]:
    """Return, for each compiled format (or the class PDFs) whose program, TeX package or font is missing for
    documents with these texts, the one-line reason."""
    missing = {}
    for name, (compiler, assemble) in compilers.items():
        try:
            compiler.check(texts, assemble=assemble)
        except ExgenError as err:
            missing[name] = str(err).splitlines()[0]
    return missing


def generate_run(bank: BankSpec, roster: Sequence[Student], *, seed: int, formats: Sequence[DocumentFormat],
                 out: OutputDir, combined: bool = False, cover: bool = False, key_json: bool = True, jobs: int = 1,
                 shard: Shard = WHOLE_RUN, progress=None) -> list[str]:
    """Write the documents and the key of a class (or of one shard of it) into ``out``.

    Args:
        bank, roster, seed: what to draw, for whom, with which seed.
        formats: the document formats to write.
        out: the output folder.
        combined: also the class PDFs (``render.formats.CLASS_DOCUMENTS``), joined from the students' PDFs
            (which are then written too); not with a shard.
        cover: LaTeX and PDF documents begin with a cover page.
        key_json: also ``answer_key.json`` (the key store ``answer_key.sqlite`` is always written).
        jobs: worker processes.
        shard: the slice of the roster to make; a slice's key goes to ``parts/`` for ``exgen merge``.
        progress: ``progress(done, total)`` after each student.

    Returns:
        The files written, relative to ``out``, in the order written.

    Raises:
        IncompleteRun: some documents could not be made; everything else is written.
        ExgenError: files already in ``out`` with other content (without ``force``), or not writable.
    """
    from exgen import __version__
    from exgen.build.keyfile import KEY_FILE, key_bank
    from exgen.build.keystore import (
        DICTIONARY_IDS,
        STORE_FILE,
        KeyStore,
        KeyWriter,
        export_json,
        make_dictionaries,
        part_file,
        roster_digest,
    )
    from exgen.build.pipeline import bank_info, build_student
    from exgen.i18n import current_language
    from exgen.render.formats import CLASS_DOCUMENTS, CLASS_FORMAT, DOCUMENT_FORMATS
    from exgen.render.formats import PDFLATEX as PDF_COMPILER

    combined = combined and shard.whole
    if combined and DOCUMENT_FORMATS[CLASS_FORMAT] not in formats:
        formats = [*formats, DOCUMENT_FORMATS[CLASS_FORMAT]]
    positions = shard.range(len(roster))
    mine = [(pos, roster[pos]) for pos in positions]
    store_file = STORE_FILE if shard.whole else part_file(shard)
    key_json = key_json and shard.whole
    planned = [p for _, s in mine for f in formats for p in f.paths(s.id)] + [store_file]
    planned += ([KEY_FILE] if key_json else []) + (list(CLASS_DOCUMENTS) if combined else [])
    out.check_free(planned)
    compilers = {f.name: (f.compiler, False) for f in formats if f.compiler}
    if combined:
        compilers["combined"] = (PDF_COMPILER, True)
    texts = [s.name for _, s in mine] + [bank.title, *map(str, bank.course.values())]
    texts += [e.title or "" for e in bank.exercises]
    missing = _checked(compilers, texts)
    problems = [f"{name}/: not written: {why}" for name, why in missing.items() if name in compilers]
    if "combined" in missing and not problems:
        problems.append(f"{', '.join(CLASS_DOCUMENTS)}: not written: {missing['combined']}")

    info = bank_info(bank)
    references = [build_student(bank, seed=seed, student_id=sid) for sid in DICTIONARY_IDS]
    if mine:  # a format that cannot draw these exercises at all (HTML diagrams without Graphviz) stops the run
        from exgen.render.documents import check_renderable

        check_renderable([f.template for f in formats], references[0])
    dictionaries = make_dictionaries(references)
    out.root.mkdir(parents=True, exist_ok=True)  # from the start: it fills student by student
    plan = Plan(bank=bank, info=info, seed=seed, formats=tuple(formats), root=str(out.root), force=out.force,
                dictionaries=dictionaries, skipped=frozenset(missing), cover=cover, language=current_language(),
                tex_workers=max(1, (os.cpu_count() or 1) // max(1, jobs)))
    size = max(1, min(CHUNK, -(-len(mine) // (4 * max(1, jobs)))))
    files: list[str] = []
    pages: dict[str, int] = {}
    with Workers(jobs, initializer=_setup, initargs=(plan,), finalizer=_teardown) as workers, \
            out.staged(store_file) as staged:
        writer = KeyWriter(staged, bank=key_bank(info, seed), dictionaries=dictionaries, total=len(roster),
                           roster=roster_digest([s.to_dict() for s in roster]), part=shard)
        try:
            done = 0
            for batch in workers.map(_make, chunks(mine, size)):
                for made in batch:
                    writer.add(made.pos, made.id, made.name, made.record, made.outline)
                    files += made.files
                    problems += made.failures
                    pages.update(made.pages)
                    done += 1
                    if progress:
                        progress(done, len(mine))
            writer.finish(f"exgen {__version__}")
        except BaseException:
            writer.abort()
            raise
    files.append(store_file)
    store = KeyStore(out.path(store_file))
    if key_json:
        with out.staged(KEY_FILE) as staged, open(staged, "w", encoding="utf-8", newline="\n") as handle:
            export_json(store, handle)
        files.append(KEY_FILE)
    store.close()
    if combined and not problems:
        problems += _write_combined(mine, pages, out, files)
    if problems:
        raise IncompleteRun(_summary(problems, missing), files=files, problems=problems)
    return files


def _write_combined(mine: Sequence[tuple[int, Student]], pages: dict[str, int], out: OutputDir,
                    files: list[str]) -> list[str]:
    """Write the class PDFs: the students' PDFs joined (nothing compiled again), each student starting on an
    odd page; return failures."""
    from exgen.render.formats import CLASS_DOCUMENTS, CLASS_FORMAT, DOCUMENT_FORMATS

    fmt = DOCUMENT_FORMATS[CLASS_FORMAT]
    assert fmt.compiler is not None  # noqa: S101
    failures = []
    for name, is_key in zip(CLASS_DOCUMENTS, (False, True)):
        # a document kept from an earlier run (identical) has no page count here: the joiner counts it
        parts = [(out.path(doc), pages.get(doc)) for _, s in mine for doc in [fmt.paths(s.id)[is_key]]]
        try:
            out.write(name, fmt.compiler.assemble(parts))
        except ExgenError as err:
            failures.append(f"{name}: not written: {str(err).splitlines()[0]}")
            continue
        files.append(name)
    return failures


def _summary(problems: list[str], missing: dict[str, str]) -> str:
    """The message of an incomplete run: what failed (the first few), and that the rest is written."""
    shown = problems[:MAX_SHOWN] + ([f"... and {len(problems) - MAX_SHOWN} more"] if len(problems) > MAX_SHOWN else [])
    rest = "the answer key and every other document are written; run the same command again"
    rest += " once that is installed" if missing else " once that is fixed"
    if len(shown) == 1:
        return f"{shown[0]}; {rest}"
    return "\n".join(shown + [rest[0].upper() + rest[1:] + "."])
