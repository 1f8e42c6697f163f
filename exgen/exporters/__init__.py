"""LMS exporters, found by module: each module here that defines ``EXPORTER`` is one target.

``exgen export <name>`` looks the exporter up by name; adding an LMS means adding one module.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from exgen.exporters.base import Exporter

#: Modules of this package that are helpers, not exporters.
_HELPERS = {"base", "autograder_main", "moodle_check", "html"}


@lru_cache(maxsize=None)
def all_exporters() -> dict[str, Exporter]:
    """Return every exporter by name (imports each exporter module of this package once)."""
    found: dict[str, Exporter] = {}
    for mod in pkgutil.iter_modules(__path__):
        if mod.name.startswith("_") or mod.name in _HELPERS:
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        exporter = getattr(module, "EXPORTER", None)
        if isinstance(exporter, Exporter):
            if exporter.name != mod.name:
                raise RuntimeError(f"exgen.exporters.{mod.name} defines EXPORTER named {exporter.name!r}")
            found[exporter.name] = exporter
    return dict(sorted(found.items()))


def get_exporter(name: str) -> Exporter:
    """Return the exporter called ``name``; raises KeyError naming the known ones."""
    exporters = all_exporters()
    if name not in exporters:
        raise KeyError(f"unknown exporter {name!r}; known: {', '.join(exporters)}")
    return exporters[name]
