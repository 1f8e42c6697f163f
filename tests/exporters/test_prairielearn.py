"""PrairieLearn export: info.json valid against PrairieLearn's infoQuestion.json; server.py runs with exgen."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.exporters.helpers import FAMILY_BANKS, all_families_bank, families_bank, schema_path


@pytest.fixture(scope="module")
def info_validator():
    schema = json.loads(schema_path("prairielearn", "src-schemas", "infoQuestion.json").read_text())
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module", params=FAMILY_BANKS)
def course(request, tmp_path_factory):
    """A fresh course exported from the quick subset's bank, or from every family's example bank."""
    from exgen.exporters.prairielearn import EXPORTER

    bank = families_bank(request.param)
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
    element = FORMS[lms_form(part)].element(part, 1)
    assert element.startswith('<pl-symbolic-input answers-name="a_expression" variables="x"')


RUNNER = r'''
import importlib.util, json, sys
import pathlib
sys.dont_write_bytecode = True  # leave the exported course as exported (no __pycache__ beside server.py)
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


@pytest.mark.integration  # a fresh interpreter runs the course's own copy of exgen
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


# --- PrairieLearn's own rules, each cited from PrairieLearn/PrairieLearn@88fb8556 -----------------------------
#
# Every rule below is checked on the real export and on a deliberately broken copy that it must reject.

#: apps/prairielearn/python/prairielearn/html_utils.py: _PL_BOOLEAN_TRUE | _PL_BOOLEAN_FALSE
PL_BOOLEANS = frozenset("true t 1 True T TRUE yes y Yes Y YES false f 0 False F FALSE no n No N NO".split())


def _is_int(value) -> bool:  # html_utils.py: is_integer_value() is int(value) succeeding
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def _is_float(value) -> bool:  # html_utils.py: is_float_value() is float(value) succeeding
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def pl_format_checker():
    """The custom formats of PrairieLearn's element schemas, registered as element_schemas.py does
    (pl_format_checker.checks("boolean"/"integer"/"number"))."""
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("boolean")(lambda v: isinstance(v, str) and v in PL_BOOLEANS)
    checker.checks("integer")(lambda v: isinstance(v, str) and _is_int(v))
    checker.checks("number")(lambda v: isinstance(v, str) and _is_float(v))
    return checker


def pl_elements(question_html: str) -> list[tuple[str, dict]]:
    """Return (tag, attributes) of every pl-* element in question.html, in order."""
    from html.parser import HTMLParser

    found: list[tuple[str, dict]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag.startswith("pl-"):
                found.append((tag, {k: v or "" for k, v in attrs}))

    Collect().feed(question_html)
    return found


def element_attribute_errors(question_html: str) -> list[str]:
    """Check every element's attributes the way PrairieLearn does before prepare().

    Elements with a schema: apps/prairielearn/python/prairielearn/element_schemas.py validate_element()
    (draft-04 schema, custom formats). pl-matrix-input has no schema; its grade() reads ``weight`` with
    pl.get_integer_attrib (html_utils.py: int(value), else ValueError) and ``rtol``/``atol`` with
    get_float_attrib. Attributes holding mustache (``{{correct}}``) are checked after rendering, elsewhere.
    """
    checker = pl_format_checker()
    errors = []
    for tag, attrs in pl_elements(question_html):
        if tag in ("pl-question-panel", "pl-submission-panel", "pl-answer-panel"):
            continue  # panels take no attributes from us
        plain = {k: v for k, v in attrs.items() if "{{" not in v}
        if tag == "pl-matrix-input":
            errors += [f"{tag} {k}={plain[k]!r}: get_integer_attrib fails" for k in ("weight",)
                       if k in plain and not _is_int(plain[k])]
            errors += [f"{tag} {k}={plain[k]!r}: get_float_attrib fails" for k in ("rtol", "atol")
                       if k in plain and not _is_float(plain[k])]
            continue
        folder = "pl-multiple-choice" if tag == "pl-answer" else tag
        schema = json.loads(schema_path("prairielearn", "elements", folder, "schemas", f"{tag}.json").read_text())
        validator = jsonschema.Draft4Validator(schema, format_checker=checker)
        errors += [f"{tag} {'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(plain)]
    return errors


def test_every_element_attribute_is_valid_for_prairielearn(course):
    bank, out = course
    pages = sorted((out / "questions" / bank.id).glob("*/question.html"))
    tags = set()
    for page in pages:
        text = page.read_text()
        assert element_attribute_errors(text) == [], page
        tags |= {tag for tag, _ in pl_elements(text)}
    assert {"pl-number-input", "pl-matrix-input", "pl-symbolic-input", "pl-string-input",
            "pl-multiple-choice"} <= tags


def test_a_fractional_weight_is_rejected_by_the_element_rules(course):
    bank, out = course
    text = "".join(p.read_text() for p in sorted((out / "questions" / bank.id).glob("*/question.html")))
    for tag in ("pl-number-input", "pl-matrix-input", "pl-string-input", "pl-symbolic-input", "pl-multiple-choice"):
        broken = re.sub(rf'(<{tag} [^>]*weight=")(\d+)(")', r"\g<1>\g<2>.0\3", text, count=1)
        assert broken != text, tag
        assert any(tag in e and "weight" in e for e in element_attribute_errors(broken)), tag
    assert element_attribute_errors(text.replace('fixed-order="true"', 'fixed-order="maybe"', 1))


def test_weights_are_proportional_to_the_points():
    from exgen.exporters.base import integer_weights

    for points in ([1, 1], [1.5, 0.5, 2], [1 / 3, 2 / 3], [0.25, 0.75, 3], [2.0]):
        weights = integer_weights(points)
        assert all(isinstance(w, int) and w >= 1 for w in weights)
        assert all(abs(w / sum(weights) - p / sum(points)) < 1e-9 for w, p in zip(weights, points)), points


# -- the runtime: generate, parse, grade and test as PrairieLearn calls them --------------------------------

#: apps/prairielearn/src/question-servers/freeform.ts: checkData(), the keys each phase may change.
CHANGEABLE = {"generate": {"params", "correct_answers"}, "prepare": {"params", "correct_answers"},
              "parse": {"params", "correct_answers", "submitted_answers", "format_errors", "feedback"},
              "grade": {"params", "correct_answers", "submitted_answers", "format_errors", "partial_scores",
                        "score", "feedback"},
              "test": {"format_errors", "raw_submitted_answers", "partial_scores", "score", "feedback"}}


def illegal_changes(phase: str, before: dict, after: dict) -> list[str]:
    """Return the keys of ``data`` a server.py phase changed although freeform.ts checkData() forbids it."""
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) != after.get(k) and k not in CHANGEABLE[phase])


def _exercise_json(out: Path, bank_id: str, ex_id: str) -> dict:
    return json.loads((out / "questions" / bank_id / ex_id / "exercise.json").read_text())


def _phase(fn, phase: str, data: dict, exercise: dict) -> dict:
    import copy

    before = copy.deepcopy(data)
    fn(data, exercise)
    json.dumps(data, allow_nan=False)  # the data go through JSON between phases (zygote.py)
    assert illegal_changes(phase, before, data) == [], phase
    return data


def _prepare_choices(data: dict) -> None:
    """Do what pl-multiple-choice's prepare() does for our choice parts: params[name] = [{key, html}] in
    order (fixed-order="true") and correct_answers[name] = the correct one (pl-multiple-choice.py: prepare())."""
    for key, value in list(data["params"].items()):
        if key.startswith("choices_"):
            name = key[len("choices_"):]
            entries = [{"key": chr(ord("a") + i), "html": c["label"]} for i, c in enumerate(value)]
            data["params"][name] = entries
            data["correct_answers"][name] = next(e for e, c in zip(entries, value) if c["correct"] == "true")


def _new_variant(out: Path, bank_id: str, ex_id: str, seed: int) -> tuple[dict, dict]:
    from exgen.exporters.prairielearn import pl_generate

    exercise = _exercise_json(out, bank_id, ex_id)
    data = {"variant_seed": seed, "params": {}, "correct_answers": {}, "options": {}, "preferences": {}}
    _phase(lambda d, e: pl_generate(d, e), "generate", data, exercise)
    _prepare_choices(data)
    return data, exercise


def _submit(data: dict, exercise: dict, raw: dict) -> dict:
    """Submit raw answers as PrairieLearn does: submitted_answers start as the raw text (the elements' parse
    keeps them for our inputs), then server.py parse and, when gradable, grade (lib/grading.ts)."""
    from exgen.exporters.prairielearn import pl_grade, pl_parse

    sub = {**{k: data[k] for k in ("variant_seed", "params", "correct_answers", "options", "preferences")},
           "raw_submitted_answers": dict(raw), "submitted_answers": dict(raw), "format_errors": {},
           "partial_scores": {}, "score": 0.0, "feedback": {}, "gradable": True}
    for name, entries in data["params"].items():  # pl-multiple-choice.py parse(): a key not in its list
        if isinstance(entries, list) and name in data["correct_answers"] and raw.get(name) not in \
                {e["key"] for e in entries}:
            sub["format_errors"][name] = "Invalid choice."
    _phase(pl_parse, "parse", sub, exercise)
    if not sub["format_errors"]:
        _phase(pl_grade, "grade", sub, exercise)
    return sub


def _pl_test(data: dict, exercise: dict, test_type: str, pl_test=None) -> dict:
    from exgen.exporters import prairielearn

    test = {**{k: data[k] for k in ("variant_seed", "params", "correct_answers", "options", "preferences")},
            "raw_submitted_answers": {}, "format_errors": {}, "partial_scores": {}, "score": 0.0, "feedback": {},
            "gradable": True, "test_type": test_type}
    for name, correct in data["correct_answers"].items():  # pl-multiple-choice's own test(): a key of its list
        if isinstance(correct, dict) and "key" in correct:
            keys = [e["key"] for e in data["params"][name]]
            test["raw_submitted_answers"][name] = (correct["key"] if test_type == "correct" else "0"
                                                   if test_type == "invalid" else
                                                   next(k for k in keys if k != correct["key"]))
    _phase(pl_test or prairielearn.pl_test, "test", test, exercise)
    return test


def compare_test_results(expected: dict, submission: dict) -> list[str]:
    """apps/prairielearn/src/lib/question-testing.ts: compareTestResults(): gradable, the format_errors keys,
    then (if gradable) partial_scores and score must be deep-equal."""
    problems = []
    gradable = not expected["format_errors"]
    if gradable != (not submission["format_errors"]):
        problems.append("gradable")
    if sorted(expected["format_errors"]) != sorted(submission["format_errors"]):
        problems.append("format_errors keys")
    if gradable and not problems:
        if expected["partial_scores"] != submission["partial_scores"]:
            problems.append("partial_scores")
        if expected["score"] != submission["score"]:
            problems.append("score")
    return problems


@pytest.fixture(scope="module")
def exercises(course):
    bank, out = course
    wanted = ("dot_product", "matmul", "gradient", "batch_shapes", "derivative", "matrix_basics")
    return [e.id for e in bank.exercises if e.type in wanted]


def test_the_test_button_passes_for_every_question(course, exercises):
    bank, out = course
    for ex_id in exercises:
        for seed in (1, 2):
            data, exercise = _new_variant(out, bank.id, ex_id, seed)
            for test_type in ("correct", "incorrect", "invalid"):
                expected = _pl_test(data, exercise, test_type)
                got = _submit(data, exercise, expected["raw_submitted_answers"])
                assert compare_test_results(expected, got) == [], (ex_id, seed, test_type)
                if test_type == "correct":
                    assert expected["score"] == 1.0, (ex_id, seed)
                elif test_type == "incorrect":
                    assert expected["score"] < 1.0, (ex_id, seed)
                else:
                    assert set(expected["format_errors"]) == {k for k in expected["raw_submitted_answers"]}


def test_a_grade_that_rewrites_weights_fails_the_test_button(course, exercises, monkeypatch):
    from exgen.exporters import prairielearn

    bank, out = course
    data, exercise = _new_variant(out, bank.id, exercises[0], 1)
    expected = _pl_test(data, exercise, "correct")
    real = prairielearn.pl_grade

    def rewrites(d, e):  # the old export: partial_scores weights set to the part's points
        real(d, e)
        for value in d["partial_scores"].values():
            value["weight"] = value["weight"] / 3
    monkeypatch.setattr(prairielearn, "pl_grade", rewrites)
    got = _submit(data, exercise, expected["raw_submitted_answers"])
    assert "partial_scores" in compare_test_results(expected, got)


def test_a_phase_that_changes_a_forbidden_key_is_caught():
    assert illegal_changes("test", {"params": {"a": 1}}, {"params": {"a": 2}}) == ["params"]
    assert illegal_changes("parse", {"score": 0.0}, {"score": 1.0}) == ["score"]
    assert illegal_changes("grade", {"score": 0.0}, {"score": 1.0}) == []


def matrix_answer_problems(correct_answers: dict, names: list[str]) -> list[str]:
    """pl-matrix-input.py grade(): ``a_tru = np.array(pl.from_json(correct_answers[name]))`` must have
    ndim == 2, else ValueError("true answer must be a 2D array") breaks every submission."""
    import numpy as np

    out = []
    for name in names:
        value = correct_answers[name]
        array = np.array(value["_value"] if isinstance(value, dict) else value, dtype=float)
        if array.ndim != 2:
            out.append(f"{name}: {array.ndim}-D")
    return out


def test_vector_parts_send_a_2d_correct_answer(course):
    bank, out = course
    seen_vector = False
    for ex in bank.exercises:
        if ex.type not in ("gradient", "matmul", "matrix_basics", "backprop_node", "dot_product"):
            continue
        data, _ = _new_variant(out, bank.id, ex.id, 3)
        page = (out / "questions" / bank.id / ex.id / "question.html").read_text()
        names = [a["answers-name"] for t, a in pl_elements(page) if t == "pl-matrix-input"
                 and a["answers-name"] in data["correct_answers"]]
        assert matrix_answer_problems(data["correct_answers"], names) == [], ex.id
        from exgen.instance import Instance

        parts = Instance.from_dict(data["params"]["exgen"]).parts
        seen_vector |= any(p.kind == "matrix" and not isinstance(p.answer[0], (list, tuple)) for p in parts)
        if seen_vector and names:
            broken = {n: {**data["correct_answers"][n], "_value": data["correct_answers"][n]["_value"][0]}
                      for n in names}
            assert matrix_answer_problems(broken, names)
    assert seen_vector, "no vector part was drawn: the 2-D rule was not exercised"


def test_parse_accepts_every_documented_matrix_form_and_flags_unreadable_text(course):
    from exgen.exporters.prairielearn import pl_name, pl_parse
    from exgen.instance import Instance

    bank, out = course
    ex = next(e for e in bank.exercises if e.type == "matmul")
    data, exercise = _new_variant(out, bank.id, ex.id, 5)
    inst = Instance.from_dict(data["params"]["exgen"])
    part = next(p for p in inst.parts if p.kind == "matrix")
    rows = [[float(x) for x in r] for r in part.answer]
    name = pl_name(part)
    forms = ["; ".join(" ".join(f"{x:g}" for x in r) for r in rows), "\n".join(" ".join(f"{x:g}" for x in r) for r in rows),
             "[" + "; ".join(" ".join(f"{x:g}" for x in r) for r in rows) + "]"]
    for text in forms:
        # pl-matrix-input's parse() refuses text without brackets (conversion_utils.py: string_to_2darray)
        sub = {"params": data["params"], "correct_answers": data["correct_answers"],
               "raw_submitted_answers": {name: text}, "submitted_answers": {name: None},
               "format_errors": {name: "Invalid format (missing square brackets ...)."}}
        pl_parse(sub, exercise)
        assert name not in sub["format_errors"], text
        assert sub["submitted_answers"][name]["_value"] == rows, text
    sub = {"params": data["params"], "correct_answers": data["correct_answers"],
           "raw_submitted_answers": {name: "[[1, 2], [3"}, "submitted_answers": {}, "format_errors": {}}
    pl_parse(sub, exercise)
    assert name in sub["format_errors"]
    shape = next((p for p in inst.parts if p.kind == "shape"), None)
    if shape is not None:  # pl-string-input takes any text; exgen's reader makes "(2, ?)" a format error
        sub = {"params": data["params"], "correct_answers": data["correct_answers"],
               "raw_submitted_answers": {pl_name(shape): "(2, ?)"}, "submitted_answers": {}, "format_errors": {}}
        pl_parse(sub, exercise)
        assert pl_name(shape) in sub["format_errors"]


def test_a_fresh_course_syncs_and_its_json_validates(course):
    bank, out = course
    for rel, schema in (("infoCourse.json", "infoCourse.json"),
                        ("courseInstances/exgen/infoCourseInstance.json", "infoCourseInstance.json"),
                        (f"courseInstances/exgen/assessments/{bank.id}/infoAssessment.json", "infoAssessment.json")):
        validator = jsonschema.Draft7Validator(json.loads(schema_path("prairielearn", "src-schemas", schema).read_text()))
        doc = json.loads((out / rel).read_text())
        assert list(validator.iter_errors(doc)) == [], rel
        broken = {k: v for k, v in doc.items() if k != "uuid" and k != "name"}
        broken["title" if "title" in doc else "longName"] = 3
        assert list(validator.iter_errors(broken)), rel
    course_doc = json.loads((out / "infoCourse.json").read_text())
    topics = {t["name"] for t in course_doc["topics"]}
    for info in (out / "questions" / bank.id).glob("*/info.json"):
        assert json.loads(info.read_text())["topic"] in topics  # a question's topic must be declared
    assessment = json.loads((out / f"courseInstances/exgen/assessments/{bank.id}/infoAssessment.json").read_text())
    listed = {q["id"] for z in assessment["zones"] for q in z["questions"]}
    assert listed == {f"{bank.id}/{e.id}" for e in bank.exercises}
    assert all((out / "questions" / qid / "info.json").is_file() for qid in listed)


def test_an_existing_course_keeps_its_own_files(tmp_path):
    from dataclasses import replace

    from exgen.exporters.prairielearn import EXPORTER

    bank = all_families_bank()
    small = replace(bank, exercises=bank.exercises[:1])
    (tmp_path / "infoCourse.json").write_text('{"name": "mine"}')
    EXPORTER.export(small, seed=1, out=str(tmp_path))
    assert (tmp_path / "infoCourse.json").read_text() == '{"name": "mine"}'
    assert not (tmp_path / "courseInstances").exists()
    assert "infoAssessment.json" in (tmp_path / "questions" / small.id / "README.md").read_text()
