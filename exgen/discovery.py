"""Plug-in discovery: every module of a package that defines a given attribute is one plug-in."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


def discover(package: str, path: Iterable[str], attr: str, base: type[T], *,
             skip: Iterable[str] = ("base",)) -> dict[str, T]:
    """Import each module of ``package`` and collect its ``attr`` object, keyed by the object's ``name``.

    A plug-in's ``name`` must equal its module's name (one name everywhere: module, YAML, templates, CLI).

    Raises:
        RuntimeError: a plug-in whose name differs from its module's (a bug in exgen, not a user error).
    """
    skipped = set(skip)
    found: dict[str, T] = {}
    for mod in pkgutil.iter_modules(list(path)):
        if mod.name.startswith("_") or mod.name in skipped:
            continue
        obj = getattr(importlib.import_module(f"{package}.{mod.name}"), attr, None)
        if isinstance(obj, base):
            name = getattr(obj, "name", None)
            if name != mod.name:
                raise RuntimeError(f"{package}.{mod.name} defines {attr} named {name!r}")
            found[name] = obj
    return found
