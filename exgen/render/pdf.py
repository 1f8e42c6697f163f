"""Compile LaTeX documents to PDF: the engine chosen by the text, the preamble compiled once, in parallel.

- **Engine** (``exgen.render.texsetup``): pdfLaTeX for all-Latin text, XeLaTeX with kotex, Noto CJK and CMU
  Serif for anything else; the same ``.tex`` works in both (its preamble asks ``\\ifdefined\\XeTeXversion``).
  ``\\tracinglostchars=3`` makes a character no font has a TeX error, reported with its code point.
- **Speed.** A :class:`PdfCompiler` dumps each distinct preamble once into a format file (a preamble differs
  by engine and by language, whose words it holds; the format is found by the preamble's hash), stored
  uncompressed (TeX reads a plain file as well as a gzipped one, and skipping the inflate of ~20 MB is a
  quarter of a short document's time) and compiles every document against it, in ``workers`` threads, one
  TeX run per document: the preamble holds pages back until the end, so "page n of m" needs no second run.
- **Safety.** Each run is in a fresh temporary folder with ``-no-shell-escape``, kpathsea's paranoid file
  access (``openin_any=p``, ``openout_any=p``) and a timeout.
- **Determinism.** The same text gives the same bytes: ``SOURCE_DATE_EPOCH=0``/``FORCE_SOURCE_DATE=1``
  (read by xdvipdfmx too), and for pdfTeX ``\\pdfinfoomitdate=1`` and an empty ``\\pdftrailerid``. Every
  pdfLaTeX document goes through a format, so a document's bytes do not depend on how it was compiled.

Class PDFs are the students' PDFs joined (``exgen.render.pdfjoin``), not compiled again.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from exgen.render.texsetup import Engine, engine_for, explain, first_error, missing, missing_message

TIMEOUT = 300
_PAGES_RE = re.compile(r"Output written on \S+ \((\d+) pages?")


@dataclass(frozen=True)
class Compiled:
    """One compiled document: its PDF and page count, or the one-line error that stopped it."""

    name: str
    pdf: bytes | None = None
    pages: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class _Failed(Exception):
    """Internal: a run failed with a message for the user."""


def _split(tex: str, marker: str) -> tuple[str, str] | None:
    """Return (the part for the format, the rest from the line starting with ``marker``), or None."""
    at = tex.find("\n" + marker)
    return (tex[:at + 1], tex[at + 1:]) if at >= 0 else None


def _env() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1", "openin_any": "p",
            "openout_any": "p", "shell_escape": "f", "TEXMFOUTPUT": ""}


class _Once:
    """A value computed once by the first caller; later callers wait for it (or get its error)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = False
        self._value: Path | None = None
        self._error: _Failed | None = None

    def get(self, make: Callable[[], Path]) -> Path:
        with self._lock:
            if not self._done:
                try:
                    self._value = make()
                except _Failed as err:
                    self._error = err
                self._done = True
        if self._value is None:
            raise self._error or _Failed("no format")
        return self._value


class PdfCompiler:
    """A compile session: formats dumped once, documents compiled by ``workers`` threads.

    >>> with PdfCompiler(workers=2) as pdf:                                   # doctest: +SKIP
    ...     results = pdf.compile_all([("pdf/s1-worksheet.pdf", tex1), ("pdf/s1-key.pdf", tex2)])
    ...     for student in students:                                           # or as students stream in
    ...         pdf.submit(...); pdf.submit(...)
    ...         for result in pdf.finished():                                  # in order, as they finish
    ...             write(result)
    ...     for result in pdf.finished(wait=True):
    ...         write(result)

    Errors of a document never raise here: each result says what went wrong (``Compiled.error``), so that
    a run can write everything else and report every failure.
    """

    def __init__(self, workers: int = 1, *, timeout: float = TIMEOUT) -> None:
        self.workers = max(1, int(workers))
        self.timeout = timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="exgen-pdf-")
        self._dir = Path(self._tmp.name)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._formats: dict[str, _Once] = {}
        self._ready: dict[str, str | None] = {}  # engine name -> missing-tools message, or None
        self._count = 0
        self._queue: deque[Future[Compiled]] = deque()

    # -- the public calls ---------------------------------------------------------------------------------
    def compile(self, name: str, tex: str) -> Compiled:
        """Compile one document in the calling thread."""
        engine = engine_for(tex)
        problem = self._engine_problem(engine)
        if problem:
            return Compiled(name, error=f"{name}: {problem}")
        try:
            pdf, pages = self._compile(name, tex, engine)
        except _Failed as err:
            return Compiled(name, error=str(err))
        return Compiled(name, pdf=pdf, pages=pages)

    def submit(self, name: str, tex: str) -> Future[Compiled]:
        """Queue one document; its result comes from ``finished`` (in order) and from the returned future."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="exgen-tex")
        future = self._pool.submit(self.compile, name, tex)
        self._queue.append(future)
        return future

    def finished(self, *, wait: bool = False, ahead: int | None = None) -> Iterator[Compiled]:
        """Yield the results of submitted documents in submission order: those already finished, and
        more (waiting) while over ``ahead`` (default ``4 * workers``) are queued, or all with ``wait``.

        Calling it after each submission bounds the memory of a long run and keeps the TeX workers busy
        while the caller renders the next documents."""
        limit = 0 if wait else (ahead or 4 * self.workers)
        while self._queue and (len(self._queue) > limit or self._queue[0].done()):
            yield self._queue.popleft().result()

    def compile_all(self, jobs: Iterable[tuple[str, str]]) -> list[Compiled]:
        """Compile ``(name, tex)`` pairs; return their results in the same order."""
        results: list[Compiled] = []
        for name, tex in jobs:
            self.submit(name, tex)
            results.extend(self.finished())
        results.extend(self.finished(wait=True))
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._tmp.cleanup()

    def __enter__(self) -> PdfCompiler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------------------------
    def _engine_problem(self, engine: Engine) -> str | None:
        with self._lock:
            if engine.name not in self._ready:
                lacking = missing(engine.needs)
                self._ready[engine.name] = missing_message(engine.purpose, lacking) if lacking else None
            return self._ready[engine.name]

    def _folder(self, prefix: str) -> Path:
        with self._lock:
            self._count += 1
            number = self._count
        folder = self._dir / f"{prefix}-{number}"
        folder.mkdir()
        return folder

    def _run(self, cmd: list[str], folder: Path, name: str, engine: Engine, jobname: str) -> tuple[int, str]:
        """Run TeX; return its exit status and log (raise _Failed when it cannot run or times out)."""
        try:
            proc = subprocess.run(cmd, cwd=folder, env=_env(), stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise _Failed(f"{name}: {engine.name} did not finish within {self.timeout:.0f} s") from None
        except OSError as err:
            raise _Failed(f"{name}: cannot run {engine.name} ({err.strerror})") from None
        log_path = folder / f"{jobname}.log"
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else \
            proc.stdout.decode("utf-8", "replace")
        return proc.returncode, log

    def _format(self, preamble: str, name: str, engine: Engine) -> Path:
        """Return the format file of a preamble for an engine, dumping it on first use."""
        key = engine.name + hashlib.sha256(preamble.encode("utf-8")).hexdigest()[:20]
        with self._lock:
            once = self._formats.setdefault(key, _Once())

        def dump() -> Path:
            folder = self._folder("fmt")
            (folder / "preamble.tex").write_text(preamble + "\\dump\n", encoding="utf-8")
            cmd = [self._program(engine), "-ini", "-no-shell-escape", "-interaction=nonstopmode",
                   "-halt-on-error", "-jobname=exgen", f"&{engine.name}", "preamble.tex"]
            status, log = self._run(cmd, folder, name, engine, "exgen")
            fmt = folder / "exgen.fmt"
            if status != 0 or not fmt.exists():
                raise _Failed(self._message(name, log, preamble, engine, 0))
            with gzip.open(fmt) as packed:  # TeX reads it as well unpacked, and faster (see the module doc)
                fmt.write_bytes(packed.read())
            return fmt

        return once.get(dump)

    @staticmethod
    def _program(engine: Engine) -> str:
        path = shutil.which(engine.name)
        if not path:
            raise _Failed(missing_message(engine.purpose, [engine.needs[0]]))
        return path

    @staticmethod
    def _message(name: str, log: str, source: str, engine: Engine, offset: int) -> str:
        explained = explain(log, engine)
        return f"{name}: {explained}" if explained else \
            f"{name}: LaTeX failed at {first_error(log, source, offset=offset)}"

    def _compile(self, name: str, tex: str, engine: Engine) -> tuple[bytes, int]:
        parts = _split(tex, engine.format_ends)
        fmt_args: list[str] = []
        source, offset = tex, 0
        if parts is not None:
            fmt = self._format(parts[0], name, engine)
            fmt_args = [f"-fmt={fmt.with_suffix('')}"]
            source, offset = parts[1], parts[0].count("\n")
        folder = self._folder("doc")
        try:
            (folder / "doc.tex").write_text(source, encoding="utf-8")
            cmd = [self._program(engine), *fmt_args, "-no-shell-escape", "-interaction=nonstopmode",
                   "-halt-on-error", "-jobname=doc", engine.prefix + r"\input{doc.tex}"]
            status, log = self._run(cmd, folder, name, engine, "doc")
            if status != 0:
                raise _Failed(self._message(name, log, source, engine, offset))
            m = _PAGES_RE.search(log)
            if not m or not (folder / "doc.pdf").exists():
                raise _Failed(f"{name}: {engine.name} wrote no PDF ({first_error(log, source, offset=offset)})")
            return (folder / "doc.pdf").read_bytes(), int(m.group(1))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def compile_documents(jobs: Sequence[tuple[str, str]], *, workers: int | None = None) -> list[Compiled]:
    """Compile ``(name, tex)`` pairs with ``workers`` threads (default: one per CPU); results in order."""
    count = workers or max(1, min(len(jobs), os.cpu_count() or 1))
    with PdfCompiler(workers=count) as session:
        return session.compile_all(jobs)
