"""HTML for LMS question text: each LMS's math form, and statements and solutions written with it.

Each LMS shows LaTeX differently (Canvas: equation images; Moodle and PrairieLearn: MathJax ``\\( \\)``),
so the text goes through exgen's one HTML path (``exgen.render.html``) with the LMS's ``math(latex,
display) -> html``. Words are always HTML-escaped; the math is escaped too (``&`` in a bmatrix becomes
``&amp;``, which MathJax and Canvas read back as ``&``).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from urllib.parse import quote

from exgen.instance import Instance
from exgen.render.html import Math, markdown_html, rich_html
from exgen.render.plaintext import TEX_SYMBOLS, plain_text  # noqa: F401 (the exporters' names for them)


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


#: ``picture(svg, label) -> html``: how an LMS shows a drawn graph (an ``<img>`` of a file it stores).
Picture = Callable[[str, str], str]


def graph_picture(instance: Instance) -> tuple[str, str] | None:
    """Return (SVG document, its label) of the instance's graph diagram, or None when it has none."""
    from exgen.render.diagrams.svg import graph_svg

    desc = (instance.to_dict().get("context") or {}).get("graph")
    if not isinstance(desc, Mapping):
        return None
    from exgen.i18n import _

    label = _("Computational graph: forward values above the arrows, gradients below (in red); (letter) ? marks "
              "a value to find")
    return graph_svg(desc, key=False, label=label), label


def statement_html(instance: Instance, math: Math, picture: Picture | None = None) -> str:
    """Return the statement of one exercise (its given data) as HTML.

    Its graph is an inline SVG figure, or ``picture(svg, label)`` where the LMS's HTML filter removes inline
    SVG (Canvas's sanitizer keeps ``img`` and ``figure`` but not ``svg``).
    """
    from exgen.render.diagrams.svg import graph_figure
    from exgen.render.documents import render_exercise

    figure = graph_figure(instance.to_dict(), key=False)
    if picture is not None and figure:
        drawn = graph_picture(instance)
        if drawn is not None:
            figure = f'<figure class="graph">{picture(*drawn)}<figcaption>{html.escape(drawn[1])}</figcaption></figure>'
    return markdown_html(render_exercise(instance, "md"), math, mermaid=figure)


def svg_name(svg: str) -> str:
    """Return a stable file name for a drawn graph (a hash of its content)."""
    import hashlib

    return "graph-" + hashlib.sha256(svg.encode("utf-8")).hexdigest()[:16] + ".svg"


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


#: LaTeX commands shown as the symbol a reader expects in plain text.
def margin(value: float, tolerance) -> float:
    """Return the absolute margin exgen's checker allows around ``value`` (``abs + rel * |value|``, widened to
    half a unit of the asked decimal place or significant figure; see docs/tolerance.md)."""
    from exgen.answers.tolerance import margin as tolerance_margin

    return tolerance_margin(value, tolerance)
