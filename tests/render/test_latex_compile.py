"""The LaTeX worksheets and keys compile with pdflatex (CI installs TeX Live from Debian's packages)."""

import subprocess

import pytest

from exgen.cli import main

pytestmark = [pytest.mark.integration,
              pytest.mark.needs("pdflatex", "pdftotext", why="CI installs TeX Live and poppler-utils; see .ci/run")]


def compile_tex(path):
    proc = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                           path.name], cwd=path.parent, capture_output=True, text=True, timeout=300)
    errors = [line for line in proc.stdout.splitlines() if line.startswith("!")]
    assert proc.returncode == 0 and not errors, f"{path.name}: {errors[:3]}\n{proc.stdout[-2000:]}"
    assert path.with_suffix(".pdf").stat().st_size > 1000


def test_default_bank_worksheet_and_key_compile(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("id,name\ns1,\"O'Brien & \\input{/etc/passwd} <script> 100% #1 $x$ ~_^{}\"\n")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(["generate", "--roster", str(roster), "--format", "tex", "--out", str(out), "-q"])
    assert info.value.code == 0
    for doc in ("worksheet", "key"):
        compile_tex(out / "tex" / f"s1-{doc}.tex")
    text = subprocess.run(["pdftotext", str(out / "tex" / "s1-worksheet.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "\\input{/etc/passwd}" in text and "100% #1 $x$" in text


@pytest.mark.parametrize("bank", ["matrix_basics", "dot_product", "matmul"])
def test_example_banks_compile(tmp_path, bank):
    out = tmp_path / "out"
    with pytest.raises(SystemExit):
        main(["generate", bank, "--format", "tex", "--out", str(out), "-q"])
    compile_tex(out / "tex" / "student-001-key.tex")
