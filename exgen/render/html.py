"""HTML from exgen's text: rich text and Markdown statements, with math in a form the caller chooses.

This is the one path from exgen's text to HTML: our HTML pages (math as MathML) and LMS question text
(MathJax delimiters for Moodle and PrairieLearn, Canvas equation images for QTI; ``exgen.exporters.html``)
both go through it. Rich text (``exgen.render.richtext``) has its words escaped and its formulas rendered.
Markdown is parsed by markdown-it-py (CommonMark with tables and ``$`` math), with raw HTML switched off:
whatever a bank or a student wrote shows literally, and the only markup is what the parser makes.

A math renderer is ``math(latex, display) -> html``; it must escape what it writes.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, cast

from markupsafe import Markup

from exgen.render.mathml import to_mathml
from exgen.render.richtext import render_rich

Math = Callable[[str, bool], str]


def mathml(latex: str, display: bool = False) -> str:
    """Render math as MathML (``<math display="block">`` when displayed): our pages show it with no script."""
    return to_mathml(latex.strip() if display else latex, display=display)


def rich_html(text: Any, math: Math = mathml) -> str:
    """Return rich text (words with ``$...$`` / ``$$...$$`` math) as escaped words and rendered math.

    The result holds markup, so it is only ever element content: quotes in the words stay as they are.
    """
    return render_rich(text, words=_words, math=math)


def _words(text: str) -> str:
    return html.escape(text, quote=False)


def markdown_html(markdown: str, math: Math = mathml, *, mermaid: str = "") -> str:
    """Return exgen's Markdown (a rendered statement template) as HTML blocks.

    Args:
        markdown: CommonMark with pipe tables and ``$``/``$$`` math; raw HTML in it shows as text.
        math: how formulas are written.
        mermaid: what replaces a fenced ``mermaid`` block: the SVG figure of the same graph, drawn from the
            instance's description. Without one the block stays a code block, so its text is still shown.
    """
    env = {"math": math, "mermaid": mermaid}
    return str(_parser().render(str(markdown), env)).strip()


# -- Jinja filters of the HTML format (Markup: the autoescaping environment inserts them as they are) ----
def html_text(text: Any) -> Markup:
    """The ``esc`` filter: user text, escaped (both quotes too, so it is safe in an attribute)."""
    return Markup(html.escape(str(text), quote=True))  # noqa: S704  (escaped on this line)


def math(tex: Any, display: bool = False) -> Markup:
    """The ``math`` and ``displaymath`` filters: LaTeX as MathML."""
    return Markup(mathml(str(tex), display))  # noqa: S704  (MathML built by latex2mathml, text escaped)


def rich(text: Any) -> Markup:
    """The ``rich`` filter: rich text with MathML."""
    return Markup(rich_html(text))  # noqa: S704  (words escaped, math converted)


def markdown_statement(text: str, *, figure: str = "") -> Markup:
    """A statement written in Markdown (a type without an HTML template), with MathML and ``figure`` for
    its Mermaid graph."""
    return Markup(markdown_html(text, mathml, mermaid=figure))  # noqa: S704  (raw HTML off: parser output)


# -- the worksheet's one script ---------------------------------------------------------------------------
@cache
def answer_script() -> tuple[Markup, Markup]:
    """Return the worksheet's script (``templates/html/_answers.js``: keep what a student types, save it
    as a submission file) and its CSP source, ``'sha256-...'``: the page allows that script and no other."""
    import base64
    import hashlib

    from exgen.resources import templates_dir

    text = (templates_dir() / "html" / "_answers.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), Markup(f"'sha256-{digest}'")  # noqa: S704  (our own shipped file; base64)


# -- the parser ------------------------------------------------------------------------------------------
@cache
def _parser():
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    # $$...$$ inside a paragraph is displayed math too; "(label)" after $$ is text, not an equation label
    md.use(dollarmath_plugin, allow_labels=False, double_inline=True)
    md.add_render_rule("math_inline", _inline_math)
    md.add_render_rule("math_inline_double", _display_math)
    md.add_render_rule("math_block", _display_math)
    code_block = cast(RendererHTML, md.renderer).rules["fence"]

    def fence(self, tokens: Sequence, idx: int, options, env) -> str:
        info = tokens[idx].info.strip().split()
        if info[:1] == ["mermaid"] and env.get("mermaid"):
            return env["mermaid"] + "\n"
        return code_block(tokens, idx, options, env)

    md.add_render_rule("fence", fence)
    return md


def _inline_math(self, tokens: Sequence, idx: int, options, env) -> str:
    return env["math"](tokens[idx].content, False)


def _display_math(self, tokens: Sequence, idx: int, options, env) -> str:
    block = tokens[idx].block
    return env["math"](tokens[idx].content.strip(), True) + ("\n" if block else "")
