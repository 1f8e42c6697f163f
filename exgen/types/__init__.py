"""Exercise types, found by module: each module in ``exgen/types/`` that defines ``TYPE`` is one type.

Shared helpers live beside them (``base``, ``params``, ``draw``, ``graphs``, ``plotspec`` and
``_``-prefixed modules); they define no ``TYPE`` and are not types.
"""

from __future__ import annotations

import difflib
from functools import cache

from exgen.discovery import discover
from exgen.types.base import ExerciseType


@cache
def all_types() -> dict[str, ExerciseType]:
    """Return every exercise type by name, sorted by topic then name."""
    found = discover(__name__, __path__, "TYPE", ExerciseType)
    return dict(sorted(found.items(), key=lambda kv: (kv[1].topic, kv[0])))


def get_type(name: str) -> ExerciseType:
    """Return the type called ``name``; raises KeyError with a did-you-mean message."""
    types = all_types()
    if name in types:
        return types[name]
    raise KeyError(unknown_type_message(name))


def unknown_type_message(name: object) -> str:
    """Return "unknown exercise type 'x'; did you mean 'y'?" (or the list of known types)."""
    types = all_types()
    close = difflib.get_close_matches(str(name), list(types), n=1, cutoff=0.6)
    if close:
        return f"unknown exercise type {str(name)!r}; did you mean {close[0]!r}?"
    return f"unknown exercise type {str(name)!r}; known types: {', '.join(types)}"
