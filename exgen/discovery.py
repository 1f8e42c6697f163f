"""Plug-in discovery: every module of a package that defines a given attribute is one plug-in.

Besides exgen's own packages, exercise types (with their templates and example banks) may come from
*plug-in folders* that the instructor names explicitly, and only so: the ``EXGEN_PLUGINS`` environment
variable (folders separated by ``os.pathsep``) or ``using_plugins(...)`` in Python. Never from a bank file:
banks are untrusted input, and a plug-in is code that runs. A plug-in folder mirrors exgen's layout::

    my-plugins/
      types/<name>.py                      defines TYPE (like exgen/types/<name>.py)
      templates/{markdown,latex,html}/     <name>.md.j2, <name>.tex.j2 (html optional)
      exercise_banks/<name>.yaml           the type's example bank
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TypeVar

from exgen.errors import ExgenError

T = TypeVar("T")

#: The environment variable naming the instructor's plug-in folders (``os.pathsep``-separated).
PLUGINS_ENV = "EXGEN_PLUGINS"
#: Sub-folders of a plug-in folder; ``types/`` is required (a folder without it is a typo, not a plug-in).
TYPES, TEMPLATES, BANKS = "types", "templates", "exercise_banks"

_chosen: ContextVar[tuple[Path, ...] | None] = ContextVar("exgen_plugins", default=None)


def discover(package: str, path: Iterable[str], attr: str, base: type[T], *,
             skip: Iterable[str] = ("base",)) -> dict[str, T]:
    """Import each module of ``package`` and collect its ``attr`` object, keyed by the object's ``name``.

    A plug-in's ``name`` must equal its module's name (one name everywhere: module, YAML, templates, CLI).

    Raises:
        RuntimeError: a plug-in whose name differs from its module's (a bug in exgen, not a user error).
    """
    skipped = set(skip)
    found: dict[str, T] = {}
    for module in _module_names(path):
        if module.startswith("_") or module in skipped:
            continue
        obj = getattr(importlib.import_module(f"{package}.{module}"), attr, None)
        if isinstance(obj, base):
            name = getattr(obj, "name", None)
            if name != module:
                raise RuntimeError(f"{package}.{module} defines {attr} named {name!r}")
            found[name] = obj
    return found


def _module_names(path: Iterable[str]) -> list[str]:
    """Return the names of the modules and packages in folders ``path``, in order, as ``pkgutil`` lists them.

    (``pkgutil`` and the ``importlib.util`` it loads are a millisecond of every graded submission's start-up.)
    """
    names: list[str] = []
    for folder in path:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            stem, dot, suffix = entry.name.partition(".")
            if dot and suffix == "py" and stem.isidentifier() and stem != "__init__" and entry.is_file():
                name = stem
            elif not dot and entry.name.isidentifier() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                name = entry.name
            else:
                continue
            if name not in names:
                names.append(name)
    return names


def plugin_folders() -> tuple[Path, ...]:
    """Return the instructor's plug-in folders: those of ``using_plugins``, else ``$EXGEN_PLUGINS``.

    Raises:
        ExgenError: a named folder does not exist or has no ``types/`` sub-folder.
    """
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    return _checked(tuple(p for p in os.environ.get(PLUGINS_ENV, "").split(os.pathsep) if p.strip()),
                    PLUGINS_ENV)


@contextmanager
def using_plugins(folders: Iterable[str | Path]) -> Iterator[tuple[Path, ...]]:
    """Use exactly these plug-in folders (instead of ``$EXGEN_PLUGINS``) inside the ``with`` block."""
    token = _chosen.set(_checked(tuple(str(f) for f in folders), "plug-in folder"))
    try:
        yield _chosen.get() or ()
    finally:
        _chosen.reset(token)


@cache
def _checked(given: tuple[str, ...], origin: str) -> tuple[Path, ...]:
    out: list[Path] = []
    for text in given:
        folder = Path(text).expanduser()
        if not folder.is_dir():
            raise ExgenError(f"{origin}: plug-in folder {text!r} does not exist or is not a folder")
        if not (folder / TYPES).is_dir():
            raise ExgenError(f"{origin}: plug-in folder {text!r} has no {TYPES}/ sub-folder "
                             f"(expected {TYPES}/<name>.py, {TEMPLATES}/<format>/, {BANKS}/)")
        resolved = folder.resolve()
        if resolved not in out:
            out.append(resolved)
    return tuple(out)


def plugin_subfolders(sub: str, folders: Iterable[Path]) -> list[Path]:
    """Return ``<folder>/<sub>`` of each plug-in folder that has one (templates, banks)."""
    return [f / sub for f in folders if (f / sub).is_dir()]


def _package_for(folder: Path) -> str:
    """Return the import package of a plug-in folder's ``types/`` (named after the folder's path)."""
    import hashlib  # only for plug-ins: OpenSSL takes milliseconds to load

    name = "exgen_plugin_" + hashlib.sha256(str(folder).encode("utf-8")).hexdigest()[:16]
    if name not in sys.modules:
        pkg = types.ModuleType(name, f"exgen plug-in types from {folder}")
        pkg.__path__ = [str(folder / TYPES)]
        sys.modules[name] = pkg
    return name


def discover_plugins(folders: Iterable[Path], attr: str, base: type[T], *, builtin: Iterable[str]) -> dict[str, T]:
    """Collect ``attr`` from each module of each plug-in folder's ``types/``.

    Raises:
        ExgenError: a plug-in module cannot be imported, is misnamed, or takes a name already used (by
            exgen or by another plug-in folder).
    """
    taken = {name: "exgen" for name in builtin}
    found: dict[str, T] = {}
    for folder in folders:
        package = _package_for(folder)
        try:
            mine = discover(package, [str(folder / TYPES)], attr, base, skip=())
        except ExgenError:
            raise
        except Exception as err:  # the instructor's code: say where, in one line, never a traceback
            first = (str(err).splitlines() or [""])[0]
            raise ExgenError(f"plug-in folder {folder}: cannot load its {TYPES}/: {type(err).__name__}"
                             + (f": {first}" if first else "")) from None
        for name, obj in mine.items():
            if name in taken:
                raise ExgenError(f"plug-in folder {folder}: {TYPES}/{name}.py takes the name {name!r}, already "
                                 f"used by {taken[name]}; rename the module and its TYPE")
            taken[name] = str(folder)
            found[name] = obj
    return found
