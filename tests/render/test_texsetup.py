"""Which engine a document gets, what a machine lacks, and the one-line messages that say what to install.

These run without TeX: programs, TeX files and fonts are looked up through ``shutil.which`` and
``subprocess.run``, which the tests replace.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from exgen.errors import ExgenError
from exgen.render import texsetup
from exgen.render.texsetup import PDFLATEX, QPDF, XELATEX, check, engine_for, explain, first_error, missing

LATIN = ["Zoë Ångström", "O'Brien & Co", "Łukasz Żółć", "Çelik Straße", "José Núñez", "Søren Ærø", "#$%^_{}~\\",
         "Dr. 100% Smith_Jr", "Mehmet Yılmaz Ğü", "Ævar Þór Bjarnason", "François Lefèvre – “Frank”"]
OTHER = ["김민준", "王秀英", "山田花子", "さくら", "カタカナ太郎", "Nguyễn Văn Đức", "Γιώργος", "Дмитрий", "Ольга Σοφία",
         "محمد", "Zoe\u0308 (combining diaeresis)"]


@pytest.mark.parametrize("name", LATIN)
def test_latin_text_goes_to_pdflatex(name):
    assert engine_for(f"\\documentclass{{article}}\n{name}\n") is PDFLATEX


@pytest.mark.parametrize("name", OTHER)
def test_any_other_script_goes_to_xelatex(name):
    assert engine_for(f"Student: {name}") is XELATEX


class Machine:
    """A fake machine: the programs on PATH, the TeX files kpsewhich finds and the font families fc-list has."""

    def __init__(self, monkeypatch, *, programs=None, tex_files=None, fonts=None):
        every = {n.name for e in texsetup.ENGINES for n in e.needs} | {QPDF.name, "kpsewhich", "fc-list"}
        self.programs = every if programs is None else set(programs) | {"kpsewhich", "fc-list"}
        self.tex_files = every if tex_files is None else set(tex_files)
        self.fonts = every if fonts is None else set(fonts)
        self.calls: list[list[str]] = []
        monkeypatch.setattr(texsetup.shutil, "which", lambda name: f"/usr/bin/{name}" if name in self.programs else None)
        monkeypatch.setattr(texsetup.subprocess, "run", self.run)

    def run(self, cmd, **kwargs):
        self.calls.append(cmd)
        tool = Path(cmd[0]).name
        if tool == "kpsewhich":
            found = "".join(f"/usr/share/texmf/{name}\n" for name in cmd[1:] if name in self.tex_files)
            return subprocess.CompletedProcess(cmd, 0 if found else 1, stdout=found, stderr="")
        if tool == "fc-list":
            return subprocess.CompletedProcess(cmd, 0 if cmd[-1] in self.fonts else 1, stdout=b"", stderr=b"")
        raise AssertionError(f"unexpected command {cmd}")


def test_a_complete_machine_lacks_nothing(monkeypatch):
    machine = Machine(monkeypatch)
    check(["김민준", "Zoë"], assemble=True)
    kpse = [c for c in machine.calls if c[0].endswith("kpsewhich")]
    assert len(kpse) == 2  # one call per engine for all of its TeX files


def test_a_latin_class_never_asks_for_xelatex(monkeypatch):
    Machine(monkeypatch, programs={"pdflatex"}, fonts=set())
    check(LATIN)  # no xelatex, no CJK fonts, no qpdf: fine for Latin names without --combined


def test_a_korean_name_without_xelatex_names_every_missing_package_in_one_line(monkeypatch):
    Machine(monkeypatch, programs={"pdflatex"}, tex_files={n.name for n in PDFLATEX.needs}, fonts=set())
    with pytest.raises(ExgenError) as info:
        check(["Zoë", "김민준"])
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("PDF output with text outside Latin")
    for what in ("xelatex", "fontspec.sty", "kotex.sty", "font 'CMU Serif'", "font 'Noto Serif CJK KR'"):
        assert what in message
    assert message.endswith("(on Debian or Ubuntu: apt-get install texlive-xetex texlive-latex-recommended "
                            "texlive-lang-korean fonts-cmu fonts-noto-cjk)")


def test_missing_pdflatex_and_missing_qpdf_are_named(monkeypatch):
    Machine(monkeypatch, programs=set())
    with pytest.raises(ExgenError, match=r"^PDF output needs pdflatex, which is not installed \(on Debian or Ubuntu: "
                                         r"apt-get install texlive-latex-base\)$"):
        check(["Ada"])
    Machine(monkeypatch, programs={"pdflatex"})
    check(["Ada"])
    with pytest.raises(ExgenError, match=r"^a class PDF \(--combined\) needs qpdf, .*apt-get install qpdf\)$"):
        check(["Ada"], assemble=True)


def test_missing_tex_packages_are_found_with_one_kpsewhich_call(monkeypatch):
    machine = Machine(monkeypatch, tex_files={"fancyhdr.sty", "amssymb.sty", "lmodern.sty"})
    lacking = missing(PDFLATEX.needs)
    assert [n.name for n in lacking] == ["tikz.sty", "pgfplots.sty"]
    assert {n.package for n in lacking} == {"texlive-pictures"}
    assert sum(c[0].endswith("kpsewhich") for c in machine.calls) == 1


def test_generate_without_xelatex_writes_all_but_the_pdfs_and_names_the_package(monkeypatch, tmp_path):
    import exgen
    from exgen.bank.roster import Student
    from exgen.errors import IncompleteRun

    Machine(monkeypatch, programs={"pdflatex"}, fonts=set())
    out = tmp_path / "out"
    with pytest.raises(IncompleteRun, match="needs xelatex") as info:
        exgen.generate(students=[Student(id="s1", name="김민준")], formats="md,pdf", out=out)
    assert "apt-get install texlive-xetex" in str(info.value)
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["answer_key.json", "answer_key.sqlite", "md/s1-key.md", "md/s1-worksheet.md"]


# -- explaining TeX's failures --------------------------------------------------------------------------

def test_a_character_no_font_has_is_named_by_code_point_not_quoted():
    log = "Missing character: There is no \u0645 (U+0645) in font [lmroman10-regular]:mapping=tex-text;!\n! Missing"
    message = explain(log, XELATEX)
    assert message.startswith("no installed font has the character U+0645 (ARABIC LETTER MEEM)")
    assert "\u0645" not in message


def test_a_missing_style_file_or_font_names_its_package():
    assert explain("! LaTeX Error: File `kotex.sty' not found.", XELATEX) == (
        "PDF output with text outside Latin (e.g. Hangul, Chinese, Greek, Cyrillic, Vietnamese names) needs "
        "kotex.sty, which is not installed (on Debian or Ubuntu: apt-get install texlive-lang-korean)")
    font = explain('! Package fontspec Error: The font "Noto Serif CJK KR" cannot be found.', XELATEX)
    assert font is not None and font.endswith("apt-get install fonts-noto-cjk)")
    assert explain("! Undefined control sequence.", PDFLATEX) is None


def test_first_error_counts_lines_of_the_whole_document():
    log = "(./doc.tex\n! Undefined control sequence.\nl.3 \\oops\n"
    body = "\\begin{document}\nfine\n\\oops here\n"
    assert first_error(log, body) == "line 3: Undefined control sequence. (in: \\oops here)"
    assert first_error(log, body, offset=40) == "line 43: Undefined control sequence. (in: \\oops here)"
