"""Declared exercise parameters: defaults, ranges, validation messages and documentation.

Each exercise type declares its ``params`` as ``{name: Param}``; the bank loader validates an author's
values against them and reports ``expected <describe()>, got <value>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from exgen.errors import InvalidParams, one_line


def shown(value: Any) -> str:
    """Return a value as an author would recognise it in a message (YAML-like, truncated)."""
    text = one_line(_flow(value, depth=0))
    return text if len(text) <= 60 else text[:57] + "..."


def _flow(value: Any, *, depth: int) -> str:
    if depth > 3:
        return "..."
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value) if depth == 0 else value
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v, depth=depth + 1) for v in list(value)[:20]) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v, depth=depth + 1)}" for k, v in list(value.items())[:20]) + "}"
    return str(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Param:
    """Base: ``default`` and a one-line ``doc``; subclasses implement ``validate`` and ``describe``."""

    default: Any
    doc: str

    def describe(self) -> str:
        """Return what a valid value is, e.g. ``an integer in [1, 12]``."""
        raise NotImplementedError

    def validate(self, value: Any) -> Any:
        """Return the normalised value; raises InvalidParams("expected ..., got ...")."""
        raise NotImplementedError

    def fail(self, value: Any) -> InvalidParams:
        return InvalidParams(f"expected {self.describe()}, got {shown(value)}")


@dataclass(frozen=True)
class Int(Param):
    lo: int = 0
    hi: int = 0

    def describe(self) -> str:
        return f"an integer in [{self.lo}, {self.hi}]"

    def validate(self, value: Any) -> int:
        if not _is_int(value) or not self.lo <= value <= self.hi:
            raise self.fail(value)
        return int(value)


@dataclass(frozen=True)
class Float(Param):
    lo: float = 0.0
    hi: float = 0.0

    def describe(self) -> str:
        return f"a number in [{self.lo:g}, {self.hi:g}]"

    def validate(self, value: Any) -> float:
        if not _is_number(value) or not self.lo <= value <= self.hi:
            raise self.fail(value)
        return float(value)


@dataclass(frozen=True)
class Bool(Param):
    def describe(self) -> str:
        return "true or false"

    def validate(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(value)
        return value


@dataclass(frozen=True)
class Choice(Param):
    choices: Sequence[str] = ()

    def describe(self) -> str:
        return "one of " + ", ".join(self.choices)

    def validate(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise self.fail(value)
        return value


@dataclass(frozen=True)
class IntRange(Param):
    """A closed range ``[a, b]`` of integers inside ``[lo, hi]``; a single integer means ``[n, n]``."""

    lo: int = 0
    hi: int = 0

    def describe(self) -> str:
        return f"an integer or a range [a, b] with {self.lo} <= a <= b <= {self.hi}"

    def validate(self, value: Any) -> tuple[int, int]:
        pair = [value, value] if _is_int(value) else value
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(_is_int(v) for v in pair)
                or not self.lo <= pair[0] <= pair[1] <= self.hi):
            raise self.fail(value)
        return (int(pair[0]), int(pair[1]))


@dataclass(frozen=True)
class FloatRange(Param):
    """A closed range ``[a, b]`` of numbers inside ``[lo, hi]`` with ``a < b``."""

    lo: float = 0.0
    hi: float = 0.0

    def describe(self) -> str:
        return f"a range [a, b] with {self.lo:g} <= a < b <= {self.hi:g}"

    def validate(self, value: Any) -> tuple[float, float]:
        if (not isinstance(value, (list, tuple)) or len(value) != 2 or not all(_is_number(v) for v in value)
                or not self.lo <= value[0] < value[1] <= self.hi):
            raise self.fail(value)
        return (float(value[0]), float(value[1]))


@dataclass(frozen=True)
class Subset(Param):
    """A non-empty list of distinct names from ``choices`` (e.g. which parts to ask)."""

    choices: Sequence[str] = ()

    def describe(self) -> str:
        return "a non-empty list of distinct values from " + ", ".join(self.choices)

    def validate(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if (not isinstance(value, (list, tuple)) or not value or len(set(map(str, value))) != len(value)
                or not all(isinstance(v, str) and v in self.choices for v in value)):
            raise self.fail(value)
        return tuple(value)


DIFFICULTY = Choice(default="medium", doc="preset for sizes and value ranges; explicit params win",
                    choices=("easy", "medium", "hard"))
