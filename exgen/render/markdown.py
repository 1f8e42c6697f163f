"""Markdown that GitHub, GitLab and markdown-it (with its dollar-math plugin) all read the same way.

Their math support differs where it matters for matrices: GitHub applies Markdown's backslash escapes
inside inline math, so the ``\\\\`` between a matrix's rows collapses to ``\\`` and the matrix to one
row; ``$a$$b$`` reads as the start of a display block; ``\\[`` is a display-math delimiter for some
renderers. So in our Markdown a formula with rows (one holding ``\\\\``) always stands in a display block of
its own, ``$$`` alone on the lines above and below it, and brackets in words are HTML character
references, never ``\\[``. Adjacent inline formulas are already one formula (``exgen.render.richtext``).
"""

from __future__ import annotations

import re
from typing import Any

from exgen.render.richtext import split_math

_ESCAPES = {"\\": "\\\\", "*": "\\*", "_": "\\_", "`": "\\`", "[": "&#91;", "]": "&#93;", "#": "\\#",
            "|": "\\|", "$": "\\$", "<": "&lt;", ">": "&gt;", "&": "&amp;", "~": "\\~"}
_PUNCTUATION = re.compile(r"^[.,;:]")


def md_text(text: Any) -> str:
    """Escape user text for Markdown so it shows literally (no emphasis, links, math or HTML)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in str(text))


def has_rows(latex: str) -> bool:
    """Return whether a formula has rows (a matrix or column vector): it must be displayed."""
    return "\\\\" in latex


def md_rich(text: Any, indent: int = 0, after: bool = False) -> str:
    """Return rich text as Markdown: words escaped, inline math as ``$...$``, and displayed math (and any
    formula with rows) as a ``$$`` block on lines of its own.

    Args:
        text: rich text (words with ``$...$`` / ``$$...$$`` math).
        indent: spaces before each line after the first, so that a block stays inside a list item
            (2 for ``- ``).
        after: the text follows other text on its line (``**Answer:** ...``), so a block at its start
            still needs a blank line before it.
    """
    pad = " " * indent
    pieces = [(p.text, p.math, p.math and (p.display or has_rows(p.text))) for p in split_math(text)]
    for i in range(len(pieces) - 1):  # a full stop right after a block goes inside it
        (tex, math, block), (words, next_math, _) = pieces[i], pieces[i + 1]
        if block and not next_math and _PUNCTUATION.match(words):
            pieces[i], pieces[i + 1] = (tex.strip() + words[0], math, block), (words[1:].lstrip(), False, False)
    out = ""
    for i, (content, math, block) in enumerate(pieces):
        if not math:
            out += md_text(content)
        elif not block:
            out += f"${content}$"
        else:
            before = out.rstrip(" ")
            lead = before + "\n\n" + pad if before.strip() or after else ""
            out = lead + f"$$\n{pad}{content.strip()}\n{pad}$$"
            if any(c.strip() for c, _, _ in pieces[i + 1:]):
                out += "\n\n" + pad
    return out
