"""Issue #13's first must-show: a 30-student class with Korean, Chinese, Japanese, accented Latin, Greek,
Cyrillic and TeX-special names, generated in Korean as Markdown, LaTeX, HTML and one combined PDF, from the
command line a teacher would type; each name is found on its student's first page of the class PDF, and
every student starts on an odd page."""

from __future__ import annotations

import csv
import html
import json
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from exgen.cli import main
from exgen.formatting import tex_text
from exgen.render.markdown import md_text

pytestmark = [pytest.mark.integration,
              pytest.mark.needs("xelatex", "pdflatex", "pdftotext", "qpdf", "dot",
                                why="XeLaTeX with kotex and Noto CJK, poppler-utils, qpdf, Graphviz; see .ci/run")]

NAMES = ["김민준", "이서연", "박지훈", "최수아", "정하은", "강도윤", "조예린", "윤시우",
         "王小明", "张伟", "陳大文", "李明", "刘洋",
         "山田花子", "さくら",
         "Zoë Ñúñez", "José Núñez", "François Lefèvre", "Søren Ærø", "Łukasz Żółć", "Nguyễn Văn Đức",
         "Ævar Þór Bjarnason", "Çelik Straße",
         "Γιώργος Παπαδόπουλος", "Дмитрий Иванов",
         "O'Brien & Co", "50% _Max_ {x}", "#$%^_{}~\\", "A\\textbf{b} $x$", "金智恩 (김지은)"]


def run(args) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    return [unicodedata.normalize("NFC", page) for page in text.split("\f")[:-1]]


@pytest.fixture(scope="module")
def week1(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class30")
    roster = tmp / "class.csv"
    with roster.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["학번", "이름"])  # a Korean roster header is read too
        writer.writerows([f"s{k:02d}", name] for k, name in enumerate(NAMES, 1))
    out = tmp / "week1"
    assert run(["generate", "--roster", str(roster), "--lang", "ko", "--format", "md,tex,html,pdf", "--combined",
                "--out", str(out), "-q"]) == 0
    return out


def students() -> list[tuple[str, str]]:
    return [(f"s{k:02d}", name) for k, name in enumerate(NAMES, 1)]


def test_the_class_is_what_the_issue_asks():
    assert len(NAMES) == 30 == len(set(NAMES))
    assert any("O'Brien & Co" == n for n in NAMES) and any("%" in n and "_" in n and "{" in n for n in NAMES)


def test_every_format_is_written_in_korean_with_the_name_as_typed(week1):
    key = json.loads((week1 / "answer_key.json").read_text(encoding="utf-8"))
    assert key["bank"]["language"] == "ko"
    assert [(s["id"], s["name"]) for s in key["students"]] == students()
    for sid, name in students():
        for doc in ("worksheet", "key"):
            md = (week1 / "md" / f"{sid}-{doc}.md").read_text(encoding="utf-8")
            assert f"**학생:** {md_text(name)} ({sid})" in md, (sid, doc)
            tex = (week1 / "tex" / f"{sid}-{doc}.tex").read_text(encoding="utf-8")
            assert f"\\textbf{{학생:}} {tex_text(name)} {{(}}{sid}{{)}}" in tex, (sid, doc)
            assert "\\exgenlanguage{ko}{nohyphenation}" in tex
            page = (week1 / "html" / f"{sid}-{doc}.html").read_text(encoding="utf-8")
            assert page.startswith("<!DOCTYPE html>\n<html lang=\"ko\">")
            shown = re.search(r'<dd class="student">([^<]*)</dd>', page).group(1)
            assert html.unescape(shown) == f"{name} ({sid})", (sid, doc)


@pytest.mark.parametrize("kind", ["worksheets", "keys"])
def test_each_name_is_on_its_students_first_page_of_the_class_pdf_which_is_odd(week1, kind):
    text = pages(week1 / "pdf" / f"class-{kind}.pdf")
    firsts = [i for i, page in enumerate(text) if "1 / " in page and "쪽" in page.split("1 / ", 1)[1][:4]]
    assert len(firsts) == 30
    for (sid, name), index in zip(students(), firsts):
        assert index % 2 == 0, f"{sid} starts on page {index + 1}"  # a right-hand page
        assert f"학생: {name} ({sid})" in text[index].replace("\n", " "), (sid, name)
    starts = firsts + [len(text)]
    for start, end in zip(starts, starts[1:]):  # only the blank back page of an odd count is blank
        own = [i for i in range(start, end) if text[i].strip()]
        assert end - start == len(own) + len(own) % 2
    for sid, name in students():  # and every student's own PDF
        first = pages(week1 / "pdf" / f"{sid}-{kind[:-1]}.pdf")[0]
        assert f"{name} ({sid})" in first and "1 / " in first
