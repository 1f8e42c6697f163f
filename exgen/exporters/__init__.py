"""LMS exporters, found by module: each module here that defines ``EXPORTER`` is one target.

``exgen export <name>`` looks the exporter up by name; adding an LMS means adding one module.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the registry's modules load on first use: the autograder (a module here) needs none of them
    from exgen.exporters.base import Exporter

#: Modules of this package that are helpers, not exporters.
_HELPERS = {"base", "autograder_main", "moodle_check", "html", "moodle_stack"}


@cache
def all_exporters() -> dict[str, Exporter]:
    """Return every exporter by name (imports each exporter module of this package once)."""
    from exgen.discovery import discover
    from exgen.exporters.base import Exporter

    return dict(sorted(discover(__name__, __path__, "EXPORTER", Exporter, skip=_HELPERS).items()))


def get_exporter(name: str) -> Exporter:
    """Return the exporter called ``name``; raises KeyError naming the known ones."""
    exporters = all_exporters()
    if name not in exporters:
        raise KeyError(f"unknown exporter {name!r}; known: {', '.join(exporters)}")
    return exporters[name]
