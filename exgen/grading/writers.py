"""Grading outputs: grades.csv, a Canvas gradebook CSV, results.json, feedback Markdown and the report.

Every file goes through :class:`exgen.outputs.OutputDir` (atomic writes, nothing outside ``--out``).
Student ids become file names only after :func:`safe_file_stem`, so an id like ``../../x`` or ``a/b``
cannot leave the folder. Outputs depend only on the results: no timestamps, fixed order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from exgen.errors import ExgenError
from exgen.formatting import score
from exgen.grading.mdescape import md_code, md_text
from exgen.grading.results import Results, StudentResult
from exgen.i18n import NP_, _, pgettext
from exgen.outputs import OutputDir, clean_text

#: The grading outputs a run can write, with the files each one writes.
FORMATS: dict[str, str] = {"csv": "grades.csv", "canvas": "canvas.csv, a Canvas gradebook", "json": "results.json",
                           "feedback": "feedback/<id>.md",
                           "report": "report.md + misconceptions.md (instructor only) + PNG charts"}
GRADES_CSV = "grades.csv"
CANVAS_CSV = "canvas.csv"
RESULTS_JSON = "results.json"
FEEDBACK_DIR = "feedback"
#: How a feedback file names each verdict (messages, translated where they are written).
VERDICT_WORDS = {"correct": NP_("verdict", "correct"), "partial": NP_("verdict", "partially correct"),
                 "incorrect": NP_("verdict", "incorrect"), "invalid": NP_("verdict", "invalid (could not be read)"),
                 "missing": NP_("verdict", "missing")}

_UNSAFE = re.compile(r"[^A-Za-z0-9@+-]+")


def safe_file_stem(student_id: str) -> str:
    """Return a file name stem for a student id: the id itself when it is a plain name, otherwise the
    id with each run of other characters (dots included) replaced by ``_`` and a short hash of the original
    appended (so stems stay distinct)."""
    from exgen.bank.roster import check_student_id

    if check_student_id(student_id) is None:
        return student_id
    base = _UNSAFE.sub("_", student_id).strip("_-")[:40] or "student"
    import hashlib  # only for ids that are not plain names: not worth its start-up time otherwise

    digest = hashlib.sha256(student_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{base}-{digest}"


def feedback_files(results: Results) -> dict[str, str]:
    """Return the feedback file path (relative to --out) of each graded student, by student id."""
    return feedback_paths([student.id for student in results.students])


def feedback_paths(student_ids: Iterable[str]) -> dict[str, str]:
    """Return the feedback file path (relative to --out) of each of these graded students, in results order."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for student_id in student_ids:
        stem = safe_file_stem(student_id)
        while stem.lower() in used:  # only if two ids differ by case on a case-insensitive disk
            import hashlib

            stem = f"{stem}-{hashlib.sha256(stem.encode()).hexdigest()[:6]}"
        used.add(stem.lower())
        out[student_id] = f"{FEEDBACK_DIR}/{stem}.md"
    return out


def csv_cell(text: str) -> str:
    """Keep a text cell from being read as a spreadsheet formula (leading = + - @ tab or CR)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    # cleaned per cell, before the csv module sees them (some Python versions refuse a NUL in a field); a
    # class's cells rarely need it, which one search of them all tells
    every = "\n".join([cell for row in rows for cell in row])
    if clean_text(every) != every:
        rows = [[clean_text(cell) for cell in row] for row in rows]
    writer.writerows(rows)
    return buf.getvalue()


def grades_csv(results: Results) -> str:
    """One row per graded student: id, name, each exercise's points, total, max."""
    header = ["id", "name"] + [e.id for e in results.exercises] + ["total", "max"]
    rows = [header]
    for s in results.students:
        by_id = {e.id: e.points for e in s.exercises}
        rows.append([csv_cell(s.id), csv_cell(s.name)]
                    + [score(by_id[e.id]) if e.id in by_id else "" for e in results.exercises]
                    + [score(s.total), score(s.max_points)])
    return _csv(rows)


def canvas_title(results: Results) -> str:
    """The assignment column title of the Canvas gradebook."""
    return str(results.bank.get("title") or results.bank.get("id") or "exgen")


def canvas_csv(results: Results) -> str:
    """A Canvas gradebook import: ``Student,ID,Section,<title>``, a Points Possible row, one row each."""
    possible = max((s.max_points for s in results.students), default=sum(e.max_points for e in results.exercises))
    rows = [["Student", "ID", "Section", canvas_title(results)], ["Points Possible", "", "", score(possible)]]
    rows += [[csv_cell(s.name), csv_cell(s.id), "", score(s.total)] for s in results.students]
    return _csv(rows)


def results_json(results: Results, students: Sequence[str] | None = None) -> str:
    """results.json (format exgen-results/1), UTF-8, stable indentation; ``students``: the entries already
    serialised by ``exgen.build.keyfile.json_item`` (by worker processes), in results order."""
    from exgen.build.keyfile import dumps, list_items

    if students is None:
        return dumps(results.to_dict())
    return "".join(list_items(results.to_dict(students=False), "students", students))


def feedback_md(results: Results, student: StudentResult) -> str:
    """One student's feedback: each part's verdict, points, the answer read and what went wrong."""
    return feedback_text(results.bank, student)


def feedback_text(bank: Mapping[str, Any], student: StudentResult) -> str:
    """One student's feedback file for a class graded against the key of ``bank`` (results' ``bank``)."""
    title = bank.get("title") or bank.get("id") or ""
    lines = ["# " + _("Feedback: %(title)s") % {"title": md_text(title)}, "",
             _("Student: %(name)s (%(id)s)") % {"name": md_text(student.name), "id": md_code(student.id)}, "",
             _("Total: %(points)s") % {"points": f"**{score(student.total)} / {score(student.max_points)}**"}, ""]
    # a file names the same few verdicts and scores again and again: each looked up or formatted once
    words: dict[str, str] = {}
    your_answer = _("Your answer: %(answer)s")
    for n, ex in enumerate(student.exercises, start=1):
        ex_id = md_text(ex.id)
        lines += [f"## {n}. {md_text(ex.title)} ({ex_id}): {_score(ex.points)} / {_score(ex.max_points)}", ""]
        for part in ex.parts:
            verdict = words.get(part.verdict)
            if verdict is None:
                verdict = words[part.verdict] = (pgettext("verdict", VERDICT_WORDS[part.verdict])
                                                 if part.verdict in VERDICT_WORDS else part.verdict)
            lines.append(f"### {ex_id}.{md_text(part.id)}: {verdict} "
                         f"({_score(part.points)} / {_score(part.max_points)})")
            lines.append("")
            if part.answer is not None:
                lines += [your_answer % {"answer": md_code(part.answer)}, ""]
            lines += [part.feedback, ""]
    if student.warnings:
        lines += ["## " + _("Notes on your submission"), ""]
        lines += [f"- {md_text(w)}" for w in student.warnings]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


_SCORES: dict[float, str] = {}


def _score(value: float) -> str:
    """``score(value)``, remembered (points repeat: 0, 1, 0.5, ...)."""
    text = _SCORES.get(value)
    if text is None:
        text = score(value)
        if len(_SCORES) < 10_000:
            _SCORES[value] = text
    return text


def planned_files(results: Results, formats: list[str]) -> list[str]:
    """Return every file (relative to --out) that :func:`write_outputs` would write, PNGs excepted."""
    charts = _report_files()[2:] if "report" in formats else ()
    return [f for f in output_files(formats, feedback_files(results).values()) if f not in charts]


def output_files(formats: Iterable[str], feedback: Iterable[str]) -> list[str]:
    """Return every file (relative to --out) the chosen formats write, given the feedback files' paths."""
    chosen = set(formats)
    files = [name for fmt, name in (("csv", GRADES_CSV), ("canvas", CANVAS_CSV), ("json", RESULTS_JSON))
             if fmt in chosen]
    files += list(feedback) if "feedback" in chosen else []
    return files + (list(_report_files()) if "report" in chosen else [])


def _report_files() -> tuple[str, ...]:
    """report.md, misconceptions.md and the charts (the report's module is loaded only when it is asked for)."""
    from exgen.grading.report import CHART_FILES, MISCONCEPTIONS_MD, REPORT_MD

    return (REPORT_MD, MISCONCEPTIONS_MD, *CHART_FILES)


class Prepared:
    """What worker processes already made for :func:`write_outputs` (``exgen.grading.batch``).

    Attributes:
        students: results.json's student entries, serialised, in results order (None: make them here).
        feedback: feedback files to write, by path (built by workers, checked and written here).
        written: feedback files the workers wrote themselves (into a folder that had none of the outputs).
        failures: feedback files that could not be built (one line each).
    """

    def __init__(self, students: list[str] | None = None, feedback: dict[str, str] | None = None,
                 written: Sequence[str] = (), failures: Sequence[str] = ()):
        self.students, self.feedback, self.written, self.failures = students, feedback, list(written), list(failures)


def write_outputs(results: Results, out: OutputDir, formats: list[str], prepared: Prepared | None = None, *,
                  jobs: int = 1) -> list[str]:
    """Write the chosen formats into ``out`` and return the files written (relative paths, in order).

    With ``jobs`` above 1, the class report is built in a forked process while this one builds the other
    files (the same bytes either way).

    Every file is built before any is written. A student's feedback that cannot be built (a bug) or a file
    that cannot be written is reported after all the other files are written; nothing a student wrote can
    stop the others' files (text is made writable by :func:`exgen.outputs.clean_text`).

    Raises:
        ExgenError: an unknown format; files already there with other content, without ``force``
            (nothing written); or files that could not be built or written (one line each).
    """
    from exgen.parallel import fewer_collections

    # the report and gradebooks allocate much over a class's results, which the collector would walk again
    # and again at its default threshold (a fifth of this step's CPU for a class of 10,000)
    with fewer_collections():
        return _write_outputs(results, out, formats, prepared, jobs)


def _build_report(results: Results, out: OutputDir) -> dict[str, str | bytes]:
    from exgen.grading.report import build_report

    with out.scratch() as scratch:
        return build_report(results, cache_dir=scratch)


def _write_outputs(results: Results, out: OutputDir, formats: list[str], prepared: Prepared | None,
                   jobs: int) -> list[str]:
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ExgenError(f"unknown output format {bad[0]!r}; expected some of {', '.join(FORMATS)}")
    paths = feedback_files(results) if "feedback" in formats else {}
    # the files the workers wrote were checked before they were written (``exgen.grading.batch``)
    done = set(prepared.written) if prepared is not None else set()
    out.check_free([f for f in output_files(formats, paths.values()) if f not in done])
    aside = None
    if "report" in formats and jobs > 1:
        from exgen.parallel import Aside

        aside = Aside(_build_report, results, out)
    files: dict[str, str | bytes] = {}
    failed: list[str] = []
    if "csv" in formats:
        files[GRADES_CSV] = grades_csv(results)
    if "canvas" in formats:
        files[CANVAS_CSV] = canvas_csv(results)
    if "json" in formats:
        files[RESULTS_JSON] = results_json(results, prepared.students if prepared else None)
    if "feedback" in formats and prepared is not None:
        files.update(prepared.feedback or {})
        failed += prepared.failures
    elif "feedback" in formats:
        for student in results.students:
            try:
                files[paths[student.id]] = feedback_md(results, student)
            except Exception as err:  # one student's file must not stop the class's; reported below
                failed.append(f"{paths[student.id]}: not written (internal error: {type(err).__name__})")
    report: list[str] = []
    if "report" in formats:
        built = aside.result() if aside is not None else _build_report(results, out)
        files.update(built)
        report = list(built)
    try:
        written = set(out.write_all(files)) | set(prepared.written if prepared else ())
    except ExgenError as err:
        raise ExgenError("\n".join(failed + [str(err)])) from None
    if failed:
        raise ExgenError("\n".join(failed))
    made_by_report = _report_files() if "report" in formats else ()
    order = [f for f in output_files(formats, paths.values()) if f not in made_by_report] + report
    return [f for f in order if f in written]
