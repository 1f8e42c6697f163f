"""Bank YAML with the line of every value, for ``file:line: field`` messages (read by :mod:`.safeyaml`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exgen.bank.safeyaml import BANK_LIMITS, YamlError, load_yaml

MAX_BANK_BYTES = 2_000_000

Path_ = tuple


@dataclass(frozen=True)
class Located:
    """A plain Python value read from YAML plus the 1-based line of each path inside it."""

    value: Any
    lines: dict

    def line(self, path: Path_) -> int:
        """Return the line of ``path``, or of its nearest located ancestor."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


def load_located(text: str, *, name: str) -> tuple[Located | None, list[str]]:
    """Parse one bank document safely.

    Args:
        text: the YAML source.
        name: the file name used in messages (one line).

    Returns:
        (located value or None, problems): problems are one-line ``name:line: message`` strings; a
        document that cannot be read (syntax, a duplicate key, a limit) yields no value and one problem.
    """
    if len(text) > MAX_BANK_BYTES:
        return None, [f"{name}:1: file is too large ({len(text):,} characters; at most {MAX_BANK_BYTES:,})"]
    try:
        loaded = load_yaml(text, source=name, limits=BANK_LIMITS, lines=True)
    except YamlError as err:
        return None, [f"{name}:{err.line or 1}: {err.problem}"]
    if loaded is None or loaded.value is None:
        return None, [f"{name}:1: the file is empty; expected a mapping with 'bank', 'title' and 'exercises'"]
    return Located(loaded.value, loaded.lines), []
