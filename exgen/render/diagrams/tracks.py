"""A grid layout for graph diagrams drawn without a layout program (TikZ): nodes in columns, values on rows.

Each node sits in a *column* (its depth in the graph; a leaf one column before its first consumer) and
on a *row*; the value it produces runs right along its row as a horizontal *track*. Between two node
columns lies a *gap*: a narrow *lane* column for vertical lines, then a *label* column. An arrow from a
value to a node at column ``c`` is one of:

- ``straight``: the node is on the value's row; the track runs into its left side;
- ``drop``: the track runs on to column ``c`` and turns up or down into the node's top or bottom;
- ``junction``: the track stops in gap ``c``'s lane, a vertical line takes it to the node's row, and it
  enters the node's left side.

An arrow's labels (forward value above, gradient below) stand in gap ``c``'s label column on the row of
the arrow's horizontal part just before the node, so every (row, gap) holds at most one label, and a
gradient asked at a branching value (a *mark*) takes a (row, gap) cell of its own. Rows are chosen by a
small backtracking search under the rules that make overlaps impossible: no line runs through a node,
a label or a mark, no two values share a stretch of row, no vertical line passes a node, and each node
has one left entry, one top and one bottom. The drawing (``exgen.render.diagrams.tikz``) puts labels and
nodes in the cells of a grid whose rows and columns TeX sizes to what they hold, so cells never overlap
whatever the fonts; lines run only along rows, node columns and lanes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

STRAIGHT, DROP, JUNCTION = "straight", "drop", "junction"
BUDGET = 20_000  # placements tried per search before it gives up and looks farther


@dataclass(frozen=True)
class Route:
    """How arrow ``edge`` (an index into ``desc["edges"]``) reaches its node; ``lane`` for a junction."""

    edge: int
    kind: str
    lane: int = 0


@dataclass(frozen=True)
class Grid:
    """The layout: column and row of each node, the route of each arrow, where its label and each mark
    stand (``(row, gap)``), and the lanes each gap needs."""

    columns: Mapping[str, int]
    rows: Mapping[str, int]
    routes: tuple[Route, ...]
    labels: tuple[tuple[int, int], ...]
    marks: tuple[tuple[int, int], ...]
    lanes: Mapping[int, int]


class NoLayout(Exception):
    """The search found no row assignment (a bug: the graphs exgen draws are small)."""


def columns(desc: Mapping[str, Any]) -> dict[str, int]:
    """Return each node's column: operations by depth, a leaf one column before its first consumer (from 1,
    so that every node has a gap on its left for a mark)."""
    into: dict[str, list[str]] = {}
    for e in desc["edges"]:
        into.setdefault(e["dst"], []).append(e["src"])
    depth: dict[str, int] = {}

    def deep(n: str) -> int:
        if n not in depth:
            depth[n] = 1 + max((deep(s) for s in into[n]), default=-1) if n in into else 0
        return depth[n]

    col = {n["id"]: deep(n["id"]) for n in desc["nodes"]}
    for n in desc["nodes"]:
        if n["id"] not in into:  # a leaf: just before its first consumer
            col[n["id"]] = min(col[e["dst"]] for e in desc["edges"] if e["src"] == n["id"]) - 1
    return {k: v + 1 for k, v in col.items()}


def layout(desc: Mapping[str, Any]) -> Grid:
    """Return the grid layout of a graph description.

    Raises:
        NoLayout: no row assignment satisfies the rules (not expected for exgen's graphs).
    """
    col = columns(desc)
    ids = [n["id"] for n in desc["nodes"]]
    consumers = {n: [e["dst"] for e in desc["edges"] if e["src"] == n] for n in ids}
    leaf = {n: not any(e["dst"] == n for e in desc["edges"]) for n in ids}
    # right to left; in a column, operations before leaves, so that the chain of operations runs straight
    order = sorted(ids, key=lambda n: (-col[n], leaf[n], ids.index(n)))
    rows: dict[str, int] = {}

    def candidates(n: str, reach: int) -> list[int]:
        """Rows to try, nearest first: a value goes on the row of its middle rightmost consumer (one it can
        run straight into); a node nobody consumes goes under the ones already in its column."""
        if consumers[n]:
            far = max(col[d] for d in consumers[n])
            known = [rows[d] for d in consumers[n] if col[d] == far and d in rows]
            pref = sorted(known)[(len(known) - 1) // 2] if known else 0
        else:
            taken = [rows[m] for m in rows if col[m] == col[n]]
            pref = max(taken) + 1 if taken else 0
        return [pref + d for k in range(reach + 1) for d in ((0,) if k == 0 else (k, -k))]

    def search(i: int, reach: int, budget: list[int]) -> Grid | None:
        if i == len(order):
            return _place(desc, col, rows)
        for r in candidates(order[i], reach):
            budget[0] -= 1
            if budget[0] < 0:
                return None
            rows[order[i]] = r
            if _place(desc, col, rows) is not None:
                found = search(i + 1, reach, budget)
                if found is not None:
                    return found
            del rows[order[i]]
        return None

    # rows near the preferred one first: a search that may wander far explores exponentially more
    for reach in (2, 4, len(ids) + 2):
        rows.clear()
        grid = search(0, reach, [BUDGET])
        if grid is not None:
            return grid
    raise NoLayout("no grid layout for this graph")


def _place(desc: Mapping[str, Any], col: Mapping[str, int], rows: Mapping[str, int]) -> Grid | None:
    """Return the grid for the nodes placed so far (arrows between placed nodes routed), or None when the
    placement breaks a rule. Positions along a row are half-columns: node column ``c`` is ``2c``, the gap
    before it ``2c - 1``."""
    nodes = {(rows[n], 2 * col[n]): n for n in rows}
    if len(nodes) < len(rows):
        return None  # two nodes in one place
    single = {n: sum(1 for e in desc["edges"] if e["dst"] == n) == 1 for n in rows}
    slots: dict[str, set[str]] = {n: set() for n in rows}
    routes: list[Route] = []
    flat: dict[tuple[int, int], str] = {}  # (row, x) -> the value whose horizontal line is there
    upright: dict[tuple[int, int], str] = {}  # (row, x) -> the value whose vertical line is there (x even)
    labels: dict[tuple[int, int], int] = {}
    lanes: dict[int, list[str]] = {}
    ends: dict[str, int] = {}

    def claim(store: dict, where: tuple[int, int], owner: str) -> bool:
        return store.setdefault(where, owner) == owner

    for i, e in enumerate(desc["edges"]):
        src, dst = e["src"], e["dst"]
        if src not in rows or dst not in rows:
            continue
        r0, r1, c = rows[src], rows[dst], col[dst]
        side = "top" if r0 < r1 else "bottom"
        if r0 == r1:
            kind = STRAIGHT if "left" not in slots[dst] else None
        else:
            step = 1 if r1 > r0 else -1
            prefer = (JUNCTION, DROP) if single[dst] else (DROP, JUNCTION)
            free = {DROP: side not in slots[dst] and all((r, 2 * c) not in nodes for r in range(r0, r1, step)),
                    JUNCTION: "left" not in slots[dst] and flat.get((r1, 2 * c - 1), src) == src}
            kind = next((k for k in prefer if free[k]), None)
        if kind is None:
            return None
        slots[dst].add("left" if kind in (STRAIGHT, JUNCTION) else side)
        lane = 0
        if kind == JUNCTION:
            users = lanes.setdefault(c, [])
            if src not in users:
                users.append(src)
            lane = users.index(src)
            if not claim(flat, (r1, 2 * c - 1), src):
                return None
            end = 2 * c - 1
        else:
            end = 2 * c
        if kind == DROP:
            for r in range(r0, r1, step):
                if not claim(upright, (r, 2 * c), src) or (r != r0 and (r, 2 * c) in nodes):
                    return None
        ends[src] = max(ends.get(src, 0), end if kind != STRAIGHT else end - 1)
        if kind == DROP:
            ends[src] = max(ends[src], end)
        where = (r0, 2 * c - 1) if kind != JUNCTION else (r1, 2 * c - 1)
        if where in labels:
            return None
        labels[where] = i
        routes.append(Route(i, kind, lane))
    for src, end in ends.items():  # each track: from its node to its farthest turn
        r = rows[src]
        for x in range(2 * col[src] + 1, end + 1):
            if not claim(flat, (r, x), src) or ((r, x) in nodes and nodes[(r, x)] != src):
                return None
    marks: list[tuple[int, int]] = []
    for m in desc.get("marks", ()):
        n = m["node"]
        if n not in rows:
            marks.append((0, 0))
            continue
        r, c = rows[n], col[n]
        spots = [(r, 2 * c - 1)] if not any(e["dst"] == n for e in desc["edges"]) else \
            [(r + 1, 2 * c - 1), (r - 1, 2 * c - 1)]  # a leaf: on its left; an operation: below or above
        spot = next((s for s in spots if s not in flat and s not in labels and s not in marks), None)
        if spot is None:
            return None
        marks.append(spot)
    order = [i for i, _ in sorted(enumerate(routes), key=lambda p: p[1].edge)]
    return Grid(columns=dict(col), rows=dict(rows), routes=tuple(routes[i] for i in order),
                labels=tuple(next(w for w, j in labels.items() if j == routes[i].edge) for i in order),
                marks=tuple(marks), lanes={c: len(u) for c, u in lanes.items()})
