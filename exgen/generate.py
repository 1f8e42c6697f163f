"""The ``generate`` verb: a bank and a class list -> worksheets, keys and ``answer_key.json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from exgen.keyfile import build_key, dumps
from exgen.outputs import OutputDir
from exgen.pipeline import bank_info, build_student
from exgen.render import FORMATS, render_document
from exgen.roster import Student
from exgen.spec import BankSpec


@dataclass
class GenerateResult:
    """What a run wrote, for the CLI's summary."""

    files: list[str] = field(default_factory=list)
    students: int = 0


def document_names(student_id: str, fmt: str) -> tuple[str, str]:
    """Return the relative paths of a student's worksheet and key in a format."""
    ext = FORMATS[fmt].ext
    return f"{fmt}/{student_id}-worksheet.{ext}", f"{fmt}/{student_id}-key.{ext}"


def generate(bank: BankSpec, students: Sequence[Student], *, seed: int, formats: Sequence[str], out: OutputDir,
             progress: Callable[[int], None] | None = None) -> GenerateResult:
    """Generate every student's instances and write every document plus ``answer_key.json``.

    Args:
        bank: the validated bank.
        students: the class, in roster order.
        seed: the bank seed (or the command line's override).
        formats: keys of ``exgen.render.FORMATS``.
        out: the output folder (checked for existing files before anything is written).
        progress: called with 1 after each student.

    Returns:
        The written files (relative to the output folder) and the number of students.
    """
    planned = ["answer_key.json"] + [n for s in students for f in formats for n in document_names(s.id, f)]
    out.check_free(planned)
    info = bank_info(bank)
    result = GenerateResult()
    key_students = []
    for student in students:
        instances = build_student(bank, seed=seed, student_id=student.id)
        key_students.append((student.to_dict(), instances))
        for fmt in formats:
            for name, is_key in zip(document_names(student.id, fmt), (False, True)):
                out.write(name, render_document(fmt=fmt, key=is_key, bank=info, student=student.to_dict(),
                                                instances=instances))
                result.files.append(name)
        result.students += 1
        if progress:
            progress(1)
    out.write("answer_key.json", dumps(build_key(bank=info, seed=seed, students=key_students)))
    result.files.append("answer_key.json")
    return result
