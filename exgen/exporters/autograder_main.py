"""The Gradescope autograder's entry point: ``python -m exgen.exporters.autograder_main --root /autograder``.

Reads ``<root>/source/exgen_autograder/{config.json,key.json}`` (the stored answer key: nothing is drawn
again), the Gradescope user from ``<root>/submission_metadata.json`` (its documented fields: ``users`` with
``email``, ``id``, ``name`` and ``sid``, one or several for a group submission, ``assignment``, ...) and the
answers from ``<root>/submission/answers.yaml`` (or ``.yml`` / ``.json``), grades with exgen's grader and
writes ``<root>/results/results.json`` with one test per exercise part, its feedback in Markdown (math as
readable text). It never crashes: a missing or malformed submission, or a submitter who is not in the key,
gives a clear zero-score result, and any other failure an "internal error" result (details on stdout, which
students do not see).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import sys
import time
import traceback
from pathlib import Path
from typing import Any

BUNDLE = "exgen_autograder"
SUBMISSION_NAMES = ("answers.yaml", "answers.yml", "answers.json")
EXPECTED = ("Upload one file named answers.yaml (or answers.json) holding 'answers:', then for each exercise id "
            "its part ids and your answers.")
#: The Markdown example shown after EXPECTED.
EXAMPLE_MD = "```yaml\nanswers:\n  <exercise id>:\n    <part id>: <your answer>\n```"


class SubmissionProblem(Exception):
    """The submission cannot be graded (missing or malformed); the message is for the student."""


def _write(root: Path, doc: dict) -> None:
    from exgen.outputs import write_atomic

    # write_atomic makes any text writable (a lone surrogate in an answer once stopped the whole run)
    write_atomic(root / "results" / "results.json", json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
                 + "\n")


def _config(root: Path) -> dict:
    return json.loads((root / "source" / BUNDLE / "config.json").read_text(encoding="utf-8"))


def _users(root: Path) -> list[dict]:
    """Return the submitters listed in submission_metadata.json (several for a group submission)."""
    path = root / "submission_metadata.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        users = meta["users"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise RuntimeError(f"cannot read the submitter from {path}: {err!r}") from None
    users = [u for u in users if isinstance(u, dict)] if isinstance(users, list) else []
    if not users:
        raise RuntimeError(f"{path}: 'users' lists nobody")
    return users


def _normalise(value: object, field: str) -> str:
    text = " ".join(str(value).split())
    return text.casefold() if field == "email" else text


def _find_student(users: list[dict], field: str, students: dict) -> tuple[str, str, list[str]]:
    """Return (key id, name, notes) of the first submitter found in the key by ``field`` (emails compared
    without case).

    Raises:
        SubmissionProblem: no submitter has that field, or none is in the key (a message for the student).
    """
    index: dict[str, str] | None = None
    notes: list[str] = []
    tried = []
    for user in users:
        value = user.get(field)
        if value in (None, ""):
            continue
        tried.append(str(value))
        # The id as written usually is the key's; only otherwise are the key's ids all normalised (a class of
        # 10,000 would spend that on every submission).
        sid = next((c for c in dict.fromkeys((str(value), _normalise(value, field))) if c in students), None)
        if sid is None:
            if index is None:
                index = {_normalise(s, field): s for s in students}
            sid = index.get(_normalise(value, field))
        if sid is not None:
            others = [str(u.get("name") or u.get(field)) for u in users if u is not user]
            if others:
                notes.append(f"Group submission: graded with the exercises of {user.get('name') or value} "
                             f"({', '.join(others)} submitted with them).")
            return sid, str(user.get("name") or students[sid]["name"] or value), notes
    if not tried:
        raise SubmissionProblem(f"Your Gradescope account has no {FIELD_WORDS.get(field, field)}, which this "
                                "assignment uses to find your exercises. Ask your instructor to add it in "
                                "Gradescope (or to export the autograder with another --student-key).")
    raise SubmissionProblem(f"Your Gradescope {FIELD_WORDS.get(field, field)} ({', '.join(tried)}) is not in this "
                            "assignment's answer key, so there are no exercises to grade you against. Ask your "
                            "instructor to add you (exgen generate with your "
                            f"{FIELD_WORDS.get(field, field)} in the roster) and to upload the new autograder.")


FIELD_WORDS = {"email": "email address", "id": "user id", "sid": "student id (SID)"}


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
                            + (f" (found: {found})" if found else "") + ". " + EXPECTED)


#: Markdown's special characters, and a backslash where it would escape the next one (CommonMark escapes only
#: ASCII punctuation, so "\n" in a shown file name stays as it is).
_MD_SPECIAL = re.compile(r"([`*_\[\]<>#|~]|\\(?=[!-/:-@\[-`{-~]))")


def md_escape(text: str) -> str:
    """Return plain text (a message, a file name) as Markdown that shows exactly that text."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def md_text(text: str) -> str:
    """Return feedback (rich text: words and ``$...$`` math) as Markdown: math as readable text, Markdown's
    special characters escaped (Gradescope renders test output in the ``md`` format)."""
    from exgen.render.plaintext import plain_text

    return md_escape(plain_text(text))


def md_code(text: str) -> str:
    """Return a student's answer as Markdown inline code (as typed: ``2*x*y`` must not turn italic)."""
    body = " ".join(str(text).split())[:500]
    fence = "``" if "`" in body else "`"
    return f"{fence} {body} {fence}" if fence == "``" else f"`{body}`"


def _tests(instances, scored: dict | None, visibility: str, reason: str = "") -> list[dict]:
    from exgen.grading.writers import VERDICT_WORDS
    from exgen.i18n import _, pgettext

    tests = []
    for i, inst in enumerate(instances, start=1):
        for j, part in enumerate(inst.parts, start=1):
            test: dict[str, Any] = {"name": f"{inst.title} ({inst.exercise_id}.{part.id})", "number": f"{i}.{j}",
                                    "max_score": round(part.points, 4), "visibility": visibility}
            result = scored.get((inst.exercise_id, part.id)) if scored else None
            if result is None:
                test.update(score=0.0, status="failed", output=_("Not graded: %(reason)s") % {"reason": md_escape(reason)})
            else:
                verdict = pgettext("verdict", VERDICT_WORDS[result.verdict]) if result.verdict in VERDICT_WORDS \
                    else result.verdict
                lines = [f"**{verdict[:1].upper() + verdict[1:]}:** {md_text(result.feedback)}"]
                if result.answer is not None:
                    lines.append(_("Your answer: %(answer)s") % {"answer": md_code(result.answer)})
                test.update(score=result.points, max_score=result.max_points, output="\n\n".join(lines),
                            status="passed" if result.points >= result.max_points else "failed")
                if result.tag:
                    test["tags"] = [result.tag]
            tests.append(test)
    return tests


def grade(root: Path) -> dict:
    """Return the results.json document for the submission under ``root`` (raises only on internal errors).

    The feedback is in the key's language (``bank.language``), as ``exgen grade`` writes it.
    """
    from exgen.build.keyfile import load_key
    from exgen.i18n import SOURCE_LANGUAGE, language, languages

    config = _config(root)
    key = load_key(root / "source" / BUNDLE / config.get("key_file", "key.json"))
    lang = key["bank"].get("language", SOURCE_LANGUAGE)
    with language(lang if lang in languages() else SOURCE_LANGUAGE):
        return _grade(root, config, key)


def _grade(root: Path, config: dict, key: dict) -> dict:
    from exgen import __version__
    from exgen.errors import ExgenError
    from exgen.grading.batch import grade_submission
    from exgen.grading.submissions import read_submission_file
    from exgen.i18n import _

    visibility = config.get("visibility", "visible")
    field = config.get("student_key", "email")
    doc: dict[str, Any] = {"visibility": visibility, "stdout_visibility": "hidden", "output_format": "md",
                           "test_output_format": "md",
                           "extra_data": {"exgen": __version__, "bank": key["bank"].get("id"),
                                          "seed": key["bank"].get("seed")}}
    try:
        student_id, name, notes = _find_student(_users(root), field, key["students"])
    except SubmissionProblem as err:
        print(f"exgen autograder: submitter not graded: {err}")  # stdout: the instructor sees it
        return {**doc, "score": 0.0, "output": md_escape(str(err)), "tests": []}
    instances = key["students"][student_id]["exercises"]
    doc["extra_data"]["student"] = student_id
    try:
        sub = read_submission_file(_submission_file(root))
    except SubmissionProblem as err:
        return {**doc, "score": 0.0, "output": f"Your submission could not be graded. {md_escape(str(err))}\n\n"
                f"{EXAMPLE_MD}", "tests": _tests(instances, None, visibility, "no answers file")}
    except ExgenError as err:
        return {**doc, "score": 0.0, "output": f"Your submission could not be graded. {md_escape(str(err))}\n\n"
                f"{md_escape(EXPECTED)}\n\n{EXAMPLE_MD}",
                "tests": _tests(instances, None, visibility, "the answers file could not be read")}
    result, problems = grade_submission(name, instances, sub)
    scored = {(ex.id, p.id): p for ex in result.exercises for p in ex.parts}
    lines = [_("Score: %(score)s / %(max)s.") % {"score": f"{result.total:g}", "max": f"{result.max_points:g}"}]
    lines += [md_escape(n) for n in notes]
    if sub.student and _normalise(sub.student, field) != _normalise(student_id, field):
        lines.append(md_escape(f"Note: your file says student {sub.student!r}; you were graded as {student_id!r} "
                               "(your Gradescope account)."))
    lines += [md_escape(p.message) for p in problems]
    return {**doc, "score": result.total, "output": "\n\n".join(lines),
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
