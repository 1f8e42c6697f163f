"""Gradescope: an autograder zip (``setup.sh`` and ``run_autograder`` at its root) that grades with exgen
against the stored answer key of the worksheets students were given.

The zip carries the answer key it grades against, as it was given: ``exgen_autograder/key.sqlite`` (the key
store ``exgen generate`` wrote for the printed worksheets, ``--key week1`` or ``--key week1/answer_key.sqlite``:
read one student per submission, so a class of 10,000 costs a submission no more than a class of 10) or
``exgen_autograder/key.json`` (an ``exgen-key/1`` document: ``--key week1/answer_key.json``, or one drawn now
for a roster, ``--roster``; read whole at each submission), a wheel of this very exgen
(built here, deterministically, from the installed package), ``requirements.txt`` pinning exgen's dependencies
to the versions this export was built and tested with, and a small config. ``setup.sh`` installs them into a
virtual environment at image build; ``run_autograder`` runs ``python -m exgen.exporters.autograder_main`` per
submission, which finds the submitter in the key (emails compared case-insensitively) and writes
``/autograder/results/results.json`` (see ``docs/gradescope-results.schema.json``). Nothing is drawn again at
grading time, so a later numpy or sympy cannot change the exercise being graded.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from exgen import __version__
from exgen.answers import LmsForm
from exgen.bank.spec import BankSpec
from exgen.errors import ExgenError
from exgen.exporters.base import (
    Exporter,
    ExportResult,
    FormRendering,
    Option,
    check_target_free,
    deterministic_zip,
    shipped_files,
    write_file,
)

BUNDLE = "exgen_autograder"
#: Folder of the bundle holding the plug-in folders in use at export (one sub-folder each).
PLUGINS = "plugins"
STUDENT_KEYS = ("email", "id", "sid")
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
#: Largest key store shipped (a class of 100,000 is about 400 MB).
MAX_STORE_BYTES = 2_000_000_000

SETUP_SH = """#!/usr/bin/env bash
# exgen autograder: runs once, as root, when Gradescope builds the image. Makes a virtual environment with a
# Python of at least %(minpy)s, installs the pinned dependencies (requirements.txt: the versions this export
# was built with) and the bundled exgen wheel. pip fetches the dependencies from PyPI (network at build).
# Overridable for local testing: EXGEN_AUTOGRADER_SOURCE (default /autograder/source), EXGEN_PYTHON (use this
# interpreter as it is, no virtual environment), EXGEN_VENV (default /autograder/exgen-venv), EXGEN_PIP_ARGS
# (extra pip options, e.g. --no-index).
set -euo pipefail
SOURCE="${EXGEN_AUTOGRADER_SOURCE:-/autograder/source}"
VENV="${EXGEN_VENV:-/autograder/exgen-venv}"
PYTHON="${EXGEN_PYTHON:-}"
new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (%(minpy_tuple)s))' >/dev/null 2>&1; }
if [ -z "$PYTHON" ]; then
  BASE=""
  for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 && new_enough "$candidate"; then BASE="$candidate"; break; fi
  done
  if [ -z "$BASE" ]; then  # Ubuntu 22.04 has Python 3.10; its universe archive has 3.11
    apt-get update
    apt-get install -y python%(minpy)s python%(minpy)s-venv
    BASE="python%(minpy)s"
  fi
  if ! "$BASE" -m venv "$VENV"; then
    apt-get update
    apt-get install -y "$("$BASE" -c 'import sys; print("python%%d.%%d-venv" %% sys.version_info[:2])')"
    "$BASE" -m venv "$VENV"
  fi
  PYTHON="$VENV/bin/python"
fi
"$PYTHON" -m pip install ${EXGEN_PIP_ARGS:-} -r "$SOURCE"/%(bundle)s/requirements.txt
"$PYTHON" -m pip install ${EXGEN_PIP_ARGS:-} --no-deps --force-reinstall "$SOURCE"/%(bundle)s/%(wheel)s
""".replace("%(bundle)s", BUNDLE)

RUN_AUTOGRADER = """#!/usr/bin/env bash
# exgen autograder: grades the submission's answers.yaml (or answers.json) into results/results.json.
# EXGEN_AUTOGRADER_ROOT overrides /autograder (local testing); EXGEN_PYTHON the interpreter.
ROOT="${EXGEN_AUTOGRADER_ROOT:-/autograder}"
VENV="${EXGEN_VENV:-$ROOT/exgen-venv}"
if [ -n "${EXGEN_PYTHON:-}" ]; then PYTHON="$EXGEN_PYTHON"
elif [ -x "$VENV/bin/python" ]; then PYTHON="$VENV/bin/python"
else PYTHON=python3
fi
cd "$ROOT" 2>/dev/null || true
"$PYTHON" -m exgen.exporters.autograder_main --root "$ROOT"
if [ ! -s "$ROOT/results/results.json" ]; then
  # Last resort (exgen could not even start): still give Gradescope a result, never a crash.
  mkdir -p "$ROOT/results"
  printf '%s\\n' '{"score": 0, "output": "The autograder could not start; your instructor has been told.", "tests": [], "stdout_visibility": "hidden"}' > "$ROOT/results/results.json"
fi
exit 0
"""

README = """exgen Gradescope autograder for bank {bank} (seed {seed}), {students} student(s) in its key

Upload this zip as the autograder of a Gradescope "Programming Assignment". Students upload one file,
answers.yaml (or answers.json):

    answers:
      {example}

Each student is graded against their exercises in exgen_autograder/{key_file}, found by their Gradescope
{key} (emails compared without regard to case); a student who is not in the key gets a message saying so.
Give students the worksheets of that same key (exgen generate --roster: ids = Gradescope {key}s).
Built by exgen {version}; requirements.txt pins the versions it was built with.
"""


def _requirements() -> list[str]:
    """Return exgen's Requires-Dist lines (from the installed metadata, else the checkout's pyproject.toml)."""
    from importlib import metadata

    try:
        reqs = metadata.requires("exgen")
        if reqs:
            return [r for r in reqs if "extra ==" not in r]
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        tomllib = importlib.import_module("tomllib")  # Python 3.11+; on 3.10 exgen's metadata is always there
        return list(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"])
    except (ImportError, OSError, KeyError) as err:
        raise ExgenError(f"cannot find exgen's dependencies to build the bundled wheel ({err})") from None


def _distribution(requirement: str) -> str | None:
    """Return the distribution name of a Requires-Dist line, or None for an extra's requirement."""
    import re

    if "extra ==" in requirement:
        return None
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return m.group(1) if m else None


def pinned_requirements() -> tuple[list[str], tuple[int, int]]:
    """Return ``name==version`` for exgen's dependencies and theirs (the installed versions: what this export
    was built and tested with), sorted, and the oldest Python every one of them supports.

    Raises:
        ExgenError: a dependency is not installed (the export cannot say which version grades).
    """
    import re
    from importlib import metadata

    todo = [d for d in (_distribution(r) for r in _requirements()) if d]
    pins: dict[str, str] = {}
    python = (3, 10)
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in pins:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise ExgenError(f"exgen's dependency {name} is not installed; cannot pin the autograder's "
                             "requirements") from None
        pins[key] = f"{dist.metadata['Name']}=={dist.version}"
        found = re.search(r">=\s*3\.(\d+)", dist.metadata["Requires-Python"] or "")
        if found:
            python = max(python, (3, int(found.group(1))))
        todo += [d for d in (_distribution(r) for r in (dist.requires or []) if ";" not in r or "extra" not in r)
                 if d]
    return sorted(pins.values(), key=str.lower), python


def _package_files() -> dict[str, bytes]:
    """Return the files of the installed exgen package (templates and banks included) by wheel path."""
    from exgen.resources import banks_dir, templates_dir

    pkg = Path(__file__).resolve().parents[1]
    files: dict[str, bytes] = {}
    roots = [(pkg, "exgen"), (templates_dir(), "exgen/templates"), (banks_dir(), "exgen/exercise_banks")]
    for root, prefix in roots:
        for name, data in shipped_files(root, prefix).items():
            files.setdefault(name, data)
    return files


def build_wheel() -> tuple[str, bytes]:
    """Return (file name, bytes) of a pure-Python wheel of this exgen (PEP 427), byte-identical per source."""
    dist = f"exgen-{__version__}.dist-info"
    files = _package_files()
    files[f"{dist}/METADATA"] = ("Metadata-Version: 2.1\nName: exgen\nVersion: " + __version__ + "\n"
                                 "Summary: Randomized exercises on the mathematics of deep learning\n"
                                 "Requires-Python: >=3.10\n"
                                 + "".join(f"Requires-Dist: {r}\n" for r in _requirements())).encode()
    files[f"{dist}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: exgen\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{dist}/entry_points.txt"] = b"[console_scripts]\nexgen = exgen.cli:main\n"
    files[f"{dist}/top_level.txt"] = b"exgen\n"
    record = []
    for name in sorted(files):
        digest = base64.urlsafe_b64encode(hashlib.sha256(files[name]).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(files[name])}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    return f"exgen-{__version__}-py3-none-any.whl", deterministic_zip(files)


def key_for(bank: BankSpec, *, seed: int, key: str = "", roster: str = "") -> dict:
    """Return the answer key the autograder grades against: the file ``key`` (what ``exgen generate`` wrote for
    the worksheets) or one drawn now for the students of ``roster``.

    Raises:
        ExgenError: neither or both given; an unreadable key or roster; a key of another bank.
    """

    from exgen.build.keyfile import KEY_FORMAT, build_key, key_document

    if bool(key) == bool(roster):
        raise ExgenError("the Gradescope autograder grades against the answer key of the worksheets you gave out: "
                         "pass --key week1/answer_key.json (written by exgen generate) or --roster class.csv "
                         "(ids = the students' Gradescope emails), one of the two")
    if key:
        doc = key_document(key)  # answer_key.json, answer_key.sqlite or their folder: checked, shipped as JSON
        if doc["bank"].get("id") != bank.id:
            raise ExgenError(f"{key}: this key was generated from bank {doc['bank'].get('id')!r}, not {bank.id!r}; "
                             "export with the bank the worksheets came from")
        return doc
    from exgen.bank.roster import read_roster
    from exgen.build.pipeline import bank_info, build_student

    students = read_roster(roster)
    doc = build_key(bank=bank_info(bank), seed=seed, students=[
        (s.to_dict(), build_student(bank, seed=seed, student_id=s.id)) for s in students])
    if doc["format"] != KEY_FORMAT:  # a bug: build_key and load_key disagree
        raise ExgenError("internal: the key has an unexpected format")
    return doc


def _normalised_ids(ids: Sequence[str], student_key: str) -> None:
    """Refuse a key whose ids collide once emails are compared without case (two students, one account)."""
    seen: dict[str, str] = {}
    for sid in ids:
        norm = normalise_id(str(sid), student_key)
        if norm in seen:
            raise ExgenError(f"the key has students {seen[norm]!r} and {sid!r}, the same Gradescope "
                             f"{student_key} when case is ignored")
        seen[norm] = sid


class _Key:
    """The key the zip ships: its file name and bytes, the student ids, the seed and the first exercise's
    (exercise id, part id) for the README's example."""

    def __init__(self, file: str, data: bytes, ids: list[str], seed: int, parts: int, example: tuple[str, str] | None):
        self.file, self.data, self.ids, self.seed, self.parts, self.example = file, data, ids, seed, parts, example


def _given_store(bank: BankSpec, key: str) -> _Key | None:
    """The key store ``key`` names (the file, or the folder ``exgen generate`` wrote it into), shipped as it is;
    None when ``key`` is a JSON key."""
    from exgen.bank.files import read_regular_file
    from exgen.build.keyfile import key_path
    from exgen.build.keystore import KeyStore, is_store

    path = key_path(key)
    if not is_store(path):
        return None
    store = KeyStore(path)
    if store.bank.get("id") != bank.id:
        raise ExgenError(f"{key}: this key was generated from bank {store.bank.get('id')!r}, not {bank.id!r}; "
                         "export with the bank the worksheets came from")
    data = read_regular_file(path, limit=MAX_STORE_BYTES, what="answer key store")
    ids = store.ids()
    first = store.exercises[0] if store.exercises else None
    example = (str(first["id"]), str(first["parts"][0])) if first and first["parts"] else None
    parts = sum(len(e["parts"]) for e in store.exercises)
    return _Key("key.sqlite", data, ids, int(store.bank.get("seed", 0)), parts, example)


def normalise_id(value: str, student_key: str) -> str:
    """Return how a Gradescope user field is compared with the key's ids: emails without case or surrounding
    spaces, ids and SIDs without surrounding spaces."""
    text = " ".join(str(value).split())
    return text.casefold() if student_key == "email" else text


def build_autograder(bank: BankSpec, *, seed: int, key: str = "", roster: str = "", student_key: str = "email",
                     visibility: str = "visible") -> bytes:
    """Return the autograder zip's bytes.

    Raises:
        ExgenError: an unknown student key or visibility; no key or roster, or a bad one.
    """

    from exgen.build.keyfile import dumps

    if student_key not in STUDENT_KEYS:
        raise ExgenError(f"--student-key {student_key!r}: expected one of {', '.join(STUDENT_KEYS)}")
    if visibility not in VISIBILITIES:
        raise ExgenError(f"--visibility {visibility!r}: expected one of {', '.join(VISIBILITIES)}")
    shipped = _given_store(bank, key) if key and not roster else None
    if shipped is None:
        doc = key_for(bank, seed=seed, key=key, roster=roster)
        students = doc["students"]
        first = students[0]["exercises"][0] if students and students[0]["exercises"] else None
        shipped = _Key("key.json", dumps(doc).encode("utf-8"), [s["id"] for s in students],
                       doc["bank"].get("seed", seed),
                       sum(len(e["parts"]) for e in students[0]["exercises"]) if students else 0,
                       (first["id"], first["parts"][0]["id"]) if first and first["parts"] else None)
    _normalised_ids(shipped.ids, student_key)
    wheel_name, wheel = build_wheel()
    pins, python = pinned_requirements()
    config = {"format": "exgen-autograder/2", "key_file": shipped.file, "bank": bank.id, "seed": shipped.seed,
              "student_key": student_key, "visibility": visibility, "exgen": __version__,
              "python": f"{python[0]}.{python[1]}", "students": len(shipped.ids), "parts": shipped.parts}
    example = (f"{shipped.example[0]}:\n        {shipped.example[1]}: 42" if shipped.example
               else "dot:\n        a: 42")
    entries: dict[str, bytes | str] = {
        "setup.sh": SETUP_SH.replace("%(wheel)s", wheel_name).replace("%(minpy_tuple)s", f"{python[0]}, {python[1]}")
        .replace("%(minpy)s", f"{python[0]}.{python[1]}").replace("%%", "%"),
        "run_autograder": RUN_AUTOGRADER,
        "README.txt": README.format(bank=bank.id, seed=config["seed"], key=student_key, version=__version__,
                                    example=example, students=len(shipped.ids), key_file=shipped.file),
        f"{BUNDLE}/config.json": json.dumps(config, indent=1, sort_keys=True) + "\n",
        f"{BUNDLE}/{shipped.file}": shipped.data,
        f"{BUNDLE}/requirements.txt": "# exgen's dependencies, pinned to the versions this autograder was built with\n"
                                      + "".join(f"{p}\n" for p in pins),
        f"{BUNDLE}/{wheel_name}": wheel,
    }
    return deterministic_zip(entries, executable=("setup.sh", "run_autograder"))


#: The one table from LMS form to how Gradescope asks it: every part is a value in the student's
#: answers.yaml, read and checked by the part's own answer kind, exactly as ``exgen grade`` does.
FORMS: dict[LmsForm, FormRendering] = {
    form: FormRendering(how="answers.yaml value graded by exgen") for form in LmsForm
}


class GradescopeExporter(Exporter):
    name = "gradescope"
    summary = "Gradescope: autograder zip that grades answers.yaml against the worksheets' stored key"
    forms = FORMS
    options = (
        Option("key", "", "The key exgen generate wrote for the worksheets: its folder, answer_key.sqlite (read one "
                          "student per submission: any class size) or answer_key.json (students' ids = their "
                          "Gradescope emails, ids or SIDs); shipped in the zip as it is and graded against."),
        Option("roster", "", "Instead of --key: a roster CSV (id,name); the key is drawn now for its students."),
        Option("student_key", "email", "Gradescope user field matched with the key's student ids (emails "
                                       "without regard to case).", choices=STUDENT_KEYS),
        Option("visibility", "visible", "When students see the per-part results.", choices=VISIBILITIES),
    )
    examples = ("exgen export gradescope week1.yaml --key week1 --out autograder.zip",
                "exgen export gradescope week1.yaml --roster class.csv --student-key sid --out autograder.zip")
    default_out = "autograder.zip"
    out_help = "The autograder zip to upload to Gradescope."

    def write(self, bank: BankSpec, *, seed: int, out: str, force: bool, options: Mapping[str, Any]) -> ExportResult:
        """Write the autograder zip, which carries the answer key it grades against."""

        student_key = options["student_key"]
        check_target_free(out, force=force)
        data = build_autograder(bank, seed=seed, key=options["key"], roster=options["roster"],
                                student_key=student_key, visibility=options["visibility"])
        write_file(out, data)
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            config = json.loads(zf.read(f"{BUNDLE}/config.json"))
        return ExportResult(files=[str(out)], questions=config["parts"], notes=[
            f"graded against the stored key ({config['key_file']}) of {config['students']} student(s), matched by "
            f"Gradescope {student_key}" + (" (case-insensitive)" if student_key == "email" else "")])


EXPORTER = GradescopeExporter()
