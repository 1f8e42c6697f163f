"""PDFs a teacher prints: the default sheet's length, the running header, answer spaces, the cover page,
class PDFs for double-sided printing, names in any script, reproducible bytes and one-line failures.

Every test here runs TeX (slow); each looks at what a reader gets back from the PDF (pdftotext, pdfinfo).
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from exgen.api import generate
from exgen.bank.roster import Student
from exgen.errors import ExgenError
from exgen.render.texsetup import PDFLATEX, XELATEX, engine_for

pytestmark = [pytest.mark.integration, pytest.mark.tex,
              pytest.mark.needs("pdflatex", "pdftotext", "pdfinfo", why="TeX Live and poppler-utils; see .ci/run")]
needs_unicode_tex = pytest.mark.needs("xelatex", "qpdf", why="XeLaTeX, kotex, Noto CJK, CMU fonts and qpdf; see .ci/run")

# A class as the issue describes it: Korean, Chinese, Japanese, accented Latin, Vietnamese, Greek, Cyrillic
# and TeX-special names.
MIXED = ["김민준", "이서연", "박지훈", "최수아", "홍길동 Hong", "王秀英", "张伟", "陳大文", "李明", "山田花子", "さくら",
         "カタカナ太郎", "Zoë Ångström", "José Núñez", "François Lefèvre", "Søren Ærø", "Łukasz Żółć", "Nguyễn Văn Đức",
         "Trần Thị Hương", "Γιώργος Παπαδόπουλος", "Дмитрий Иванов", "O'Brien & Co", "#$%^_{}~\\", "Dr. 100% Smith_Jr",
         "Ævar Þór Bjarnason", "Mehmet Yılmaz Ğü", "Ольга Σοφία", "Çelik Straße", "金智恩 (김지은)", "Ngô Bảo Châu"]


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    return [unicodedata.normalize("NFC", page) for page in text.split("\f")[:-1]]


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.fixture(scope="module")
def default_sheets(tmp_path_factory):
    out = tmp_path_factory.mktemp("default")
    made = generate("dl-math-basics", students=4, formats="tex,pdf", out=out)
    return out, made


def test_the_default_40_point_sheet_fits_in_five_pages(default_sheets):
    out, made = default_sheets
    assert len(made.bank.exercises) == 10 and sum(e.points for e in made.bank.exercises) == 40
    for student in made.students:
        worksheet = out / "pdf" / f"{student.id}-worksheet.pdf"
        assert 1 < page_count(worksheet) <= 5, student.id


def test_every_page_has_the_header_with_name_id_course_and_page_n_of_m(default_sheets):
    out, made = default_sheets
    for student in made.students[:2]:
        for doc in ("worksheet", "key"):
            pdf = out / "pdf" / f"{student.id}-{doc}.pdf"
            text = pages(pdf)
            assert len(text) == page_count(pdf) >= 2
            for number, page in enumerate(text, 1):
                assert f"{student.name} ({student.id})" in page
                assert "Deep Learning Foundations" in page
                assert f"Page {number} of {len(text)}" in page
            # the title block is on the first page only: the header is what tells loose pages apart
            assert "Student:" in text[0] and all("Student:" not in page for page in text[1:])


def test_answer_space_is_what_each_part_asks(default_sheets):
    """The worksheet draws one space per part, of the form its kind declares: a grid of the answer's shape,
    a tuple of the right length, a box for a formula, tick boxes for a choice, a line for a number."""
    from exgen.answers import get_kind
    from exgen.build.keyfile import load_key

    out, made = default_sheets
    student = load_key(out / "answer_key.json")["students"][made.students[0].id]
    tex = (out / "tex" / f"{made.students[0].id}-worksheet.tex").read_text(encoding="utf-8")
    tex = tex[tex.index("\\begin{document}"):]  # the body, not the preamble's definitions
    drawn = re.findall(r"\\exgen(grid\{\d+\}\{\d+\}|tuple\{\d+\}|box\{\d+\}|choices\{|line\b)", tex)
    wanted = []
    for instance in student["exercises"]:
        for part in instance.parts:
            space = get_kind(part.kind).answer_space(part)
            wanted.append({"grid": f"grid{{{space.rows}}}{{{space.cols}}}", "tuple": f"tuple{{{space.cols}}}",
                           "box": f"box{{{space.rows}}}", "choices": "choices{", "line": "line"}[space.form.value])
    assert drawn == wanted
    assert "grid{4}{2}" in " ".join(drawn) or "grid{2}{3}" in " ".join(drawn)  # a matrix answer has its shape


def test_a_cover_page_has_name_and_id_boxes_and_the_score_table(tmp_path):
    generate("dl-math-basics", students=1, formats="pdf", out=tmp_path / "a", cover=True)
    generate("dl-math-basics", students=1, formats="pdf", out=tmp_path / "b")
    with_cover, without = (pages(tmp_path / d / "pdf" / "student-001-worksheet.pdf") for d in "ab")
    assert len(with_cover) == len(without) + 1
    first = with_cover[0]
    assert "Name" in first and "Student ID" in first and "Score" in first and "Total" in first
    assert "The chain rule" in first and "Exercise 1." not in first
    assert f"Page 1 of {len(with_cover)}" in first and "Exercise 1." in with_cover[1]


def test_every_character_sent_to_pdflatex_is_one_pdflatex_sets(tmp_path):
    """The engine rule's Latin set (ASCII, Latin-1, T1's Latin Extended-A letters, quotes, dashes) compiles
    with pdfLaTeX and comes back from pdftotext; the rule sends nothing else there."""
    from exgen.render import texsetup

    latin = "".join(chr(c) for c in range(0xA1, 0x100) if c != 0xAD) + texsetup._T1_EXTRA
    names = [latin[i:i + 24] for i in range(0, len(latin), 24)]
    assert all(engine_for(name) is PDFLATEX for name in names)
    students = [Student(id=f"s{i}", name=name) for i, name in enumerate(names)]
    generate("dl-math-basics", students=students, formats="pdf", out=tmp_path)
    for student in students:
        first = pages(tmp_path / "pdf" / f"{student.id}-worksheet.pdf")[0]
        assert unicodedata.normalize("NFKC", student.name) in unicodedata.normalize("NFKC", first), student.name


@needs_unicode_tex
def test_a_class_in_every_script_each_name_on_its_first_page_each_student_on_an_odd_page(tmp_path):
    students = [Student(id=f"s{i:02d}", name=name) for i, name in enumerate(MIXED, 1)]
    assert {engine_for(s.name) for s in students} == {PDFLATEX, XELATEX}
    generate("dl-math-basics", students=students, formats="tex,pdf", out=tmp_path, combined=True)
    for kind in ("worksheets", "keys"):
        text = pages(tmp_path / "pdf" / f"class-{kind}.pdf")
        firsts = [i for i, page in enumerate(text) if "Page 1 of" in page]
        assert len(firsts) == len(students) and len(text) == page_count(tmp_path / "pdf" / f"class-{kind}.pdf")
        for student, index in zip(students, firsts):
            assert index % 2 == 0, f"{student.id} starts on page {index + 1}"  # right-hand page
            assert f"Student: {student.name} ({student.id})" in text[index].replace("\n", " ")
        # a blank back page follows each student with an odd page count, and nothing else is blank
        starts = firsts + [len(text)]
        for start, end in zip(starts, starts[1:]):
            own = [i for i in range(start, end) if text[i].strip()]
            assert end - start == len(own) + len(own) % 2
    for student in students:  # the single PDFs too
        assert f"{student.name} ({student.id})" in pages(tmp_path / "pdf" / f"{student.id}-worksheet.pdf")[0]


@needs_unicode_tex
def test_xelatex_documents_are_byte_identical_across_runs(tmp_path):
    students = [Student(id="k1", name="김민준"), Student(id="g1", name="Ольга Σοφία")]
    for run in ("a", "b"):
        generate("dl-math-basics", students=students, formats="pdf", out=tmp_path / run, combined=True)
    for name in ("k1-worksheet.pdf", "g1-key.pdf", "class-worksheets.pdf", "class-keys.pdf"):
        assert (tmp_path / "a" / "pdf" / name).read_bytes() == (tmp_path / "b" / "pdf" / name).read_bytes(), name


@needs_unicode_tex
def test_a_name_no_font_covers_fails_its_documents_only_in_one_line(tmp_path):
    students = [Student(id="ok", name="Ada"), Student(id="ar", name="محمد")]
    with pytest.raises(ExgenError) as info:
        generate("dl-math-basics", students=students, formats="md,pdf", out=tmp_path)
    lines = str(info.value).splitlines()  # one line per document that failed, then what was written
    assert "محمد" not in str(info.value)
    assert [line.split(":")[0] for line in lines[:2]] == ["pdf/ar-worksheet.pdf", "pdf/ar-key.pdf"]
    assert all("no installed font has the character U+0645 (ARABIC LETTER MEEM)" in line for line in lines[:2])
    assert len(lines) == 3 and "every other document are written" in lines[2]
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert {"answer_key.json", "pdf/ok-worksheet.pdf", "pdf/ok-key.pdf", "md/ar-worksheet.md"} <= written
    assert not any(name.startswith("pdf/ar-") for name in written)
