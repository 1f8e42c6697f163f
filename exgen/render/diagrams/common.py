"""What every diagram format shares: node ids and the width rule."""

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
