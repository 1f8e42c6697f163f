"""Computational-graph diagrams in TikZ (LaTeX), drawn at render time from a graph description.

The description (``exgen.types.graphs.describe``) is JSON data stored in an instance. The statement shows
the given forward values above the arrows, the gradients to find below them as ``(c) ?`` (in red), given
upstream gradients in red, and gradients asked at a branching value beside its node. The key shows every
forward value and every gradient.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exgen.render.diagrams.common import forward_state, is_wide, node_id

GRAD_COLOR = "red!70!black"


def _forward(e: Mapping[str, Any], key: bool) -> str:
    state = forward_state(e, key=key)
    if state == "asked":
        return rf"\textbf{{({e['forward_part']})}}\,?"
    if state == "hidden":
        return "$" + e["name"] + "$"  # the value's name only: the student works it out
    return "$" + e["value_tex"] + "$"


def _backward(e: Mapping[str, Any], key: bool) -> str:
    if key or e["grad_given"]:
        return "$" + e["grad_tex"] + "$"
    if e["grad_part"]:
        return rf"\textbf{{({e['grad_part']})}}\,?"
    return ""


def tikz(desc: Mapping[str, Any], *, key: bool = False) -> str:
    """Return a ``tikzpicture`` (needs the ``arrows.meta`` library) drawing the described graph.

    Args:
        desc: a graph description from ``exgen.types.graphs.describe``.
        key: draw every gradient (the answer key) instead of marking the ones to find.
    """
    wide = is_wide(desc)
    dx, unit = (3.6, 1.5) if wide else (2.4, 0.95)
    size = r"\normalsize" if wide else r"\footnotesize"  # smallmatrix is already a size smaller
    out = [r"\begin{tikzpicture}[>={Stealth[length=2mm]}, font=\small,",
           r"  op/.style={circle, draw, thick, minimum size=9mm, inner sep=1pt, fill=black!4},",
           r"  leaf/.style={inner sep=3pt},",
           rf"  fwd/.style={{above, font={size}, inner sep=2pt}},",
           rf"  bwd/.style={{below, font={size}, inner sep=2pt, text={GRAD_COLOR}}}]"]
    where = {n["id"]: (n["col"], n["row"]) for n in desc["nodes"]}
    for n in desc["nodes"]:
        style = "op" if n["kind"] == "op" else "leaf"
        out.append(rf"\node[{style}] ({node_id(n['id'])}) at ({n['col'] * dx:.2f},{-n['row'] * unit:.2f}) "
                   rf"{{${n['label']}$}};")
    for e in desc["edges"]:
        fwd, bwd = _forward(e, key), _backward(e, key)
        (c0, r0), (c1, r1) = where[e["src"]], where[e["dst"]]
        src, dst = node_id(e["src"]), node_id(e["dst"])
        if desc.get("straight"):  # a fan of arrows from one value (a branch)
            route, pos = "--", "pos=0.55, sloped"
        elif r0 == r1:
            between = any(r == r0 and c0 < c < c1 for c, r in where.values())
            route, pos = ("to[bend left=30]", "midway") if between else ("--", "midway")
        else:  # along the source's row, then up or down into the node (a branch point where arrows share it)
            route = "-|"
            pos = "pos=0.25" if c1 - c0 <= 1 else f"pos={0.5 * (c1 - c0 - 0.5) / (c1 - c0):.3f}"
        labels = rf"node[fwd, {pos}] {{{fwd}}}"
        if bwd:
            labels += rf" node[bwd, {pos}] {{{bwd}}}"
        out.append(rf"\draw[->, thick] ({src}) {route} {labels} ({dst});")
    for m in desc.get("marks", ()):
        value = m["grad_tex"] if key else r"?"
        part = "" if key else rf"\ \textbf{{({m['part']})}}"
        out.append(rf"\node[left=1mm of {node_id(m['node'])}, font=\footnotesize, text={GRAD_COLOR}] "
                   rf"{{$\frac{{\partial L}}{{\partial {m['name']}}} = {value}${part}}};")
    out.append(r"\end{tikzpicture}")
    return "\n".join(line for line in out if line)
