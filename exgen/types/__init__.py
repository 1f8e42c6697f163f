"""Exercise types, found by module: each module in ``exgen/types/`` that defines ``TYPE`` is one type.

Shared helpers live beside them (``base``, ``params``, ``draw``, ``graphs``, ``plotspec`` and
``_``-prefixed modules); they define no ``TYPE`` and are not types. Types from the instructor's plug-in
folders (``exgen.discovery``: ``$EXGEN_PLUGINS``) join them under their own names.
"""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path

from exgen.discovery import discover, discover_plugins, plugin_folders
from exgen.types.base import ExerciseType


def all_types() -> dict[str, ExerciseType]:
    """Return every exercise type (exgen's and the plug-in folders') by name, sorted by topic then name.

    Raises:
        ExgenError: a plug-in folder cannot be loaded (see ``exgen.discovery``).
    """
    return _all_types(plugin_folders())


@cache
def _builtin_types() -> dict[str, ExerciseType]:
    return discover(__name__, __path__, "TYPE", ExerciseType)


@cache
def _all_types(folders: tuple[Path, ...]) -> dict[str, ExerciseType]:
    found = dict(_builtin_types())
    found.update(discover_plugins(folders, "TYPE", ExerciseType, builtin=found))
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
