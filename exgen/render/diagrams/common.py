"""What every diagram format shares: node ids, the width rule and what an arrow shows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def is_wide(desc: Mapping[str, Any]) -> bool:
    """Return whether any arrow carries an array (drawn with more room between columns)."""
    return any(e["value_text"].startswith("[") or e["grad_text"].startswith("[") for e in desc["edges"])


def node_id(name: str) -> str:
    """Return an identifier safe in TikZ and Mermaid for a value name."""
    return "n" + re.sub(r"[^A-Za-z0-9]", "x", name)


def forward_state(e: Mapping[str, Any], *, key: bool) -> str:
    """Return how an arrow's forward value is drawn: ``"value"``, ``"asked"`` or ``"hidden"``.

    The key shows every value. A worksheet marks a forward value to find with its part (``asked``), shows
    a value the student is given (``value``), and names but never prints a value the student works out
    (``hidden``): a printed intermediate would give away the values computed from it, such as the loss
    from the summand it sums. Descriptions without ``value_given`` (older keys) show their values.
    """
    if key:
        return "value"
    if e["forward_part"]:
        return "asked"
    return "value" if e.get("value_given", True) else "hidden"
