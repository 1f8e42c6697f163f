"""Grading one submission (what an autograder does, one process per submission) loads only what grading
needs: no PyYAML for a plain submission, no numpy.random, no class report, no renderer, no CAS.

Each module left out here was measured as a share of that process's start-up (docs/benchmarks.md, #17);
the test keeps them out, so a stray top-level import shows up as a failure, not as a slower autograder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import exgen
from exgen.answers import get_kind
from exgen.build.keystore import KeyStore

ROOT = Path(__file__).resolve().parents[2]
NOT_LOADED = ["yaml", "numpy.random", "hashlib", "pkgutil", "exgen.grading.report",
              "exgen.render", "exgen.render.formats", "exgen.types", "exgen.exporters", "matplotlib", "jinja2",
              "sympy", "mpmath", "click"]


@pytest.fixture(scope="module")
def one_student(tmp_path_factory):
    out = tmp_path_factory.mktemp("cold")
    exgen.generate("dl-math-basics", students=1, formats="md", out=out / "gen")
    key = out / "gen" / "answer_key.sqlite"
    store = KeyStore(key)
    sid = store.ids()[0]
    lines = ["# answers", f"student: {sid}", "answers:"]
    for inst in store.student(sid)["exercises"]:
        for part in inst.parts:
            lines.append(f"  {inst.exercise_id}.{part.id}: {json.dumps(get_kind(part.kind).typed(part.answer, part))}")
    sub = out / "s.yaml"
    sub.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return key, sub


def test_grading_one_plain_submission_loads_only_what_grading_needs(one_student, tmp_path):
    key, sub = one_student
    code = (f"import sys, exgen; r = exgen.grade({str(sub)!r}, key={str(key)!r}, out={str(tmp_path / 'o')!r}, "
            "formats='json,feedback'); "
            f"print(r.results.students[0].total == r.results.students[0].max_points, "
            f"sorted(m for m in {NOT_LOADED!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "True []", out.stdout + out.stderr


def test_exgen_grade_on_the_command_line_loads_no_more(one_student, tmp_path):
    key, sub = one_student
    code = ("import sys; sys.argv = ['exgen', 'grade', '--key', sys.argv[1], sys.argv[2], '--out', sys.argv[3], "
            "'--format', 'json,feedback', '-q']\n"
            "from exgen.cli import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
            f"print(code, sorted(m for m in {[m for m in NOT_LOADED if m != 'click']!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(key), str(sub), str(tmp_path / "o")], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "0 []", out.stdout + out.stderr
