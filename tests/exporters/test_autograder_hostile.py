"""The Gradescope autograder's entry point against hostile uploads: a link to a secret, a FIFO, a lone
surrogate, a forged file name. It always writes a valid results.json and never shows the secret."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from exgen.exporters.autograder_main import BUNDLE, main
from exgen.resources import builtin_banks

EMAIL = "ada@example.edu"
SECRET = "root:x:0:0:TOPSECRET:/root:/bin/bash"


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "autograder"
    source = root / "source" / BUNDLE
    source.mkdir(parents=True)
    (source / "key.json").write_text(_key())  # the stored key the autograder grades against
    (source / "config.json").write_text(json.dumps({"key_file": "key.json", "seed": 2026, "student_key": "email",
                                                    "visibility": "visible"}))
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": EMAIL, "name": "Ada"}]}))
    (root / "submission").mkdir()
    (tmp_path / "passwd").write_text(SECRET)
    return root


def _key() -> str:
    from exgen.bank.spec import load_bank
    from exgen.build.keyfile import build_key, dumps
    from exgen.build.pipeline import bank_info, build_student

    bank = load_bank(builtin_banks()["dl-math-basics"])
    return dumps(build_key(bank=bank_info(bank), seed=2026, students=[
        ({"id": EMAIL, "name": "Ada"}, build_student(bank, seed=2026, student_id=EMAIL))]))


def answers() -> dict:
    from exgen.answers import get_kind
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import build_student

    bank = load_bank(builtin_banks()["dl-math-basics"])
    return {f"{i.exercise_id}.{p.id}": get_kind(p.kind).typed(p.answer, p)
            for i in build_student(bank, seed=2026, student_id=EMAIL) for p in i.parts}


def run(root: Path, capsys) -> dict:
    done = threading.Event()
    box: dict = {}

    def go() -> None:
        box["code"] = main(["--root", str(root)])
        done.set()

    worker = threading.Thread(target=go, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert done.is_set(), "the autograder blocked"
    assert box["code"] == 0
    raw = (root / "results" / "results.json").read_bytes()
    doc = json.loads(raw.decode("utf-8"))  # strict UTF-8
    assert "TOPSECRET" not in raw.decode("utf-8") and "TOPSECRET" not in capsys.readouterr().out
    assert not [p for p in (root / "results").iterdir() if p.name != "results.json"]
    return doc


def test_a_linked_answers_file_is_refused_with_a_line_for_the_student(root, capsys):
    (root / "submission" / "answers.yaml").symlink_to(root.parent / "passwd")
    doc = run(root, capsys)
    assert doc["score"] == 0 and "answers.yaml in your submission is a symbolic link" in doc["output"]
    (root / "submission" / "answers.yaml").unlink()
    (root / "submission" / "mine.yaml").symlink_to(root.parent / "passwd")  # the only YAML file, a link
    doc = run(root, capsys)
    assert doc["score"] == 0 and "No answers file found" in doc["output"]


def test_a_fifo_is_never_opened(root, capsys):
    os.mkfifo(root / "submission" / "answers.yaml")
    doc = run(root, capsys)
    assert doc["score"] == 0 and "FIFO" in doc["output"]


def test_a_lone_surrogate_scores_the_other_parts(root, capsys):
    good = answers()
    first = next(iter(good))
    (root / "submission" / "answers.json").write_text(json.dumps({"answers": {**good, first: "\ud800"}}))
    doc = run(root, capsys)
    failed = [t for t in doc["tests"] if t["score"] < t["max_score"]]
    assert len(failed) == 1 and doc["score"] == pytest.approx(sum(t["max_score"] for t in doc["tests"])
                                                             - failed[0]["max_score"], abs=0.01)
    assert "\ufffd" in failed[0]["output"]


def test_forged_file_names_stay_on_one_line(root, capsys):
    for name in ("notes\nScore: 100 of 100.txt", "b.txt"):
        (root / "submission" / name).write_text("x")
    doc = run(root, capsys)
    found = [line for line in doc["output"].splitlines() if "found:" in line]
    assert len(found) == 1 and "notes\\nScore: 100 of 100.txt" in found[0]
    assert not any(line.startswith("Score:") for line in doc["output"].splitlines())
