"""Rosters: a UTF-8 CSV with a header ``id,name``; ids become file names, so they are checked."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from exgen.errors import ExgenError

STUDENT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
MAX_ROSTER_BYTES = 5_000_000
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class Student:
    id: str
    name: str

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name}


def check_student_id(student_id: str) -> str | None:
    """Return a problem with ``student_id`` as a file name, or None when it is safe."""
    if not STUDENT_ID_RE.match(student_id) or student_id.endswith(".") or ".." in student_id:
        return (f"student id {student_id[:40]!r} is not safe as a file name; use letters, digits and . _ @ + - "
                "(at most 64, starting with a letter or digit)")
    return None


def numbered(count: int) -> list[Student]:
    """Return ``count`` anonymous students ``student-001`` ... for ``--count``."""
    width = max(3, len(str(count)))
    return [Student(f"student-{i:0{width}d}", f"Student {i}") for i in range(1, count + 1)]


def read_roster(path: str | Path) -> list[Student]:
    """Read a roster CSV.

    Raises:
        ExgenError: with every problem found, one per line (``roster.csv:4: ...``).
    """
    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ExgenError(f"{name}: cannot read the roster: {err.strerror or err}") from None
    if len(data) > MAX_ROSTER_BYTES:
        raise ExgenError(f"{name}: roster is too large ({len(data)} bytes; at most {MAX_ROSTER_BYTES})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ExgenError(f"{name}:{line}: the roster is not UTF-8 text") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(rows)]
    except StopIteration:
        raise ExgenError(f"{name}:1: the roster is empty; expected a header line 'id,name'") from None
    if "id" not in header or "name" not in header:
        raise ExgenError(f"{name}:1: expected a header with columns id and name, got {','.join(header)[:80]!r}")
    id_col, name_col = header.index("id"), header.index("name")
    problems: list[str] = []
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line_no, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(id_col, name_col):
            problems.append(f"{name}:{line_no}: expected {len(header)} columns, got {len(row)}")
            continue
        sid, sname = row[id_col].strip(), " ".join(row[name_col].split())
        problem = check_student_id(sid)
        if problem:
            problems.append(f"{name}:{line_no}: {problem}")
        elif sid in seen:
            problems.append(f"{name}:{line_no}: duplicate student id {sid!r} (first on line {seen[sid]})")
        elif not sname or len(sname) > MAX_NAME_CHARS:
            problems.append(f"{name}:{line_no}: student {sid}: expected a name of 1 to {MAX_NAME_CHARS} characters")
        else:
            seen[sid] = line_no
            students.append(Student(sid, sname))
    if problems:
        raise ExgenError("\n".join(problems))
    if not students:
        raise ExgenError(f"{name}: the roster has no students")
    return students
