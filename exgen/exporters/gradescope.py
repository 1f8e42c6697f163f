"""Gradescope: an autograder zip (``setup.sh`` and ``run_autograder`` at its root) that grades with exgen.

The zip bundles a wheel of this very exgen (built here, deterministically, from the installed package), the
bank file and a small config. ``setup.sh`` installs the wheel at image build (pip fetches numpy, sympy,
... from PyPI); ``run_autograder`` runs ``python3 -m exgen.exporters.autograder_main`` per submission,
which regenerates the student's variant from the bank seed and the Gradescope user (email by default) and
writes ``/autograder/results/results.json`` (see ``docs/gradescope-results.schema.json``). The plug-in
folders in use (``EXGEN_PLUGINS``) are bundled in ``exgen_autograder/plugins/`` and listed in the config.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
from collections.abc import Mapping
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
    plugin_export_files,
    shipped_files,
    write_file,
)

BUNDLE = "exgen_autograder"
#: Folder of the bundle holding the plug-in folders in use at export (one sub-folder each).
PLUGINS = "plugins"
STUDENT_KEYS = ("email", "id", "sid")
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")

SETUP_SH = """#!/usr/bin/env bash
# exgen autograder: runs once, as root, when Gradescope builds the image. Installs the bundled exgen wheel
# (pip fetches its dependencies: numpy, sympy, jinja2, click, pyyaml).
# Overridable for local testing: EXGEN_AUTOGRADER_SOURCE (default /autograder/source), EXGEN_PYTHON,
# EXGEN_PIP_ARGS (extra pip options, e.g. --no-index).
set -euo pipefail
SOURCE="${EXGEN_AUTOGRADER_SOURCE:-/autograder/source}"
PYTHON="${EXGEN_PYTHON:-python3}"
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
  apt-get update
  apt-get install -y python3 python3-pip
fi
export PIP_BREAK_SYSTEM_PACKAGES=1  # Ubuntu 24.04 images mark the system Python as externally managed
"$PYTHON" -m pip install ${EXGEN_PIP_ARGS:-} "$SOURCE"/%(bundle)s/%(wheel)s
""".replace("%(bundle)s", BUNDLE)

RUN_AUTOGRADER = """#!/usr/bin/env bash
# exgen autograder: grades the submission's answers.yaml (or answers.json) into results/results.json.
# EXGEN_AUTOGRADER_ROOT overrides /autograder (local testing); EXGEN_PYTHON the interpreter.
ROOT="${EXGEN_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${EXGEN_PYTHON:-python3}"
cd "$ROOT" 2>/dev/null || true
"$PYTHON" -m exgen.exporters.autograder_main --root "$ROOT"
if [ ! -s "$ROOT/results/results.json" ]; then
  # Last resort (exgen could not even start): still give Gradescope a result, never a crash.
  mkdir -p "$ROOT/results"
  printf '%s\\n' '{"score": 0, "output": "The autograder could not start; your instructor has been told.", "tests": [], "stdout_visibility": "hidden"}' > "$ROOT/results/results.json"
fi
exit 0
"""

README = """exgen Gradescope autograder for bank {bank} (seed {seed})

Upload this zip as the autograder of a Gradescope "Programming Assignment". Students upload one file,
answers.yaml (or answers.json):

    student: their-id        # optional; Gradescope's user ({key}) decides the variant
    answers:
      {example}

Each student's exercises are drawn from the bank seed and their Gradescope {key}; give students the
worksheets generated with the same ids (exgen generate --roster, ids = {key}s).
Built by exgen {version}.
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


def build_autograder(bank: BankSpec, *, bank_path: str | Path, seed: int, student_key: str = "email",
                     visibility: str = "visible") -> bytes:
    """Return the autograder zip's bytes.

    Raises:
        ExgenError: an unknown student key or visibility, or the bank file cannot be read.
    """
    if student_key not in STUDENT_KEYS:
        raise ExgenError(f"--student-key {student_key!r}: expected one of {', '.join(STUDENT_KEYS)}")
    if visibility not in VISIBILITIES:
        raise ExgenError(f"--visibility {visibility!r}: expected one of {', '.join(VISIBILITIES)}")
    try:
        bank_bytes = Path(bank_path).read_bytes()
    except OSError as err:
        raise ExgenError(f"cannot read the bank file {str(bank_path)!r}: {err.strerror or err}") from None
    wheel_name, wheel = build_wheel()
    config = {"format": "exgen-autograder/1", "bank_file": "bank.yaml", "bank": bank.id, "seed": seed,
              "student_key": student_key, "visibility": visibility, "exgen": __version__}
    plugin_files, labels = plugin_export_files(f"{BUNDLE}/{PLUGINS}")
    if labels:  # the autograder draws plug-in types too: ship them, and say where (autograder_main)
        config["plugins"] = labels
    first = bank.exercises[0].id if bank.exercises else "dot"
    entries: dict[str, bytes | str] = {
        "setup.sh": SETUP_SH.replace("%(wheel)s", wheel_name),
        "run_autograder": RUN_AUTOGRADER,
        "README.txt": README.format(bank=bank.id, seed=seed, key=student_key, version=__version__,
                                    example=f"{first}:\n        a: 42"),
        f"{BUNDLE}/config.json": json.dumps(config, indent=1, sort_keys=True) + "\n",
        f"{BUNDLE}/bank.yaml": bank_bytes,
        f"{BUNDLE}/{wheel_name}": wheel,
        **plugin_files,
    }
    return deterministic_zip(entries, executable=("setup.sh", "run_autograder"))


#: The one table from LMS form to how Gradescope asks it: every part is a value in the student's
#: answers.yaml, read and checked by the part's own answer kind, exactly as ``exgen grade`` does.
FORMS: dict[LmsForm, FormRendering] = {
    form: FormRendering(how="answers.yaml value graded by exgen") for form in LmsForm
}


class GradescopeExporter(Exporter):
    name = "gradescope"
    summary = "Gradescope: autograder zip that grades answers.yaml with exgen"
    forms = FORMS
    options = (
        Option("student_key", "email", "Gradescope user field that picks each student's variant (= the roster id).",
               choices=STUDENT_KEYS),
        Option("visibility", "visible", "When students see the per-part results.", choices=VISIBILITIES),
    )
    examples = ("exgen export gradescope week1.yaml --student-key email --out autograder.zip",)
    default_out = "autograder.zip"
    out_help = "The autograder zip to upload to Gradescope."

    def write(self, bank: BankSpec, *, seed: int, out: str, force: bool, options: Mapping[str, Any]) -> ExportResult:
        """Write the autograder zip; it carries the bank file the bank was read from (``bank.source``)."""
        if not bank.source:
            raise ExgenError("the Gradescope autograder carries the bank file: load the bank from a file")
        student_key = options["student_key"]
        check_target_free(out, force=force)
        data = build_autograder(bank, bank_path=bank.source, seed=seed, student_key=student_key,
                                visibility=options["visibility"])
        write_file(out, data)
        parts = sum(len(ex_parts) for ex_parts in _part_counts(bank, seed))
        return ExportResult(files=[str(out)], questions=parts,
                            notes=[f"variants are drawn per Gradescope user {student_key} with seed {seed}"])


def _part_counts(bank: BankSpec, seed: int) -> list[list[str]]:
    from exgen.build.pipeline import build_instance

    return [[p.id for p in build_instance(ex, seed=seed, student_id="count").parts] for ex in bank.exercises]


EXPORTER = GradescopeExporter()
