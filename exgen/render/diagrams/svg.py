"""Computational-graph diagrams as inline SVG for HTML pages, from the description in ``exgen.types.graphs``.

The layout follows the TikZ drawing (``exgen.render.diagrams.tikz``): columns left to right, forward values above
the arrows, gradients below (in red), gradients to find as ``(c) ?``. Only plain text is drawn, always
escaped; the result is deterministic.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

from exgen.render.diagrams.common import forward_state, is_wide

_GRAD = "#a31515"


def _forward(e: Mapping[str, Any], key: bool) -> str:
    state = forward_state(e, key=key)
    if state == "asked":
        return f"({e['forward_part']}) ?"
    if state == "hidden":
        return e["src"]
    return f"{e['src']} = {e['value_text']}"


def _backward(e: Mapping[str, Any], key: bool) -> str:
    if key or e["grad_given"]:
        return f"∂L/∂{e['src']} = {e['grad_text']}"
    if e["grad_part"]:
        return f"∂L/∂{e['src']} = ({e['grad_part']}) ?"
    return ""


def _skips(e: Mapping[str, Any], desc: Mapping[str, Any]) -> bool:
    where = {n["id"]: (n["col"], n["row"]) for n in desc["nodes"]}
    (c1, r1), (c2, r2) = where[e["src"]], where[e["dst"]]
    return r1 == r2 and abs(c2 - c1) > 1


def _text_width(text: str) -> float:
    return 6.6 * len(text) + 8


def graph_svg(desc: Mapping[str, Any], *, key: bool = False, label: str = "Computational graph") -> str:
    """Return an ``<svg>`` drawing of a graph description (``role="img"``, titled for screen readers)."""
    wide = is_wide(desc)
    forward = {e["src"] + ">" + e["dst"]: _forward(e, key) for e in desc["edges"]}
    longest = max([_text_width(t) for t in forward.values()] + [_text_width(_backward(e, key)) for e in desc["edges"]]
                  + [80])
    dx = max(150.0, longest + 50) if wide else max(130.0, longest + 40)
    dy = 80.0
    col0 = min(n["col"] for n in desc["nodes"])
    row0 = min(n["row"] for n in desc["nodes"])
    top = 40 + (0.9 * dy if any(e for e in desc["edges"] if _skips(e, desc)) else 0)
    marks = [f"∂L/∂{m['node']} = {m['grad_text'] if key else '(' + m['part'] + ') ?'}" for m in desc.get("marks", ())]
    left = max([40.0] + [_text_width(t) / 2 + 8 for t in marks])
    pos = {n["id"]: (left + (n["col"] - col0) * dx, top + (n["row"] - row0) * dy) for n in desc["nodes"]}
    width = max(x for x, _ in pos.values()) + 60
    height = max(y for _, y in pos.values()) + 70
    size = {}
    out = []
    for n in desc["nodes"]:
        x, y = pos[n["id"]]
        text = html.escape(n["text"])
        if n["kind"] == "op":
            w = max(36.0, _text_width(n["text"]))
            size[n["id"]] = w / 2
            out.append(f'<rect x="{x - w / 2:.1f}" y="{y - 18:.1f}" width="{w:.1f}" height="36" rx="18" '
                       f'fill="#f2f2f2" stroke="#333" stroke-width="1.5"/>'
                       f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle">{text}</text>')
        else:
            size[n["id"]] = _text_width(n["text"]) / 2
            out.append(f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" font-style="italic">{text}</text>')
    for e in desc["edges"]:
        (x1, y1), (x2, y2) = pos[e["src"]], pos[e["dst"]]
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        sx, sy = x1 + ux * (size[e["src"]] + 2), y1 + uy * (size[e["src"]] + 2)
        ex_, ey = x2 - ux * (size[e["dst"]] + 4), y2 - uy * (size[e["dst"]] + 4)
        mx, my = (sx + ex_) / 2, (sy + ey) / 2
        if abs(y2 - y1) < 1e-6 and abs(x2 - x1) > 1.5 * dx:  # skips a column: arc above the nodes between
            ay = sy - 0.9 * dy
            out.append(f'<path d="M{sx:.1f} {sy - 8:.1f} Q{mx:.1f} {ay:.1f} {ex_:.1f} {ey - 8:.1f}" fill="none" '
                       f'stroke="#333" stroke-width="1.5" marker-end="url(#head)"/>')
            top = (sy - 8 + ay) / 2
            out.append(f'<text x="{mx:.1f}" y="{top - 22:.1f}" text-anchor="middle" font-size="12">'
                       f'{html.escape(forward[e["src"] + ">" + e["dst"]])}</text>')
            back = _backward(e, key)
            if back:
                out.append(f'<text x="{mx:.1f}" y="{top - 8:.1f}" text-anchor="middle" font-size="12" '
                           f'fill="{_GRAD}">{html.escape(back)}</text>')
            continue
        angle = math.degrees(math.atan2(uy, ux))
        turn = f' transform="rotate({angle:.1f} {mx:.1f} {my:.1f})"' if abs(angle) > 0.5 else ""
        out.append(f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex_:.1f}" y2="{ey:.1f}" stroke="#333" '
                   f'stroke-width="1.5" marker-end="url(#head)"/>')
        out.append(f'<text x="{mx:.1f}" y="{my - 6:.1f}" text-anchor="middle" font-size="12"{turn}>'
                   f'{html.escape(forward[e["src"] + ">" + e["dst"]])}</text>')
        back = _backward(e, key)
        if back:
            out.append(f'<text x="{mx:.1f}" y="{my + 15:.1f}" text-anchor="middle" font-size="12" '
                       f'fill="{_GRAD}"{turn}>{html.escape(back)}</text>')
    for m in desc.get("marks", ()):
        x, y = pos[m["node"]]
        value = m["grad_text"] if key else f"({m['part']}) ?"
        text = html.escape(f"∂L/∂{m['node']} = {value}")
        out.append(f'<text x="{x:.1f}" y="{y + 40:.1f}" text-anchor="middle" font-size="12" fill="{_GRAD}">'
                   f'{text}</text>')
    head = ('<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
            'orient="auto"><path d="M0 0L10 5L0 10z" fill="#333"/></marker></defs>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
            f'height="{height:.0f}" role="img" aria-label="{html.escape(label)}" class="graph" '
            f'font-family="sans-serif" font-size="14"><title>{html.escape(label)}</title>{head}'
            + "".join(out) + "</svg>")


def graph_figure(ex: Mapping[str, Any], *, key: bool) -> str:
    """Return an exercise's graph diagram as an HTML ``<figure>``, or "" when it has none."""
    desc = (ex.get("context") or {}).get("graph")
    if not isinstance(desc, Mapping):
        return ""
    label = ("Computational graph with every forward value and gradient" if key else
             "Computational graph: forward values above the arrows, gradients below; (letter) ? marks a value "
             "to find")
    return f'<figure class="graph">{graph_svg(desc, key=key, label=label)}<figcaption>{html.escape(label)}' \
           "</figcaption></figure>"
