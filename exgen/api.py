"""The ``generate`` verb: a bank and a class list -> worksheets, keys and ``answer_key.json``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from exgen.bank.roster import Student
from exgen.bank.spec import BankSpec
from exgen.build.keyfile import build_key, dumps
from exgen.build.pipeline import bank_info, build_student
from exgen.outputs import OutputDir
from exgen.render.documents import FORMATS, document_assets, render_class, render_document


@dataclass
class GenerateResult:
    """What a run wrote, for the CLI's summary."""

    files: list[str] = field(default_factory=list)
    students: int = 0


def document_names(student_id: str, fmt: str) -> tuple[str, str]:
    """Return the relative paths of a student's worksheet and key in a format."""
    ext = FORMATS[fmt].ext if fmt in FORMATS else fmt  # "pdf" is compiled from the LaTeX documents
    return f"{fmt}/{student_id}-worksheet.{ext}", f"{fmt}/{student_id}-key.{ext}"


CLASS_PDFS = ("pdf/class-worksheets.pdf", "pdf/class-keys.pdf")


def generate(bank: BankSpec, students: Sequence[Student], *, seed: int, formats: Sequence[str], out: OutputDir,
             progress: Callable[[int], None] | None = None, combined: bool = False) -> GenerateResult:
    """Generate every student's instances and write every document plus ``answer_key.json``.

    Args:
        bank: the validated bank.
        students: the class, in roster order.
        seed: the bank seed (or the command line's override).
        formats: keys of ``exgen.render.FORMATS``, or ``pdf`` (LaTeX compiled by ``exgen.render.pdf``).
        out: the output folder (checked for existing files before anything is written).
        progress: called with 1 after each student.
        combined: also write one PDF of all worksheets and one of all keys (``CLASS_PDFS``).

    Returns:
        The written files (relative to the output folder) and the number of students.
    """
    planned = ["answer_key.json"] + [n for s in students for f in formats for n in document_names(s.id, f)]
    planned += list(CLASS_PDFS) if combined else []
    out.check_free(planned)
    if "pdf" in formats or combined:
        from exgen.render.pdf import find_engine

        find_engine()  # before anything is written
    info = bank_info(bank)
    result = GenerateResult()
    key_students = []
    pdf_jobs: list[tuple[str, str]] = []
    for student in students:
        instances = build_student(bank, seed=seed, student_id=student.id)
        key_students.append((student.to_dict(), instances))
        for fmt in formats:
            for name, is_key in zip(document_names(student.id, fmt), (False, True)):
                text = render_document(fmt="tex" if fmt == "pdf" else fmt, key=is_key, bank=info,
                                       student=student.to_dict(), instances=instances)
                if fmt == "pdf":
                    pdf_jobs.append((name, text))
                    continue
                out.write(name, text)
                result.files.append(name)
                for asset, content in document_assets(fmt=fmt, key=is_key, student=student.to_dict(),
                                                      instances=instances).items():
                    out.write(f"{fmt}/{asset}", content)
                    result.files.append(f"{fmt}/{asset}")
        result.students += 1
        if progress:
            progress(1)
    if combined:
        pdf_jobs += [(name, render_class(key=is_key, bank=info, documents=key_students))
                     for name, is_key in zip(CLASS_PDFS, (False, True))]
    if pdf_jobs:
        from exgen.render.pdf import compile_many

        for (name, _), data in zip(pdf_jobs, compile_many(pdf_jobs)):
            out.write(name, data)
            result.files.append(name)
    out.write("answer_key.json", dumps(build_key(bank=info, seed=seed, students=key_students)))
    result.files.append("answer_key.json")
    return result
