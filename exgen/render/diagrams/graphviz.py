"""Lay out a computational-graph diagram with Graphviz ``dot``: where nodes, arrows and labels go.

Every arrow's label is a node of its own: a box holding the forward value, a thin *rail* under it that the
arrow runs through, and a box under the rail holding the gradient. Graphviz never routes an arrow through
a node or puts two nodes on top of each other, so a label can overlap neither an arrow nor another label,
and it always sits on its own arrow. A gradient asked at a branching value (a *mark*) is a node left of
that value.

We give ``dot`` only boxes whose sizes we fix from our text metrics (``fixedsize`` nodes, fixed-size
HTML-table cells, no text at all): no font is measured, so the layout does not depend on the fonts a
machine has. ``dot -Tjson0`` returns the positions; ``exgen.render.diagrams.svg`` draws the SVG itself.

One layout serves the worksheet and the key: each box is sized for the longer of its two texts, so a
student's sheet and its key show the same picture.

Determinism: the same description gives the same layout with the same Graphviz version (``dot`` runs with
a clean environment and its input holds no time, path or user text). Without ``dot`` the caller gets one
``ExgenError`` naming the package to install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from exgen.errors import ExgenError
from exgen.render.diagrams.common import backward_lines, forward_lines, mark_lines, node_id

PROGRAM = "dot"
MISSING = ("HTML graph diagrams are laid out by Graphviz, whose `dot` program is not installed or not on PATH: "
           "install the `graphviz` package (apt-get install graphviz, brew install graphviz, or "
           "https://graphviz.org/download/), or leave html out of --format")
TIMEOUT = 30

#: Text metrics of the drawing (px): a monospace font, one advance per character, so that a box computed
#: here is the box a browser draws (the SVG also pins each line's length).
FONT_SIZE = 12
CHAR = 7.3
LINE = 15
PAD = 3
RAIL = 2  # the strip of a label that its arrow runs through
GRAPH = "rankdir=LR, nodesep=0.08, ranksep=0.12, margin=0, splines=spline"


@dataclass(frozen=True)
class Box:
    """A rectangle by its centre and size, in px with y growing downwards."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> float:
        return self.x - self.w / 2

    @property
    def top(self) -> float:
        return self.y - self.h / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Shape:
    """One node: its description id, ``mark`` for a gradient asked beside a node, and its box."""

    id: str
    mark: bool
    box: Box


@dataclass(frozen=True)
class Arrow:
    """One arrow (``desc["edges"][index]``): a cubic Bezier path (start, then 3 points per segment) ending
    at the base of its head, the head's tip, and the boxes of its forward and gradient labels."""

    index: int
    path: tuple[tuple[float, float], ...]
    tip: tuple[float, float]
    above: Box
    below: Box | None


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    shapes: tuple[Shape, ...]
    arrows: tuple[Arrow, ...]


def find_dot() -> str:
    """Return the path of Graphviz's ``dot``.

    Raises:
        ExgenError: it is not installed (the message names the package).
    """
    path = shutil.which(PROGRAM)
    if not path:
        raise ExgenError(MISSING)
    return path


def text_width(lines: list[str]) -> int:
    """Return the width (px) of lines of text in the diagram font, padding included."""
    return int(round(max((len(s) for s in lines), default=0) * CHAR)) + 2 * PAD


def text_height(lines: list[str]) -> int:
    return len(lines) * LINE + 2 * PAD if lines else 0


def node_lines(n: Mapping[str, Any]) -> list[str]:
    return [n["text"]]


def label_lines(e: Mapping[str, Any], key: bool) -> tuple[list[str], list[str]]:
    """Return an arrow's forward label (``x = 3``, ``u = (a) ?``) and its gradient label (the value or
    ``(b) ?``; under the arrow, in red)."""
    return forward_lines(e, key), backward_lines(e, key, named=False)


def _label_sizes(e: Mapping[str, Any]) -> tuple[int, int, int]:
    both = [label_lines(e, k) for k in (False, True)]
    width = max(text_width(f + b) for f, b in both)
    return width, max(text_height(f) for f, _ in both), max(text_height(b) for _, b in both)


def _mark_size(m: Mapping[str, Any]) -> tuple[int, int]:
    both = [mark_lines(m, k) for k in (False, True)]
    return max(text_width(lines) for lines in both), max(text_height(lines) for lines in both)


def _node_size(n: Mapping[str, Any]) -> tuple[int, int]:
    w, h = text_width(node_lines(n)), text_height(node_lines(n))
    if n["kind"] == "op":  # a circle, or a pill round a longer name
        h = max(h + 6, 28)
        w = max(w + 10, h)
    return w, h


def _cell(width: int, height: int, port: str = "") -> str:
    port = f' PORT="{port}"' if port else ""
    return f'<TR><TD{port} FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{height}"></TD></TR>'


def dot_source(desc: Mapping[str, Any]) -> str:
    """Return the ``dot`` input for a description: fixed-size boxes only, names made of [A-Za-z0-9]."""
    out = ["digraph g {", f"  graph [{GRAPH}];", '  node [fixedsize=true, shape=box, label=""];',
           "  edge [arrowsize=0.7];"]
    for n in desc["nodes"]:
        w, h = _node_size(n)
        out.append(f'  {node_id(n["id"])} [width={w / 72:.4f}, height={h / 72:.4f}];')
    for i, m in enumerate(desc.get("marks", ())):
        w, h = _mark_size(m)
        out.append(f'  mark{i} [width={w / 72:.4f}, height={h / 72:.4f}];')
        out.append(f'  mark{i} -> {node_id(m["node"])} [style=invis, weight=10];')
    for i, e in enumerate(desc["edges"]):
        w, above, below = _label_sizes(e)
        rows = _cell(w, above) + _cell(w, RAIL, "p") + (_cell(w, below) if below else "")
        out.append(f'  l{i} [shape=plain, fixedsize=false, label=<<TABLE BORDER="0" CELLBORDER="0" '
                   f'CELLPADDING="0" CELLSPACING="0">{rows}</TABLE>>];')
        out.append(f'  {node_id(e["src"])} -> l{i}:p:w [arrowhead=none, id=t{i}];')
        out.append(f'  l{i}:p:e -> {node_id(e["dst"])} [id=h{i}];')
    out.append("}")
    return "\n".join(out) + "\n"


def layout(desc: Mapping[str, Any]) -> Layout:
    """Return where every node, arrow and label of a described graph goes (one ``dot`` run per graph).

    Raises:
        ExgenError: ``dot`` is missing or failed.
    """
    sizes = tuple(_label_sizes(e)[1:] for e in desc["edges"])
    return _layout(dot_source(desc), tuple(n["id"] for n in desc["nodes"]),
                   tuple(m["node"] for m in desc.get("marks", ())), sizes)


@lru_cache(maxsize=512)
def _layout(source: str, node_ids: tuple[str, ...], marks: tuple[str, ...],
            sizes: tuple[tuple[int, int], ...]) -> Layout:
    data = _run_dot(source)
    x0, y0, x1, y1 = (float(v) for v in data["bb"].split(","))
    height = y1 - y0

    def point(text: str) -> tuple[float, float]:
        x, y = (float(v) for v in text.split(","))
        return round(x - x0, 1), round(height - (y - y0), 1)  # dot's y grows upwards

    names = {node_id(i): i for i in node_ids}
    shapes, labels = [], {}
    for obj in data.get("objects", []):
        x, y = point(obj["pos"])
        box = Box(x, y, round(float(obj["width"]) * 72, 1), round(float(obj["height"]) * 72, 1))
        name = obj["name"]
        if name.startswith("mark"):
            shapes.append(Shape(marks[int(name[4:])], True, box))
        elif name in names:
            shapes.append(Shape(names[name], False, box))
        else:
            labels[int(name[1:])] = box
    paths: dict[str, tuple[tuple[tuple[float, float], ...], str]] = {}
    for e in data.get("edges", []):
        if "id" in e:
            fields = e["pos"].split()
            paths[e["id"]] = tuple(point(p) for p in fields if not p.startswith(("e,", "s,"))), fields[0]
    arrows = []
    for i, box in sorted(labels.items()):
        above, below = sizes[i]
        (tail, _), (head, end) = paths[f"t{i}"], paths[f"h{i}"]
        (ax, ay), (bx, by) = tail[-1], head[0]  # the rail: a straight line, written as a cubic
        rail = ((round(ax + (bx - ax) / 3, 1), round(ay + (by - ay) / 3, 1)),
                (round(ax + 2 * (bx - ax) / 3, 1), round(ay + 2 * (by - ay) / 3, 1)), (bx, by))
        top = box.top
        arrows.append(Arrow(i, tail + rail + head[1:], point(end[2:]),
                            Box(box.x, top + above / 2, box.w, above),
                            Box(box.x, top + above + RAIL + below / 2, box.w, below) if below else None))
    return Layout(round(x1 - x0, 1), round(height, 1), tuple(shapes), tuple(arrows))


def _run_dot(source: str) -> dict:
    dot = find_dot()
    env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C"}  # none of the user's Graphviz settings
    try:
        proc = subprocess.run([dot, "-Tjson0"], input=source, capture_output=True, text=True, env=env,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise ExgenError(f"Graphviz dot did not lay out a graph diagram within {TIMEOUT} s") from None
    except OSError as err:
        raise ExgenError(f"Graphviz dot could not be run: {err.strerror or err}") from None
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["no message"])[0][:200]
        raise ExgenError(f"Graphviz dot failed on a graph diagram (exit status {proc.returncode}): {first}")
    return json.loads(proc.stdout)
