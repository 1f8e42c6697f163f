"""`exgen generate` end to end: files, schema, determinism, rosters, output safety."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exgen.cli import main
from tests.conftest import ROOT


def run(args, capsys=None):
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


def digest_tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generate_three_students_both_formats(tmp_path):
    out = tmp_path / "out"
    assert run(["generate", "--count", "3", "--out", str(out), "-q"]) == 0
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    expected = ["answer_key.json", "answer_key.sqlite"] + [f"{fmt}/student-00{i}-{doc}.{fmt}" for fmt in ("md", "tex")
                                      for i in (1, 2, 3) for doc in ("key", "worksheet")]
    assert names == sorted(expected)
    worksheets = [(out / f"md/student-00{i}-worksheet.md").read_text() for i in (1, 2, 3)]
    assert len(set(worksheets)) == 3
    bodies = [w.split("---", 1)[1] for w in worksheets]  # different exercises, not only different names
    assert len(set(bodies)) == 3
    assert "Answer:" in worksheets[0] and "Worked" not in worksheets[0]


def test_answer_key_validates_against_schema(tmp_path):
    import jsonschema
    out = tmp_path / "out"
    assert run(["generate", "--count", "2", "--out", str(out), "-q"]) == 0
    key = json.loads((out / "answer_key.json").read_text())
    schema = json.loads((ROOT / "docs" / "answer-key.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(key, schema)
    assert key["format"] == "exgen-key/1"
    assert [s["id"] for s in key["students"]] == ["student-001", "student-002"]
    broken = dict(key, format="exgen-key/0")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_key_regenerates_identically(tmp_path):
    """Grading uses the stored key, but regenerating from the seed must give the same key."""
    from exgen.bank.spec import load_bank
    from exgen.build.keyfile import load_key
    from exgen.build.pipeline import build_student
    from exgen.resources import builtin_banks

    out = tmp_path / "out"
    assert run(["generate", "--count", "2", "--seed", "99", "--out", str(out), "-q"]) == 0
    key = load_key(out / "answer_key.json")
    bank = load_bank(builtin_banks()["dl-math-basics"])
    for sid, entry in key["students"].items():
        assert entry["exercises"] == build_student(bank, seed=99, student_id=sid)


def _generate_subprocess(out: Path, hashseed: str, extra=()):
    env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "exgen", "generate", "--count", "3", "--out", str(out), *extra],
                   env=env, check=True, capture_output=True)


@pytest.mark.integration
def test_byte_identical_across_runs_and_hash_seeds(tmp_path):
    _generate_subprocess(tmp_path / "a", "0")
    _generate_subprocess(tmp_path / "b", "0")
    _generate_subprocess(tmp_path / "c", "4242")
    a, b, c = (digest_tree(tmp_path / x) for x in "abc")
    assert a == b == c and len(a) == 14


def test_seed_changes_everything(tmp_path):
    assert run(["generate", "--count", "1", "--out", str(tmp_path / "a"), "-q"]) == 0
    assert run(["generate", "--count", "1", "--seed", "1", "--out", str(tmp_path / "b"), "-q"]) == 0
    assert (tmp_path / "a/md/student-001-key.md").read_text() != (tmp_path / "b/md/student-001-key.md").read_text()


def test_existing_output_needs_force(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(["generate", "--out", str(out), "-q"]) == 0
    before = digest_tree(out)
    assert run(["generate", "--out", str(out), "--seed", "5", "-q"]) == 1
    err = capsys.readouterr().err
    assert "use --force" in err and "Traceback" not in err
    assert digest_tree(out) == before
    assert run(["generate", "--out", str(out), "--seed", "5", "--force", "-q"]) == 0
    assert digest_tree(out) != before


def test_roster_names_and_ids(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("id,name\ns001,Ada Lovelace\ns002,\"O'Brien & \\input{/etc/passwd} <script>\"\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    assert run(["generate", "--roster", str(roster), "--out", str(out), "-q"]) == 0
    md = (out / "md/s002-worksheet.md").read_text()
    tex = (out / "tex/s002-worksheet.tex").read_text()
    assert "O'Brien &amp; \\\\input{/etc/passwd} &lt;script&gt;" in md
    assert r"O\textquotesingle{}Brien \& \textbackslash{}input\{/etc/passwd\} <script>" in tex
    assert "\\input{/etc" not in tex


@pytest.mark.parametrize("bad_id,needle", [
    ("../evil", "not safe as a file name"), ("a/b", "not safe as a file name"), (".hidden", "not safe"),
    ("con..x", "not safe"), ("", "not safe"),
])
def test_unsafe_roster_ids_are_refused(tmp_path, capsys, bad_id, needle):
    roster = tmp_path / "class.csv"
    roster.write_text(f"id,name\ns001,Ann\n{bad_id},Bob\n")
    out = tmp_path / "out"
    assert run(["generate", "--roster", str(roster), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "class.csv:3:" in err and needle in err and "Traceback" not in err
    assert not out.exists()
    assert not (tmp_path / "evil-worksheet.md").exists()


def test_roster_problems(tmp_path, capsys):
    roster = tmp_path / "r.csv"
    roster.write_text("name,id\nAnn,s1\nBob,s1\n")
    assert run(["generate", "--roster", str(roster), "--out", str(tmp_path / "o")]) == 1
    assert "r.csv:3: duplicate student id 's1' (first on line 2)" in capsys.readouterr().err
    roster.write_text("student,email\n")
    assert run(["generate", "--roster", str(roster), "--out", str(tmp_path / "o")]) == 1
    assert "r.csv:1: expected a header with columns id and name" in capsys.readouterr().err


def test_usage_errors_exit_2(tmp_path, capsys):
    assert run(["generate", "--format", "docx", "--out", str(tmp_path / "o")]) == 2
    assert run(["generate", "--count", "0"]) == 2
    assert run(["generate", "--count", "2", "--roster", "x.csv"]) == 2
    assert run(["generate", "no-such-bank"]) == 2
    assert run(["preview", "dot_prodcut"]) == 2
    assert "did you mean 'dot_product'" in capsys.readouterr().err


def test_piped_output_lists_files(tmp_path, capsys):
    assert run(["generate", "--count", "1", "--format", "md", "--out", str(tmp_path / "o")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(Path(line).name for line in lines) == ["answer_key.json", "answer_key.sqlite", "student-001-key.md",
                                                         "student-001-worksheet.md"]


def test_list_and_preview(capsys):
    assert run(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("matrix_basics", "dot_product", "matmul", "dl-math-basics"):
        assert name in out
    assert run(["preview", "matmul", "--seed", "3", "--param", "m=2", "--param", "parts=[shape]"]) == 0
    text = capsys.readouterr().out
    assert "**Answer:**" in text and "shape of $AB$" in text
    assert run(["preview", "matmul", "--param", "m=9"]) == 2


def test_outputs_never_leave_the_folder(tmp_path):
    from exgen.errors import ExgenError
    from exgen.outputs import OutputDir

    out = OutputDir(tmp_path / "o")
    for bad in ("../x", "/etc/x", "a/../../x", "", "md/../../x"):
        with pytest.raises(ExgenError):
            out.write(bad, "x")
    (tmp_path / "o").mkdir(exist_ok=True)
    (tmp_path / "o" / "link").symlink_to(tmp_path)
    with pytest.raises(ExgenError):
        out.write("link/escaped.txt", "x")
    assert not (tmp_path / "escaped.txt").exists()
