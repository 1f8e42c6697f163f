"""The document formats ``generate`` writes: md, tex, html, and pdf (the LaTeX text compiled by pdflatex).

One registry, ``DOCUMENT_FORMATS``, says for each format where its files go, which template format renders
its text (``exgen.render.documents.FORMATS``) and, for a compiled format, what turns that text into bytes.
This module imports nothing heavy, so the command line can list the formats without loading the renderer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exgen.render.pdf import PdfCompiler


def _pdf_check(texts: Iterable[str] = (), *, assemble: bool = False) -> None:
    from exgen.render.texsetup import check

    check(texts, assemble=assemble)


def _pdf_session(workers: int | None = None) -> PdfCompiler:
    import os

    from exgen.render.pdf import PdfCompiler

    return PdfCompiler(workers=workers or os.cpu_count() or 1)


def _pdf_assemble(parts: Sequence[tuple[Path, int | None]]) -> bytes:
    from exgen.render.pdfjoin import assemble

    return assemble(parts)


@dataclass(frozen=True)
class Compiler:
    """Turns rendered text into a document's bytes.

    - ``check(texts, assemble=...)`` fails early (before anything is written) when a program, package or
      font that documents with those texts need is missing;
    - ``session(workers)`` is a context manager whose ``submit(name, text)`` returns a future of a
      ``Compiled`` (bytes and page count, or a one-line error: a failed document does not stop the others);
    - ``assemble([(file, pages or None), ...])`` joins compiled documents into one (a class PDF).
    """

    check: Callable[..., None]
    session: Callable[[int | None], PdfCompiler]
    assemble: Callable[[Sequence[tuple[Path, int | None]]], bytes]


PDFLATEX = Compiler(check=_pdf_check, session=_pdf_session, assemble=_pdf_assemble)


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
    "pdf": DocumentFormat("pdf", "pdf", "tex", "the LaTeX compiled (pdflatex; xelatex for text outside Latin)", compiler=PDFLATEX),
}
#: The whole class in one worksheet and one key document (``generate --combined``): each student's PDF,
#: joined (every student starting on an odd page).
CLASS_DOCUMENTS = ("pdf/class-worksheets.pdf", "pdf/class-keys.pdf")
#: The format whose per-student documents (worksheet, key) the class documents join.
CLASS_FORMAT = "pdf"
