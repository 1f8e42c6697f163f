"""Reading an LMS's own export of quiz responses, so that ``exgen grade`` regrades what the LMS could not.

Two exports are read, both CSV files an instructor downloads:

- Canvas Classic Quizzes, *Quiz Statistics -> Student Analysis* (instructure/canvas-lms
  ``app/models/quizzes/quiz_statistics/student_analysis.rb``, ``to_csv``): columns ``name, id, [sis_id,]
  section, section_id, [section_sis_id,] submitted, [attempt,]`` then, per question, ``"<id>: <question
  text>"`` and its points, then ``n correct, n incorrect, score``. A fill-in-multiple-blanks cell holds the
  blanks' answers in order, joined by ``,`` (a comma inside an answer is ``\\,``); other cells hold the one
  answer (a multiple-choice cell: the chosen answer's text).
- Moodle, *Quiz -> Results -> Responses*, downloaded with "Question text" and "Response" ticked (mod/quiz/report/
  responses): identity columns (name, email ...), then per slot ``Question N`` (the question's text as plain
  text) and ``Response N`` (``qtype_multianswer_question::summarise_response``: ``part 1: ...; part 2: ...``
  for a Cloze question, the number for a numerical one; ``qtype_stack_question::summarise_response``:
  ``Seed: n; ans_a: <Maxima> [score]; ...`` for a STACK question).

Which exercise and variant a column holds comes from the reference every exported question prints
(``exgen.grading.lms_refs``); the answers are checked against the key the export wrote beside its file
(``quiz-key.json``: student ``variant-v`` holds variant v of every exercise). Each LMS student becomes one
submission whose key entry is made of the variants that student was given. Everything read is untrusted:
files are size-bounded, cells are text only, a bad row is a one-line problem and the batch goes on.

An LMS export splits a part into *fields* the same way in every exporter (``response_fields``): one per
entry of an array, one per dimension of a shape, one for anything else; tests check each exporter against it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from exgen.answers import LmsForm, get_kind
from exgen.errors import ExgenError
from exgen.grading.lms_refs import QuestionRef, find_refs
from exgen.grading.submissions import MAX_CSV_BYTES, MAX_STUDENT_CHARS, Submission, _read_text
from exgen.instance import Instance, Part

CANVAS = "Canvas Student Analysis"
MOODLE = "Moodle Responses"
_CANVAS_QUESTION = re.compile(r"^\d+: ")
_MOODLE_RESPONSE = re.compile(r"^Response (\d+)$")
_MOODLE_QUESTION = re.compile(r"^Question (\d+)$")
_MOODLE_PART = re.compile(r"(?:^|; )part (\d+): ")
#: Most columns and rows read from one export.
MAX_COLUMNS = 5_000
MAX_ROWS = 100_000


# --- how an export splits one part into fields ---------------------------------------------------------------

def _entries(part: Part) -> list[list[Any]]:
    a = part.answer
    return [list(r) for r in a] if a and isinstance(a[0], (list, tuple)) else [list(a)]


def response_fields(part: Part) -> int:
    """Return how many answer fields an LMS export gives the part (blanks, Cloze sub-questions)."""
    form = get_kind(part.kind).lms_form
    if form is LmsForm.ARRAY:
        return sum(len(r) for r in _entries(part))
    if form is LmsForm.SHAPE:
        return len(part.answer)
    return 1


def join_fields(part: Part, texts: Sequence[str]) -> str | None:
    """Return the answer text exgen reads from a part's fields (None when every field is blank)."""
    if not any(t.strip() for t in texts):
        return None
    form = get_kind(part.kind).lms_form
    if form is LmsForm.ARRAY:
        rows, k = [], 0
        for row in _entries(part):
            rows.append("[" + ", ".join(texts[k:k + len(row)]) + "]")
            k += len(row)
        flat = not (part.answer and isinstance(part.answer[0], (list, tuple)))
        return rows[0] if flat else "[" + ", ".join(rows) + "]"
    if form is LmsForm.SHAPE:
        return "(" + ", ".join(texts) + ")"
    return texts[0]


# --- recognising an export -----------------------------------------------------------------------------------

def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    text = _read_text(path, limit=MAX_CSV_BYTES, what="response export")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        rows: list[tuple[int, list[str]]] = []
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise ExgenError(f"{path}: more than {MAX_ROWS} rows")
            rows.append((reader.line_num, row))
    except csv.Error as err:
        raise ExgenError(f"{path}:{reader.line_num}: not a CSV file ({err})") from None
    if len(header) > MAX_COLUMNS:
        raise ExgenError(f"{path}:1: more than {MAX_COLUMNS} columns")
    return header, rows


def _canvas_questions(header: Sequence[str]) -> list[int]:
    """Return the indexes of Canvas question columns: ``<id>: <text>`` followed by its points possible."""
    found = []
    for i, name in enumerate(header[:-1]):
        if _CANVAS_QUESTION.match(name) and re.fullmatch(r"-?\d+(\.\d+)?", header[i + 1].strip()):
            found.append(i)
    return found


def detect(path: str | Path) -> str | None:
    """Return which LMS export a CSV file is (``CANVAS``, ``MOODLE``) from its header, or None."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return None
    try:
        with path.open("rb") as handle:  # a header holds whole question texts, with line breaks: parse a record
            head = handle.read(MAX_CSV_BYTES).decode("utf-8-sig", errors="replace")
        header = next(csv.reader(io.StringIO(head, newline="")), [])
    except (OSError, csv.Error):
        return None
    if _canvas_questions(header) and "n correct" in [h.strip().lower() for h in header]:
        return CANVAS
    if any(_MOODLE_RESPONSE.match(h.strip()) for h in header):
        return MOODLE
    return None


# --- one student's answers -------------------------------------------------------------------------------------

def _student(value: str, where: str) -> str:
    text = " ".join(value.split())
    if not text or len(text) > MAX_STUDENT_CHARS or any(ord(c) < 32 for c in text):
        raise ExgenError(f"{where}: no usable student id (expected 1 to {MAX_STUDENT_CHARS} printable characters)")
    return text


class _Student:
    """What one LMS student was given (exercise -> variant) and answered (exercise -> part -> text)."""

    def __init__(self, sid: str, name: str, source: str) -> None:
        self.sid, self.name, self.source = sid, name, source
        self.variants: dict[str, int] = {}
        self.answers: dict[str, dict[str, Any]] = {}

    def given(self, ref: QuestionRef, where: str) -> None:
        seen = self.variants.setdefault(ref.exercise, ref.variant)
        if seen != ref.variant:
            raise ExgenError(f"{where}: student {self.sid!r} answered exercise {ref.exercise!r} in variants "
                             f"{seen + 1} and {ref.variant + 1}; grade one quiz attempt at a time")

    def put(self, exercise: str, part: str, raw: str | None) -> None:
        if raw is not None:
            self.answers.setdefault(exercise, {})[part] = raw


def _variant(key: Mapping[str, Any], ref: QuestionRef, where: str) -> Instance:
    entry = key["students"].get(ref.key_student)
    inst = next((i for i in entry["exercises"] if i.exercise_id == ref.exercise), None) if entry else None
    if inst is None:
        raise ExgenError(f"{where}: question {ref.text()} is not in the key (use the -key.json the export wrote "
                         "beside the file you imported)")
    return inst


def _put_fields(student: _Student, parts: Sequence[Part], fields: Sequence[str], exercise: str, where: str) -> None:
    """Give each part its fields, in order; a count that does not add up is a problem for this question only."""
    wanted = sum(response_fields(p) for p in parts)
    if len(fields) != wanted:
        raise ExgenError(f"{where}: {len(fields)} answer(s) for {wanted} field(s); the LMS leaves out unanswered "
                         "blanks, so this question is graded as unanswered")
    k = 0
    for part in parts:
        n = response_fields(part)
        student.put(exercise, part.id, join_fields(part, list(fields[k:k + n])))
        k += n


def _canvas_fields(cell: str) -> list[str]:
    """Split a fill-in-multiple-blanks cell: answers joined by ',' with commas inside them written '\\,'."""
    return [f.replace("\\,", ",").strip() for f in re.split(r"(?<!\\),", cell)]


# --- Canvas --------------------------------------------------------------------------------------------------

def read_canvas(path: Path, key: Mapping[str, Any]) -> tuple[list[_Student], list[str]]:
    """Read a Canvas Student Analysis CSV against a variant key."""
    header, rows = _rows(path)
    low = [h.strip().lower() for h in header]
    if "id" not in low or "name" not in low:
        raise ExgenError(f"{path}:1: expected Canvas's Student Analysis columns 'name' and 'id' (a report with "
                         "anonymous responses cannot be graded per student)")
    columns = []
    for i in _canvas_questions(header):
        refs = find_refs(header[i])
        if refs:
            columns.append((i, refs[-1]))
    if not columns:
        raise ExgenError(f"{path}:1: no question carries an exgen reference ('Question ref: exgen/...'); export the "
                         "quiz again with this exgen")
    with_parts = {(r.exercise, r.variant) for _, r in columns if r.part}
    students, problems = [], []
    id_col, name_col = low.index("id"), low.index("name")
    for line, row in rows:
        where = f"{path}:{line}"
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            problems.append(f"{where}: expected {len(header)} columns as in the header, got {len(row)}")
            continue
        try:
            student = _Student(_student(row[id_col], where), " ".join(row[name_col].split())[:200], where)
        except ExgenError as err:
            problems.append(str(err))
            continue
        for i, ref in columns:
            cell, points = row[i], row[i + 1]
            if not cell.strip() and not points.strip():
                continue  # a question this student was not given
            if not ref.part and (ref.exercise, ref.variant) in with_parts:
                continue  # a text-only stem
            try:
                student.given(ref, where)
                inst = _variant(key, ref, where)
                parts = [inst.part(ref.part)] if ref.part else list(inst.parts)
                if len(parts) == 1 and response_fields(parts[0]) == 1:
                    student.put(ref.exercise, parts[0].id, cell.strip() or None)
                else:
                    _put_fields(student, parts, _canvas_fields(cell), ref.exercise, f"{where}: {ref.text()}")
            except (ExgenError, KeyError) as err:
                problems.append(str(err) if isinstance(err, ExgenError) else f"{where}: {ref.text()}: no such part")
        students.append(student)
    return students, problems


# --- Moodle --------------------------------------------------------------------------------------------------

def _moodle_identity(header: Sequence[str]) -> tuple[int | None, list[int]]:
    low = [h.strip().lower() for h in header]
    sid = next((i for i, h in enumerate(low) if "email" in h), None)
    if sid is None:
        sid = next((i for i, h in enumerate(low) if h in ("username", "id number", "idnumber")), None)
    names = [i for i, h in enumerate(low) if h in ("first name", "last name", "surname", "firstname", "lastname")]
    return sid, names


def _cloze_fields(summary: str) -> list[str]:
    """Split qtype_multianswer_question::summarise_response: 'part 1: a; part 2: b' -> ['a', 'b']."""
    marks = list(_MOODLE_PART.finditer(summary))
    out = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(summary)
        out.append(summary[m.end():end].strip())
    return out


_STACK_INPUT = re.compile(r"(?:^|; )ans_([A-Za-z0-9_-]{1,40}): (.*?) \[(\w+)\](?=; |$)")


def _stack_answer(part: Part, value: str) -> str:
    """Return a STACK input's value (Maxima, as qtype_stack summarise_response writes it) as exgen reads it:
    ``matrix([1,2],[3,4])`` -> ``[[1,2],[3,4]]``, ``%e``/``%pi`` -> ``e``/``pi``, a dropdown's 1, 2, ... -> the
    choice's key (exgen.exporters.moodle_stack numbers the choices in order)."""
    text = value.strip()
    form = get_kind(part.kind).lms_form
    if form is LmsForm.CHOICE:
        choices = list(part.options.get("choices", ()))
        if text.isdigit() and 1 <= int(text) <= len(choices):
            return str(choices[int(text) - 1]["key"])
        return text
    m = re.fullmatch(r"matrix\((.*)\)", text)
    if m:
        text = "[" + m.group(1) + "]"
    return text.replace("%e", "e").replace("%pi", "pi")


def _stack_fields(summary: str, parts: Sequence[Part]) -> dict[str, str]:
    """Read qtype_stack_question::summarise_response: 'Seed: n; ans_a: <maxima> [score]; ...; prt_a: ...'."""
    found = {m.group(1): m.group(2) for m in _STACK_INPUT.finditer(summary)}
    return {p.id: _stack_answer(p, found[p.id]) for p in parts if p.id in found}


def read_moodle(path: Path, key: Mapping[str, Any]) -> tuple[list[_Student], list[str]]:
    """Read a Moodle quiz Responses report (CSV) against a variant key."""
    header, rows = _rows(path)
    slots: dict[str, dict[str, int]] = {}
    for i, h in enumerate(header):
        m = _MOODLE_RESPONSE.match(h.strip())
        if m:
            slots.setdefault(m.group(1), {})["response"] = i
        m = _MOODLE_QUESTION.match(h.strip())
        if m:
            slots.setdefault(m.group(1), {})["question"] = i
    if not slots or any("question" not in s for s in slots.values()):
        raise ExgenError(f"{path}:1: expected 'Question N' and 'Response N' columns; download the Responses "
                         "report with 'Question text' and 'Response' ticked")
    sid_col, name_cols = _moodle_identity(header)
    if sid_col is None and not name_cols:
        raise ExgenError(f"{path}:1: no student column (email address, username or name)")
    students, problems = [], []
    for line, row in rows:
        where = f"{path}:{line}"
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            problems.append(f"{where}: expected {len(header)} columns as in the header, got {len(row)}")
            continue
        name = " ".join(" ".join(row[i] for i in name_cols).split())[:200]
        try:
            student = _Student(_student(row[sid_col] if sid_col is not None else name, where), name, where)
        except ExgenError as err:
            problems.append(str(err))
            continue
        for slot in sorted(slots, key=int):
            text, summary = row[slots[slot]["question"]], row[slots[slot].get("response", -1)] \
                if "response" in slots[slot] else ""
            refs = find_refs(text)
            if not refs or summary.strip() in ("", "-"):
                continue
            ref = refs[-1]
            try:
                student.given(ref, where)
                inst = _variant(key, ref, where)
                parts = list(inst.parts)
                if _STACK_INPUT.search(summary):  # a STACK question (--formulas stack)
                    for part_id, raw in _stack_fields(summary, parts).items():
                        student.put(ref.exercise, part_id, raw)
                elif len(parts) == 1 and response_fields(parts[0]) == 1 and not _MOODLE_PART.match(summary):
                    student.put(ref.exercise, parts[0].id, summary.strip())
                else:
                    _put_fields(student, parts, _cloze_fields(summary), ref.exercise, f"{where}: slot {slot}")
            except ExgenError as err:
                problems.append(str(err))
        students.append(student)
    return students, problems


READERS = {CANVAS: read_canvas, MOODLE: read_moodle}


def read_responses(paths: Iterable[str | Path], key: Mapping[str, Any]) -> tuple[dict, list[Submission], list[str]]:
    """Read LMS response exports against the variant key the export wrote.

    Returns:
        (the key of the LMS's students, one submission per student, one-line problems). A student found in
        two files (two attempts, two versions) keeps the first and the second is a problem.
    """
    students: dict[str, _Student] = {}
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        kind = detect(path)
        if kind is None:
            problems.append(f"{path}: not a Canvas Student Analysis or Moodle Responses CSV; give LMS exports "
                            "and exgen submission files in separate runs")
            continue
        try:
            found, more = READERS[kind](path, key)
        except ExgenError as err:
            problems.append(str(err))
            continue
        problems += more
        for student in found:
            if student.sid in students:
                problems.append(f"{student.source}: student {student.sid!r} already answered in "
                                f"{students[student.sid].source} (not graded twice)")
                continue
            students[student.sid] = student
    order = [inst.exercise_id for entry in key["students"].values() for inst in entry["exercises"]]
    order = list(dict.fromkeys(order))
    graded_key: dict[str, Any] = {"bank": dict(key["bank"]), "students": {}}
    subs = []
    for student in students.values():
        exercises = [_variant(key, QuestionRef(ex, student.variants[ex]), student.source)
                     for ex in order if ex in student.variants]
        graded_key["students"][student.sid] = {"name": student.name or student.sid, "exercises": exercises}
        subs.append(Submission(student=student.sid, answers=student.answers, source=student.source,
                               name=student.name or None))
    return graded_key, subs, problems


def lms_exports(items: Iterable[Any]) -> list[Path]:
    """Return the paths among ``items`` that are LMS response exports (see ``detect``)."""
    return [Path(i) for i in items if isinstance(i, (str, Path)) and detect(i) is not None]
