"""Documentation that must stay in step with the code."""

import json

from exgen.bank.paramdocs import BEGIN, END, reference
from exgen.types import all_types
from tests.conftest import ROOT


def test_bank_format_reference_is_current():
    text = (ROOT / "docs" / "bank-format.md").read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == reference(), "run: python -m exgen.bank.paramdocs and paste into docs/bank-format.md"
    for name in all_types():
        assert f"### `{name}`" in text


def test_bank_format_example_is_a_valid_bank(tmp_path):
    from exgen.bank.spec import load_bank

    text = (ROOT / "docs" / "bank-format.md").read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "week1.yaml"
    path.write_text(example)
    bank = load_bank(path)
    assert bank.id == "week1-basics" and len(bank.exercises) == 3
    assert bank.exercises[1].grading["tolerance"] == {"abs": 0.01, "rel": 0.001}
    assert bank.exercises[2].grading["partial_credit"] is True


def test_readme_quick_start_has_exactly_two_commands():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line for line in section.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "exgen generate" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    # CI installs into a brand-new venv and runs the command it reads from this very section
    assert "python3 -m venv" in ci and "## Quick start" in ci and 'bash -c "$test_cmd' in ci


def test_schemas_are_valid_json_schema():

    import jsonschema
    for path in sorted((ROOT / "docs").glob("*.schema.json")):
        schema = json.loads(path.read_text())
        jsonschema.validators.validator_for(schema).check_schema(schema)
