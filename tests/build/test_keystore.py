"""The key store (answer_key.sqlite): one student at a time, the JSON export byte for byte, deterministic
bytes, parts merged into the whole, damaged or foreign files refused with one line."""

from __future__ import annotations

import json
import sqlite3

import pytest

from exgen.bank.spec import load_bank
from exgen.build.keyfile import build_key, dumps, key_bank, load_key
from exgen.build.keystore import (
    DICTIONARY_IDS,
    KeyStore,
    KeyWriter,
    encode_record,
    export_json,
    make_dictionaries,
    merge_parts,
    outline,
    roster_digest,
)
from exgen.build.pipeline import bank_info, build_student
from exgen.errors import ExgenError
from exgen.parallel import WHOLE_RUN, Shard
from exgen.resources import builtin_banks
from tests.conftest import ROOT

IDS = ["s1", "s2", "Björn-3", "s4", "s5"]


@pytest.fixture(scope="module")
def klass():
    bank = load_bank(builtin_banks()["dl-math-basics"])
    students = [({"id": sid, "name": f"Name {n} ünïcödé \"q\""}, build_student(bank, seed=7, student_id=sid))
                for n, sid in enumerate(IDS)]
    dictionaries = make_dictionaries([build_student(bank, seed=7, student_id=s) for s in DICTIONARY_IDS])
    return bank, students, dictionaries


def write(path, klass, part=WHOLE_RUN, rows=None):
    bank, students, dictionaries = klass
    path.write_bytes(b"")
    writer = KeyWriter(path, bank=key_bank(bank_info(bank), 7), dictionaries=dictionaries, total=len(students),
                       roster=roster_digest([s for s, _ in students]), part=part)
    for pos in (rows if rows is not None else range(len(students))):
        student, instances = students[pos]
        writer.add(pos, student["id"], student["name"], encode_record(instances, dictionaries), outline(instances))
    writer.finish("exgen test")
    return path


def test_students_read_one_at_a_time_equal_the_instances(tmp_path, klass):
    _, students, _ = klass
    key = load_key(write(tmp_path / "k.sqlite", klass))
    assert list(key["students"]) == IDS and len(key["students"]) == 5
    for student, instances in students:
        entry = key["students"][student["id"]]
        assert entry["name"] == student["name"] and entry["exercises"] == instances
    assert "nobody" not in key["students"] and 3 not in key["students"]
    with pytest.raises(KeyError):
        key["students"]["nobody"]
    assert key["bank"] == {"id": "dl-math-basics", "title": key["bank"]["title"], "seed": 7,
                           "course": key["bank"]["course"], "language": "en"}
    assert [e["id"] for e in key["exercises"]] == [i.exercise_id for i in students[0][1]]


def test_json_export_is_the_key_json_byte_for_byte_and_validates(tmp_path, klass):
    import io

    import jsonschema

    bank, students, _ = klass
    store = KeyStore(write(tmp_path / "k.sqlite", klass))
    out = io.StringIO()
    export_json(store, out)
    expected = dumps(build_key(bank=bank_info(bank), seed=7, students=students)).replace('"exgen 0.1.0"', '"exgen test"')
    assert out.getvalue() == expected
    schema = json.loads((ROOT / "docs" / "answer-key.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(out.getvalue()), schema)


def test_a_student_costs_a_few_kilobytes(tmp_path, klass):
    _, students, dictionaries = klass
    records = [len(encode_record(instances, dictionaries)) for _, instances in students]
    as_json = [len(json.dumps([i.to_dict() for i in instances], indent=1)) for _, instances in students]
    assert max(records) * 10 < min(as_json)  # the repeated text is in the dictionaries, once per key


def test_same_students_same_bytes_and_parts_merge_to_the_whole(tmp_path, klass):
    whole = write(tmp_path / "a.sqlite", klass).read_bytes()
    assert write(tmp_path / "b.sqlite", klass).read_bytes() == whole
    parts = [write(tmp_path / f"p{i}.sqlite", klass, part=Shard(i, 3), rows=Shard(i, 3).range(5))
             for i in (3, 1, 2)]
    (tmp_path / "m.sqlite").write_bytes(b"")
    merged = merge_parts(parts, tmp_path / "m.sqlite")
    merged.close()
    assert (tmp_path / "m.sqlite").read_bytes() == whole


def test_merging_refuses_a_missing_or_foreign_part(tmp_path, klass):
    parts = [write(tmp_path / f"p{i}.sqlite", klass, part=Shard(i, 3), rows=Shard(i, 3).range(5)) for i in (1, 2, 3)]
    (tmp_path / "m.sqlite").write_bytes(b"")
    with pytest.raises(ExgenError, match="part 2 of 3 is missing"):
        merge_parts([parts[0], parts[2]], tmp_path / "m.sqlite")
    wrong = write(tmp_path / "w.sqlite", klass, part=Shard(2, 3), rows=[0, 1])
    with pytest.raises(ExgenError, match="holds other students than slice 2/3"):
        merge_parts([parts[0], wrong, parts[2]], tmp_path / "m.sqlite")
    bank, students, dictionaries = klass
    other = (bank, list(reversed(students)), dictionaries)
    foreign = write(tmp_path / "f.sqlite", other, part=Shard(2, 3), rows=Shard(2, 3).range(5))
    with pytest.raises(ExgenError, match="another roster than part 1/3"):
        merge_parts([parts[0], foreign, parts[2]], tmp_path / "m.sqlite")


def test_damaged_foreign_and_linked_files_are_one_line_errors(tmp_path, klass):
    store = write(tmp_path / "k.sqlite", klass)
    (tmp_path / "not.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    (tmp_path / "link.sqlite").symlink_to(store)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('format', '\"someone-else/9\"')")
    for path, needle in ((tmp_path / "not.sqlite", "not a readable answer key store"),
                         (tmp_path / "link.sqlite", "is a symbolic link, not a regular file"),
                         (other, "expected an answer key store of format exgen-keystore/1, found \"someone-else/9\""),
                         (tmp_path / "gone.sqlite", "No such file")):
        with pytest.raises(ExgenError) as info:
            KeyStore(path)
        assert needle in str(info.value) and "\n" not in str(info.value)
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(store.read_bytes())
    with sqlite3.connect(damaged) as db:
        db.execute("UPDATE records SET exercises = substr(exercises, 1, 40) WHERE pos = 1")
    key = load_key(damaged)
    assert key["students"]["s1"]["name"]  # the others are still readable
    with pytest.raises(ExgenError, match=r"student s2: damaged record"):
        key["students"]["s2"]


def test_a_store_goes_to_worker_processes_as_its_path(tmp_path, klass):
    import pickle

    store = KeyStore(write(tmp_path / "k.sqlite", klass))
    store.ids()
    copy = pickle.loads(pickle.dumps(store))  # noqa: S301  (our own object)
    assert copy.path == store.path and copy.student("s4") == store.student("s4")


def test_ids_are_read_from_one_value_and_older_or_damaged_stores_are_scanned(tmp_path, klass):
    path = write(tmp_path / "k.sqlite", klass)
    with sqlite3.connect(path) as db:
        assert json.loads(db.execute("SELECT value FROM meta WHERE name = 'ids'").fetchone()[0]) == "\n".join(IDS)
    assert KeyStore(path).ids() == IDS
    part = write(tmp_path / "p.sqlite", klass, part=Shard(2, 2), rows=range(3, 5))
    assert KeyStore(part).ids() == IDS[3:]
    for change, args in (("DELETE FROM meta WHERE name = 'ids'", ()),  # written before the list was kept
                         ("UPDATE meta SET value = ? WHERE name = 'ids'", (json.dumps("s1\ns2"),)),  # too short
                         ("UPDATE meta SET value = ? WHERE name = 'ids'", (json.dumps(IDS),)),  # not one text
                         ("UPDATE meta SET value = '{' WHERE name = 'ids'", ())):  # not JSON
        copy = tmp_path / "old.sqlite"
        copy.write_bytes(path.read_bytes())
        with sqlite3.connect(copy) as db:
            db.execute(change, args)
        db.close()
        store = KeyStore(copy)
        assert store.ids() == IDS and list(load_key(copy)["students"]) == IDS
