"""Gradescope export: the autograder zip runs as Gradescope runs it, in an /autograder-shaped folder.

results.json is validated against docs/gradescope-results.schema.json (our schema, written from
gradescope/autograder_samples:docs/specs.md, since Gradescope publishes none).
"""

from __future__ import annotations

import json
import os
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


@pytest.fixture(scope="module")
def results_validator():
    schema = json.loads((REPO / "docs" / "gradescope-results.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def zip_bytes():
    from exgen.bank.spec import load_bank
    from exgen.exporters.gradescope import build_autograder

    bank = load_bank(BANK)
    return build_autograder(bank, bank_path=BANK, seed=bank.seed)


def _key_answers(*, wrong_first: bool = False) -> dict:
    """Return the key of EMAIL's variant typed as a student would (optionally the first part wrong)."""
    from exgen.answers import get_kind
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import build_student

    bank = load_bank(BANK)
    answers: dict = {}
    for i, inst in enumerate(build_student(bank, seed=bank.seed, student_id=EMAIL)):
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


def _run(root: Path, env: dict) -> dict:
    proc = subprocess.run(["bash", str(root / "run_autograder")], env=env, cwd=str(root.parent),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((root / "results" / "results.json").read_text())


def _check_all_cases(root: Path, env: dict, validator) -> None:
    import yaml

    n_parts = sum(len(v) for v in _key_answers().values())
    # correct
    _submit(root, {"answers.yaml": yaml.safe_dump({"student": EMAIL, "answers": _key_answers()})})
    res = _run(root, env)
    validator.validate(res)
    assert len(res["tests"]) == n_parts
    assert res["score"] == pytest.approx(sum(t["max_score"] for t in res["tests"]), abs=0.01)
    assert all(t["score"] == t["max_score"] and t["output"].startswith("Correct") for t in res["tests"])
    assert all({"name", "score", "max_score", "output", "visibility"} <= set(t) for t in res["tests"])
    # partly wrong, as JSON
    _submit(root, {"answers.json": json.dumps({"answers": _key_answers(wrong_first=True)})})
    res = _run(root, env)
    validator.validate(res)
    assert res["tests"][0]["score"] == 0 and "(99, 99)" in res["tests"][0]["output"]
    assert res["score"] == pytest.approx(sum(t["max_score"] for t in res["tests"]) - res["tests"][0]["max_score"],
                                         abs=0.01)
    # malformed
    _submit(root, {"answers.yaml": "answers: [1, 2\n  dot: {"})
    res = _run(root, env)
    validator.validate(res)
    assert res["score"] == 0 and "could not be graded" in res["output"] and "invalid YAML" in res["output"]
    assert len(res["tests"]) == n_parts and all(t["score"] == 0 for t in res["tests"])
    # missing
    _submit(root, {"notes.txt": "I forgot"})
    res = _run(root, env)
    validator.validate(res)
    assert res["score"] == 0 and "No answers file found" in res["output"] and "notes.txt" in res["output"]


def test_autograder_grades_from_the_checkout(tmp_path, zip_bytes, results_validator):
    """Fast path: run_autograder with exgen from this checkout (PYTHONPATH) on all four submissions."""
    root = _autograder(tmp_path, zip_bytes)
    env = {**os.environ, "EXGEN_AUTOGRADER_ROOT": str(root), "EXGEN_PYTHON": sys.executable, "PYTHONPATH": str(REPO)}
    _check_all_cases(root, env, results_validator)


def test_internal_errors_still_write_results(tmp_path, zip_bytes, results_validator):
    root = _autograder(tmp_path, zip_bytes)
    (root / "submission_metadata.json").write_text("{not json")
    _submit(root, {"answers.yaml": "answers: {}"})
    env = {**os.environ, "EXGEN_AUTOGRADER_ROOT": str(root), "EXGEN_PYTHON": sys.executable, "PYTHONPATH": str(REPO)}
    res = _run(root, env)
    results_validator.validate(res)
    assert res["score"] == 0 and "internal error" in res["output"]
    # exgen cannot even start: run_autograder's shell fallback still writes a result
    env["EXGEN_PYTHON"] = "/bin/false"
    res = _run(root, env)
    results_validator.validate(res)
    assert res["score"] == 0


@pytest.mark.slow
def test_setup_sh_installs_the_bundled_wheel_and_grades(tmp_path, zip_bytes, results_validator):
    """As Gradescope does: setup.sh installs exgen into a fresh venv, then run_autograder grades with it."""
    root = _autograder(tmp_path, zip_bytes)
    env_dir = tmp_path / "venv"
    # numpy etc. come from the host; --force-reinstall keeps an exgen that CI installed on the host from
    # satisfying the requirement, so the venv really gets the bundled wheel.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(EXGEN_AUTOGRADER_SOURCE=str(root / "source"), EXGEN_PYTHON=str(python),
               EXGEN_PIP_ARGS="--no-index --quiet --force-reinstall --no-deps", EXGEN_AUTOGRADER_ROOT=str(root))
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, cwd=str(tmp_path),
                           capture_output=True, text=True, timeout=600)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    where = subprocess.run([str(python), "-c", "import exgen; print(exgen.__file__)"], env=env, cwd=str(tmp_path),
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(env_dir)), where  # the installed wheel, not the checkout
    _check_all_cases(root, env, results_validator)


def test_zip_layout_and_determinism(zip_bytes):
    from exgen.bank.spec import load_bank
    from exgen.exporters.gradescope import build_autograder

    with zipfile.ZipFile(__import__("io").BytesIO(zip_bytes)) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in zf.infolist())
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        config = json.loads(zf.read("exgen_autograder/config.json"))
        assert config["student_key"] == "email" and config["seed"] == 2026
        wheel = next(n for n in names if n.endswith(".whl"))
        with zipfile.ZipFile(__import__("io").BytesIO(zf.read(wheel))) as whl:
            inner = whl.namelist()
            assert "exgen/exporters/autograder_main.py" in inner
            assert any(n.startswith("exgen/templates/markdown/") for n in inner)
            assert any(n.endswith(".dist-info/RECORD") for n in inner)
    bank = load_bank(BANK)  # built twice back to back (other files of the checkout may change meanwhile)
    assert build_autograder(bank, bank_path=BANK, seed=7) == build_autograder(bank, bank_path=BANK, seed=7)


def test_broken_results_fail_the_schema(results_validator):
    good = {"score": 1.0, "tests": [{"name": "a", "score": 1, "max_score": 1, "visibility": "visible"}]}
    results_validator.validate(good)
    for bad in ({"tests": [{"name": "a"}]}, {**good, "visibility": "students"}, {**good, "score": "ten"},
                {**good, "tests": [{"name": "a", "score": 1, "status": "ok"}]}, {**good, "unknown": 1}):
        with pytest.raises(jsonschema.ValidationError):
            results_validator.validate(bad)
