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
    """Return the built-in banks by stem (``dl-math-basics``, ``dot_product``, ...)."""
    return {p.stem: p for p in sorted(banks_dir().glob("*.yaml"))}


DEFAULT_BANK = "dl-math-basics"
