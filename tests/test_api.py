"""The public API (``exgen.generate``, ``exgen.grade``, ``exgen.export``): the same files as the CLI, byte for
byte; paths or loaded objects as inputs; one-line ``ExgenError``s; a cheap ``import exgen``."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import exgen
from exgen import api
from exgen.bank.roster import Student
from exgen.bank.spec import load_bank
from exgen.cli import cli
from exgen.errors import BankError, ExgenError, OptionError
from exgen.resources import builtin_banks
from tests.conftest import ROOT


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def invoke(runner, args: list[str]) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output + repr(result.exception)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A class of four generated once from Python, with a submission per student (right, wrong, junk)."""
    tmp = tmp_path_factory.mktemp("api")
    roster = tmp / "class.csv"
    roster.write_text("id,name\ns1,Ada\ns2,Björn\ns3,Chloé\ns4,\"Dũng, Lê\"\n", encoding="utf-8")
    made = exgen.generate("dl-math-basics", students=roster, formats="md,tex,html", out=tmp / "py")
    subs = tmp / "subs"
    subs.mkdir()
    key = json.loads((tmp / "py" / "answer_key.json").read_text(encoding="utf-8"))
    for i, student in enumerate(key["students"]):
        answers = {}
        for ex in student["exercises"]:
            for part in ex["parts"]:
                value = part["answer"]
                answers[f"{ex['id']}.{part['id']}"] = value["expr"] if isinstance(value, dict) else (
                    value if i % 2 == 0 else "not an answer ?")
        (subs / f"{student['id']}.json").write_text(json.dumps({"student": student["id"], "answers": answers}))
    (subs / "stranger.json").write_text(json.dumps({"student": "nobody", "answers": {}}))
    return {"tmp": tmp, "roster": roster, "made": made, "subs": subs}


# -- generate -------------------------------------------------------------------------------------------------

def test_generate_matches_the_cli_byte_for_byte(generated, cli_runner):
    tmp = generated["tmp"]
    invoke(cli_runner, ["generate", "dl-math-basics", "--roster", str(generated["roster"]), "--format",
                        "md,tex,html", "--out", str(tmp / "cli"), "-q"])
    ours, theirs = tree(tmp / "py"), tree(tmp / "cli")
    assert ours == theirs and len(ours) == 2 + 4 * 3 * 2  # the key store, its JSON export, 4 x 3 x 2 documents


def test_generate_result_lists_what_it_wrote(generated):
    made = generated["made"]
    assert isinstance(made, api.GenerateResult)
    assert sorted(made.files) == sorted(tree(made.out))
    assert [s.id for s in made.students] == ["s1", "s2", "s3", "s4"] and made.students[3].name == "Dũng, Lê"
    assert made.bank.id == "dl-math-basics" and made.seed == made.bank.seed
    assert made.formats == ["md", "tex", "html"]
    assert json.loads(json.dumps(made.to_dict()))["files"] == made.files


def test_bank_and_students_as_paths_names_or_objects_give_the_same_files(tmp_path):
    path = builtin_banks()["matmul"]
    spec = load_bank(path)
    people = [Student("student-001", "Student 1"), Student("student-002", "Student 2")]
    runs = {"name": ("matmul", 2), "path": (path, 2), "str path": (str(path), people), "spec": (spec, people)}
    trees = []
    for label, (bank, students) in runs.items():
        exgen.generate(bank, students=students, seed=5, formats=["md"], out=tmp_path / label)
        trees.append(tree(tmp_path / label))
    assert all(t == trees[0] for t in trees) and len(trees[0]) == 6


def test_progress_reports_done_and_total(tmp_path):
    calls = []
    exgen.generate("dot_product", students=3, formats="md", out=tmp_path, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize("kwargs,needle", [
    ({"formats": "md,docx"}, "unknown document format 'docx'; expected some of md, tex, html, pdf"),
    ({"formats": ["md", 3]}, "unknown document format 3"),
    ({"students": 0}, "count must be from 1 to"),
    ({"students": True}, "expected a roster file, a list of students or a count"),
    ({"students": [Student("../x", "X")]}, "not safe as a file name"),
    ({"students": [Student("a", "A"), Student("a", "B")]}, "duplicate student id 'a'"),
    ({"students": []}, "the list is empty"),
    ({"seed": -1}, "seed: expected an integer from 0 to 2^63-1"),
    ({"seed": "7"}, "seed: expected an integer"),
])
def test_generate_refuses_bad_arguments_with_one_line(tmp_path, kwargs, needle):
    with pytest.raises(OptionError) as info:
        exgen.generate("dot_product", out=tmp_path / "o", **kwargs)
    assert needle in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "o").exists()


def test_unknown_banks_are_option_errors_and_broken_banks_bank_errors(tmp_path):
    with pytest.raises(OptionError, match="no bank file or built-in bank named 'dot_prod'; built-in: "):
        exgen.resolve_bank("dot_prod")
    with pytest.raises(OptionError, match="bank file missing.yaml does not exist"):
        exgen.resolve_bank("missing.yaml")
    with pytest.raises(OptionError, match="does not exist"):
        exgen.resolve_bank(tmp_path / "dot_product")  # a Path is a file, never a built-in name
    broken = tmp_path / "b.yaml"
    broken.write_text("bank: b\ntitle: B\nexercises: []\nbogus: 1\n")
    with pytest.raises(BankError) as info:
        exgen.generate(broken, out=tmp_path / "o")
    assert all(line.startswith("b.yaml:") for line in info.value.problems)
    assert issubclass(OptionError, ExgenError) and issubclass(BankError, ExgenError)


def test_existing_files_need_force(generated, tmp_path):
    exgen.generate("dot_product", formats="md", out=tmp_path)
    exgen.generate("dot_product", formats="md", seed=1, out=tmp_path)  # the bank's own seed: the same files
    with pytest.raises(ExgenError, match="use --force"):
        exgen.generate("dot_product", formats="md", seed=2, out=tmp_path)
    exgen.generate("dot_product", formats="md", seed=2, out=tmp_path, force=True)


# -- grade ----------------------------------------------------------------------------------------------------

def test_grade_matches_the_cli_byte_for_byte(generated, cli_runner):
    tmp = generated["tmp"]
    graded = exgen.grade(generated["subs"], key=tmp / "py", out=tmp / "g-py", formats="csv,canvas,json,feedback")
    result = cli_runner.invoke(cli, ["grade", "--key", str(tmp / "py"), str(generated["subs"]), "--out",
                                     str(tmp / "g-cli"), "--format", "csv,canvas,json,feedback"])
    assert result.exit_code == 1  # the stranger is not in the key: an error, and grading went on
    assert "nobody" in result.stderr and "Graded 4 submission(s)" in result.stdout
    assert tree(tmp / "g-py") == tree(tmp / "g-cli")
    assert sorted(graded.files) == sorted(tree(tmp / "g-py")) and len(graded.files) == 3 + 4


def test_grade_result_summary_and_dict(generated):
    tmp = generated["tmp"]
    graded = exgen.grade(generated["subs"], key=tmp / "py" / "answer_key.json", out=None)
    assert graded.files == [] and graded.out is None and graded.key == "answer_key.json"
    assert not graded.ok and len(graded.results.errors) == 1 and "nobody" in graded.results.errors[0]
    assert graded.bank == "dl-math-basics"
    summary = graded.summary()
    totals = sorted(s.total for s in graded.results.students)
    assert summary["graded"] == 4 and summary["errors"] == 1 and summary["unsubmitted"] == 0
    assert summary["total"]["min"] == totals[0] and summary["total"]["max"] == totals[-1]
    assert summary["total"]["mean"] == pytest.approx(sum(totals) / 4)
    assert totals[-1] == summary["total"]["max_points"]  # student s1 answered everything right
    doc = json.loads(json.dumps(graded.to_dict()))
    assert doc["results"] == json.loads(json.dumps(graded.results.to_dict()))
    assert doc["results"]["summary"]["graded"] == 4


def test_results_json_validates_against_its_schema(generated, tmp_path):
    """The quick check of docs/results.schema.json (tests/grading/test_e2e.py checks a whole class of 30)."""
    from jsonschema import Draft202012Validator

    exgen.grade(generated["subs"], key=generated["tmp"] / "py", out=tmp_path, formats="json")
    schema = json.loads((ROOT / "docs" / "results.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(doc)
    assert doc["format"] == "exgen-results/1" and len(doc["students"]) == 4
    assert [p["message"] for p in doc["problems"] if "nobody" in p["message"]]  # the stranger


def test_grade_takes_loaded_keys_and_submissions(generated):
    from exgen.build.keyfile import load_key
    from exgen.grading.submissions import read_submissions

    tmp = generated["tmp"]
    by_path = exgen.grade(generated["subs"], key=tmp / "py", out=None)
    subs, problems = read_submissions([generated["subs"]])
    assert not problems
    loaded = exgen.grade(subs, key=load_key(tmp / "py" / "answer_key.json"), out=None)
    assert loaded.key == "(given key)"
    assert loaded.results.to_dict() == by_path.results.to_dict()
    one = exgen.grade(subs[0], key=tmp / "py", out=None)
    assert len(one.results.students) == 1 and one.summary()["unsubmitted"] == 3


@pytest.mark.parametrize("kwargs,needle", [
    ({"formats": "csv,pdf"}, "unknown grading output 'pdf'; expected some of csv, canvas, json, feedback, report"),
    ({"jobs": 0}, "jobs: expected an integer from 1 to 256"),
    ({"key": {"students": []}}, "key: expected a path or a key read by"),
])
def test_grade_refuses_bad_arguments(generated, tmp_path, kwargs, needle):
    args = {"key": generated["tmp"] / "py", **kwargs}
    with pytest.raises(OptionError) as info:
        exgen.grade(generated["subs"], out=tmp_path / "o", **args)
    assert needle in str(info.value)
    assert not (tmp_path / "o").exists()


def test_a_missing_key_is_an_error(tmp_path):
    with pytest.raises(ExgenError, match="cannot read the answer key"):
        exgen.grade([], key=tmp_path, out=None)


# -- export ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target,options,cli_options", [
    ("qti", {"variants": 2}, ["--variants", "2"]),
    ("moodle", {}, []),
])
def test_export_matches_the_cli_byte_for_byte(tmp_path, cli_runner, target, options, cli_options):
    result = exgen.export(target, "dot_product", seed=3, out=tmp_path / "py", **options)
    invoke(cli_runner, ["export", target, "dot_product", "--seed", "3", "--out", str(tmp_path / "cli"), *cli_options])
    assert (tmp_path / "py").read_bytes() == (tmp_path / "cli").read_bytes()
    assert (tmp_path / "py-key.json").read_bytes() == (tmp_path / "cli-key.json").read_bytes()
    assert result.files == [str(tmp_path / "py"), str(tmp_path / "py-key.json")] and result.questions > 0
    assert result.to_dict()["questions"] == result.questions


def test_export_defaults_come_from_the_declarations(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = exgen.export("moodle", "dot_product")
    assert result.files == ["questions.xml", "questions-key.json"]
    variants = api.exporter("moodle").resolve({})["variants"]
    text = (tmp_path / "questions.xml").read_text(encoding="utf-8")
    questions = text.count('<question type="numerical">') + text.count('<question type="cloze">')
    assert variants == 10 and questions == variants * len(exgen.resolve_bank("dot_product").exercises)


@pytest.mark.parametrize("call,needle", [
    (lambda out: exgen.export("blackboard", out=out), "unknown exporter 'blackboard'; known: gradescope"),
    (lambda out: exgen.export("qti", out=out, variantz=3), "export qti: unknown option 'variantz'; its options: variants"),
    (lambda out: exgen.export("qti", out=out, variants=0), "option variants (--variants) must be an integer from 1 to 500, got 0"),
    (lambda out: exgen.export("qti", out=out, variants=True), "must be an integer from 1 to 500, got True"),
    (lambda out: exgen.export("gradescope", out=out, visibility="never"),
     "option visibility (--visibility) must be one of visible, after_due_date, after_published, hidden"),
    (lambda out: exgen.export("prairielearn", out=out, variants=2), "its options: none besides seed, out and force"),
])
def test_export_refuses_bad_arguments(tmp_path, call, needle):
    with pytest.raises(OptionError) as info:
        call(tmp_path / "x")
    assert needle in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "x").exists()


def test_gradescope_needs_the_worksheets_key_or_a_roster(tmp_path):
    from exgen.bank.spec import BankSpec

    spec = load_bank(builtin_banks()["dot_product"])
    in_memory = BankSpec(id=spec.id, title=spec.title, seed=spec.seed, course={}, exercises=spec.exercises)
    with pytest.raises(ExgenError, match="answer key of the worksheets"):
        exgen.export("gradescope", in_memory, out=tmp_path / "a.zip")
    (tmp_path / "class.csv").write_text("id,name\nada@example.edu,Ada\n")
    result = exgen.export("gradescope", in_memory, roster=tmp_path / "class.csv", out=tmp_path / "a.zip")
    assert result.files == [str(tmp_path / "a.zip")]  # an in-memory bank is fine: the zip carries its key


# -- preview --------------------------------------------------------------------------------------------------

def test_preview_is_what_the_cli_prints(cli_runner):
    text = exgen.preview("matmul", seed=3, params={"m": 2, "parts": ["shape"]})
    printed = cli_runner.invoke(cli, ["preview", "matmul", "--seed", "3", "--param", "m=2", "--param", "parts=[shape]"])
    assert printed.exit_code == 0 and printed.stdout == text + "\n"
    assert "shape of $AB$" in text and text != exgen.preview("matmul", seed=4, params={"m": 2, "parts": ["shape"]})


def test_preview_refuses_unknown_types_and_parameters():
    with pytest.raises(OptionError, match="did you mean 'dot_product'"):
        exgen.preview("dot_prodcut")
    with pytest.raises(OptionError, match="parameter m: "):
        exgen.preview("matmul", params={"m": 9})


# -- the package ----------------------------------------------------------------------------------------------

def test_import_exgen_loads_none_of_the_heavy_parts():
    code = ("import sys, exgen; heavy = {'numpy', 'sympy', 'jinja2', 'click', 'yaml', 'exgen.api'}; "
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_public_names_are_loaded_on_first_use():
    assert set(exgen.__all__) == {"__version__", *exgen._LAZY}
    assert exgen.generate is api.generate and exgen.grade is api.grade and exgen.export is api.export
    assert exgen.OptionError is OptionError and "generate" in dir(exgen)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        exgen.nothing  # noqa: B018


@pytest.mark.integration  # a whole class generated and exported, as the README shows
def test_the_readme_example_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    example = text.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)  # noqa: S102  (our own README)
    assert (tmp_path / "week1" / "answer_key.json").is_file() and (tmp_path / "quiz.zip").is_file()
