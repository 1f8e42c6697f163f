"""Computational-graph diagrams in TikZ (LaTeX), drawn at render time from a graph description.

The description (``exgen.types.graphs.describe``) is JSON data stored in an instance. The statement shows
the given forward values above the arrows, the gradients to find below them as ``(c) ?`` (in red), given
upstream gradients in red, and gradients asked at a branching value beside its node. The key shows every
forward value and every gradient.

Where things go comes from ``exgen.render.diagrams.tracks`` (no layout program is needed for LaTeX): the
labels, and invisible stand-ins of the nodes, are cells of a TikZ ``matrix``, which TeX sizes to what the
cells hold; the nodes are drawn over their stand-ins and the arrows along rows, node columns and lanes,
where no cell holds text. So no label can overlap an arrow, a node or another label, whatever its size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exgen.render.diagrams.common import is_wide, node_id
from exgen.render.diagrams.tracks import DROP, JUNCTION, STRAIGHT, Grid, Route, layout

GRAD_COLOR = "red!70!black"
OP_HEIGHT = 9  # mm: an operation is a circle, or a pill round a longer name
LANE = 1.6  # mm between two vertical lines in one gap


def _forward(e: Mapping[str, Any], key: bool) -> str:
    if e["forward_part"] and not key:
        return rf"\textbf{{({e['forward_part']})}}\,?"
    return "$" + e["value_tex"] + "$"


def _backward(e: Mapping[str, Any], key: bool) -> str:
    if key or e["grad_given"]:
        return "$" + e["grad_tex"] + "$"
    if e["grad_part"]:
        return rf"\textbf{{({e['grad_part']})}}\,?"
    return ""


def _mark(m: Mapping[str, Any], key: bool) -> str:
    value = m["grad_tex"] if key else "{?}"
    part = "" if key else rf"\ \textbf{{({m['part']})}}"
    return rf"$\frac{{\partial L}}{{\partial {m['name']}}} = {value}${part}"


def _arrows(desc: Mapping[str, Any], grid: Grid) -> list[str]:
    """Return the lines of every arrow, each stretch drawn once: per value, its track along its row, the
    drops and lane lines off it, and a dot where a line leaves a track or lane that goes on."""
    out = []
    edges = desc["edges"]
    col, rows = grid.columns, grid.rows
    for src in dict.fromkeys(e["src"] for e in edges):
        mine = [r for r in grid.routes if edges[r.edge]["src"] == src]
        s = node_id(src)
        # where the track turns off (a drop's corner, a lane) and how far right it runs
        turns = [(2 * col[edges[r.edge]["dst"]] - (1 if r.kind == JUNCTION else 0), r) for r in mine
                 if r.kind != STRAIGHT]
        straight = [r for r in mine if r.kind == STRAIGHT]
        far = max((x for x, _ in turns), default=None)

        def point(x: int, r: Route) -> str:
            dst = edges[r.edge]["dst"]
            return f"lane{col[dst]}x{r.lane}" if x % 2 else node_id(dst)

        if far is not None:
            end = next(point(x, r) for x, r in turns if x == far)
            out.append(rf"\draw[thick] ({s}) -- ({end} |- {s});")
            for x, r in turns:
                if x < far or straight:
                    out.append(rf"\fill ({point(x, r)} |- {s}) circle (1.3pt);")
        for r in straight:
            start = f"({point(far, next(t for x, t in turns if x == far))} |- {s})" if far is not None else f"({s})"
            out.append(rf"\draw[->, thick] {start} -- ({node_id(edges[r.edge]['dst'])});")
        for r in mine:
            if r.kind == DROP:
                dst = node_id(edges[r.edge]["dst"])
                out.append(rf"\draw[->, thick] ({dst} |- {s}) -- ({dst});")
        lanes: dict[str, list[Route]] = {}
        for r in mine:
            if r.kind == JUNCTION:
                lanes.setdefault(point(1, r), []).append(r)
        for lane, group in lanes.items():
            ys = [rows[src]] + [rows[edges[r.edge]["dst"]] for r in group]
            top, bottom = min(ys), max(ys)
            ends = {top: None, bottom: None}
            by_row = {rows[edges[r.edge]["dst"]]: node_id(edges[r.edge]["dst"]) for r in group}
            first = by_row.get(top, s)
            last = by_row.get(bottom, s)
            out.append(rf"\draw[thick] ({lane} |- {first}) -- ({lane} |- {last});")
            for row, dst in by_row.items():
                out.append(rf"\draw[->, thick] ({lane} |- {dst}) -- ({dst});")
                if row not in ends:
                    out.append(rf"\fill ({lane} |- {dst}) circle (1.3pt);")
            if rows[src] not in ends:
                out.append(rf"\fill ({lane} |- {s}) circle (1.3pt);")
    return out


def tikz(desc: Mapping[str, Any], *, key: bool = False) -> str:
    """Return a ``tikzpicture`` (needs the ``arrows.meta`` library) drawing the described graph.

    Args:
        desc: a graph description from ``exgen.types.graphs.describe``.
        key: draw every gradient (the answer key) instead of marking the ones to find.
    """
    grid = layout(desc)
    size = r"\normalsize" if is_wide(desc) else r"\footnotesize"  # smallmatrix is already a size smaller
    nodes = {n["id"]: n for n in desc["nodes"]}
    last = max(grid.columns.values())
    used = sorted(set(grid.rows.values()) | {r for r, _ in grid.marks} | {r for r, _ in grid.labels})
    # matrix columns: for each node column c (from 1): its gap's lane, its gap's labels, then the node
    width = 3 * last
    cells = {(r, part): [""] * width for r in used for part in "ALB"}

    def lane(c: int) -> int:
        return 3 * c - 3

    def label(c: int) -> int:
        return 3 * c - 2

    def column(c: int) -> int:
        return 3 * c - 1

    for name, c in grid.columns.items():
        r, n = grid.rows[name], nodes[name]
        op = n["kind"] == "op"
        stand_in = "opstand" if op else "leafstand"
        cells[(r, "L")][column(c)] += rf"\node[{stand_in}] (p{node_id(name)}) {{\phantom{{${n['label']}$}}}};"
        half = OP_HEIGHT / 2 if op else 2.8
        cells[(r, "A")][column(c)] += rf"\node[strut, anchor=south, minimum height={half}mm] {{}};"
        cells[(r, "B")][column(c)] += rf"\node[strut, anchor=north, minimum height={half}mm] {{}};"
    for route, (r, x) in zip(grid.routes, grid.labels):
        e = desc["edges"][route.edge]
        c = (x + 1) // 2
        cells[(r, "A")][label(c)] += rf"\node[fwd] {{{_forward(e, key)}}};"
        back = _backward(e, key)
        if back:
            cells[(r, "B")][label(c)] += rf"\node[bwd] {{{back}}};"
    for m, (r, x) in zip(desc.get("marks", ()), grid.marks):
        c = (x + 1) // 2
        text = _mark(m, key)
        cells[(r, "L")][label(c)] += rf"\node[gmark] {{{text}}};"
        cells[(r, "A")][label(c)] += rf"\node[strut, anchor=south] {{\vphantom{{{text}}}}};"
        cells[(r, "B")][label(c)] += rf"\node[strut, anchor=north] {{\vphantom{{{text}}}}};"
    for c, count in grid.lanes.items():
        first = cells[(used[0], "A")]
        first[lane(c)] += rf"\node[strut, minimum width={count * LANE + 1:.1f}mm] {{}};"
        first[lane(c)] += "".join(rf"\coordinate[xshift={(i - (count - 1) / 2) * LANE:.2f}mm] (lane{c}x{i});"
                                  for i in range(count))

    out = [r"\begin{tikzpicture}[>={Stealth[length=2mm]}, font=\small,",
           r"  op/.style={draw, thick, fill=black!4, rounded corners=4.5mm, minimum height=9mm, minimum width=9mm,"
           r" inner xsep=4pt},",
           r"  opstand/.style={op, draw=none, fill=none, text height=0pt, text depth=0pt, minimum height=0pt,"
           r" inner ysep=0pt},",
           r"  leaf/.style={inner sep=3pt}, leafstand/.style={leaf, text height=0pt, text depth=0pt, inner ysep=0pt},",
           r"  strut/.style={inner sep=0pt, minimum width=0pt},",
           rf"  fwd/.style={{anchor=south, font={size}, inner sep=2pt, minimum width=8mm}},",
           rf"  bwd/.style={{anchor=north, font={size}, inner sep=2pt, minimum width=8mm, text={GRAD_COLOR}}},",
           rf"  gmark/.style={{anchor=east, font=\footnotesize, text={GRAD_COLOR}, text height=0pt, text depth=0pt,"
           r" inner sep=1.5pt, yshift=-0.6ex}]",
           r"\matrix[ampersand replacement=\&, column sep=0.8mm, row sep=0.6mm] {"]
    for r in used:
        for part in "ALB":
            out.append(" \\& ".join(cells[(r, part)]) + r" \\")
    out.append("};")
    for name in grid.columns:
        n = nodes[name]
        style = "op" if n["kind"] == "op" else "leaf"
        out.append(rf"\node[{style}] ({node_id(name)}) at (p{node_id(name)}) {{${n['label']}$}};")
    out += _arrows(desc, grid)
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)
