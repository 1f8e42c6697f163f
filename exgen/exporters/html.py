"""HTML for LMS question text: rich text and exercise statements, with math in the LMS's own form.

Each LMS shows LaTeX differently (Canvas: equation images; Moodle and PrairieLearn: MathJax ``\\( \\)``),
so every function here takes ``math(latex, display) -> html``. Words are always HTML-escaped; the math is
escaped too (``&`` in a bmatrix becomes ``&amp;``, which MathJax and Canvas read back as ``&``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import quote

from exgen.instance import Instance

Math = Callable[[str, bool], str]

_MATH_RE = re.compile(r"(\$\$.+?\$\$|\$.+?\$)", re.DOTALL)
_MD_ESCAPE_RE = re.compile(r"\\([\\*_`\[\]#|$~])")
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")
_ITALIC_RE = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


def mathjax(latex: str, display: bool) -> str:
    """Return LaTeX for MathJax: ``\\( .. \\)`` inline, ``\\[ .. \\]`` displayed (HTML-escaped)."""
    body = html.escape(latex.strip(), quote=False)
    return f"\\[{body}\\]" if display else f"\\({body}\\)"


def canvas_equation(latex: str, display: bool) -> str:
    """Return a Canvas equation image, the form Canvas's own editor writes for LaTeX."""
    tex = latex.strip()
    attr = html.escape(tex, quote=True)
    src = "/equation_images/" + quote(quote(tex, safe=""), safe="") + "?scale=1"
    img = (f'<img class="equation_image" title="{attr}" src="{src}" alt="LaTeX: {attr}" '
           f'data-equation-content="{attr}" />')
    return f'<span style="display:block;text-align:center">{img}</span>' if display else img


def rich_html(text: str, math: Math) -> str:
    """Return rich text (words with ``$..$`` / ``$$..$$`` math) as inline HTML."""
    out = []
    for i, piece in enumerate(_MATH_RE.split(str(text))):
        if i % 2:
            display = piece.startswith("$$")
            out.append(math(piece[2:-2] if display else piece[1:-1], display))
        else:
            out.append(html.escape(piece, quote=False))
    return "".join(out)


def _markdown_words(text: str) -> str:
    """Return the words of exgen's Markdown statements as HTML (escapes undone, bold/italic kept)."""
    words = html.unescape(_MD_ESCAPE_RE.sub(r"\1", text))
    words = html.escape(words, quote=False)
    words = _BOLD_RE.sub(r"<strong>\1</strong>", words)
    return _ITALIC_RE.sub(r"<em>\1</em>", words)


def markdown_html(markdown: str, math: Math) -> str:
    """Return a statement rendered by exgen's Markdown templates as HTML paragraphs."""
    html_pieces = []
    for i, piece in enumerate(_MATH_RE.split(markdown.strip())):
        if i % 2:
            display = piece.startswith("$$")
            html_pieces.append(math(piece[2:-2] if display else piece[1:-1], display))
        else:  # a blank line ends a paragraph; \x00 marks it (never in escaped text)
            html_pieces.append(_markdown_words(re.sub(r"\n[ \t]*\n\s*", "\x00", piece)))
    paragraphs = []
    for block in "".join(html_pieces).split("\x00"):
        body = re.sub(r"\s*\n\s*", " ", block).strip()
        if body:
            paragraphs.append(f"<p>{body}</p>")
    return "\n".join(paragraphs)


def statement_html(instance: Instance, math: Math) -> str:
    """Return the statement of one exercise (its given data) as HTML."""
    from exgen.render.documents import render_exercise

    return markdown_html(render_exercise(instance, "md"), math)


def solution_html(instance: Instance, math: Math) -> str:
    """Return every part's answer and worked solution as HTML (for general feedback)."""
    from exgen.answers import get_kind

    out = []
    for part in instance.parts:
        answer = get_kind(part.kind).latex(part.answer, part)
        steps = " ".join(rich_html(s, math) for s in part.solution)
        out.append(f"<p><strong>({html.escape(part.id)})</strong> {math(answer, False)}"
                   + (f" &mdash; {steps}" if steps else "") + "</p>")
    return "\n".join(out)


def margin(value: float, tolerance) -> float:
    """Return the absolute margin exgen's checker allows around ``value`` (``abs + rel * |value|``, widened to
    half a unit of the asked decimal place or significant figure; see docs/tolerance.md)."""
    from exgen.answers.tolerance import margin as tolerance_margin

    return tolerance_margin(value, tolerance)


def number(value: float) -> str:
    """Return a number as plain decimal text an LMS parses (integers without ``.0``; no exponent)."""
    x = float(value)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    text = repr(x)
    if "e" in text or "E" in text:
        text = f"{x:.17f}".rstrip("0").rstrip(".")
    return text
