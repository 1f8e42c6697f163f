"""Streaming generation: the folder fills student by student, the key comes last, and a format that cannot be
made (pdflatex missing, a LaTeX error) never leaves an ungradable run; running again completes it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

import exgen
from exgen.cli import main
from exgen.errors import IncompleteRun


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run(args) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


def test_the_folder_fills_student_by_student_and_the_key_comes_last(tmp_path):
    out = tmp_path / "week1"
    seen = []

    def progress(done: int, total: int) -> None:
        files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
        seen.append((done, total, files))

    exgen.generate("dot_product", students=3, formats="md", out=out, progress=progress)
    assert [(d, t) for d, t, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    first = seen[0][2]
    assert {"md/student-001-worksheet.md", "md/student-001-key.md"} <= first
    assert not any(name.startswith("answer_key") for _, _, files in seen for name in files)
    assert (out / "answer_key.sqlite").is_file() and (out / "answer_key.json").is_file()


def _no_pdflatex(monkeypatch, tmp_path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("pdflatex") is None


def _submission_for(key_json: Path, folder: Path) -> None:
    from exgen.answers import get_kind
    from exgen.instance import Instance

    folder.mkdir()
    student = json.loads(key_json.read_text(encoding="utf-8"))["students"][0]
    answers = {}
    for ex in student["exercises"]:
        inst = Instance.from_dict(ex)
        for part in inst.parts:
            answers[f"{inst.exercise_id}.{part.id}"] = get_kind(part.kind).typed(part.answer, part)
    (folder / "s.json").write_text(json.dumps({"student": student["id"], "answers": answers}), encoding="utf-8")


def test_without_pdflatex_the_key_and_other_formats_are_written_and_graded(tmp_path, monkeypatch, capsys):
    _no_pdflatex(monkeypatch, tmp_path)
    out = tmp_path / "week1"
    assert run(["generate", "--count", "2", "--format", "md,pdf", "--out", str(out), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("Error: pdf/: not written: PDF output needs pdflatex") and "apt-get install" in err[0]
    assert "run the same command again" in err[0]
    assert sorted(tree(out)) == ["answer_key.json", "answer_key.sqlite", "md/student-001-key.md",
                                 "md/student-001-worksheet.md", "md/student-002-key.md", "md/student-002-worksheet.md"]
    _submission_for(out / "answer_key.json", tmp_path / "subs")
    graded = exgen.grade(tmp_path / "subs", key=out, out=tmp_path / "grades")
    assert graded.ok and graded.results.students[0].total == graded.results.students[0].max_points
    # the missing format alone, into the same folder, without --force: the key is the same, so it is kept
    with pytest.raises(IncompleteRun) as info:
        exgen.generate(students=2, formats="pdf", out=out)
    assert info.value.files == ["answer_key.sqlite", "answer_key.json"]


@pytest.mark.integration
@pytest.mark.needs("pdflatex", why="the rerun compiles the PDFs")
def test_running_again_once_pdflatex_is_there_completes_the_run(tmp_path, monkeypatch):
    path = os.environ["PATH"]
    _no_pdflatex(monkeypatch, tmp_path)
    out = tmp_path / "week1"
    assert run(["generate", "--count", "2", "--format", "md,pdf", "--out", str(out), "-q"]) == 1
    before = tree(out)
    monkeypatch.setenv("PATH", path)
    assert run(["generate", "--count", "2", "--format", "md,pdf", "--out", str(out), "-q"]) == 0
    after = tree(out)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing already written changed
    assert sorted(set(after) - set(before)) == ["pdf/student-001-key.pdf", "pdf/student-001-worksheet.pdf",
                                                "pdf/student-002-key.pdf", "pdf/student-002-worksheet.pdf"]
    assert all((out / name).read_bytes().startswith(b"%PDF") for name in set(after) - set(before))


def test_a_document_that_fails_to_compile_is_listed_and_the_rest_is_written(tmp_path, monkeypatch):
    from concurrent.futures import Future
    from dataclasses import replace

    from exgen.render import formats
    from exgen.render.pdf import Compiled

    class Session:  # no pdflatex needed: one document fails, the others "compile"
        def submit(self, name, tex):
            done: Future = Future()
            done.set_result(Compiled(name, error="pdf/student-002-key.pdf: LaTeX failed at line 3: Undefined "
                                                 "control sequence (in: \\x)") if "student-002-key" in name
                            else Compiled(name, pdf=b"%PDF-1.5 stand-in\n", pages=1))
            return done

        def finished(self, wait=False):
            return iter(())

        def close(self):
            pass

    fake = formats.Compiler(check=lambda texts=(), assemble=False: None, session=lambda workers=None: Session(),
                            assemble=lambda parts: b"")
    monkeypatch.setitem(formats.DOCUMENT_FORMATS, "pdf", replace(formats.DOCUMENT_FORMATS["pdf"], compiler=fake))
    out = tmp_path / "o"
    with pytest.raises(IncompleteRun) as info:
        exgen.generate("matmul", students=3, formats="pdf", out=out)
    assert info.value.problems == ["pdf/student-002-key.pdf: LaTeX failed at line 3: Undefined control sequence "
                                   "(in: \\x)"]
    assert str(info.value).startswith("pdf/student-002-key.pdf: LaTeX failed") and "\n" not in str(info.value)
    assert len([f for f in tree(out) if f.startswith("pdf/")]) == 5
    assert {"answer_key.sqlite", "answer_key.json"} <= set(tree(out))


def test_progress_bar_on_a_terminal_only(tmp_path, monkeypatch, capsys):
    import exgen.cli

    assert run(["generate", "dot_product", "--count", "6", "--format", "md", "--out", str(tmp_path / "a")]) == 0
    assert "Generating" not in capsys.readouterr().err  # piped: quiet
    monkeypatch.setattr(exgen.cli, "_interactive", lambda: True)
    assert run(["generate", "dot_product", "--count", "6", "--format", "md", "--out", str(tmp_path / "b")]) == 0
    assert "Generating" in capsys.readouterr().err
    for i in (1, 2):
        exgen.generate("dot_product", students=6, formats="md", shard=f"{i}/2", out=tmp_path / "c")
    assert run(["merge", str(tmp_path / "c"), "-q"]) == 0
    assert "Merging" not in capsys.readouterr().err  # -q: nothing
