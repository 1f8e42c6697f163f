"""The public Python API: ``generate``, ``grade`` and ``export``, the three verbs of exgen.

>>> import exgen
>>> made = exgen.generate("dl-math-basics", students=3, out="week1")            # doctest: +SKIP
>>> graded = exgen.grade("submissions/", key="week1", out="week1-grades")       # doctest: +SKIP
>>> exgen.export("qti", "dl-math-basics", variants=20, out="quiz.zip")          # doctest: +SKIP

The command line is a thin layer over these functions, and the defaults below are its defaults. Every
failure a user can cause raises an ``ExgenError`` with a one-line message; an argument outside the accepted
values raises its subclass ``OptionError`` (on the command line: a usage error, exit status 2). The heavy
parts of exgen (numpy, sympy, the renderer) are imported only when a function runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exgen.build.keyfile import KEY_FILE
from exgen.errors import BankError, ExgenError, IncompleteRun, OptionError, one_line
from exgen.grading.writers import FORMATS as GRADE_OUTPUTS
from exgen.parallel import Shard, parse_shard
from exgen.records import Record

if TYPE_CHECKING:
    from exgen.bank.roster import Student
    from exgen.bank.spec import BankSpec
    from exgen.exporters.base import Exporter, ExportResult
    from exgen.grading.results import Results
    from exgen.grading.submissions import Item, Submission

__all__ = ["generate", "grade", "merge", "export", "preview", "init", "resolve_bank", "validate", "exporter",
           "GenerateResult", "GradeResult", "MergeResult", "IncompleteRun",
           "DOCUMENT_FORMATS",  # noqa: F822 (given by __getattr__, loaded on first use)
           "GRADE_OUTPUTS"]

#: Defaults of ``generate`` (and of ``exgen generate``).
GENERATE_FORMATS: tuple[str, ...] = ("md", "tex")


def __getattr__(name: str) -> Any:
    # The document formats' table loads the renderers' entry points: not on the grading path.
    if name == "DOCUMENT_FORMATS":
        from exgen.render.formats import DOCUMENT_FORMATS

        return DOCUMENT_FORMATS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
GENERATE_OUT = "exgen-out"
MAX_STUDENTS = 100_000
#: Defaults of ``grade`` (and of ``exgen grade``): every grading output.
GRADE_FORMATS: tuple[str, ...] = tuple(GRADE_OUTPUTS)
GRADE_OUT = "exgen-grades"
MAX_JOBS = 256
MAX_SEED = 2**63 - 1
#: The student id ``preview`` draws for by default.
PREVIEW_STUDENT = "preview"

#: ``progress(done, total)``: called after each student generated or submission graded.
Progress = Callable[[int, int], None]


# --- results ----------------------------------------------------------------------------------------------

class GenerateResult(Record):
    """What ``generate`` wrote.

    Attributes:
        out: the output folder.
        files: the files written, relative to ``out``, in the order written.
        students: the class, in roster order.
        bank: the bank the exercises were drawn from.
        seed: the seed they were drawn with.
        formats: the document formats written.
    """

    __slots__ = ("out", "files", "students", "bank", "seed", "formats")
    out: Path
    files: list[str]
    students: list[Student]
    bank: BankSpec
    seed: int
    formats: list[str]

    def to_dict(self) -> dict:
        """Return the result as plain JSON-ready data."""
        return {"out": str(self.out), "files": list(self.files), "students": [s.to_dict() for s in self.students],
                "bank": self.bank.id, "seed": self.seed, "formats": list(self.formats)}


class GradeResult(Record):
    """What ``grade`` found and wrote.

    Attributes:
        results: every graded submission, every problem and the unsubmitted students (``to_dict()`` is
            the ``results.json`` document).
        files: the files written, relative to ``out`` (empty when ``out`` is None).
        out: the output folder, or None when nothing was written.
        key: the answer key's file name (``answer_key.json``), or ``(given key)`` for a loaded key.
    """

    __slots__ = ("results", "files", "out", "key")
    results: Results
    files: list[str]
    out: Path | None
    key: str

    @property
    def ok(self) -> bool:
        """Whether every submission read was graded (the CLI exits 1 otherwise)."""
        return not self.results.errors

    @property
    def bank(self) -> str:
        """Return the id of the bank the key was generated from."""
        return str(self.results.bank.get("id", ""))

    def summary(self) -> dict:
        """Return the class summary: counts, the totals' mean, min and max, and each exercise's mean.

        Returns:
            ``{"graded", "errors", "warnings", "unsubmitted", "total", "exercises"}``; ``total`` is None
            when nothing was graded, else ``{"mean", "min", "max", "max_points", "mean_pct"}``; each
            exercise is ``{"id", "mean", "max_points", "mean_pct", ...}`` as in the class report.
        """
        from exgen.grading.report import exercise_stats

        res = self.results
        total = None
        if res.students:
            totals = sorted(s.total for s in res.students)
            top = max(s.max_points for s in res.students)
            mean = sum(totals) / len(totals)
            total = {"mean": mean, "min": totals[0], "max": totals[-1], "max_points": top,
                     "mean_pct": 100 * mean / top if top else 0.0}
        return {"graded": len(res.students), "errors": len(res.errors), "warnings": len(res.warnings),
                "unsubmitted": len(res.unsubmitted), "total": total, "exercises": exercise_stats(res)}

    def to_dict(self) -> dict:
        """Return the result as plain JSON-ready data (``results`` is the ``results.json`` document)."""
        return {"out": None if self.out is None else str(self.out), "files": list(self.files), "key": self.key,
                "summary": self.summary(), "results": self.results.to_dict()}


# --- resolving what the caller gave -----------------------------------------------------------------------

def resolve_bank(bank: str | Path | BankSpec | None = None) -> BankSpec:
    """Return a validated bank from a file, a built-in bank's name, or a ``BankSpec`` as it is.

    Args:
        bank: a bank file, a built-in bank's name (``exgen list`` shows them) or a ``BankSpec``;
            None is the built-in ``dl-math-basics``.

    Returns:
        The validated bank.

    Raises:
        OptionError: no such file or built-in bank.
        BankError: the bank file has problems (every one, as ``file:line: field: message``), including
            points per part that do not fit the exercise's parts.
    """
    from exgen.bank.spec import BankSpec, load_bank
    from exgen.build.pipeline import part_points_problems

    spec = bank if isinstance(bank, BankSpec) else load_bank(_bank_path(bank))
    problems = part_points_problems(spec)  # per-part points checked against drawn parts
    if problems:
        raise BankError(problems)
    return spec


def validate(bank: str | Path | BankSpec | None = None) -> BankSpec:
    """Return a validated bank after building every exercise once (for a probe student).

    Reading the file finds every problem of the file; the trial build finds what only generating shows:
    an answer key the grader could not check (a formula it cannot read or evaluate on its domain) or
    parameters too tight to draw an instance from.

    Raises:
        OptionError: no such file or built-in bank.
        BankError: every problem, one line each.
    """
    from exgen.build.pipeline import check_bank

    spec = resolve_bank(bank)
    problems = check_bank(spec)
    if problems:
        raise BankError(problems)
    return spec


def _bank_path(bank: str | Path | None) -> Path:
    from exgen.resources import DEFAULT_BANK, builtin_banks

    name = str(bank) if bank is not None else DEFAULT_BANK
    path = Path(name)
    if path.is_file():
        return path
    builtin = builtin_banks()
    if name in builtin and not isinstance(bank, Path):
        return builtin[name]
    if isinstance(bank, Path) or path.suffix in (".yaml", ".yml") or "/" in name:
        raise OptionError(f"bank file {one_line(name)} does not exist")
    raise OptionError(f"no bank file or built-in bank named {name!r}; built-in: {', '.join(builtin)}")


def _students(students: str | Path | Iterable[Student] | int | None) -> list[Student]:
    from exgen.bank.roster import Student, check_student_id, numbered, read_roster

    if students is None:
        return numbered(1)
    if isinstance(students, bool):
        raise OptionError(f"students: expected a roster file, a list of students or a count, got {students!r}")
    if isinstance(students, int):
        if not 1 <= students <= MAX_STUDENTS:
            raise OptionError(f"students: a count must be from 1 to {MAX_STUDENTS}, got {students}")
        return numbered(students)
    if isinstance(students, (str, Path)):
        return read_roster(students)
    roster = list(students)
    seen: set[str] = set()
    for i, student in enumerate(roster, 1):
        if not isinstance(student, Student):
            raise OptionError(f"students: item {i} is a {type(student).__name__}, expected a Student")
        problem = check_student_id(student.id)
        if problem:
            raise OptionError(f"students: item {i}: {problem}")
        if student.id in seen:
            raise OptionError(f"students: item {i}: duplicate student id {student.id!r}")
        seen.add(student.id)
    if not roster:
        raise OptionError("students: the list is empty")
    return roster


def _choose(value: str | Iterable[str], allowed: Mapping[str, object], what: str) -> list[str]:
    """Return the chosen names (a comma-separated string or a list) in order, without repeats."""
    names = value.split(",") if isinstance(value, str) else list(value)
    bad = [n for n in names if not isinstance(n, str) or n.strip() not in allowed and n.strip()]
    if bad:
        raise OptionError(f"unknown {what} {bad[0]!r}; expected some of {', '.join(allowed)}")
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def _seed(seed: int | None, bank: BankSpec | None) -> int:
    if seed is None and bank is not None:
        return bank.seed
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise OptionError(f"seed: expected an integer from 0 to 2^63-1, got {seed!r}")
    return seed


def _language(lang: str | None) -> None:
    """Check a ``lang`` argument (None: the bank's or the key's language) before anything is read."""
    from exgen.i18n import check_language

    if lang is not None:
        check_language(lang, what="lang")


# --- generate ---------------------------------------------------------------------------------------------

def generate(bank: str | Path | BankSpec | None = None, *,
             students: str | Path | Iterable[Student] | int | None = None, seed: int | None = None,
             formats: str | Iterable[str] = GENERATE_FORMATS, out: str | Path = GENERATE_OUT, force: bool = False,
             combined: bool = False, cover: bool | None = None, jobs: int = 1, shard: str | Shard | None = None,
             key_json: bool = True, lang: str | None = None,
             progress: Progress | None = None) -> GenerateResult:
    """Write a worksheet and an answer key per student in each format, plus the class's answer key.

    Students are made one at a time (in ``jobs`` worker processes), so memory does not grow with the class;
    the output folder exists from the start and fills student by student. The key is written last:
    ``answer_key.sqlite``, the store ``grade`` reads one student at a time (docs/keystore.md), and its
    export ``answer_key.json``.

    Args:
        bank: a bank file, a built-in bank's name or a ``BankSpec`` (default: ``dl-math-basics``).
        students: a roster CSV (header ``id,name``), a list of ``Student``, or a number of anonymous
            students ``student-001``...; None is one anonymous student.
        seed: the seed every instance is drawn from; None is the bank's seed.
        formats: names in ``DOCUMENT_FORMATS`` (md, tex, html, pdf), as a list or comma-separated.
        out: the output folder; nothing is written outside it.
        force: overwrite files already in ``out`` (otherwise a file with other content stops the run; a file
            the run would write identically is kept, so an interrupted or incomplete run can be run again).
        combined: also write ``pdf/class-worksheets.pdf`` and ``pdf/class-keys.pdf`` for the whole class
            (the students' PDFs joined, each student starting on an odd page for double-sided printing; the
            students' PDFs are written too).
        cover: begin each LaTeX/PDF document with a cover page (name and id boxes, a score table);
            None is the bank's ``print: {cover: ...}`` (default false).
        jobs: worker processes (the files do not depend on it).
        shard: ``"i/n"``: make only slice i of n of the roster, for one machine of a cluster; its part of the
            key goes to ``out/parts/`` and ``merge(out)`` joins the parts (docs/scaling.md).
        key_json: also write ``answer_key.json`` (64 KB a student; a large class may do without it).
        lang: the language of every document, key and stored feedback (``exgen.i18n.languages()``: en,
            ko); None is the bank's ``language`` (default en). ``grade`` answers in the key's language.
        progress: called as ``progress(done, total)`` after each student.

    Returns:
        The files written (relative to ``out``), the students, the bank and the seed.

    Raises:
        OptionError: an unknown bank, format or language, a bad count, seed, jobs, shard or student list, or
            ``combined`` with a shard.
        IncompleteRun: some documents could not be made (pdflatex missing, a LaTeX error): the key and every
            other document are written; the message says what to install, ``.files`` lists what was written.
        ExgenError: an unreadable roster or bank (``BankError``), or files already in ``out`` with other
            content.
    """
    from exgen.i18n import language
    from exgen.render.formats import DOCUMENT_FORMATS
    from exgen.runs.generate import generate_run

    chosen = _choose(formats, DOCUMENT_FORMATS, "document format")
    _language(lang)
    workers = _jobs(jobs)
    part = parse_shard(shard)
    if combined and not part.whole:
        raise OptionError("combined: the class PDFs need the whole class; make them in a run without a shard")
    spec = resolve_bank(bank)
    run_seed = _seed(seed, spec)
    from exgen.outputs import OutputDir

    with language(lang or spec.language):
        roster = _students(students)
        # a shard leaves other runs' temporary files alone: another shard may be writing into the same folders
        target = OutputDir(out, force=force, clean=part.whole)
        files = generate_run(spec, roster, seed=run_seed, formats=[DOCUMENT_FORMATS[f] for f in chosen],
                             out=target, combined=combined, cover=spec.cover if cover is None else bool(cover),
                             key_json=key_json, jobs=workers, shard=part, progress=progress)
    return GenerateResult(out=Path(out), files=files, students=roster, bank=spec, seed=run_seed, formats=chosen)


def _jobs(jobs: int) -> int:
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
        raise OptionError(f"jobs: expected an integer from 1 to {MAX_JOBS}, got {jobs!r}")
    return jobs


# --- grade ------------------------------------------------------------------------------------------------

def _key(key: str | Path | Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    from exgen.build.keyfile import load_key
    from exgen.build.keystore import STORE_FILE

    if isinstance(key, Mapping):
        if not isinstance(key.get("students"), Mapping) or not isinstance(key.get("bank"), Mapping):
            raise OptionError("key: expected a path or a key read by exgen.build.keyfile.load_key")
        return key, "(given key)"
    path = Path(key)
    if path.is_dir():
        path = path / STORE_FILE if (path / STORE_FILE).exists() or not (path / KEY_FILE).exists() else path / KEY_FILE
    return load_key(path), one_line(path.name)


def _key_language(key: Mapping[str, Any]) -> str:
    """Return the language a key was written in (a key from before languages is English)."""
    from exgen.i18n import SOURCE_LANGUAGE, check_language

    lang = key["bank"].get("language", SOURCE_LANGUAGE)
    try:
        return check_language(lang)
    except OptionError:
        raise ExgenError(f"the answer key is in the language {one_line(lang)!r}, which this exgen cannot write; "
                         f"it has {', '.join(_languages())}") from None


def _languages() -> tuple[str, ...]:
    from exgen.i18n import languages

    return languages()


def _items(submissions: str | Path | Submission | Iterable[str | Path | Submission]) -> list[Item]:
    from exgen.grading.submissions import Submission, list_items

    given = [submissions] if isinstance(submissions, (str, Path, Submission)) else list(submissions)
    for item in given:
        if not isinstance(item, (str, Path, Submission)):
            raise OptionError(f"submissions: expected paths or Submission objects, got a {type(item).__name__}")
    return list_items(given)


def _read(submissions: str | Path | Submission | Iterable[str | Path | Submission], key: Mapping[str, Any]
          ) -> tuple[Mapping[str, Any], list[Item]]:
    """Pick the reader: an LMS's response export (Canvas Student Analysis, Moodle Responses) is read against the
    variant key its export wrote, which becomes the key of the LMS's students; anything else is exgen's own
    submission files, listed here and read by the grading run (in its worker processes)."""
    from exgen.grading.submissions import Item, Submission

    given = [submissions] if isinstance(submissions, (str, Path, Submission)) else list(submissions)
    csv_given = any(isinstance(i, (str, Path)) and str(i).lower().endswith(".csv") for i in given)
    if csv_given:  # (an LMS export is a CSV file; the reader is not loaded for anything else)
        from exgen.grading.lms_responses import lms_exports, read_responses
    if csv_given and lms_exports(given):
        paths = [i for i in given if isinstance(i, (str, Path))]
        if len(paths) != len(given):
            raise OptionError("submissions: give an LMS's response exports alone, not with Submission objects")
        lms_key, subs, problems = read_responses(paths, key)
        return lms_key, [Item(problem=m) for m in problems] + [Item(submission=s) for s in subs]
    return key, _items(given)


def grade(submissions: str | Path | Submission | Iterable[str | Path | Submission], *,
          key: str | Path | Mapping[str, Any], out: str | Path | None = GRADE_OUT,
          formats: str | Iterable[str] = GRADE_FORMATS, jobs: int = 1, force: bool = False,
          shard: str | Shard | None = None, progress: Progress | None = None) -> GradeResult:
    """Grade submissions against an answer key and write gradebooks, feedback and a class report.

    A submission that cannot be read or graded is a problem in the result (``results.problems``), and
    grading goes on past it; it does not raise.

    Args:
        submissions: YAML/JSON files (one per student), class CSV files, folders of them, or
            ``Submission`` objects; one or a list (see docs/submissions.md). Or an LMS's response export
            (Canvas Student Analysis, Moodle Responses CSV) with ``key`` the ``*-key.json`` its export wrote.
        key: the key store ``answer_key.sqlite`` or ``answer_key.json`` written by ``generate``, the folder
            holding them (the store is preferred: it is read one student at a time), or a key read by
            ``exgen.build.keyfile.load_key``.
        out: the output folder (nothing is written outside it); None writes nothing.
        formats: names in ``GRADE_OUTPUTS`` (csv, canvas, json, feedback, report), as a list or
            comma-separated.
        jobs: worker processes (the results do not depend on it).
        force: overwrite files already in ``out``.
        shard: ``"i/n"``: grade only slice i of n of the submission files, for one machine of a cluster;
            its results go to ``out/parts/`` and ``merge(out)`` joins the parts into the outputs an
            unsharded run writes (docs/scaling.md).
        progress: called as ``progress(done, total)`` as submissions are graded.

    Returns:
        The results (``results.to_dict()`` is ``results.json``; for a shard, that shard's own), the files
        written and the key's name.

    Raises:
        OptionError: an unknown format, a bad ``jobs`` or ``shard``, or a malformed ``key`` mapping.
        ExgenError: an unreadable or malformed key, or files already in ``out``.
    """
    from exgen.i18n import language

    chosen = _choose(formats, GRADE_OUTPUTS, "grading output")
    workers = _jobs(jobs)
    part_of = parse_shard(shard)
    if out is None and not part_of.whole:
        raise OptionError("shard: a shard's results go to a folder for exgen merge; give out")
    key_doc, key_name = _key(key)
    key_doc, items = _read(submissions, key_doc)
    # Feedback is in the language the key was written in: its stored feedback is, and so is the grader's own.
    with language(_key_language(key_doc)):
        return _grade_into(key_doc, items, key_name, out=out, force=force, chosen=chosen, workers=workers,
                           part_of=part_of, progress=progress)


def _grade_into(key_doc: Mapping[str, Any], items: list[Item], key_name: str, *, out: str | Path | None,
                force: bool, chosen: list[str], workers: int, part_of: Shard,
                progress: Progress | None) -> GradeResult:
    from exgen.grading.batch import grade_run, merge_parts
    from exgen.grading.writers import Prepared, write_outputs
    from exgen.outputs import OutputDir

    target = None if out is None else OutputDir(out, force=force, clean=part_of.whole)
    part = grade_run(key_doc, items, jobs=workers, shard=part_of, out=target if part_of.whole else None,
                     formats=chosen, progress=progress)
    results, graded = merge_parts(key_doc, [part])
    if target is None:
        return GradeResult(results=results, files=[], out=None, key=key_name)
    if not part_of.whole:
        from exgen.grading.parts import part_file, save_part

        name = part_file(part_of)
        target.check_free([name])
        target.write(name, save_part(part, key_doc, chosen))
        return GradeResult(results=results, files=[name], out=Path(out), key=key_name)  # type: ignore[arg-type]
    prepared = Prepared(students=[g.json or "" for g in graded] if "json" in chosen else None,
                        feedback={part.paths[g.result.id]: g.feedback for g in graded if g.feedback is not None},
                        written=part.written, failures=[g.failure for g in graded if g.failure])
    files = write_outputs(results, target, chosen, prepared, jobs=workers)
    return GradeResult(results=results, files=files, out=Path(out), key=key_name)  # type: ignore[arg-type]


# --- merge ------------------------------------------------------------------------------------------------

class MergeResult(Record):
    """What ``merge`` wrote.

    Attributes:
        out: the folder.
        files: the files written, relative to ``out``.
        key_parts, results_parts: how many parts of each kind were joined.
        results: the merged grading results, or None when only key parts were merged.
    """

    __slots__ = ("out", "files", "key_parts", "results_parts", "results")
    _defaults = {"results": None}
    out: Path
    files: list[str]
    key_parts: int
    results_parts: int
    results: Results | None

    def to_dict(self) -> dict:
        """Return the result as plain JSON-ready data."""
        return {"out": str(self.out), "files": list(self.files), "key_parts": self.key_parts,
                "results_parts": self.results_parts}


def merge(out: str | Path, *, force: bool = False, key_json: bool = True,
          progress: Progress | None = None) -> MergeResult:
    """Join the parts that ``generate(..., shard="i/n")`` and ``grade(..., shard="i/n")`` wrote into ``out``.

    Run it once every shard has finished. Key parts become ``answer_key.sqlite`` (and ``answer_key.json``),
    grading parts the gradebooks, results.json, feedback and report: the same files, byte for byte, as one
    unsharded run. The parts are then removed. See docs/scaling.md.

    Args:
        out: the folder the shards wrote into (their ``out``).
        force: overwrite files already in ``out`` with other content.
        key_json: also write ``answer_key.json``.
        progress: called as ``progress(done, total)`` while the key's students are exported.

    Returns:
        The files written and how many parts were joined.

    Raises:
        ExgenError: nothing to merge, a part missing or from another run, or files in the way.
    """
    from exgen.runs.merge import merge_run

    merged = merge_run(out, force=force, key_json=key_json, progress=progress)
    return MergeResult(out=Path(out), files=merged.files, key_parts=merged.key_parts,
                       results_parts=merged.results_parts, results=merged.results)


# --- export -----------------------------------------------------------------------------------------------

def exporter(target: str) -> Exporter:
    """Return the exporter named ``target`` (``gradescope``, ``qti``, ``moodle``, ``prairielearn``, ...).

    Raises:
        OptionError: no exporter has that name (the message lists them).
    """
    from exgen.exporters import get_exporter

    try:
        return get_exporter(target)
    except KeyError as err:
        raise OptionError(err.args[0]) from None


def export(target: str, bank: str | Path | BankSpec | None = None, *, seed: int | None = None,
           out: str | Path | None = None, force: bool = False, lang: str | None = None,
           **options: Any) -> ExportResult:
    """Export a bank to an LMS: write the files that ``target`` imports.

    Args:
        target: the exporter's name (``exgen export --help`` lists them).
        bank: a bank file, a built-in bank's name or a ``BankSpec`` (default: ``dl-math-basics``).
        seed: the seed every variant is drawn from; None is the bank's seed.
        out: the output file or folder; None is the exporter's ``default_out``.
        force: overwrite an existing output.
        lang: the language of the questions and feedback; None is the bank's ``language``.
        **options: the exporter's declared options (``exporter(target).options``), e.g. ``variants=20``.

    Returns:
        The files written, the number of questions and notes on degraded or omitted parts.

    Raises:
        OptionError: an unknown target, or an option the exporter does not declare or accept.
        ExgenError: the bank has problems (``BankError``), or ``out`` exists and ``force`` is false.
    """
    from exgen.i18n import language

    chosen = exporter(target)
    _language(lang)
    spec = resolve_bank(bank)
    with language(lang or spec.language):
        return chosen.export(spec, seed=_seed(seed, spec), out=str(chosen.default_out if out is None else out),
                             force=force, **options)


# --- preview ----------------------------------------------------------------------------------------------

PREVIEW_FORMATS = ("md", "html")


def preview(type_name: str, *, seed: int = 0, student: str = PREVIEW_STUDENT,
            params: Mapping[str, Any] | None = None, format: str = "md", key: bool = True,
            lang: str | None = None) -> str:
    """Return one instance of an exercise type as a document: the answer key (what ``exgen preview``
    shows) or the student's worksheet, as Markdown or an HTML page.

    Args:
        type_name: a registered exercise type (``exgen list`` shows them).
        seed: the seed the instance is drawn with.
        student: the student id it is drawn for.
        params: the type's parameters (the others keep their defaults).
        format: ``md`` or ``html`` (a self-contained page, as ``generate`` writes).
        key: the answer key with worked solutions; False is the student's worksheet.
        lang: the language of the document (None: English).

    Returns:
        The document's text.

    Raises:
        OptionError: an unknown type (the message suggests the closest), format or language, or
            parameters out of range.
        ExgenError: HTML of a graph exercise without Graphviz.
    """
    from exgen.i18n import language

    _language(lang)
    with language(lang):
        return _preview(type_name, seed=seed, student=student, params=params, format=format, key=key)


def _preview(type_name: str, *, seed: int, student: str, params: Mapping[str, Any] | None, format: str,
             key: bool) -> str:
    from exgen.build.seeding import rng_for
    from exgen.i18n import _
    from exgen.render.documents import render_document
    from exgen.types import get_type

    if format not in PREVIEW_FORMATS:
        raise OptionError(f"format: expected one of {', '.join(PREVIEW_FORMATS)}, got {format!r}")
    try:
        typ = get_type(type_name)
    except KeyError as err:
        raise OptionError(err.args[0]) from None
    resolved, problems = typ.resolve_params(dict(params or {}))
    if problems:
        raise OptionError("; ".join(f"parameter {k}: {m}" for k, m in problems))
    inst = typ.build(exercise_id=type_name, title=None, points=None, params=resolved,
                     rng=rng_for(_seed(seed, None), student, type_name))
    return render_document(fmt=format, key=key, bank={"id": "preview", "title": _("Preview: %(title)s") % {
                               "title": inst.title}, "course": {}},
                           student={"id": student, "name": _("Preview")}, instances=[inst])


# --- init -------------------------------------------------------------------------------------------------

#: What ``init`` writes: a bank to edit and a roster to replace.
INIT_BANK = "my-bank.yaml"
INIT_ROSTER = "class.csv"
#: The starter roster: ids are file names; names are UTF-8 text (pdflatex's fonts limit the PDF to Latin
#: letters for now, so the starter names stay within them).
STARTER_ROSTER = "id,name\ns001,Kim Min-jun\ns002,Lee Seo-yeon\ns003,Amélie Durand\n"


def init(bank: str | None = None, folder: str | Path = ".", *, force: bool = False) -> list[str]:
    """Write a starter bank (a copy of a built-in bank, to edit) and a starter roster into ``folder``.

    Args:
        bank: a built-in bank's name (``exgen list`` shows them; default ``dl-math-basics``).
        folder: where to write ``my-bank.yaml`` and ``class.csv`` (created if missing).
        force: overwrite them if they exist (otherwise nothing is written).

    Returns:
        The files written, relative to ``folder``.

    Raises:
        OptionError: ``bank`` is not a built-in bank.
        ExgenError: the files exist and ``force`` is false.
    """
    from exgen.outputs import OutputDir
    from exgen.resources import DEFAULT_BANK, builtin_banks

    name = bank or DEFAULT_BANK
    builtin = builtin_banks()
    if name not in builtin:
        raise OptionError(f"no built-in bank named {name!r}; built-in: {', '.join(builtin)}")
    source = builtin[name].read_text(encoding="utf-8")
    header = (f"# A starter bank: a copy of exgen's built-in bank {name!r}, made by `exgen init`. Edit it: add,\n"
              "# remove or reorder exercises, change points and params (docs/bank-format.md lists every type's\n"
              f"# parameters), then check it with `exgen validate {INIT_BANK}`.\n")
    out = OutputDir(folder, force=force)
    existing = [n for n in (INIT_BANK, INIT_ROSTER) if out.path(n).exists()]
    if existing and not force:
        raise ExgenError(f"{folder} already holds {' and '.join(existing)}; use --force to overwrite them or "
                         "choose another folder")
    out.write(INIT_BANK, header + source)
    out.write(INIT_ROSTER, STARTER_ROSTER)
    return [INIT_BANK, INIT_ROSTER]
