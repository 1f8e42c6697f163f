"""Rich text: words with ``$...$`` (inline) and ``$$...$$`` (displayed) math. The one place that splits it.

Prompts, solution steps, choice labels and feedback are rich text. They are not Markdown: their words are
shown literally in every format, so each format escapes the words its own way and writes the math in its
own form (kept as ``$...$`` in Markdown and LaTeX, MathML in our HTML pages, MathJax or Canvas images in an
LMS, plain symbols in a Moodle Cloze). Rich text has no escape for a literal dollar sign.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_MATH = re.compile(r"\$\$(?P<display>.+?)\$\$|\$(?P<inline>.+?)\$", re.DOTALL)


@dataclass(frozen=True)
class Piece:
    """A run of words (``math=False``) or one formula's LaTeX (without its dollar signs)."""

    text: str
    math: bool = False
    display: bool = False


def split_math(text: object) -> list[Piece]:
    """Return rich text as its words and formulas in order (empty runs of words left out; inline formulas
    with nothing between them are one formula)."""
    source = str(text)
    pieces: list[Piece] = []
    at = 0
    for m in _MATH.finditer(source):
        if m.start() > at:
            pieces.append(Piece(source[at:m.start()]))
        display = m.group("display") is not None
        latex = m.group("display") if display else m.group("inline")
        last = pieces[-1] if pieces else None
        if not display and m.start() == at and last is not None and last.math and not last.display:
            # $(N \times K)$$(K \times M)$ is one product; written as two, $$ would open a display block
            pieces[-1] = Piece(last.text + latex, math=True)
        else:
            pieces.append(Piece(latex, math=True, display=display))
        at = m.end()
    if at < len(source):
        pieces.append(Piece(source[at:]))
    return pieces


def render_rich(text: object, *, words: Callable[[str], str], math: Callable[[str, bool], str]) -> str:
    """Return rich text with each run of words passed through ``words`` and each formula through
    ``math(latex, display)``."""
    return "".join(math(p.text, p.display) if p.math else words(p.text) for p in split_math(text))


def dollars(latex: str, display: bool) -> str:
    """Return a formula in dollar signs again (Markdown and LaTeX keep math as they got it)."""
    return f"$${latex}$$" if display else f"${latex}$"
