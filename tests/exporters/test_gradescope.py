"""Gradescope export: the autograder zip runs as Gradescope runs it, in an /autograder-shaped folder.

results.json is validated against docs/gradescope-results.schema.json (our schema, written from
gradescope/autograder_samples:docs/specs.md, since Gradescope publishes none).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import jsonschema
import pytest

from tests.exporters.helpers import REPO

BANK = REPO / "exercise_banks" / "dl-math-basics.yaml"
EMAIL = "ada@example.edu"
ROSTER = f"id,name\n{EMAIL},Ada Lovelace\nbob@example.edu,Bob\n"


@pytest.fixture(params=["in-process", pytest.param("run_autograder", marks=pytest.mark.integration)])
def how(request) -> str:
    """How a submission is graded: by run_autograder in a fresh interpreter, as Gradescope does
    (integration), or, in the quick subset, by the entry point it runs, called in this process."""
    return request.param


@pytest.fixture(scope="module")
def results_validator():
    schema = json.loads((REPO / "docs" / "gradescope-results.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def key_path(tmp_path_factory) -> Path:
    """The answer key of the worksheets: what exgen generate wrote for the class."""
    import exgen

    tmp = tmp_path_factory.mktemp("class")
    (tmp / "class.csv").write_text(ROSTER)
    exgen.generate(BANK, students=tmp / "class.csv", formats="md", out=tmp / "week1")
    return tmp / "week1" / "answer_key.json"


@pytest.fixture(scope="module")
def zip_bytes(key_path):
    from exgen.bank.spec import load_bank
    from exgen.exporters.gradescope import build_autograder

    bank = load_bank(BANK)
    return build_autograder(bank, seed=bank.seed, key=str(key_path))


def _instances(key_path: Path, student: str = EMAIL):
    from exgen.build.keyfile import load_key

    return load_key(key_path)["students"][student]["exercises"]


def _key_answers(key_path: Path, *, wrong_first: bool = False) -> dict:
    """Return EMAIL's key, from the stored answer key, typed as a student would (optionally the first part wrong)."""
    from exgen.answers import get_kind

    answers: dict = {}
    for i, inst in enumerate(_instances(key_path)):
        for j, part in enumerate(inst.parts):
            text = get_kind(part.kind).typed(part.answer, part)
            answers.setdefault(inst.exercise_id, {})[part.id] = "(99, 99)" if wrong_first and i == j == 0 else text
    return answers


def _autograder(tmp: Path, zip_data: bytes) -> Path:
    """Unzip like Gradescope: contents to <root>/source, run_autograder copied to <root>."""
    root = tmp / "autograder"
    (root / "source").mkdir(parents=True)
    zip_path = tmp / "autograder.zip"
    zip_path.write_bytes(zip_data)
    with zipfile.ZipFile(zip_path) as zf:
        assert {"setup.sh", "run_autograder"} <= set(zf.namelist())  # at the zip's root
        zf.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / name, 0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission_metadata.json").write_text(json.dumps(
        {"id": 1, "users": [{"email": EMAIL, "id": 42, "name": "Ada"}], "assignment": {"title": "Week 1"}}))
    return root


def _submit(root: Path, files: dict[str, str]) -> None:
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir()
    for name, text in files.items():
        (root / "submission" / name).write_text(text)


def _run(root: Path, env: dict, how: str = "run_autograder") -> dict:
    if how == "in-process":  # what run_autograder runs: python -m exgen.exporters.autograder_main --root
        from exgen.exporters.autograder_main import main

        assert main(["--root", str(root)]) == 0
    else:
        proc = subprocess.run(["bash", str(root / "run_autograder")], env=env, cwd=str(root.parent),
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((root / "results" / "results.json").read_text())


def _check_all_cases(root: Path, env: dict, validator, key_path: Path, how: str = "run_autograder") -> None:
    import yaml

    n_parts = sum(len(v) for v in _key_answers(key_path).values())
    # correct
    _submit(root, {"answers.yaml": yaml.safe_dump({"student": EMAIL, "answers": _key_answers(key_path)})})
    res = _run(root, env, how)
    validator.validate(res)
    assert len(res["tests"]) == n_parts
    assert res["score"] == pytest.approx(sum(t["max_score"] for t in res["tests"]), abs=0.01)
    assert all(t["score"] == t["max_score"] and t["output"].startswith("**Correct:**") for t in res["tests"])
    assert all({"name", "score", "max_score", "output", "visibility"} <= set(t) for t in res["tests"])
    # partly wrong, as JSON
    _submit(root, {"answers.json": json.dumps({"answers": _key_answers(key_path, wrong_first=True)})})
    res = _run(root, env, how)
    validator.validate(res)
    assert res["tests"][0]["score"] == 0 and "(99, 99)" in res["tests"][0]["output"]
    assert res["score"] == pytest.approx(sum(t["max_score"] for t in res["tests"]) - res["tests"][0]["max_score"],
                                         abs=0.01)
    # malformed
    _submit(root, {"answers.yaml": "answers: [1, 2\n  dot: {"})
    res = _run(root, env, how)
    validator.validate(res)
    assert res["score"] == 0 and "could not be graded" in res["output"] and "invalid YAML" in res["output"]
    assert len(res["tests"]) == n_parts and all(t["score"] == 0 for t in res["tests"])
    # missing
    _submit(root, {"notes.txt": "I forgot"})
    res = _run(root, env, how)
    validator.validate(res)
    assert res["score"] == 0 and "No answers file found" in res["output"] and "notes.txt" in res["output"]
    assert res["output"].count("Upload one file") == 1  # said once, not twice


def _env(root: Path) -> dict:
    return {**os.environ, "EXGEN_AUTOGRADER_ROOT": str(root), "EXGEN_PYTHON": sys.executable, "PYTHONPATH": str(REPO)}


def test_autograder_grades_from_the_checkout(tmp_path, zip_bytes, results_validator, key_path, how):
    """Fast path: run_autograder with exgen from this checkout (PYTHONPATH) on all four submissions."""
    root = _autograder(tmp_path, zip_bytes)
    _check_all_cases(root, _env(root), results_validator, key_path, how)


def test_internal_errors_still_write_results(tmp_path, zip_bytes, results_validator, how):
    root = _autograder(tmp_path, zip_bytes)
    (root / "submission_metadata.json").write_text("{not json")
    _submit(root, {"answers.yaml": "answers: {}"})
    env = {**os.environ, "EXGEN_AUTOGRADER_ROOT": str(root), "EXGEN_PYTHON": sys.executable, "PYTHONPATH": str(REPO)}
    res = _run(root, env, how)
    results_validator.validate(res)
    assert res["score"] == 0 and "internal error" in res["output"]


def test_run_autograder_writes_a_result_when_exgen_cannot_start(tmp_path, zip_bytes, results_validator):
    """run_autograder's shell fallback (no Python process is started: quick)."""
    root = _autograder(tmp_path, zip_bytes)
    _submit(root, {"answers.yaml": "answers: {}"})
    env = {**os.environ, "EXGEN_AUTOGRADER_ROOT": str(root), "EXGEN_PYTHON": "/bin/false"}
    res = _run(root, env)
    results_validator.validate(res)
    assert res["score"] == 0 and "could not start" in res["output"]


@pytest.mark.slow
def test_setup_sh_installs_the_bundled_wheel_and_grades(tmp_path, zip_bytes, results_validator, key_path):
    """As Gradescope does: setup.sh installs exgen into a fresh venv, then run_autograder grades with it."""
    import sysconfig

    root = _autograder(tmp_path, zip_bytes)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # Offline, the pinned requirements are "already satisfied" by this interpreter's packages (the very versions
    # pinned): a .pth puts them on the new venv's path; setup.sh reinstalls exgen itself from the bundled wheel.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "host-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(EXGEN_AUTOGRADER_SOURCE=str(root / "source"), EXGEN_PYTHON=str(python),
               EXGEN_PIP_ARGS="--no-index --quiet", EXGEN_AUTOGRADER_ROOT=str(root))
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, cwd=str(tmp_path),
                           capture_output=True, text=True, timeout=600)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    where = subprocess.run([str(python), "-c", "import exgen; print(exgen.__file__)"], env=env, cwd=str(tmp_path),
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(env_dir)), where  # the installed wheel, not the checkout
    _check_all_cases(root, env, results_validator, key_path)


def test_zip_layout_and_determinism(zip_bytes, key_path):
    from exgen.bank.spec import load_bank
    from exgen.exporters.gradescope import build_autograder

    with zipfile.ZipFile(__import__("io").BytesIO(zip_bytes)) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in zf.infolist())
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        config = json.loads(zf.read("exgen_autograder/config.json"))
        assert config["student_key"] == "email" and config["seed"] == 2026 and config["key_file"] == "key.json"
        assert zf.read("exgen_autograder/key.json") == key_path.read_bytes()  # the worksheets' key, as it is
        assert not any(n.endswith("bank.yaml") for n in names)  # nothing to draw from again
        wheel = next(n for n in names if n.endswith(".whl"))
        with zipfile.ZipFile(__import__("io").BytesIO(zf.read(wheel))) as whl:
            inner = whl.namelist()
            assert "exgen/exporters/autograder_main.py" in inner
            assert any(n.startswith("exgen/templates/markdown/") for n in inner)
            assert any(n.endswith(".dist-info/RECORD") for n in inner)
    bank = load_bank(BANK)  # built twice back to back (other files of the checkout may change meanwhile)
    assert build_autograder(bank, seed=7, key=str(key_path)) == build_autograder(bank, seed=7, key=str(key_path))


def test_broken_results_fail_the_schema(results_validator):
    good = {"score": 1.0, "tests": [{"name": "a", "score": 1, "max_score": 1, "visibility": "visible"}]}
    results_validator.validate(good)
    for bad in ({"tests": [{"name": "a"}]}, {**good, "visibility": "students"}, {**good, "score": "ten"},
                {**good, "tests": [{"name": "a", "score": 1, "status": "ok"}]}, {**good, "unknown": 1}):
        with pytest.raises(jsonschema.ValidationError):
            results_validator.validate(bad)


# --- the stored key, the metadata fields, the output format and the pinned requirements -----------------------

def _grade_with(root: Path, metadata: dict, answers: dict, how: str) -> dict:
    import yaml

    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    _submit(root, {"answers.yaml": yaml.safe_dump({"answers": answers})})
    return _run(root, _env(root), how)


def test_grading_uses_the_stored_key_never_a_new_draw(tmp_path, zip_bytes, key_path, how):
    """Change the stored key inside the unpacked autograder: the grade follows it, so nothing was drawn again."""
    root = _autograder(tmp_path, zip_bytes)
    stored = root / "source" / "exgen_autograder" / "key.json"
    doc = json.loads(stored.read_text())
    ada = next(s for s in doc["students"] if s["id"] == EMAIL)
    part = ada["exercises"][0]["parts"][0]
    answers = _key_answers(key_path)
    first_ex, first_part = ada["exercises"][0]["id"], part["id"]
    assert part["kind"] == "shape"  # the first exercise of dl-math-basics asks a shape
    part["answer"] = [77, 88]
    stored.write_text(json.dumps(doc))
    res = _grade_with(root, {"users": [{"email": EMAIL, "id": 1, "name": "Ada"}]}, answers, how)
    assert res["tests"][0]["score"] == 0  # the printed worksheet's key no longer matches the stored one
    answers[first_ex][first_part] = "(77, 88)"
    res = _grade_with(root, {"users": [{"email": EMAIL, "id": 1, "name": "Ada"}]}, answers, how)
    assert res["tests"][0]["score"] == res["tests"][0]["max_score"]


@pytest.mark.parametrize("email", ["Ada@Example.EDU", " ada@example.edu ", "ADA@EXAMPLE.EDU"])
def test_emails_match_without_regard_to_case(tmp_path, zip_bytes, key_path, email, results_validator, how):
    root = _autograder(tmp_path, zip_bytes)
    res = _grade_with(root, {"users": [{"email": email, "id": 1, "name": "Ada"}]}, _key_answers(key_path), how)
    results_validator.validate(res)
    assert res["score"] == pytest.approx(sum(t["max_score"] for t in res["tests"]), abs=0.01) and res["score"] > 0


def test_a_student_not_in_the_key_gets_a_clear_message(tmp_path, zip_bytes, key_path, results_validator, how):
    root = _autograder(tmp_path, zip_bytes)
    res = _grade_with(root, {"users": [{"email": "eve@example.edu", "id": 9, "name": "Eve"}]}, _key_answers(key_path), how)
    results_validator.validate(res)
    assert res["score"] == 0 and res["tests"] == []
    assert "eve@example.edu" in res["output"] and "not in this assignment" in res["output"]
    assert "internal error" not in res["output"]
    stdout = (root / "results" / "results.json").parent  # run_autograder's stdout goes to Gradescope's log
    assert stdout.is_dir()


def test_sid_key_without_a_sid_is_a_clear_message(tmp_path, key_path, results_validator, how):
    from exgen.bank.spec import load_bank
    from exgen.exporters.gradescope import build_autograder

    bank = load_bank(BANK)
    roster = tmp_path / "sids.csv"
    roster.write_text("id,name\n20261234,Ada\n")
    root = _autograder(tmp_path, build_autograder(bank, seed=bank.seed, roster=str(roster), student_key="sid"))
    res = _grade_with(root, {"users": [{"email": EMAIL, "id": 1, "name": "Ada"}]}, {}, how)
    results_validator.validate(res)
    assert res["score"] == 0 and "no student id (SID)" in res["output"] and "internal error" not in res["output"]
    res = _grade_with(root, {"users": [{"email": EMAIL, "id": 1, "name": "Ada", "sid": " 20261234 "}]}, {}, how)
    assert res["tests"] and all(t["score"] == 0 for t in res["tests"])  # found (by SID), nothing answered


def test_every_documented_metadata_field_is_read(tmp_path, zip_bytes, key_path, results_validator, how):
    """gradescope/autograder_samples docs/submission_metadata.md: a group submission with every field."""
    root = _autograder(tmp_path, zip_bytes)
    metadata = {
        "id": 123456, "created_at": "2026-01-05T10:00:00.000000-08:00", "submission_method": "upload",
        "assignment": {"due_date": "2026-01-10T23:59:00.000000-08:00", "group_size": 2, "group_submission": True,
                       "id": 25828, "course_id": 6, "late_due_date": None, "release_date": "2026-01-01T00:00:00",
                       "title": "Week 1", "total_points": "22.0", "outline": []},
        "users": [{"email": "Stranger@example.edu", "id": 7, "name": "Stranger", "sid": None,
                   "assigned_sections": ["A"]},
                  {"email": "Ada@Example.edu", "id": 8, "name": "Ada Lovelace", "sid": "S1", "assigned_sections": []}],
        "previous_submissions": [{"submission_time": "2026-01-04T10:00:00", "score": 3.0, "autograder_error": False,
                                  "results": {"score": 3.0, "tests": []}}],
    }
    res = _grade_with(root, metadata, _key_answers(key_path), how)
    results_validator.validate(res)
    assert res["score"] == pytest.approx(sum(t["max_score"] for t in res["tests"]), abs=0.01) and res["score"] > 0
    assert "Group submission" in res["output"] and "Ada Lovelace" in res["output"]


def test_feedback_is_markdown_without_raw_latex(tmp_path, zip_bytes, key_path, results_validator, how):
    root = _autograder(tmp_path, zip_bytes)
    answers = {ex.exercise_id: {p.id: _wrong(p) for p in ex.parts} for ex in _instances(key_path)}
    res = _grade_with(root, {"users": [{"email": EMAIL, "id": 1, "name": "Ada"}]}, answers, how)
    results_validator.validate(res)
    assert res["output_format"] == "md" and res["test_output_format"] == "md"
    outputs = [t["output"] for t in res["tests"]]
    assert any("Your answer: `" in o for o in outputs)
    for text in outputs:
        prose = re.sub(r"`[^`]*`", "", text)
        assert "$" not in prose and not re.search(r"\\\\[A-Za-z]{2,}", prose), text


def _wrong(part) -> str:
    from exgen.answers import get_kind

    own = [w for w in part.wrong_answers if w.kind in (None, part.kind)]
    return get_kind(part.kind).typed(own[0].value, part) if own else "zzz"


def test_markdown_helpers_escape_and_convert():
    from exgen.exporters.autograder_main import md_code, md_text

    assert md_text("Use $\\frac{\\partial L}{\\partial W} = x^\\top g$ *not* [this]") == \
        "Use (∂ L)/(∂ W) = xᵀ g \\*not\\* \\[this\\]"
    assert md_code("2*x*y") == "`2*x*y`" and md_code("a`b") == "`` a`b ``"


def test_requirements_are_pinned_to_the_versions_it_was_built_with(zip_bytes):
    from importlib import metadata

    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        lines = [ln for ln in zf.read("exgen_autograder/requirements.txt").decode().splitlines()
                 if ln and not ln.startswith("#")]
        setup = zf.read("setup.sh").decode()
    pins = dict(ln.split("==") for ln in lines)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+", ln) for ln in lines)
    assert {"numpy", "sympy", "PyYAML", "click", "Jinja2"} <= set(pins) or {"numpy", "sympy"} <= set(pins)
    for name, version in pins.items():
        assert metadata.version(name) == version
    assert "-r \"$SOURCE\"/exgen_autograder/requirements.txt" in setup and "--no-deps" in setup
    broken = lines + ["numpy>=1.24"]
    assert not all(re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+", ln) for ln in broken)


def test_export_needs_a_key_or_a_roster(tmp_path, key_path):
    import exgen
    from exgen.errors import ExgenError

    with pytest.raises(ExgenError, match="--key .* or --roster"):
        exgen.export("gradescope", BANK, out=tmp_path / "a.zip")
    with pytest.raises(ExgenError, match="not 'dot_product'"):
        exgen.export("gradescope", "dot_product", key=str(key_path), out=tmp_path / "b.zip")
    clash = tmp_path / "clash.csv"
    clash.write_text("id,name\nAda@x.org,A\nada@x.org,B\n")
    with pytest.raises(ExgenError, match="same Gradescope email"):
        exgen.export("gradescope", BANK, roster=str(clash), out=tmp_path / "c.zip")


# --- a key store: shipped as it is, read one student per submission ------------------------------------------

@pytest.fixture(scope="module")
def store_zip(key_path):
    from exgen.bank.spec import load_bank
    from exgen.exporters.gradescope import build_autograder

    bank = load_bank(BANK)
    return build_autograder(bank, seed=bank.seed, key=str(key_path.parent))  # the folder: its answer_key.sqlite


def test_a_key_store_is_shipped_as_it_is(store_zip, key_path):
    with zipfile.ZipFile(__import__("io").BytesIO(store_zip)) as zf:
        config = json.loads(zf.read("exgen_autograder/config.json"))
        assert config["key_file"] == "key.sqlite" and config["students"] == len(ROSTER.strip().splitlines()) - 1
        assert zf.read("exgen_autograder/key.sqlite") == (key_path.parent / "answer_key.sqlite").read_bytes()
        assert "exgen_autograder/key.json" not in zf.namelist()
        assert "exgen_autograder/key.sqlite" in zf.read("README.txt").decode()


def test_grading_against_a_shipped_key_store(tmp_path, store_zip, key_path, results_validator, how):
    root = _autograder(tmp_path, store_zip)
    res = _grade_with(root, {"users": [{"email": EMAIL.upper(), "id": 1, "name": "Ada"}]}, _key_answers(key_path), how)
    results_validator.validate(res)
    assert res["score"] == pytest.approx(sum(t["max_score"] for t in res["tests"]), abs=0.01) and res["score"] > 0
    wrong = _grade_with(root, {"users": [{"email": EMAIL, "id": 1, "name": "Ada"}]},
                        _key_answers(key_path, wrong_first=True), how)
    assert wrong["tests"][0]["score"] < wrong["tests"][0]["max_score"]
    eve = _grade_with(root, {"users": [{"email": "eve@example.edu", "id": 9, "name": "Eve"}]}, {}, how)
    assert eve["score"] == 0 and "not in this assignment" in eve["output"]


def test_a_key_store_of_another_bank_is_refused(key_path):
    from exgen.api import resolve_bank
    from exgen.errors import ExgenError
    from exgen.exporters.gradescope import build_autograder

    with pytest.raises(ExgenError, match="generated from bank 'dl-math-basics', not 'dot_product'"):
        build_autograder(resolve_bank("dot_product"), seed=1, key=str(key_path.parent / "answer_key.sqlite"))
