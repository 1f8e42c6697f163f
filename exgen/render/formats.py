"""The document formats ``generate`` writes: md, tex, html, and pdf (the LaTeX text compiled by pdflatex).

One registry, ``DOCUMENT_FORMATS``, says for each format where its files go, which template format renders
its text (``exgen.render.documents.FORMATS``) and, for a compiled format, what turns that text into bytes.
This module imports nothing heavy, so the command line can list the formats without loading the renderer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


def _pdf_check() -> None:
    from exgen.render.pdf import find_engine

    find_engine()


def _pdf_compile(jobs: Sequence[tuple[str, str]]) -> list[bytes]:
    from exgen.render.pdf import compile_many

    return compile_many(jobs)


@dataclass(frozen=True)
class Compiler:
    """Turns rendered text into a document's bytes; ``check`` fails early (before anything is written)
    when the program it needs is missing."""

    check: Callable[[], None]
    compile: Callable[[Sequence[tuple[str, str]]], list[bytes]]


PDFLATEX = Compiler(check=_pdf_check, compile=_pdf_compile)


@dataclass(frozen=True)
class DocumentFormat:
    """One format a user can ask for: its folder and extension, its template format, its compiler."""

    name: str
    ext: str
    template: str
    help: str
    compiler: Compiler | None = None

    def paths(self, student_id: str) -> tuple[str, str]:
        """Return the worksheet's and the key's path, relative to the output folder."""
        return f"{self.name}/{student_id}-worksheet.{self.ext}", f"{self.name}/{student_id}-key.{self.ext}"


DOCUMENT_FORMATS: dict[str, DocumentFormat] = {
    "md": DocumentFormat("md", "md", "md", "Markdown"),
    "tex": DocumentFormat("tex", "tex", "tex", "LaTeX"),
    "html": DocumentFormat("html", "html", "html", "offline HTML"),
    "pdf": DocumentFormat("pdf", "pdf", "tex", "the LaTeX compiled; needs pdflatex", compiler=PDFLATEX),
}
#: The whole class in one worksheet and one key document (``generate --combined``): LaTeX, compiled to PDF.
CLASS_DOCUMENTS = ("pdf/class-worksheets.pdf", "pdf/class-keys.pdf")
CLASS_COMPILER = PDFLATEX
