"""Compile LaTeX documents to PDF: the engine chosen by the text, the preamble compiled once, in parallel.

- **Engine.** A document whose text is all ASCII, Latin-1 or the Latin letters T1 encodes is compiled by
  pdfLaTeX (fast, and all an English class needs). Anything else (Hangul, Han, kana, Greek, Cyrillic,
  Vietnamese, ...) goes to XeLaTeX, where the preamble loads kotex with Noto CJK KR for Hangul, Han and
  kana and CMU Serif (Computer Modern with Greek, Cyrillic and every Latin accent) for the rest. The same
  ``.tex`` works in both: its preamble asks ``\\ifdefined\\XeTeXversion``. ``\\tracinglostchars=3`` makes a
  character no font has a TeX error, reported with its code point, never a silent hole.
- **Speed.** A :class:`PdfCompiler` dumps each distinct pdfLaTeX preamble once into a format file and
  compiles every document against it, in ``workers`` threads. The page total printed in the header
  ("page n of m") is passed on the command line as a guess (the count of the document closest in length
  compiled so far) and the document is compiled again only when the guess was wrong, so the usual cost is
  one TeX run per document.
- **Safety.** Each run is in a fresh temporary folder with ``-no-shell-escape``, kpathsea's paranoid file
  access (``openin_any=p``, ``openout_any=p``) and a timeout.
- **Determinism.** The same text gives the same bytes: ``SOURCE_DATE_EPOCH=0``/``FORCE_SOURCE_DATE=1``
  (read by xdvipdfmx too), and for pdfTeX ``\\pdfinfoomitdate=1`` and an empty ``\\pdftrailerid``. Every
  pdfLaTeX document goes through a format, so a document's bytes do not depend on how it was compiled.
- **Class PDFs.** :func:`assemble` joins per-student PDFs with qpdf (``--deterministic-id``), adding a
  blank page after a document with an odd number of pages so that each student starts on a right-hand page
  when printed double-sided. Nothing is compiled twice.

A missing program, TeX package or font is reported in one line naming the Debian packages to install.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from exgen.errors import ExgenError

TIMEOUT = 300
#: How many times a document is compiled at most while its page total settles.
MAX_RUNS = 3
_INSTALL = "on Debian or Ubuntu: apt-get install"


class TexError(ExgenError):
    """A document failed to compile; the message names the document, the first TeX error and its line."""


# --- what each engine needs ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Need:
    """One thing a tool needs: a program, a TeX file or a font family, and the Debian package that has it."""

    kind: str  # "program" | "tex" | "font"
    name: str
    package: str

    def __str__(self) -> str:
        return f"font '{self.name}'" if self.kind == "font" else self.name


@dataclass(frozen=True)
class Engine:
    """A TeX engine setup: its program, the TeX code put before the document, what it needs."""

    name: str
    prefix: str
    needs: tuple[Need, ...]
    #: Whether the preamble can be dumped into a format file (XeTeX cannot dump native fonts).
    dumps_format: bool
    #: What the engine is for, in messages.
    purpose: str


PDFLATEX = Engine(
    "pdflatex", prefix=r"\pdfinfoomitdate=1\pdftrailerid{}\pdfsuppressptexinfo=-1", dumps_format=True,
    purpose="PDF output",
    needs=(Need("program", "pdflatex", "texlive-latex-base"), Need("tex", "fancyhdr.sty", "texlive-latex-base"),
           Need("tex", "amssymb.sty", "texlive-base"), Need("tex", "lmodern.sty", "lmodern"),
           Need("tex", "tikz.sty", "texlive-pictures"), Need("tex", "pgfplots.sty", "texlive-pictures")))
XELATEX = Engine(
    "xelatex", prefix="", dumps_format=False,
    purpose="PDF output with text outside Latin (e.g. Hangul, Chinese, Greek, Cyrillic, Vietnamese names)",
    needs=PDFLATEX.needs[1:] + (
        Need("program", "xelatex", "texlive-xetex"), Need("tex", "fontspec.sty", "texlive-latex-recommended"),
        Need("tex", "kotex.sty", "texlive-lang-korean"), Need("tex", "xetexko.sty", "texlive-xetex"),
        Need("font", "CMU Serif", "fonts-cmu"), Need("font", "Noto Serif CJK KR", "fonts-noto-cjk"),
        Need("font", "Noto Sans CJK KR", "fonts-noto-cjk")))
QPDF = Need("program", "qpdf", "qpdf")
ENGINES = (PDFLATEX, XELATEX)

# pdfLaTeX's T1 + TS1 encodings (exgen's preamble) set ASCII, Latin-1 and these; anything else goes to XeLaTeX.
_T1_EXTRA = "ĂăĄąĆćČčĎďĐđĘęĚěĞğİıĲĳĹĺĽľŁłŃńŇňŊŋŐőŒœŔŕŘřŚśŞşŠšŢţŤťŰűŮůŸŹźŻżŽžẞ“”‘’‚„–—…•€"
_NOT_T1 = re.compile("[^\t\n\r\x20-\x7e\xa0-\xac\xae-\xff" + re.escape(_T1_EXTRA) + "]")


def engine_for(tex: str) -> Engine:
    """Return the engine for a document: pdfLaTeX when every character is one T1 sets, else XeLaTeX."""
    return XELATEX if _NOT_T1.search(tex) else PDFLATEX


def missing(needs: Iterable[Need]) -> list[Need]:
    """Return the needs not met on this machine: one ``kpsewhich`` call for the TeX files, one ``fc-list``
    per font family (``fc-match`` would answer with a substitute)."""
    needs = list(dict.fromkeys(needs))
    out = [n for n in needs if n.kind == "program" and not shutil.which(n.name)]
    files = [n for n in needs if n.kind == "tex"]
    kpsewhich = shutil.which("kpsewhich")
    if files and kpsewhich:
        proc = subprocess.run([kpsewhich, *(n.name for n in files)], capture_output=True, text=True, timeout=60)
        found = {Path(line).name for line in proc.stdout.splitlines()}
        out += [n for n in files if n.name not in found]
    fc_list = shutil.which("fc-list")
    if fc_list:  # without fontconfig, XeTeX's own "font cannot be found" error is mapped (see _explain)
        out += [n for n in needs if n.kind == "font"
                and subprocess.run([fc_list, "-q", n.name], capture_output=True, timeout=60).returncode != 0]
    return out


def install_hint(needs: Iterable[Need]) -> str:
    """Return ``on Debian or Ubuntu: apt-get install <packages>`` for some needs."""
    return f"{_INSTALL} {' '.join(dict.fromkeys(n.package for n in needs))}"


def missing_message(purpose: str, needs: Sequence[Need]) -> str:
    """Return the one-line message for missing needs: what needs them, what is missing, what to install."""
    return f"{purpose} needs {', '.join(str(n) for n in needs)}, which {'is' if len(needs) == 1 else 'are'} " \
           f"not installed ({install_hint(needs)})"


def check(texts: Iterable[str] = (), *, assemble: bool = False) -> None:
    """Fail early, before anything is written, when the tools for some text are missing.

    Args:
        texts: text the documents will contain (names, course, bank text); a character outside Latin
            adds XeLaTeX and its fonts to what is checked.
        assemble: whether class PDFs will be assembled (needs qpdf).

    Raises:
        ExgenError: one line naming what is missing and the Debian packages that have it.
    """
    engines = [PDFLATEX] + ([XELATEX] if any(engine_for(t) is XELATEX for t in texts) else [])
    for engine in engines:
        lacking = missing(engine.needs)
        if lacking:
            raise ExgenError(missing_message(engine.purpose, lacking))
    if assemble and missing([QPDF]):
        raise ExgenError(missing_message("a class PDF (--combined)", [QPDF]))


def find_engine() -> str:
    """Return the path of pdflatex (kept for callers that only need to know TeX is there).

    Raises:
        ExgenError: pdflatex is not installed (the message says how to install it).
    """
    path = shutil.which(PDFLATEX.name)
    if not path:
        raise ExgenError(missing_message("PDF output", [PDFLATEX.needs[0]]))
    return path


# --- reading TeX's log -----------------------------------------------------------------------------------

_PAGES_RE = re.compile(r"Output written on \S+ \((\d+) pages?")
_LOST_RE = re.compile(r"Missing character: There is no .*?\(U\+([0-9A-F]{4,6})\)")
_UNSET_RE = re.compile(r"Unicode character .*?\(U\+([0-9A-F]{4,6})\)")
_FILE_RE = re.compile(r"File `([^']+)' not found")
_FONT_RE = re.compile(r'The font "([^"]+)" cannot be found')


def first_error(log: str, source: str, *, offset: int = 0) -> str:
    """Return the first TeX error of a log (the ``!`` line) with its line number and that source line.

    ``offset`` is the number of lines of the document that precede ``source`` (the preamble, when the
    document was compiled against a format), so that line numbers are those of the whole ``.tex`` file.
    """
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
                    return f"line {number + offset}: {message} (in: {text[:120]})"
            return message
    tail = [ln for ln in lines if ln.strip()][-3:]
    return "no TeX error in the log; last lines: " + " | ".join(tail)


def _char_name(code: str) -> str:
    return f"U+{code} ({unicodedata.name(chr(int(code, 16)), 'unnamed character')})"


def _explain(log: str, engine: Engine) -> str | None:
    """Return a one-line explanation of a failure a user can fix (a missing character, file or font)."""
    lost = _LOST_RE.search(log) or _UNSET_RE.search(log)
    if lost:
        return (f"no installed font has the character {_char_name(lost.group(1))}; exgen's PDFs cover Latin, "
                f"Greek, Cyrillic, Hangul, Chinese and Japanese")
    by_name = {n.name: n for e in ENGINES for n in e.needs}
    for pattern in (_FILE_RE, _FONT_RE):
        m = pattern.search(log)
        if m:
            need = by_name.get(m.group(1))
            if need is not None:
                return missing_message(engine.purpose, [need])
    return None


# --- compiling -------------------------------------------------------------------------------------------

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


def _split(tex: str) -> tuple[str, str] | None:
    """Return (preamble, body from ``\\begin{document}``) of a document, or None when there is none."""
    at = tex.find("\n\\begin{document}")
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

    def get(self, make) -> Path:
        with self._lock:
            if not self._done:
                try:
                    self._value = make()
                except _Failed as err:
                    self._error = err
                self._done = True
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


class PdfCompiler:
    """A compile session: formats dumped once, documents compiled by ``workers`` threads.

    >>> with PdfCompiler(workers=2) as pdf:                                   # doctest: +SKIP
    ...     results = pdf.compile_all([("pdf/s1-worksheet.pdf", tex1), ("pdf/s1-key.pdf", tex2)])
    ...     futures = [pdf.submit(name, tex) for name, tex in more]           # as students stream in

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
        self._seen: list[tuple[int, int]] = []    # (length of a document's text, its page count)
        self._count = 0

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
        """Queue one document; the future's result is its ``Compiled``."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="exgen-tex")
        return self._pool.submit(self.compile, name, tex)

    def compile_all(self, jobs: Iterable[tuple[str, str]]) -> list[Compiled]:
        """Compile ``(name, tex)`` pairs; return their results in the same order."""
        return list(self.compile_iter(jobs))

    def compile_iter(self, jobs: Iterable[tuple[str, str]], *, ahead: int | None = None) -> Iterator[Compiled]:
        """Yield the results of ``(name, tex)`` pairs in order, keeping at most ``ahead`` (default
        ``2 * workers``) documents queued, so a long stream of documents needs bounded memory."""
        limit = ahead or 2 * self.workers
        queue: list[Future[Compiled]] = []
        for name, tex in jobs:
            queue.append(self.submit(name, tex))
            while len(queue) >= limit:
                yield queue.pop(0).result()
        for fut in queue:
            yield fut.result()

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

    def _guess(self, size: int) -> int:
        with self._lock:
            if not self._seen:
                return 1
            return min(self._seen, key=lambda seen: abs(seen[0] - size))[1]

    def _learn(self, size: int, pages: int) -> None:
        with self._lock:
            self._seen = (self._seen + [(size, pages)])[-64:]

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

    def _format(self, preamble: str, name: str) -> Path:
        """Return the format file of a pdfLaTeX preamble, dumping it on first use."""
        key = hashlib.sha256(preamble.encode("utf-8")).hexdigest()[:20]
        with self._lock:
            once = self._formats.setdefault(key, _Once())

        def dump() -> Path:
            folder = self._folder("fmt")
            (folder / "preamble.tex").write_text(preamble + "\\dump\n", encoding="utf-8")
            cmd = [self._program(PDFLATEX), "-ini", "-no-shell-escape", "-interaction=nonstopmode",
                   "-halt-on-error", "-jobname=exgen", "&pdflatex", "preamble.tex"]
            status, log = self._run(cmd, folder, name, PDFLATEX, "exgen")
            if status != 0 or not (folder / "exgen.fmt").exists():
                raise _Failed(self._message(name, log, preamble, PDFLATEX, 0))
            return folder / "exgen.fmt"

        return once.get(dump)

    @staticmethod
    def _program(engine: Engine) -> str:
        path = shutil.which(engine.name)
        if not path:
            raise _Failed(missing_message(engine.purpose, [engine.needs[0]]))
        return path

    @staticmethod
    def _message(name: str, log: str, source: str, engine: Engine, offset: int) -> str:
        explained = _explain(log, engine)
        return f"{name}: {explained}" if explained else \
            f"{name}: LaTeX failed at {first_error(log, source, offset=offset)}"

    def _compile(self, name: str, tex: str, engine: Engine) -> tuple[bytes, int]:
        parts = _split(tex) if engine.dumps_format else None
        fmt_args: list[str] = []
        source, offset = tex, 0
        if parts is not None:
            fmt = self._format(parts[0], name)
            fmt_args = [f"-fmt={fmt.with_suffix('')}"]
            source, offset = parts[1], parts[0].count("\n")
        folder = self._folder("doc")
        (folder / "doc.tex").write_text(source, encoding="utf-8")
        program = self._program(engine)
        pages = self._guess(len(tex))
        for _ in range(MAX_RUNS):
            cmd = [program, *fmt_args, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                   "-jobname=doc", engine.prefix + r"\def\exgenpages{" + str(pages) + r"}\input{doc.tex}"]
            status, log = self._run(cmd, folder, name, engine, "doc")
            if status != 0:
                raise _Failed(self._message(name, log, source, engine, offset))
            m = _PAGES_RE.search(log)
            if not m or not (folder / "doc.pdf").exists():
                raise _Failed(f"{name}: {engine.name} wrote no PDF ({first_error(log, source, offset=offset)})")
            written = int(m.group(1))
            if written == pages:
                self._learn(len(tex), pages)
                return (folder / "doc.pdf").read_bytes(), pages
            pages = written
        raise _Failed(f"{name}: the page count did not settle after {MAX_RUNS} runs")


def compile_documents(jobs: Sequence[tuple[str, str]], *, workers: int | None = None) -> list[Compiled]:
    """Compile ``(name, tex)`` pairs with ``workers`` threads (default: one per CPU); results in order."""
    count = workers or max(1, min(len(jobs), os.cpu_count() or 1))
    with PdfCompiler(workers=count) as session:
        return session.compile_all(jobs)


def compile_pdf(tex: str, *, name: str = "document", timeout: float = TIMEOUT) -> bytes:
    """Compile one LaTeX document and return the PDF's bytes.

    Raises:
        ExgenError: a tool is missing, TeX timed out, or failed (``TexError`` with the first error).
    """
    with PdfCompiler(timeout=timeout) as session:
        result = session.compile(name, tex)
    if result.pdf is None:
        raise TexError(result.error or f"{name}: no PDF")
    return result.pdf


# --- class PDFs ------------------------------------------------------------------------------------------

def blank_page(width: float = 595.276, height: float = 841.89) -> bytes:
    """Return a one-page PDF with nothing on it (default: A4, the paper of exgen's documents)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.3f %.3f] /Resources << >> >>" % (width, height)]
    out = bytearray(b"%PDF-1.5\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def page_count(pdf: Path, *, timeout: float = TIMEOUT) -> int:
    """Return the number of pages of a PDF file (asks qpdf)."""
    proc = subprocess.run([_qpdf(), "--show-npages", str(pdf)], capture_output=True, text=True, timeout=timeout)
    if proc.returncode not in (0, 3) or not proc.stdout.strip().isdigit():
        raise ExgenError(f"{pdf.name}: qpdf cannot read it")
    return int(proc.stdout)


def _qpdf() -> str:
    path = shutil.which(QPDF.name)
    if not path:
        raise ExgenError(missing_message("a class PDF (--combined)", [QPDF]))
    return path


def assemble(parts: Sequence[tuple[bytes | Path, int | None]], *, odd_starts: bool = True,
             timeout: float = TIMEOUT) -> bytes:
    """Join PDFs into one (a class PDF) without compiling anything again.

    Args:
        parts: ``(PDF bytes or file, its page count or None)`` per document, in order.
        odd_starts: add a blank page after each document with an odd page count, so that each document
            starts on an odd (right-hand) page when the whole is printed double-sided.
        timeout: seconds allowed for qpdf.

    Returns:
        The joined PDF; the same parts give the same bytes (qpdf ``--deterministic-id``).

    Raises:
        ExgenError: qpdf is missing or cannot read a part.
    """
    program = _qpdf()
    with tempfile.TemporaryDirectory(prefix="exgen-join-") as tmp:
        folder = Path(tmp)
        blank = folder / "blank.pdf"
        blank.write_bytes(blank_page())
        args = ["--empty", "--deterministic-id", "--object-streams=generate", "--pages"]
        for number, (data, pages) in enumerate(parts, 1):
            if isinstance(data, Path):
                path = data.resolve()
            else:
                path = folder / f"part-{number:06d}.pdf"
                path.write_bytes(data)
            args.append(str(path))
            if odd_starts and (pages if pages is not None else page_count(path, timeout=timeout)) % 2:
                args.append(str(blank))
        args += ["--", str(folder / "joined.pdf")]
        (folder / "args").write_text("\n".join(args) + "\n", encoding="utf-8")
        proc = subprocess.run([program, f"@{folder / 'args'}"], capture_output=True, text=True, timeout=timeout)
        if proc.returncode not in (0, 3):  # 3: qpdf succeeded with warnings
            detail = proc.stderr.strip().splitlines()[-1:] or ["no message"]
            raise ExgenError(f"qpdf could not join the class PDF: {detail[0][:200]}")
        return (folder / "joined.pdf").read_bytes()
