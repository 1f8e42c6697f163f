"""HTML output helpers: escaping, rich text with MathML, and a fallback for types without HTML templates.

Every function returns ``markupsafe.Markup`` so that the HTML Jinja environment (autoescaping on) inserts
it as is, while any other value reaching a template is escaped.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markupsafe import Markup

from exgen.render.mathml import to_mathml

_MATH = re.compile(r"(\$\$.+?\$\$|\$.+?\$)", re.DOTALL)


def html_text(text: Any) -> Markup:
    """Escape user text for HTML (``<``, ``>``, ``&``, both quotes)."""
    return Markup(html.escape(str(text), quote=True))  # noqa: S704  (escaped on this line)


def math(tex: Any, display: bool = False) -> Markup:
    """Return LaTeX math as MathML (inline, or a display block)."""
    return Markup(to_mathml(str(tex), display=display))  # noqa: S704  (MathML built by latex2mathml, text escaped)


def rich(text: Any) -> Markup:
    """Return rich text (words with ``$...$`` / ``$$...$$`` math) as escaped words and MathML."""
    out = []
    for i, piece in enumerate(_MATH.split(str(text))):
        if i % 2 == 0:
            out.append(html.escape(piece, quote=True))
        elif piece.startswith("$$"):
            out.append(to_mathml(piece[2:-2].strip(), display=True))
        else:
            out.append(to_mathml(piece[1:-1]))
    return Markup("".join(out))  # noqa: S704  (every piece was escaped or converted above)


# -- fallback: the Markdown statement of a type that has no HTML template -------------------------------
_MD_UNESCAPE = re.compile(r"\\([\\*_`\[\]#|$~])")
_INLINE = re.compile(r"(\$\$.+?\$\$|\$.+?\$|\*\*.+?\*\*|`[^`]+`)", re.DOTALL)


def _md_words(text: str) -> str:
    """Markdown words (escaped by ``render.md_text``) -> HTML-escaped words."""
    return html.escape(html.unescape(_MD_UNESCAPE.sub(r"\1", text)), quote=True)


def _md_inline(text: str) -> str:
    out = []
    for i, piece in enumerate(_INLINE.split(text)):
        if i % 2 == 0:
            out.append(_md_words(piece))
        elif piece.startswith("$$"):
            out.append(to_mathml(piece[2:-2].strip(), display=True))
        elif piece.startswith("$"):
            out.append(to_mathml(piece[1:-1]))
        elif piece.startswith("**"):
            out.append(f"<strong>{_md_inline(piece[2:-2])}</strong>")
        else:
            out.append(f"<code>{html.escape(piece[1:-1])}</code>")
    return "".join(out)


def _table(lines: list[str]) -> str:
    rows = [[c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))] for line in lines]
    head, body = rows[0], [r for r in rows[2:]]
    out = ["<table><thead><tr>", *(f"<th scope=\"col\">{_md_inline(c)}</th>" for c in head), "</tr></thead><tbody>"]
    for r in body:
        out += ["<tr>", *(f"<td>{_md_inline(c)}</td>" for c in r), "</tr>"]
    out.append("</tbody></table>")
    return "".join(out)


def markdown_statement(text: str, *, figure: str = "") -> Markup:
    """Convert the small Markdown subset statement templates use to HTML (a fallback, not a full parser).

    Handles paragraphs, ``$$`` display blocks, ``- `` lists, pipe tables and fenced code; a fenced
    ``mermaid`` block is replaced by ``figure`` (an SVG drawn from the same data) when given.
    """
    lines = str(text).splitlines()
    out: list[str] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(f"<p>{_md_inline(' '.join(para))}</p>")
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            lang = stripped[3:].strip()
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            code = "\n".join(lines[i + 1:j])
            out.append(figure if (lang == "mermaid" and figure) else f"<pre><code>{html.escape(code)}</code></pre>")
            i = j + 1
            continue
        if stripped.startswith("$$"):
            flush()
            body = [stripped[2:]]
            j = i
            if not (stripped.endswith("$$") and len(stripped) > 2):
                j = i + 1
                while j < len(lines) and not lines[j].strip().endswith("$$"):
                    body.append(lines[j])
                    j += 1
                if j < len(lines):
                    body.append(lines[j].strip()[:-2])
            else:
                body = [stripped[2:-2]]
            out.append(to_mathml("\n".join(body).strip(), display=True))
            i = j + 1
            continue
        if stripped.startswith(("- ", "* ")):
            flush()
            items = []
            while i < len(lines) and lines[i].strip().startswith(("- ", "* ")):
                items.append(f"<li>{_md_inline(lines[i].strip()[2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        if stripped.startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|?[\s:|-]+\|?", lines[i + 1].strip()):
            flush()
            j = i
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
            out.append(_table(lines[i:j]))
            i = j
            continue
        if not stripped:
            flush()
        else:
            para.append(stripped.rstrip("\\").rstrip())
        i += 1
    flush()
    return Markup("\n".join(out))  # noqa: S704  (every piece was escaped or converted above)
