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
from exgen.i18n import SOURCE_LANGUAGE
from exgen.instance import Instance

_string = json.encoder.encode_basestring  # the C version where available, as json.dumps uses
_CONSTANTS = {None: "null", True: "true", False: "false"}
_INF = float("inf")

KEY_FORMAT = "exgen-key/1"
KEY_FILE = "answer_key.json"
MAX_KEY_BYTES = 500_000_000


def key_bank(bank: Mapping[str, Any], seed: int) -> dict:
    """Return the key's ``bank`` field: the bank's id, title, course and language, and the seed."""
    return {"id": bank["id"], "title": bank["title"], "seed": seed, "course": dict(bank.get("course", {})),
            "language": bank.get("language", SOURCE_LANGUAGE)}


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
    """Serialise a JSON document deterministically (UTF-8, stable indentation, trailing newline): the text
    of ``json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)``."""
    return _indented(doc, "\n") + "\n"


def json_item(item: Any) -> str:
    """Return one item of a top-level list as :func:`dumps` writes it inside the document (indented twice)."""
    return "  " + _indented(item, "\n  ")


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return _string(key)
    if isinstance(key, bool) or key is None:
        return _string(_CONSTANTS[key])
    if isinstance(key, (int, float)):
        return _string(_indented(key, ""))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _float(value: float) -> str:
    if value != value or value in (_INF, -_INF):
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


def _indented(value: Any, pad: str) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1, allow_nan=False)`` at the indentation ``pad``
    (a newline and the spaces of the current level). The standard library falls back to its pure-Python
    encoder whenever ``indent`` is set, which made serialising keys and results most of a large run's
    time; this builds the same text with the C string encoder and joins."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = pad + " "
        sep = "," + inner
        return "{" + inner + sep.join([(_string(k) if type(k) is str else _key_text(k)) + ": " + (
            _string(v) if type(v) is str else _indented(v, inner)) for k, v in value.items()]) + pad + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = pad + " "
        try:  # a list of strings (ids, messages): all through the C encoder at once
            items = list(map(_string, value))
        except TypeError:
            items = [_string(v) if type(v) is str else _indented(v, inner) for v in value]
        return "[" + inner + ("," + inner).join(items) + pad + "]"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return _float(value)
    if value is None or value is True or value is False:
        return _CONSTANTS[value]
    # subclasses, as json.dumps takes them
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, (list, tuple)):
        return _indented(list(value), pad)
    if isinstance(value, dict):
        return _indented(dict(value), pad)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


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


def key_path(path: str | Path) -> Path:
    """Return the key file ``path`` names: itself, or for a folder the key ``exgen generate`` wrote into it
    (the store if there, else the JSON)."""
    from exgen.build.keystore import STORE_FILE

    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        return path / STORE_FILE if (path / STORE_FILE).exists() or not (path / KEY_FILE).exists() else path / KEY_FILE
    return path


def key_document(path: str | Path) -> dict:
    """Return the ``exgen-key/1`` document (``answer_key.json``'s content) of a key file of either form; a
    folder means the key ``exgen generate`` wrote into it (the store if there, else the JSON).

    Raises:
        ExgenError: as :func:`load_key`.
    """
    import io

    from exgen.build.keystore import KeyStore, export_json, is_store

    path = key_path(path)
    load_key(path)  # checks the file, either form
    if is_store(path):
        text = io.StringIO()
        export_json(KeyStore(path), text)
        return json.loads(text.getvalue())
    return json.loads(path.read_text(encoding="utf-8"))


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
        data = read_regular_file(path, limit=MAX_KEY_BYTES, what="key file (answer_key.sqlite or answer_key.json)")
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
