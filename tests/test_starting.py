"""Getting started: ``exgen init`` writes a bank and a roster that the README's tour then uses, and
``exgen preview --open`` / ``--format html`` show a student's page."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from exgen import api
from exgen.api import generate, init, resolve_bank
from exgen.bank.roster import read_roster
from exgen.cli import cli
from exgen.errors import ExgenError, OptionError
from exgen.resources import builtin_banks


def test_init_writes_a_bank_and_roster_that_generate_reads(tmp_path):
    written = init(None, tmp_path / "course")
    assert written == ["my-bank.yaml", "class.csv"]
    bank = resolve_bank(tmp_path / "course" / "my-bank.yaml")
    assert [e.id for e in bank.exercises] == [e.id for e in resolve_bank("dl-math-basics").exercises]
    text = (tmp_path / "course" / "my-bank.yaml").read_text(encoding="utf-8")
    assert text.startswith("# A starter bank") and builtin_banks()["dl-math-basics"].read_text(encoding="utf-8") in text
    students = read_roster(tmp_path / "course" / "class.csv")
    assert len(students) == 3 and any(not s.name.isascii() for s in students)
    made = generate(bank, students=tmp_path / "course" / "class.csv", formats="md", out=tmp_path / "week1")
    assert "md/s002-worksheet.md" in made.files


def test_init_never_overwrites_unasked_and_names_the_bank(tmp_path):
    init("matmul", tmp_path)
    (tmp_path / "class.csv").write_text("id,name\nme,Me\n", encoding="utf-8")
    with pytest.raises(ExgenError) as err:
        init("matmul", tmp_path)
    assert "already holds my-bank.yaml and class.csv" in str(err.value) and "--force" in str(err.value)
    assert (tmp_path / "class.csv").read_text(encoding="utf-8") == "id,name\nme,Me\n"
    init("dot_product", tmp_path, force=True)
    assert resolve_bank(tmp_path / "my-bank.yaml").id == "dot_product"
    with pytest.raises(OptionError, match="no built-in bank named 'week9'"):
        init("week9", tmp_path / "other")


def test_init_command_prints_the_next_steps(cli_runner, tmp_path):
    result = cli_runner.invoke(cli, ["init", "backprop_node", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert f"exgen validate {tmp_path / 'c' / 'my-bank.yaml'}" in result.output
    again = cli_runner.invoke(cli, ["init", "backprop_node", str(tmp_path / "c")])
    assert again.exit_code == 1
    wrong = cli_runner.invoke(cli, ["init", "no-such-bank"])
    assert wrong.exit_code == 2 and "built-in" in wrong.output


def test_preview_html_is_the_students_page():
    page = api.preview("dot_product", format="html", key=False)
    assert page.startswith("<!DOCTYPE html>") and "<textarea" in page and "Answer:" not in page
    key = api.preview("dot_product", format="html")
    assert "<textarea" not in key and "Answer:" in key
    with pytest.raises(OptionError, match="format"):
        api.preview("dot_product", format="pdf")


def test_preview_open_writes_both_pages_and_opens_the_worksheet(cli_runner, tmp_path, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    result = cli_runner.invoke(cli, ["preview", "matmul", "--seed", "3", "--open"])
    assert result.exit_code == 0, result.output
    assert len(opened) == 1 and opened[0].startswith("file://") and opened[0].endswith("matmul-worksheet.html")
    worksheet = Path(opened[0][len("file://"):])
    assert worksheet.is_file() and tmp_path in worksheet.parents
    assert "<textarea" in worksheet.read_text(encoding="utf-8")
    assert (worksheet.parent / "matmul-key.html").is_file()
    assert str(worksheet) in result.output


def test_preview_format_html_on_stdout(cli_runner):
    result = cli_runner.invoke(cli, ["preview", "derivative", "--format", "html"])
    assert result.exit_code == 0 and result.output.startswith("<!DOCTYPE html>") and "<textarea" in result.output


def _tour() -> list[str]:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = text.split("## A short tour", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.startswith("exgen ")]


def test_the_tour_only_reads_files_that_an_earlier_command_wrote():
    tour = _tour()
    assert tour[0] == "exgen init"
    made = {"my-bank.yaml", "class.csv"}  # what exgen init writes
    assert {api.INIT_BANK, api.INIT_ROSTER} == made
    for line in tour[1:]:
        for word in line.split():
            if word.endswith((".yaml", ".csv")):
                assert word in made, f"the tour reads {word}, which nothing in it wrote: {line}"


@pytest.mark.integration
@pytest.mark.needs("pdflatex", "dot", why="the tour writes PDF and HTML (see .ci/run)")
def test_the_readme_tour_runs(tmp_path):
    """Every command of the tour, in order, in an empty folder (the browser and the LMS exports aside)."""
    import json
    import shlex
    import subprocess
    import sys

    from exgen.build.keyfile import load_key
    from tests.conftest import typed

    def run(line: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "exgen", *shlex.split(line)[1:]], cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (line, done.stderr)
        return done

    for line in _tour():
        if line.startswith("exgen grade"):  # what students hand in: the files their pages saved
            key = load_key(tmp_path / "week1" / "answer_key.json")
            (tmp_path / "handed-in").mkdir()
            for sid, entry in key["students"].items():
                answers = {f"{ex.exercise_id}.{p.id}": typed(p) for ex in entry["exercises"] for p in ex.parts}
                (tmp_path / "handed-in" / f"{sid}-answers.json").write_text(
                    json.dumps({"student": sid, "name": entry["name"], "answers": answers}), encoding="utf-8")
        if "--open" in line:
            line = line.replace("--open", "--format html")
        if line.startswith("exgen export"):
            continue  # tests/exporters check each export
        run(line)
    grades = (tmp_path / "week1-grades" / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert len(grades) == 4 and all(row.split(",")[-2] == row.split(",")[-1] for row in grades[1:])
    assert (tmp_path / "week1" / "html" / "s002-worksheet.html").is_file()
    assert (tmp_path / "week1" / "pdf" / "class-worksheets.pdf").is_file()
