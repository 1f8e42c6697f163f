"""What every diagram format shares: node ids, the width rule and the plain-text labels of arrows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def is_wide(desc: Mapping[str, Any]) -> bool:
    """Return whether any arrow carries an array (drawn with more room between columns)."""
    return any(e["value_text"].startswith("[") or e["grad_text"].startswith("[") for e in desc["edges"])


def node_id(name: str) -> str:
    """Return an identifier safe in TikZ, Mermaid and Graphviz for a value name."""
    return "n" + re.sub(r"[^A-Za-z0-9]", "x", name)


def value_lines(name: str, text: str) -> list[str]:
    """Return ``name = value`` (or the value alone when ``name`` is "") as lines of plain text, a matrix one
    row per line with its columns aligned.

    ``[[1, -2], [30, 4]]`` after ``x = `` becomes ``x = [[ 1, -2],`` / ``     [30,  4]]``: the form a
    student types, laid out as a matrix so that a diagram stays narrow.
    """
    head = f"{name} = " if name else ""
    if not (text.startswith("[[") and "], [" in text):
        return [head + text]
    rows = [row.split(", ") for row in text[2:-2].split("], [")]
    widths = [max(len(row[j]) for row in rows if j < len(row)) for j in range(max(len(r) for r in rows))]
    cells = ["[" + ", ".join(v.rjust(widths[j]) for j, v in enumerate(row)) + "]" for row in rows]
    pad = " " * len(head)
    return [(head + "[" if i == 0 else pad + " ") + cell + ("]" if i == len(cells) - 1 else ",")
            for i, cell in enumerate(cells)]


def forward_lines(e: Mapping[str, Any], key: bool) -> list[str]:
    """Return the forward label of an arrow: its value, or ``(a) ?`` when a part asks for it."""
    if e["forward_part"] and not key:
        return [f"{e['src']} = ({e['forward_part']}) ?"]
    return value_lines(e["src"], e["value_text"])


def backward_lines(e: Mapping[str, Any], key: bool, *, named: bool = True) -> list[str]:
    """Return the gradient label of an arrow (given, asked as ``(a) ?``, or shown in the key), or none.

    ``named=False`` leaves out ``∂L/∂x =`` for drawings where a gradient's place (under the arrow, in red)
    already says what it is.
    """
    name = f"∂L/∂{e['src']}" if named else ""
    if key or e["grad_given"]:
        return value_lines(name, e["grad_text"])
    if e["grad_part"]:
        return [f"{name} = ({e['grad_part']}) ?" if named else f"({e['grad_part']}) ?"]
    return []


def mark_lines(m: Mapping[str, Any], key: bool) -> list[str]:
    """Return a gradient asked beside a branching value: ``∂L/∂x = (a) ?`` or its value in the key."""
    name = f"∂L/∂{m['node']}"
    return value_lines(name, m["grad_text"]) if key else [f"{name} = ({m['part']}) ?"]
