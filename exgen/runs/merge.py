"""``exgen merge``: join the parts that ``generate --shard i/n`` and ``grade --shard i/n`` left in a folder.

Each shard of a run writes its part into ``<out>/parts/``: ``key-i-of-n.sqlite`` (its students' key) or
``results-i-of-n.json`` (its submissions' grading). Once every shard has finished, merging writes what one
unsharded run writes — ``answer_key.sqlite`` and ``answer_key.json``, or the gradebooks, results.json,
feedback and report — byte for byte, and removes the parts (an interrupted merge can simply be run again).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from exgen.errors import ExgenError, one_line
from exgen.outputs import OutputDir, clean_stale

_KEY_PART = re.compile(r"^key-(\d{1,6})-of-(\d{1,6})\.sqlite$")
_RESULTS_PART = re.compile(r"^results-(\d{1,6})-of-(\d{1,6})\.json$")


@dataclass
class Merged:
    """What a merge wrote.

    Attributes:
        files: the files written, relative to the folder.
        key_parts, results_parts: how many parts of each kind were joined.
        results: the merged grading results (None when no grading parts were merged).
    """

    files: list[str] = field(default_factory=list)
    key_parts: int = 0
    results_parts: int = 0
    results: object = None


def _parts(folder: Path, pattern: re.Pattern) -> list[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    return [Path(e.path) for e in entries if pattern.match(e.name) and e.is_file(follow_symlinks=False)]


def _clean_tree(root: Path) -> None:
    """Remove the temporary files that killed shards left anywhere in the folder (every shard is done, so
    none is being written); links are never followed."""
    for folder, dirs, _files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        clean_stale(Path(folder))


def merge_run(folder: str | Path, *, force: bool = False, key_json: bool = True,
              progress: Callable[[int, int], None] | None = None) -> Merged:
    """Merge the parts in ``folder/parts`` (see the module's description); return what was written.

    Raises:
        ExgenError: no parts, a part missing or from another run, or outputs already there with other
            content (without ``force``).
    """
    from exgen.build.keyfile import KEY_FILE
    from exgen.build.keystore import PARTS_DIR, STORE_FILE, KeyStore, export_json, merge_parts

    root = Path(folder)
    if not root.is_dir() or root.is_symlink():
        raise ExgenError(f"{one_line(root)}: no such folder (give the --out folder of the sharded runs)")
    parts_dir = root / PARTS_DIR
    key_parts = _parts(parts_dir, _KEY_PART)
    results_parts = _parts(parts_dir, _RESULTS_PART)
    if not key_parts and not results_parts:
        raise ExgenError(f"{one_line(root)}: nothing to merge: no {PARTS_DIR}/key-i-of-n.sqlite (from exgen generate "
                         f"--shard) or {PARTS_DIR}/results-i-of-n.json (from exgen grade --shard)")
    _clean_tree(root)
    out = OutputDir(root, force=force)
    merged = Merged(key_parts=len(key_parts), results_parts=len(results_parts))
    if key_parts:
        with out.staged(STORE_FILE) as staged:
            store = merge_parts(key_parts, staged)
            store.close()
        merged.files.append(STORE_FILE)
        if key_json:
            store = KeyStore(out.path(STORE_FILE))
            with out.staged(KEY_FILE) as staged, open(staged, "w", encoding="utf-8", newline="\n") as handle:
                export_json(store, handle, progress=progress)
            store.close()
            merged.files.append(KEY_FILE)
    if results_parts:
        merged.files += _merge_results(results_parts, out, merged)
    for part in key_parts + results_parts:
        part.unlink()
    try:
        parts_dir.rmdir()
    except OSError:
        pass  # something else is in it: left as it is
    return merged


def _merge_results(paths: list[Path], out: OutputDir, merged: Merged) -> list[str]:
    from exgen.grading.batch import merge_parts
    from exgen.grading.parts import check_parts, load_part
    from exgen.grading.writers import write_outputs

    found = sorted((load_part(p) for p in paths), key=lambda pm: pm[0].shard.index)
    check_parts(found)
    meta = found[0][1]
    key = {"bank": meta["key"]["bank"], "exercises": meta["exercises"]}
    from exgen.i18n import SOURCE_LANGUAGE, language

    with language(key["bank"].get("language", SOURCE_LANGUAGE)):  # the feedback's and report's language, as grade's
        results, _ = merge_parts(key, [part for part, _ in found])
        merged.results = results
        return write_outputs(results, out, list(meta["formats"]))
