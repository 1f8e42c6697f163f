"""`exgen generate` writes nothing outside --out: run with an empty $HOME and no XDG folders, then look."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_generate(tmp_path: Path, formats: str) -> tuple[subprocess.CompletedProcess, Path]:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "MPLCONFIGDIR", "TEXMF"))}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = subprocess.run([sys.executable, "-m", "exgen", "generate", "--count", "2", "--format", formats,
                           "--out", "out", "-q"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "out"])
    return proc, home


@pytest.mark.integration
def test_generate_writes_nothing_in_home(tmp_path):
    proc, home = run_generate(tmp_path, "md,tex,html")
    assert proc.returncode == 0, proc.stderr
    assert list(home.iterdir()) == []
    assert not [p for p in (tmp_path / "out").rglob(".*")]


@pytest.mark.integration
@pytest.mark.needs("pdflatex", why="PDF worksheets")
def test_generate_pdf_writes_nothing_in_home(tmp_path):
    proc, home = run_generate(tmp_path, "pdf")
    assert proc.returncode == 0, proc.stderr
    assert list(home.iterdir()) == []


def test_generate_and_grade_in_this_process_write_nothing_in_home(tmp_path, monkeypatch):
    """The quick check of the same promise: caches made while a run works (not while modules are first
    imported, which only a fresh process shows, above) go under --out or nowhere, for generate and for grade
    with its report and charts."""
    import exgen

    home = tmp_path / "home"
    home.mkdir()
    for name in [n for n in os.environ if n.startswith(("XDG_", "MPLCONFIGDIR", "TEXMF"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    made = exgen.generate("backprop_node", students=2, formats="md,tex,html", out=tmp_path / "out")
    (tmp_path / "s.json").write_text(json.dumps({"student": made.students[0].id, "answers": {}}), encoding="utf-8")
    graded = exgen.grade(tmp_path / "s.json", key=made.out, out=tmp_path / "graded",
                         formats="csv,json,feedback,report")
    assert {"report.md", "totals.png"} <= set(graded.files)
    assert list(home.iterdir()) == []
    assert not [p for p in (tmp_path / "out").rglob(".*")] and not [p for p in (tmp_path / "graded").rglob(".*")]
