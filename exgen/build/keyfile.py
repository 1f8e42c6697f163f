"""``answer_key.json``: every student's instances, versioned, for people, the JSON Schema and LMS exporters.

``exgen generate`` writes the key as a store read one student at a time (``answer_key.sqlite``,
:mod:`exgen.build.keystore`) and this JSON form as an export of it; :func:`load_key` reads either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from exgen import __version__
from exgen.errors import ExgenError, one_line
from exgen.instance import Instance

KEY_FORMAT = "exgen-key/1"
KEY_FILE = "answer_key.json"
MAX_KEY_BYTES = 500_000_000


def key_bank(bank: Mapping[str, Any], seed: int) -> dict:
    """Return the key's ``bank`` field: the bank's id, title and course, and the seed."""
    return {"id": bank["id"], "title": bank["title"], "seed": seed, "course": dict(bank.get("course", {}))}


def build_key(*, bank: Mapping[str, Any], seed: int,
              students: Sequence[tuple[Mapping[str, str], Sequence[Instance]]]) -> dict:
    """Return the answer key document (JSON-native; no timestamps, so runs are byte-identical)."""
    return {
        "format": KEY_FORMAT,
        "generator": f"exgen {__version__}",
        "bank": key_bank(bank, seed),
        "students": [
            {"id": s["id"], "name": s["name"], "exercises": [inst.to_dict() for inst in insts]}
            for s, insts in students
        ],
    }


def dumps(doc: Mapping) -> str:
    """Serialise a JSON document deterministically (UTF-8, stable indentation, trailing newline)."""
    return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def json_item(item: Any) -> str:
    """Return one item of a top-level list as :func:`dumps` writes it inside the document (indented twice)."""
    return "  " + json.dumps(item, ensure_ascii=False, indent=1, allow_nan=False).replace("\n", "\n  ")


def list_items(doc: Mapping, field: str, items: Iterable[str]) -> Iterator[str]:
    """Yield the text of ``dumps(doc)`` in pieces, with the top-level list ``doc[field]`` made of ``items``
    already serialised by :func:`json_item`: a large document is written (or its items made by worker
    processes) without holding it whole, and the text is the same as ``dumps`` of the whole document."""
    head = dumps({**doc, field: []})
    marker = f'\n {json.dumps(field, ensure_ascii=False)}: []'  # one space: a top-level key; strings hold no raw newline
    at = head.index(marker) + len(marker) - 2  # the list's "["
    first = True
    for text in items:
        yield (head[:at] + "[\n" if first else ",\n") + text
        first = False
    yield head if first else "\n ]" + head[at + 2:]


def load_key(path: str | Path) -> dict:
    """Read and check an answer key: the store ``answer_key.sqlite`` or the JSON form ``answer_key.json``.

    Returns:
        ``{"bank": {...}, "students": {student id: {"name", "exercises": [Instance]}}}``, students in roster
        order. From a store, ``students`` is a mapping that reads each student from the file when asked
        (so a class of any size opens at once), and the key also has ``"exercises"`` (the outline:
        ``[{"id", "title", "points", "parts"}]``) and ``"store"`` (the open ``KeyStore``).

    Raises:
        ExgenError: unreadable file, not JSON, or not an ``exgen-key/1`` document or key store.
    """
    from exgen.bank.files import read_regular_file
    from exgen.build.keystore import KeyStore, StoredStudents, is_store

    path = Path(path)
    if is_store(path):
        store = KeyStore(path)
        return {"bank": store.bank, "students": StoredStudents(store), "exercises": store.exercises, "store": store}
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
