"""The command line over the API: help with examples everywhere, usage errors exit 2, and one
``exgen export <name>`` command per registered exporter, built from the options it declares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

import exgen.exporters as registry
from exgen.api import resolve_bank
from exgen.cli import cli, export_command
from exgen.exporters.base import Exporter, ExportResult, Option, write_file


def all_commands() -> list[list[str]]:
    commands = [[], *[[name] for name in cli.commands]]
    return commands + [["export", name] for name in registry.all_exporters()]


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: " ".join(c) or "exgen")
def test_every_command_has_help_with_examples(cli_runner, command):
    result = cli_runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and f"exgen {' '.join(command)}".strip() in result.output.split("Example")[1]
    short = cli_runner.invoke(cli, [*command, "-h"])
    assert short.exit_code == 0 and short.output == result.output


def test_grade_format_pdf_is_a_usage_error_naming_the_outputs(cli_runner, tmp_path):
    result = cli_runner.invoke(cli, ["grade", "--key", str(tmp_path), str(tmp_path), "--format", "csv,pdf"])
    assert result.exit_code == 2
    assert "expected a comma-separated list of csv, canvas, json, feedback, report, got 'csv,pdf'" in result.stderr


def test_generate_formats_come_from_the_document_registry(cli_runner, tmp_path):
    help_text = cli_runner.invoke(cli, ["generate", "--help"]).output
    for name in ("md", "tex", "html", "pdf"):
        assert f"{name} (" in help_text
    result = cli_runner.invoke(cli, ["generate", "--format", "md,docx", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "expected a comma-separated list of md, tex, html, pdf" in result.stderr


def test_api_option_errors_exit_2(cli_runner, tmp_path):
    result = cli_runner.invoke(cli, ["export", "qti", "no-such-bank", "--out", str(tmp_path / "q.zip")])
    assert result.exit_code == 2
    assert "no bank file or built-in bank named 'no-such-bank'" in result.stderr and "Usage:" in result.stderr


class ToyExporter(Exporter):
    """An exporter that exists only in this test: a greeting repeated, one line per exercise."""

    name = "toy"
    summary = "Toy: a text file greeting each exercise"
    options: ClassVar[tuple[Option, ...]] = (
        Option("greeting", "hello", "What to say to each exercise."),
        Option("times", 1, "How often to say it.", type=int, min=1, max=3),
        Option("shout", False, "Say it in capitals.", type=bool),
        Option("mood", "calm", "How to say it.", choices=("calm", "happy")),
    )
    examples = ("exgen export toy week1.yaml --greeting hi --times 2 --out toy.txt",)
    default_out = "toy.txt"
    out_help = "The greetings file."

    def write(self, bank, *, seed: int, out: str, force: bool, options: Mapping[str, Any]) -> ExportResult:
        word = options["greeting"].upper() if options["shout"] else options["greeting"]
        lines = [f"{' '.join([word] * options['times'])} {ex.id} ({options['mood']}, seed {seed})"
                 for ex in bank.exercises]
        write_file(out, "\n".join(lines) + "\n")
        return ExportResult(files=[out], questions=len(lines))


@pytest.fixture
def toy(monkeypatch):
    real = registry.all_exporters()
    monkeypatch.setattr(registry, "all_exporters", lambda: {**real, "toy": ToyExporter()})
    return ToyExporter()


def test_a_new_exporter_gets_its_command_with_no_cli_edit(cli_runner, toy, tmp_path):
    listed = cli_runner.invoke(cli, ["export", "--help"])
    assert "toy" in listed.output and "Toy: a text file greeting each exercise" in listed.output
    assert "exgen export toy week1.yaml --greeting hi" in listed.output
    helped = cli_runner.invoke(cli, ["export", "toy", "--help"]).output
    for text in ("--greeting TEXT", "--times INTEGER RANGE", "1<=x<=3", "--shout / --no-shout", "[calm|happy]",
                 "The greetings file.", "[default: toy.txt]", "exgen export toy week1.yaml --greeting hi"):
        assert text in helped, text
    out = tmp_path / "toy.txt"
    run = cli_runner.invoke(cli, ["export", "toy", "dot_product", "--greeting", "yo", "--times", "2", "--shout",
                                  "--mood", "happy", "--seed", "4", "--out", str(out)])
    assert run.exit_code == 0, run.output
    ids = [ex.id for ex in resolve_bank("dot_product").exercises]
    assert out.read_text() == "".join(f"YO YO {i} (happy, seed 4)\n" for i in ids) and len(ids) >= 2
    assert run.stdout == f"toy: {len(ids)} question(s) in {out}\n"


def test_a_new_exporters_defaults_and_bad_values(cli_runner, toy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli_runner.invoke(cli, ["export", "toy", "dot_product", "-q"]).exit_code == 0
    bank = resolve_bank("dot_product")
    assert (tmp_path / "toy.txt").read_text() == "".join(f"hello {ex.id} (calm, seed {bank.seed})\n"
                                                         for ex in bank.exercises)
    for bad, needle in ((["--times", "4"], "4 is not in the range 1<=x<=3"), (["--mood", "sad"], "'sad' is not one of"),
                        (["--colour", "red"], "No such option '--colour'")):
        result = cli_runner.invoke(cli, ["export", "toy", "dot_product", "--force", *bad])
        assert result.exit_code == 2 and needle in result.stderr, result.stderr


@pytest.mark.parametrize("name", sorted(registry.all_exporters()))
def test_each_command_has_exactly_the_declared_options(name):
    exporter = registry.all_exporters()[name]
    command = export_command(exporter)
    declared = {opt.name: opt.default for opt in exporter.options}
    common = {"bank", "seed", "out", "force", "quiet", "lang"}
    params = {p.name: p.default for p in command.params}
    assert set(params) == common | set(declared)
    assert {k: params[k] for k in declared} == declared and params["out"] == exporter.default_out
    assert exporter.examples and exporter.default_out and exporter.summary


def test_declarations_are_checked_when_written():
    with pytest.raises(ValueError, match="reserved"):
        Option("out", "x", "Clashes with --out.")
    with pytest.raises(ValueError, match="choices only with str"):
        Option("n", 1, "Choices of numbers.", type=int, choices=("1",))
    with pytest.raises(ValueError, match="must be an integer from 1 to 3, got 0"):
        Option("n", 0, "A default out of range.", type=int, min=1, max=3)
