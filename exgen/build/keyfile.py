"""``answer_key.json``: every student's instances, versioned, for the grader and LMS exporters."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from exgen import __version__
from exgen.errors import ExgenError, one_line
from exgen.i18n import SOURCE_LANGUAGE
from exgen.instance import Instance

KEY_FORMAT = "exgen-key/1"
MAX_KEY_BYTES = 500_000_000


def build_key(*, bank: Mapping[str, Any], seed: int,
              students: Sequence[tuple[Mapping[str, str], Sequence[Instance]]]) -> dict:
    """Return the answer key document (JSON-native; no timestamps, so runs are byte-identical)."""
    return {
        "format": KEY_FORMAT,
        "generator": f"exgen {__version__}",
        "bank": {"id": bank["id"], "title": bank["title"], "seed": seed, "course": dict(bank.get("course", {})),
                 "language": bank.get("language", SOURCE_LANGUAGE)},
        "students": [
            {"id": s["id"], "name": s["name"], "exercises": [inst.to_dict() for inst in insts]}
            for s, insts in students
        ],
    }


def dumps(doc: Mapping) -> str:
    """Serialise a JSON document deterministically (UTF-8, stable indentation, trailing newline)."""
    return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def load_key(path: str | Path) -> dict:
    """Read and check an answer key; returns ``{student id: {"name", "exercises": [Instance]}}`` + bank.

    Raises:
        ExgenError: unreadable file, not JSON, or not an ``exgen-key/1`` document.
    """
    from exgen.bank.files import read_regular_file

    path = Path(path)
    try:
        data = read_regular_file(path, limit=MAX_KEY_BYTES, what="answer key (answer_key.json)")
    except ExgenError as err:
        raise ExgenError(f"cannot read the answer key: {err}") from None
    name = one_line(path.name)
    try:
        doc = json.loads(data.decode("utf-8"))
    except json.JSONDecodeError as err:
        raise ExgenError(f"{name}:{err.lineno}: not a JSON answer key ({err.msg})") from None
    except (UnicodeDecodeError, RecursionError) as err:
        raise ExgenError(f"{name}: not a JSON answer key ({type(err).__name__})") from None
    if not isinstance(doc, dict) or doc.get("format") != KEY_FORMAT:
        raise ExgenError(f"{name}: expected an answer key with \"format\": \"{KEY_FORMAT}\"")
    try:
        students = {s["id"]: {"name": s["name"], "exercises": [Instance.from_dict(e) for e in s["exercises"]]}
                    for s in doc["students"]}
    except (KeyError, TypeError, ValueError) as err:
        raise ExgenError(f"{name}: malformed answer key ({type(err).__name__})") from None
    return {"bank": doc["bank"], "students": students}
