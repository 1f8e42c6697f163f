"""Reading students' submissions: one YAML/JSON file per student, a class CSV, or a folder of them.

Everything read here is untrusted. Files are size-checked before they are read, YAML is read with
``safe_load`` after a pass over its events that bounds nesting depth and aliases, and the loaded data is
walked once more with a bound on its expanded size (so a "billion laughs" file cannot blow up later).
Every problem becomes an :class:`~exgen.errors.ExgenError` with one line naming the file (and the line or
field) and what was expected; readers of many items return the problems and go on.

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
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exgen.errors import ExgenError

#: Largest submission file read (checked with ``stat`` before reading).
MAX_SUBMISSION_BYTES = 5_000_000
#: Largest class CSV read.
MAX_CSV_BYTES = 20_000_000
#: Deepest nesting of mappings and lists in a submission file (answers need 4 or 5 levels).
MAX_DEPTH = 32
#: Most values in a loaded submission after aliases are expanded.
MAX_NODES = 200_000
#: Most YAML aliases (``*name``) in one file.
MAX_ALIASES = 100
#: Longest student id accepted in a submission.
MAX_STUDENT_CHARS = 200
#: Most files taken from one folder.
MAX_FOLDER_FILES = 100_000
#: Part id under which an answer to a whole (single-part) exercise is kept until the parts are known.
WHOLE = "*"

SUBMISSION_FORM = "a mapping with 'student: <id>' and 'answers:' (exercise id or id.part -> answer)"


@dataclass(frozen=True)
class Submission:
    """One student's answers as read from a file or a CSV row.

    ``answers`` maps exercise id -> part id -> raw answer (text, number, boolean or nested lists);
    ``source`` names where it came from (``s001.yaml`` or ``class.csv:4``) for messages.
    """

    student: str | None
    answers: dict[str, dict[str, Any]]
    source: str
    name: str | None = None


def _shown(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _label(path: Path) -> str:
    return str(path)


# -- loading JSON and YAML safely -------------------------------------------------------------------


_NESTING_TOKENS = re.compile(r"""[][{}\n#'"\\]""")


def _nesting_guard(text: str, source: str) -> None:
    """Bound bracket nesting in one pass over the raw text, before any YAML parser sees it.

    PyYAML's C parser stops deep nesting with its own message in some releases and not in others; this
    scan makes the message ours whatever version is installed. Quoted text and comments are skipped, so
    brackets inside an answer's string do not count.
    """
    depth = line = 0
    quote = ""
    skip_to = -1
    for match in _NESTING_TOKENS.finditer(text):
        i, ch = match.start(), match.group()
        if i < skip_to:
            continue
        if ch == "\n":
            line += 1
        elif quote:
            if ch == "\\" and quote == '"':
                skip_to = i + 2  # an escaped character inside a double-quoted string
            elif ch == quote:
                if quote == "'" and text.startswith("''", i):
                    skip_to = i + 2  # '' is a quote inside a single-quoted string
                else:
                    quote = ""
        elif ch in "'\"":
            if i == 0 or text[i - 1] in " \t\n[{,:-":
                quote = ch
        elif ch == "#":
            if i == 0 or text[i - 1] in " \t\n":
                end = text.find("\n", i)
                skip_to = len(text) if end < 0 else end
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExgenError(f"{source}:{line + 1}: nested deeper than {MAX_DEPTH} levels; "
                                 "answers are text, numbers or lists of lists")
        elif ch in "]}":
            depth = max(depth - 1, 0)


def _yaml_guard(text: str, source: str) -> None:
    """Walk the YAML event stream once: bound nesting depth and aliases before anything is built."""
    import yaml

    _nesting_guard(text, source)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = aliases = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise ExgenError(f"{source}:{line}: nested deeper than {MAX_DEPTH} levels; "
                                 "answers are text, numbers or lists of lists")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ExgenError(f"{source}: more than {MAX_ALIASES} YAML aliases (*name); write answers out")


def _load_yaml(text: str, source: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        _yaml_guard(text, source)
        docs = list(yaml.load_all(text, Loader=loader))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ExgenError(f"{source}{where}: not valid YAML ({err.problem or err.context or 'syntax error'}); "
                         f"expected {SUBMISSION_FORM}") from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as err:
        raise ExgenError(f"{source}: not valid YAML ({type(err).__name__}: {_shown(str(err), 80)}); "
                         f"expected {SUBMISSION_FORM}") from None
    if not docs:
        raise ExgenError(f"{source}: empty file; expected {SUBMISSION_FORM}")
    if len(docs) != 1:
        raise ExgenError(f"{source}: expected one YAML document, found {len(docs)}")
    return docs[0]


def _load_json(text: str, source: str) -> Any:
    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number here")

    try:
        return json.loads(text, parse_constant=no_constant)
    except json.JSONDecodeError as err:
        raise ExgenError(f"{source}:{err.lineno}: not valid JSON ({err.msg}); expected {SUBMISSION_FORM}") from None
    except RecursionError:
        raise ExgenError(f"{source}: nested too deeply; answers are text, numbers or lists of lists") from None
    except (ValueError, TypeError, OverflowError) as err:
        raise ExgenError(f"{source}: not valid JSON ({_shown(str(err), 80)})") from None


def _plain(value: Any, source: str, budget: list[int], depth: int = 0) -> Any:
    """Return a JSON-native copy (str keys; dates etc. as text), bounding depth and expanded size."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ExgenError(f"{source}: too many values (more than {MAX_NODES} after expanding aliases)")
    if depth > MAX_DEPTH:
        raise ExgenError(f"{source}: nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, Mapping):
        return {str(k): _plain(v, source, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_plain(v, source, budget, depth + 1) for v in items]
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**1000 else math.inf  # read as "not a finite number" by the kinds
    if isinstance(value, float):
        return value
    if isinstance(value, (bytes, bytearray)):
        raise ExgenError(f"{source}: binary data (!!binary) is not an answer; write answers as text")
    return str(value)  # YAML dates and timestamps: keep what the student typed, as text


def _read_text(path: Path, *, limit: int, what: str) -> str:
    source = _label(path)
    try:
        if not path.is_file():
            raise ExgenError(f"{path}: not a file" if path.exists() else f"{path}: no such file")
        size = path.stat().st_size
        if size > limit:
            raise ExgenError(f"{source}: too large ({size:,} bytes; a {what} is at most {limit:,} bytes)")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise ExgenError(f"{path}: cannot read: {err.strerror or err}") from None
    if len(data) > limit:
        raise ExgenError(f"{source}: too large (a {what} is at most {limit:,} bytes)")
    if b"\x00" in data:
        raise ExgenError(f"{source}: binary data, not a text file; expected a {what} (UTF-8 YAML, JSON or CSV)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ExgenError(f"{source}:{line}: not UTF-8 text; expected a {what}") from None


# -- normalising ----------------------------------------------------------------------------------


def _student_id(raw: Any, source: str) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ExgenError(f"{source}: field 'student': expected an id like s001, got {_shown(raw)}")
    text = str(raw).strip()
    if not text or len(text) > MAX_STUDENT_CHARS or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ExgenError(f"{source}: field 'student': expected an id of 1 to {MAX_STUDENT_CHARS} printable "
                         f"characters, got {_shown(text)}")
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
            raise ExgenError(f"{source}: answers: {field!r} is not an exercise id or id.part like dot.a")
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
                raise ExgenError(f"{source}: answers: {field!r} holds a mapping; expected an answer for a part")
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
        raise ExgenError(f"{source}: unknown field {unknown[0]!r}; expected student, name and answers")
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


def read_class_csv(path: str | Path) -> tuple[list[Submission], list[str]]:
    """Read a class CSV: a header ``student`` (or ``id``), optional ``name``, then one column per
    exercise part (``dot.a``) or single-part exercise (``dot``); one row per student.

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
    lowered = [h.lower() for h in header]
    id_col = next((lowered.index(c) for c in ("student", "id") if c in lowered), None)
    if id_col is None:
        raise ExgenError(f"{name}:1: expected a header with a 'student' column, then one column per "
                         f"exercise part like dot.a; got {','.join(header)[:80]!r}")
    name_col = lowered.index("name") if "name" in lowered else None
    answer_cols = [i for i in range(len(header)) if i not in (id_col, name_col)]
    for i in answer_cols:
        if not header[i]:
            raise ExgenError(f"{name}:1: column {i + 1} has no header; expected an exercise part like dot.a")
    dupes = sorted({header[i] for i in answer_cols if [header[j] for j in answer_cols].count(header[i]) > 1})
    if dupes:
        raise ExgenError(f"{name}:1: column {dupes[0]!r} appears twice")
    subs: list[Submission] = []
    problems: list[str] = []
    try:
        for row in reader:
            line = reader.line_num
            source = f"{name}:{line}"
            if not any(cell.strip() for cell in row):
                continue
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


def _folder_files(folder: Path) -> list[Path]:
    files: list[Path] = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        files.append(path)
        if len(files) > MAX_FOLDER_FILES:
            raise ExgenError(f"{folder}: more than {MAX_FOLDER_FILES} files")
    return files


def read_path(path: str | Path) -> tuple[list[Submission], list[str]]:
    """Read a submission file, a class CSV (``.csv``) or a folder of them (recursively, sorted; hidden
    files skipped).

    Returns:
        (submissions in a stable order, one line per item that could not be read).
    """
    path = Path(path)
    try:
        is_dir = path.is_dir()
    except OSError as err:
        return [], [f"{path}: cannot read: {err.strerror or err}"]
    if is_dir:
        try:
            files = _folder_files(path)
        except ExgenError as err:
            return [], [str(err)]
        except OSError as err:
            return [], [f"{path}: cannot list the folder: {err.strerror or err}"]
        return read_submissions(files)
    return _read_one(path)


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
    for path in paths:
        more, bad = read_path(path)
        subs.extend(more)
        problems.extend(bad)
    return subs, problems
