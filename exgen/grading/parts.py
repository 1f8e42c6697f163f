"""A shard's grading saved for ``exgen merge``: ``parts/results-i-of-n.json`` (format ``exgen-results-part/1``).

``exgen grade --shard i/n`` grades slice i of the submission files and saves what it found here: the
problems of the files it read, every submission it saw (student, source, whether the student is in the key),
the result of the first submission of each student and its slice of the key's students. ``exgen merge``
loads all n parts and joins them (``exgen.grading.batch.merge_parts``) into the results, gradebooks,
feedback and report that one unsharded run writes, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from exgen.errors import ExgenError, one_line
from exgen.grading.batch import Graded, PartResults, Seen, exercise_infos, key_ids
from exgen.grading.results import Problem, StudentResult
from exgen.parallel import Shard

PART_FORMAT = "exgen-results-part/1"
PARTS_DIR = "parts"
#: Largest part file read (a part of 25,000 students is about 250 MB).
MAX_PART_BYTES = 2_000_000_000


def part_file(shard: Shard) -> str:
    """Return where a shard's grading goes, relative to the output folder."""
    return f"{PARTS_DIR}/results-{shard.index}-of-{shard.count}.json"


def key_identity(key: Mapping[str, Any]) -> dict:
    """Return what tells one key from another: its bank (with the seed), size and a digest of its ids."""
    ids = key_ids(key)
    digest = hashlib.sha256("\n".join(ids).encode("utf-8", "surrogatepass")).hexdigest()
    return {"bank": dict(key["bank"]), "students": len(ids), "digest": digest}


def save_part(part: PartResults, key: Mapping[str, Any], formats: Sequence[str]) -> str:
    """Return the text of a part file."""
    from exgen import __version__
    from exgen.build.keyfile import dumps

    return dumps({
        "format": PART_FORMAT, "generator": f"exgen {__version__}", "part": str(part.shard),
        "key": key_identity(key), "formats": list(formats),
        "exercises": [{"id": e.id, "title": e.title, "points": e.max_points, "parts": list(e.parts), "type": e.type}
                      for e in exercise_infos(key)],
        "key_ids": part.key_ids, "read_problems": part.read_problems,
        "seen": [[s.student, s.source, s.in_key] for s in part.seen],
        "graded": [{"pos": g.pos, "result": g.result.to_dict(), "problems": [[p.level, p.message] for p in g.problems]}
                   for g in part.graded.values()],
    })


def load_part(path: Path) -> tuple[PartResults, dict]:
    """Read a part file: (the part, its description: generator, key, formats, exercises).

    Raises:
        ExgenError: unreadable, not a part file, or malformed.
    """
    from exgen.bank.files import read_regular_file

    name = one_line(path.name)
    data = read_regular_file(path, limit=MAX_PART_BYTES, what="grading part (parts/results-i-of-n.json)")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as err:
        raise ExgenError(f"{name}: not a grading part ({type(err).__name__})") from None
    if not isinstance(doc, dict) or doc.get("format") != PART_FORMAT:
        raise ExgenError(f"{name}: expected a grading part of format {PART_FORMAT}")
    try:
        index, count = (int(x) for x in str(doc["part"]).split("/"))
        part = PartResults(
            shard=Shard(index, count), read_problems=[str(m) for m in doc["read_problems"]],
            seen=[Seen(None if s is None else str(s), str(src), bool(k)) for s, src, k in doc["seen"]],
            graded={g["result"]["id"]: Graded(pos=int(g["pos"]), result=StudentResult.from_dict(g["result"]),
                                              problems=[Problem(str(lv), str(m)) for lv, m in g["problems"]])
                    for g in doc["graded"]},
            key_ids=[str(s) for s in doc["key_ids"]])
        meta = {k: doc[k] for k in ("generator", "key", "formats", "exercises")}
    except (KeyError, TypeError, ValueError) as err:
        raise ExgenError(f"{name}: malformed grading part ({type(err).__name__})") from None
    return part, meta


def check_parts(found: Sequence[tuple[PartResults, dict]]) -> None:
    """Check that parts are all n parts of one run (same key, formats and exgen).

    Raises:
        ExgenError: a part is missing or repeated, or from another run.
    """
    first = found[0][1]
    count = found[0][0].shard.count
    indices = sorted(p.shard.index for p, _ in found)
    for i in range(1, count + 1):
        if i not in indices:
            raise ExgenError(f"grading parts: part {i} of {count} is missing (run exgen grade with --shard "
                             f"{i}/{count} into the same folder)")
    if len(found) != count:
        raise ExgenError(f"grading parts: found {len(found)} parts for a run of {count}")
    for part, meta in found:
        where = f"grading part {part.shard}"
        if part.shard.count != count:
            raise ExgenError(f"{where}: belongs to a run of {part.shard.count} shards, not {count}")
        for label in ("key", "formats", "generator", "exercises"):
            if meta[label] != first[label]:
                raise ExgenError(f"{where}: another {label} than part {found[0][0].shard} (parts of different runs)")
