"""Rosters: a UTF-8 CSV with a header ``id,name``; ids become file names, so they are checked."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from exgen.bank.files import read_regular_file, shown
from exgen.errors import ExgenError
from exgen.i18n import NP_, _, in_every_language

STUDENT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
MAX_ROSTER_BYTES = 5_000_000
MAX_NAME_CHARS = 200
#: Most students in one roster (the same bound as ``exgen generate --count``).
MAX_STUDENTS = 100_000
#: Most problems listed for one roster; a file that is not a roster at all would otherwise print thousands.
MAX_PROBLEMS = 50
# Control characters other than whitespace (NUL, ESC, DEL, C1): nothing a name needs, and they would be
# copied into every document format.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


class Student:
    """One student of a roster: an id (safe as a file name) and the name printed on their pages.

    Immutable and hashable; a plain class because a dataclass costs every graded submission's start-up
    about a millisecond to build.
    """

    __slots__ = ("id", "name")
    id: str
    name: str

    def __init__(self, id: str, name: str):
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "name", name)

    def __setattr__(self, attr: str, value: object) -> None:
        raise AttributeError(f"Student is immutable: cannot set {attr!r}")

    def __eq__(self, other: object) -> bool:
        return type(other) is Student and (self.id, self.name) == (other.id, other.name)

    def __hash__(self) -> int:
        return hash((self.id, self.name))

    def __repr__(self) -> str:
        return f"Student(id={self.id!r}, name={self.name!r})"

    def __reduce__(self) -> tuple:
        return (Student, (self.id, self.name))

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name}


def check_student_id(student_id: str) -> str | None:
    """Return a problem with ``student_id`` as a file name, or None when it is safe."""
    if not STUDENT_ID_RE.match(student_id) or student_id.endswith(".") or ".." in student_id:
        return ("student id is not safe as a file name; use letters, digits and . _ @ + - "
                "(at most 64, starting with a letter or digit)")
    return None


def numbered(count: int) -> list[Student]:
    """Return ``count`` anonymous students ``student-001`` ... for ``--count``, named in the running language."""
    width = max(3, len(str(count)))
    # Translators: the name printed on the worksheet of an anonymous student (exgen generate --count).
    name = _("Student %(number)d")
    return [Student(f"student-{i:0{width}d}", name % {"number": i}) for i in range(1, count + 1)]


# The header words of a roster's columns, in exgen's language and in each translation (학번,이름).
# Translators: headers a roster may give its student id column, separated by | (e.g. 학번|아이디).
ID_COLUMN = NP_("CSV column", "id")
# Translators: headers a roster may give its students' name column, separated by | (e.g. 이름|성명).
NAME_COLUMN = NP_("CSV column", "name")


def _column(header: list[str], message: str) -> int | None:
    """Return the first column whose (casefolded) header is ``message`` in some language, or None."""
    for word in in_every_language(message, context="CSV column"):
        if word.casefold() in header:
            return header.index(word.casefold())
    return None


def read_roster(path: str | Path) -> list[Student]:
    """Read a roster CSV (a regular file of at most ``MAX_ROSTER_BYTES``; links, FIFOs and devices are refused).

    The header names the columns ``id`` and ``name``, in English or in a language exgen has (``학번,이름``).

    Raises:
        ExgenError: with every problem found, one per line (``roster.csv:4: ...``); messages never quote
            the file's content beyond the id column's position.
    """
    path = Path(path)
    name = shown(path.name)
    data = read_regular_file(path, limit=MAX_ROSTER_BYTES, what="roster (CSV with a header id,name)", label=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ExgenError(f"{name}:{line}: the roster is not UTF-8 text") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().casefold() for h in next(rows)]
    except StopIteration:
        raise ExgenError(f"{name}:1: the roster is empty; expected a header line 'id,name'") from None
    except csv.Error:
        raise ExgenError(f"{name}:1: expected a header line 'id,name'; this line is not CSV") from None
    id_col, name_col = _column(header, ID_COLUMN), _column(header, NAME_COLUMN)
    if id_col is None or name_col is None:
        raise ExgenError(f"{name}:1: expected a header with columns id and name, such as 'id,name'")
    problems: list[str] = []
    students: list[Student] = []
    seen: dict[str, int] = {}
    line_no, end = 1, rows.line_num
    try:
        for row in rows:
            line_no, end = end + 1, rows.line_num  # the row's first line: a quoted cell may span lines
            if len(problems) >= MAX_PROBLEMS:
                problems.append(f"{name}: more problems not listed (stopped after {MAX_PROBLEMS})")
                break
            if not any(cell.strip() for cell in row):
                continue
            if len(students) >= MAX_STUDENTS:
                problems.append(f"{name}:{line_no}: more than {MAX_STUDENTS:,} students; split the roster")
                break
            bad = _row_problems(row, header, id_col, name_col, seen)
            if bad:
                problems.extend(f"{name}:{line_no}: {p}" for p in bad)
                continue
            sid, sname = row[id_col].strip(), " ".join(row[name_col].split())
            seen[sid] = line_no
            students.append(Student(sid, sname))
    except csv.Error:
        # e.g. a field over the csv module's 131,072-character limit, or a quote left open
        problems.append(f"{name}:{rows.line_num or line_no}: not a CSV line (a field longer than "
                        f"{csv.field_size_limit():,} characters or a quote left open); expected id,name")
    if problems:
        raise ExgenError("\n".join(problems))
    if not students:
        raise ExgenError(f"{name}: the roster has no students")
    return students


def _row_problems(row: list[str], header: list[str], id_col: int, name_col: int,
                  seen: dict[str, int]) -> list[str]:
    if len(row) <= max(id_col, name_col):
        return [f"expected {len(header)} columns, got {len(row)}"]
    sid, sname = row[id_col].strip(), " ".join(row[name_col].split())
    problem = check_student_id(sid)
    if problem:
        return [problem]
    if sid in seen:
        return [f"duplicate student id {sid!r} (first on line {seen[sid]})"]  # a checked, plain id
    if not sname or len(sname) > MAX_NAME_CHARS:
        return [f"student {sid}: expected a name of 1 to {MAX_NAME_CHARS} characters"]
    if _CONTROL.search(sname):
        return [f"student {sid}: the name holds a control character (such as NUL or ESC); expected printable text"]
    return []
