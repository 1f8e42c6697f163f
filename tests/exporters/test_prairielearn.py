"""PrairieLearn export: info.json valid against PrairieLearn's infoQuestion.json; server.py runs with exgen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.exporters.helpers import all_families_bank, schema_path


@pytest.fixture(scope="module")
def info_validator():
    schema = json.loads(schema_path("prairielearn", "src-schemas", "infoQuestion.json").read_text())
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from exgen.exporters.prairielearn import EXPORTER

    bank = all_families_bank()
    out = tmp_path_factory.mktemp("pl") / "course"
    EXPORTER.export(bank, seed=bank.seed, out=str(out))
    return bank, out


def test_every_info_json_validates(course, info_validator):
    bank, out = course
    infos = sorted((out / "questions" / bank.id).glob("*/info.json"))
    assert len(infos) == len(bank.exercises)
    uuids = set()
    for path in infos:
        doc = json.loads(path.read_text())
        errors = list(info_validator.iter_errors(doc))
        assert not errors, f"{path}: {errors[0].message}"
        assert doc["type"] == "v3"
        uuids.add(doc["uuid"])
    assert len(uuids) == len(infos)


def test_a_broken_info_json_fails(course, info_validator):
    bank, out = course
    doc = json.loads(next((out / "questions" / bank.id).glob("*/info.json")).read_text())
    for broken in ({**doc, "uuid": "not-a-uuid"}, {k: v for k, v in doc.items() if k != "topic"},
                   {**doc, "type": "Numeric"}, {**doc, "exgen": True}):
        assert list(info_validator.iter_errors(broken))


def test_question_html_uses_the_pl_elements(course):
    bank, out = course
    html = "".join(p.read_text() for p in (out / "questions" / bank.id).glob("*/question.html"))
    for element in ("pl-number-input", "pl-matrix-input", "pl-string-input", "pl-multiple-choice",
                    "pl-symbolic-input"):
        assert f"<{element} " in html
    assert (out / "serverFilesCourse" / "exgen" / "exporters" / "prairielearn.py").is_file()
    assert (out / "serverFilesCourse" / "exgen" / "templates").is_dir()
    assert (out / "serverFilesCourse" / "yaml" / "__init__.py").is_file()


def test_symbolic_element_for_expression_parts():
    from exgen.answers import EXPRESSION
    from exgen.exporters.base import lms_form
    from exgen.exporters.prairielearn import FORMS
    from exgen.instance import Part

    part = Part(id="a", kind=EXPRESSION, prompt="f'(x)?", answer={"expr": "2*x", "latex": "2x"},
                options={"variables": ["x"]})
    element = FORMS[lms_form(part)].element(part)
    assert element.startswith('<pl-symbolic-input answers-name="a_expression" variables="x"')


RUNNER = r'''
import importlib.util, json, sys
import pathlib
sys.path[:] = [p for p in sys.path if p not in ("", ".") and not p.startswith(sys.argv[2])]
# PrairieLearn puts the course's serverFilesCourse/ on the import path (ahead of an exgen that CI installed).
course = next(p for p in pathlib.Path(sys.argv[1]).resolve().parents if (p / "serverFilesCourse").is_dir())
sys.path.insert(0, str(course / "serverFilesCourse"))
spec = importlib.util.spec_from_file_location("server", sys.argv[1])
server = importlib.util.module_from_spec(spec); spec.loader.exec_module(server)
import exgen
out = {"exgen_file": exgen.__file__, "runs": []}
for seed, mode in ((101, "key"), (101, "wrong"), (202, "key")):
    data = {"variant_seed": seed, "params": {}, "correct_answers": {}, "options": {}}
    server.generate(data)
    from exgen.instance import Instance
    from exgen.answers import get_kind
    inst = Instance.from_dict(data["params"]["exgen"])
    raw, sub = {}, {}
    for p in inst.parts:
        name = f"{p.id}_{p.kind}"
        if "choices_" + name in data["params"]:  # pl-multiple-choice: pick by label
            labels = data["params"]["choices_" + name]
            pick = [c for c in labels if (c["correct"] == "true") == (mode == "key")][0]
            data["params"][name] = [{"key": "x", "html": pick["label"]}]
            sub[name] = "x"
        else:
            value = p.answer if mode == "key" else (p.wrong_answers[0].value if p.wrong_answers and not p.wrong_answers[0].kind else None)
            raw[name] = get_kind(p.kind).typed(value, p) if value is not None else "0"
    data["raw_submitted_answers"], data["submitted_answers"] = raw, sub
    server.grade(data)
    out["runs"].append({"seed": seed, "mode": mode, "score": data["score"], "partial": data["partial_scores"],
                        "instance": data["params"]["exgen"], "raw": raw})
import markdown_it, mdit_py_plugins, mdurl  # the statement's Markdown parser, imported by generate
out["parser_files"] = [m.__file__ for m in (markdown_it, mdit_py_plugins, mdurl)]
print(json.dumps(out))
'''


def run_server(server: Path, *, cwd: Path) -> dict:
    """Run a question's server.py as PrairieLearn does (generate, then grade the key and a wrong answer)."""
    repo = str(Path(__file__).resolve().parents[2])
    env = {k: v for k, v in os.environ.items() if k != "EXGEN_PLUGINS"}  # the course must be self-contained
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(server), repo], capture_output=True, text=True,
                          cwd=str(cwd), timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_server_py_draws_from_the_variant_seed_and_grades_like_the_cli(course):
    from exgen.answers import LmsForm, get_kind
    from exgen.grading.core import grade_instance
    from exgen.instance import Instance

    bank, out = course
    ex = next(e for e in bank.exercises if e.type == "dot_product")
    result = run_server(out / "questions" / bank.id / ex.id / "server.py", cwd=out)
    assert result["exgen_file"].startswith(str(out / "serverFilesCourse"))  # shipped copy, not the checkout
    assert all(f.startswith(str(out / "serverFilesCourse")) for f in result["parser_files"])  # vendored too
    key, wrong, other = result["runs"]
    assert key["instance"] == wrong["instance"] != other["instance"]
    assert key["score"] == 1.0 and other["score"] == 1.0 and wrong["score"] < 1.0
    inst = Instance.from_dict(wrong["instance"])
    cli = grade_instance(inst, {name.split("_")[0]: v for name, v in wrong["raw"].items()})
    for name, v in wrong["partial"].items():
        part_id = name.split("_")[0]
        if part_id in cli and get_kind(inst.part(part_id).kind).lms_form is not LmsForm.CHOICE:
            assert v["feedback"] == cli[part_id].feedback


@pytest.mark.slow
def test_same_bank_and_seed_give_byte_identical_folders(course, tmp_path):
    from exgen.exporters.prairielearn import EXPORTER

    bank, first = course
    again = tmp_path / "again"
    EXPORTER.export(bank, seed=bank.seed, out=str(again))
    ours = sorted(p.relative_to(first) for p in (first / "questions").rglob("*") if p.is_file())
    assert ours == sorted(p.relative_to(again) for p in (again / "questions").rglob("*") if p.is_file())
    assert all((first / rel).read_bytes() == (again / rel).read_bytes() for rel in ours)
    EXPORTER.export(bank, seed=bank.seed, out=str(again))  # an identical rerun needs no --force
    with pytest.raises(Exception, match="already holds"):  # one that would change a file does
        EXPORTER.export(bank, seed=bank.seed + 1, out=str(again))


def test_question_files_are_deterministic_for_a_small_bank():
    from dataclasses import replace

    from exgen.exporters.prairielearn import build_course_files

    bank = all_families_bank()
    small = replace(bank, exercises=tuple(e for e in bank.exercises if e.type in ("dot_product", "matmul")))
    a, b = build_course_files(small, seed=4), build_course_files(small, seed=4)
    questions = [k for k in a if k.startswith("questions/")]
    assert questions and all(a[k] == b[k] for k in questions)
