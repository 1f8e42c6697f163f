"""Computational-graph diagrams as inline SVG for HTML pages, laid out by Graphviz (``.graphviz``).

Forward values sit on the first lines of each arrow's label, gradients (red) below them, a value to find
as ``(c) ?``; a gradient asked at a branching value stands left of its node. Every text line is drawn in a
monospace font with its length pinned (``textLength``) to the box the layout reserved, so what a browser
draws stays inside the boxes Graphviz kept apart. Only plain text is drawn, always escaped; every style is
an attribute (no CSS, no ids), so the SVG looks the same in our pages and in LMS question text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from exgen.i18n import _
from exgen.render.diagrams.common import mark_lines
from exgen.render.diagrams.graphviz import CHAR, FONT_SIZE, LINE, PAD, Box, label_lines, layout, node_lines

INK = "#222"
GRAD = "#a31515"
NBSP = "\u00a0"
FONT = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"


def _f(v: float) -> str:
    return f"{v:.1f}"


def _keep_spaces(text: str) -> str:
    """Return text whose leading spaces and runs of spaces (which align a matrix's columns) are no-break
    spaces, since SVG collapses them; single spaces stay, so ``(a) ?`` reads as typed."""
    return re.sub(r"^ +| {2,}", lambda m: NBSP * len(m.group()), text)


def _block(lines: list[str], box: Box, color: str, *, align: str = "centre", valign: str = "middle",
           italic: bool = False) -> list[str]:
    """Return the ``<text>`` lines of one block, left-aligned together, placed in ``box``.

    ``align``: the block centred or against the box's right side; ``valign``: against its top, its bottom
    (next to the arrow's rail) or in the middle.
    """
    if not lines:
        return []
    width = max(len(s) for s in lines) * CHAR
    left = box.x - width / 2 if align == "centre" else box.left + box.w - PAD - width
    height = len(lines) * LINE
    top = {"top": box.top + PAD, "bottom": box.bottom - PAD - height, "middle": box.y - height / 2}[valign]
    style = ' font-style="italic"' if italic else ""
    out = []
    for i, line in enumerate(lines):
        baseline = top + i * LINE + 0.78 * LINE
        length = f' textLength="{_f(len(line) * CHAR)}" lengthAdjust="spacingAndGlyphs"' if len(line) > 1 else ""
        out.append(f'<text x="{_f(left)}" y="{_f(baseline)}" fill="{color}"{style}{length}>'
                   f'{_keep_spaces(html.escape(line))}</text>')
    return out


def _arrowhead(path: tuple[tuple[float, float], ...], tip: tuple[float, float]) -> str:
    (bx, by), (tx, ty) = path[-1], tip
    nx, ny = -(ty - by) * 0.4, (tx - bx) * 0.4
    pts = [(tx, ty), (bx + nx, by + ny), (bx - nx, by - ny)]
    return f'<polygon points="{" ".join(f"{_f(x)},{_f(y)}" for x, y in pts)}" fill="{INK}"/>'


def graph_svg(desc: Mapping[str, Any], *, key: bool = False, label: str | None = None) -> str:
    """Return an ``<svg>`` drawing of a graph description (``role="img"``, titled for screen readers with
    ``label``, by default "Computational graph" in the running language).

    Raises:
        ExgenError: Graphviz's ``dot`` is missing or failed.
    """
    label = _("Computational graph") if label is None else label
    lay = layout(desc)
    nodes = {n["id"]: n for n in desc["nodes"]}
    marks = {m["node"]: m for m in desc.get("marks", ())}
    out = []
    for a in lay.arrows:
        (x0, y0), rest = a.path[0], a.path[1:]
        curve = " ".join(f"{_f(x)} {_f(y)}" for x, y in rest)
        out.append(f'<path d="M{_f(x0)} {_f(y0)}C{curve}" fill="none" stroke="{INK}" stroke-width="1.3"/>')
        out.append(_arrowhead(a.path, a.tip))
    for s in lay.shapes:
        b = s.box
        if s.mark:
            out += _block(mark_lines(marks[s.id], key), b, GRAD, align="right")
            continue
        n = nodes[s.id]
        if n["kind"] == "op":
            out.append(f'<rect x="{_f(b.left)}" y="{_f(b.top)}" width="{_f(b.w)}" height="{_f(b.h)}" '
                       f'rx="{_f(b.h / 2)}" fill="#f2f2f2" stroke="{INK}" stroke-width="1.3"/>')
        out += _block(node_lines(n), b, INK, italic=n["kind"] != "op")
    for a in lay.arrows:
        fwd, back = label_lines(desc["edges"][a.index], key)
        out += _block(fwd, a.above, INK, valign="bottom")
        if a.below:
            out += _block(back, a.below, GRAD, valign="top")
    w, h = lay.width, lay.height
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 {_f(w + 4)} {_f(h + 4)}" width="{w + 4:.0f}" '
            f'height="{h + 4:.0f}" role="img" aria-label="{html.escape(label)}" class="graph" '
            f'font-family="{FONT}" font-size="{FONT_SIZE}"><title>{html.escape(label)}</title>'
            + "".join(out) + "</svg>")


def graph_figure(ex: Mapping[str, Any], *, key: bool) -> str:
    """Return an exercise's graph diagram as an HTML ``<figure>``, or "" when it has none."""
    desc = (ex.get("context") or {}).get("graph")
    if not isinstance(desc, Mapping):
        return ""
    label = (_("Computational graph with every forward value (above the arrows) and gradient (below, in red)") if key
             # Translators: "(letter) ?" is how the diagram marks a value to find, e.g. "(a) ?"; keep it as is.
             else _("Computational graph: forward values above the arrows, gradients below (in red); (letter) ? "
                    "marks a value to find"))
    return f'<figure class="graph">{graph_svg(desc, key=key, label=label)}<figcaption>{html.escape(label)}' \
           "</figcaption></figure>"
