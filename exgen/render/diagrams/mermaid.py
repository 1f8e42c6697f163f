"""Computational-graph diagrams as Mermaid flowcharts (Markdown), drawn at render time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exgen.render.diagrams.common import forward_state, node_id


def _mermaid_text(text: str) -> str:
    return text.replace('"', "'").replace("|", "/")


def mermaid(desc: Mapping[str, Any], *, key: bool = False) -> str:
    """Return a Mermaid ``flowchart LR`` (rendered by GitHub) of the described graph.

    Arrow labels show ``name = value`` on the first line and ``dL/dname`` (given, asked or found) on the
    second.
    """
    lines = ["flowchart LR"]
    marks = {m["node"]: m for m in desc.get("marks", ())}
    for n in desc["nodes"]:
        ident = node_id(n["id"])
        text = _mermaid_text(n["text"])
        if n["id"] in marks:
            m = marks[n["id"]]
            found = m["grad_text"] if key else f"({m['part']}) ?"
            text += f"<br>∂L/∂{_mermaid_text(m['node'])} = {_mermaid_text(found)}"
        if n["kind"] == "op":
            lines.append(f'  {ident}(("{text}"))')
        else:
            lines.append(f'  {ident}["{text}"]')
    for e in desc["edges"]:
        state = forward_state(e, key=key)
        label = {"value": f"{e['src']} = {e['value_text']}", "asked": f"{e['src']} = ({e['forward_part']}) ?",
                 "hidden": e["src"]}[state]
        if key or e["grad_given"]:
            label += f"<br>∂L/∂{e['src']} ← {e['grad_text']}"
        elif e["grad_part"]:
            label += f"<br>∂L/∂{e['src']} = ({e['grad_part']}) ?"
        lines.append(f'  {node_id(e["src"])} -->|"{_mermaid_text(label)}"| {node_id(e["dst"])}')
    return "\n".join(lines)
