"""Where the shipped templates and banks are: inside the installed package, or at the repo's top."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PKG / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"exgen's {name}/ folder is missing from the installation")


def templates_dir() -> Path:
    """Return the folder holding ``markdown/``, ``latex/`` (and other format) templates."""
    return _find("templates")


def banks_dir() -> Path:
    """Return the folder of built-in exercise banks."""
    return _find("exercise_banks")


def builtin_banks() -> dict[str, Path]:
    """Return the banks found by name: exgen's (``dl-math-basics``, ``dot_product``, ...) and the example
    banks of the instructor's plug-in folders (``exgen.discovery``).

    Raises:
        ExgenError: a plug-in bank has the name of another bank.
    """
    from exgen.discovery import BANKS, plugin_folders, plugin_subfolders
    from exgen.errors import ExgenError

    found = {p.stem: p for p in sorted(banks_dir().glob("*.yaml"))}
    for folder in plugin_subfolders(BANKS, plugin_folders()):
        for path in sorted(folder.glob("*.yaml")):
            if path.stem in found:
                raise ExgenError(f"plug-in bank {path} has the name of the bank {found[path.stem]}; rename it")
            found[path.stem] = path
    return found


DEFAULT_BANK = "dl-math-basics"
