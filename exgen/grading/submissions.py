"""Reading students' submissions: one YAML/JSON file per student, a class CSV, or a folder of them.

Everything read here is untrusted. Only regular files are read (links, FIFOs and devices are reported,
never opened), each at most a size limit; YAML is read by :mod:`exgen.bank.safeyaml` (no implicit types but
numbers, booleans and null; depth, values, aliases and scalar length bounded as the parser goes; a key given
twice is an error naming both lines) and JSON by the standard library with the same checks after it. The
loaded data is walked once more with a bound on its expanded size, and lone surrogates (``"\ud800"`` in
JSON) become U+FFFD so that no text read here can break an output file. Every problem becomes an
:class:`~exgen.errors.ExgenError` with one line naming the file (and the line or field) and what was
expected, never what the file holds; readers of many items return the problems and go on.

The answers of a submission are normalised to ``{exercise id: {part id: raw answer}}``. A raw answer is
text, a number, a boolean or nested lists of those, exactly as the answer kinds accept them. An answer to
a whole exercise (``dot: "3"``) is stored under the part id :data:`WHOLE` until the exercise's parts are
known (pass ``exercises=`` or let the grader resolve it).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

from exgen.bank.files import read_regular_file, shown, walk_regular_files
from exgen.bank.safeyaml import MAX_INT_DIGITS, SUBMISSION_LIMITS, YamlError, load_yaml
from exgen.errors import ExgenError
from exgen.i18n import NP_, in_every_language
from exgen.records import Record

#: Largest submission file read (checked with ``stat`` before reading).
MAX_SUBMISSION_BYTES = 5_000_000
#: Largest class CSV read.
MAX_CSV_BYTES = 20_000_000
#: Deepest nesting of mappings and lists in a submission file (answers need 4 or 5 levels).
MAX_DEPTH = SUBMISSION_LIMITS.depth
#: Most values in a loaded submission after aliases are expanded.
MAX_NODES = SUBMISSION_LIMITS.nodes
#: Most YAML aliases (``*name``) in one file.
MAX_ALIASES = SUBMISSION_LIMITS.aliases
#: Longest student id accepted in a submission.
MAX_STUDENT_CHARS = 200
#: Most files taken from one folder.
MAX_FOLDER_FILES = 100_000
#: Most rows read from one class CSV (a larger class can hand in several files, or one file per student).
MAX_CSV_ROWS = 20_000
#: Most answer columns in a class CSV (a bank has at most 1,000 exercises of a few parts each).
MAX_CSV_COLUMNS = 5_000
#: Most cells read from one class CSV (twice the bound on a submission file's values).
MAX_CSV_CELLS = 2 * SUBMISSION_LIMITS.nodes
#: Part id under which an answer to a whole (single-part) exercise is kept until the parts are known.
WHOLE = "*"

SUBMISSION_FORM = "a mapping with 'student: <id>' and 'answers:' (exercise id or id.part -> answer)"


class Submission(Record):
    """One student's answers as read from a file or a CSV row.

    ``answers`` maps exercise id -> part id -> raw answer (text, number, boolean or nested lists);
    ``source`` names where it came from (``s001.yaml`` or ``class.csv:4``) for messages.
    """

    __slots__ = ("student", "answers", "source", "name")
    _defaults = {"name": None}
    student: str | None
    answers: dict[str, dict[str, Any]]
    source: str
    name: str | None


def _shown(value: Any, limit: int = 40) -> str:
    """Name a value in a message by its type only: messages never repeat what a file holds."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "nothing (null)"
    return "a number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "true/false"


_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.@+*-]{1,64}")


def _name(text: str) -> str:
    """Quote a field or id from a submission only when it is a short plain name (``dot.a``, ``s001``)."""
    return repr(text) if _PLAIN_NAME.fullmatch(text) else "(a name with spaces or other characters)"


def _label(path: Path) -> str:
    return shown(path)


# -- loading JSON and YAML safely -------------------------------------------------------------------


def _load_yaml(text: str, source: str) -> Any:
    try:
        loaded = load_yaml(text, source=source, limits=SUBMISSION_LIMITS)
    except YamlError as err:
        hint = f"; expected {SUBMISSION_FORM}" if err.problem.startswith("invalid YAML") else ""
        raise ExgenError(f"{err}{hint}") from None
    if loaded is None or loaded.value is None:
        raise ExgenError(f"{source}: empty file; expected {SUBMISSION_FORM}")
    return loaded.value


class _NotANumber(Exception):
    pass


class _DuplicateKey(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):  # rare: name the key given twice
        counts = Counter(map(itemgetter(0), pairs))
        raise _DuplicateKey(next(key for key, _ in pairs if counts[key] > 1))
    return out


def _json_int(digits: str) -> int | str:
    # beyond Python's int-conversion limit the digits stay text; the answer kinds say the number is too long
    return int(digits) if len(digits) <= MAX_INT_DIGITS else digits


_LONG_DIGITS = re.compile(rf"\d{{{MAX_INT_DIGITS + 1}}}")


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')


def _json_duplicate_lines(text: str) -> tuple[int, int] | None:
    """Return the lines of the first key given twice in one JSON object (the text parsed up to there), or
    None if it is not found within a bounded number of tokens."""
    stack: list[dict | None] = []   # per open object: key -> line; None for an array
    want_key = False
    line, at = 1, 0
    for count, match in enumerate(_JSON_TOKEN.finditer(text)):
        if count > 2 * MAX_NODES:
            return None
        tok = match.group()
        if tok == "{":
            stack.append({})
            want_key = True
        elif tok == "[":
            stack.append(None)
        elif tok in "]}":
            if stack:
                stack.pop()
            want_key = False
        elif tok == ",":
            want_key = bool(stack) and stack[-1] is not None
        elif tok == ":":
            want_key = False
        elif want_key and stack and stack[-1] is not None:
            line += text.count("\n", at, match.start())
            at = match.start()
            try:
                key = json.loads(tok) if "\\" in tok else tok[1:-1]
            except ValueError:
                return None
            keys = stack[-1]
            if key in keys:
                return keys[key], line
            keys[key] = line
            want_key = False
    return None


def _load_json(text: str, source: str) -> Any:
    def no_constant(name: str) -> Any:
        raise _NotANumber()

    try:
        # the int hook costs a call per number, so it is used only when a number could be too long for int()
        return json.loads(text, parse_constant=no_constant, object_pairs_hook=_unique_pairs,
                          parse_int=_json_int if _LONG_DIGITS.search(text) else None)
    except _DuplicateKey as dup:
        where = _json_duplicate_lines(text)
        key = f" {dup.key!r}" if _PLAIN_NAME.fullmatch(dup.key) else ""
        if where is None:
            raise ExgenError(f"{source}: duplicate key{key} in one object; give each key once") from None
        raise ExgenError(f"{source}:{where[1]}: duplicate key{key} (first on line {where[0]}); give each key once") \
            from None
    except json.JSONDecodeError as err:
        raise ExgenError(f"{source}:{err.lineno}: not valid JSON ({err.msg}); expected {SUBMISSION_FORM}") from None
    except _NotANumber:
        raise ExgenError(f"{source}: not valid JSON (NaN and Infinity are not numbers in JSON); write a number "
                         "or text") from None
    except RecursionError:
        raise ExgenError(f"{source}: nested deeper than {MAX_DEPTH} levels; answers are text, numbers or lists "
                         "of lists") from None
    except (ValueError, TypeError, OverflowError) as err:
        raise ExgenError(f"{source}: not valid JSON ({type(err).__name__}); expected {SUBMISSION_FORM}") from None


_SURROGATES = re.compile("[\ud800-\udfff]")


def _text(value: str) -> str:
    """Text as read, with lone surrogates (JSON's ``"\ud800"``, not a character) made U+FFFD."""
    return _SURROGATES.sub("\ufffd", value) if _SURROGATES.search(value) else value


def _plain(value: Any, source: str, budget: list[int], depth: int = 0) -> Any:
    """Return a JSON-native copy (str keys, lone surrogates replaced), bounding depth and expanded size."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ExgenError(f"{source}: too many values (more than {MAX_NODES:,} after expanding aliases)")
    if depth > MAX_DEPTH:
        raise ExgenError(f"{source}: nested deeper than {MAX_DEPTH} levels; answers are text, numbers or lists "
                         "of lists")
    kind = type(value)  # exact types first: this runs once per value of a file
    if kind is str:
        return _text(value)
    if kind is int:
        return value if -(2**1000) < value < 2**1000 else math.inf  # "not a finite number" to the kinds
    if kind is float or kind is bool or value is None:
        return value
    if isinstance(value, Mapping):
        return {_text(str(k)): _plain(v, source, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, source, budget, depth + 1) for v in value]
    if isinstance(value, str):
        return _text(str(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return _plain(int(value), source, budget, depth)
    if isinstance(value, float):
        return float(value)
    raise ExgenError(f"{source}: a value of an unexpected kind; expected text, numbers and lists")


def _read_text(path: Path, *, limit: int, what: str) -> str:
    source = _label(path)
    data = read_regular_file(path, limit=limit, what=what)
    if b"\x00" in data:
        raise ExgenError(f"{source}: binary data, not a text file; expected a {what} (UTF-8 YAML, JSON or CSV)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ExgenError(f"{source}:{line}: not UTF-8 text; expected a {what}") from None


# -- normalising ----------------------------------------------------------------------------------


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _student_id(raw: Any, source: str) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ExgenError(f"{source}: field 'student': expected an id like s001, got {_shown(raw)}")
    text = str(raw).strip()
    if not text or len(text) > MAX_STUDENT_CHARS or _CONTROL.search(text):
        raise ExgenError(f"{source}: field 'student': expected an id of 1 to {MAX_STUDENT_CHARS} printable "
                         "characters")
    return text


def normalise_answers(mapping: Any, *, source: str,
                      exercises: Mapping[str, Sequence[str]] | None = None) -> dict[str, dict[str, Any]]:
    """Return answers as ``{exercise id: {part id: raw answer}}``.

    Accepts ``{"dot": {"a": ...}}``, ``{"dot.a": ...}`` and, for a single-part exercise,
    ``{"dot": ...}``; the forms may be mixed. Blank answers (null or empty text) are dropped.

    Args:
        mapping: the loaded ``answers`` field (or a CSV row's cells by column).
        source: where it came from, for messages.
        exercises: part ids by exercise id, when known; a whole-exercise answer is then filed under the
            exercise's only part. Without it, such answers are kept under :data:`WHOLE`.

    Returns:
        The answers, exercise ids and part ids as text, in the order given.

    Raises:
        ExgenError: not a mapping, an empty id, or two answers for the same part.
    """
    if not isinstance(mapping, Mapping):
        raise ExgenError(f"{source}: field 'answers': expected a mapping of exercise id or id.part to the "
                         f"answer, got {_shown(mapping)}")
    out: dict[str, dict[str, Any]] = {}

    def put(ex_id: str, part_id: str, value: Any, field: str) -> None:
        if not ex_id or not part_id:
            raise ExgenError(f"{source}: answers: {_name(field)} is not an exercise id or id.part like dot.a")
        if value is None or (isinstance(value, str) and not value.strip()):
            return
        if exercises is not None and part_id == WHOLE and len(exercises.get(ex_id, ())) == 1:
            part_id = exercises[ex_id][0]
        slot = out.setdefault(ex_id, {})
        if part_id in slot:
            raise ExgenError(f"{source}: answers: two answers for {ex_id}.{part_id}; give each part once")
        slot[part_id] = value

    for key, value in mapping.items():
        field = str(key).strip()
        if isinstance(value, Mapping):
            if "." in field:
                raise ExgenError(f"{source}: answers: {_name(field)} holds a mapping; expected an answer for a part")
            for part_key, part_value in value.items():
                if isinstance(part_value, Mapping):
                    raise ExgenError(f"{source}: answers: {field}.{part_key}: expected text, a number or a "
                                     "list, got a mapping")
                put(field, str(part_key).strip(), part_value, f"{field}.{part_key}")
        elif "." in field:
            ex_id, part_id = field.split(".", 1)
            put(ex_id.strip(), part_id.strip(), value, field)
        else:
            put(field, WHOLE, value, field)
    return {ex: parts for ex, parts in out.items() if parts}


def submission_from_data(doc: Any, *, source: str) -> Submission:
    """Build a Submission from a loaded document ``{student, name?, answers}``.

    Raises:
        ExgenError: the document does not have that form.
    """
    if not isinstance(doc, Mapping):
        raise ExgenError(f"{source}: expected {SUBMISSION_FORM}, got {_shown(doc)}")
    unknown = sorted(str(k) for k in doc if k not in ("student", "name", "answers"))
    if unknown:
        raise ExgenError(f"{source}: unknown field {_name(unknown[0])}; expected student, name and answers")
    if "answers" not in doc:
        raise ExgenError(f"{source}: no 'answers' field; expected {SUBMISSION_FORM}")
    student = _student_id(doc.get("student"), source)
    name = doc.get("name")
    name = " ".join(str(name).split())[:200] if isinstance(name, (str, int)) and not isinstance(name, bool) else None
    return Submission(student=student, answers=normalise_answers(doc["answers"] or {}, source=source),
                      source=source, name=name or None)


def read_submission_file(path: str | Path) -> Submission:
    """Read one student's YAML or JSON submission file.

    ``.json`` files are read as JSON, anything else as YAML (which also reads JSON).

    Raises:
        ExgenError: one line naming the file and what was expected (missing, too large, binary, not
            UTF-8, not YAML/JSON, too deep, or not ``{student, answers}``).
    """
    path = Path(path)
    source = _label(path)
    text = _read_text(path, limit=MAX_SUBMISSION_BYTES, what="submission")
    doc = _load_json(text, source) if path.suffix.lower() == ".json" else _load_yaml(text, source)
    return submission_from_data(_plain(doc, source, [MAX_NODES]), source=source)


#: The headers of a class CSV's student id and name columns, in exgen's language and in each translation
#: (``학번``, ``이름``), so that a class's own spreadsheet needs no renaming.
# Translators: headers a class spreadsheet may give its columns, separated by | (e.g. 학번|학생).
STUDENT_COLUMNS = (NP_("CSV column", "student"), NP_("CSV column", "id"))
# Translators: headers a class spreadsheet may give the students' name column, separated by | (e.g. 이름|성명).
NAME_COLUMNS = (NP_("CSV column", "name"),)


def _column(lowered: list[str], names: tuple[str, ...]) -> int | None:
    """Return the first column whose (casefolded) header is one of ``names`` in any language."""
    for message in names:
        for word in in_every_language(message, context="CSV column"):
            if word.casefold() in lowered:
                return lowered.index(word.casefold())
    return None


def read_class_csv(path: str | Path) -> tuple[list[Submission], list[str]]:
    """Read a class CSV: a header ``student`` (or ``id``), optional ``name``, then one column per
    exercise part (``dot.a``) or single-part exercise (``dot``); one row per student. The student and name
    headers may be in any language exgen has (``학번``, ``이름``).

    Returns:
        (submissions in row order, one-line problems for rows that could not be read).

    Raises:
        ExgenError: the file as a whole is unreadable or has no usable header.
    """
    path = Path(path)
    name = _label(path)
    text = _read_text(path, limit=MAX_CSV_BYTES, what="class CSV")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ExgenError(f"{name}:1: empty file; expected a header like student,name,dot.a,dot.b") from None
    except csv.Error as err:
        raise ExgenError(f"{name}:1: not a CSV file ({err})") from None
    lowered = [h.casefold() for h in header]
    id_col = _column(lowered, STUDENT_COLUMNS)
    if id_col is None:
        raise ExgenError(f"{name}:1: expected a header with a 'student' column, then one column per "
                         "exercise part like dot.a")
    name_col = _column(lowered, NAME_COLUMNS)
    answer_cols = [i for i in range(len(header)) if i not in (id_col, name_col)]
    for i in answer_cols:
        if not header[i]:
            raise ExgenError(f"{name}:1: column {i + 1} has no header; expected an exercise part like dot.a")
    if len(answer_cols) > MAX_CSV_COLUMNS:
        raise ExgenError(f"{name}:1: {len(answer_cols):,} answer columns; at most {MAX_CSV_COLUMNS:,}")
    counts = Counter(header[i] for i in answer_cols)
    dupes = sorted(h for h, n in counts.items() if n > 1)
    if dupes:
        raise ExgenError(f"{name}:1: column {_name(dupes[0])} appears twice")
    subs: list[Submission] = []
    problems: list[str] = []
    end = reader.line_num
    cells = 0
    try:
        for row in reader:
            line, end = end + 1, reader.line_num  # the row's first line: a quoted cell may span lines
            source = f"{name}:{line}"
            if not any(cell.strip() for cell in row):
                continue
            cells += len(row)
            if len(subs) + len(problems) >= MAX_CSV_ROWS or cells > MAX_CSV_CELLS:
                problems.append(f"{source}: more than {MAX_CSV_ROWS:,} rows or {MAX_CSV_CELLS:,} cells; the rest is "
                                "not read (split the file)")
                break
            if len(row) != len(header):
                problems.append(f"{source}: expected {len(header)} columns as in the header, got {len(row)}")
                continue
            try:
                if not row[id_col].strip():
                    raise ExgenError(f"{source}: column 'student' is empty; expected an id like s001")
                student = _student_id(row[id_col], source)
                answers = normalise_answers({header[i]: row[i] for i in answer_cols}, source=source)
            except ExgenError as err:
                problems.append(str(err))
                continue
            sname = " ".join(row[name_col].split())[:200] if name_col is not None else ""
            subs.append(Submission(student=student, answers=answers, source=source, name=sname or None))
    except csv.Error as err:
        problems.append(f"{name}:{reader.line_num}: cannot read the rest of the CSV ({err})")
    return subs, problems


class Item:
    """One thing to read, in the order submissions are read: a file (``path``), a ``Submission`` given as
    it is (``submission``), or a problem found while listing a folder (``problem``)."""

    __slots__ = ("path", "submission", "problem")

    def __init__(self, path: Path | None = None, submission: Submission | None = None, problem: str | None = None):
        self.path, self.submission, self.problem = path, submission, problem

    def __reduce__(self) -> tuple:
        return Item, (self.path, self.submission, self.problem)


def list_items(paths: Iterable[str | Path | Submission]) -> list[Item]:
    """List what :func:`read_submissions` reads, without reading it: each file (folders walked recursively,
    sorted, hidden entries skipped) and each problem met on the way, in reading order. Reading the items
    in order (:func:`read_item`) gives exactly what ``read_submissions`` gives; the items can be read by
    different processes or machines (``grade --jobs``, ``--shard``)."""
    items: list[Item] = []
    for given in paths:
        if isinstance(given, Submission):
            items.append(Item(submission=given))
            continue
        path = Path(given)
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            items.append(Item(problem=f"{_label(path)}: no such file"))
            continue
        except OSError as err:
            items.append(Item(problem=f"{_label(path)}: cannot read: {err.strerror or type(err).__name__}"))
            continue
        if not stat.S_ISDIR(mode):
            items.append(Item(path=path))
            continue
        try:
            for file, problem in walk_regular_files(path, limit=MAX_FOLDER_FILES):
                items.append(Item(problem=problem) if problem is not None else Item(path=file))
        except ExgenError as err:
            items.append(Item(problem=str(err)))
    return items


def read_item(item: Item) -> tuple[list[Submission], list[str]]:
    """Read one listed item: (submissions, one line per problem); never raises on bad input."""
    if item.submission is not None:
        return [item.submission], []
    if item.path is not None:
        return _read_one(item.path)
    return [], [item.problem or "unreadable item"]


def read_path(path: str | Path) -> tuple[list[Submission], list[str]]:
    """Read a submission file, a class CSV (``.csv``) or a folder of them (recursively, sorted; hidden
    files skipped). A symbolic link, FIFO or device, given or found in a folder, is reported and never
    opened; a linked folder is never entered.

    Returns:
        (submissions in a stable order, one line per item that could not be read).
    """
    return read_submissions([path])


def _read_one(path: Path) -> tuple[list[Submission], list[str]]:
    try:
        if path.suffix.lower() == ".csv":
            return read_class_csv(path)
        return [read_submission_file(path)], []
    except ExgenError as err:
        return [], [str(err)]


def read_submissions(paths: Iterable[str | Path]) -> tuple[list[Submission], list[str]]:
    """Read every path (files, class CSVs, folders) in the order given.

    Returns:
        (all submissions, one line per item that could not be read); never raises on bad input.
    """
    subs: list[Submission] = []
    problems: list[str] = []
    for item in list_items(paths):
        more, bad = read_item(item)
        subs.extend(more)
        problems.extend(bad)
    return subs, problems
