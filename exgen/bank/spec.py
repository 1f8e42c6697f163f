"""Bank files: load YAML, validate every field, and report every problem as ``file:line: field: ...``."""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exgen.answers.tolerance import MAX_DECIMALS, MAX_SIGNIFICANT
from exgen.bank.files import read_regular_file
from exgen.bank.files import shown as shown_path
from exgen.bank.yamlsrc import MAX_BANK_BYTES, Located, load_located
from exgen.errors import BankError, ExgenError
from exgen.i18n import SOURCE_LANGUAGE, languages
from exgen.types import all_types, unknown_type_message
from exgen.types.params import shown

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
BANK_KEYS = ("bank", "title", "seed", "language", "course", "grading", "print", "exercises")
EXERCISE_KEYS = ("id", "type", "title", "points", "params", "grading", "plot")
COURSE_KEYS = ("name", "code", "term", "instructor", "institution", "date", "instructions")
GRADING_KEYS = ("tolerance", "decimals", "significant_figures", "partial_credit", "reveal_answer")
PRINT_KEYS = ("cover",)
MAX_SEED = 2**63 - 1
MAX_POINTS = 1000
PART_ID_RE = re.compile(r"^[a-z]{1,2}$")
#: Most exercises in one bank: every student gets every exercise (40,000 took 67 s and 1.35 GB per student).
MAX_EXERCISES = 1_000
# control characters other than tab and line breaks: they would be copied into every document format
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class ExerciseSpec:
    """One validated exercise entry of a bank.

    ``points`` is the exercise's total (None: one per part); ``part_points`` each part's points when the
    bank gives them (a tuple in part order or a mapping by part id; ``points`` is then their sum).
    """

    id: str
    type: str
    title: str | None
    points: float | None
    params: Mapping[str, Any]
    grading: Mapping[str, Any] = field(default_factory=dict)
    plot: bool = False
    part_points: tuple[float, ...] | Mapping[str, float] | None = None
    points_at: str = ""  # "file:line: exercises[i].points", for messages about per-part points


@dataclass(frozen=True)
class BankSpec:
    """A validated bank; ``source`` is the file it was read from (as given to ``load_bank``)."""

    id: str
    title: str
    seed: int
    course: Mapping[str, str]
    exercises: tuple[ExerciseSpec, ...]
    source: str = ""
    #: ``print: {cover: true}``: LaTeX/PDF documents begin with a cover page.
    cover: bool = False
    #: The language of the documents, keys and feedback (``language: ko``; ``exgen.i18n.languages()``).
    language: str = SOURCE_LANGUAGE


def _path_text(path: tuple) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top level)"


class _Checker:
    def __init__(self, name: str, located: Located):
        self.name = name
        self.located = located
        self.problems: list[str] = []

    def report(self, path: tuple, message: str) -> None:
        self.problems.append(f"{self.name}:{self.located.line(path)}: {_path_text(path)}: {message}")

    def expect_keys(self, value: Mapping, path: tuple, allowed: tuple[str, ...]) -> None:
        for key in value:
            if key not in allowed:
                self.report(path + (key,), f"unknown field; expected one of {', '.join(allowed)}")

    def text(self, value: Any, path: tuple, *, required: bool, limit: int = 200) -> str | None:
        if value is None:
            if required:
                self.report(path, "missing; expected text")
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            self.report(path, f"expected non-empty text of at most {limit} characters, got {shown(value)}")
            return None
        if _CONTROL.search(value):
            self.report(path, "the text holds a control character (such as NUL or ESC, written as an escape); "
                              "expected printable text")
            return None
        return value

    def print_options(self, value: Any, path: tuple) -> bool:
        """Return ``cover`` of the bank's ``print`` mapping (the options of printed documents)."""
        if value is None:
            return False
        if not isinstance(value, dict):
            self.report(path, f"expected a mapping with {', '.join(PRINT_KEYS)}, got {shown(value)}")
            return False
        self.expect_keys(value, path, PRINT_KEYS)
        cover = value.get("cover", False)
        if not isinstance(cover, bool):
            self.report(path + ("cover",), f"expected true or false, got {shown(cover)}")
            return False
        return cover

    def grading(self, value: Any, path: tuple) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.report(path, f"expected a mapping with {', '.join(GRADING_KEYS)}, got {shown(value)}")
            return {}
        self.expect_keys(value, path, GRADING_KEYS)
        out: dict = {}
        tol = value.get("tolerance")
        if tol is not None:
            ok = (isinstance(tol, dict) and tol and set(tol) <= {"abs", "rel"}
                  and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1e6
                          for v in tol.values()))
            if ok:
                out["tolerance"] = {k: float(v) for k, v in tol.items()}
            else:
                self.report(path + ("tolerance",), f"expected a mapping like {{abs: 0.01, rel: 0.001}} with "
                                                   f"non-negative numbers, got {shown(tol)}")
        for key, lo, hi, meaning in (("decimals", 0, MAX_DECIMALS, "decimal places the worksheet asks for"),
                                     ("significant_figures", 1, MAX_SIGNIFICANT, "significant figures")):
            if key in value:
                raw = value[key]
                if isinstance(raw, int) and not isinstance(raw, bool) and lo <= raw <= hi:
                    out[key] = raw
                else:
                    self.report(path + (key,), f"expected a whole number of {meaning} from {lo} to {hi}, "
                                               f"got {shown(raw)}")
        for flag in ("partial_credit", "reveal_answer"):
            if flag in value:
                if isinstance(value[flag], bool):
                    out[flag] = value[flag]
                else:
                    self.report(path + (flag,), f"expected true or false, got {shown(value[flag])}")
        return out


def validate_bank(located: Located, *, name: str) -> tuple[BankSpec | None, list[str]]:
    """Validate a parsed bank; return (spec or None, every problem found)."""
    check = _Checker(name, located)
    doc = located.value
    if not isinstance(doc, dict):
        check.report((), f"expected a mapping with {', '.join(BANK_KEYS)}, got {shown(doc)}")
        return None, check.problems
    check.expect_keys(doc, (), BANK_KEYS)
    bank_id = doc.get("bank")
    if bank_id is None:
        check.report(("bank",), "missing; expected a bank id like week1-basics")
    elif not isinstance(bank_id, str) or not ID_RE.match(bank_id):
        check.report(("bank",), f"expected an id of letters, digits, '-' and '_' (at most 64), got {shown(bank_id)}")
    title = check.text(doc.get("title"), ("title",), required=True)
    seed = doc.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        check.report(("seed",), f"expected an integer in [0, 2^63-1], got {shown(seed)}")
        seed = 0
    lang = doc.get("language", SOURCE_LANGUAGE)
    if lang not in languages():
        check.report(("language",), f"expected one of {', '.join(languages())}, got {shown(lang)}")
        lang = SOURCE_LANGUAGE
    course: dict[str, str] = {}
    raw_course = doc.get("course")
    if raw_course is not None:
        if not isinstance(raw_course, dict):
            check.report(("course",), f"expected a mapping of {', '.join(COURSE_KEYS)}, got {shown(raw_course)}")
        else:
            check.expect_keys(raw_course, ("course",), COURSE_KEYS)
            for key in COURSE_KEYS:
                if key in raw_course:
                    raw = raw_course[key]
                    # YAML reads 101 as a number; it is fine as header text (dates stay text in exgen's YAML).
                    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                        raw = str(raw)
                    val = check.text(raw, ("course", key), required=False, limit=2000)
                    if val is not None and not _calendar_date_ok(val):
                        check.report(("course", key), f"{val} is not a date of the calendar; expected YYYY-MM-DD "
                                                      "(or any text that does not look like a date)")
                        val = None
                    if val is not None:
                        course[key] = val
    cover = check.print_options(doc.get("print"), ("print",))
    bank_grading = check.grading(doc.get("grading"), ("grading",))
    exercises = _validate_exercises(check, doc.get("exercises"), bank_grading)
    if check.problems or not isinstance(bank_id, str) or title is None:
        return None, _by_line(check.problems)
    return BankSpec(id=bank_id, title=title, seed=seed, course=course, exercises=tuple(exercises),
                    source=name, cover=cover, language=lang), []


def _calendar_date_ok(text: str) -> bool:
    """False only for text written as an ISO date that no calendar has (``2026-02-30``, ``2026-13-01``)."""
    match = _ISO_DATE.match(text.strip())
    if not match:
        return True
    try:
        datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        return False
    return True


def _by_line(problems: list[str]) -> list[str]:
    """Sort messages by line number, keeping the order of messages on the same line."""
    def line(message: str) -> int:
        try:
            return int(message.split(":", 2)[1])
        except (IndexError, ValueError):
            return 0
    return sorted(problems, key=line)


def _validate_exercises(check: _Checker, raw: Any, bank_grading: dict) -> list[ExerciseSpec]:
    if raw is None:
        check.report(("exercises",), "missing; expected a list of exercises")
        return []
    if not isinstance(raw, list) or not raw:
        check.report(("exercises",), f"expected a non-empty list of exercises, got {shown(raw)}")
        return []
    if len(raw) > MAX_EXERCISES:
        check.report(("exercises",), f"{len(raw):,} exercises; a bank holds at most {MAX_EXERCISES:,} "
                                     "(split it into several banks)")
        return []
    types = all_types()
    seen: dict[str, int] = {}
    out: list[ExerciseSpec] = []
    for i, entry in enumerate(raw):
        path = ("exercises", i)
        if not isinstance(entry, dict):
            check.report(path, f"expected a mapping with id, type and params, got {shown(entry)}")
            continue
        check.expect_keys(entry, path, EXERCISE_KEYS)
        ex_id = entry.get("id")
        if ex_id is None:
            check.report(path + ("id",), "missing; expected an id like dot1")
        elif not isinstance(ex_id, str) or not ID_RE.match(ex_id):
            check.report(path + ("id",), f"expected an id of letters, digits, '-' and '_' (at most 64), "
                                         f"got {shown(ex_id)}")
            ex_id = None
        elif ex_id in seen:
            check.report(path + ("id",), f"duplicate id {ex_id!r} (first used by exercises[{seen[ex_id]}])")
        else:
            seen[ex_id] = i
        type_name = entry.get("type")
        typ = None
        if type_name is None:
            check.report(path + ("type",), "missing; expected one of " + ", ".join(types))
        elif not isinstance(type_name, str) or type_name not in types:
            check.report(path + ("type",), unknown_type_message(type_name))
        else:
            typ = types[type_name]
        title = check.text(entry.get("title"), path + ("title",), required=False)
        points, part_points = _points(check, entry.get("points"), path + ("points",))
        params = entry.get("params", {}) or {}
        resolved: dict = {}
        params_ok = False
        if not isinstance(params, dict):
            check.report(path + ("params",), f"expected a mapping of parameters, got {shown(params)}")
        elif typ is not None:
            resolved, problems = typ.resolve_params(params)
            for key, message in problems:
                check.report(path + ("params", key), message)
            params_ok = not problems
        grading = {**bank_grading, **check.grading(entry.get("grading"), path + ("grading",))}
        if typ is not None and params_ok:
            # parameters that let a common mistake score under the tolerance the checker will use
            for key, message in typ.check_grading(resolved, grading):
                check.report(path + ("params", key), message)
        plot = entry.get("plot", False)
        if not isinstance(plot, bool):
            check.report(path + ("plot",), f"expected true or false, got {shown(plot)}")
            plot = False
        if ex_id and typ is not None:
            where = f"{check.name}:{check.located.line(path + ('points',))}: {_path_text(path + ('points',))}"
            out.append(ExerciseSpec(id=ex_id, type=typ.name, title=title, points=points, params=resolved,
                                    grading=grading, plot=plot, part_points=part_points,
                                    points_at=where if part_points is not None else ""))
    return out


def _number(value: Any) -> float | None:
    """Return a number of points (in (0, 1000], at most 2 decimals), or None."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= MAX_POINTS:
        return None
    return float(value) if abs(value * 100 - round(value * 100)) < 1e-6 else None


_POINTS_FORMS = "a number in (0, 1000] with at most 2 decimals"


def _points(check: _Checker, raw: Any, path: tuple
            ) -> tuple[float | None, tuple[float, ...] | dict[str, float] | None]:
    """Return (total, per-part points) of an exercise's ``points``: a total, a list in part order, or a
    mapping from part id to points."""
    if raw is None:
        return None, None
    if isinstance(raw, list):
        if not raw or len(raw) > 26:
            check.report(path, f"expected 1 to 26 numbers, one per part, got {len(raw)}")
            return None, None
        values = [_number(v) for v in raw]
        for i, (v, got) in enumerate(zip(values, raw)):
            if v is None:
                check.report(path + (i,), f"expected {_POINTS_FORMS}, got {shown(got)}")
        ok = [v for v in values if v is not None]
        return (round(sum(ok), 2), tuple(ok)) if len(ok) == len(values) else (None, None)
    if isinstance(raw, dict):
        out: dict[str, float] = {}
        for key, got in raw.items():
            if not isinstance(key, str) or not PART_ID_RE.match(key):
                check.report(path + (key,), f"expected a part id like a or b, got {shown(key)}")
                continue
            v = _number(got)
            if v is None:
                check.report(path + (key,), f"expected {_POINTS_FORMS}, got {shown(got)}")
            else:
                out[key] = v
        if not raw:
            check.report(path, "expected points for each part, got an empty mapping")
        return (round(sum(out.values()), 2), out) if len(out) == len(raw) and out else (None, None)
    total = _number(raw)
    if total is None:
        check.report(path, f"expected {_POINTS_FORMS}, a list with one per part, or a mapping from part id "
                           f"to points, got {shown(raw)}")
    return total, None


def load_bank(path: str | Path) -> BankSpec:
    """Read and validate a bank file.

    Raises:
        BankError: with every problem, each a one-line ``file:line: field: message``.
    """
    path = Path(path)
    name = shown_path(path.name)
    try:
        data = read_regular_file(path, limit=MAX_BANK_BYTES, what="bank file (YAML)", label=name)
    except ExgenError as err:
        raise BankError([str(err)]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise BankError([f"{name}:{line}: the file is not UTF-8 text"]) from None
    located, problems = load_located(text, name=name)
    if located is None:
        raise BankError(problems)
    spec, more = validate_bank(located, name=name)
    if problems or more or spec is None:
        raise BankError(_by_line(problems + more))
    return dataclasses.replace(spec, source=str(path))  # the file itself, for exports that carry it
