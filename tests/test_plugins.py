"""A toy exercise type from a temporary plug-in folder: one module, its templates, one example bank.

With ``EXGEN_PLUGINS`` naming the folder and no other file changed, the registry, the contract tests,
every document format and every exporter cover it; the exports that ship exgen ship the plug-in too.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from exgen.discovery import PLUGINS_ENV
from exgen.errors import ExgenError

TOY = "toy_sum"

TOY_MODULE = '''"""Toy type: the sum of two integers, and whether it is even."""

from exgen.answers import CHOICE, SCALAR
from exgen.answers.choice import yes_no
from exgen.instance import Part, WrongAnswer
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.mistakes import Mistake
from exgen.types.params import IntRange


class ToySum(ExerciseType):
    name = "toy_sum"
    title = "Adding two numbers"
    topic = "9. Plug-ins"
    summary = "a + b, and whether it is even"
    params = {"value_range": IntRange(default=[-9, 9], lo=-99, hi=99, doc="range of a and b")}
    presets = {"easy": {"value_range": [0, 9]}}
    mistakes = (Mistake("subtracted", "Subtracted instead of adding."),)

    def generate(self, params, *, rng):
        lo, hi = params["value_range"]

        def draw(rng):
            a, b = (int(x) for x in rng.integers(lo, hi + 1, size=2))
            return (a, b) if b != 0 else None  # a - b would equal a + b

        a, b = draw_until(rng, draw, what="pair of addends")
        total = a + b
        parts = [
            Part(id="a", kind=SCALAR, prompt="Compute $a + b$.", answer=total, points=2,
                 solution=[f"$a + b = {total}$."],
                 wrong_answers=[WrongAnswer(value=a - b, tag="subtracted", feedback="You subtracted $b$.")]),
            Part(id="b", kind=CHOICE, prompt="Is $a + b$ even?", answer="yes" if total % 2 == 0 else "no",
                 options=yes_no(), solution=["Look at the last digit."]),
        ]
        return Draft(given={"a": a, "b": b}, parts=parts)


TYPE = ToySum()
'''

TEMPLATES = {
    "markdown/toy_sum.md.j2": "Let $a = {{ ex.given.a | num }}$ and $b = {{ ex.given.b | num }}$ (toy plug-in).\n",
    "latex/toy_sum.tex.j2": "Let $a = ((( ex.given.a | num )))$ and $b = ((( ex.given.b | num )))$ (toy plug-in).\n",
}

BANK = """bank: toy_sum
title: "Example bank: toy_sum"
seed: 5
exercises:
  - id: toy
    type: toy_sum
    title: Adding two numbers
    points: 3
"""


def write_plugin(folder: Path, *, module: str = TOY_MODULE, name: str = TOY) -> Path:
    (folder / "types").mkdir(parents=True)
    (folder / "types" / f"{name}.py").write_text(module, encoding="utf-8")
    for rel, text in TEMPLATES.items():
        path = folder / "templates" / rel.replace("toy_sum", name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder / "exercise_banks").mkdir()
    (folder / "exercise_banks" / f"{name}.yaml").write_text(BANK.replace("toy_sum", name), encoding="utf-8")
    return folder


@pytest.fixture
def toy(tmp_path, monkeypatch) -> Path:
    folder = write_plugin(tmp_path / "my-plugins")
    monkeypatch.setenv(PLUGINS_ENV, str(folder))
    return folder


def _env_without_plugins() -> dict:
    return {k: v for k, v in os.environ.items() if k != PLUGINS_ENV}


# --- found by the registry, the banks and the CLI -----------------------------------------------------------

def test_the_registry_finds_the_plugin_type_and_bank(toy):
    from exgen.resources import builtin_banks
    from exgen.types import all_types, get_type

    assert get_type(TOY).title == "Adding two numbers"
    assert list(all_types())[-1] == TOY  # sorted by topic: "9. Plug-ins" comes last
    assert builtin_banks()[TOY] == toy.resolve() / "exercise_banks" / f"{TOY}.yaml"


def test_without_the_setting_the_plugin_is_not_there(toy, monkeypatch):
    from exgen.types import all_types

    assert TOY in all_types()
    monkeypatch.delenv(PLUGINS_ENV)
    assert TOY not in all_types()


def test_exgen_list_shows_the_plugin(toy, cli_runner):
    from exgen.cli import cli

    result = cli_runner.invoke(cli, ["list"])
    assert result.exit_code == 0
    assert f"type  {TOY}" in result.output and f"bank  {TOY}" in result.output


# --- the contract -------------------------------------------------------------------------------------------

def test_the_plugin_type_keeps_the_contract(toy):
    from tests.types.test_contract import check_example_bank, check_instances, check_type_declares_itself

    check_type_declares_itself(TOY)
    check_example_bank(TOY)
    check_instances(TOY)


@pytest.mark.parametrize("fmt", ["md", "tex", "html"])
def test_every_format_renders_the_plugin_type(toy, fmt):
    from tests.types.test_contract import check_format

    worksheet, key = check_format(TOY, fmt)
    assert "toy plug-in" in worksheet  # the plug-in's own template (html: converted from its Markdown)


def test_generate_writes_every_format(toy, tmp_path, cli_runner):
    from exgen.cli import cli

    out = tmp_path / "out"
    result = cli_runner.invoke(cli, ["generate", TOY, "--count", "2", "--format", "md,tex,html", "--out", str(out),
                                     "-q"])
    assert result.exit_code == 0, result.output
    for ext in ("md", "tex", "html"):
        docs = sorted(out.rglob(f"*.{ext}"))
        assert docs and all("toy plug-in" in d.read_text(encoding="utf-8") for d in docs), ext
    key = json.loads((out / "answer_key.json").read_text(encoding="utf-8"))
    assert {ex["type"] for s in key["students"] for ex in s["exercises"]} == {TOY}


@pytest.mark.slow
@pytest.mark.needs("pdflatex", why="the PDF worksheet of a plug-in type")
def test_generate_pdf(toy, tmp_path, cli_runner):
    from exgen.cli import cli

    out = tmp_path / "out"
    result = cli_runner.invoke(cli, ["generate", TOY, "--count", "1", "--format", "pdf", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    pdfs = sorted(out.rglob("*.pdf"))
    assert pdfs and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)


# --- every exporter -----------------------------------------------------------------------------------------

def _bank():
    from exgen.bank.spec import load_bank
    from exgen.resources import builtin_banks

    return load_bank(builtin_banks()[TOY])


def test_qti_covers_the_plugin_type(toy):
    from exgen.exporters.qti import build_package

    data, count, _notes = build_package(_bank(), seed=5, variants=3, layout="groups")
    assert count == 3
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".xml"))
    assert "Adding two numbers - variant 3" in xml and "toy plug-in" in xml
    data, count, _notes = build_package(_bank(), seed=5, variants=3)  # versions: a stem and its part, each
    assert count == 3 * (1 + 2)  # the toy type asks two parts


def test_moodle_covers_the_plugin_type(toy):
    from exgen.exporters.moodle import build_xml
    from tests.exporters.moodle_rules import check_moodle_xml

    xml, count, _notes = build_xml(_bank(), seed=5, variants=3)
    assert count == 3 and "toy plug-in" in xml and ":MULTICHOICE:" in xml
    assert check_moodle_xml(xml) == []


def _prairielearn_course(out: Path) -> Path:
    """Export the toy bank to a PrairieLearn course; check that it ships the plug-in; return a server.py."""
    from exgen.exporters.prairielearn import EXPORTER

    EXPORTER.export(_bank(), seed=5, out=str(out))
    shipped = out / "serverFilesCourse" / "exgen_plugins" / "p1-my-plugins"
    assert (shipped / "types" / f"{TOY}.py").read_text(encoding="utf-8") == TOY_MODULE
    assert (shipped / "templates" / "markdown" / f"{TOY}.md.j2").is_file()
    server = out / "questions" / TOY / "toy" / "server.py"
    assert 'PLUGINS = ["p1-my-plugins"]' in server.read_text(encoding="utf-8")
    return server


def test_prairielearn_ships_the_plugin(toy, tmp_path):
    _prairielearn_course(tmp_path / "course")


@pytest.mark.integration  # a fresh interpreter without EXGEN_PLUGINS runs the course's server.py
def test_prairielearn_ships_the_plugin_and_draws_with_it(toy, tmp_path):
    from tests.exporters.test_prairielearn import run_server

    out = tmp_path / "course"
    server = _prairielearn_course(out)
    result = run_server(server, cwd=out)  # without EXGEN_PLUGINS: the course holds everything it needs
    key, wrong, other = result["runs"]
    assert key["instance"]["type"] == TOY and key["instance"] == wrong["instance"] != other["instance"]
    assert key["score"] == 1.0 and other["score"] == 1.0 and wrong["score"] < 1.0


@pytest.mark.integration  # a fresh interpreter without EXGEN_PLUGINS grades
def test_gradescope_grades_a_plugin_type_from_its_stored_key(toy, tmp_path):
    """The autograder grades against the stored key: a plug-in type's instances need no plug-in code there."""
    import subprocess
    import sys

    import yaml

    from exgen.build.pipeline import build_student
    from exgen.exporters.gradescope import build_autograder
    from tests.conftest import typed
    from tests.exporters.helpers import REPO
    from tests.exporters.test_gradescope import EMAIL, _autograder, _submit

    bank = _bank()
    (tmp_path / "class.csv").write_text(f"id,name\n{EMAIL},Ada\n")
    data = build_autograder(bank, seed=bank.seed, roster=str(tmp_path / "class.csv"))
    root = _autograder(tmp_path, data)
    assert not (root / "source" / "exgen_autograder" / "plugins").exists()
    answers = {inst.exercise_id: {p.id: typed(p) for p in inst.parts}
               for inst in build_student(bank, seed=bank.seed, student_id=EMAIL)}
    _submit(root, {"answers.yaml": yaml.safe_dump({"answers": answers})})
    env = {**_env_without_plugins(), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "exgen.exporters.autograder_main", "--root", str(root)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    res = json.loads((root / "results" / "results.json").read_text())
    assert res["score"] == pytest.approx(3.0) and len(res["tests"]) == 2, res


# --- only from an explicit setting, with clear messages -----------------------------------------------------

def test_a_bank_cannot_name_plugins(tmp_path):
    from exgen.bank.spec import load_bank
    from exgen.errors import BankError

    folder = write_plugin(tmp_path / "p")
    bank = tmp_path / "bank.yaml"
    bank.write_text(f"plugins: [{folder}]\n" + BANK.replace("bank: toy_sum", "bank: b"), encoding="utf-8")
    with pytest.raises(BankError) as err:
        load_bank(bank)
    text = str(err.value)
    assert "plugins: unknown field" in text and "unknown exercise type 'toy_sum'" in text


def test_plugins_next_to_a_bank_are_not_loaded(tmp_path, monkeypatch, cli_runner):
    from exgen.cli import cli

    folder = write_plugin(tmp_path / "p")
    monkeypatch.chdir(folder)
    result = cli_runner.invoke(cli, ["validate", str(folder / "exercise_banks" / f"{TOY}.yaml")])
    assert result.exit_code != 0 and "unknown exercise type 'toy_sum'" in str(result.exception)


@pytest.mark.parametrize("setup, message", [
    (lambda tmp: tmp / "absent", "does not exist"),
    (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "has no types/ sub-folder"),
    (lambda tmp: write_plugin(tmp / "clash", name="dot_product",
                              module=TOY_MODULE.replace('"toy_sum"', '"dot_product"')),
     "already used by exgen"),
    (lambda tmp: write_plugin(tmp / "broken", module="import numpy\ndef broken(:\n"), "SyntaxError"),
    (lambda tmp: write_plugin(tmp / "misnamed", module=TOY_MODULE.replace('"toy_sum"', '"other"')),
     "defines TYPE named 'other'"),
])
def test_bad_plugin_folders_give_one_line_errors(tmp_path, monkeypatch, cli_runner, setup, message):
    from exgen.cli import main
    from exgen.types import all_types

    monkeypatch.setenv(PLUGINS_ENV, str(setup(tmp_path)))
    with pytest.raises(ExgenError, match=message):
        all_types()
    with pytest.raises(SystemExit) as code:
        main(["list"])
    assert code.value.code == 1


def test_bad_plugin_error_is_printed_on_one_line(tmp_path, monkeypatch, capsys):
    from exgen.cli import main

    monkeypatch.setenv(PLUGINS_ENV, str(tmp_path / "absent"))
    with pytest.raises(SystemExit):
        main(["list"])
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Error: EXGEN_PLUGINS: plug-in folder") and "Traceback" not in err[0]


def test_a_plugin_cannot_replace_exgen_templates(toy):
    from tests.types.test_contract import check_format

    (toy / "templates" / "markdown" / "worksheet.md.j2").write_text("HIJACKED\n", encoding="utf-8")
    worksheet, _key = check_format(TOY, "md")
    assert "HIJACKED" not in worksheet


def test_using_plugins_overrides_the_environment(toy, tmp_path):
    from exgen.discovery import using_plugins
    from exgen.types import all_types

    other = write_plugin(tmp_path / "other", name="toy_other",
                         module=TOY_MODULE.replace('"toy_sum"', '"toy_other"'))
    with using_plugins([other]):
        assert "toy_other" in all_types() and TOY not in all_types()
    with using_plugins([]):
        assert TOY not in all_types()
    assert TOY in all_types() and "toy_other" not in all_types()


def test_exports_never_follow_symlinks_out_of_the_plugin(toy, tmp_path):
    from exgen.discovery import using_plugins
    from exgen.exporters.base import plugin_export_files

    secret = tmp_path / "secret.py"
    secret.write_text("SECRET = 1\n", encoding="utf-8")
    (toy / "types" / "leak.py").symlink_to(secret)
    (toy / "templates" / "linked").symlink_to(tmp_path, target_is_directory=True)
    with using_plugins([toy]):
        files, labels = plugin_export_files("x")
    assert labels == ["p1-my-plugins"]
    assert f"x/p1-my-plugins/types/{TOY}.py" in files
    assert not any("leak" in name or "linked" in name for name in files)
