"""A wheel built from the repo works when installed outside it (templates and banks included)."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return next(dist.glob("exgen-*.whl"))


def test_wheel_contains_templates_and_banks(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "exgen/templates/markdown/worksheet.md.j2" in names
    assert "exgen/templates/latex/_body.tex.j2" in names
    assert "exgen/exercise_banks/dl-math-basics.yaml" in names
    assert not any(n.startswith("tests/") for n in names)


def test_installed_outside_the_repo_generates(wheel, tmp_path):
    venv = tmp_path / "venv"
    # System site-packages provide numpy, sympy, ... so the test needs no downloads; exgen itself comes
    # only from the wheel, and runs from a folder outside the repo.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
                   check=True, timeout=600)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(py), "-c", "import exgen; print(exgen.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert str(venv) in where and str(ROOT) not in where
    exe = venv / "bin" / "exgen"
    proc = subprocess.run([str(exe), "generate", "--count", "3", "--out", "DIR"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = work / "DIR"
    for fmt in ("md", "tex"):
        docs = sorted((out / fmt).iterdir())
        assert len(docs) == 6
    key = json.loads((out / "answer_key.json").read_text())
    assert len(key["students"]) == 3
    import jsonschema
    jsonschema.validate(key, json.loads((ROOT / "docs" / "answer-key.schema.json").read_text()))
    proc = subprocess.run([str(py), "-m", "exgen", "--help"], cwd=work, env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and "exgen generate" in proc.stdout
    shutil.rmtree(venv)
