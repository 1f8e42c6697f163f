"""The Gradescope autograder's entry point: ``python -m exgen.exporters.autograder_main --root /autograder``.

Reads ``<root>/source/exgen_autograder/{config.json,bank.yaml}``, the Gradescope user from
``<root>/submission_metadata.json`` and the answers from ``<root>/submission/answers.yaml`` (or ``.yml`` /
``.json``), grades with exgen's grader and writes ``<root>/results/results.json`` with one test per
exercise part. It never crashes: a missing or malformed submission gives a clear zero-score result, and
any other failure an "internal error" result (details on stdout, which students do not see).
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import time
import traceback
from pathlib import Path
from typing import Any

BUNDLE = "exgen_autograder"
PLUGINS = "plugins"
SUBMISSION_NAMES = ("answers.yaml", "answers.yml", "answers.json")
EXPECTED = ("Upload one file named answers.yaml (or answers.json) holding\n"
            "  answers:\n    <exercise id>:\n      <part id>: <your answer>")


class SubmissionProblem(Exception):
    """The submission cannot be graded (missing or malformed); the message is for the student."""


def _write(root: Path, doc: dict) -> None:
    from exgen.outputs import write_atomic

    # write_atomic makes any text writable (a lone surrogate in an answer once stopped the whole run)
    write_atomic(root / "results" / "results.json", json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
                 + "\n")


def _config(root: Path) -> dict:
    return json.loads((root / "source" / BUNDLE / "config.json").read_text(encoding="utf-8"))


def _student(root: Path, key: str) -> tuple[str, str]:
    """Return (student id, name) of the submitter from submission_metadata.json."""
    path = root / "submission_metadata.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        user = meta["users"][0]
    except (OSError, ValueError, KeyError, IndexError, TypeError) as err:
        raise RuntimeError(f"cannot read the submitter from {path}: {err!r}") from None
    value = user.get(key) if isinstance(user, dict) else None
    if value in (None, ""):
        raise RuntimeError(f"submission_metadata.json: the user has no {key!r}")
    return str(value), str(user.get("name") or value)


def _submission_file(root: Path) -> Path:
    """Return the answers file; a link, FIFO or device is refused (never opened), and so is a linked folder."""
    from exgen.bank.files import kind_of
    from exgen.errors import one_line

    folder = root / "submission"
    try:
        with os.scandir(folder) as it:
            entries = {e.name: e.stat(follow_symlinks=False).st_mode for e in it}
    except OSError:
        entries = {}
    for name in SUBMISSION_NAMES:
        if name in entries:
            if not stat.S_ISREG(entries[name]):
                raise SubmissionProblem(f"{name} in your submission is {kind_of(entries[name])}, not a file; "
                                        f"upload the file itself.\n{EXPECTED}")
            return folder / name
    others = sorted(name for name, mode in entries.items()
                    if Path(name).suffix.lower() in (".yaml", ".yml", ".json") and stat.S_ISREG(mode))
    if len(others) == 1:
        return folder / others[0]
    found = ", ".join(one_line(name) for name in sorted(entries)[:10])
    raise SubmissionProblem("No answers file found in your submission"
                            + (f" (found: {found})" if found else "") + ".\n" + EXPECTED)


def _tests(instances, scored: dict | None, visibility: str, reason: str = "") -> list[dict]:
    tests = []
    for i, inst in enumerate(instances, start=1):
        for j, part in enumerate(inst.parts, start=1):
            test: dict[str, Any] = {"name": f"{inst.title} ({inst.exercise_id}.{part.id})", "number": f"{i}.{j}",
                                    "max_score": round(part.points, 4), "visibility": visibility}
            result = scored.get((inst.exercise_id, part.id)) if scored else None
            if result is None:
                test.update(score=0.0, status="failed", output=f"Not graded: {reason}")
            else:
                lines = [f"{result.verdict.capitalize()}: {result.feedback}"]
                if result.answer is not None:
                    lines.append(f"Your answer: {result.answer}")
                test.update(score=result.points, max_score=result.max_points, output="\n".join(lines),
                            status="passed" if result.points >= result.max_points else "failed")
                if result.tag:
                    test["tags"] = [result.tag]
            tests.append(test)
    return tests


def _plugin_folders(root: Path, config: dict) -> list[Path]:
    """Return the plug-in folders the export shipped (config ``plugins``: labels under the bundle)."""
    labels = config.get("plugins") or []
    base = root / "source" / BUNDLE / PLUGINS
    if not all(isinstance(x, str) and x and "/" not in x and "\\" not in x and x not in (".", "..") for x in labels):
        raise RuntimeError(f"config.json: bad plugins entry {labels!r}")
    return [base / label for label in labels]


def grade(root: Path) -> dict:
    """Return the results.json document for the submission under ``root`` (raises only on internal errors)."""
    from exgen.discovery import using_plugins

    with using_plugins(_plugin_folders(root, _config(root))):
        return _grade(root)


def _grade(root: Path) -> dict:
    from exgen import __version__
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import build_student
    from exgen.errors import ExgenError
    from exgen.grading.batch import grade_submission
    from exgen.grading.submissions import read_submission_file

    config = _config(root)
    bank = load_bank(root / "source" / BUNDLE / config["bank_file"])
    seed, visibility = int(config["seed"]), config.get("visibility", "visible")
    student_id, name = _student(root, config.get("student_key", "email"))
    instances = build_student(bank, seed=seed, student_id=student_id)
    doc: dict[str, Any] = {"visibility": visibility, "stdout_visibility": "hidden", "test_output_format": "text",
                           "extra_data": {"exgen": __version__, "bank": bank.id, "seed": seed, "student": student_id}}
    try:
        sub = read_submission_file(_submission_file(root))
    except (SubmissionProblem, ExgenError) as err:
        reason = "the submission file could not be read"
        return {**doc, "score": 0.0, "output": f"Your submission could not be graded.\n{err}\n\n{EXPECTED}",
                "tests": _tests(instances, None, visibility, reason)}
    result, problems = grade_submission(name, instances, sub)
    scored = {(ex.id, p.id): p for ex in result.exercises for p in ex.parts}
    lines = [f"Score: {result.total:g} / {result.max_points:g}."]
    if sub.student and sub.student != student_id:
        lines.append(f"Note: your file says student {sub.student!r}; you were graded as {student_id!r} "
                     "(your Gradescope account).")
    lines += [p.message for p in problems]
    return {**doc, "score": result.total, "output": "\n".join(lines),
            "tests": _tests(instances, scored, visibility)}


def main(argv: list[str] | None = None) -> int:
    """Grade one submission; always writes results.json and returns 0."""
    parser = argparse.ArgumentParser(prog="exgen.exporters.autograder_main", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.environ.get("EXGEN_AUTOGRADER_ROOT", "/autograder"),
                        help="the /autograder folder (default: $EXGEN_AUTOGRADER_ROOT or /autograder)")
    root = Path(parser.parse_args(argv).root)
    started = time.monotonic()
    try:
        doc = grade(root)
    except Exception:  # never crash: Gradescope shows a failed run otherwise
        traceback.print_exc(file=sys.stdout)
        doc = {"score": 0.0, "stdout_visibility": "hidden", "tests": [],
               "output": "The autograder hit an internal error and could not grade this submission; "
                         "your instructor can see the details."}
    doc["execution_time"] = round(time.monotonic() - started, 3)
    try:
        _write(root, doc)
    except (OSError, ValueError, TypeError):
        traceback.print_exc(file=sys.stdout)
        _write(root, {"score": 0.0, "stdout_visibility": "hidden", "tests": [],
                      "output": "The autograder could not write its results; your instructor can see the details."})
    print(f"exgen autograder: score {doc['score']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
