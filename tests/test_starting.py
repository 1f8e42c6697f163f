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
