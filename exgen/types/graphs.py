"""Small computational graphs: nodes, forward and backward passes, and a JSON description for diagrams.

A graph has named *leaves* (inputs and parameters) and *nodes* in topological order; each node applies
one operation to earlier values and names its output. A value used by several nodes is a branch: its
gradient is the sum of the gradients its consumers send back. Arrays are 2-D (a row vector is 1 x D);
scalars are 0-d. Nothing here draws random numbers; the exercise types do.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from exgen.formatting import json_numbers as to_json  # the name the backprop types import
from exgen.formatting import num

#: Operations a node may apply, with the symbol drawn in its circle.
OPS = {"add": "+", "mul": "\u00d7", "matmul": "MatMul", "repeat": "Repeat", "sum": "Sum", "sumall": "Sum"}
TEX_OPS = {"add": "+", "mul": r"\times", "matmul": r"\mathrm{MatMul}", "repeat": r"\mathrm{Repeat}",
           "sum": r"\Sigma", "sumall": r"\Sigma"}


@dataclass(frozen=True)
class Node:
    """One operation: ``out = op(*inputs)``; ``n`` is the number of copies for ``repeat``."""

    out: str
    op: str
    inputs: tuple[str, ...]
    n: int = 0

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"unknown op {self.op!r}")


@dataclass(frozen=True)
class Graph:
    """Leaves (name -> role "input" or "param") and nodes in topological order; the last node is the loss."""

    leaves: tuple[tuple[str, str], ...]
    nodes: tuple[Node, ...]
    tex: Mapping[str, str] = field(default_factory=dict)  # value name -> TeX symbol (default: the name)

    @property
    def output(self) -> str:
        return self.nodes[-1].out

    def names(self) -> list[str]:
        """Return every value name: leaves first, then node outputs in order."""
        return [name for name, _ in self.leaves] + [n.out for n in self.nodes]

    def consumers(self, name: str) -> list[Node]:
        """Return the nodes reading ``name`` (once per use)."""
        return [n for n in self.nodes for i in n.inputs if i == name]

    def symbol(self, name: str) -> str:
        return self.tex.get(name, name)

    def forward(self, leaves: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Return every value (leaves and node outputs) from the leaves' values."""
        vals = {k: np.asarray(v, dtype=float) for k, v in leaves.items()}
        for node in self.nodes:
            args = [vals[i] for i in node.inputs]
            vals[node.out] = apply(node, args)
        return vals

    def backward(self, vals: Mapping[str, np.ndarray], seed: Any = 1.0) -> tuple[dict, dict]:
        """Return (total gradient per value, gradient per edge ``(source, node output, slot)``).

        ``seed`` is the upstream gradient of the last node's output (1 for a scalar loss).
        """
        grads: dict[str, np.ndarray] = {self.output: np.asarray(seed, dtype=float) * np.ones_like(vals[self.output])}
        edges: dict[tuple[str, str, int], np.ndarray] = {}
        for node in reversed(self.nodes):
            g = grads[node.out]
            args = [vals[i] for i in node.inputs]
            for slot, (src, local) in enumerate(zip(node.inputs, local_grads(node, args, g))):
                edges[(src, node.out, slot)] = local
                grads[src] = grads[src] + local if src in grads else local
        return grads, edges


def apply(node: Node, args: list[np.ndarray]) -> np.ndarray:
    """Return the forward value of one node."""
    if node.op == "add":
        return args[0] + args[1]
    if node.op == "mul":
        return args[0] * args[1]
    if node.op == "matmul":
        return args[0] @ args[1]
    if node.op == "repeat":
        return np.repeat(args[0], node.n, axis=0)
    if node.op == "sum":
        return args[0].sum(axis=0, keepdims=True)
    return np.asarray(args[0].sum())  # sumall


def local_grads(node: Node, args: list[np.ndarray], g: np.ndarray) -> list[np.ndarray]:
    """Return the gradient each input of ``node`` receives from upstream gradient ``g``."""
    if node.op == "add":
        return [g, g]
    if node.op == "mul":
        return [g * args[1], g * args[0]]
    if node.op == "matmul":
        return [g @ args[1].T, args[0].T @ g]
    if node.op == "repeat":
        return [g.sum(axis=0, keepdims=True)]
    if node.op == "sum":
        return [np.repeat(g, args[0].shape[0], axis=0)]
    return [g * np.ones_like(args[0])]  # sumall


def plain_value(value: Any) -> str:
    """Return a value as one line of plain text: ``3`` or ``[[1, 2], [3, 4]]``."""
    v = to_json(value)
    if isinstance(v, list):
        if v and isinstance(v[0], list):
            return "[" + ", ".join("[" + ", ".join(num(x) for x in row) + "]" for row in v) + "]"
        return "[" + ", ".join(num(x) for x in v) + "]"
    return num(v)


def tex_value(value: Any) -> str:
    """Return a value as compact TeX math (``smallmatrix`` for arrays) for diagram labels."""
    from exgen.formatting import tex_num

    v = to_json(value)
    if isinstance(v, list):
        rows = v if v and isinstance(v[0], list) else [v]
        body = r" \\ ".join(" & ".join(tex_num(x) for x in row) for row in rows)
        return r"\left[\begin{smallmatrix} " + body + r" \end{smallmatrix}\right]"
    return tex_num(v)


def describe(graph: Graph, vals: Mapping[str, np.ndarray], *, seed: Any = 1.0,
             asked_forward: Mapping[str, str] | None = None, asked_grad: Mapping[str, str] | None = None,
             output_grad_given: bool = False, given_values: Collection[str] | None = None) -> dict:
    """Return the JSON description a diagram is drawn from.

    Args:
        graph: the graph.
        vals: every forward value.
        seed: the upstream gradient of the last node's output (1 for a scalar loss).
        asked_forward: value name -> part id for forward values the student must find.
        asked_grad: value name -> part id for gradients the student must find.
        output_grad_given: whether the statement shows the gradient arriving at the output.
        given_values: the values whose forward value the student is given (default: the leaves); a
            worksheet names the others without printing them.

    Returns:
        ``{"nodes": [...], "edges": [...], "marks": [...]}`` (drawn by ``exgen.render.diagrams``): each node has ``id``,
        ``kind`` (input / param / op / out), ``label`` (TeX), ``text`` (plain), ``col`` and ``row``; each
        edge has ``src``, ``dst``, the forward value and the gradient (TeX and plain), the part asking
        for either (or null), whether the forward value and the gradient are given; a mark is a gradient asked at a
        branching value, drawn beside its node because no single arrow carries it.
    """
    asked_forward = asked_forward or {}
    asked_grad = asked_grad or {}
    given = set(given_values) if given_values is not None else {name for name, _ in graph.leaves}
    grads, edge_grads = graph.backward(vals, seed)
    place = layout(graph)
    nodes = [{"id": name, "kind": role, "label": graph.symbol(name), "text": name,
              "col": place[name][0], "row": place[name][1]} for name, role in graph.leaves]
    nodes += [{"id": n.out, "kind": "op", "op": n.op, "n": n.n, "label": TEX_OPS[n.op], "text": OPS[n.op],
               "col": place[n.out][0], "row": place[n.out][1]} for n in graph.nodes]
    nodes.append({"id": "out", "kind": "out", "label": graph.symbol(graph.output), "text": graph.output,
                  "col": place[graph.output][0] + 1, "row": place[graph.output][1]})
    edges = []
    for node in graph.nodes:
        for slot, src in enumerate(node.inputs):
            edges.append(edge(src, node.out, vals[src], edge_grads[(src, node.out, slot)],
                              name=graph.symbol(src), forward_part=asked_forward.get(src),
                              grad_part=None if len(graph.consumers(src)) > 1 else asked_grad.get(src),
                              value_given=src in given))
    edges.append(edge(graph.output, "out", vals[graph.output], grads[graph.output], name=graph.symbol(graph.output),
                      forward_part=asked_forward.get(graph.output), grad_given=output_grad_given,
                      grad_part=asked_grad.get(graph.output), value_given=graph.output in given))
    marks = [mark(name, graph.symbol(name), grads[name], asked_grad[name])
             for name in asked_grad if len(graph.consumers(name)) > 1]
    return {"nodes": nodes, "edges": edges, "marks": marks}


def layout(graph: Graph) -> dict[str, tuple[int, int]]:
    """Return (column, row) per value: operations on row 0 (stacked 0, 2, 4 when they share a column),
    each leaf one column before its first consumer, one row above or below it (rows grow downwards)."""
    col: dict[str, int] = {}
    for node in graph.nodes:
        col[node.out] = 1 + max((col.get(i, 0) for i in node.inputs), default=0)
    taken: set[tuple[int, int]] = set()
    place: dict[str, tuple[int, int]] = {}
    for node in graph.nodes:
        row = 0
        while (col[node.out], row) in taken:
            row += 2
        place[node.out] = (col[node.out], row)
        taken.add(place[node.out])
    for name, _ in graph.leaves:
        first = graph.consumers(name)[0]
        c, r = place[first.out]
        c = max(c - 1, 0)
        last = max(place[n.out][0] for n in graph.consumers(name))
        tries = [r] if len(first.inputs) == 1 else []
        tries += [r + d for k in range(1, 6) for d in (-k, k)]
        for row in tries:  # the row must be free from the leaf to its last consumer (its arrows run along it)
            if all((cc, row) not in taken for cc in range(c, last)) and \
                    ((last, row) not in taken or any(place[n.out] == (last, row) for n in graph.consumers(name))):
                break
        place[name] = (c, row)
        taken.update((cc, row) for cc in range(c, last + 1))
    return place


def edge(src: str, dst: str, value: Any, grad: Any, *, name: str, forward_part: str | None = None,
         grad_part: str | None = None, grad_given: bool = False, value_given: bool = True) -> dict:
    """Return one arrow of a diagram description (``value_given``: the worksheet prints its forward value)."""
    return {"src": src, "dst": dst, "name": name, "value_tex": tex_value(value), "value_text": plain_value(value),
            "grad_tex": tex_value(grad), "grad_text": plain_value(grad), "forward_part": forward_part,
            "grad_part": grad_part, "grad_given": grad_given, "value_given": value_given}


def mark(node: str, name: str, grad: Any, part: str) -> dict:
    """Return a gradient asked beside a (branching) node."""
    return {"node": node, "name": name, "grad_tex": tex_value(grad), "grad_text": plain_value(grad), "part": part}
