"""Test helper: the English words left in a document that should be in another language.

Math is dropped except the words inside ``\\text{...}`` (a choice label shown as math is text), and so is
markup: HTML tags, TeX commands and environments' names, code (Markdown code spans, HTML ``<code>``: file
names and what a student types). What remains is prose; a word of three or more Latin letters in it, other
than the student's own name, ids and the names that stay English in every language (``ALLOWED``), is an
English literal that the catalogue missed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

#: Words that are the same in every language: operation names the seed itself keeps in English (MatMul,
#: Repeat and Sum nodes), function names, and units of code a student types (``exp``).
ALLOWED = {"MatMul", "Repeat", "repeat", "Sum", "ReLU", "relu", "sigmoid", "softmax", "exp", "log", "tanh", "sin", "cos",
           "sqrt", "exgen"}

_TEXT_IN_MATH = re.compile(r"\\(?:text|textrm|textbf|mathrm|operatorname)\s*\{([^{}]*)\}")
_WORD = re.compile(r"[A-Za-z]{3,}")
#: A TikZ picture is drawing code (styles, coordinates, anchors), not prose; only its nodes' texts are read.
_TIKZ = re.compile(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", re.S)
#: A node's text: ``\node[options] (name) at (place) {text};``.
_TIKZ_NODE = re.compile(r"\\node\b[^;{]*\{(.*?)\};", re.S)
#: A graph picture (``exgen.render.diagrams.tikz``): cells and lines, one a line; only the labels are read.
_GRAPH = re.compile(r"\\exgengraph\{.*?%\n\}(?!\{)", re.S)
_GRAPH_TEXT = re.compile(r"^\\exgeng(?:fwd|bwd|mark|leaf|op)(?:\{[^{}]*\})*?\{([^{}]*(?:\{.*\})?[^{}]*)\}%$", re.M)


def _math_words(math: str) -> str:
    return " ".join(_TEXT_IN_MATH.findall(math))


def _drop_math(text: str) -> str:
    """Replace every math span by the words of its \\text{...} parts."""
    patterns = [r"\$\$(.+?)\$\$", r"\\\[(.+?)\\\]", r"\\\((.+?)\\\)", r"(?<!\\)\$(.+?)(?<!\\)\$",
                r"\\begin\{(?:equation|align|gather)\*?\}(.+?)\\end\{(?:equation|align|gather)\*?\}"]
    for pattern in patterns:
        text = re.sub(pattern, lambda m: " " + _math_words(m.group(1)) + " ", text, flags=re.S)
    return text


def prose(text: str, fmt: str) -> str:
    """Return the prose of a document (``md``, ``tex`` or ``html``): no math, no markup."""
    if fmt == "html":
        text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S | re.I)
        text = re.sub(r"<math\b.*?</math>",
                      lambda m: " ".join(re.findall(r"<mtext[^>]*>(.*?)</mtext>", m.group(0), flags=re.S)),
                      text, flags=re.S)
        text = re.sub(r"<svg\b.*?</svg>", lambda m: " ".join(re.findall(r">([^<>]+)<", m.group(0))), text,
                      flags=re.S)
        text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
        text = re.sub(r"<code\b.*?</code>", " ", text, flags=re.S)  # like a Markdown code span
        text = re.sub(r"<[^>]+>", " ", text)
        return html.unescape(text)
    if fmt == "tex":
        text = text.split("\\begin{document}", 1)[-1]
        text = _TIKZ.sub(lambda m: " ".join(_TIKZ_NODE.findall(m.group(0))), text)
        text = _GRAPH.sub(lambda m: " ".join(_GRAPH_TEXT.findall(m.group(0))), text)
        text = re.sub(r"(?<!\\)%.*", " ", text)
        text = _drop_math(text)
        text = re.sub(r"\\(begin|end)\{[^}]*\}(\[[^\]]*\])?", " ", text)
        text = re.sub(r"\\exgenlanguage\{[^}]*\}\{[^}]*\}", " ", text)  # settings (tag, patterns), not prose
        text = re.sub(r"\\[A-Za-z@]+\*?", " ", text)  # commands; their braced arguments stay as text
        text = re.sub(r"\[[a-z]+=[^\]]*\]", " ", text)  # key=value options
        return text
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = _drop_math(text)
    return text.replace("\\", " ")


def english_words(text: str, fmt: str, *, also_allowed: Iterable[str] = ()) -> list[str]:
    """Return the English words in a document's prose, in order, without repeats."""
    allowed = ALLOWED | {w for a in also_allowed for w in _WORD.findall(a)}
    found: dict[str, None] = {}
    for word in _WORD.findall(prose(text, fmt)):
        if word not in allowed:
            found[word] = None
    return list(found)
