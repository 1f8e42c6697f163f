"""The answer key store, ``answer_key.sqlite`` (format ``exgen-keystore/1``): every student's instances in
one SQLite file with an index, so that grading reads only the students it grades.

docs/keystore.md describes the format. In short: a table ``students(pos, id, name)`` in roster order with a
unique index on ``id``, and ``records(pos, exercises)``: per exercise, the instance's compact JSON (exactly
``Instance.to_dict()``) compressed with zlib against a *dictionary* for that exercise. The dictionaries,
stored once in the table ``dictionaries``, are the same exercises drawn for two reference ids: the prompts,
solution steps and feedback that every student's copy repeats are stored once per key, and a student's
record keeps only what differs (about 2.6 KB a student for the default bank, against 64 KB in
``answer_key.json``). The table ``meta`` holds the bank, the seed, the exercises' outline and, for a part
written by ``exgen generate --shard``, which slice of the roster it holds.

The file is written in one transaction into a temporary file that is renamed when complete
(``exgen.outputs.OutputDir.staged``), so a reader sees a whole key or none; the same students in the same
order give the same bytes (with the same SQLite and zlib), however the work was spread (``--jobs``,
``--shard`` then ``exgen merge``). ``answer_key.json`` (format ``exgen-key/1``) is an export of this file
for people and for the JSON Schema (:func:`export_json`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import struct
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from exgen.build.keyfile import KEY_FORMAT, json_item, list_items
from exgen.errors import ExgenError, one_line
from exgen.instance import Instance
from exgen.outputs import clean_text
from exgen.parallel import WHOLE_RUN, Shard

STORE_FORMAT = "exgen-keystore/1"
STORE_FILE = "answer_key.sqlite"
#: Where ``generate --shard i/n`` puts its part of the key, inside the output folder (``exgen merge`` joins them).
PARTS_DIR = "parts"
#: Student ids whose instances are the compression dictionaries (drawn like any student's, never shown).
DICTIONARY_IDS = ("exgen-dictionary-1", "exgen-dictionary-2")
#: zlib looks back at most 32 KiB, so a dictionary is the last 32 KiB of the reference text.
WINDOW = 32768
LEVEL = 6
#: Large pages hold many students each (a 2.6 KB record would waste a third of a 4 KiB page).
PAGE_SIZE = 65536
#: Largest decompressed exercise accepted when reading (a damaged or hostile file cannot exhaust memory).
MAX_EXERCISE_BYTES = 20_000_000
_MAGIC = b"SQLite format 3\x00"
# Records apart from the roster, so that listing the class reads a few pages, not every student's record.
_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE dictionaries (exercise TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE students (pos INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL)",
    "CREATE TABLE records (pos INTEGER PRIMARY KEY REFERENCES students, exercises BLOB NOT NULL)",
)
_META = ("format", "key_format", "generator", "bank", "exercises", "students", "roster", "part", "first", "count")


def part_file(shard: Shard) -> str:
    """Return where a shard's part of the key goes, relative to the output folder."""
    return f"{PARTS_DIR}/key-{shard.index}-of-{shard.count}.sqlite"


def compact(value: Any) -> bytes:
    """Return JSON without spaces, as UTF-8 (text made writable as every output is: ``clean_text``)."""
    return clean_text(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)).encode("utf-8")


def roster_digest(students: Sequence[Mapping[str, str]]) -> str:
    """Return a digest of a roster (ids and names, in order): parts of one run must share it."""
    import hashlib  # (OpenSSL takes milliseconds to load: not on the one-submission autograder's path)

    return hashlib.sha256(compact([[s["id"], s["name"]] for s in students])).hexdigest()


def make_dictionaries(references: Sequence[Sequence[Instance]]) -> dict[str, bytes]:
    """Return each exercise's compression dictionary from the reference ids' instances (``DICTIONARY_IDS``)."""
    texts: dict[str, bytes] = {}
    for instances in references:
        for inst in instances:
            texts[inst.exercise_id] = texts.get(inst.exercise_id, b"") + compact(inst.to_dict())
    return {eid: text[-WINDOW:] for eid, text in texts.items()}


def outline(instances: Sequence[Instance]) -> list[dict]:
    """Return what the key's exercise list needs of a student's instances: id, title, points, part ids and
    exercise type (whose declared mistakes the class report describes)."""
    return [{"id": i.exercise_id, "title": i.title, "points": i.points, "parts": [p.id for p in i.parts],
             "type": i.type} for i in instances]


def encode_record(instances: Sequence[Instance], dictionaries: Mapping[str, bytes]) -> bytes:
    """Return a student's ``exercises`` cell: per exercise, its id and its compressed compact JSON."""
    out = bytearray()
    for inst in instances:
        eid = inst.exercise_id.encode("utf-8")
        zdict = dictionaries.get(inst.exercise_id)
        packer = zlib.compressobj(LEVEL, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, *([zdict] if zdict else []))
        blob = packer.compress(compact(inst.to_dict())) + packer.flush()
        out += struct.pack(">H", len(eid)) + eid + struct.pack(">I", len(blob)) + blob
    return bytes(out)


def decode_record(record: bytes, dictionaries: Mapping[str, bytes]) -> list[dict]:
    """Return a student's exercises as JSON data (``Instance.to_dict()`` form) from an ``exercises`` cell.

    Raises:
        ValueError: the cell is damaged (cut short, not zlib, too large, not JSON).
    """
    out = []
    view = memoryview(record)
    at = 0
    while at < len(view):
        if at + 2 > len(view):
            raise ValueError("cut short")
        (size,) = struct.unpack_from(">H", view, at)
        eid = bytes(view[at + 2:at + 2 + size]).decode("utf-8")
        at += 2 + size
        if at + 4 > len(view):
            raise ValueError("cut short")
        (size,) = struct.unpack_from(">I", view, at)
        blob = view[at + 4:at + 4 + size]
        if len(blob) != size:
            raise ValueError("cut short")
        at += 4 + size
        zdict = dictionaries.get(eid)
        unpacker = zlib.decompressobj(15, *([zdict] if zdict else []))
        data = unpacker.decompress(blob, MAX_EXERCISE_BYTES)
        if not unpacker.eof or unpacker.unconsumed_tail or unpacker.unused_data:
            raise ValueError("damaged or too large")
        out.append(json.loads(data))
    return out


class KeyWriter:
    """Writes a key store (or one shard's part of it) into an empty file, one student at a time.

    Students must come in roster order (``pos`` increasing); the file is complete only after
    :meth:`finish`. Use it on the temporary file of ``OutputDir.staged`` so that an interrupted run leaves
    no partial key.
    """

    def __init__(self, path: Path, *, bank: Mapping[str, Any], dictionaries: Mapping[str, bytes], total: int,
                 roster: str, part: Shard = WHOLE_RUN):
        self._meta = {"format": STORE_FORMAT, "key_format": KEY_FORMAT, "bank": dict(bank), "students": total,
                      "roster": roster, "part": str(part)}
        self._dictionaries = dict(dictionaries)
        self._exercises: dict[str, dict] = {}
        self._last = -1
        self._first: int | None = None
        self._count = 0
        self._ids: list[str] = []
        self._db = sqlite3.connect(os.fspath(path), isolation_level=None)
        for pragma in (f"page_size={PAGE_SIZE}", "journal_mode=OFF", "synchronous=OFF"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("BEGIN")
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._db.executemany("INSERT INTO dictionaries VALUES (?, ?)", sorted(self._dictionaries.items()))

    def add(self, pos: int, student_id: str, name: str, record: bytes, exercises: Sequence[Mapping]) -> None:
        """Add one student: roster position, id, name, ``encode_record`` cell and ``outline`` of instances.

        Raises:
            ExgenError: a position not after the previous one, or an id already in the key.
        """
        if pos <= self._last:
            raise ExgenError(f"key store: student {one_line(student_id)} at position {pos} is out of roster order")
        try:
            self._db.execute("INSERT INTO students VALUES (?, ?, ?)", (pos, clean_text(student_id), clean_text(name)))
            self._db.execute("INSERT INTO records VALUES (?, ?)", (pos, record))
        except sqlite3.IntegrityError:
            raise ExgenError(f"key store: student id {one_line(student_id)} appears twice") from None
        self._last = pos
        self._first = pos if self._first is None else self._first
        self._count += 1
        self._ids.append(clean_text(student_id))
        self.add_exercises(exercises)

    def add_exercises(self, exercises: Sequence[Mapping]) -> None:
        """Note exercises for the key's outline (the first seen of each id is kept, in order seen)."""
        for ex in exercises:
            self._exercises.setdefault(ex["id"], dict(ex))

    def finish(self, generator: str) -> None:
        """Write the key's description and commit; the file is then a complete key store."""
        meta = {**self._meta, "generator": generator, "exercises": list(self._exercises.values()),
                "first": self._first if self._first is not None else 0, "count": self._count,
                "ids": "\n".join(self._ids)}
        self._db.executemany("INSERT INTO meta VALUES (?, ?)",
                             sorted((k, compact(v).decode("utf-8")) for k, v in meta.items()))
        self._db.execute("COMMIT")
        self._db.close()

    def abort(self) -> None:
        """Close without committing (the caller removes the file)."""
        self._db.close()


def is_store(path: str | os.PathLike) -> bool:
    """Return whether ``path`` starts like an SQLite database (without following a link)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode) and os.read(fd, len(_MAGIC)) == _MAGIC
    finally:
        os.close(fd)


class KeyStore:
    """A key store opened for reading. Each process opens its own connection when it first reads, so a
    store can be handed to worker processes (it pickles as its path).

    Attributes:
        path: the file.
        bank: ``{"id", "title", "seed", "course"}`` as in ``answer_key.json``.
        exercises: the outline: ``[{"id", "title", "points", "parts", "type"}]``, first seen of each id, in order.
        total: students in the whole roster; ``first`` and ``count``: the positions this file holds.
        part: the shard this file is (``1/1`` for a whole key).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._pid = -1
        self._db: sqlite3.Connection | None = None
        self._dictionaries: dict[str, bytes] | None = None
        self._ids: list[str] | None = None
        self._label = one_line(self.path.name)
        try:
            mode = os.lstat(self.path).st_mode
        except OSError as err:
            raise self._error(f"{err.strerror or type(err).__name__}") from None
        if not stat.S_ISREG(mode):
            from exgen.bank.files import kind_of

            raise self._error(f"is {kind_of(mode)}, not a regular file")
        if not is_store(self.path):
            raise self._error(f"not an answer key store (expected an SQLite file of format {STORE_FORMAT})")
        try:
            rows = dict(self._conn().execute("SELECT name, value FROM meta").fetchall())
        except sqlite3.DatabaseError as err:
            raise self._error(f"not a readable answer key store ({err})") from None
        found = rows.get("format")
        if found != compact(STORE_FORMAT).decode():
            shown = one_line(str(found))[:60] if found is not None else "none"
            raise self._error(f"expected an answer key store of format {STORE_FORMAT}, found {shown}")
        try:
            meta = {k: json.loads(rows[k]) for k in _META}
            self.bank: dict = dict(meta["bank"])
            self.generator: str = str(meta["generator"])
            self.exercises: list[dict] = list(meta["exercises"])
            self.total = int(meta["students"])
            self.first = int(meta["first"])
            self.count = int(meta["count"])
            self.roster = str(meta["roster"])
            self._ids_text: str | None = rows.get("ids")  # parsed when ids are first asked for
            index, count = (int(x) for x in str(meta["part"]).split("/"))
            self.part = Shard(index, count)
        except (KeyError, ValueError, TypeError) as err:
            raise self._error(f"malformed answer key store ({type(err).__name__})") from None

    def _error(self, message: str) -> ExgenError:
        return ExgenError(f"cannot read the answer key: {self._label}: {message}")

    def __reduce__(self) -> tuple:
        return KeyStore, (self.path,)

    def _conn(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():
            uri = f"file:{quote(os.fspath(self.path.resolve()), safe='/')}?mode=ro&immutable=1"
            try:
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
                self._db.execute("PRAGMA query_only=ON")
                self._db.execute("PRAGMA trusted_schema=OFF")
            except sqlite3.DatabaseError as err:
                raise self._error(f"not a readable answer key store ({err})") from None
            self._pid = os.getpid()
        return self._db

    def _query(self, sql: str, args: tuple = ()) -> list:
        try:
            return self._conn().execute(sql, args).fetchall()
        except sqlite3.DatabaseError as err:
            raise self._error(f"damaged answer key store ({err})") from None

    @property
    def dictionaries(self) -> dict[str, bytes]:
        """The compression dictionaries, by exercise id."""
        if self._dictionaries is None or self._pid != os.getpid():
            self._dictionaries = {str(k): bytes(v) for k, v in self._query("SELECT exercise, data FROM dictionaries")}
        return self._dictionaries

    @property
    def seed(self) -> int:
        """The seed the key was drawn with."""
        return int(self.bank.get("seed", 0))

    def ids(self) -> list[str]:
        """Return the student ids in roster order."""
        if self._ids is None and self._ids_text is not None:
            # the list the writer recorded: one value instead of a scan of every student (a cold start's cost)
            try:
                joined = json.loads(self._ids_text)
            except (ValueError, RecursionError):
                joined = None
            found = joined.split("\n") if isinstance(joined, str) and joined else []
            if len(found) == self.count:
                self._ids = found
        if self._ids is None:
            # one string from SQLite, split in C: ten times faster than a row per student (ids hold no newline)
            joined = self._query("SELECT group_concat(id, char(10)) FROM (SELECT id FROM students ORDER BY pos)")
            self._ids = str(joined[0][0]).split("\n") if joined and joined[0][0] is not None else []
        return self._ids

    def find(self, student_id: str) -> tuple[int, str, bytes] | None:
        """Return (roster position, name, ``exercises`` cell) of a student, or None when not in the key."""
        rows = self._query("SELECT s.pos, s.name, r.exercises FROM students AS s JOIN records AS r ON r.pos = s.pos "
                           "WHERE s.id = ?", (student_id,))
        return (int(rows[0][0]), str(rows[0][1]), bytes(rows[0][2])) if rows else None

    def exercises_of(self, student_id: str, record: bytes) -> list[dict]:
        """Return the JSON data of a student's exercises from their ``exercises`` cell."""
        try:
            return decode_record(record, self.dictionaries)
        except (ValueError, zlib.error, UnicodeDecodeError, RecursionError) as err:
            raise self._error(f"student {one_line(student_id)}: damaged record ({err})") from None

    def student(self, student_id: str) -> dict:
        """Return ``{"name", "exercises": [Instance]}`` of a student.

        Raises:
            KeyError: the student is not in the key.
            ExgenError: their record is damaged.
        """
        found = self.find(student_id)
        if found is None:
            raise KeyError(student_id)
        _pos, name, record = found
        try:
            instances = [Instance.from_dict(d) for d in self.exercises_of(student_id, record)]
        except (KeyError, TypeError, ValueError) as err:
            raise self._error(f"student {one_line(student_id)}: malformed exercise ({type(err).__name__})") from None
        return {"name": name, "exercises": instances}

    def rows(self, batch: int = 256) -> Iterator[tuple[int, str, str, bytes]]:
        """Yield (position, id, name, ``exercises`` cell) of every student in roster order, a batch at a time."""
        last = -1
        while True:
            found = self._query("SELECT s.pos, s.id, s.name, r.exercises FROM students AS s JOIN records AS r "
                                "ON r.pos = s.pos WHERE s.pos > ? ORDER BY s.pos LIMIT ?", (last, batch))
            for pos, sid, name, record in found:
                yield int(pos), str(sid), str(name), bytes(record)
            if len(found) < batch:
                return
            last = int(found[-1][0])

    def close(self) -> None:
        """Close this process's connection."""
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db = None


class StoredStudents(Mapping[str, dict]):
    """The students of a key store as the mapping ``load_key`` returns: id -> ``{"name", "exercises"}``,
    read from the file on each access, in roster order."""

    def __init__(self, store: KeyStore):
        self.store = store

    def __getitem__(self, student_id: str) -> dict:
        if not isinstance(student_id, str):
            raise KeyError(student_id)
        return self.store.student(student_id)

    def __contains__(self, student_id: object) -> bool:
        return isinstance(student_id, str) and self.store.find(student_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.store.ids())

    def __len__(self) -> int:
        return self.store.count


def export_json(store: KeyStore, handle: IO[str], *, progress: Callable[[int, int], None] | None = None) -> None:
    """Write ``answer_key.json`` (format ``exgen-key/1``) from a key store: the same text, byte for byte, as
    ``dumps(build_key(...))`` of the same students; ``progress(done, total)`` after each student."""
    def students() -> Iterator[str]:
        for done, (_pos, sid, name, record) in enumerate(store.rows(), 1):
            yield json_item({"id": sid, "name": name, "exercises": store.exercises_of(sid, record)})
            if progress:
                progress(done, store.count)

    doc = {"format": KEY_FORMAT, "generator": store.generator, "bank": store.bank, "students": []}
    for text in list_items(doc, "students", students()):
        handle.write(clean_text(text))


def merge_parts(parts: Sequence[Path], target: Path) -> KeyStore:
    """Join the parts written by ``generate --shard i/n`` (all n of them) into one key store at ``target``
    (an empty file), byte for byte the store an unsharded run writes.

    Raises:
        ExgenError: a part is missing, repeated, or from another run (bank, seed, roster, exgen version).
    """
    stores = sorted((KeyStore(p) for p in parts), key=lambda s: s.part.index)
    first = stores[0]
    count = first.part.count
    indices = [s.part.index for s in stores]
    missing = [i for i in range(1, count + 1) if i not in indices]
    if missing or len(stores) != count:
        if missing:
            raise ExgenError(f"key parts: part {missing[0]} of {count} is missing (run exgen generate with "
                             f"--shard {missing[0]}/{count} into the same folder)")
        raise ExgenError(f"key parts: found {len(stores)} parts for a run of {count}")
    for s in stores:
        where = f"key part {s.part}"
        if s.part.count != count:
            raise ExgenError(f"{where}: belongs to a run of {s.part.count} shards, not {count}")
        for label, mine, theirs in (("bank or seed", s.bank, first.bank), ("roster", s.roster, first.roster),
                                    ("exgen version", s.generator, first.generator),
                                    ("class size", s.total, first.total)):
            if mine != theirs:
                raise ExgenError(f"{where}: another {label} than part {first.part} (parts of different runs)")
        if s.dictionaries != first.dictionaries:
            raise ExgenError(f"{where}: other exercises than part {first.part} (parts of different runs)")
        expected = s.part.range(s.total)
        if (s.first, s.count) != (expected.start, len(expected)) and s.count:
            raise ExgenError(f"{where}: holds other students than slice {s.part} of the roster")
    writer = KeyWriter(target, bank=first.bank, dictionaries=first.dictionaries, total=first.total,
                       roster=first.roster)
    try:
        for s in stores:
            for pos, sid, name, record in s.rows():
                writer.add(pos, sid, name, record, ())
            writer.add_exercises(s.exercises)
            s.close()
        writer.finish(first.generator)
    except BaseException:
        writer.abort()
        raise
    return KeyStore(target)
