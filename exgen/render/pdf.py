"""Compile LaTeX documents to PDF with pdflatex: in a temporary folder, shell escape off, reproducibly.

The LaTeX text is written to a fresh temporary folder and compiled there with ``-no-shell-escape`` and
kpathsea's paranoid file access (``openin_any=p``, ``openout_any=p``: no reading or writing outside the
folder and TeX's own tree), with a timeout. The PDF is byte-identical for the same input:
``SOURCE_DATE_EPOCH=0``, ``\\pdfinfoomitdate=1`` and an empty ``\\pdftrailerid``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from exgen.errors import ExgenError

ENGINE = "pdflatex"
TIMEOUT = 300
INSTALL_HINT = ("on Debian or Ubuntu: apt-get install texlive-latex-base texlive-latex-recommended "
                "texlive-pictures texlive-fonts-recommended")
# Prepended on the command line, so the .tex files stay plain LaTeX any engine can read.
_REPRODUCIBLE = r"\pdfinfoomitdate=1\pdftrailerid{}\pdfsuppressptexinfo=-1\input{doc.tex}"


class TexError(ExgenError):
    """pdflatex failed; the message names the document, the first TeX error and its line."""


def find_engine() -> str:
    """Return the path of pdflatex.

    Raises:
        ExgenError: pdflatex is not installed (the message says how to install it).
    """
    path = shutil.which(ENGINE)
    if not path:
        raise ExgenError(f"PDF output needs {ENGINE}, which is not installed or not on PATH ({INSTALL_HINT})")
    return path


def first_error(log: str, source: str) -> str:
    """Return the first TeX error of a log (the ``!`` line) with its line number and that source line."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            message = line[1:].strip()
            for follow in lines[i + 1:i + 30]:
                m = re.match(r"l\.(\d+) ?(.*)", follow)
                if m:
                    number = int(m.group(1))
                    src = source.splitlines()
                    text = src[number - 1].strip() if 0 < number <= len(src) else m.group(2)
                    return f"line {number}: {message} (in: {text[:120]})"
            return message
    tail = [ln for ln in lines if ln.strip()][-3:]
    return "no TeX error in the log; last lines: " + " | ".join(tail)


def compile_pdf(tex: str, *, name: str = "document", timeout: float = TIMEOUT) -> bytes:
    """Compile one LaTeX document and return the PDF's bytes.

    Args:
        tex: the whole document.
        name: what error messages call it (e.g. ``pdf/student-001-worksheet.pdf``).
        timeout: seconds allowed for each pdflatex run.

    Raises:
        ExgenError: pdflatex is missing, timed out, or failed (``TexError`` with the first error).
    """
    engine = find_engine()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1", "openin_any": "p",
           "openout_any": "p", "shell_escape": "f", "TEXMFOUTPUT": ""}
    with tempfile.TemporaryDirectory(prefix="exgen-tex-") as tmp:
        folder = Path(tmp)
        (folder / "doc.tex").write_text(tex, encoding="utf-8")
        cmd = [engine, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "-jobname=doc",
               _REPRODUCIBLE]
        for _ in range(3):
            try:
                proc = subprocess.run(cmd, cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                      timeout=timeout)
            except subprocess.TimeoutExpired:
                raise ExgenError(f"{name}: {ENGINE} did not finish within {timeout:.0f} s") from None
            log_path = folder / "doc.log"
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else \
                proc.stdout.decode("utf-8", "replace")
            if proc.returncode != 0 or not (folder / "doc.pdf").exists():
                raise TexError(f"{name}: LaTeX failed at {first_error(log, tex)}")
            if "Rerun to get" not in log and "Rerun LaTeX" not in log:
                break
        return (folder / "doc.pdf").read_bytes()


def compile_many(jobs: Sequence[tuple[str, str]], *, workers: int | None = None) -> list[bytes]:
    """Compile several documents (``(name, tex)`` pairs) in parallel; return the PDFs in the same order."""
    find_engine()
    workers = workers or max(1, min(len(jobs), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: compile_pdf(job[1], name=job[0]), jobs))
