"""Which TeX engine a document needs, what that engine needs installed, and what to tell a user who lacks it.

A document whose text is all ASCII, Latin-1 or the Latin letters T1 encodes goes to pdfLaTeX (fast, and all
an English class needs); anything else (Hangul, Han, kana, Greek, Cyrillic, Vietnamese, ...) to XeLaTeX with
kotex, Noto CJK KR and CMU Serif (Computer Modern with Greek, Cyrillic and every Latin accent). The choice
depends on the text only, so the same document gives the same PDF on every machine.

Every requirement names its Debian package, so a missing one is reported in one line:
``PDF output with text outside Latin ... needs xelatex, font 'CMU Serif', which are not installed (on Debian
or Ubuntu: apt-get install texlive-xetex fonts-cmu)``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from exgen.errors import ExgenError

_INSTALL = "on Debian or Ubuntu: apt-get install"


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
    #: The line before which a document's text is dumped into a format file (XeTeX cannot dump the
    #: OpenType fonts the preamble loads after ``%% exgen: end of the format``).
    format_ends: str
    #: What the engine is for, in messages.
    purpose: str


PDFLATEX = Engine(
    "pdflatex", prefix=r"\pdfinfoomitdate=1\pdftrailerid{}\pdfsuppressptexinfo=-1", format_ends="\\begin{document}",
    purpose="PDF output",
    needs=(Need("program", "pdflatex", "texlive-latex-base"), Need("tex", "fancyhdr.sty", "texlive-latex-base"),
           Need("tex", "amssymb.sty", "texlive-base"), Need("tex", "lmodern.sty", "lmodern"),
           Need("tex", "tikz.sty", "texlive-pictures"), Need("tex", "pgfplots.sty", "texlive-pictures")))
XELATEX = Engine(
    "xelatex", prefix="", format_ends="%% exgen: end of the format",
    purpose="PDF output with text outside Latin (e.g. Hangul, Chinese, Greek, Cyrillic, Vietnamese names)",
    needs=PDFLATEX.needs[1:] + (
        Need("program", "xelatex", "texlive-xetex"), Need("tex", "fontspec.sty", "texlive-latex-recommended"),
        Need("tex", "kotex.sty", "texlive-lang-korean"), Need("tex", "xetexko.sty", "texlive-xetex"),
        Need("font", "CMU Serif", "fonts-cmu"), Need("font", "Noto Serif CJK KR", "fonts-noto-cjk"),
        Need("font", "Noto Sans CJK KR", "fonts-noto-cjk")))
QPDF = Need("program", "qpdf", "qpdf")
ENGINES = (PDFLATEX, XELATEX)

# pdfLaTeX's T1 + TS1 encodings (exgen's preamble) set ASCII, Latin-1 and these; anything else goes to XeLaTeX.
# Not Đ, ẞ or … (U+0110, U+1E9E, U+2026): T1 draws them as Ð, SS and three full stops, which is what copy
# and search would then find (tests/render/test_pdf_print.py checks every character here comes back).
_T1_EXTRA = "ĂăĄąĆćČčĎďđĘęĚěĞğİıĲĳĹĺĽľŁłŃńŇňŊŋŐőŒœŔŕŘřŚśŞşŠšŢţŤťŰűŮůŸŹźŻżŽž“”‘’‚„–—•€"
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


# --- explaining TeX's failures --------------------------------------------------------------------------

# --- reading TeX's log -----------------------------------------------------------------------------------

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


def char_name(code: str) -> str:
    return f"U+{code} ({unicodedata.name(chr(int(code, 16)), 'unnamed character')})"


def explain(log: str, engine: Engine) -> str | None:
    """Return a one-line explanation of a failure a user can fix (a missing character, file or font)."""
    lost = _LOST_RE.search(log) or _UNSET_RE.search(log)
    if lost:
        return (f"no installed font has the character {char_name(lost.group(1))}; exgen's PDFs cover Latin, "
                f"Greek, Cyrillic, Hangul, Chinese and Japanese")
    by_name = {n.name: n for e in ENGINES for n in e.needs}
    for pattern in (_FILE_RE, _FONT_RE):
        m = pattern.search(log)
        if m:
            need = by_name.get(m.group(1))
            if need is not None:
                return missing_message(engine.purpose, [need])
    return None
